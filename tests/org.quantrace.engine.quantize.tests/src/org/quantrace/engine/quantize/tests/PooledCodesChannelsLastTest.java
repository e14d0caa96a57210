package org.quantrace.engine.quantize.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;
import org.quantrace.engine.onnx.Node;
import org.quantrace.engine.quantize.QuantizationResult;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.NodeProto;

/**
 * MobileNetV3's head on a tiny graph: Conv → HardSwish → GlobalAveragePool → Flatten → Gemm. ONNX Runtime kept the layout
 * Transpose after the NHWC QLinearConv before the lowered HardSwish and ran the pool channel-first (its NCHW
 * QLinearGlobalAveragePool). With the pool's codes written through a Transpose of their size-1 axes before the Flatten, it
 * runs every op of the head channels-last, within quantization error of the float model, and the pool's record says why.
 */
class PooledCodesChannelsLastTest {

	private static String head(TinyGraph t, boolean hardSwish) {
		String c = OpRulesTest.conv(t, "x", 3, 8);
		String pooled = t.node("GlobalAveragePool", List.of(hardSwish ? t.node("HardSwish", List.of(c)) : c));
		String flat = t.node("Flatten", List.of(pooled));
		return t.node("Gemm", List.of(flat, t.weight(1.0 / 8, 4, 8), t.weight(0.05, 4)), TinyGraph.attr("transB", 1L));
	}

	@Test
	void aPoolBehindALoweredHardSwishRunsChannelsLast() {
		TinyGraph t = new TinyGraph(3, 6, 6).opset(14);
		OpRulesTest.Checked c = OpRulesTest.check(t, head(t, true), -4, 4);
		List<NodeProto> run = TinyGraph.laidOut(c.result().model()).getGraph().getNodeList();
		assertEquals(1L, channelsLast(pool(run)), "ONNX Runtime runs the pool channels-last: " + names(run));
		assertEquals(1L, transposes(run), "one layout Transpose left, the input's before the QLinearConv: " + names(run));

		List<Node> nodes = c.result().model().graph().nodes();
		Node flatten = nodes.stream().filter(n -> n.opType().equals("Flatten")).findFirst().orElseThrow();
		Node transpose = c.result().model().graph().producer(flatten.input(0)).orElseThrow();
		assertEquals("Transpose", transpose.opType(), "the Flatten reads the pooled codes through a Transpose: " + c.modelOps());
		assertEquals(List.of(0L, 2L, 3L, 1L), transpose.intsAttribute("perm"));
		assertEquals("QuantizeLinear", c.result().model().graph().producer(transpose.input(0)).orElseThrow().opType(), "it moves the pool's codes");
		QuantizationResult.Layer layer = c.layer("GlobalAveragePool");
		assertTrue(layer.quantized(), layer.reason());
		assertTrue(layer.reason().contains("channels-last") && layer.reason().contains("[N, 1, 1, C]"), layer.reason());
	}

	/** Right after the QLinearConv ONNX Runtime ran the pool channels-last already; the Transpose written changes nothing of that. */
	@Test
	void aPoolRightAfterAConvStaysChannelsLast() {
		TinyGraph t = new TinyGraph(3, 6, 6).opset(14);
		OpRulesTest.Checked c = OpRulesTest.check(t, head(t, false), -4, 4);
		List<NodeProto> run = TinyGraph.laidOut(c.result().model()).getGraph().getNodeList();
		assertEquals(1L, channelsLast(pool(run)), names(run).toString());
		assertEquals(1L, transposes(run), names(run).toString());
	}

	private static NodeProto pool(List<NodeProto> run) {
		return run.stream().filter(n -> n.getOpType().equals("QLinearGlobalAveragePool")).findFirst()
				.orElseThrow(() -> new AssertionError("no QLinearGlobalAveragePool in " + names(run)));
	}

	private static long transposes(List<NodeProto> run) {
		return run.stream().filter(n -> n.getOpType().equals("Transpose")).count();
	}

	private static List<String> names(List<NodeProto> run) {
		return run.stream().map(n -> n.getOpType() + (channelsLast(n) == 1 ? "(NHWC)" : "")).toList();
	}

	private static long channelsLast(NodeProto n) {
		return n.getAttributeList().stream().filter(a -> a.getName().equals("channels_last")).mapToLong(AttributeProto::getI).findFirst().orElse(0L);
	}
}
