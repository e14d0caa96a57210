package org.quantrace.engine.quantize.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;
import org.quantrace.engine.onnx.OnnxModel;
import org.quantrace.engine.quantize.QuantizationResult;
import org.quantrace.engine.quantize.QuantizationResult.Layer;
import org.quantrace.engine.quantize.Schemes;
import org.quantrace.engine.runtime.NdArray;

/**
 * A SegNet-style MaxPool that also writes its int64 indices, read by a MaxUnpool (make_unseen18.py "unpool": torch's
 * MaxPool2d(return_indices=True) and MaxUnpool2d). The data-movement rule wrote Q/DQ on every output of the MaxPool, a
 * DequantizeLinear on the indices among them: `quantize --scheme fiq-int8` stopped with "does not load in ONNX Runtime ...
 * Type 'tensor(int64)' of input parameter (/pool/MaxPool_1_output_1) of operator (DequantizeLinear)", exit 3.
 */
class MaxPoolIndicesTest {

	@Test
	void aMaxPoolWithIndicesStaysFloatAndTheConvsAroundItAreQuantized() {
		TinyGraph t = new TinyGraph(4, 8, 8);
		String h = t.node("Relu", List.of(OpRulesTest.conv(t, "x", 4, 8)));
		List<String> pooled = t.nodeOutputs("MaxPool", List.of(h), 2, TinyGraph.ints("kernel_shape", 2, 2), TinyGraph.ints("strides", 2, 2));
		String mid = t.node("Relu", List.of(OpRulesTest.conv(t, pooled.get(0), 8, 8)));
		String unpooled = t.node("MaxUnpool", List.of(mid, pooled.get(1)), TinyGraph.ints("kernel_shape", 2, 2), TinyGraph.ints("strides", 2, 2));
		OnnxModel model = t.model(OpRulesTest.conv(t, unpooled, 8, 4));

		QuantizationResult q = TinyGraph.quantize(model, Schemes.preset("fiq_int8"), t.calibration(-1, 1));

		Layer pool = q.layers().stream().filter(l -> l.opType().equals("MaxPool")).findFirst().orElseThrow();
		assertTrue(!pool.quantized() && pool.reason().startsWith("MaxPool that also writes its indices (for a MaxUnpool)"), pool.toString());
		assertEquals(3, q.layers().stream().filter(l -> l.opType().equals("Conv") && l.quantized()).count(), q.layers().toString());
		// the same plan with float I/O, run against the float model
		NdArray x = t.batch(t.data(8, -1, 1));
		float[] expected = TinyGraph.run(model, x);
		float[] actual = TinyGraph.run(TinyGraph.quantize(model, Schemes.preset("fiq_float32"), t.calibration(-1, 1)).model(), x);
		double err = 0, ref = 0;
		for (int i = 0; i < expected.length; i++) {
			err += (expected[i] - actual[i]) * (expected[i] - actual[i]);
			ref += expected[i] * expected[i];
		}
		assertTrue(err < 0.01 * ref, "relative squared error " + err / ref);
	}
}
