package org.quantrace.engine.evaluate.tests;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.quantrace.engine.evaluate.ClassificationMetrics;
import org.quantrace.engine.evaluate.Metrics;
import org.quantrace.engine.evaluate.MultilabelMetrics;
import org.quantrace.testing.TestData;

import com.fasterxml.jackson.databind.JsonNode;

/** Our metrics equal scikit-learn's on fixed predictions (tests/data/metrics/make_metric_references.py). */
class MetricsTest {

	private static final JsonNode REF = TestData.json(TestData.data("metrics/sklearn_references.json"));

	@Test
	void multiclassMetricsMatchScikitLearn() {
		JsonNode mc = REF.get("multiclass");
		int[] truth = ints(mc.get("y_true"));
		int[] pred = ints(mc.get("y_pred"));
		int k = mc.get("classes").asInt();
		float[] scores = new float[truth.length * k];
		int i = 0;
		for (JsonNode row : mc.get("scores")) {
			for (JsonNode v : row) {
				scores[i++] = (float) v.asDouble();
			}
		}
		ClassificationMetrics.Result r = ClassificationMetrics.compute(truth, pred, scores, k, 3);
		mc.get("metrics").fields().forEachRemaining(e -> assertEquals(e.getValue().asDouble(), r.metrics().get(e.getKey()), 1e-9, e.getKey()));
		JsonNode cm = mc.get("confusion_matrix");
		for (int t = 0; t < k; t++) {
			long[] row = new long[k];
			for (int p = 0; p < k; p++) {
				row[p] = cm.get(t).get(p).asLong();
			}
			assertArrayEquals(row, r.confusion()[t], "confusion row " + t);
		}
	}

	@Test
	void multilabelMetricsMatchScikitLearn() {
		JsonNode ml = REF.get("multilabel");
		int k = ml.get("labels").asInt();
		byte[] truth = flags(ml.get("y_true"));
		byte[] pred = flags(ml.get("y_pred"));
		List<String> names = List.of("a", "b", "c", "d", "e");
		Map<String, Double> m = MultilabelMetrics.compute(truth, pred, k, names);
		ml.get("metrics").fields().forEachRemaining(e -> {
			if (e.getKey().equals("per-label accuracy")) {
				for (int j = 0; j < k; j++) {
					assertEquals(e.getValue().get(j).asDouble(), m.get(Metrics.perLabelAccuracy(names.get(j))), 1e-9, names.get(j));
				}
			} else {
				assertEquals(e.getValue().asDouble(), m.get(e.getKey()), 1e-9, e.getKey());
			}
		});
	}

	/**
	 * The names a command checks --metrics against before it evaluates (Metrics.MULTICLASS/MULTILABEL, reportable) are the
	 * names the computations give: a metric added to one and not the other would be refused, or accepted and then missing.
	 */
	@Test
	void theNamesKnownBeforeARunAreTheNamesComputed() {
		JsonNode mc = REF.get("multiclass");
		int k = mc.get("classes").asInt();
		Map<String, Double> single = ClassificationMetrics.compute(ints(mc.get("y_true")), ints(mc.get("y_pred")), null, k, 1).metrics();
		assertEquals(Metrics.MULTICLASS, List.copyOf(single.keySet()));
		JsonNode ml = REF.get("multilabel");
		int labels = ml.get("labels").asInt();
		List<String> names = List.of("a", "b", "c", "d", "e");
		List<String> multi = List.copyOf(MultilabelMetrics.compute(flags(ml.get("y_true")), flags(ml.get("y_pred")), labels, names).keySet());
		assertEquals(Metrics.MULTILABEL, multi.subList(0, multi.size() - labels));
		for (String name : multi) {
			assertTrue(Metrics.reportable(name, true), name);
			assertEquals(Metrics.MULTICLASS.contains(name), Metrics.reportable(name, false), name);
		}
		assertTrue(Metrics.reportable(Metrics.topK(3), false) && !Metrics.reportable(Metrics.topK(3), true));
		assertFalse(Metrics.reportable(Metrics.LATENCY, false) || Metrics.reportable("f2", false) || Metrics.reportable(Metrics.ACCURACY, true));
	}

	private static int[] ints(JsonNode a) {
		int[] v = new int[a.size()];
		for (int i = 0; i < v.length; i++) {
			v[i] = a.get(i).asInt();
		}
		return v;
	}

	private static byte[] flags(JsonNode rows) {
		List<Byte> v = new ArrayList<>();
		rows.forEach(r -> r.forEach(x -> v.add((byte) x.asInt())));
		byte[] b = new byte[v.size()];
		for (int i = 0; i < b.length; i++) {
			b[i] = v.get(i);
		}
		return b;
	}
}
