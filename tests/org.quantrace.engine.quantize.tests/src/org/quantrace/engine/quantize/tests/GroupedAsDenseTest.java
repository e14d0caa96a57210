package org.quantrace.engine.quantize.tests;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;
import org.quantrace.engine.onnx.Node;
import org.quantrace.engine.onnx.Tensor;
import org.quantrace.engine.quantize.QuantizationResult;
import org.quantrace.engine.quantize.QuantizationSpec;
import org.quantrace.engine.quantize.tests.OpRulesTest.Checked;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.NodeProto;

/**
 * A grouped Conv with a few input channels per group (ShuffleNet's grouped 1x1 Convs, SKNet's grouped 3x3): ONNX Runtime's
 * QLinearConv runs a small GEMM per group and per image, and the int8 models ran slower than their float ones (tests/data/wild
 * shufflev1 1.21-1.37x the fp32 CPU time). Full-integer schemes write it as one dense Conv with block-diagonal weights (zero
 * between the groups), which computes the same and took shufflev1 and sknet 20-55 % less CPU time (branch mbv3speed).
 */
class GroupedAsDenseTest {

	/** Conv 4 → 8, Relu, the grouped Conv 8 → 8 (4 groups of 2 channels, 1x1), Relu, a pointwise Conv 8 → 4. */
	private static String shuffled(TinyGraph t) {
		String a = t.node("Relu", List.of(OpRulesTest.conv(t, "x", 4, 8)));
		String g = t.node("Relu", List.of(t.node("Conv", List.of(a, t.weight(0.5, 8, 2, 1, 1), t.weight(0.05, 8)), TinyGraph.attr("group", 4L))));
		return OpRulesTest.pointwise(t, g, 8, 4);
	}

	private static long group(NodeProto n) {
		return n.getAttributeList().stream().filter(a -> a.getName().equals("group")).mapToLong(AttributeProto::getI).findFirst().orElse(1);
	}

	@Test
	void aGroupedConvOfTwoChannelsPerGroupRunsAsOneDenseQLinearConvWithZerosBetweenTheGroups() {
		TinyGraph t = new TinyGraph(4, 6, 6);
		Checked c = OpRulesTest.check(t, shuffled(t), -1, 1); // within the quantization error of the float model
		List<Long> groups = c.optimized().getGraph().getNodeList().stream().filter(n -> n.getOpType().equals("QLinearConv")).map(GroupedAsDenseTest::group).toList();
		assertEquals(List.of(1L, 1L, 1L), groups, "three dense QLinearConvs: " + c.ops());
		Node conv = c.result().model().graph().nodes().stream().filter(n -> n.name().equals("conv6")).findFirst().orElseThrow();
		assertEquals(1, conv.intAttribute("group", 1));
		Node dq = c.result().model().graph().producer(conv.input(1)).orElseThrow();
		Tensor codes = c.result().model().graph().initializer(dq.input(0));
		assertArrayEquals(new long[] { 8, 8, 1, 1 }, codes.dims());
		long[] q = codes.toLongArray();
		for (int o = 0; o < 8; o++) {
			for (int i = 0; i < 8; i++) {
				if (i / 2 != o / 2) {
					assertEquals(0, q[o * 8 + i], "output " + o + " reads input " + i + " of another group through a zero weight");
				}
			}
		}
		QuantizationResult.Layer layer = c.result().layers().stream().filter(l -> l.node().equals("conv6")).findFirst().orElseThrow();
		assertTrue(layer.quantized() && layer.reason().contains("grouped Conv (4 groups) rewritten as one dense Conv 8 → 8 with block-diagonal weights (zero between"
				+ " the groups): a grouped Conv of 2 input channels per group"), layer.reason());
	}

	/** An excluded grouped Conv stays float as it is. */
	@Test
	void anExcludedGroupedConvIsNotRewritten() {
		TinyGraph t = new TinyGraph(4, 6, 6);
		String y = shuffled(t);
		QuantizationSpec excluding = OpRulesTest.FIQ.toBuilder().exclude(QuantizationSpec.Exclusion.Kind.NODE, "conv6", null).build();
		Checked c = OpRulesTest.check(t, y, -1, 1, excluding);
		assertEquals(List.of(4L), c.result().model().graph().nodes().stream().filter(n -> n.name().equals("conv6")).map(n -> n.intAttribute("group", 1)).toList());
	}
}
