package org.quantrace.engine.quantize.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;
import org.quantrace.engine.onnx.OnnxModel;
import org.quantrace.engine.quantize.QuantizationResult;
import org.quantrace.engine.quantize.Schemes;

/** Defects found by the models of tests/data/wild/make_unseen7.py, each as a tiny graph checked against ONNX Runtime. */
class UnseenModelsTest {

	/**
	 * A model whose intermediate tensors are declared in value_info (onnx's shape inference and onnx-simplifier write one per
	 * tensor; torch's export_modules_as_functions declares each call's output, make_unseen7.py "siamese"): a MaxPool, Flatten
	 * or Split moved integer codes under its output's own name, still declared float, and ONNX Runtime refused the quantized
	 * model ("Type (tensor(float)) of output arg (...) of node (...) does not match expected type (tensor(uint8))"), exit 3
	 * for every full-integer scheme. The declaration now says the codes' type.
	 */
	@Test
	void declaredFloatTensorsThatBecomeCodesLoadAndRunOnTheCodes() {
		TinyGraph t = new TinyGraph(1, 8, 8);
		String c = t.node("Conv", List.of("x", t.weight(1.0 / 3, 4, 1, 3, 3), t.weight(0.05, 4)), TinyGraph.ints("pads", 1, 1, 1, 1));
		String r = t.node("Relu", List.of(c));
		String pool = t.node("MaxPool", List.of(r), TinyGraph.ints("kernel_shape", 2, 2), TinyGraph.ints("strides", 2, 2));
		List<String> halves = t.nodeOutputs("Split", List.of(pool), 2, TinyGraph.attr("axis", 1L));
		String a = t.node("Conv", List.of(halves.get(0), t.weight(0.3, 4, 2, 1, 1), t.weight(0.05, 4)));
		String b = t.node("Conv", List.of(halves.get(1), t.weight(0.3, 4, 2, 1, 1), t.weight(0.05, 4)));
		String y = t.node("Add", List.of(a, b));
		for (String declared : List.of(c, r, pool, halves.get(0), halves.get(1), a, b)) {
			t.declaredFloat(declared);
		}
		OnnxModel model = t.model(y);
		float[] x = t.data(8, 0, 1);
		float[] expected = TinyGraph.run(model, t.batch(x));
		for (String scheme : List.of("fiq_float32", "fiq_uint8", "fiq_int8")) {
			QuantizationResult q = TinyGraph.quantize(model, Schemes.preset(scheme), t.calibration(0, 1)); // threw: does not load
			assertEquals(q.layers().size(), q.quantizedLayers(), scheme + ": " + q.floatLayers());
			List<String> ops = TinyGraph.optimizedOps(q.model());
			assertTrue(ops.contains("MaxPool") || ops.stream().anyMatch(o -> o.endsWith("NhwcMaxPool")), scheme + ": " + ops);
			assertFalse(ops.contains("Conv"), scheme + ": every Conv an integer kernel: " + ops);
			if (scheme.equals("fiq_float32")) {
				float[] actual = TinyGraph.run(q.model(), t.batch(x));
				double max = 0;
				for (int i = 0; i < expected.length; i++) {
					max = Math.max(max, Math.abs(expected[i]));
				}
				for (int i = 0; i < expected.length; i++) {
					assertEquals(expected[i], actual[i], 0.05 * max, scheme + " output " + i);
				}
			}
		}
	}

	/**
	 * One weight read by two Convs (a Siamese tower run on two inputs, as torch exports it once the Identity copies are gone:
	 * make_unseen7.py "siamese"): full-integer quantization stored a copy of its int8 codes per reader (siamese's fiq-int8
	 * 64,409 bytes, drq 38,392), while both copies are the same codes of the same scales. The codes are stored once, each
	 * Conv keeps a DequantizeLinear of its own and runs as QLinearConv.
	 */
	@Test
	void aWeightTwoConvsShareIsStoredOnce() {
		TinyGraph t = new TinyGraph(4, 6, 6);
		String w = t.weight(0.2, 4, 4, 3, 3);
		String bias = t.weight(0.05, 4);
		String a = t.node("Conv", List.of("x", w, bias), TinyGraph.ints("pads", 1, 1, 1, 1));
		String r = t.node("Relu", List.of(a));
		String y = t.node("Conv", List.of(r, w, bias), TinyGraph.ints("pads", 1, 1, 1, 1));
		OnnxModel model = t.model(y);
		float[] x = t.data(8, 0, 1);
		float[] expected = TinyGraph.run(model, t.batch(x));
		for (String scheme : List.of("fiq_float32", "fiq_uint8", "fiq_int8")) {
			QuantizationResult q = TinyGraph.quantize(model, Schemes.preset(scheme), t.calibration(0, 1));
			long copies = q.model().graph().initializers().stream()
					.filter(i -> i.dataType() == org.quantrace.engine.onnx.DataType.INT8 && i.dims().length == 4).count();
			assertEquals(1, copies, scheme + ": the shared weight's int8 codes, once: " + q.model().graph().initializers());
			List<String> ops = TinyGraph.optimizedOps(q.model());
			assertEquals(2, ops.stream().filter(o -> o.equals("QLinearConv")).count(), scheme + ": " + ops);
			if (scheme.equals("fiq_float32")) {
				float[] actual = TinyGraph.run(q.model(), t.batch(x));
				double max = 0;
				for (float e : expected) {
					max = Math.max(max, Math.abs(e));
				}
				for (int i = 0; i < expected.length; i++) {
					assertEquals(expected[i], actual[i], 0.05 * max, scheme + " output " + i);
				}
			}
		}
	}
}
