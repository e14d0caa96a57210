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
		Path dir = Runs.exampleCopy("float-slow-kernels");
		String recipe = Files.readString(dir.resolve("fashion_cnn.qr"))
				.replace("\tschemes unquantized, drq, fiq_float32, fiq_int8, fiq_uint8", "\tschemes fast_int8")
				.replace("for drq, fiq_float32, fiq_int8, fiq_uint8", "for fast_int8")
				.replace("debug fiq_int8", "debug fast_int8")
				.replace("recipe fashion_cnn", "quantize fast_int8 extends fiq_int8 \"narrow Convs left float\" {\n\tfloat-slow-kernels\n}\n\nrecipe fashion_cnn");
		assertTrue(recipe.contains("schemes fast_int8") && recipe.contains("float-slow-kernels"), recipe);
		Path out = dir.resolve("out");
		assertEquals(0, Runs.run(Runs.recipe(dir, "fast.qr", recipe), out).exitCode());

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
	}

	private static String weightProducer(Graph g, String conv) {
		Node n = g.nodes().stream().filter(x -> x.name().equals(conv)).findFirst().orElseThrow(() -> new AssertionError(conv + " is not in the model"));
		return g.producer(n.inputs().get(1)).map(Node::opType).orElse(null);
	}
}
