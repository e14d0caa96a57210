package org.quantrace.engine.quantize.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quantrace.engine.quantize.tests.OpRulesTest.assertRunsAsWritten;
import static org.quantrace.engine.quantize.tests.OpRulesTest.assertWithinSteps;
import static org.quantrace.engine.quantize.tests.OpRulesTest.conv;

import java.util.List;

import org.junit.jupiter.api.Test;
import org.quantrace.engine.onnx.OnnxModel;
import org.quantrace.engine.quantize.QuantizationResult;
import org.quantrace.engine.quantize.Schemes;

/**
 * A one-channel stem behind a per-tensor scale and shift of the model input (make_unseen35.py caffe6, Caffe2's x · 2 − 0.5 before
 * a 16 × 1 × 5 × 5 Conv): under fiq_int8 the chain computes in float on the int8 input's codes dequantized and the stem after it
 * keeps its float weights, instead of a requantized input read by ONNX Runtime's QLinearConv of one input channel (caffe6's
 * fiq-int8 1.9-2.0x fp32's CPU time so).
 */
class ScaledStemInputTest {

	private static QuantizationResult.Layer layer(QuantizationResult r, String output) {
		String node = output.substring(0, output.length() - "_out0".length());
		return r.layers().stream().filter(l -> l.node().equals(node)).findFirst().orElseThrow();
	}

	private record Net(TinyGraph t, String scale, String shift, String stem, String next, OnnxModel model) {
	}

	/** x · 2 − 0.5 (Mul, Add) → Conv 1 → 16 {@code k}x{@code k} stride 2 → Relu → Conv 16 → 16 → Relu. */
	private static Net net(int k) {
		TinyGraph t = new TinyGraph(1, 12, 12).opset(13);
		String scale = t.node("Mul", List.of("x", t.scalar(2f)));
		String shift = t.node("Add", List.of(scale, t.scalar(-0.5f)));
		String stem = t.node("Conv", List.of(shift, t.weight(1.0 / (k * k), 16, 1, k, k), t.weight(0.05, 16)), TinyGraph.ints("pads", k / 2, k / 2, k / 2, k / 2),
				TinyGraph.ints("strides", 2, 2));
		String next = conv(t, t.node("Relu", List.of(stem)), 16, 16);
		return new Net(t, scale, shift, stem, next, t.model(t.node("Relu", List.of(next))));
	}

	@Test
	void aStemBehindAScaleAndShiftOfTheInt8InputComputesInFloatWithThem() {
		Net n = net(5);
		QuantizationResult r = TinyGraph.quantize(n.model(), Schemes.preset("fiq_int8"), n.t().calibration(0, 1));

		for (String op : List.of(n.scale(), n.shift())) {
			QuantizationResult.Layer l = layer(r, op);
			assertFalse(l.quantized(), l.reason());
			assertTrue(l.reason().startsWith("kept float: a per-tensor ") && l.reason().contains("model input 'x' and the one-channel stem '"
					+ layer(r, n.stem()).node() + "' (1 → 16, 5x5)"), l.reason());
		}
		QuantizationResult.Layer stem = layer(r, n.stem());
		assertFalse(stem.quantized(), stem.reason());
		assertTrue(stem.reason().contains("a Conv of one input channel after the float Add"), stem.reason());
		assertTrue(layer(r, n.next()).quantized(), layer(r, n.next()).reason());

		List<String> ran = TinyGraph.ops(TinyGraph.optimized(r.model()).getGraph());
		assertEquals(List.of("Conv", "QLinearConv"), ran.stream().filter(op -> op.endsWith("Conv")).map(op -> op.replace("com.microsoft.", "")).toList(),
				"the stem computed in float, the next Conv on integers: " + ran);
		assertTrue(ran.stream().noneMatch(op -> op.endsWith("QLinearMul") || op.endsWith("QLinearAdd")), "the scale and shift in float: " + ran);
		assertRunsAsWritten(n.t(), r);
		assertWithinSteps(n.t(), n.model(), r);
	}

	/** A 1x1 stem (a per-channel scale: its QLinearConv ran at par) and a uint8 input (the activations' own codes) stay integer. */
	@Test
	void aOneByOneStemOrAUint8InputStaysInteger() {
		Net pointwise = net(1);
		QuantizationResult r = TinyGraph.quantize(pointwise.model(), Schemes.preset("fiq_int8"), pointwise.t().calibration(0, 1));
		assertTrue(layer(r, pointwise.shift()).quantized(), layer(r, pointwise.shift()).reason());
		assertTrue(layer(r, pointwise.stem()).quantized(), layer(r, pointwise.stem()).reason());

		Net uint8 = net(5);
		QuantizationResult u = TinyGraph.quantize(uint8.model(), Schemes.preset("fiq_uint8"), uint8.t().calibration(0, 1));
		assertTrue(layer(u, uint8.shift()).quantized(), layer(u, uint8.shift()).reason());
		assertTrue(layer(u, uint8.stem()).quantized(), layer(u, uint8.stem()).reason());
	}
}
