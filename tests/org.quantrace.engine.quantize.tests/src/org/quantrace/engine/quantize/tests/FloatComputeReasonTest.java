package org.quantrace.engine.quantize.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;
import org.quantrace.engine.quantize.QuantType;
import org.quantrace.engine.quantize.QuantizationResult;
import org.quantrace.engine.quantize.QuantizationSpec;
import org.quantrace.engine.quantize.QuantizationSpec.TensorSpec;
import org.quantrace.engine.quantize.Schemes;

/**
 * A layer quantized with 16-bit activations has no integer kernel in ONNX Runtime and computes in float between
 * DequantizeLinear and QuantizeLinear; its reason said "quantized (int8 weights, ...)" whatever it held: int16 weights at
 * W16A16, and no weights at all for a MaxPool (evidence12: the trace and PhIMT0003 of a W16A16 run said int8 of every Conv).
 */
class FloatComputeReasonTest {

	private static QuantizationResult quantize(QuantType weights) {
		TinyGraph t = new TinyGraph(3, 6, 6);
		String w = t.weight(0.2, 4, 3, 3, 3);
		String b = t.floats(new float[] { 0.01f, -0.02f, 0.03f, 0.04f }, 4);
		String conv = t.node("Conv", List.of("x", w, b), TinyGraph.ints("pads", 1, 1, 1, 1));
		String pool = t.node("MaxPool", List.of(conv), TinyGraph.ints("kernel_shape", 2, 2));
		QuantizationSpec a16 = Schemes.preset("fiq_float32").toBuilder().weights(new TensorSpec(weights, null, null))
				.activations(new TensorSpec(QuantType.INT16, null, null)).build();
		return TinyGraph.quantize(t.model(pool), a16, t.calibration(-1, 1));
	}

	@Test
	void theReasonNamesTheWeightsTheLayerHolds() {
		for (QuantType weights : new QuantType[] { QuantType.INT16, QuantType.INT8 }) {
			QuantizationResult r = quantize(weights);
			QuantizationResult.Layer conv = r.layers().stream().filter(l -> l.opType().equals("Conv")).findFirst().orElseThrow();
			assertTrue(conv.reason().startsWith("quantized (" + weights.literal() + " weights, QuantizeLinear/DequantizeLinear around it), computed in float: "),
					conv.reason());
			for (QuantizationResult.Layer l : r.floatComputeLayers()) {
				String said = QuantizationResult.floatCompute(l.weights() == null ? null : l.weights().precision());
				assertTrue(l.reason().startsWith(said), l.opType() + ": " + l.reason());
			}
			assertTrue(r.floatComputeLayers().contains(conv), "the Conv is listed as computed in float: " + r.floatComputeLayers());
			assertEquals("ONNX Runtime", QuantizationResult.floatComputeWhy(conv.reason()).substring(0, 12), "what quantize prints after the prefix");
		}
	}
}
