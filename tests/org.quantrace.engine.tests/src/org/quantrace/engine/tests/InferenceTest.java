package org.quantrace.engine.tests;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;

import org.junit.jupiter.api.Test;
import org.quantrace.engine.onnx.OnnxModel;
import org.quantrace.engine.runtime.InferenceSession;
import org.quantrace.engine.runtime.NdArray;
import org.quantrace.engine.runtime.SessionSettings;
import org.quantrace.testing.FashionMnist;
import org.quantrace.testing.FashionMnist.Samples;
import org.quantrace.testing.ModelAccuracy;
import org.quantrace.testing.TestData;

import com.fasterxml.jackson.databind.JsonNode;

/** ONNX Runtime reproduces the accuracy recorded in the example's provenance (computed with torch). */
class InferenceTest {

	private static final JsonNode PROVENANCE = TestData.json(TestData.example("provenance.json"));

	private static double accuracy(Samples samples, int batch, int threads) {
		return ModelAccuracy.top1(OnnxModel.load(TestData.example("model/fashion_cnn.onnx")), samples, batch, threads);
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
