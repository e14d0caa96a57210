package org.quantrace.engine.quantize.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.quantrace.engine.Progress;
import org.quantrace.engine.calibrate.CalibrationResult;
import org.quantrace.engine.calibrate.CalibrationSettings;
import org.quantrace.engine.calibrate.CalibrationSettings.Method;
import org.quantrace.engine.calibrate.Calibrator;
import org.quantrace.engine.calibrate.Range;
import org.quantrace.engine.data.Dataset;
import org.quantrace.engine.data.Datasets;
import org.quantrace.engine.onnx.OnnxModel;
import org.quantrace.engine.onnx.TensorInfo;
import org.quantrace.engine.quantize.QuantizationPlan;
import org.quantrace.engine.quantize.Schemes;
import org.quantrace.testing.TestData;
import org.quantrace.testing.Zoo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Pins the percentile and entropy ranges of real models (zoo models trained on Fashion-MNIST, the tensors fiq_int8
 * calibrates, 96 of the zoo's calibration images) to those recorded in tests/data/expected/histogram_ranges.json, so that
 * work on calibration's speed and memory cannot move a threshold unnoticed. The file was written by this test
 * ({@code -Dquantrace.recordRanges=true}) with the calibrator of commit 0bf1661, before that work; mobilenetv3's two keys again
 * when speed30 kept its narrow stage float (46 tensors of the 55: the stem's output no longer a calibration output, ONNX Runtime
 * fuses the stem with its HardSwish and the float values after it move by up to 4e-7 relative; 22 ranges stay bit for bit). Ranges are compared
 * exactly: histograms are integer counts, which do not depend on how values are split into chunks, groups or threads,
 * and the thresholds are computed from them in a fixed order; the JSON keeps doubles exactly (shortest round-trip form).
 * A change of the calibration math must record the file again and say why in its commit.
 */
class HistogramRangesPinnedTest {

	private static final Path EXPECTED = TestData.root().resolve("tests/data/expected/histogram_ranges.json");
	private static final boolean RECORD = Boolean.getBoolean("quantrace.recordRanges");
	private static final ObjectMapper JSON = new ObjectMapper();

	@ParameterizedTest
	@CsvSource({ "unet, PERCENTILE, 32", "unet, ENTROPY, 32", "unet, ENTROPY, 7", "mobilenetv3, PERCENTILE, 32", "mobilenetv3, ENTROPY, 32",
			"vit, PERCENTILE, 32", "vit, ENTROPY, 7", "resnet, ENTROPY, 32" })
	void rangesAreThoseRecorded(String name, Method method, int batch) throws IOException {
		OnnxModel model = OnnxModel.load(Zoo.model(name).onnx());
		Map<String, TensorInfo> shapes = Calibrator.shapes(model, name);
		List<String> tensors = QuantizationPlan.fullInteger(model, Schemes.preset("fiq_int8"), shapes).calibrationTensors();
		Dataset data = Datasets.open(Zoo.calibrationImages(), Zoo.calibrationLabels());
		CalibrationResult r = Calibrator.calibrate(model, name, tensors, data,
				CalibrationSettings.minMax().with(method).withBatchSize(batch).withMaxSamples(96), shapes, Progress.NONE);
		String key = name + " " + method + " " + batch;
		if (RECORD) {
			record(key, r.ranges());
			return;
		}
		JsonNode expected = TestData.json(EXPECTED).get(key);
		assertTrue(expected != null, "nothing recorded for " + key + " in " + EXPECTED);
		assertEquals(expected.size(), r.ranges().size(), key + ": tensors calibrated");
		assertTrue(r.ranges().size() > 10, key + ": a real model's tensors");
		List<String> moved = new ArrayList<>();
		expected.fields().forEachRemaining(e -> {
			Range now = r.ranges().get(e.getKey());
			if (now == null || now.min() != e.getValue().get(0).asDouble() || now.max() != e.getValue().get(1).asDouble()) {
				moved.add(e.getKey() + ": recorded " + e.getValue() + ", now " + now);
			}
		});
		assertEquals(List.of(), moved, key + ": ranges moved");
	}

	private static synchronized void record(String key, Map<String, Range> ranges) throws IOException {
		ObjectNode all = Files.exists(EXPECTED) ? (ObjectNode) JSON.readTree(EXPECTED.toFile()) : JSON.createObjectNode();
		ObjectNode node = all.putObject(key);
		ranges.forEach((t, range) -> node.putArray(t).add(range.min()).add(range.max()));
		JSON.writerWithDefaultPrettyPrinter().writeValue(EXPECTED.toFile(), all);
	}
}
