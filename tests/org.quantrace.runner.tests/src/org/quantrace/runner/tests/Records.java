package org.quantrace.runner.tests;

import org.quantrace.engine.Progress;
import org.quantrace.engine.data.Dataset;
import org.quantrace.engine.onnx.OnnxModel;
import org.quantrace.engine.quantize.QuantizationResult;
import org.quantrace.engine.quantize.Quantizer;
import org.quantrace.engine.quantize.Schemes;
import org.quantrace.testing.FashionMnist;
import org.quantrace.testing.ModelAccuracy;
import org.quantrace.testing.TestData;

/** Engine results of the test CNN to turn into trace records. */
final class Records {

	static final OnnxModel CNN = OnnxModel.load(TestData.data("models/fashion_mnist_cnn.onnx"));
	static final OnnxModel TRAINED = OnnxModel.load(TestData.example("model/fashion_cnn_trained.onnx"));
	static final FashionMnist.Samples CALIBRATION = FashionMnist.folder(TestData.example("data/calibration"),
			TestData.labelMap(TestData.example("data/labels.json")));
	static final Dataset CALIBRATION_DATA = ModelAccuracy.dataset("calibration (300 training images)", CALIBRATION);

	private Records() {
	}

	static QuantizationResult quantize(String scheme) {
		return Quantizer.quantize(CNN, "fashion_mnist_cnn", Schemes.preset(scheme), CALIBRATION_DATA, Progress.NONE);
	}
}
