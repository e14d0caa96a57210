package org.quantrace.engine.convert.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.quantrace.engine.Progress;
import org.quantrace.engine.convert.FreezeOptions;
import org.quantrace.engine.convert.FreezeResult;
import org.quantrace.engine.convert.Freezer;
import org.quantrace.engine.data.Dataset;
import org.quantrace.engine.data.DatasetSpec;
import org.quantrace.engine.data.Datasets;
import org.quantrace.engine.onnx.DataType;
import org.quantrace.engine.onnx.IoQuantization;
import org.quantrace.engine.onnx.OnnxModel;
import org.quantrace.engine.quantize.Quantizer;
import org.quantrace.engine.quantize.Schemes;
import org.quantrace.testing.TestData;

/**
 * A model that arrives quantized with int8 inputs (the two-stream model of tests/data/multiin quantized fiq-int8: its image and its
 * features each int8, of their own scale), converted on the float .npz its evaluation reads: the check feeds each float array as
 * q = r / S + Z with its input's S and Z, as the evaluation does. It fed them as they are, and ONNX Runtime stopped the check:
 * "Unexpected input data type. Actual: (tensor(float)), expected: (tensor(int8))".
 */
class IntegerInputConvertTest {

	@Test
	void anInt8InputModelIsCheckedOnTheFloatDataItsEvaluationReads() {
		Path dir = TestData.data("multiin");
		Dataset calib = Datasets.open(DatasetSpec.of(dir.resolve("twostream-calib.npz"), null));
		OnnxModel int8 = Quantizer.quantize(OnnxModel.load(dir.resolve("twostream.onnx")), "twostream", Schemes.preset("fiq_int8"), calib, Progress.NONE)
				.model();
		assertEquals(List.of("image", "feats"), List.copyOf(IoQuantization.inputs(int8).keySet()), "the premise: both inputs int8, read by a DequantizeLinear");
		assertTrue(IoQuantization.inputs(int8).values().stream().allMatch(io -> io.type() == DataType.INT8));

		FreezeResult r = Freezer.freeze(int8, "twostream-int8", FreezeOptions.defaults(), calib, Progress.NONE);

		assertEquals(64, r.verificationSamples());
		assertTrue(r.maxAbsDifference() < 1e-4, "the converted model computes what the original does: " + r.maxAbsDifference());
		assertEquals(r.maxAbsDifference(), Freezer.difference(int8, r.model(), "twostream-int8", calib), 1e-9, "verify's check made again agrees");
	}
}
