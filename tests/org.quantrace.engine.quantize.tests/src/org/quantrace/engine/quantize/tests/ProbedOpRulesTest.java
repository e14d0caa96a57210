package org.quantrace.engine.quantize.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
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
 * TopK, Neg and CumSum, whose rules follow one-node probes of ONNX Runtime 1.29 (tests/data/wild/README.md, branch rules):
 * TopK runs on uint8/int8 codes and keeps their order, but its QDQ fusion keeps the pair around it, so Quantrace writes it
 * on the codes; Neg runs on int8 only and returns -128 as -128; ONNX has no 8-bit CumSum.
 */
class ProbedOpRulesTest {

	@Test
	void aTopKWhoseValuesAnIntegerGemmReadsMovesTheCodes() {
		TinyGraph t = new TinyGraph(2, 8, 8);
		String a = t.node("Relu", List.of(t.node("Conv", List.of("x", t.weight(0.5, 4, 2, 3, 3), t.weight(0.1, 4)), TinyGraph.ints("pads", 1, 1, 1, 1))));
		String flat = t.node("Flatten", List.of(a), TinyGraph.attr("axis", 1));
		String top = t.nodeOutputs("TopK", List.of(flat, t.longs(16)), 2, TinyGraph.attr("axis", -1)).get(0);
		OnnxModel model = t.model(t.node("Gemm", List.of(top, t.weight(0.25, 4, 16), t.weight(0.1, 4)), TinyGraph.attr("transB", 1)));

		QuantizationResult q = TinyGraph.quantize(model, Schemes.preset("fiq_int8"), t.calibration(0, 1));

		Layer topk = layer(q, "TopK");
		assertTrue(topk.quantized(), q.layers().toString());
		GraphProto written = q.model().toProto().getGraph();
		NodeProto node = written.getNodeList().stream().filter(n -> n.getOpType().equals("TopK")).findFirst().orElseThrow();
		assertFalse(List.of("DequantizeLinear").contains(producer(written, node.getInput(0))), "TopK reads codes: " + TinyGraph.ops(written));
		GraphProto ran = TinyGraph.optimized(q.model()).getGraph();
		assertEquals("TopK", producer(ran, ran.getNodeList().stream().filter(n -> n.getOpType().equals("QGemm")).findFirst().orElseThrow().getInput(0)),
				"the Gemm runs on the codes TopK picks: " + TinyGraph.ops(ran));
		OpRulesTest.assertRunsAsWritten(t, q);
		OpRulesTest.assertWithinSteps(t, model, q);
	}

	@Test
	void aNegStaysFloatWithWhatOnnxRuntimeDoesToItsCodes() {
		TinyGraph t = new TinyGraph(2, 8, 8);
		String c = t.node("Conv", List.of("x", t.weight(0.5, 4, 2, 3, 3), t.weight(0.1, 4)), TinyGraph.ints("pads", 1, 1, 1, 1));
		String neg = t.node("Neg", List.of(c));
		OnnxModel model = t.model(t.node("Conv", List.of(t.node("Concat", List.of(neg, c), TinyGraph.attr("axis", 1)), t.weight(0.25, 4, 8, 1, 1),
				t.weight(0.1, 4))));

		QuantizationResult q = TinyGraph.quantize(model, Schemes.preset("fiq_int8"), t.calibration(0, 1));

		Layer n = layer(q, "Neg");
		assertFalse(n.quantized());
		assertTrue(n.reason().contains("returns code -128 as -128") && n.reason().contains("2z - q"), n.reason());
		OpRulesTest.assertWithinSteps(t, model, q);
	}

	@Test
	void aCumSumStaysFloatForWantOfAn8BitCumSum() {
		TinyGraph t = new TinyGraph(2, 8, 8);
		String c = t.node("Flatten", List.of(t.node("Conv", List.of("x", t.weight(0.5, 4, 2, 3, 3), t.weight(0.1, 4)))), TinyGraph.attr("axis", 1));
		String axis = t.scalarLong(1);
		OnnxModel model = t.model(t.node("Gemm", List.of(t.node("CumSum", List.of(c, axis)), t.weight(0.05, 4, 144), t.weight(0.1, 4)),
				TinyGraph.attr("transB", 1)));

		QuantizationResult q = TinyGraph.quantize(model, Schemes.preset("fiq_int8"), t.calibration(0, 1));

		Layer n = layer(q, "CumSum");
		assertFalse(n.quantized());
		assertTrue(n.reason().startsWith("ONNX defines CumSum for 32- and 64-bit integers and floats only"), n.reason());
	}

	private static Layer layer(QuantizationResult q, String op) {
		return q.layers().stream().filter(l -> l.opType().equals(op)).findFirst().orElseThrow();
	}

	private static String producer(GraphProto g, String tensor) {
		return g.getNodeList().stream().filter(n -> n.getOutputList().contains(tensor)).map(NodeProto::getOpType).findFirst().orElse("input");
	}
}
