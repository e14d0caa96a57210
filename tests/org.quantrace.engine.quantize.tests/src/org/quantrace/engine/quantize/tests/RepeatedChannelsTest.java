package org.quantrace.engine.quantize.tests;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;
import org.quantrace.engine.onnx.Node;
import org.quantrace.engine.quantize.QuantizationResult;
import org.quantrace.engine.quantize.QuantizationSpec;
import org.quantrace.engine.quantize.tests.OpRulesTest.Checked;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.NodeProto;

/**
 * A grouped Conv with one input channel per group and a channel multiplier of 2 (group = C_in, C_out = 2·C_in:
 * GhostNet's cheap operation) ran 4-11x slower as QLinearConv than in float (ONNX Runtime has no depthwise kernel
 * for it; tests/data/wild's ghostnet int8 3.7x the float model's time). Full-integer schemes write it as a Gather of
 * the input channels [0, 0, 1, 1, ...] and a true depthwise Conv (group = C_out) on the same weights, which ONNX Runtime
 * runs as a Gather on the codes and a depthwise QLinearConv; the network computes the same.
 */
class RepeatedChannelsTest {

	/** Conv 4 → 8, Relu, the grouped Conv 8 → 16 (group 8), Relu, a pointwise Conv 16 → 4. */
	private static String ghostCheap(TinyGraph t) {
		String primary = t.node("Relu", List.of(OpRulesTest.conv(t, "x", 4, 8)));
		String cheap = t.node("Relu", List.of(t.node("Conv", List.of(primary, t.weight(1.0 / 9, 16, 1, 3, 3), t.weight(0.05, 16)),
				TinyGraph.ints("pads", 1, 1, 1, 1), TinyGraph.attr("group", 8L))));
		return OpRulesTest.pointwise(t, cheap, 16, 4);
	}

	private static long group(NodeProto n) {
		return n.getAttributeList().stream().filter(a -> a.getName().equals("group")).mapToLong(AttributeProto::getI).findFirst().orElse(1);
	}

	@Test
	void aConvWithChannelMultiplier2RunsAsADepthwiseQLinearConvOnRepeatedChannels() {
		TinyGraph t = new TinyGraph(4, 6, 6);
		Checked c = OpRulesTest.check(t, ghostCheap(t), -1, 1); // within the quantization error of the float model
		List<Long> groups = c.optimized().getGraph().getNodeList().stream().filter(n -> n.getOpType().equals("QLinearConv")).map(RepeatedChannelsTest::group)
				.sorted().toList();
		assertEquals(List.of(1L, 1L, 16L), groups, "ONNX Runtime runs the grouped Conv as a depthwise QLinearConv of 16 groups: " + c.ops());
		assertTrue(c.ops().contains("Gather") && !c.ops().contains("Conv"), "the channels repeated on the codes, no float Conv: " + c.ops());
		Node dw = c.result().model().graph().nodes().stream().filter(n -> n.opType().equals("Conv") && n.intAttribute("group", 1) == 16).findFirst().orElseThrow();
		Node dq = c.result().model().graph().producer(dw.input(0)).orElseThrow(); // the Gather moves the codes
		assertEquals("DequantizeLinear", dq.opType());
		Node gather = c.result().model().graph().producer(dq.input(0)).orElseThrow();
		assertEquals("Gather", gather.opType());
		assertEquals(1, gather.intAttribute("axis", 0));
		assertArrayEquals(new long[] { 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7 }, c.result().model().graph().initializer(gather.input(1)).toLongArray());
		QuantizationResult.Layer conv = c.result().layers().stream().filter(l -> l.node().equals(dw.name())).findFirst().orElseThrow();
		assertTrue(conv.quantized() && conv.reason().contains("rewritten as a depthwise Conv (group 8 → 16) on its input's channels repeated by Gather '"
				+ gather.name() + "'") && conv.reason().contains("channel multiplier of 2"), conv.reason());
		QuantizationResult.Layer repeat = c.result().layers().stream().filter(l -> l.node().equals(gather.name())).findFirst().orElseThrow();
		assertTrue(repeat.quantized() && repeat.reason().contains("added by the rewrite of Conv '" + dw.name() + "': repeats each of its 8 input channels 2 times"),
				repeat.reason());
	}

	/** An excluded Conv stays float as it is: nothing to gain, and its record describes the model's node. */
	@Test
	void anExcludedConvIsNotRewritten() {
		TinyGraph t = new TinyGraph(4, 6, 6);
		String y = ghostCheap(t);
		QuantizationSpec excluding = OpRulesTest.FIQ.toBuilder().exclude(QuantizationSpec.Exclusion.Kind.NODE, "conv6", null).build();
		Checked c = OpRulesTest.check(t, y, -1, 1, excluding);
		assertEquals(List.of(8L), c.result().model().graph().nodes().stream().filter(n -> n.name().equals("conv6")).map(n -> n.intAttribute("group", 1)).toList());
		assertTrue(c.modelOps().stream().noneMatch("Gather"::equals), c.modelOps().toString());
	}
}
