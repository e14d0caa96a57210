package org.quantrace.engine.tests;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Arrays;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.quantrace.engine.onnx.OnnxModel;
import org.quantrace.engine.runtime.InferenceSession;
import org.quantrace.engine.runtime.NdArray;
import org.quantrace.engine.runtime.SessionSettings;
import org.quantrace.testing.FashionMnist;
import org.quantrace.testing.FashionMnist.Samples;
import org.quantrace.testing.TestData;

import com.fasterxml.jackson.databind.JsonNode;

/** ONNX Runtime reproduces the accuracy recorded in the example's provenance (computed with torch). */
class InferenceTest {

	private static final JsonNode PROVENANCE = TestData.json(TestData.example("provenance.json"));

	private static double accuracy(Samples samples, int batch, int threads) {
		OnnxModel model = OnnxModel.load(TestData.example("model/fashion_cnn.onnx"));
		int correct = 0;
		try (InferenceSession session = InferenceSession.open(model, SessionSettings.defaults().withThreads(threads), "fashion_cnn")) {
			for (int start = 0; start < samples.count(); start += batch) {
				int n = Math.min(batch, samples.count() - start);
				float[] x = Arrays.copyOfRange(samples.pixels(), start * 784, (start + n) * 784);
				float[] logits = session.run(NdArray.ofFloats(new long[] { n, 1, 28, 28 }, x)).floats();
				for (int i = 0; i < n; i++) {
					int best = 0;
					for (int c = 1; c < 10; c++) {
						if (logits[i * 10 + c] > logits[i * 10 + best]) {
							best = c;
						}
					}
					correct += best == samples.labels()[start + i] ? 1 : 0;
				}
			}
		}
		return correct / (double) samples.count();
	}

	@Test
	void bundledEvaluationImagesGiveTheRecordedAccuracy() {
		Samples images = FashionMnist.folder(TestData.example("data/evaluation"), TestData.labelMap(TestData.example("data/labels.json")));
		assertEquals(1000, images.count());
		double expected = PROVENANCE.get("accuracy_torch_eval").get("data/evaluation (1000 PNG)").asDouble();
		assertEquals(expected, accuracy(images, 64, 2), 0.005);
	}

	@Test
	void fullTestSetGivesTheRecordedAccuracyWhateverTheBatchAndThreads() {
		Samples test = FashionMnist.testSet();
		assertEquals(10_000, test.count());
		double expected = PROVENANCE.get("accuracy_torch_eval").get("test_10k").asDouble();
		double batched = accuracy(test, 256, 2);
		assertEquals(expected, batched, 0.001);
		assertEquals(batched, accuracy(test, 1000, 1), 0.0);
	}

	@Test
	void subgraphModelRunsBothBranches() {
		JsonNode outputs = TestData.expectedInspection("if_subgraph").get("outputs");
		OnnxModel model = OnnxModel.load(TestData.data("models/if_subgraph.onnx"));
		try (InferenceSession session = InferenceSession.open(model, SessionSettings.defaults(), "if_subgraph")) {
			for (String branch : List.of("positive", "negative")) {
				float[] x = flatten(outputs.get(branch).get("x"));
				float[] y = session.run(NdArray.ofFloats(new long[] { 2, 4 }, x)).floats();
				assertArrayEquals(flatten(outputs.get(branch).get("y")), y, 1e-5f, branch);
			}
		}
	}

	private static float[] flatten(JsonNode rows) {
		float[] out = new float[rows.size() * rows.get(0).size()];
		int i = 0;
		for (JsonNode row : rows) {
			for (JsonNode v : row) {
				out[i++] = (float) v.asDouble();
			}
		}
		return out;
	}
}
