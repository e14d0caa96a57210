package org.quantrace.runner.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.quantrace.engine.evaluate.DebugReport;
import org.quantrace.model.recipe.DebugMetric;
import org.quantrace.runner.Recovery;

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
}
