package org.quantrace.runner.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import org.quantrace.engine.Progress;
import org.quantrace.runner.Verification;
import org.quantrace.runner.Verification.Problem;
import org.quantrace.testing.TestData;

/**
 * A recipe over an image-to-image model (tests/data/models/image_blur.onnx, a 3x3 blur: its output [N, 1, 28, 28] is no
 * class scores). Before, the recipe could not name a metric for it and a recipe with an evaluate step was refused on the
 * dataset's line (label-range); now the variants' outputs are measured against the original's (MSE, PSNR with its data
 * range, SSIM), the acceptance criteria hold on them (psnr in dB), the trace, results.json and PhIMT0003 print them, and
 * verify, deep too (the evaluation run again), finds the run consistent.
 */
class ReconstructionRunTest {

	@Test
	void anImageModelIsEvaluatedAgainstTheOriginalsOutputsAndVerifies() throws IOException {
		Path dir = blurExample("reconstruction-run");
		String recipe = imageRecipe(dir, "blur", "drq, fiq_int8", "evaluate on eval metrics mse, psnr, ssim range 1", "\taccept when psnr >= 30 dB for drq, fiq_int8\n\taccept when ssim drop < 1 pt\n"
				+ "\taccept when mse <= 0.0001");
		assertTrue(recipe.contains("psnr >= 30 dB") && recipe.contains("metrics mse, psnr, ssim"), recipe);
		Path out = dir.resolve("out");
		assertEquals(0, Runs.run(Runs.recipe(dir, "blur.qr", recipe), out).exitCode());

		String trace = Files.readString(out.resolve("trace.xmi"));
		// ssim's name states the range its constants C1 = (0.01 R)², C2 = (0.03 R)² were computed with, as psnr's does (it was "ssim")
		assertTrue(trace.contains("name=\"psnr (dB, range 1)\"") && trace.contains("name=\"mse\"") && trace.contains("name=\"ssim (range 1)\""), "the metrics are in the trace");
		String results = Files.readString(out.resolve("results.json"));
		assertTrue(results.contains("\"psnr (dB, range 1)\"") && results.contains("\"ssim (range 1)\"") && results.contains("\"accepted\" : true"), results);
		String log = Files.readString(out.resolve("logs/PhIMT0003-blur.md"));
		assertTrue(log.contains("psnr (dB, range 1)") && log.contains("ssim (range 1)") && log.contains("psnr >= 30 dB") && log.contains("ssim drop < 1 pt"), "PhIMT0003 prints them");
		assertTrue(Files.readString(out.resolve("report.html")).contains("ssim (range 1)"), "report.html names ssim's range");
		assertTrue(log.contains("inf"), "the original against itself: PSNR +inf");

		List<Problem> problems = Verification.verify(out).problems();
		assertTrue(problems.isEmpty(), problems.size() + " mismatches: " + problems);
		List<Problem> deep = Verification.verify(out, new Verification.Options(null, null, false, true, Progress.NONE)).problems();
		assertTrue(deep.isEmpty(), deep.size() + " mismatches (deep): " + deep);
	}

	/**
	 * The original against itself has psnr +inf, and each variant's psnr delta is -inf. results.json wrote them as Jackson does,
	 * the strings "Infinity" and "-Infinity" where every other figure is a JSON number (a reader's float parse of the field may
	 * refuse a string), and the logs printed "Infinity dB" where their tables print "inf". Now such a value is null, with its sign
	 * and reason in the variant's "notFinite" (by field path), and every document prints "inf"; verify reads the sign back, so
	 * an edited sign is a mismatch of the field.
	 */
	@Test
	void anInfinitePsnrIsNullWithItsReasonInResultsJsonAndInfInTheLogs() throws IOException {
		Path dir = blurExample("reconstruction-inf");
		String recipe = imageRecipe(dir, "blur", "unquantized, fiq_int8", "evaluate on eval metrics mse, psnr range 1", "\taccept when psnr >= 30 dB");
		Path out = dir.resolve("out");
		var outcome = Runs.run(Runs.recipe(dir, "blur.qr", recipe), out);
		assertEquals(0, outcome.exitCode(), outcome.diagnostics() + "\n" + recipe);

		String results = Files.readString(out.resolve("results.json"));
		assertFalse(results.contains("Infinity") || results.contains("NaN"), results);
		JsonNode root = new ObjectMapper().readTree(results);
		JsonNode original = variant(root, "original");
		JsonNode unquantized = variant(root, "unquantized");
		JsonNode quantized = variant(root, "fiq_int8");
		String psnr = "psnr (dB, range 1)";
		assertTrue(original.at("/metrics").get(psnr).isNull(), results);
		assertTrue(original.at("/notFinite").get("metrics/" + psnr).asText().startsWith("+inf: the outputs equal the reference"), results);
		assertTrue(unquantized.at("/criteria/0/measured").isNull(), results);
		assertTrue(unquantized.at("/notFinite").get("criteria/0/measured").asText().startsWith("+inf:"), results);
		assertEquals(0.0, unquantized.at("/deltas").get(psnr).asDouble(-1), "+inf against +inf: no change, " + results);
		assertTrue(quantized.at("/metrics").get(psnr).isNumber() && quantized.at("/metrics").get(psnr).asDouble() > 30, results);
		assertTrue(quantized.at("/deltas").get(psnr).isNull(), results);
		assertTrue(quantized.at("/notFinite").get("deltas/" + psnr).asText().startsWith("-inf:"), results);
		assertEquals(List.of("deltas/" + psnr), names(quantized.at("/notFinite")), "only the infinite figures: " + results);
		for (String document : List.of("logs/PhIMT0003-blur.md", "logs/PhIMT0003-blur.html", "report.html")) {
			String text = Files.readString(out.resolve(document));
			assertFalse(text.contains("Infinity"), document + " prints inf as the tables do: " + text);
			assertTrue(text.contains("inf dB"), document + ": the original's criterion measured inf dB");
		}
		List<Problem> problems = Verification.verify(out).problems();
		assertTrue(problems.isEmpty(), problems.size() + " mismatches: " + problems);

		// the sign edited (and every hash made again): the field's value is -inf now, the trace's +inf
		Path edited = Tampering.edited(out, dir.resolve("edited"), "results.json", "\"+inf: the outputs", "\"-inf: the outputs");
		List<Problem> found = Tampering.rowChecks(Verification.verify(edited).problems(), "results.json");
		assertTrue(found.stream().anyMatch(p -> p.file().equals("results.json") && p.what().contains("metrics/" + psnr)), found.toString());
	}

	/**
	 * A recipe over the image model without a 'metrics' clause, its criterion on psnr: validation refused it ("psnr is not
	 * evaluated ... (accuracy, precision, recall, f1, balanced-accuracy, kappa, model-size, latency)", exit 2), though the run
	 * would have measured outputs (no metrics: the model's output decides). The criterion now says the evaluation measures
	 * outputs: mse, psnr and ssim against the original's, and the run and verify agree.
	 */
	@Test
	void withoutMetricsAPsnrCriterionMeasuresOutputs() throws IOException {
		Path dir = blurExample("reconstruction-nometrics");
		String recipe = imageRecipe(dir, "blur", "fiq_int8", "evaluate on eval", "\taccept when psnr >= 30 dB");
		Path out = dir.resolve("out");
		var outcome = Runs.run(Runs.recipe(dir, "blur.qr", recipe), out);
		assertEquals(0, outcome.exitCode(), outcome.diagnostics() + "\n" + recipe);
		JsonNode quantized = variant(new ObjectMapper().readTree(Files.readString(out.resolve("results.json"))), "fiq_int8");
		assertEquals(List.of("mse", "psnr (dB, range 1)", "ssim (range 1)"), names(quantized.at("/metrics")).subList(0, 3), quantized.toString());
		assertEquals("psnr >= 30 dB", quantized.at("/criteria/0/criterion").asText(), quantized.toString());
		assertTrue(quantized.at("/criteria/0/passed").asBoolean(), quantized.toString());
		List<Problem> problems = Verification.verify(out).problems();
		assertTrue(problems.isEmpty(), problems.size() + " mismatches: " + problems);
	}

	/**
	 * The blur with a Transpose (perm 0, 2, 3, 1) after its Conv: its output is [N, 28, 28, 1], channels last. SSIM reads [C, H, W]:
	 * before, this output was taken as 28 channels of 28x1 pixels, too narrow for the 11x11 window, and a recipe asking for ssim ran
	 * (exit 0) with no ssim figure and no word; a [N, 32, 32, 3] output would have got one over the wrong axes. Now it is refused
	 * before any work on the evaluation's line (data-shape, exit 2) with what to do; without ssim the same model is measured.
	 */
	@Test
	void ssimOfAChannelsLastOutputIsRefusedOnTheEvaluationsLine() throws IOException {
		Path dir = Runs.exampleCopy("reconstruction-nhwc");
		ModelProto blur = ModelProto.parseFrom(Files.readAllBytes(TestData.data("models/image_blur.onnx")));
		GraphProto.Builder g = blur.getGraph().toBuilder();
		String out = g.getOutput(0).getName();
		g.setNode(0, g.getNode(0).toBuilder().setOutput(0, "nchw"));
		g.addNode(NodeProto.newBuilder().setOpType("Transpose").setName("to_nhwc").addInput("nchw").addOutput(out)
				.addAttribute(ai.onnx.proto.OnnxMl.AttributeProto.newBuilder().setName("perm").setType(ai.onnx.proto.OnnxMl.AttributeProto.AttributeType.INTS)
						.addInts(0).addInts(2).addInts(3).addInts(1)));
		var shape = g.getOutput(0).getType().getTensorType().getShape().toBuilder();
		var channels = shape.getDim(1);
		shape.setDim(1, shape.getDim(2)).setDim(2, shape.getDim(3)).setDim(3, channels);
		g.setOutput(0, g.getOutput(0).toBuilder().setType(g.getOutput(0).getType().toBuilder()
				.setTensorType(g.getOutput(0).getType().getTensorType().toBuilder().setShape(shape))));
		Files.write(dir.resolve("model/blur_nhwc.onnx"), blur.toBuilder().setGraph(g).build().toByteArray());
		String recipe = imageRecipe(dir, "blur_nhwc", "fiq_int8", "evaluate on eval metrics mse, psnr, ssim range 1", "\taccept when psnr >= 30 dB");
		Path folder = dir.resolve("out");
		var refused = Runs.run(Runs.recipe(dir, "nhwc.qr", recipe), folder);
		assertEquals(2, refused.exitCode(), refused.diagnostics() + "\n" + recipe);
		String said = refused.diagnostics().toString();
		int line = recipe.substring(0, recipe.indexOf("\tevaluate on eval")).split("\n", -1).length;
		assertTrue(said.contains("nhwc.qr:" + line + ":") && said.contains("[data-shape]") && said.contains("[28, 28, 1] per sample, an image channels last")
				&& said.contains("metrics mse, psnr") && said.contains("declare the layout, 'layout NHWC' in the model's preprocess block"),
				"on the evaluation's line " + line + ", with what to do: " + said);
		assertFalse(Files.exists(folder), "nothing written");

		var measured = Runs.run(Runs.recipe(dir, "nhwc.qr", recipe.replace("metrics mse, psnr, ssim range 1", "metrics mse, psnr range 1")), folder);
		assertEquals(0, measured.exitCode(), measured.diagnostics().toString());
		List<Problem> problems = Verification.verify(folder).problems();
		assertTrue(problems.isEmpty(), problems.size() + " mismatches: " + problems);
	}

	/**
	 * A model of NHWC layout throughout (input [N, 28, 28, 1], output [N, 28, 28, 16]: a 16-channel 3x3 Conv between two
	 * Transposes), the recipe's preprocess layout NHWC. Its output's shape alone does not say channels last (16 channels), and
	 * SSIM read it as 28 channels of 28x16 pixels: a figure over the wrong axes, exit 0; then (metrics2) refused by the recipe's
	 * layout. Now the layout says how to read it: SSIM over [H, W, C], and verify --deep's second path, which reads [H, W, C]
	 * by its own index arithmetic, gives the same figures (before: refused, exit 2).
	 */
	@Test
	void ssimOfAnNhwcModelsOutputIsComputedOverHwcByTheRecipesLayout() throws IOException {
		Path dir = Runs.exampleCopy("reconstruction-nhwc16");
		var dims = ai.onnx.proto.OnnxMl.TensorShapeProto.newBuilder()
				.addDim(ai.onnx.proto.OnnxMl.TensorShapeProto.Dimension.newBuilder().setDimParam("N"));
		var in = dims.clone().addDim(dim(28)).addDim(dim(28)).addDim(dim(1));
		var outShape = dims.clone().addDim(dim(28)).addDim(dim(28)).addDim(dim(16));
		TensorProto.Builder w = TensorProto.newBuilder().setName("w").setDataType(1).addDims(16).addDims(1).addDims(3).addDims(3);
		for (int i = 0; i < 16 * 9; i++) {
			w.addFloatData((1 + i % 16) / (9f * 16));
		}
		GraphProto.Builder g = GraphProto.newBuilder().setName("nhwc")
				.addInput(value("x", in)).addOutput(value("y", outShape)).addInitializer(w)
				.addNode(NodeProto.newBuilder().setOpType("Transpose").setName("to_nchw").addInput("x").addOutput("xc").addAttribute(perm(0, 3, 1, 2)))
				.addNode(NodeProto.newBuilder().setOpType("Conv").setName("conv").addInput("xc").addInput("w").addOutput("yc")
						.addAttribute(ai.onnx.proto.OnnxMl.AttributeProto.newBuilder().setName("pads").setType(ai.onnx.proto.OnnxMl.AttributeProto.AttributeType.INTS)
								.addInts(1).addInts(1).addInts(1).addInts(1)))
				.addNode(NodeProto.newBuilder().setOpType("Transpose").setName("to_nhwc").addInput("yc").addOutput("y").addAttribute(perm(0, 2, 3, 1)));
		ModelProto model = ModelProto.newBuilder().setIrVersion(8).setProducerName("ReconstructionRunTest").setGraph(g)
				.addOpsetImport(ai.onnx.proto.OnnxMl.OperatorSetIdProto.newBuilder().setDomain("").setVersion(13)).build();
		Files.write(dir.resolve("model/nhwc16.onnx"), model.toByteArray());
		String recipe = imageRecipe(dir, "nhwc16", "fiq_int8", "evaluate on eval metrics mse, psnr, ssim range 1", "\taccept when psnr >= 20 dB")
				.replace("\t\tlayout NCHW", "\t\tlayout NHWC");
		assertTrue(recipe.contains("layout NHWC"), recipe);
		Path folder = dir.resolve("out");
		var measured = Runs.run(Runs.recipe(dir, "nhwc16.qr", recipe), folder);
		assertEquals(0, measured.exitCode(), measured.diagnostics() + "\n" + recipe);
		JsonNode quantized = variant(new ObjectMapper().readTree(Files.readString(folder.resolve("results.json"))), "fiq_int8");
		double ssim = quantized.at("/metrics/ssim (range 1)").asDouble(Double.NaN);
		assertTrue(ssim > 0.9 && ssim < 1, "an SSIM of the int8 outputs against the original's: " + quantized);
		List<Problem> deep = Verification.verify(folder, new Verification.Options(null, null, false, true, Progress.NONE)).problems();
		assertTrue(deep.isEmpty(), deep.size() + " mismatches (deep): " + deep);
		// under the example's layout NCHW the same output is not declared channels last, and 16 channels do not look it: as before
		// (an open item), read [C, H, W]; a [N, 28, 28, 1] output is refused there (ssimOfAChannelsLastOutputIsRefusedOnTheEvaluationsLine)
	}

	private static ai.onnx.proto.OnnxMl.TensorShapeProto.Dimension dim(long v) {
		return ai.onnx.proto.OnnxMl.TensorShapeProto.Dimension.newBuilder().setDimValue(v).build();
	}

	private static ai.onnx.proto.OnnxMl.ValueInfoProto value(String name, ai.onnx.proto.OnnxMl.TensorShapeProto.Builder shape) {
		return ai.onnx.proto.OnnxMl.ValueInfoProto.newBuilder().setName(name).setType(ai.onnx.proto.OnnxMl.TypeProto.newBuilder()
				.setTensorType(ai.onnx.proto.OnnxMl.TypeProto.Tensor.newBuilder().setElemType(1).setShape(shape))).build();
	}

	private static ai.onnx.proto.OnnxMl.AttributeProto perm(long... p) {
		var a = ai.onnx.proto.OnnxMl.AttributeProto.newBuilder().setName("perm").setType(ai.onnx.proto.OnnxMl.AttributeProto.AttributeType.INTS);
		for (long x : p) {
			a.addInts(x);
		}
		return a.build();
	}

	private static JsonNode variant(JsonNode root, String name) {
		for (JsonNode v : root.at("/models/0/variants")) {
			if (v.path("variant").asText().equals(name)) {
				return v;
			}
		}
		throw new AssertionError("no variant " + name + ": " + root);
	}

	private static List<String> names(JsonNode object) {
		List<String> n = new java.util.ArrayList<>();
		object.fieldNames().forEachRemaining(n::add);
		return n;
	}

	/**
	 * The blur with a Clip(0, 1) as its last layer: quantization removes the Clip (the output's uint8 codes of scale 1/255 and
	 * zero point 0 clamp to [0, 1]) and requantizes those codes to the int8 model output. verify found no node 'clip' and
	 * judged the layer by the output's QuantizeLinear, which reads float: "layer clip (Clip): says quantized, re-derived
	 * float" and 12 more mismatches in PhIMT0003 (the metrics branch's finding, on main 0e99974 too). It is judged by the
	 * codes the requantization reads.
	 */
	@Test
	void aClipRemovedAtAnIntegerModelOutputVerifies() throws IOException {
		Path dir = Runs.exampleCopy("reconstruction-clip");
		blurThen(dir.resolve("model/blur_clip.onnx"), (g, out) -> {
			g.addNode(NodeProto.newBuilder().setOpType("Clip").setName("clip").addInput("blurred").addInput("lo").addInput("hi").addOutput(out));
			g.addInitializer(TensorProto.newBuilder().setName("lo").setDataType(1).addFloatData(0f));
			g.addInitializer(TensorProto.newBuilder().setName("hi").setDataType(1).addFloatData(1f));
		});
		String recipe = imageRecipe(dir, "blur_clip", "fiq_int8", "evaluate on eval metrics mse, psnr range 1", "\taccept when psnr >= 30 dB");
		Path folder = dir.resolve("out");
		var outcome = Runs.run(Runs.recipe(dir, "blur_clip.qr", recipe), folder);
		assertEquals(0, outcome.exitCode(), outcome.diagnostics() + "\n" + recipe);
		ModelProto quantized = ModelProto.parseFrom(Files.readAllBytes(folder.resolve("models/blur_clip/fiq_int8.onnx")));
		assertTrue(quantized.getGraph().getNodeList().stream().noneMatch(n -> n.getOpType().equals("Clip")), "the Clip is removed: the codes clamp");

		List<Problem> problems = Verification.verify(folder).problems();
		assertTrue(problems.isEmpty(), problems.size() + " mismatches: " + problems);
	}

	/**
	 * A denoiser's user measures against the clean images, not against the original's outputs: the evaluation's dataset names
	 * them ({@code targets "data/clean.npy"}; tests/data/metrics/make_denoise_targets.py made the noisy and clean .npy files from
	 * Fashion-MNIST and scikit-image's figures for the blur as the denoiser). Before, a recipe had no such clause (a syntax error)
	 * and a psnr drop was refused (fidelity-drop: the original's psnr was +inf against itself). Now the original's figures are
	 * scikit-image's against the targets, a psnr drop is measured from them, the trace records the targets file as an input with
	 * its SHA-256 and each evaluation's reference, results.json and PhIMT0003 say "targets data/clean.npy", and verify finds an
	 * edited targets file, an edited psnr in results.json, and (deep: its second computation against the targets) in the trace.
	 */
	@Test
	void aRecipeMeasuresAgainstTargetsAndVerifyChecksThem() throws IOException {
		Path dir = blurExample("reconstruction-targets");
		Files.copy(TestData.data("metrics/denoise_noisy.npy"), dir.resolve("data/noisy.npy"));
		Files.copy(TestData.data("metrics/denoise_clean.npy"), dir.resolve("data/clean.npy"));
		String recipe = targetsRecipe(dir, "\taccept when psnr >= 15 dB\n\taccept when psnr drop < 0.5 dB\n\taccept when mse drop < 0.001 fraction");
		Path out = dir.resolve("out");
		var outcome = Runs.run(Runs.recipe(dir, "blur.qr", recipe), out);
		assertEquals(0, outcome.exitCode(), outcome.diagnostics() + "\n" + recipe);

		JsonNode root = new ObjectMapper().readTree(Files.readString(out.resolve("results.json")));
		JsonNode reference = new ObjectMapper().readTree(Files.readString(TestData.data("metrics/denoise_references.json"))).get("blur_against_clean");
		JsonNode original = variant(root, "original");
		String psnr = "psnr (dB, range 1)";
		assertEquals("targets data/clean.npy", original.get("reference").asText(), original.toString());
		assertEquals(reference.get("mse").asDouble(), original.at("/metrics/mse").asDouble(), 1e-6 * reference.get("mse").asDouble(), "skimage's mse");
		assertEquals(reference.get("psnr").asDouble(), original.at("/metrics").get(psnr).asDouble(), 1e-5, "skimage's psnr");
		assertEquals(reference.get("ssim").asDouble(), original.at("/metrics/ssim (range 1)").asDouble(), 1e-6, "skimage's ssim");
		JsonNode quantized = variant(root, "fiq_int8");
		assertEquals("targets data/clean.npy", quantized.get("reference").asText(), quantized.toString());
		assertEquals("psnr drop < 0.5 dB", quantized.at("/criteria/1/criterion").asText(), quantized.toString());
		double drop = quantized.at("/criteria/1/measured").asDouble(Double.NaN);
		assertEquals(original.at("/metrics").get(psnr).asDouble() - quantized.at("/metrics").get(psnr).asDouble(), drop, 1e-6, quantized.toString());
		assertTrue(quantized.at("/criteria/1/passed").asBoolean() && Math.abs(drop) < 0.5, quantized.toString());
		String trace = Files.readString(out.resolve("trace.xmi"));
		assertTrue(trace.contains("path=\"data/clean.npy\" kind=\"targets\" owner=\"eval\" sha256=\"" + org.quantrace.engine.SafeFiles.sha256(dir.resolve("data/clean.npy"))),
				"the targets file is an input with its SHA-256");
		assertTrue(Files.readString(out.resolve("logs/PhIMT0003-blur.md")).contains("against targets data/clean.npy"), "PhIMT0003 says the reference");
		assertTrue(Files.readString(out.resolve("report.html")).contains("against targets data/clean.npy"), "report.html says the reference");

		List<Problem> problems = Verification.verify(out).problems();
		assertTrue(problems.isEmpty(), problems.size() + " mismatches: " + problems);
		List<Problem> deep = Verification.verify(out, new Verification.Options(null, null, false, true, Progress.NONE)).problems();
		assertTrue(deep.isEmpty(), deep.size() + " mismatches (deep): " + deep);

		// the psnr of fiq_int8 edited in results.json, every hash made again: not the trace's figure
		String figure = "\"" + psnr + "\" : " + quantized.at("/metrics").get(psnr).asDouble();
		Path editedResults = Tampering.edited(out, dir.resolve("edited-results"), "results.json", figure, "\"" + psnr + "\" : 30.5");
		List<Problem> found = Tampering.rowChecks(Verification.verify(editedResults).problems(), "results.json");
		assertTrue(found.stream().anyMatch(p -> p.file().equals("results.json") && p.what().contains("metrics/" + psnr)), found.toString());
		// the same figure edited in the trace: the second path, against the targets, computes it again
		String value = psnr + "\" value=\"" + quantized.at("/metrics").get(psnr).asDouble() + "\"";
		Path editedTrace = Tampering.edited(out, dir.resolve("edited-trace"), "trace.xmi", value, psnr + "\" value=\"30.5\"");
		List<Problem> again = Verification.verify(editedTrace, new Verification.Options(null, null, false, true, Progress.NONE)).problems();
		assertTrue(again.stream().anyMatch(p -> p.what().contains("fiq_int8 " + psnr + " (second path")), again.toString());

		// the targets file changed after the run (one value): the input is not the one the run read
		byte[] clean = Files.readAllBytes(dir.resolve("data/clean.npy"));
		clean[clean.length - 1] ^= 0x01;
		Files.write(dir.resolve("data/clean.npy"), clean);
		List<Problem> changed = Verification.verify(out).problems();
		assertTrue(changed.stream().anyMatch(p -> p.file().startsWith("data/clean.npy (targets of eval)") && p.what().startsWith("SHA-256 is")), changed.toString());
	}

	/** Targets of another shape than the model's output ([64, 784] for [N, 1, 28, 28]): exit 2 before any work, naming file and shapes. */
	@Test
	void targetsOfAnotherShapeAreRefusedBeforeAnyWork() throws IOException {
		Path dir = blurExample("reconstruction-targets-shape");
		Files.copy(TestData.data("metrics/denoise_noisy.npy"), dir.resolve("data/noisy.npy"));
		float[] flat = org.quantrace.engine.data.NpyArray.open(TestData.data("metrics/denoise_clean.npy")).read().toFloats();
		org.quantrace.engine.data.NpyArray.write(dir.resolve("data/clean.npy"), org.quantrace.engine.runtime.NdArray.ofFloats(new long[] { 64, 784 }, flat));
		Path out = dir.resolve("out");
		var outcome = Runs.run(Runs.recipe(dir, "blur.qr", targetsRecipe(dir, "\taccept when psnr >= 15 dB")), out);
		assertEquals(2, outcome.exitCode(), outcome.diagnostics().toString());
		String said = outcome.diagnostics().toString();
		assertTrue(said.contains("data-shape") && said.contains("targets \"data/clean.npy\" are [64, 784]") && said.contains("[1, 28, 28] per sample"), said);
		assertFalse(Files.exists(out), "nothing written");
	}

	/**
	 * A data range far wider than the outputs: the blur's outputs lie in [0, 1], and `range 255` lifted every psnr by 48 dB, so
	 * `psnr >= 40 dB` accepted fiq_int8 (main fc79cba: exit 0, accepted). The evaluation now refuses the range after its pass,
	 * by the rule `quantrace evaluate --data-range` follows (ReferenceSpan): exit 2, nothing written, nothing accepted.
	 */
	@Test
	void aDataRangeFarWiderThanTheOriginalsOutputsIsRefused() throws IOException {
		Path dir = blurExample("reconstruction-range");
		String recipe = imageRecipe(dir, "blur", "fiq_int8", "evaluate on eval metrics mse, psnr range 255", "	accept when psnr >= 40 dB");
		String said = refusedRun(dir, recipe);
		assertTrue(said.contains("the reference (the outputs of the baseline original) spans [") && said.contains("less than a tenth of the data range 255")
				&& said.contains("about 48 dB higher") && said.contains("`range R`"), said);
	}

	/**
	 * Runs {@code recipe} (as blur.qr in {@code dir}) into out/, which must refuse it (exit 2) on the line of its evaluation (its
	 * range clause) and write nothing; returns the diagnostic (message: hint).
	 */
	private static String refusedRun(Path dir, String recipe) {
		Path out = dir.resolve("out");
		Path file = Runs.recipe(dir, "blur.qr", recipe);
		var outcome = Runs.run(file, out);
		assertEquals(2, outcome.exitCode(), outcome.diagnostics().toString());
		assertFalse(Files.exists(out), "nothing written, nothing accepted");
		String said = outcome.diagnostics().toString();
		int line = java.util.Arrays.asList(recipe.split("\n", -1)).indexOf(recipe.lines().filter(l -> l.contains("evaluate on eval")).findFirst().orElseThrow()) + 1;
		assertTrue(said.contains("blur.qr:" + line + ":") && said.contains("error [data-range]"), "on the evaluation's line " + line + ": " + said);
		return said;
	}

	/**
	 * Very dark images (tests/data/metrics' 64 noisy and clean Fashion-MNIST images times 0.05: [0, 0.05]) with `range 1`, their
	 * format's range: the R/10 rule refused the run and the recipe had no way to say the range is right. `range 1 nominal` says
	 * it: the run measures, the trace records the word on each evaluation, and verify --deep holds the rule by it. A record
	 * without the word (as every record of a folder written before the rule) is held to the rule by the second path: a trace
	 * edited to drop it is two mismatches, the word against the recipe's and the span against the range.
	 */
	@Test
	void aNarrowReferenceIsMeasuredWhenTheRangeIsStatedNominalAndVerifyHoldsTheRuleByTheRecord() throws IOException {
		Path dir = blurExample("reconstruction-nominal");
		darkened(TestData.data("metrics/denoise_noisy.npy"), dir.resolve("data/noisy.npy"));
		darkened(TestData.data("metrics/denoise_clean.npy"), dir.resolve("data/clean.npy"));
		String recipe = targetsRecipe(dir, "\taccept when psnr >= 15 dB");
		String said = refusedRun(dir, recipe);
		assertTrue(said.contains("the reference (the targets data/clean.npy) spans [0, 0.05") && said.contains("less than a tenth of the data range 1")
				&& said.contains("`range R nominal`"), said);
		Path out = dir.resolve("out");

		var outcome = Runs.run(Runs.recipe(dir, "blur.qr", recipe.replace("range 1", "range 1 nominal")), out);
		assertEquals(0, outcome.exitCode(), outcome.diagnostics().toString());
		String trace = Files.readString(out.resolve("trace.xmi"));
		assertEquals(3, trace.split("nominalRange=\"true\"", -1).length - 1, "on each evaluation record (original, converted, fiq_int8)");
		List<Problem> problems = Verification.verify(out).problems();
		assertTrue(problems.isEmpty(), problems.size() + " mismatches: " + problems);
		List<Problem> deep = Verification.verify(out, new Verification.Options(null, null, false, true, Progress.NONE)).problems();
		assertTrue(deep.isEmpty(), deep.size() + " mismatches (deep): " + deep);

		Path unmarked = Tampering.edited(out, dir.resolve("unmarked"), "trace.xmi", " nominalRange=\"true\"", "");
		List<Problem> found = Verification.verify(unmarked, new Verification.Options(null, null, false, true, Progress.NONE)).problems();
		assertTrue(found.stream().anyMatch(p -> p.what().contains("data range 1.0 nominal") && p.what().contains("says false")), found.toString());
		assertTrue(found.stream().anyMatch(p -> p.what().contains("data range of psnr and ssim (second path") && p.what().contains("less than a tenth of the data range 1")),
				found.toString());
	}

	/**
	 * Issue 13: an evaluation asking for mse alone, of outputs spanning [0, 3] (tests/data/metrics' noisy and clean images times
	 * 3), was refused for the data range (default 1), which only psnr and ssim use, and its records and documents held a psnr
	 * nobody asked for. Now the range is held against the reference only where psnr or ssim is computed: the run measures, every
	 * document holds mse and neither psnr nor ssim, the mse is 9 times scikit-image's figure of the unscaled images, and verify,
	 * deep too, finds the folder consistent; a record that leaves out the mse the recipe asks for is found by the deep re-run.
	 */
	@Test
	void anEvaluationOfMseAloneHoldsNoDataRangeAndRecordsOnlyMse() throws IOException {
		Path dir = blurExample("reconstruction-mse");
		scaled(TestData.data("metrics/denoise_noisy.npy"), dir.resolve("data/noisy.npy"), 3f);
		scaled(TestData.data("metrics/denoise_clean.npy"), dir.resolve("data/clean.npy"), 3f);
		String recipe = targetsRecipe(dir, "\taccept when mse <= 1").replace("metrics mse, psnr, ssim range 1", "metrics mse");
		assertTrue(recipe.contains("evaluate on eval metrics mse\n"), recipe);
		Path out = dir.resolve("out");
		var outcome = Runs.run(Runs.recipe(dir, "blur.qr", recipe), out);
		assertEquals(0, outcome.exitCode(), outcome.diagnostics() + "\n" + recipe);

		for (String document : List.of("trace.xmi", "results.json", "report.html", "logs/PhIMT0003-blur.md", "logs/PhIMT0003-blur.html")) {
			String text = Files.readString(out.resolve(document));
			assertTrue(text.contains("mse"), document + " holds the mse");
			assertFalse(text.contains("psnr") || text.contains("ssim"), document + " holds a metric not asked for");
		}
		JsonNode root = new ObjectMapper().readTree(Files.readString(out.resolve("results.json")));
		double reference = new ObjectMapper().readTree(Files.readString(TestData.data("metrics/denoise_references.json"))).at("/blur_against_clean/mse").asDouble();
		JsonNode original = variant(root, "original");
		assertEquals(9 * reference, original.at("/metrics/mse").asDouble(), 1e-6 * 9 * reference, "scikit-image's mse of the unscaled images, times 3²: " + original);
		assertEquals(List.of("mse"), names(variant(root, "fiq_int8").at("/metrics")).stream().filter(n -> !n.startsWith("model size") && !n.startsWith("latency")).toList(),
				root.toString());

		List<Problem> problems = Verification.verify(out).problems();
		assertTrue(problems.isEmpty(), problems.size() + " mismatches: " + problems);
		List<Problem> deep = Verification.verify(out, new Verification.Options(null, null, false, true, Progress.NONE)).problems();
		assertTrue(deep.isEmpty(), deep.size() + " mismatches (deep): " + deep);

		// fiq_int8's mse left out of its record (every hash made again): the recipe asks for it, the deep re-run computes it
		String trace = Files.readString(out.resolve("trace.xmi"));
		java.util.regex.Matcher record = java.util.regex.Pattern.compile("<evaluations [^>]*variant=\"fiq_int8\"[\\s\\S]*?</evaluations>").matcher(trace);
		assertTrue(record.find(), trace);
		java.util.regex.Matcher mse = java.util.regex.Pattern.compile("\\s*<metrics name=\"mse\"[^>]*/>").matcher(record.group());
		assertTrue(mse.find(), record.group());
		Path edited = Tampering.edited(out, dir.resolve("edited"), "trace.xmi", record.group(), record.group().replace(mse.group(), ""));
		List<Problem> found = Verification.verify(edited, new Verification.Options(null, null, false, true, Progress.NONE)).problems();
		assertTrue(found.stream().anyMatch(p -> p.what().contains("fiq_int8 mse") && p.what().contains("not in the record")), found.toString());
	}

	/**
	 * Issue 13: `range 1 nominal` was recorded in the trace only (its nominalRange word); results.json, report.html and PhIMT0003
	 * named the figure "psnr (dB, range 1)" as for a range held against the reference. The word is now in psnr's name, which
	 * every record, table and log prints, and verify --deep derives the name again from the range and the word: a trace whose
	 * psnr is renamed without it (every hash made again) is a mismatch.
	 */
	@Test
	void aNominalRangeIsNamedInEveryDocumentAndVerified() throws IOException {
		Path dir = blurExample("reconstruction-nominal-named");
		darkened(TestData.data("metrics/denoise_noisy.npy"), dir.resolve("data/noisy.npy"));
		darkened(TestData.data("metrics/denoise_clean.npy"), dir.resolve("data/clean.npy"));
		String recipe = targetsRecipe(dir, "\taccept when psnr >= 15 dB").replace("range 1", "range 1 nominal");
		Path out = dir.resolve("out");
		var outcome = Runs.run(Runs.recipe(dir, "blur.qr", recipe), out);
		assertEquals(0, outcome.exitCode(), outcome.diagnostics() + "\n" + recipe);
		String psnr = "psnr (dB, range 1, nominal)";
		for (String document : List.of("trace.xmi", "results.json", "report.html", "logs/PhIMT0003-blur.md", "logs/PhIMT0003-blur.html")) {
			String text = Files.readString(out.resolve(document));
			assertTrue(text.contains(psnr) && text.contains("ssim (range 1, nominal)"), document + " names the range nominal, for psnr and ssim");
			assertFalse(text.contains("psnr (dB, range 1)"), document + " names it as a range held against the reference");
		}
		JsonNode quantized = variant(new ObjectMapper().readTree(Files.readString(out.resolve("results.json"))), "fiq_int8");
		assertTrue(quantized.at("/criteria/0/passed").asBoolean() && quantized.at("/metrics").get(psnr).asDouble() > 15, "the criterion found its figure: " + quantized);
		List<Problem> problems = Verification.verify(out).problems();
		assertTrue(problems.isEmpty(), problems.size() + " mismatches: " + problems);
		List<Problem> deep = Verification.verify(out, new Verification.Options(null, null, false, true, Progress.NONE)).problems();
		assertTrue(deep.isEmpty(), deep.size() + " mismatches (deep): " + deep);

		// a folder written between custody2 and evidence (2026-12-05) holds the word on its records (nominalRange) and names the figure
		// "psnr (dB, range 1)": true, it says less. The deep re-run said "says 42.9, re-derived null" and "not in the record" for
		// each variant; now it compares the figure under the older name and says so in a note. A trace renamed alone is still
		// not the one its documents were made from (they name the figure nominal).
		Path renamed = Tampering.edited(out, dir.resolve("renamed"), "trace.xmi", psnr, "psnr (dB, range 1)", "ssim (range 1, nominal)", "ssim");
		Verification.Result older = Verification.verify(renamed, new Verification.Options(null, null, false, true, Progress.NONE));
		assertTrue(older.problems().stream().noneMatch(p -> p.what().contains("(re-run)")), older.problems().toString());
		assertTrue(older.notes().stream().anyMatch(n -> n.contains("names 'psnr (dB, range 1)' for 'psnr (dB, range 1, nominal)', 'ssim' for 'ssim (range 1,"
				+ " nominal)': written by an earlier version")),
				older.notes().toString());
		assertTrue(older.problems().stream().anyMatch(p -> p.file().equals("results.json")), "the documents are not the trace's: " + older.problems());
		// the older name with a figure that is not the run's is a mismatch all the same
		Path wrong = Tampering.edited(renamed, dir.resolve("renamed-wrong"), "trace.xmi", "name=\"psnr (dB, range 1)\" value=\"", "name=\"psnr (dB, range 1)\" value=\"1");
		List<Problem> found = Verification.verify(wrong, new Verification.Options(null, null, false, true, Progress.NONE)).problems();
		assertTrue(found.stream().anyMatch(p -> p.what().contains("(re-run)") && p.what().contains("psnr (dB, range 1): says 1")), found.toString());
	}

	/** The .npy images of {@code from} times 0.05, at {@code to}: an image set of [0, 0.05]. */
	private static void darkened(Path from, Path to) throws IOException {
		scaled(from, to, 0.05f);
	}

	/** The .npy images of {@code from} times {@code factor}, at {@code to}. */
	private static void scaled(Path from, Path to, float factor) throws IOException {
		var array = org.quantrace.engine.data.NpyArray.open(from).read();
		float[] v = array.toFloats();
		for (int i = 0; i < v.length; i++) {
			v[i] *= factor;
		}
		org.quantrace.engine.data.NpyArray.write(to, org.quantrace.engine.runtime.NdArray.ofFloats(array.shape(), v));
	}

	/** A copy of the example folder with tests/data/models/image_blur.onnx as model/blur.onnx. */
	private static Path blurExample(String name) throws IOException {
		Path dir = Runs.exampleCopy(name);
		Files.copy(TestData.data("models/image_blur.onnx"), dir.resolve("model/blur.onnx"));
		return dir;
	}

	/** The image recipe with fiq_int8 evaluated on the noisy .npy images against their clean targets, and {@code criteria}. */
	private static String targetsRecipe(Path dir, String criteria) {
		String recipe = imageRecipe(dir, "blur", "fiq_int8", "evaluate on eval metrics mse, psnr, ssim range 1", criteria);
		String eval = "\tdataset eval \"data/evaluation\" role evaluation format folder labels \"data/labels.json\"";
		assertTrue(recipe.contains(eval), recipe);
		return recipe.replace(eval, "\tdataset eval \"data/noisy.npy\" role evaluation targets \"data/clean.npy\"");
	}

	/**
	 * A model whose outputs are NaN on some pixels (the blur minus 0.3, square-rooted: a user's model that overflows): every
	 * reconstruction metric and delta of its variants is NaN, null in results.json with its reason in notFinite, and the criteria
	 * fail. The untouched folder of such a run failed its own audit twice (main ea8fd9b): results.json names a metric's reason
	 * before its delta's, verify expected the delta's first ("models/nan/drq/notFinite (names): says [metrics/mse, deltas/mse, ...],
	 * re-derived [deltas/mse, metrics/mse, ...]"), and the conversion's difference, NaN, was held unequal to itself ("conversion
	 * .../nan maxAbsDifference: says NaN, re-derived NaN").
	 */
	@Test
	void aRunWhoseOutputsAreNotFiniteVerifies() throws IOException {
		Path dir = Runs.exampleCopy("reconstruction-nan");
		blurThen(dir.resolve("model/nan.onnx"), (g, out) -> {
			g.addNode(NodeProto.newBuilder().setOpType("Sub").setName("shift").addInput("blurred").addInput("c").addOutput("shifted"));
			g.addNode(NodeProto.newBuilder().setOpType("Sqrt").setName("root").addInput("shifted").addOutput(out));
			g.addInitializer(TensorProto.newBuilder().setName("c").setDataType(1).addFloatData(0.3f));
		});
		String recipe = imageRecipe(dir, "nan", "drq", "evaluate on eval metrics mse, psnr, ssim range 1", "\taccept when mse <= 0.01");
		Path folder = dir.resolve("out");
		var outcome = Runs.run(Runs.recipe(dir, "nan.qr", recipe), folder);
		assertEquals(1, outcome.exitCode(), outcome.diagnostics() + "\n" + recipe);
		JsonNode drq = new ObjectMapper().readTree(folder.resolve("results.json").toFile()).at("/models/0/variants/1");
		assertTrue(drq.at("/metrics/mse").isNull() && drq.at("/deltas/mse").isNull() && !drq.at("/criteria/0/passed").asBoolean(), drq.toString());
		assertTrue(drq.path("notFinite").has("metrics/mse") && drq.path("notFinite").has("deltas/mse"), drq.toString());

		List<Problem> problems = Verification.verify(folder).problems();
		assertTrue(problems.isEmpty(), problems.size() + " mismatches: " + problems);
	}

	/** The blur model with its output renamed 'blurred' and {@code tail} (given the graph and the output's name) writing the output; saved at {@code to}. */
	private static void blurThen(Path to, java.util.function.BiConsumer<GraphProto.Builder, String> tail) throws IOException {
		ModelProto blur = ModelProto.parseFrom(Files.readAllBytes(TestData.data("models/image_blur.onnx")));
		GraphProto.Builder g = blur.getGraph().toBuilder();
		String out = g.getOutput(0).getName();
		for (int i = 0; i < g.getNodeCount(); i++) {
			if (g.getNode(i).getOutputList().contains(out)) {
				g.setNode(i, g.getNode(i).toBuilder().setOutput(0, "blurred"));
			}
		}
		tail.accept(g, out);
		Files.write(to, blur.toBuilder().setGraph(g).build().toByteArray());
	}

	/**
	 * The example's recipe over the image model at model/NAME.onnx with only {@code schemes}: its evaluate step {@code evaluate}
	 * ("evaluate on eval ..."), its accuracy criterion replaced by {@code criteria}, no debug step. Each replacement must take.
	 */
	private static String imageRecipe(Path dir, String name, String schemes, String evaluate, String criteria) {
		String example = Runs.exampleRecipe(dir, name, "model/" + name + ".onnx", schemes);
		String[][] edits = { { "\tevaluate on eval metrics accuracy, top-k-accuracy, precision, recall, f1, balanced-accuracy, kappa tolerance 0.5 pt", "\t" + evaluate },
				{ "\taccept when accuracy drop < 1 pt for " + schemes, criteria }, { "\tdebug fiq_int8 threshold rmse/scale > 0.5\n", "" } };
		String recipe = example;
		for (String[] e : edits) {
			assertTrue(recipe.contains(e[0]), "the example's recipe changed: no '" + e[0] + "' in\n" + example);
			recipe = recipe.replace(e[0], e[1]);
		}
		return recipe;
	}
}
