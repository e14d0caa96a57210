package org.quantrace.engine.quantize.tests;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;
import org.quantrace.engine.onnx.Node;
import org.quantrace.engine.onnx.Tensor;
import org.quantrace.engine.quantize.OpRule;
import org.quantrace.engine.quantize.OpRules;
import org.quantrace.engine.quantize.tests.OpRulesTest.Checked;

/**
 * Depthwise Convs whose channel count ONNX Runtime's integer depthwise kernel does not take (not a multiple of
 * 16) are widened with zero weights before quantizing, over their whole channel region (the Conv before, the
 * per-channel ops, squeeze-excitation, the Convs after): the quantized model computes what the float one does
 * within the quantization error, and regions that reach anything else stay as they are. On by default for
 * full-integer schemes; the engine's spec turns it off.
 */
class DepthwisePaddingTest {

	/** A MobileNetV3 block: expand, HardSwish, depthwise 3x3 with 24 channels, HardSwish, squeeze-excitation, project. */
	static String mobileNetV3Block(TinyGraph t, int channels) {
		String stem = t.node("HardSwish", List.of(OpRulesTest.conv(t, "x", 4, 8)));
		String expanded = t.node("Relu", List.of(OpRulesTest.pointwise(t, stem, 8, channels)));
		String dw = t.node("HardSwish", List.of(depthwise(t, expanded, channels)));
		String squeezed = t.node("Relu", List.of(OpRulesTest.pointwise(t, t.node("GlobalAveragePool", List.of(dw)), channels, 8)));
		String gate = t.node("HardSigmoid", List.of(OpRulesTest.pointwise(t, squeezed, 8, channels)), TinyGraph.attr("alpha", 1f / 6), TinyGraph.attr("beta", 0.5f));
		return OpRulesTest.pointwise(t, t.node("Mul", List.of(dw, gate)), channels, 8);
	}

	private static String depthwise(TinyGraph t, String x, int channels) {
		return t.node("Conv", List.of(x, t.weight(1.0 / 9, channels, 1, 3, 3), t.weight(0.05, channels)), TinyGraph.ints("pads", 1, 1, 1, 1),
				TinyGraph.attr("group", (long) channels));
	}

	private static Node conv(Checked c, int group) {
		return c.result().model().graph().nodes().stream().filter(n -> n.opType().equals("Conv") && n.intAttribute("group", 1) == group).findFirst()
				.orElseThrow(() -> new AssertionError("no Conv with group " + group + ": " + c.modelOps()));
	}

	private static long[] weightDims(Checked c, Node conv) {
		Node dq = c.result().model().graph().producer(conv.input(1)).orElseThrow();
		Tensor codes = c.result().model().graph().initializer(dq.input(0));
		return codes.dims();
	}

	@Test
	void aDepthwiseConvOf24ChannelsIsWidenedTo32WithTheSameResults() {
		TinyGraph t = new TinyGraph(4, 6, 6).opset(14);
		Checked c = OpRulesTest.check(t, mobileNetV3Block(t, 24), -1, 1);
		Node dw = conv(c, 32);
		assertArrayEquals(new long[] { 32, 1, 3, 3 }, weightDims(c, dw));
		List<Node> convs = c.result().model().graph().nodes().stream().filter(n -> n.opType().equals("Conv")).toList();
		// expand 8 -> 32, SE's second Conv 8 -> 32; SE's first and the projection read 32 channels
		assertEquals(List.of("[32, 1, 3, 3]", "[32, 8, 1, 1]", "[32, 8, 1, 1]", "[8, 32, 1, 1]", "[8, 32, 1, 1]", "[8, 4, 3, 3]"),
				convs.stream().map(n -> java.util.Arrays.toString(weightDims(c, n))).sorted().toList());
		assertEquals(6, c.count("QLinearConv") + c.count("com.microsoft.QLinearConv"), c.ops().toString());
		String reason = c.result().layers().stream().filter(l -> l.node().equals(dw.name())).findFirst().orElseThrow().reason();
		assertTrue(reason.contains("8 zero channels added (24 → 32)"), reason);
		assertTrue(c.result().layers().stream().filter(l -> l.reason().contains("8 zero output channels added (24 → 32)")).count() == 2, "expand and SE gate");
		assertTrue(c.result().layers().stream().filter(l -> l.reason().contains("8 zero input channels added (24 → 32)")).count() == 2, "SE squeeze and projection");
		OpRule rule = OpRules.of(dw);
		assertTrue(rule.kernel().note().contains("multiple of 16"), rule.kernel().note());
	}

	@Test
	void theDefaultPadsAndTheSpecTurnsItOff() {
		assertTrue(org.quantrace.engine.quantize.Schemes.preset("fiq_int8").alignDepthwise(), "fiq_int8 pads by default");
		TinyGraph t = new TinyGraph(4, 6, 6).opset(14);
		Checked off = OpRulesTest.check(t, mobileNetV3Block(t, 24), -1, 1, OpRulesTest.FIQ.toBuilder().alignDepthwise(false).build());
		Node dw = conv(off, 24);
		assertArrayEquals(new long[] { 24, 1, 3, 3 }, weightDims(off, dw));
		assertTrue(off.result().layers().stream().noneMatch(l -> l.reason().contains("channels added (")), off.result().layers().toString());
	}

	/** A Conv of the region left float by the recipe would hold widened float weights that no quantization record describes: no padding. */
	@Test
	void aRegionWithAnExcludedConvStaysAsItIs() {
		TinyGraph t = new TinyGraph(4, 6, 6).opset(14);
		String y = mobileNetV3Block(t, 24);
		String projection = y.substring(0, y.indexOf("_out"));
		Checked c = OpRulesTest.check(t, y, -1, 1, OpRulesTest.FIQ.toBuilder()
				.exclude(org.quantrace.engine.quantize.QuantizationSpec.Exclusion.Kind.NODE, projection, "kept float by the test").build());
		assertArrayEquals(new long[] { 24, 1, 3, 3 }, weightDims(c, conv(c, 24)));
		assertTrue(c.result().layers().stream().noneMatch(l -> l.reason().contains("channels added (")), c.result().layers().toString());
	}

	/** With narrow Convs left float (floatSlowKernels), a 12-channel region is not widened to 16: its Convs hold float weights of their own shape. */
	@Test
	void aNarrowRegionLeftFloatIsNotPadded() {
		TinyGraph t = new TinyGraph(4, 6, 6).opset(14);
		String y = mobileNetV3Block(t, 12);
		Checked padded = OpRulesTest.check(t, y, -1, 1);
		assertArrayEquals(new long[] { 16, 1, 3, 3 }, weightDims(padded, conv(padded, 16)), "12 channels are widened by default");
		Checked asked = OpRulesTest.check(t, y, -1, 1, OpRulesTest.FIQ.toBuilder().floatSlowKernels(true).build());
		Node dw = conv(asked, 12);
		assertArrayEquals(new long[] { 12, 1, 3, 3 }, asked.result().model().graph().initializer(dw.input(1)).dims(), "float weights, not widened");
		assertTrue(asked.result().layers().stream().noneMatch(l -> l.reason().contains("channels added (")), asked.result().layers().toString());
	}

	@Test
	void aligned16ChannelsAndRegionsReachingAFlattenStayAsTheyAre() {
		TinyGraph t = new TinyGraph(4, 6, 6).opset(14);
		Checked aligned = OpRulesTest.check(t, mobileNetV3Block(t, 16), -1, 1);
		assertArrayEquals(new long[] { 16, 1, 3, 3 }, weightDims(aligned, conv(aligned, 16)));

		TinyGraph u = new TinyGraph(4, 6, 6).opset(14);
		String dw = u.node("Relu", List.of(depthwise(u, u.node("Relu", List.of(OpRulesTest.pointwise(u, "x", 4, 24))), 24)));
		String y = u.node("Gemm", List.of(u.node("Flatten", List.of(dw)), u.weight(1.0 / 864, 10, 864)), TinyGraph.attr("transB", 1L));
		Checked flat = OpRulesTest.check(u, y, -1, 1);
		assertArrayEquals(new long[] { 24, 1, 3, 3 }, weightDims(flat, conv(flat, 24)), "Flatten mixes channels into features: not padded");
	}
}
