package org.quantrace.engine.evaluate;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Single-label classification metrics, as scikit-learn defines them (zero_division = 0): accuracy, top-k
 * accuracy, precision/recall/F1 macro-, weighted- and micro-averaged over all classes, balanced accuracy
 * (mean recall over the classes present), Cohen's kappa, and the confusion matrix (rows: true class).
 */
public final class ClassificationMetrics {

	private ClassificationMetrics() {
	}

	/**
	 * @param scores per-sample class scores (n × classes, row-major) for top-k, or null
	 */
	public static Result compute(int[] truth, int[] predicted, float[] scores, int classes, int topK) {
		int n = truth.length;
		long[][] confusion = new long[classes][classes];
		for (int i = 0; i < n; i++) {
			confusion[truth[i]][predicted[i]]++;
		}
		long[] support = new long[classes];
		long[] predictedCount = new long[classes];
		long correct = 0;
		for (int t = 0; t < classes; t++) {
			for (int p = 0; p < classes; p++) {
				support[t] += confusion[t][p];
				predictedCount[p] += confusion[t][p];
			}
			correct += confusion[t][t];
		}
		double[] precision = new double[classes];
		double[] recall = new double[classes];
		double[] f1 = new double[classes];
		for (int c = 0; c < classes; c++) {
			precision[c] = ratio(confusion[c][c], predictedCount[c]);
			recall[c] = ratio(confusion[c][c], support[c]);
			f1[c] = precision[c] + recall[c] == 0 ? 0 : 2 * precision[c] * recall[c] / (precision[c] + recall[c]);
		}
		Map<String, Double> m = new LinkedHashMap<>();
		m.put(Metrics.ACCURACY, correct / (double) n);
		if (scores != null && topK > 1) {
			m.put(Metrics.topK(topK), topK(truth, scores, classes, topK));
		}
		m.put(Metrics.PRECISION_MACRO, mean(precision));
		m.put(Metrics.RECALL_MACRO, mean(recall));
		m.put(Metrics.F1_MACRO, mean(f1));
		m.put(Metrics.PRECISION_WEIGHTED, weighted(precision, support, n));
		m.put(Metrics.RECALL_WEIGHTED, weighted(recall, support, n));
		m.put(Metrics.F1_WEIGHTED, weighted(f1, support, n));
		m.put(Metrics.PRECISION_MICRO, correct / (double) n);
		double balanced = 0;
		int present = 0;
		for (int c = 0; c < classes; c++) {
			if (support[c] > 0) {
				balanced += recall[c];
				present++;
			}
		}
		m.put(Metrics.BALANCED_ACCURACY, present == 0 ? 0 : balanced / present);
		double po = correct / (double) n;
		double pe = 0;
		for (int c = 0; c < classes; c++) {
			pe += support[c] / (double) n * (predictedCount[c] / (double) n);
		}
		m.put(Metrics.COHEN_KAPPA, pe == 1 ? 0 : (po - pe) / (1 - pe));
		return new Result(m, confusion);
	}

	/** Metrics by name, and the confusion matrix. */
	public record Result(Map<String, Double> metrics, long[][] confusion) {
	}

	/** Share of samples whose true class is among the k highest scores (ties broken by lower class index, as argsort does). */
	private static double topK(int[] truth, float[] scores, int classes, int k) {
		long hits = 0;
		for (int i = 0; i < truth.length; i++) {
			float own = scores[i * classes + truth[i]];
			int better = 0;
			for (int c = 0; c < classes; c++) {
				float s = scores[i * classes + c];
				if (s > own || (s == own && c < truth[i])) {
					better++;
				}
			}
			hits += better < k ? 1 : 0;
		}
		return hits / (double) truth.length;
	}

	private static double ratio(long a, long b) {
		return b == 0 ? 0 : a / (double) b;
	}

	private static double mean(double[] v) {
		double s = 0;
		for (double x : v) {
			s += x;
		}
		return s / v.length;
	}

	private static double weighted(double[] v, long[] support, int n) {
		double s = 0;
		for (int c = 0; c < v.length; c++) {
			s += v[c] * support[c];
		}
		return s / n;
	}
}
