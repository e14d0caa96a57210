package org.quantrace.runner;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.quantrace.engine.data.Batch;
import org.quantrace.engine.data.Dataset;
import org.quantrace.engine.evaluate.EvaluationOptions;
import org.quantrace.engine.evaluate.Metrics;
import org.quantrace.engine.evaluate.Variant;
import org.quantrace.engine.onnx.DataType;
import org.quantrace.engine.onnx.IoQuantization;
import org.quantrace.engine.runtime.InferenceSession;
import org.quantrace.engine.runtime.NdArray;
import org.quantrace.model.trace.EvaluationRecord;
import org.quantrace.model.trace.MetricValue;
import org.quantrace.runner.verify.Mismatch;

/**
 * {@code verify --deep}'s second path to the class metrics of an evaluation (single-label and multilabel), apart from the
 * engine's evaluator: the model files run in sessions of verify's own ({@link SecondPathSessions}), each sample's prediction taken
 * here (the first highest score; a class-index output as it is; multilabel flags at the threshold, an integer output at its
 * type's midpoint), and every figure computed from its published definition (scikit-learn's, zero_division 0, over every class of
 * the output) on the counts kept here: top-k from a sort of each sample's scores (ties to the lower class, as argsort), not the
 * engine's rank count. Before, {@code --deep} compared the records with the engine's own evaluator run again: an error in it
 * made the same figure twice. Every figure of the record is held against this one (latency and size aside), and every figure
 * computed here must be in the record (a top-k or a multilabel figure left out of the record and its documents passed).
 */
final class ClassificationRecheck {

	/** The same counts divided the same way: equal but for the last bits of a sum taken in another order. */
	private static final double TOLERANCE = 1e-9;

	private ClassificationRecheck() {
	}

	static void check(List<Variant> variants, Dataset data, EvaluationOptions options, List<EvaluationRecord> records, String at, List<Mismatch> found) {
		int n = data.size();
		List<Predictions> all = new ArrayList<>();
		variants.forEach(v -> all.add(new Predictions(v, n)));
		int[] truth = new int[n];
		byte[] truthFlags = null;
		int labels = 0;
		try (SecondPathSessions sessions = SecondPathSessions.open(variants, data)) {
			for (int from = 0; from < n; from += options.batchSize()) {
				int to = Math.min(n, from + options.batchSize());
				Batch b = data.read(from, to);
				if (b.labels().isMultilabel()) {
					labels = b.labels().width();
					truthFlags = truthFlags == null ? new byte[n * labels] : truthFlags;
					System.arraycopy(b.labels().flags(), 0, truthFlags, from * labels, b.labels().flags().length);
				} else {
					System.arraycopy(b.labels().classes(), 0, truth, from, to - from);
				}
				List<NdArray> outs = sessions.run(b);
				for (int i = 0; i < variants.size(); i++) {
					all.get(i).add(outs.get(i), from, to - from, truthFlags != null, options);
				}
			}
		}
		int width = all.stream().filter(p -> !p.indices).mapToInt(p -> p.width).max().orElse(0); // the class scores' width
		for (Predictions p : all) {
			EvaluationRecord r = records.stream().filter(x -> p.variant.name().equals(x.getVariant())).findFirst().orElse(null);
			if (r == null) {
				continue;
			}
			Map<String, Double> derived = truthFlags != null ? multilabel(truthFlags, p.flags, labels, data.labelNames())
					: singleLabel(truth, p, p.indices ? classesOf(truth, p, data, width) : p.width, options.topK());
			compare(r, derived, at + p.variant.name(), found);
		}
	}

	private static void compare(EvaluationRecord r, Map<String, Double> derived, String at, List<Mismatch> found) {
		for (MetricValue v : r.getMetrics()) {
			if (v.getName().equals(Metrics.LATENCY) || v.getName().equals(Metrics.MODEL_SIZE)) {
				continue; // a measurement, and the file's size (which the cheap path holds)
			}
			Double again = derived.get(v.getName());
			if (again == null || Math.abs(again - v.getValue()) > TOLERANCE) {
				found.add(new Mismatch(Outputs.TRACE, at + " " + v.getName() + " (second path: the predictions counted here)", String.valueOf(v.getValue()),
						again == null ? "no such figure of this evaluation" : String.valueOf(again)));
			}
		}
		derived.forEach((name, value) -> {
			if (r.getMetrics().stream().noneMatch(v -> v.getName().equals(name))) {
				found.add(new Mismatch(Outputs.TRACE, at + " " + name + " (second path: the predictions counted here)", "not in the record",
						"computed by every such evaluation: " + value));
			}
		});
	}

	/** A class-index output's classes: as many as the other variants' scores, the data's names, its labels and the predictions need. */
	private static int classesOf(int[] truth, Predictions p, Dataset data, int width) {
		int most = Math.max(Arrays.stream(truth).max().orElse(0), Arrays.stream(p.predicted).max().orElse(0)) + 1;
		return Math.max(Math.max(most, width), data.labelNames() == null ? 0 : data.labelNames().size());
	}

	/**
	 * Single-label metrics from the confusion matrix C (rows true, columns predicted) over {@code classes} classes: accuracy
	 * = trace(C)/n; per class precision = C[c][c] / column sum, recall = C[c][c] / row sum (0 where the sum is 0), F1 their
	 * harmonic mean; macro the plain mean over all classes, weighted by each class's row sum, micro precision = accuracy;
	 * balanced accuracy the mean recall over the classes present; Cohen's kappa (p_o - p_e)/(1 - p_e) with p_e = Σ row share ×
	 * column share; top-k the share of samples whose class is among the k first after sorting by score (descending, ties to
	 * the lower class).
	 */
	static Map<String, Double> singleLabel(int[] truth, Predictions p, int classes, int k) {
		int n = truth.length;
		long[][] c = new long[classes][classes];
		for (int i = 0; i < n; i++) {
			c[truth[i]][p.predicted[i]]++;
		}
		double diagonal = 0;
		double pMacro = 0, rMacro = 0, fMacro = 0, pWeighted = 0, rWeighted = 0, fWeighted = 0, recallPresent = 0, chance = 0;
		int present = 0;
		for (int a = 0; a < classes; a++) {
			long row = 0, column = 0;
			for (int b = 0; b < classes; b++) {
				row += c[a][b];
				column += c[b][a];
			}
			diagonal += c[a][a];
			double precision = column == 0 ? 0 : c[a][a] / (double) column;
			double recall = row == 0 ? 0 : c[a][a] / (double) row;
			double f1 = precision + recall == 0 ? 0 : 2 * precision * recall / (precision + recall);
			pMacro += precision;
			rMacro += recall;
			fMacro += f1;
			pWeighted += precision * row;
			rWeighted += recall * row;
			fWeighted += f1 * row;
			recallPresent += row > 0 ? recall : 0;
			present += row > 0 ? 1 : 0;
			chance += (row / (double) n) * (column / (double) n);
		}
		double accuracy = diagonal / n;
		Map<String, Double> m = new LinkedHashMap<>();
		m.put(Metrics.ACCURACY, accuracy);
		if (p.scores != null && Math.min(k, p.width) > 1) {
			m.put(Metrics.topK(Math.min(k, p.width)), topK(truth, p.scores, p.width, Math.min(k, p.width)));
		}
		m.put(Metrics.PRECISION_MACRO, pMacro / classes);
		m.put(Metrics.RECALL_MACRO, rMacro / classes);
		m.put(Metrics.F1_MACRO, fMacro / classes);
		m.put(Metrics.PRECISION_WEIGHTED, pWeighted / n);
		m.put(Metrics.RECALL_WEIGHTED, rWeighted / n);
		m.put(Metrics.F1_WEIGHTED, fWeighted / n);
		m.put(Metrics.PRECISION_MICRO, accuracy);
		m.put(Metrics.BALANCED_ACCURACY, present == 0 ? 0 : recallPresent / present);
		m.put(Metrics.COHEN_KAPPA, chance == 1 ? 0 : (accuracy - chance) / (1 - chance));
		return m;
	}

	private static double topK(int[] truth, float[] scores, int width, int k) {
		long hits = 0;
		Integer[] order = new Integer[width];
		for (int i = 0; i < truth.length; i++) {
			int row = i * width;
			for (int c = 0; c < width; c++) {
				order[c] = c;
			}
			Arrays.sort(order, (a, b) -> scores[row + a] != scores[row + b] ? Float.compare(scores[row + b], scores[row + a]) : Integer.compare(a, b));
			for (int j = 0; j < k; j++) {
				hits += order[j] == truth[i] ? 1 : 0;
			}
		}
		return hits / (double) truth.length;
	}

	/**
	 * Multilabel metrics on n × L flags: binary accuracy = right flags / nL and Hamming loss its complement; micro P/R/F1 from
	 * the summed true and false positives and negatives, macro the mean over the labels of each label's; Jaccard the mean over
	 * samples of |T ∩ P| / |T ∪ P| (0 for an empty union); subset accuracy the share of samples with every flag right; each
	 * label's accuracy named by the data's label.
	 */
	static Map<String, Double> multilabel(byte[] truth, byte[] predicted, int labels, List<String> names) {
		int n = truth.length / labels;
		long[][] counts = new long[labels][4]; // true positive, false positive, false negative, right
		double jaccard = 0;
		long exact = 0;
		for (int i = 0; i < n; i++) {
			int both = 0, either = 0, wrong = 0;
			for (int j = 0; j < labels; j++) {
				boolean t = truth[i * labels + j] != 0;
				boolean q = predicted[i * labels + j] != 0;
				counts[j][0] += t && q ? 1 : 0;
				counts[j][1] += q && !t ? 1 : 0;
				counts[j][2] += t && !q ? 1 : 0;
				counts[j][3] += t == q ? 1 : 0;
				both += t && q ? 1 : 0;
				either += t || q ? 1 : 0;
				wrong += t != q ? 1 : 0;
			}
			jaccard += either == 0 ? 0 : both / (double) either;
			exact += wrong == 0 ? 1 : 0;
		}
		long tp = 0, fp = 0, fn = 0, right = 0;
		double pMacro = 0, rMacro = 0, fMacro = 0;
		for (long[] l : counts) {
			tp += l[0];
			fp += l[1];
			fn += l[2];
			right += l[3];
			double p = share(l[0], l[0] + l[1]);
			double r = share(l[0], l[0] + l[2]);
			pMacro += p;
			rMacro += r;
			fMacro += p + r == 0 ? 0 : 2 * p * r / (p + r);
		}
		double p = share(tp, tp + fp);
		double r = share(tp, tp + fn);
		Map<String, Double> m = new LinkedHashMap<>();
		m.put(Metrics.BINARY_ACCURACY, share(right, (long) n * labels));
		m.put(Metrics.PRECISION_MICRO, p);
		m.put(Metrics.RECALL_MICRO, r);
		m.put(Metrics.F1_MICRO, p + r == 0 ? 0 : 2 * p * r / (p + r));
		m.put(Metrics.PRECISION_MACRO, pMacro / labels);
		m.put(Metrics.RECALL_MACRO, rMacro / labels);
		m.put(Metrics.F1_MACRO, fMacro / labels);
		m.put(Metrics.HAMMING_LOSS, share((long) n * labels - right, (long) n * labels));
		m.put(Metrics.JACCARD_SAMPLES, jaccard / n);
		m.put(Metrics.SUBSET_ACCURACY, exact / (double) n);
		for (int j = 0; j < labels; j++) {
			m.put(Metrics.perLabelAccuracy(names != null && j < names.size() ? names.get(j) : "label " + j), share(counts[j][3], n));
		}
		return m;
	}

	private static double share(long a, long b) {
		return b == 0 ? 0 : a / (double) b;
	}

	/** One variant's predictions, taken here from its outputs. */
	static final class Predictions {
		final Variant variant;
		final IoQuantization.Io io;
		final int[] predicted;
		byte[] flags;
		float[] scores;
		int width;
		boolean indices;

		Predictions(Variant variant, int n) {
			this.variant = variant;
			this.io = IoQuantization.firstOutput(variant.model());
			this.predicted = new int[n];
		}

		void add(NdArray y, int from, int rows, boolean multilabel, EvaluationOptions options) {
			float[] v = y.toFloats();
			width = v.length / rows;
			indices = !multilabel && width == 1 && io == null && (y.type() == DataType.INT64 || y.type() == DataType.INT32);
			if (multilabel) {
				flags = flags == null ? new byte[predicted.length * width] : flags;
				for (int k = 0; k < rows * width; k++) {
					boolean on = io == null ? v[k] >= options.threshold()
							: options.integerOutputs() == EvaluationOptions.IntegerOutputs.DTYPE_MIDPOINT ? v[k] >= midpoint(io.type()) : io.dequantize((long) v[k]) >= options.threshold();
					flags[from * width + k] = (byte) (on ? 1 : 0);
				}
				return;
			}
			if (indices) {
				for (int s = 0; s < rows; s++) {
					predicted[from + s] = (int) v[s];
				}
				return;
			}
			scores = scores == null ? new float[predicted.length * width] : scores;
			for (int s = 0; s < rows; s++) {
				int best = 0;
				for (int c = 0; c < width; c++) {
					float score = io == null ? v[s * width + c] : io.dequantize((long) v[s * width + c]);
					scores[(from + s) * width + c] = score;
					best = score > scores[(from + s) * width + best] ? c : best;
				}
				predicted[from + s] = best;
			}
		}

		/** The middle of an integer type's codes: 0 of a signed one, 2^(bits-1) of an unsigned one. */
		private static long midpoint(DataType type) {
			return switch (type) {
			case UINT8 -> 128;
			case UINT16 -> 32768;
			default -> 0;
			};
		}
	}
}
