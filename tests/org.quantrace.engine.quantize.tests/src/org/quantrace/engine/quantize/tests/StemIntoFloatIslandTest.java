package org.quantrace.engine.quantize.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quantrace.engine.quantize.tests.OpRulesTest.assertRunsAsWritten;
import static org.quantrace.engine.quantize.tests.OpRulesTest.assertWithinSteps;
import static org.quantrace.engine.quantize.tests.OpRulesTest.conv;

import java.util.List;

import org.junit.jupiter.api.Test;
import org.quantrace.engine.onnx.Node;
import org.quantrace.engine.onnx.OnnxModel;
import org.quantrace.engine.quantize.QuantizationResult;
import org.quantrace.engine.quantize.Schemes;

/**
 * A one-channel stem on the int8 model input whose output a dynamic activation reads (make_unseen31.py's dyrelu, Dynamic ReLU-B):
 * a hyper branch GlobalAveragePool → Gemm → Sigmoid → 2σ − 1 makes per-sample, per-channel coefficients, and Muls by them and a Max
 * read the stem's output. The Muls are float only because their coefficient is (the Sub has no integer kernel), which the planner
 * knows once its island passes have run; before, the stem stayed a QLinearConv of one input channel whose whole output was
 * quantized for the pool and read back through a DequantizeLinear by the float ops (dyrelu's fiq-int8 1.11-1.16x fp32's CPU time).
 * Now it computes in float and writes no QuantizeLinear; the pool computes in float on it, quantized after it at one value per
 * channel for the Gemm.
 */
class StemIntoFloatIslandTest {

	private static QuantizationResult.Layer layer(QuantizationResult r, String output) {
		String node = output.substring(0, output.length() - "_out0".length());
		return r.layers().stream().filter(l -> l.node().equals(node)).findFirst().orElseThrow();
	}

	private static String name(String output) {
		return output.substring(0, output.length() - "_out0".length());
	}

	/** The stem, its hyper branch and its readers; {@code sePlain}: the coefficient σ itself (squeeze-excitation), no Sub. */
	private record Block(TinyGraph t, String stem, String pool, String gemm, String product, String max, String next, OnnxModel model) {
	}

	private static Block block(boolean sePlain) {
		TinyGraph t = new TinyGraph(1, 8, 8).opset(14);
		String stem = conv(t, "x", 1, 8);
		String pool = t.node("GlobalAveragePool", List.of(stem));
		String gemm = t.node("Gemm", List.of(t.node("Flatten", List.of(pool)), t.weight(0.3, 8, 8), t.weight(0.1, 8)), TinyGraph.attr("transB", 1L));
		String sigmoid = t.node("Sigmoid", List.of(gemm));
		String coefficient = sePlain ? sigmoid : t.node("Sub", List.of(t.node("Mul", List.of(sigmoid, t.scalar(2f))), t.scalar(1f)));
		String product = t.node("Mul", List.of(stem, t.node("Reshape", List.of(coefficient, t.longs(-1, 8, 1, 1)))));
		String max = t.node("Max", List.of(product, stem));
		String next = conv(t, max, 8, 16);
		return new Block(t, stem, pool, gemm, product, max, next, t.model(t.node("Relu", List.of(next))));
	}

	@Test
	void aOneChannelStemReadOnlyByItsFloatIslandAndAGlobalPoolComputesInFloat() {
		Block b = block(false);
		QuantizationResult r = TinyGraph.quantize(b.model(), Schemes.preset("fiq_int8"), b.t().calibration(0, 1));

		QuantizationResult.Layer stem = layer(r, b.stem());
		assertFalse(stem.quantized(), stem.reason());
		assertTrue(stem.reason().startsWith("kept float: a Conv of one input channel on the int8 model input")
				&& stem.reason().contains("only ops that compute in float read its output ('" + name(b.product()) + "', '" + name(b.max())
						+ "'), and global pools that reduce it to one value per channel ('" + name(b.pool()) + "')")
				&& stem.reason().contains("so it writes no QuantizeLinear"), stem.reason());
		QuantizationResult.Layer pool = layer(r, b.pool());
		assertFalse(pool.quantized(), pool.reason());
		assertTrue(pool.reason().contains("comes from the float Conv '" + name(b.stem()) + "'"), pool.reason());
		assertTrue(layer(r, b.gemm()).quantized(), layer(r, b.gemm()).reason());
		assertTrue(layer(r, b.next()).quantized(), layer(r, b.next()).reason());

		List<Node> written = r.model().graph().nodes();
		Node conv = written.stream().filter(n -> n.name().equals(name(b.stem()))).findFirst().orElseThrow();
		assertEquals(List.of("GlobalAveragePool", "Max", "Mul"), written.stream().filter(n -> n.inputs().contains(conv.output(0))).map(Node::opType).sorted().toList(),
				"no QuantizeLinear after the stem: its readers read its float output");
		assertEquals("DequantizeLinear", r.model().graph().producer(conv.input(0)).orElseThrow().opType(), "the stem reads the int8 input's codes dequantized");

		List<String> ran = TinyGraph.ops(TinyGraph.optimized(r.model()).getGraph());
		assertEquals(List.of("Conv", "QLinearConv"), ran.stream().filter(op -> op.endsWith("Conv")).map(op -> op.replace("com.microsoft.", "")).toList(),
				"the stem computed in float, the next Conv on integers: " + ran);
		assertTrue(ran.stream().noneMatch(op -> op.endsWith("QLinearGlobalAveragePool")), "the pool in float on the stem's output: " + ran);
		assertRunsAsWritten(b.t(), r);
		assertWithinSteps(b.t(), b.model(), r);
	}

	/**
	 * The same stem where its readers compute on integers: squeeze-excitation's x·σ(...) is a QLinearMul (no Sub), so the stem's
	 * codes are read as codes and it stays a QLinearConv; and under fiq_uint8 (the input's codes are the activations' type) too.
	 */
	@Test
	void aStemWhoseReadersComputeOnIntegersOrOfAUint8InputStaysInteger() {
		Block se = block(true);
		QuantizationResult r = TinyGraph.quantize(se.model(), Schemes.preset("fiq_int8"), se.t().calibration(0, 1));
		assertTrue(layer(r, se.product()).quantized(), layer(r, se.product()).reason());
		assertTrue(layer(r, se.stem()).quantized(), layer(r, se.stem()).reason());

		Block dy = block(false);
		QuantizationResult u = TinyGraph.quantize(dy.model(), Schemes.preset("fiq_uint8"), dy.t().calibration(0, 1));
		assertTrue(layer(u, dy.stem()).quantized(), layer(u, dy.stem()).reason());
	}
}
