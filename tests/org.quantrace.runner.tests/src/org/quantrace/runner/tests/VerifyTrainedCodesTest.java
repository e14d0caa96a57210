package org.quantrace.runner.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.Test;
import org.quantrace.runner.Verification;
import org.quantrace.runner.Verification.Problem;
import org.quantrace.testing.TestModels;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.OperatorSetIdProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnx.proto.OnnxMl.TensorShapeProto;
import ai.onnx.proto.OnnxMl.TypeProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;

/**
 * A quantization-aware-trained export (torch's QAT Conv-BN: QDQ weight → Conv → Div → BatchNormalization → Relu → QDQ), run
 * through a recipe's conversion, which folds the Div and BatchNormalization into the Conv's weight scales and an int32 bias,
 * its trained codes kept. verify re-derives that fold from the original's codes and constants: an honest folder is clean,
 * and an int32 bias moved by one code (every hash recomputed), which the conversion's output check does not see, is found.
 */
class VerifyTrainedCodesTest {

	@Test
	void aQatExportsFoldedScalesAndBiasAreReDerivedAndAMovedBiasCodeIsFound() throws IOException {
		Path dir = Runs.exampleCopy("verify-trained-codes");
		Path out = run(dir, qatModel(false));
		String log = Files.readString(out.resolve("logs/PhIMT0002-qat.md"));
		assertTrue(log.contains("weights kept as trained: 1 QDQ Conv's int8 codes unchanged"), "the conversion log says what it did");
		// the variant 'unquantized' is the export's trained integer model: the records and documents say so, not "float"
		com.fasterxml.jackson.databind.JsonNode warnings = org.quantrace.testing.TestData.json(out.resolve("results.json")).get("warnings");
		String trained = "is quantized already (3 QuantizeLinear, 3 DequantizeLinear: a quantization-aware-trained export or a model quantized before):"
				+ " scheme 'unquantized' evaluates it as it is, on the integer codes it holds (convert keeps them), neither calibrated nor quantized by this"
				+ " run; the variant named 'unquantized' is that integer model, not a float one";
		assertTrue(warnings.size() == 1 && warnings.get(0).get("code").asText().equals("model-trained-codes") && warnings.get(0).get("model").asText().equals("qat")
				&& warnings.get(0).get("message").asText().endsWith(trained), warnings.toString());
		assertTrue(log.contains("[model-trained-codes]") && Files.readString(out.resolve("report.html")).contains("model-trained-codes"), "in the log and the report");
		List<Problem> problems = Verification.verify(out).problems();
		assertTrue(problems.isEmpty(), problems.size() + " mismatches: " + problems);

		Path tampered = dir.resolve("tampered");
		Runs.copy(out, tampered);
		Tampering.editInitializer(tampered, "models/qat/converted.onnx", "conv_bias_int32", t -> {
			byte[] b = t.getRawData().toByteArray();
			b[4 * 3] += 1; // channel 3's int32 bias, little-endian: one code more
			return t.toBuilder().setRawData(com.google.protobuf.ByteString.copyFrom(b)).build();
		});
		// the unquantized variant is the converted model itself: the forger edits it alike, and every hash is recomputed
		Files.copy(tampered.resolve("models/qat/converted.onnx"), tampered.resolve("models/qat/unquantized.onnx"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
		Tampering.rehashAll(tampered);
		List<Problem> found = Verification.verify(tampered).problems();
		Path unsaid = dir.resolve("unsaid");
		Runs.copy(out, unsaid);
		String trace = Tampering.read(unsaid.resolve("trace.xmi"));
		Tampering.write(unsaid.resolve("trace.xmi"), trace.replaceFirst("\\s*<warnings [^>]*code=\"model-trained-codes\"[^>]*/>", ""));
		Tampering.resum(unsaid);
		List<Problem> unsaidFound = Verification.verify(unsaid).problems();
		assertTrue(unsaidFound.stream().anyMatch(p -> p.what().startsWith("warnings of the recipe language and the data-type check: says []")
				&& p.what().contains("[model-trained-codes]")), "a trace without the warning: " + unsaidFound);
		assertTrue(found.stream().anyMatch(p -> p.file().equals("models/qat/converted.onnx") && p.what().contains("weights kept as trained: 'conv'")
				&& p.what().contains("int32 bias of channel 3: says")), found.toString());
	}

	/**
	 * torch's QAT Linear-BN head (nniqat.LinearBn1d: QDQ weight → Gemm → Div → Add → BatchNormalization → Relu → QDQ) behind
	 * the Conv: converted, a QGemm with its trained codes; verify re-derives its scales and int32 bias from the original's
	 * codes and constants, and finds a Gemm weight code moved by one (every hash recomputed).
	 */
	@Test
	void aQatGemmHeadsFoldIsReDerivedAndAMovedWeightCodeIsFound() throws IOException {
		Path dir = Runs.exampleCopy("verify-trained-gemm");
		Path out = run(dir, qatModel(true));
		assertTrue(Files.readString(out.resolve("logs/PhIMT0002-qat.md")).contains("weights kept as trained: 2 QDQ layers' (1 Conv, 1 Gemm) int8 codes unchanged"),
				"the conversion log says what it did");
		List<Problem> problems = Verification.verify(out).problems();
		assertTrue(problems.isEmpty(), problems.size() + " mismatches: " + problems);

		List<Problem> found = forgedCode(dir, out, "gemm_trained_codes", 13); // row 1 (output channel 1), column 3
		assertTrue(found.stream().anyMatch(p -> p.file().equals("models/qat/converted.onnx") && p.what().contains("weights kept as trained: 'gemm'")
				&& p.what().contains("weight code 13 (channel 1): says")), found.toString());
	}

	/**
	 * A Linear-BN head exported as a MatMul of the matrix (QDQ weight [K, N] per output channel on axis 1 → MatMul → Div →
	 * Add → BatchNormalization → Relu → QDQ): converted, a Gemm without transB takes the shift as its int32 bias; verify pairs
	 * the original's MatMul with that Gemm and re-derives it, and finds a weight code moved by one (every hash recomputed).
	 */
	@Test
	void aQatMatMulHeadMadeAGemmIsReDerivedAndAMovedWeightCodeIsFound() throws IOException {
		Path dir = Runs.exampleCopy("verify-trained-matmul");
		Path out = run(dir, qatModel("MatMul"));
		assertTrue(Files.readString(out.resolve("logs/PhIMT0002-qat.md")).contains("weights kept as trained: 2 QDQ layers' (1 Conv, 1 Gemm) int8 codes unchanged"),
				"the conversion log says what it did");
		List<Problem> problems = Verification.verify(out).problems();
		assertTrue(problems.isEmpty(), problems.size() + " mismatches: " + problems);

		List<Problem> found = forgedCode(dir, out, "matmul_trained_codes", 13); // row 1, column 3 (output channel 3)
		assertTrue(found.stream().anyMatch(p -> p.file().equals("models/qat/converted.onnx") && p.what().contains("weights kept as trained: 'matmul'")
				&& p.what().contains("weight code 13 (channel 3): says")), found.toString());
	}

	/**
	 * The same export without node names (onnx.helper writes none; a stripped model has none): verify pairs the original's
	 * Conv with the converted one by the tensors it reads and writes, not by a name (the conversion names the nodes it
	 * keeps), so a folded weight scale moved by 0.1 % with every hash recomputed is found as on a named export.
	 */
	@Test
	void anUnnamedExportsFoldIsPairedByItsTensorsAndAForgedScaleIsFound() throws IOException {
		Path dir = Runs.exampleCopy("verify-trained-unnamed");
		ModelProto named = qatModel(false);
		GraphProto.Builder stripped = named.getGraph().toBuilder();
		stripped.getNodeBuilderList().forEach(NodeProto.Builder::clearName);
		Path out = run(dir, named.toBuilder().setGraph(stripped).build());
		List<Problem> problems = Verification.verify(out).problems();
		assertTrue(problems.isEmpty(), problems.size() + " mismatches: " + problems);

		Path tampered = dir.resolve("tampered");
		Runs.copy(out, tampered);
		ModelProto converted = ModelProto.parseFrom(Files.readAllBytes(out.resolve("models/qat/converted.onnx")));
		String scales = converted.getGraph().getInitializerList().stream().map(TensorProto::getName).filter(n -> n.endsWith("_folded_scales")).findFirst().orElseThrow();
		Tampering.editInitializer(tampered, "models/qat/converted.onnx", scales, t -> Tampering.times(t, 2, 1.001f));
		Files.copy(tampered.resolve("models/qat/converted.onnx"), tampered.resolve("models/qat/unquantized.onnx"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
		Tampering.rehashAll(tampered);
		List<Problem> found = Verification.verify(tampered).problems();
		assertTrue(found.stream().anyMatch(p -> p.file().equals("models/qat/converted.onnx") && p.what().contains("weights kept as trained: 'Conv -> conv'")
				&& p.what().contains("weight scale of channel 2: says")), found.toString());
	}

	/**
	 * What verify finds in {@code out} copied to dir/tampered with byte {@code index} of {@code initializer} one more in
	 * converted.onnx and in unquantized.onnx (the converted model itself: the forger edits it alike), every hash recomputed.
	 */
	private static List<Problem> forgedCode(Path dir, Path out, String initializer, int index) {
		Path tampered = dir.resolve("tampered");
		Runs.copy(out, tampered);
		Tampering.editInitializer(tampered, "models/qat/converted.onnx", initializer, t -> {
			byte[] b = t.getRawData().toByteArray();
			b[index] += 1;
			return t.toBuilder().setRawData(com.google.protobuf.ByteString.copyFrom(b)).build();
		});
		try {
			Files.copy(tampered.resolve("models/qat/converted.onnx"), tampered.resolve("models/qat/unquantized.onnx"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
		} catch (IOException e) {
			throw new java.io.UncheckedIOException(e);
		}
		Tampering.rehashAll(tampered);
		return Verification.verify(tampered).problems();
	}

	/**
	 * x [N, 1, 28, 28] → QDQ uint8 → Conv 10x1x3x3 (QDQ int8 per channel, float bias) → Div → BN → Relu → QDQ uint8 → pool →
	 * [N, 10]; with {@code gemmHead} then QDQ → Gemm 10x10 (QDQ int8 per output channel, transB) → Div → Add → BN → Relu → QDQ.
	 */
	private static ModelProto qatModel(boolean gemmHead) {
		return qatModel(gemmHead ? "Gemm" : null);
	}

	/** {@code head}: null, "Gemm" (transB) or "MatMul" (the weight [K, N], per output channel on axis 1, no bias). */
	private static ModelProto qatModel(String head) {
		boolean gemmHead = head != null;
		Random r = new Random(9);
		int c = 10;
		float[] w = new float[c * 9];
		float[] ws = new float[c];
		float[] div = new float[c];
		float[][] bn = new float[4][c];
		float[] bias = new float[c];
		for (int i = 0; i < c; i++) {
			ws[i] = 0.004f + 0.001f * i;
			div[i] = 0.8f + 0.05f * i;
			bn[0][i] = i == 4 ? -0.9f : 0.7f + 0.06f * i; // one negative γ: that channel's codes mirrored
			bn[1][i] = 0.1f * (i - 5);
			bn[2][i] = 0.02f * i;
			bn[3][i] = 0.5f + 0.1f * i;
			bias[i] = 0.01f * (i - 3);
		}
		for (int i = 0; i < w.length; i++) {
			w[i] = (float) Math.max(-0.4, Math.min(0.4, r.nextGaussian() * 0.2));
		}
		GraphProto.Builder g = GraphProto.newBuilder().setName("qat");
		g.addInput(value("x", 1, 28, 28));
		floats(g, "xs", new long[] { 1 }, 1f / 255);
		ints(g, "xz", TensorProto.DataType.UINT8_VALUE, new long[] { 1 }, 0);
		floats(g, "w", new long[] { c, 1, 3, 3 }, w);
		floats(g, "ws", new long[] { c }, ws);
		ints(g, "wz", TensorProto.DataType.INT8_VALUE, new long[] { c }, new int[c]);
		floats(g, "b", new long[] { c }, bias);
		floats(g, "d", new long[] { 1, c, 1, 1 }, div);
		String[] p = { "gamma", "beta", "mean", "var" };
		for (int j = 0; j < 4; j++) {
			floats(g, p[j], new long[] { c }, bn[j]);
		}
		floats(g, "ys", new long[] { 1 }, 0.01f);
		ints(g, "yz", TensorProto.DataType.UINT8_VALUE, new long[] { 1 }, 0);
		AttributeProto axis = AttributeProto.newBuilder().setName("axis").setType(AttributeProto.AttributeType.INT).setI(0).build();
		node(g, "QuantizeLinear", "xq", List.of("x", "xs", "xz"));
		node(g, "DequantizeLinear", "xd", List.of("xq", "xs", "xz"));
		node(g, "QuantizeLinear", "wq", List.of("w", "ws", "wz"), axis);
		node(g, "DequantizeLinear", "wd", List.of("wq", "ws", "wz"), axis);
		node(g, "Conv", "conv", List.of("xd", "wd", "b"), AttributeProto.newBuilder().setName("pads").setType(AttributeProto.AttributeType.INTS)
				.addAllInts(List.of(1L, 1L, 1L, 1L)).build());
		node(g, "Div", "div", List.of("conv", "d"));
		node(g, "BatchNormalization", "bn", List.of("div", "gamma", "beta", "mean", "var"));
		node(g, "Relu", "relu", List.of("bn"));
		node(g, "QuantizeLinear", "yq", List.of("relu", "ys", "yz"));
		node(g, "DequantizeLinear", "yd", List.of("yq", "ys", "yz"));
		node(g, "GlobalAveragePool", "pool", List.of("yd"));
		node(g, "Flatten", gemmHead ? "flat" : "y", List.of("pool"));
		if (gemmHead) {
			float[] fw = new float[c * c];
			for (int i = 0; i < fw.length; i++) {
				fw[i] = (float) Math.max(-0.5, Math.min(0.5, r.nextGaussian() * 0.2));
			}
			float[] fws = new float[c];
			float[] shift = new float[c];
			float[][] fbn = new float[4][c];
			for (int i = 0; i < c; i++) {
				fws[i] = 0.004f + 0.0005f * i;
				shift[i] = 0.01f * (4 - i);
				fbn[0][i] = i == 6 ? -1.1f : 0.9f + 0.03f * i;
				fbn[1][i] = 0.05f * i;
				fbn[2][i] = -0.01f * i;
				fbn[3][i] = 0.8f + 0.05f * i;
			}
			floats(g, "fw", new long[] { c, c }, fw);
			floats(g, "fws", new long[] { c }, fws);
			ints(g, "fwz", TensorProto.DataType.INT8_VALUE, new long[] { c }, new int[c]);
			floats(g, "fb", new long[] { c }, bias);
			floats(g, "fd", new long[] { c }, div);
			floats(g, "fa", new long[] { c }, shift);
			for (int j = 0; j < 4; j++) {
				floats(g, "f" + p[j], new long[] { c }, fbn[j]);
			}
			floats(g, "fs", new long[] { 1 }, 0.02f);
			node(g, "QuantizeLinear", "fq", List.of("flat", "ys", "yz"));
			node(g, "DequantizeLinear", "fdq", List.of("fq", "ys", "yz"));
			AttributeProto weightAxis = axis.toBuilder().setI(head.equals("MatMul") ? 1 : 0).build();
			node(g, "QuantizeLinear", "fwq", List.of("fw", "fws", "fwz"), weightAxis);
			node(g, "DequantizeLinear", "fwd", List.of("fwq", "fws", "fwz"), weightAxis);
			if (head.equals("MatMul")) {
				node(g, "MatMul", "matmul", List.of("fdq", "fwd"));
			} else {
				node(g, "Gemm", "gemm", List.of("fdq", "fwd", "fb"), AttributeProto.newBuilder().setName("transB").setType(AttributeProto.AttributeType.INT).setI(1).build());
			}
			node(g, "Div", "gdiv", List.of(head.toLowerCase(), "fd"));
			node(g, "Add", "gadd", List.of("gdiv", "fa"));
			node(g, "BatchNormalization", "gbn", List.of("gadd", "fgamma", "fbeta", "fmean", "fvar"));
			node(g, "Relu", "grelu", List.of("gbn"));
			node(g, "QuantizeLinear", "gq", List.of("grelu", "fs", "yz"));
			node(g, "DequantizeLinear", "y", List.of("gq", "fs", "yz"));
		}
		g.addOutput(value("y", 10));
		return ModelProto.newBuilder().setIrVersion(8).setProducerName("pytorch").addOpsetImport(OperatorSetIdProto.newBuilder().setVersion(13)).setGraph(g).build();
	}

	/** The example's recipe on {@code model} with the scheme unquantized (its criteria and debug steps left out): exit 0; the output folder. */
	private static Path run(Path dir, ModelProto model) throws IOException {
		Files.write(dir.resolve("model/qat.onnx"), model.toByteArray());
		String recipe = Runs.exampleRecipe(dir, "qat", "model/qat.onnx", "unquantized").lines()
				.filter(l -> !l.trim().startsWith("accept ") && !l.trim().startsWith("debug ")).reduce("", (a, b) -> a + b + "\n");
		Path out = dir.resolve("out");
		assertEquals(0, Runs.run(Runs.recipe(dir, "qat.qr", recipe), out).exitCode());
		return out;
	}

	private static void node(GraphProto.Builder g, String op, String name, List<String> inputs, AttributeProto... attributes) {
		NodeProto.Builder n = NodeProto.newBuilder().setOpType(op).setName(name).addAllInput(inputs).addOutput(name);
		for (AttributeProto a : attributes) {
			n.addAttribute(a);
		}
		g.addNode(n);
	}

	private static void floats(GraphProto.Builder g, String name, long[] dims, float... values) {
		g.addInitializer(TestModels.floats(name, dims, values));
	}

	private static void ints(GraphProto.Builder g, String name, int type, long[] dims, int... values) {
		g.addInitializer(TestModels.ints(name, type, dims, values));
	}

	private static ValueInfoProto value(String name, long... sample) {
		TensorShapeProto.Builder shape = TensorShapeProto.newBuilder().addDim(TensorShapeProto.Dimension.newBuilder().setDimParam("N"));
		for (long d : sample) {
			shape.addDim(TensorShapeProto.Dimension.newBuilder().setDimValue(d));
		}
		return ValueInfoProto.newBuilder().setName(name)
				.setType(TypeProto.newBuilder().setTensorType(TypeProto.Tensor.newBuilder().setElemType(TensorProto.DataType.FLOAT_VALUE).setShape(shape))).build();
	}
}
