package org.quantrace.engine.quantize.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;
import org.quantrace.engine.onnx.Node;
import org.quantrace.engine.quantize.QuantizationResult;
import org.quantrace.engine.quantize.Schemes;

/**
 * The pre-norm transformer block's residual Add + LayerNormalization, written as com.microsoft.SkipLayerNormalization
 * (ONNX Runtime's CPU optimizer leaves it: the residual sum has a second reader), on a tiny block built in code:
 * ONNX Runtime loads and runs the result within quantization error of the float model, keeps the MatMuls integer,
 * and the trace names the node that holds each fused layer's work.
 */
class SkipLayerNormFusionTest {

	static final int TOKENS = 6;
	static final int HIDDEN = 8;

	/**
	 * x0 → LN → MatMul+bias → (+x0) → LN → MatMul+bias → (+residual) → LN → y, as the zoo ViT's last block: two
	 * residual sums, the first read twice, each before a LayerNormalization; the first LayerNormalization reads no sum.
	 * {@code x0} is x, or (floatStream) x less a constant as a float op computes it: then the residual stream is a
	 * float island, as in the ViT, where it starts at the class token's Expand.
	 */
	static String preNormBlock(TinyGraph t, boolean floatStream) {
		return preNormBlockOn(t, floatStream ? t.node("Sub", List.of("x", t.weight(0.1, HIDDEN))) : "x");
	}

	/** {@link #preNormBlock} on the stream {@code x0} [N, TOKENS, HIDDEN]. */
	static String preNormBlockOn(TinyGraph t, String x0) {
		long axis = -1;
		String h = layerNorm(t, x0, axis);
		String m = t.node("Add", List.of(t.node("MatMul", List.of(h, t.weight(1.0 / HIDDEN, HIDDEN, HIDDEN))), t.weight(0.1, HIDDEN)));
		String residual = t.node("Add", List.of(x0, m));
		String h2 = layerNorm(t, residual, axis);
		String m2 = t.node("Add", List.of(t.weight(0.1, HIDDEN), t.node("MatMul", List.of(h2, t.weight(1.0 / HIDDEN, HIDDEN, HIDDEN)))));
		return layerNorm(t, t.node("Add", List.of(residual, m2)), axis);
	}

	static String layerNorm(TinyGraph t, String x, long axis) {
		return t.node("LayerNormalization", List.of(x, t.weight(1, HIDDEN), t.weight(0.1, HIDDEN)), TinyGraph.attr("axis", axis),
				TinyGraph.attr("epsilon", 1e-5f));
	}

	@Test
	void residualAddAndLayerNormBecomeOneSkipLayerNormalizationOnnxRuntimeRuns() {
		TinyGraph t = new TinyGraph(TOKENS, HIDDEN).opset(17);
		OpRulesTest.Checked c = OpRulesTest.check(t, preNormBlock(t, true), -1, 1);
		List<Node> nodes = c.result().model().graph().nodes();
		Node sln = nodes.stream().filter(n -> n.opType().equals("SkipLayerNormalization") && n.outputs().size() == 4).findFirst()
				.orElseThrow(() -> new AssertionError(c.modelOps()));
		assertEquals("com.microsoft", sln.domain());
		assertEquals(3L, c.modelOps().stream().filter("SkipLayerNormalization"::equals).count(), c.modelOps().toString());
		assertEquals(0L, c.modelOps().stream().filter("LayerNormalization"::equals).count(), "the first LayerNormalization reads the input, no sum:"
				+ " its input added to itself");
		assertEquals(4, sln.inputs().size(), "input, skip, gamma, beta: " + sln.inputs());
		assertEquals(4, sln.outputs().size(), "the residual sum is its fourth output");
		assertTrue(nodes.stream().anyMatch(n -> n.opType().equals("SkipLayerNormalization") && n.inputs().contains(sln.output(3))),
				"the next block's sum reads the first: " + nodes);
		assertEquals(3L, c.count("com.microsoft.SkipLayerNormalization"), "ONNX Runtime keeps them: " + c.ops());
		assertEquals(2L, c.count("com.microsoft.MatMulIntegerToFloat"), "both MatMuls still run on integers: " + c.ops());

		QuantizationResult.Layer ln = layerNamed(c.result(), sln.name());
		assertFalse(ln.quantized());
		assertTrue(ln.reason().contains("com.microsoft.SkipLayerNormalization '" + sln.name() + "'"), ln.reason());
		List<QuantizationResult.Layer> fusedAdds = c.result().layers().stream().filter(l -> l.opType().equals("Add") && l.reason().contains("SkipLayerNormalization"))
				.toList();
		assertEquals(2, fusedAdds.size(), "each residual Add says where it went: " + c.result().layers());
		assertTrue(nodes.stream().noneMatch(n -> n.name().equals(fusedAdds.get(0).node())), "and it is gone from the file");
	}

	/**
	 * A residual stream that starts at codes (the model input here; torchvision's ViT once its class-token Concat folds into
	 * a Pad of codes): its sums used to become QLinearAdds, each dequantized for a float LayerNormalization, and no
	 * SkipLayerNormalization was written. A sum that a LayerNormalization reads stays float now and fuses with it.
	 */
	@Test
	void residualSumsOfCodesStayFloatAndFuseWithTheirLayerNorm() {
		TinyGraph t = new TinyGraph(TOKENS, HIDDEN).opset(17);
		OpRulesTest.Checked c = OpRulesTest.check(t, preNormBlock(t, false), -1, 1);
		assertEquals(2L, c.modelOps().stream().filter("SkipLayerNormalization"::equals).count() - selfSkips(c), c.modelOps().toString());
		assertEquals(3L, c.count("com.microsoft.SkipLayerNormalization"), "ONNX Runtime keeps them: " + c.ops());
		assertFalse(c.ops().contains("com.microsoft.QLinearAdd"), c.ops().toString());
		assertEquals(2L, c.modelOps().stream().filter("Add"::equals).count(), "the two bias Adds; the residual Adds are fused: " + c.modelOps());
	}

	/**
	 * torchvision's ViT once its class token is a Pad of the patches' codes (ShapeFolding): the first residual Add reads the
	 * Pad's codes through a DequantizeLinear the writer added, a tensor the shapes from before quantization do not know,
	 * so that Add and the LayerNormalization after it were left unfused (8 of 9 SkipLayerNormalization). Its shape is
	 * the codes' shape.
	 */
	@Test
	void aResidualSumReadingDequantizedCodesIsFusedToo() {
		TinyGraph t = new TinyGraph(TOKENS - 1, HIDDEN).opset(17);
		String padded = t.node("Pad", List.of("x", t.longs(0, 1, 0, 0, 0, 0)));
		OpRulesTest.Checked c = OpRulesTest.check(t, preNormBlockOn(t, padded), -1, 1);
		assertTrue(c.result().layers().stream().anyMatch(l -> l.opType().equals("Pad") && l.quantized()), c.result().layers().toString());
		assertEquals(2L, c.modelOps().stream().filter("SkipLayerNormalization"::equals).count() - selfSkips(c), c.modelOps().toString());
		assertEquals(3L, c.count("com.microsoft.SkipLayerNormalization"), "ONNX Runtime keeps them: " + c.ops());
	}

	@Test
	void layerNormOverAnotherAxisStaysAsItIs() {
		TinyGraph t = new TinyGraph(TOKENS, HIDDEN).opset(17);
		String y = t.node("LayerNormalization", List.of(t.node("Add", List.of("x", t.weight(0.5, TOKENS, HIDDEN))), t.weight(1, TOKENS, HIDDEN),
				t.weight(0.1, TOKENS, HIDDEN)), TinyGraph.attr("axis", 1L));
		OpRulesTest.Checked c = OpRulesTest.check(t, y, -1, 1);
		assertFalse(c.modelOps().contains("SkipLayerNormalization"), c.modelOps().toString());
		assertTrue(c.modelOps().contains("LayerNormalization"));
	}

	@Test
	void dynamicRangeModelsGetTheFusionToo() {
		TinyGraph t = new TinyGraph(TOKENS, HIDDEN).opset(17);
		var model = t.model(preNormBlock(t, false));
		QuantizationResult r = TinyGraph.quantize(model, Schemes.preset("drq"), null);
		assertTrue(r.model().graph().nodes().stream().anyMatch(n -> n.opType().equals("SkipLayerNormalization")), r.model().graph().nodes().toString());
		var x = t.batch(t.data(4, -1, 1));
		float[] expected = TinyGraph.run(model, x);
		float[] actual = TinyGraph.run(r.model(), x);
		for (int i = 0; i < expected.length; i++) {
			assertEquals(expected[i], actual[i], 0.05, "output " + i);
		}
	}

	/**
	 * A LayerNormalization no float sum reads, over a 4-D channels-last tensor as round 24's FocalNet writes its blocks
	 * (Transpose of a Conv's output, LayerNormalization, Linear): written as SkipLayerNormalization of its input (viewed as
	 * [N, -1, C]) added to itself with 4 times the epsilon, which ONNX Runtime keeps (its LayerNormalization kernel ran 3-4x
	 * slower on FocalNet's tensors); the Conv and MatMul stay integer and the output is within quantization error.
	 */
	@Test
	void aLayerNormNoSumReadsIsWrittenAsItsInputAddedToItself() {
		TinyGraph t = new TinyGraph(1, 4, 6).opset(17);
		String conv = t.node("Conv", List.of("x", t.weight(1.0 / 9, HIDDEN, 1, 3, 3), t.weight(0.05, HIDDEN)), TinyGraph.ints("pads", 1, 1, 1, 1));
		String channelsLast = t.node("Transpose", List.of(conv), TinyGraph.ints("perm", 0, 2, 3, 1));
		String y = t.node("MatMul", List.of(layerNorm(t, channelsLast, -1), t.weight(1.0 / HIDDEN, HIDDEN, 3)));
		OpRulesTest.Checked c = OpRulesTest.check(t, y, -1, 1);
		Node sln = c.result().model().graph().nodes().stream().filter(n -> n.opType().equals("SkipLayerNormalization")).findFirst()
				.orElseThrow(() -> new AssertionError(c.modelOps()));
		assertEquals(sln.input(0), sln.input(1), "its input added to itself: " + sln.inputs());
		assertEquals(4e-5f, sln.floatAttribute("epsilon", 0), 1e-12, "4 times the epsilon");
		assertFalse(c.modelOps().contains("LayerNormalization"), c.modelOps().toString());
		assertEquals(1L, c.count("com.microsoft.SkipLayerNormalization"), "ONNX Runtime keeps it: " + c.ops());
		assertFalse(c.ops().contains("LayerNormalization"), c.ops().toString());
		assertTrue(c.ops().contains("QLinearConv") && c.ops().contains("com.microsoft.MatMulIntegerToFloat"), c.ops().toString());
		QuantizationResult.Layer ln = layerNamed(c.result(), sln.name());
		assertFalse(ln.quantized());
		assertTrue(ln.reason().contains("its input added to itself with 4 times the epsilon"), ln.reason());
	}

	/**
	 * Written so, a LayerNormalization computes what it did: a float model of two, on [N, 6, 8] and (reshaped) [6N, 8], the
	 * kernel's two ranks, to float rounding.
	 */
	@Test
	void theInputAddedToItselfNormalizesAsTheLayerNormDid() {
		TinyGraph t = new TinyGraph(TOKENS, HIDDEN).opset(17);
		String y3 = t.node("LayerNormalization", List.of(t.node("Tanh", List.of("x")), t.weight(1, HIDDEN), t.weight(0.1, HIDDEN)),
				TinyGraph.attr("epsilon", 1e-3f));
		String y = t.node("LayerNormalization", List.of(t.node("Reshape", List.of(y3, t.longs(-1, HIDDEN))), t.weight(0.5, HIDDEN)),
				TinyGraph.attr("epsilon", 1e-2f));
		var model = t.model(y);
		QuantizationResult r = TinyGraph.quantize(model, Schemes.preset("drq"), null);
		assertEquals(2L, r.model().graph().nodes().stream().filter(n -> n.opType().equals("SkipLayerNormalization")).count(), r.model().graph().nodes().toString());
		var x = t.batch(t.data(4, -3, 3));
		float[] expected = TinyGraph.run(model, x);
		float[] actual = TinyGraph.run(r.model(), x);
		for (int i = 0; i < expected.length; i++) {
			assertEquals(expected[i], actual[i], 1e-5, "output " + i);
		}
	}

	/** The SkipLayerNormalizations that read their input twice (no residual sum). */
	private static long selfSkips(OpRulesTest.Checked c) {
		return c.result().model().graph().nodes().stream().filter(n -> n.opType().equals("SkipLayerNormalization") && n.input(0).equals(n.input(1))).count();
	}

	static QuantizationResult.Layer layerNamed(QuantizationResult r, String name) {
		return r.layers().stream().filter(l -> l.node().equals(name)).findFirst().orElseThrow();
	}
}
