package org.quantrace.runner.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Predicate;

import org.junit.jupiter.api.Test;
import org.quantrace.engine.Progress;
import org.quantrace.engine.SafeFiles;
import org.quantrace.engine.onnx.DataType;
import org.quantrace.engine.onnx.Graph;
import org.quantrace.engine.onnx.Node;
import org.quantrace.engine.onnx.OnnxModel;
import org.quantrace.engine.onnx.Tensor;
import org.quantrace.model.trace.OptimizationRecord;
import org.quantrace.model.trace.TensorQuantizationRecord;
import org.quantrace.model.trace.TensorRole;
import org.quantrace.model.trace.TraceModel;
import org.quantrace.runner.Verification;
import org.quantrace.runner.Verification.Problem;

/**
 * {@code verify --deep} measures each recorded bias correction again from the calibration data (issue 13: verify held the codes
 * against the recorded corrections only). An honest {@code bias-correction} run passes; a folder whose one channel's correction
 * and bias code were changed together, its model's hash, every document and list made again, passed main's verify --deep (the
 * codes fit the forged correction, the metrics did not move) and is now found, naming the layer and the channel.
 */
class VerifyBiasCorrectionDeepTest {

	private static final String CONV = "/features/features.0/Conv";

	@Test
	void eachCorrectionIsMeasuredAgainAndAForgedOneIsFound() throws IOException {
		Path out = Runs.exampleRunWithScheme("bias-correction-deep", "corrected.qr",
				"quantize corrected_int8 extends fiq_int8 \"int32 biases corrected\" {\n\tbias-correction\n}", "fiq_int8, corrected_int8", "fiq_int8");
		Path recipe = out.resolveSibling("corrected.qr");
		Verification.Result honest = deep(out, recipe);
		assertEquals(List.of(), honest.problems(), "the honest run verifies clean with --deep");
		// every corrected layer of the example CNN measured again, none left out
		assertTrue(honest.notes().stream().anyMatch(n -> n.matches("optimization \\S+ bias correction \\(re-measured\\): [1-9]\\d* corrected layers measured again on"
				+ " \\d+ calibration samples of \\S+ \\(largest difference [^)]*\\)")), honest.notes().toString());

		// without the inputs nothing is measured, and the note says the corrections too are not
		List<String> outputsOnly = Verification.verify(out, new Verification.Options(null, null, true, true, Progress.NONE)).notes();
		assertTrue(outputsOnly.contains("evaluations, debugger, bias corrections, entropy raises, activation scores and min-max ranges not run again: the inputs are not available"), outputsOnly.toString());

		Path forged = Runs.copy(out, out.resolveSibling("forged-remeasured"));
		Forged f = forgeOneChannel(forged, "corrected_int8", t -> t.getNode().equals(CONV));
		List<Problem> found = deep(forged, recipe).problems();
		assertTrue(!found.isEmpty() && found.stream().allMatch(p -> p.what().contains("bias correction (re-measured)")),
				"only the re-measured correction tells the forgery: " + found);
		// the forged layer, its channel and both values; the layers after it were measured with it as it was, so they differ too
		f.assertFound(found);
	}

	/**
	 * The zoo's ViT: the quantizer fuses each Add + LayerNormalization into a SkipLayerNormalization after it corrected the
	 * biases, so the file is not the model a layer after one was measured on. Measured through it, its 13 such layers differed
	 * from their honest records by up to 3e-4 (13 mismatches), and were then only counted in a note; measured with the fusion
	 * written back in verify's copy, the honest run is clean and a forged channel of the last of them (the head) is named.
	 */
	@Test
	void layersAfterAFusedLayerNormalizationAreMeasuredWithTheFusionUndone() throws IOException {
		Path dir = ZooRuns.runOneScheme("bias-correction-vit", """
				quantize vit_bc extends fiq_int8 "int32 biases corrected" {
					bias-correction
				}
				""", "vit_bc", "vit");
		Path out = dir.resolve("out");
		Path recipe = dir.resolve("zoo.qr");
		Verification.Result r = deep(out, recipe);
		assertEquals(List.of(), r.problems(), "the honest run verifies clean with --deep");
		assertTrue(r.notes().stream().anyMatch(n -> n.contains("bias correction (re-measured): 14 corrected layers measured again on 300 calibration samples")
				&& n.contains("; 13 of them after a SkipLayerNormalization")), r.notes().toString());

		Path forged = Runs.copy(out, dir.resolve("forged-remeasured"));
		TraceModel trace = org.quantrace.model.QuantraceModel.loadTrace(forged.resolve("trace.xmi"));
		OptimizationRecord o = trace.getOptimizations().stream().filter(x -> "vit_bc".equals(x.getScheme())).findFirst().orElseThrow();
		List<TensorQuantizationRecord> corrected = o.getQuantization().getTensors().stream().filter(t -> !t.getBiasCorrection().isEmpty()).toList();
		String last = corrected.get(corrected.size() - 1).getNode();
		List<Node> nodes = OnnxModel.load(forged.resolve(o.getOutput().getPath())).graph().nodes();
		int firstFused = nodes.indexOf(nodes.stream().filter(n -> n.opType().equals("SkipLayerNormalization")).findFirst().orElseThrow());
		assertTrue(nodes.indexOf(node(nodes.get(0).graph(), last)) > firstFused, last + " comes after a SkipLayerNormalization");
		Forged f = forgeOneChannel(forged, "vit_bc", t -> t.getNode().equals(last));
		List<Problem> found = deep(forged, recipe).problems();
		assertTrue(!found.isEmpty() && found.stream().allMatch(p -> p.what().contains("bias correction (re-measured)")),
				"only the re-measured correction tells the forgery: " + found);
		f.assertFound(found);
	}

	/** A forged channel: what verify must name, and the correction the run recorded there. */
	private record Forged(String named, double was, float step) {

		void assertFound(List<Problem> found) {
			Tampering.foundInTrace(found, named);
			String said = found.stream().map(Problem::what).filter(w -> w.contains(named)).findFirst().orElseThrow();
			double measured = Double.parseDouble(said.substring(said.indexOf(named) + named.length()).split(" ")[0]);
			assertEquals(was, measured, 1e-3 * step, "re-measured: the correction the run recorded, not the forged one");
		}
	}

	/**
	 * Three code steps more correction in one channel of the first corrected bias {@code which} takes, and its int32 code made
	 * from it: the codes fit the record, as verify's cheap path holds them, and no prediction moves. The model's hash and every
	 * document and list are made again.
	 */
	private static Forged forgeOneChannel(Path forged, String scheme, Predicate<TensorQuantizationRecord> which) throws IOException {
		TraceModel trace = org.quantrace.model.QuantraceModel.loadTrace(forged.resolve("trace.xmi"));
		OptimizationRecord o = trace.getOptimizations().stream().filter(x -> scheme.equals(x.getScheme())).findFirst().orElseThrow();
		TensorQuantizationRecord bias = o.getQuantization().getTensors().stream()
				.filter(t -> t.getRole() == TensorRole.BIAS && !t.getBiasCorrection().isEmpty() && which.test(t)).findFirst().orElseThrow();
		Path modelFile = forged.resolve(o.getOutput().getPath());
		OnnxModel q = OnnxModel.load(modelFile);
		Node dq = node(q.graph(), bias.getNode()).inputs().stream().map(in -> q.graph().producer(in).orElse(null))
				.filter(p -> p != null && p.opType().equals("DequantizeLinear") && q.graph().initializer(p.input(0)) != null
						&& q.graph().initializer(p.input(0)).dataType() == DataType.INT32)
				.findFirst().orElseThrow();
		float[] scales = q.graph().constant(dq.input(1)).toFloatArray();
		float[] floats = OnnxModel.load(forged.resolve(o.getInput().getPath())).graph().initializer(bias.getTensor()).toFloatArray();
		int channel = smallest(bias.getBiasCorrection());
		float step = scales[scales.length == 1 ? 0 : channel];
		float was = bias.getBiasCorrection().get(channel).floatValue();
		float now = was + 3 * step;
		bias.getBiasCorrection().set(channel, (double) now);
		Tensor held = q.graph().initializer(dq.input(0));
		long[] codes = held.toLongArray();
		int[] ints = new int[codes.length];
		for (int c = 0; c < ints.length; c++) {
			ints[c] = (int) codes[c];
		}
		ints[channel] = (int) Math.rint((floats[channel] - now) / step);
		assertTrue(ints[channel] != codes[channel], "the forged correction changes the code");
		q.graph().putInitializer(Tensor.ofInts(dq.input(0), held.dims(), ints));
		Files.write(modelFile, q.toBytes());
		String oldHash = o.getOutput().getSha256();
		o.getOutput().setSha256(SafeFiles.sha256(modelFile));
		// the quantized model's hash the log's additional configuration prints, as the run writes it
		o.getQuantization().getAdditionalConfiguration().forEach(p -> p.setValue(p.getValue().replace(oldHash, o.getOutput().getSha256())));
		o.getOutput().setSizeBytes(Files.size(modelFile));
		Tampering.remadeFromTrace(forged, trace);
		return new Forged("layer " + bias.getNode() + " bias " + bias.getTensor() + " channel " + channel + ": says " + (double) now + ", re-derived ", was, step);
	}

	/** The channel with the correction nearest 0: three steps more keep the largest the same, which the log and results print. */
	private static int smallest(List<Double> corrections) {
		int best = 0;
		for (int c = 1; c < corrections.size(); c++) {
			best = Math.abs(corrections.get(c)) < Math.abs(corrections.get(best)) ? c : best;
		}
		return best;
	}

	private static Node node(Graph g, String name) {
		return g.nodes().stream().filter(n -> n.name().equals(name)).findFirst().orElseThrow();
	}

	private static Verification.Result deep(Path out, Path recipe) {
		return Verification.verify(out, new Verification.Options(recipe, null, false, true, Progress.NONE));
	}
}
