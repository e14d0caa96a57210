package org.quantrace.engine.quantize.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;
import org.quantrace.engine.onnx.OnnxModel;
import org.quantrace.engine.quantize.QuantizationResult;
import org.quantrace.engine.quantize.QuantizationResult.Layer;
import org.quantrace.engine.quantize.Schemes;

import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.NodeProto;

/**
 * Round 20's s2d (make_unseen20.py): SpaceToDepth between integer Convs, as tf2onnx writes TF's space_to_depth. The op
 * table had it float ("no integer kernel"), so each one was DequantizeLinear → SpaceToDepth → QuantizeLinear; ONNX Runtime
 * 1.29's CPU SpaceToDepth takes uint8 codes, and its QDQ fusion does not drop that pair, so Quantrace writes it on the codes.
 */
class SpaceToDepthCodesTest {

	@Test
	void aSpaceToDepthBetweenIntegerConvsMovesTheCodes() {
		TinyGraph t = new TinyGraph(2, 8, 8);
		String a = t.node("Relu", List.of(t.node("Conv", List.of("x", t.weight(0.5, 4, 2, 3, 3), t.weight(0.1, 4)),
				TinyGraph.ints("pads", 1, 1, 1, 1))));
		String s = t.node("SpaceToDepth", List.of(a), TinyGraph.attr("blocksize", 2));
		OnnxModel model = t.model(t.node("Conv", List.of(s, t.weight(0.25, 4, 16, 1, 1), t.weight(0.1, 4))));

		QuantizationResult q = TinyGraph.quantize(model, Schemes.preset("fiq_int8"), t.calibration(0, 1));

		Layer s2d = q.layers().stream().filter(l -> l.opType().equals("SpaceToDepth")).findFirst().orElseThrow();
		assertTrue(s2d.quantized(), q.layers().toString());
		GraphProto ran = TinyGraph.optimized(q.model()).getGraph();
		NodeProto node = ran.getNodeList().stream().filter(n -> n.getOpType().equals("SpaceToDepth")).findFirst().orElseThrow();
		assertEquals("QLinearConv", producer(ran, node.getInput(0)), "SpaceToDepth reads the first Conv's codes: " + TinyGraph.ops(ran));
		assertEquals(List.of("QLinearConv"), readers(ran, node.getOutput(0)), "the second Conv reads its codes: " + TinyGraph.ops(ran));
		OpRulesTest.assertRunsAsWritten(t, q);
		OpRulesTest.assertWithinSteps(t, model, q);
	}

	private static List<String> readers(GraphProto g, String tensor) {
		return g.getNodeList().stream().filter(n -> n.getInputList().contains(tensor)).map(NodeProto::getOpType).toList();
	}

	private static String producer(GraphProto g, String tensor) {
		return g.getNodeList().stream().filter(n -> n.getOutputList().contains(tensor)).map(NodeProto::getOpType).findFirst().orElse("input");
	}
}
