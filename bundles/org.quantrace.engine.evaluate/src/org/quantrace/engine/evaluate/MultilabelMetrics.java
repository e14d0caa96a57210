package org.quantrace.engine.evaluate;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Multilabel metrics on 0/1 flags (n samples × k labels), as scikit-learn defines them (zero_division = 0):
 * binary accuracy (share of correct flags), precision/recall/F1 micro- and macro-averaged, Hamming loss,
 * Jaccard score averaged over samples, subset (exact-match) accuracy, and the accuracy of each label.
 */
public final class MultilabelMetrics {

	private MultilabelMetrics() {
	}

	public static Map<String, Double> compute(byte[] truth, byte[] predicted, int labels, List<String> labelNames) {
		int n = truth.length / labels;
		long[] tp = new long[labels];
		long[] fp = new long[labels];
		long[] fn = new long[labels];
		long[] right = new long[labels];
		long exact = 0;
		double jaccard = 0;
		for (int i = 0; i < n; i++) {
			boolean allRight = true;
			int inter = 0;
			int union = 0;
			for (int j = 0; j < labels; j++) {
				boolean t = truth[i * labels + j] != 0;
				boolean p = predicted[i * labels + j] != 0;
				tp[j] += t && p ? 1 : 0;
				fp[j] += !t && p ? 1 : 0;
				fn[j] += t && !p ? 1 : 0;
				right[j] += t == p ? 1 : 0;
				allRight &= t == p;
				inter += t && p ? 1 : 0;
				union += t || p ? 1 : 0;
			}
			exact += allRight ? 1 : 0;
			jaccard += union == 0 ? 0 : inter / (double) union;
		}
		long tpSum = 0;
		long fpSum = 0;
		long fnSum = 0;
		long rightSum = 0;
		double pMacro = 0;
		double rMacro = 0;
		double fMacro = 0;
		for (int j = 0; j < labels; j++) {
			tpSum += tp[j];
			fpSum += fp[j];
			fnSum += fn[j];
			rightSum += right[j];
			double p = ratio(tp[j], tp[j] + fp[j]);
			double r = ratio(tp[j], tp[j] + fn[j]);
			pMacro += p / labels;
			rMacro += r / labels;
			fMacro += (p + r == 0 ? 0 : 2 * p * r / (p + r)) / labels;
		}
		double pMicro = ratio(tpSum, tpSum + fpSum);
		double rMicro = ratio(tpSum, tpSum + fnSum);
		Map<String, Double> m = new LinkedHashMap<>();
		m.put(Metrics.BINARY_ACCURACY, rightSum / (double) (n * labels));
		m.put(Metrics.PRECISION_MICRO, pMicro);
		m.put(Metrics.RECALL_MICRO, rMicro);
		m.put(Metrics.F1_MICRO, pMicro + rMicro == 0 ? 0 : 2 * pMicro * rMicro / (pMicro + rMicro));
		m.put(Metrics.PRECISION_MACRO, pMacro);
		m.put(Metrics.RECALL_MACRO, rMacro);
		m.put(Metrics.F1_MACRO, fMacro);
		m.put(Metrics.HAMMING_LOSS, 1 - rightSum / (double) (n * labels));
		m.put(Metrics.JACCARD_SAMPLES, jaccard / n);
		m.put(Metrics.SUBSET_ACCURACY, exact / (double) n);
		for (int j = 0; j < labels; j++) {
			String name = j < labelNames.size() ? labelNames.get(j) : "label " + j;
			m.put(Metrics.perLabelAccuracy(name), right[j] / (double) n);
		}
		return m;
	}

	private static double ratio(long a, long b) {
		return b == 0 ? 0 : a / (double) b;
	}
}
