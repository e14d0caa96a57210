package org.quantrace.runner.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.quantrace.engine.onnx.Graph;
import org.quantrace.engine.onnx.Node;
import org.quantrace.engine.onnx.OnnxModel;
import org.quantrace.runner.Verification;
import org.quantrace.runner.Verification.Problem;

/**
 * A recipe scheme with {@code float-slow-kernels} (issue 13): the example CNN's first Conv (1 -> 16 channels, 9 products per
 * output, a narrow Conv ONNX Runtime's QLinearConv runs slower than float) stays float in the model (on the int8 weights ONNX
 * Runtime would round its float ones to: the model input is int8), the log says so with
 * its reason and names the setting, and {@code verify} re-derives every figure of that run from the files without a mismatch.
 */
class FloatSlowKernelsRunTest {

	@Test
	void theNarrowFirstConvStaysFloatAndTheEvidenceSaysSo() throws IOException {
		Path out = Runs.exampleRunWithScheme("float-slow-kernels", "fast.qr", "quantize fast_int8 extends fiq_int8 \"narrow Convs left float\" {\n\tfloat-slow-kernels\n}",
				"fast_int8", "fast_int8");
		Path dir = out.getParent();

		Graph g = OnnxModel.load(out.resolve("models/cnn/fast_int8.onnx")).graph();
		// float on the int8 model input: ONNX Runtime would round float weights to int8 per tensor at load (WeightBiasQuantization),
		// so the file holds the scheme's int8 weights, which is what runs, and the Conv is computed in float on them
		assertEquals("DequantizeLinear", weightProducer(g, "/features/features.0/Conv"), "the first Conv reads int8 weights as ONNX Runtime runs it");
		assertEquals("DequantizeLinear", weightProducer(g, "/features/features.4/Conv"), "the second Conv reads int8 weights");

		String log = Files.readString(out.resolve("logs/PhIMT0003-cnn.md"));
		assertTrue(log.contains("float-slow-kernels: yes"), "the additional configuration names the setting");
		assertTrue(log.contains("a narrow Conv (16 output channels, 9 products per output)"), "the float layer's reason");
		assertTrue(log.contains("WeightBiasQuantization"), "and why its weights are int8");
		assertTrue(Files.readString(out.resolve("trace.xmi")).contains("float-slow-kernels"), "the trace records the setting");

		List<Problem> problems = Verification.verify(out).problems();
		assertTrue(problems.isEmpty(), problems.size() + " mismatches: " + problems);

		// the file as the quantizer wrote it before branch wbq: the first Conv reading the float model's float32 weights and bias
		// (its record float, as before). ONNX Runtime rounds them to int8 at load, so verify says what runs instead of passing it
		List<Problem> found = verifiedWithFloatWeights(out, dir.resolve("before-wbq"), "models/cnn/fast_int8.onnx", out.resolve("models/cnn/converted.onnx"),
				"/features/features.0/Conv");
		assertTrue(found.stream().anyMatch(p -> p.what().contains("layer /features/features.0/Conv (Conv) weights") && p.what().contains("says float32")
				&& p.what().contains("WeightBiasQuantization") && p.what().contains("do not run")), found.toString());
	}

	/**
	 * A Gemm on the int8 model input, excluded (tests/data/models' digits MLP, its first Gemm, fiq_int8): ONNX Runtime 1.29 rounded
	 * its float weights at load as it does a Conv's (measured, branch evidence: an excluded Gemm of a Fashion-MNIST MLP, 302 of 3,000
	 * logits changed by the optimization, 0 once written with int8 weights). Now written with the scheme's int8 weights and int32
	 * bias, recorded float, and verify agrees that it computes in float (the uint8 QuantizeLinear after its Relu, which ONNX Runtime
	 * removes, is of another type than the int8 input: no QGemm); the folder as written before, float32 weights, is a finding.
	 */
	@Test
	void aGemmOnTheInt8InputExcludedIsWrittenWithTheWeightsThatRunAndVerified() throws IOException {
		Path dir = org.quantrace.testing.TestData.tempDir("gemm-on-int8-input");
		Files.copy(org.quantrace.testing.TestData.data("models/sklearn_digits_mlp.onnx"), dir.resolve("mlp.onnx"));
		try (var in = new java.util.zip.GZIPInputStream(Files.newInputStream(org.quantrace.testing.TestData.data("models/digits.csv.gz")))) {
			Files.copy(in, dir.resolve("digits.csv"));
		}
		Path recipe = Files.writeString(dir.resolve("mlp.qr"), """
				quantize gemmfloat extends fiq_int8 "the first Gemm left float" {
					exclude "/l1/Gemm" because "the first layer stays float"
				}
				recipe digits "Digits, the first Gemm float" {
					responsible "test"
					model mlp "mlp.onnx" id MLP version 1
					dataset calib "digits.csv" role calibration
					dataset eval "digits.csv" role evaluation
					schemes fiq_int8, gemmfloat
					evaluate on eval metrics accuracy
				}
				""");
		Path out = dir.resolve("out");
		var outcome = Runs.run(recipe, out);
		assertEquals(0, outcome.exitCode(), outcome.diagnostics().toString());
		Graph g = OnnxModel.load(out.resolve("models/mlp/gemmfloat.onnx")).graph();
		assertEquals("DequantizeLinear", weightProducer(g, "/l1/Gemm"), "the excluded Gemm reads int8 weights as ONNX Runtime runs it");
		assertTrue(Files.readString(out.resolve("logs/PhIMT0003-mlp.md")).contains("WeightBiasQuantization"), "the log says why");
		List<Problem> problems = Verification.verify(out).problems();
		assertTrue(problems.isEmpty(), problems.size() + " mismatches: " + problems);

		List<Problem> found = verifiedWithFloatWeights(out, dir.resolve("before"), "models/mlp/gemmfloat.onnx", dir.resolve("mlp.onnx"), "/l1/Gemm");
		assertTrue(found.stream().anyMatch(p -> p.what().contains("layer /l1/Gemm (Gemm) weights") && p.what().contains("do not run")), found.toString());
	}

	/**
	 * What verify finds in a copy of {@code out} at {@code to} whose {@code model}'s {@code layer} reads the float32 weight and
	 * bias of {@code floatModel} (as written before its weights were written as ONNX Runtime runs them), every hash made again.
	 */
	private static List<Problem> verifiedWithFloatWeights(Path out, Path to, String model, Path floatModel, String layer) throws IOException {
		Runs.copy(out, to);
		floatWeights(to.resolve(model), floatModel, layer);
		Tampering.rehashAll(to);
		return Verification.verify(to).problems();
	}

	/** The {@code conv} of {@code model} made to read the float weight and bias its namesake in {@code floatModel} reads. */
	private static void floatWeights(Path model, Path floatModel, String conv) throws IOException {
		ai.onnx.proto.OnnxMl.ModelProto m = ai.onnx.proto.OnnxMl.ModelProto.parseFrom(Files.readAllBytes(model));
		ai.onnx.proto.OnnxMl.ModelProto f = ai.onnx.proto.OnnxMl.ModelProto.parseFrom(Files.readAllBytes(floatModel));
		ai.onnx.proto.OnnxMl.NodeProto source = f.getGraph().getNodeList().stream().filter(n -> n.getName().equals(conv)).findFirst().orElseThrow();
		ai.onnx.proto.OnnxMl.GraphProto.Builder g = m.getGraph().toBuilder();
		for (int i = 0; i < g.getNodeCount(); i++) {
			if (g.getNode(i).getName().equals(conv)) {
				ai.onnx.proto.OnnxMl.NodeProto.Builder n = g.getNode(i).toBuilder();
				for (int k = 1; k <= 2; k++) {
					String name = source.getInput(k);
					g.addInitializer(f.getGraph().getInitializerList().stream().filter(t -> t.getName().equals(name)).findFirst().orElseThrow().toBuilder()
							.setName(name + "_float32"));
					n.setInput(k, name + "_float32");
				}
				g.setNode(i, n);
			}
		}
		Files.write(model, m.toBuilder().setGraph(g).build().toByteArray());
	}

	private static String weightProducer(Graph g, String conv) {
		Node n = g.nodes().stream().filter(x -> x.name().equals(conv)).findFirst().orElseThrow(() -> new AssertionError(conv + " is not in the model"));
		return g.producer(n.inputs().get(1)).map(Node::opType).orElse(null);
	}
}
