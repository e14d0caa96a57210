package org.quantrace.engine.quantize.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import org.junit.jupiter.api.Test;
import org.quantrace.engine.onnx.Node;
import org.quantrace.engine.onnx.OnnxModel;
import org.quantrace.engine.quantize.QuantizationResult;
import org.quantrace.engine.quantize.Schemes;
import org.quantrace.engine.quantize.tests.OpRulesTest.Checked;

/**
 * Round 29's crossnet (make_unseen29.py, a DCN-V2 cross network) under fiq-int8: its one-channel image, read only by a Pad →
 * AveragePool 2x2 stride 2, is flattened into the cross layers and an MLP. Integer, the whole int8 input was requantized to the
 * activations' uint8 codes and the pool ran as PoolAsConv's 2x2 QLinearConv 1 → 1 between two layout Transposes: int8 1.21-1.25x
 * the converted fp32's CPU time at batch 64. The pool path stays float on the input's DequantizeLinear, its output quantized once
 * for the integer Gemm (tests/data/wild/README.md, speed36).
 */
class InputPoolTest {

	private static OnnxModel crossnetInput(TinyGraph t) {
		String padded = t.node("Pad", List.of("x", t.longs(0, 0, 0, 0, 0, 0, 0, 0)));
		String pooled = t.node("AveragePool", List.of(padded), TinyGraph.ints("kernel_shape", 2, 2), TinyGraph.ints("strides", 2, 2));
		String x0 = t.node("Flatten", List.of(pooled), TinyGraph.attr("axis", 1L));
		String h = t.node("Relu", List.of(t.node("Gemm", List.of(x0, t.weight(0.25, 8, 16), t.weight(0.05, 8)), TinyGraph.attr("transB", 1L))));
		return t.model(t.node("Gemm", List.of(h, t.weight(0.3, 4, 8), t.weight(0.05, 4)), TinyGraph.attr("transB", 1L)));
	}

	@Test
	void aPoolPathOnTheOneChannelInt8InputReadByNoConvStaysFloatAndItsOutputIsQuantizedOnce() {
		TinyGraph t = new TinyGraph(1, 8, 8).opset(14);
		OnnxModel model = crossnetInput(t);
		QuantizationResult r = TinyGraph.quantize(model, Schemes.preset("fiq_int8"), t.calibration(0, 1));
		Map<String, QuantizationResult.Layer> layers = r.layers().stream().collect(Collectors.toMap(QuantizationResult.Layer::opType, l -> l, (a, b) -> a));
		for (String op : List.of("Pad", "AveragePool")) {
			assertFalse(layers.get(op).quantized(), r.layers().toString());
			assertTrue(layers.get(op).reason().startsWith("kept float: the " + op + " of a pool path on the one-channel int8 model input, read by no Conv"),
					layers.get(op).reason());
		}
		assertTrue(r.layers().stream().filter(l -> l.opType().equals("Gemm")).allMatch(QuantizationResult.Layer::quantized), r.layers().toString());
		List<Node> written = r.model().graph().nodes();
		Node dq = written.stream().filter(n -> n.inputs().contains("x")).findFirst().orElseThrow();
		assertEquals("DequantizeLinear", dq.opType());
		assertEquals(List.of("Pad"), r.model().graph().consumers(dq.output(0)).stream().map(Node::opType).toList(),
				"the Pad reads the int8 input's DequantizeLinear, no requantization to uint8: " + written.stream().map(n -> n.opType() + n.inputs()).toList());
		Checked c = new Checked(r, TinyGraph.optimized(r.model()));
		assertTrue(c.ops().contains("AveragePool") && c.ops().stream().noneMatch(op -> op.endsWith("QLinearConv") || op.endsWith("QLinearAveragePool")),
				"ONNX Runtime runs the float pool, not a QLinearConv 1 → 1: " + c.ops());
		assertEquals(2, c.ops().stream().filter(op -> op.endsWith("QGemm")).count(), c.ops().toString());
		assertEquals(2, c.count("QuantizeLinear"), "the pool's output and the model's output, quantized once each: " + c.ops());
		OpRulesTest.assertRunsAsWritten(t, r);
		OpRulesTest.assertWithinSteps(t, model, r);
	}

	/** Under fiq-uint8 the input's codes are the activations' own: nothing to requantize, the pool stays PoolAsConv's integer Conv. */
	@Test
	void underFiqUint8ThePoolPathStaysInteger() {
		TinyGraph t = new TinyGraph(1, 8, 8).opset(14);
		QuantizationResult r = TinyGraph.quantize(crossnetInput(t), Schemes.preset("fiq_uint8"), t.calibration(0, 1));
		assertTrue(r.layers().stream().filter(l -> l.node().startsWith("averagepool")).allMatch(QuantizationResult.Layer::quantized), r.layers().toString());
	}
}
