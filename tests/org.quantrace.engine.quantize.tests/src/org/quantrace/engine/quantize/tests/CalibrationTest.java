package org.quantrace.engine.quantize.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;
import org.quantrace.engine.InvalidInputException;
import org.quantrace.engine.Progress;
import org.quantrace.engine.calibrate.CalibrationResult;
import org.quantrace.engine.calibrate.CalibrationSettings;
import org.quantrace.engine.calibrate.CalibrationSettings.Method;
import org.quantrace.engine.calibrate.Calibrator;
import org.quantrace.engine.calibrate.HistogramCollector;
import org.quantrace.engine.calibrate.Range;
import org.quantrace.engine.data.ArrayDataset;
import org.quantrace.engine.data.Dataset;
import org.quantrace.engine.data.NpyDataset;
import org.quantrace.engine.onnx.OnnxModel;
import org.quantrace.testing.TestData;

import com.fasterxml.jackson.databind.JsonNode;

import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.OperatorSetIdProto;
import ai.onnx.proto.OnnxMl.TensorShapeProto;
import ai.onnx.proto.OnnxMl.TypeProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;

/**
 * Calibration methods on a heavy-tailed activation (Student-t, 2 degrees of freedom), against reference
 * ranges computed with numpy by tests/data/make_test_models.py, fed in one batch and streamed.
 */
class CalibrationTest {

	private static final JsonNode REF = TestData.json(TestData.data("expected/heavy_tailed.ranges.json"));
	private static final Dataset DATA = NpyDataset.open(TestData.data("models/heavy_tailed.npy"), null);

	/** y = Relu(x) on [N, 1]: calibrating x (the input) and y (an intermediate exposed as an output). */
	static OnnxModel reluModel() {
		TypeProto t = TypeProto.newBuilder().setTensorType(TypeProto.Tensor.newBuilder().setElemType(1).setShape(TensorShapeProto.newBuilder()
				.addDim(TensorShapeProto.Dimension.newBuilder().setDimParam("N")).addDim(TensorShapeProto.Dimension.newBuilder().setDimValue(1))))
				.build();
		GraphProto g = GraphProto.newBuilder().setName("relu").addNode(NodeProto.newBuilder().setOpType("Relu").setName("relu").addInput("x").addOutput("h"))
				.addNode(NodeProto.newBuilder().setOpType("Neg").setName("neg").addInput("h").addOutput("y"))
				.addInput(ValueInfoProto.newBuilder().setName("x").setType(t)).addOutput(ValueInfoProto.newBuilder().setName("y").setType(t)).build();
		return OnnxModel.of(ModelProto.newBuilder().setIrVersion(7).addOpsetImport(OperatorSetIdProto.newBuilder().setVersion(13)).setGraph(g).build());
	}

	private static Range calibrate(CalibrationSettings settings, String tensor) {
		return Calibrator.calibrate(reluModel(), "relu", List.of("x", "h"), DATA, settings, Progress.NONE).ranges().get(tensor);
	}

	@ParameterizedTest
	@ValueSource(ints = { 20000, 256 })
	void minMaxKeepsEveryValue(int batch) {
		Range r = calibrate(CalibrationSettings.minMax().withBatchSize(batch), "x");
		assertEquals(REF.get("min").asDouble(), r.min(), 0);
		assertEquals(REF.get("max").asDouble(), r.max(), 0);
		assertEquals(REF.get("max").asDouble(), calibrate(CalibrationSettings.minMax().withBatchSize(batch), "h").max(), 0);
	}

	@ParameterizedTest
	@ValueSource(ints = { 20000, 256 })
	void percentileClipsTheTailsLikeNumpy(int batch) {
		Range r = calibrate(CalibrationSettings.minMax().withPercentile(99.9).withBatchSize(batch), "x");
		double width = 2 * REF.get("bin_width").asDouble() * 2; // streamed histograms may have doubled their range once
		JsonNode p = REF.get("percentile_99_9");
		assertEquals(p.get(0).asDouble(), r.min(), width, "lower bound");
		assertEquals(p.get(1).asDouble(), r.max(), width, "upper bound");
		assertTrue(r.max() < REF.get("max").asDouble() / 3, "a heavy tail makes percentile much narrower than MinMax: " + r);
	}

	/**
	 * The KL search is TensorRT's (numpy's reference threshold within a bin); on this heavy tail its threshold saturates more
	 * than {@link HistogramCollector#MAX_SATURATED} of the values, so the range taken is raised to the narrowest that does not
	 * (entropy28), and the raise says both.
	 */
	@Test
	void entropyFindsTensorRtsThreshold() {
		double threshold = REF.get("entropy_threshold").asDouble();
		double width = REF.get("bin_width").asDouble();
		CalibrationResult single = result(CalibrationSettings.minMax().with(Method.ENTROPY).withBatchSize(20000));
		HistogramCollector.RaisedThreshold raise = single.raised().get("x");
		assertNotNull(raise, "TensorRT's threshold on this heavy tail saturates more than the limit: " + single.raised());
		assertEquals(threshold, raise.searched(), 1.01 * width, "same histogram as numpy: the KL search's threshold within a bin");
		assertTrue(raise.saturatedShare() > HistogramCollector.MAX_SATURATED, raise.describe());
		assertTrue(raise.threshold() > threshold, raise.describe());
		assertEquals(raise.threshold(), single.ranges().get("x").max(), 1e-12, "the range taken is the raised threshold");
		assertEquals(-raise.threshold(), single.ranges().get("x").min(), 1e-12);
		CalibrationResult streamed = result(CalibrationSettings.minMax().with(Method.ENTROPY).withBatchSize(256));
		assertEquals(threshold, streamed.raised().get("x").searched(), 0.05 * threshold, "streamed histograms lose resolution only by range doublings");
		Range percentile = calibrate(CalibrationSettings.minMax().withPercentile(99.9).withBatchSize(256), "x");
		assertNotEquals(percentile.max(), streamed.ranges().get("x").max(), 1.0, "entropy is not percentile in disguise");
		assertTrue(streamed.ranges().get("x").max() < REF.get("max").asDouble(), "entropy still clips the tail: " + streamed.ranges().get("x"));
	}

	private static CalibrationResult result(CalibrationSettings settings) {
		return Calibrator.calibrate(reluModel(), "relu", List.of("x", "h"), DATA, settings, Progress.NONE);
	}

	@Test
	void movingAverageFollowsTypicalBatchesNotTheExtremeOne() {
		Range avg = calibrate(CalibrationSettings.minMax().with(Method.MOVING_AVERAGE).withBatchSize(256), "x");
		Range minMax = calibrate(CalibrationSettings.minMax().withBatchSize(256), "x");
		assertTrue(avg.max() < minMax.max() && avg.min() > minMax.min(), avg + " inside " + minMax);
		assertTrue(calibrate(CalibrationSettings.minMax().with(Method.MOVING_AVERAGE).withBatchSize(256), "h").min() == 0,
				"ReLU output never goes below 0");
	}

	@Test
	void onlyTheRequestedNumberOfSamplesIsUsed() {
		var result = Calibrator.calibrate(reluModel(), "relu", List.of("x"), DATA, CalibrationSettings.minMax().withMaxSamples(300).withBatchSize(64),
				Progress.NONE);
		assertEquals(300, result.samples());
	}

	@ParameterizedTest
	@ValueSource(strings = { "MINMAX", "PERCENTILE", "MOVING_AVERAGE", "ENTROPY", "L2" })
	void aNaNOrInfinityInTheDataIsReportedWithItsTensorAndSamples(String method) {
		float[] values = new float[1000];
		for (int i = 0; i < values.length; i++) {
			values[i] = (i % 7) - 3;
		}
		values[300] = Float.NaN;
		CalibrationSettings settings = CalibrationSettings.minMax().with(Method.valueOf(method)).withBatchSize(256);
		boolean reducedInOrt = method.equals("MINMAX") || method.equals("MOVING_AVERAGE");
		// the input is checked in Java for every method; so are intermediates that histograms read, while ONNX Runtime's
		// max reductions (MinMax, moving average) skip a NaN: they see only an infinity
		for (String tensor : reducedInOrt ? List.of("x") : List.of("x", "h")) {
			InvalidInputException e = assertThrows(InvalidInputException.class, () -> Calibrator.calibrate(reluModel(), "relu", List.of(tensor),
					new ArrayDataset("nan.npy", values, new long[] { 1 }, null), settings, Progress.NONE));
			assertEquals("nan.npy: samples 256 to 511 make tensor '" + tensor + "' of relu NaN or infinite (values range over [NaN, NaN])", e.getMessage());
		}
		values[300] = Float.POSITIVE_INFINITY;
		InvalidInputException inf = assertThrows(InvalidInputException.class, () -> Calibrator.calibrate(reluModel(), "relu", List.of("h"),
				new ArrayDataset("inf.npy", values, new long[] { 1 }, null), settings, Progress.NONE));
		assertTrue(inf.getMessage().startsWith("inf.npy: samples 256 to 511 make tensor 'h' of relu NaN or infinite"), inf.getMessage());
	}
}
