package org.quantrace.engine.convert.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;

import org.junit.jupiter.api.Test;
import org.quantrace.engine.InvalidInputException;
import org.quantrace.engine.convert.Preprocessing;
import org.quantrace.engine.data.Dataset;
import org.quantrace.engine.data.DatasetSpec;
import org.quantrace.engine.data.Datasets;
import org.quantrace.engine.data.NpyArray;
import org.quantrace.engine.onnx.OnnxModel;
import org.quantrace.engine.runtime.NdArray;
import org.quantrace.testing.FashionMnist;
import org.quantrace.testing.TestData;

/**
 * quantize's pre-processing (and a recipe's without a convert step) checks the conversion on the calibration data. A NaN in its
 * fourth sample made the check fail, which pre-processing takes as "could not run" and goes on with the model as it is: the
 * example's trained CNN, its Dropout in training mode, was then refused for drawing random numbers, and the NaN was not said
 * (hostile15: `quantize fashion_cnn_trained.onnx --data xnan.npy`, and `run` of such a recipe after validate had named the
 * sample). The data's fault is the data's: said as the data's reader says it.
 */
class PreprocessingDataFaultTest {

	private static Dataset fashion(String name, int nanAt) throws IOException {
		float[] pixels = Arrays.copyOf(FashionMnist.testSet().pixels(), 100 * 784);
		if (nanAt >= 0) {
			pixels[nanAt * 784 + 145] = Float.NaN;
		}
		Path file = TestData.tempDir("preprocessing-data").resolve(name);
		NpyArray.write(file, NdArray.ofFloats(new long[] { 100, 1, 28, 28 }, pixels));
		return Datasets.open(DatasetSpec.of(file, null));
	}

	@Test
	void aSampleHoldingNanIsTheDatasFaultNotTheModels() throws IOException {
		OnnxModel trained = OnnxModel.load(TestData.example("model/fashion_cnn_trained.onnx"));
		Preprocessing.Outcome clean = Preprocessing.of(trained, "cnn", fashion("x.npy", -1), true);
		assertTrue(clean.applied(), "the clean data: the Dropout's conversion is checked and used: " + clean.reason());

		InvalidInputException e = assertThrows(InvalidInputException.class, () -> Preprocessing.of(trained, "cnn", fashion("xnan.npy", 3), true));
		assertTrue(e.getMessage().endsWith("xnan.npy: sample 3 holds NaN (value 145 of its 784)"), e.getMessage());
		assertEquals("clean the data or leave that sample out: no model input is NaN or infinite", e.hint());
	}
}
