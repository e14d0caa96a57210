package org.quantrace.engine.evaluate.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;
import org.quantrace.engine.Progress;
import org.quantrace.engine.evaluate.EvaluationOptions;
import org.quantrace.engine.evaluate.EvaluationReport;
import org.quantrace.engine.evaluate.Evaluator;
import org.quantrace.engine.evaluate.Metrics;
import org.quantrace.engine.evaluate.Variant;
import org.quantrace.engine.onnx.OnnxModel;
import org.quantrace.engine.quantize.QuantizationResult;
import org.quantrace.engine.quantize.Quantizer;
import org.quantrace.engine.quantize.Schemes;
import org.quantrace.testing.TestData;
import org.quantrace.testing.TestModels;

/**
 * The Fashion-MNIST CNN saved in float16, as {@code model.half()} exports it (tests/data/wild make_half.py). Before: its
 * float16 input could not be fed ("reads FLOAT16 input but the data is FLOAT32", with the impossible hint to preprocess the
 * data to float32), and quantizing it failed in calibration. Now float samples are rounded to float16 as they are fed, and
 * the quantizer works on the model's exact float32 widening, saying so.
 */
class HalfPrecisionEvaluationTest {

	private static final OnnxModel CNN = OnnxModel.load(TestData.data("models/fashion_mnist_cnn.onnx"));

	@Test
	void aFloat16ModelIsEvaluatedAndQuantizedOnFloatSamples() {
		OnnxModel half = OnnxModel.of(TestModels.toFloat16(CNN.toProto()));
		QuantizationResult q = Quantizer.quantize(half, "half", Schemes.preset("fiq_int8"), Models.CALIBRATION, Progress.NONE);

		EvaluationReport r = Evaluator.evaluate(List.of(Variant.of("fp32", CNN), Variant.of("fp16", half), Variant.of("fiq_int8", q.model())),
				Models.TEST_SET, EvaluationOptions.defaults(), Progress.NONE);

		assertEquals(0.8575, r.variant("fp32").metrics().get(Metrics.ACCURACY), 1e-9);
		// float16 weights and activations round the logits; a handful of the 10,000 predictions may flip
		assertEquals(0.8575, r.variant("fp16").metrics().get(Metrics.ACCURACY), 0.002);
		assertEquals(EvaluationReport.Marker.SAME, r.compare("fiq_int8", Metrics.ACCURACY).marker(), "int8 of the float16 model within 0.5 pt");
		assertTrue(r.variant("fp16").sizeBytes() < 0.55 * r.variant("fp32").sizeBytes(), "the float16 file holds half the bytes");
		// as of the float32 CNN (FashionCnnQuantizationTest): every layer integer but the one-channel stem and its Relu, which
		// compute in float on the int8 input's codes (branch speed18)
		assertEquals(List.of("/c1/Conv", "/r1/Relu"), q.floatLayers().stream().map(QuantizationResult.Layer::node).toList(), "every other layer integer: " + q.floatLayers());
		assertTrue(q.warnings().stream().anyMatch(w -> w.startsWith("half computes in half precision; it was quantized from its float32 form (float16 -> float32: ")
				&& w.endsWith("and its float inputs and outputs are float32")), q.warnings().toString());
	}
}
