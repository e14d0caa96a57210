package org.quantrace.engine.quantize.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.quantrace.engine.Progress;
import org.quantrace.engine.calibrate.CalibrationResult;
import org.quantrace.engine.calibrate.CalibrationSettings;
import org.quantrace.engine.calibrate.Calibrator;
import org.quantrace.engine.calibrate.Range;
import org.quantrace.engine.data.Dataset;
import org.quantrace.engine.data.Datasets;
import org.quantrace.engine.onnx.OnnxModel;
import org.quantrace.testing.TestData;
import org.quantrace.testing.Zoo;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * l2 calibration against torch 1.13's HistogramObserver on real activations: five tensors of the zoo's
 * mobilenetv3_constants_opset11 (a BatchNormalization output, a ReLU output, a decomposed HardSwish output, a
 * squeeze-excitation GlobalAveragePool and its HardSigmoid gate) over the 300 calibration images, reference ranges made by
 * tests/data/make_l2_reference.py (torch's search on the whole tensor at once; see the script for why). Quantrace's histograms
 * are re-binned from finer ones and built batch by batch, so a value near a bin edge may fall on the other side: the ranges
 * must agree within one bin of torch's 2048 over [min, max], in one batch and in the default batches of 32.
 */
class L2ReferenceRangesTest {

	private static final JsonNode REF = TestData.json(TestData.data("expected/l2_ranges.json"));

	@ParameterizedTest
	@ValueSource(ints = { 300, 32 })
	void rangesAreTorchHistogramObserversOnTheSameValues(int batch) {
		OnnxModel model = OnnxModel.load(Zoo.model("mobilenetv3_constants_opset11").onnx());
		List<String> tensors = new ArrayList<>();
		REF.get("tensors").fieldNames().forEachRemaining(tensors::add);
		assertEquals(5, tensors.size());
		Dataset data = Datasets.open(Zoo.calibrationImages(), Zoo.calibrationLabels());
		CalibrationResult r = Calibrator.calibrate(model, "mobilenetv3_constants_opset11", tensors, data,
				CalibrationSettings.minMax().with(CalibrationSettings.Method.L2).withBatchSize(batch), Progress.NONE);
		for (String t : tensors) {
			JsonNode ref = REF.get("tensors").get(t);
			Range range = r.ranges().get(t);
			double bin = ref.get("bin_width").asDouble();
			// torch's affine qparams contain 0 (its calculate_qparams widens the range as Quantrace's Range.includingZero)
			assertEquals(Math.min(0, ref.get("l2_min").asDouble()), range.min(), bin, t + " min");
			assertEquals(Math.max(0, ref.get("l2_max").asDouble()), range.max(), bin, t + " max");
		}
		String batchNorm = "/features/features.4/block/block.0/block.0.1/BatchNormalization_output_0";
		Range bn = r.ranges().get(batchNorm);
		JsonNode bnRef = REF.get("tensors").get(batchNorm);
		assertTrue(bn.max() < 0.7 * bnRef.get("max").asDouble(), "the search clips the BatchNormalization output's tails: " + bn);
	}
}
