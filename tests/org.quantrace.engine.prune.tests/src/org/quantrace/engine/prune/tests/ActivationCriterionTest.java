package org.quantrace.engine.prune.tests;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.Random;

import org.junit.jupiter.api.Test;
import org.quantrace.engine.InvalidInputException;
import org.quantrace.engine.data.ArrayDataset;
import org.quantrace.engine.data.Dataset;
import org.quantrace.engine.onnx.Graph;
import org.quantrace.engine.onnx.Node;
import org.quantrace.engine.onnx.OnnxModel;
import org.quantrace.engine.prune.Pruner;
import org.quantrace.engine.prune.PruningResult;
import org.quantrace.engine.prune.PruningSpec;
import org.quantrace.model.recipe.PruningCriterion;
import org.quantrace.model.recipe.PruningPattern;
import org.quantrace.model.recipe.ThresholdScope;
import org.quantrace.testing.FashionMnist;
import org.quantrace.testing.ModelAccuracy;
import org.quantrace.testing.TestData;
import org.quantrace.testing.TestModels;

/** Channel pruning by the mean |activation| each channel's readers see on calibration samples (criterion activation). */
class ActivationCriterionTest {

	private static PruningSpec spec(PruningCriterion criterion, PruningPattern pattern, double sparsity, ThresholdScope scope) {
		return new PruningSpec(criterion, scope, pattern, sparsity, 4, 1, 4, Map.of(), List.of());
	}

	/**
	 * h = relu(x W1), y = h W2, with W1 diagonal (2, 0.5, 1, 1.2) and inputs of scales (0.01, 10, 1, 1): the smallest filter
	 * (channel 1, 0.5) carries the largest activations (about 5), and the largest filter (channel 0, 2) carries almost nothing
	 * (about 0.02). The weight criteria remove channel 1; the activation criterion removes channel 0.
	 */
	@Test
	void theChannelThatCarriesLeastGoesNotTheSmallestFilter() {
		OnnxModel model = diagonal();
		Dataset data = scaledSamples(64);
		PruningResult byNorm = Pruner.prune(model, "diag", spec(PruningCriterion.L2_MAGNITUDE, PruningPattern.CHANNEL, 25, ThresholdScope.LOCAL));
		PruningResult byActivation = Pruner.prune(model, "diag", spec(PruningCriterion.ACTIVATION, PruningPattern.CHANNEL, 25, ThresholdScope.LOCAL), data);

		assertArrayEquals(new float[] { 2, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 1.2f }, weights(byNorm.model().graph(), "fc1"), 0f,
				"l2: the smallest filter, channel 1, goes");
		assertArrayEquals(new float[] { 0, 0, 0, 0.5f, 0, 0, 0, 1, 0, 0, 0, 1.2f }, weights(byActivation.model().graph(), "fc1"), 0f,
				"activation: channel 0, whose inputs are about 0.01, goes");
		PruningResult.ChannelScores scores = byActivation.channelScores().get(0);
		assertEquals(List.of("fc1"), scores.layers());
		assertArrayEquals(new int[] { 0 }, scores.removed());
		// relative to the layer's mean: |h| about (0.01, 2.5, 0.5, 0.6) x 4 / 3.61 over the samples
		assertTrue(scores.scores()[0] < 0.05 && scores.scores()[1] > 2, java.util.Arrays.toString(scores.scores()));
		assertNotNull(byActivation.samples());
		assertEquals(64, byActivation.samples().count());
		assertEquals(64, byActivation.samples().sha256().length());
		assertEquals(null, byNorm.samples(), "the weight criteria read no samples");
	}

	@Test
	void withoutSamplesTheActivationCriterionIsBadInput() {
		InvalidInputException e = assertThrows(InvalidInputException.class,
				() -> Pruner.prune(diagonal(), "diag", spec(PruningCriterion.ACTIVATION, PruningPattern.CHANNEL, 25, ThresholdScope.LOCAL)));
		assertTrue(e.getMessage().contains("activation criterion") && String.valueOf(e.hint()).contains("--data"), e.getMessage() + " / " + e.hint());
		InvalidInputException block = assertThrows(InvalidInputException.class, () -> Pruner.prune(diagonal(), "diag",
				spec(PruningCriterion.ACTIVATION, PruningPattern.BLOCK, 25, ThresholdScope.LOCAL), scaledSamples(4)));
		assertTrue(block.getMessage().contains("block") && String.valueOf(block.hint()).contains("channel"), block.getMessage());
	}

	/**
	 * The zoo ResNet (exported with BatchNorm folded into the convolutions) at 5 % global: its lowest-norm channels cost it top-1
	 * 0.8456 → 0.4175 (prune7, prune8); scored on the 300 calibration images by the mean |activation| their readers see, the
	 * channels removed cost far less (prune8's torch harness: 0.7346).
	 */
	@Test
	void theZooResNetKeepsMoreAccuracyWhenChannelsAreScoredByActivations() {
		OnnxModel resnet = OnnxModel.load(TestData.data("zoo/resnet.onnx"));
		FashionMnist.Samples calibration = FashionMnist.idx(TestData.data("zoo/data/calib300-images-idx3-ubyte.gz"),
				TestData.data("zoo/data/calib300-labels-idx1-ubyte.gz"));
		FashionMnist.Samples test = FashionMnist.testSet();
		PruningResult byNorm = Pruner.prune(resnet, "resnet", spec(PruningCriterion.L2_MAGNITUDE, PruningPattern.CHANNEL, 5, ThresholdScope.GLOBAL));
		PruningResult byActivation = Pruner.prune(resnet, "resnet", spec(PruningCriterion.ACTIVATION, PruningPattern.CHANNEL, 5, ThresholdScope.GLOBAL),
				ModelAccuracy.dataset("calib300", calibration));
		double norm = ModelAccuracy.top1(byNorm.model(), test);
		double activation = ModelAccuracy.top1(byActivation.model(), test);
		System.out.printf("resnet channel 5%% global: l2 top-1 %.4f, activation top-1 %.4f (%d -> %d parameters)%n", norm, activation,
				byActivation.parametersBefore(), byActivation.parametersAfter());
		assertEquals(300, byActivation.samples().count());
		assertTrue(activation > norm + 0.15 && activation > 0.65, "l2 " + norm + ", activation " + activation);
	}

	private static OnnxModel diagonal() {
		float[] w1 = { 2, 0, 0, 0, 0, 0.5f, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1.2f };
		float[] w2 = new float[4 * 3];
		java.util.Arrays.fill(w2, 0.3f);
		return OnnxModel.of(TestModels.graph(
				List.of(TestModels.node("MatMul", "fc1", List.of("x", "w1"), "h"), TestModels.node("Relu", "relu", List.of("h"), "r"),
						TestModels.node("MatMul", "fc2", List.of("r", "w2"), "y")),
				List.of(TestModels.floats("w1", new long[] { 4, 4 }, w1), TestModels.floats("w2", new long[] { 4, 3 }, w2)), TestModels.tensor("x", 2, 4),
				TestModels.tensor("y", 2, 3)));
	}

	/** Positive inputs of scales 0.01, 10, 1 and 1 per feature. */
	private static Dataset scaledSamples(int n) {
		Random random = new Random(3);
		float[] scale = { 0.01f, 10, 1, 1 };
		float[] v = new float[n * 4];
		for (int i = 0; i < v.length; i++) {
			v[i] = scale[i % 4] * (0.5f + random.nextFloat());
		}
		return new ArrayDataset("scaled", v, new long[] { 4 }, null);
	}

	/** fc1's weights as stored after pruning, row-major [inputs, outputs]. */
	private static float[] weights(Graph g, String node) {
		Node n = g.nodes().stream().filter(x -> x.name().equals(node)).findFirst().orElseThrow();
		return g.initializer(n.input(1)).toFloatArray();
	}
}
