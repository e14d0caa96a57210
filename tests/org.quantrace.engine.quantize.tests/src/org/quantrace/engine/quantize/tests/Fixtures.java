package org.quantrace.engine.quantize.tests;

import org.quantrace.engine.Progress;
import org.quantrace.engine.data.Dataset;
import org.quantrace.engine.onnx.OnnxModel;
import org.quantrace.engine.quantize.QuantizationResult;
import org.quantrace.engine.quantize.QuantizationSpec;
import org.quantrace.engine.quantize.Quantizer;
import org.quantrace.engine.quantize.Schemes;
import org.quantrace.testing.FashionMnist;
import org.quantrace.testing.FashionMnist.Samples;
import org.quantrace.testing.ModelAccuracy;
import org.quantrace.testing.TestData;

/** Shared models and data: loaded once per test JVM. */
final class Fixtures {

	static final OnnxModel CNN = OnnxModel.load(TestData.data("models/fashion_mnist_cnn.onnx"));
	static final Samples TEST_SET = FashionMnist.testSet();
	static final Samples CALIBRATION = FashionMnist.folder(TestData.example("data/calibration"),
			TestData.labelMap(TestData.example("data/labels.json")));
	static final Dataset CALIBRATION_DATA = ModelAccuracy.dataset("calibration (300 training images)", CALIBRATION);
	/** The reference model's fp32 top-1 on the 10k test set (shared/reference-models/train_results.json). */
	static final double FP32_TOP1 = 0.8575;

	private Fixtures() {
	}

	static QuantizationResult quantize(OnnxModel model, QuantizationSpec spec) {
		return Quantizer.quantize(model, "fashion_mnist_cnn", spec, CALIBRATION_DATA, Progress.NONE);
	}

	static QuantizationResult quantize(String scheme) {
		return quantize(CNN, Schemes.preset(scheme));
	}
}
