package org.quantrace.engine.quantize.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;
import org.quantrace.engine.onnx.Node;
import org.quantrace.engine.quantize.QuantizationResult;

/**
 * ShuffleNet's MaxPool after the channel shuffle (Reshape → Transpose → Reshape on int8 codes), on a tiny graph built
 * in code: written as Transpose → com.microsoft.NhwcMaxPool → Transpose, which ONNX Runtime keeps (it would otherwise
 * run its slow 8-bit NCHW MaxPool there), within quantization error of the float model, and the trace says why.
 */
class NhwcMaxPoolTest {

	static String shuffleThenPool(TinyGraph t, boolean shuffle) {
		String c = t.node("Relu", List.of(OpRulesTest.conv(t, "x", 1, 16)));
		String s = c;
		if (shuffle) { // ShuffleNet's channel shuffle, two groups of 8
			String grouped = t.node("Reshape", List.of(c, t.longs(0, 2, 8, 8, 8)));
			String swapped = t.node("Transpose", List.of(grouped), TinyGraph.ints("perm", 0, 2, 1, 3, 4));
			s = t.node("Reshape", List.of(swapped, t.longs(0, 16, 8, 8)));
		}
		String pooled = t.node("MaxPool", List.of(s), TinyGraph.ints("kernel_shape", 2, 2), TinyGraph.ints("strides", 2, 2));
		return OpRulesTest.pointwise(t, pooled, 16, 16);
	}

	@Test
	void aMaxPoolBehindTheChannelShuffleRunsOnNhwcCodes() {
		TinyGraph t = new TinyGraph(1, 8, 8).opset(13);
		OpRulesTest.Checked c = OpRulesTest.check(t, shuffleThenPool(t, true), 0, 1);
		List<Node> nodes = c.result().model().graph().nodes();
		Node pool = nodes.stream().filter(n -> n.opType().equals("NhwcMaxPool")).findFirst().orElseThrow(() -> new AssertionError(c.modelOps()));
		assertEquals("com.microsoft", pool.domain());
		assertFalse(c.modelOps().contains("MaxPool"), c.modelOps().toString());
		assertFalse(c.ops().contains("MaxPool"), "ONNX Runtime runs no NCHW MaxPool: " + c.ops());
		assertTrue(c.ops().stream().anyMatch(o -> o.endsWith("NhwcMaxPool")), "it keeps the NHWC one: " + c.ops());
		QuantizationResult.Layer layer = c.layer("MaxPool");
		assertEquals(pool.name(), layer.node(), "the trace names the node that does the pooling");
		assertTrue(layer.quantized(), layer.reason());
		assertTrue(layer.reason().contains("com.microsoft.NhwcMaxPool"), layer.reason());
	}

	/**
	 * A MaxPool beside an integer reader of a float op's output (the BSPC-GAP's stem left float by --float-slow-kernels,
	 * its shortcut Conv reading the same tensor) runs on the codes of that reader's QuantizeLinear, whose producer runs in
	 * NCHW: ONNX Runtime kept it as its 8-bit NCHW MaxPool (3,427 µs per batch of 64 against ~300 as NhwcMaxPool).
	 */
	@Test
	void aMaxPoolOnTheCodesOfAFloatOpRunsOnNhwcCodes() {
		TinyGraph t = new TinyGraph(1, 8, 8).opset(14);
		String stem = t.node("Relu", List.of(OpRulesTest.conv(t, "x", 1, 16)));
		String pooled = t.node("MaxPool", List.of(stem), TinyGraph.ints("kernel_shape", 3, 3), TinyGraph.ints("pads", 1, 1, 1, 1));
		String y = t.node("Add", List.of(OpRulesTest.conv(t, stem, 16, 32), OpRulesTest.pointwise(t, pooled, 16, 32)));
		OpRulesTest.Checked c = OpRulesTest.check(t, y, 0, 1, OpRulesTest.FIQ.toBuilder().floatSlowKernels(true).build());
		assertFalse(c.result().layers().get(0).quantized(), "the narrow stem stays float: " + c.result().layers());
		assertFalse(c.ops().contains("MaxPool"), "ONNX Runtime runs no NCHW MaxPool: " + c.ops());
		assertTrue(c.ops().stream().anyMatch(o -> o.endsWith("NhwcMaxPool")), "it keeps the NHWC one: " + c.ops());
		QuantizationResult.Layer layer = c.layer("MaxPool");
		assertTrue(layer.quantized(), layer.reason());
		assertTrue(layer.reason().contains("com.microsoft.NhwcMaxPool") && layer.reason().contains("float op"), layer.reason());
	}

	/**
	 * The example CNN's first MaxPool with --float-slow-kernels: float stem → MaxPool → integer Conv. Planned float (the
	 * float island's last op, quantized after it), ONNX Runtime moved the QuantizeLinear back over it and ran its 8-bit NCHW
	 * MaxPool on the codes while the log said float32. Now the plan says what runs: the QuantizeLinear comes before it and
	 * it pools NHWC codes.
	 */
	@Test
	void aMaxPoolBetweenAFloatOpAndAnIntegerConvRunsOnNhwcCodes() {
		TinyGraph t = new TinyGraph(1, 8, 8).opset(14);
		String stem = t.node("Relu", List.of(OpRulesTest.conv(t, "x", 1, 16)));
		String pooled = t.node("MaxPool", List.of(stem), TinyGraph.ints("kernel_shape", 2, 2), TinyGraph.ints("strides", 2, 2));
		OpRulesTest.Checked c = OpRulesTest.check(t, OpRulesTest.pointwise(t, pooled, 16, 32), 0, 1, OpRulesTest.FIQ.toBuilder().floatSlowKernels(true).build());
		assertFalse(c.result().layers().get(0).quantized(), "the narrow stem stays float: " + c.result().layers());
		assertFalse(c.ops().contains("MaxPool"), "ONNX Runtime runs no NCHW MaxPool: " + c.ops());
		assertTrue(c.ops().stream().anyMatch(o -> o.endsWith("NhwcMaxPool")), "it keeps the NHWC one: " + c.ops());
		QuantizationResult.Layer layer = c.layer("MaxPool");
		assertTrue(layer.quantized(), "ONNX Runtime pools the codes, and the plan says so: " + layer.reason());
		assertTrue(layer.reason().contains("com.microsoft.NhwcMaxPool"), layer.reason());
	}

	/**
	 * Maxout (round 20's maxout): a Conv's channels reshaped into groups of 4, their ReduceMax, then a MaxPool. The ReduceMax
	 * passes codes on, the Reshape hides the layout: ONNX Runtime ran the MaxPool as its 8-bit NCHW one (1,234 and 1,379 µs
	 * per batch of 64 against 95 and 43 in float).
	 */
	@Test
	void aMaxPoolAfterAMaxOverChannelGroupsRunsOnNhwcCodes() {
		TinyGraph t = new TinyGraph(1, 8, 8).opset(13);
		String grouped = t.node("Reshape", List.of(OpRulesTest.conv(t, "x", 1, 16), t.longs(0, 4, 4, 8, 8)));
		String maxout = t.node("ReduceMax", List.of(grouped), TinyGraph.ints("axes", 2), TinyGraph.attr("keepdims", 0));
		String pooled = t.node("MaxPool", List.of(maxout), TinyGraph.ints("kernel_shape", 2, 2), TinyGraph.ints("strides", 2, 2));
		OpRulesTest.Checked c = OpRulesTest.check(t, OpRulesTest.pointwise(t, pooled, 4, 16), 0, 1);
		assertTrue(c.layer("ReduceMax").quantized(), "the ReduceMax picks codes: " + c.result().layers());
		assertFalse(c.ops().contains("MaxPool"), "ONNX Runtime runs no NCHW MaxPool: " + c.ops());
		assertTrue(c.ops().stream().anyMatch(o -> o.endsWith("NhwcMaxPool")), "it keeps the NHWC one: " + c.ops());
		assertTrue(c.layer("MaxPool").reason().contains("com.microsoft.NhwcMaxPool"), c.layer("MaxPool").reason());
	}

	@Test
	void aMaxPoolOnConvCodesStaysAsOnnxRuntimeMovesIt() {
		TinyGraph t = new TinyGraph(1, 8, 8).opset(13);
		OpRulesTest.Checked c = OpRulesTest.check(t, shuffleThenPool(t, false), 0, 1);
		assertTrue(c.modelOps().contains("MaxPool"), "no Reshape/Transpose before it: written as before, " + c.modelOps());
		assertFalse(c.modelOps().contains("NhwcMaxPool"), c.modelOps().toString());
	}
}
