package org.quantrace.runner.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.quantrace.engine.Progress;
import org.quantrace.engine.data.Dataset;
import org.quantrace.engine.data.DatasetSpec;
import org.quantrace.engine.data.Datasets;
import org.quantrace.engine.evaluate.DebugReport;
import org.quantrace.engine.evaluate.QuantizationDebugger;
import org.quantrace.engine.onnx.OnnxModel;
import org.quantrace.engine.quantize.Quantizer;
import org.quantrace.engine.quantize.Schemes;
import org.quantrace.model.recipe.DebugMetric;
import org.quantrace.runner.Recovery;
import org.quantrace.testing.FarValueData;
import org.quantrace.testing.TestData;

/** Recovery leaves the worst layers in float first, by the debugger's reading of each metric. */
class RecoveryTest {

	private static DebugReport.TensorDebug tensor(String node, double sqnr, double cosine, double rmseOverScale, double meanError) {
		DebugReport.Stats s = new DebugReport.Stats(100, rmseOverScale, meanError, 4 * rmseOverScale, rmseOverScale * rmseOverScale, sqnr, cosine,
				rmseOverScale);
		return new DebugReport.TensorDebug(0, node + "_output_0", node, "Conv", "", 0.1f, 0, "", s, s, false, false, 0, "");
	}

	/**
	 * Issue 16, item 2: a −10 dB tensor (noise ten times the signal) is worse than a 3 dB one, and a cosine
	 * similarity of −0.5 (pointing away) worse than 0.2; ranking by magnitude put them the other way round.
	 */
	@ParameterizedTest
	@EnumSource(value = DebugMetric.class, names = { "SQNR", "COSINE", "RMSE_OVER_SCALE", "MEAN_ERROR" })
	void theWorstLayerComesFirstAlsoWhenItsValueIsNegative(DebugMetric metric) {
		List<DebugReport.TensorDebug> tensors = List.of(tensor("healthy", 30, 0.999, 0.29, 0.001), tensor("poor", 3, 0.2, 0.8, -0.05),
				tensor("broken", -10, -0.5, 5, -2));
		List<Recovery.Layer> ranking = Recovery.rank(tensors, metric, List::of);
		assertEquals(List.of("broken", "poor", "healthy"), ranking.stream().map(Recovery.Layer::label).toList(), metric.getLiteral());
	}

	@ParameterizedTest
	@EnumSource(value = DebugMetric.class, names = { "SQNR", "RMSE_OVER_SCALE" })
	void aLayerIsRankedOnceByItsWorstTensor(DebugMetric metric) {
		// a Relu fused into its convolution: both tensors name the same layer, left in float together
		List<DebugReport.TensorDebug> tensors = List.of(tensor("/conv", 20, 0.99, 0.4, 0), tensor("/relu", -10, -0.5, 5, 0), tensor("/other", 3, 0.2, 0.8, 0));
		List<Recovery.Layer> ranking = Recovery.rank(tensors, metric, node -> node.equals("/other") ? List.of(node) : List.of("/conv", "/relu"));
		assertEquals(List.of("/conv + /relu", "/other"), ranking.stream().map(Recovery.Layer::label).toList());
		assertEquals(metric == DebugMetric.SQNR ? -10 : 5, ranking.get(0).error());
	}

	/**
	 * Issue 13 (wide3's open item): recovery took the debugger's isolated error alone, so a layer whose range the calibration
	 * clipped on purpose (FarValueData: one far pixel; the quantized model names the ranges in its metadata) came first, its
	 * error being the far values' saturation. It ranks after every other layer now, as `quantrace debug` names it no candidate.
	 */
	@Test
	void aLayerWhoseRangeWasClippedOnPurposeIsTriedLast(@TempDir Path dir) throws IOException {
		OnnxModel cnn = OnnxModel.load(TestData.data("models/fashion_mnist_cnn.onnx"));
		Dataset far = Datasets.open(DatasetSpec.of(FarValueData.write(dir), dir.resolve("labels.npy")));
		OnnxModel q = Quantizer.quantize(cnn, "cnn", Schemes.preset("fiq_int8"), far, Progress.NONE).model();
		DebugMetric metric = DebugMetric.RMSE_OVER_SCALE;
		DebugReport r = QuantizationDebugger.debug(cnn, "cnn", q, "fiq_int8", far, 64, metric, Double.MAX_VALUE, Progress.NONE);
		List<DebugReport.TensorDebug> layers = r.tensors().stream().filter(t -> t.paramsFrom().isEmpty() && !t.node().isEmpty()).toList();
		List<String> clipped = layers.stream().filter(DebugReport.TensorDebug::clippedOnPurpose).map(DebugReport.TensorDebug::node).toList();
		assertTrue(!clipped.isEmpty() && clipped.size() < layers.size(), "some layers clipped, not all: " + clipped);
		DebugReport.TensorDebug worst = layers.stream().max(Comparator.comparingDouble(t -> t.isolated().value(metric))).orElseThrow();
		assertTrue(worst.clippedOnPurpose(), "by isolated error alone a clipped layer is the worst: " + worst);

		List<Recovery.Layer> ranking = Recovery.rank(r.tensors(), metric, List::of);
		int firstClipped = ranking.indexOf(ranking.stream().filter(Recovery.Layer::clippedAtCalibration).findFirst().orElseThrow());
		assertEquals(ranking.size() - clipped.size(), firstClipped, "clipped layers last: " + ranking);
		assertTrue(ranking.subList(firstClipped, ranking.size()).stream().allMatch(Recovery.Layer::clippedAtCalibration), ranking.toString());
		assertTrue(ranking.subList(0, firstClipped).stream().noneMatch(l -> clipped.contains(l.label())), ranking.toString());
	}

	/**
	 * advice12's find: siren's Fourier features (Sin, Cos, their Concat) and its SIREN Sins run in float in the fiq_int8 model,
	 * only their outputs quantized for the integer Gemms that read them. Recovery ranked them with the quantized layers, so a trial
	 * "left in float" a layer that already was (and recorded it so), changing nothing. Only layers on quantized inputs are ranked (the
	 * Fourier MatMul and the SIREN Gemms, whose float outputs carry their weights' error, write no quantized tensor to rank them by).
	 */
	@Test
	void aLayerThatRunsInFloatAlreadyIsNotRanked() {
		OnnxModel siren = OnnxModel.load(TestData.data("models/siren_small.onnx"));
		Dataset calibration = Datasets.open(DatasetSpec.of(TestData.example("data/calibration"), TestData.example("data/labels.json")));
		OnnxModel q = Quantizer.quantize(siren, "siren", Schemes.preset("fiq_int8"), calibration, Progress.NONE).model();
		DebugMetric metric = DebugMetric.RMSE_OVER_SCALE;
		DebugReport r = QuantizationDebugger.debug(siren, "siren", q, "fiq_int8", calibration, 64, metric, Double.MAX_VALUE, Progress.NONE);
		List<String> inFloat = r.tensors().stream().filter(DebugReport.TensorDebug::inFloat).map(DebugReport.TensorDebug::node).toList();
		assertTrue(inFloat.containsAll(List.of("/Concat", "/l1/Sin", "/l2/Sin")), "the debugger says they run in float: " + inFloat);

		List<String> ranked = Recovery.rank(r.tensors(), metric, List::of).stream().map(Recovery.Layer::label).toList();
		assertTrue(ranked.contains("/head/Gemm"), "the integer head is ranked: " + ranked);
		assertTrue(ranked.stream().noneMatch(inFloat::contains), "a layer in float already is no candidate: " + ranked + ", in float " + inFloat);
	}
}
