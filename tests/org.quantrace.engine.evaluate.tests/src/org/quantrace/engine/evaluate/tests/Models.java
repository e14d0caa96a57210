package org.quantrace.engine.evaluate.tests;

import org.quantrace.engine.Progress;
import org.quantrace.engine.data.Dataset;
import org.quantrace.engine.data.DatasetSpec;
import org.quantrace.engine.data.Datasets;
import org.quantrace.engine.onnx.OnnxModel;
import org.quantrace.engine.quantize.QuantizationSpec;
import org.quantrace.engine.quantize.Quantizer;
import org.quantrace.engine.quantize.Schemes;
import org.quantrace.testing.TestData;

/** Models and data the evaluation tests share. */
final class Models {

	static final Dataset TEST_SET = Datasets.open(DatasetSpec.of(TestData.data("fashion-mnist/t10k-images-idx3-ubyte.gz"),
			TestData.data("fashion-mnist/t10k-labels-idx1-ubyte.gz")));
	static final Dataset CALIBRATION = Datasets.open(DatasetSpec.of(TestData.example("data/calibration"), TestData.example("data/labels.json")));

	private Models() {
	}

	static OnnxModel quantize(OnnxModel model, String scheme) {
		return quantize(model, Schemes.preset(scheme));
	}

	static OnnxModel quantize(OnnxModel model, QuantizationSpec spec) {
		return Quantizer.quantize(model, "model", spec, CALIBRATION, Progress.NONE).model();
	}
}
