package org.quantrace.runner;

import java.nio.FloatBuffer;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/**
 * verify's own moving-average ranges (deepq65), from the published definition the calibration record names (TensorFlow's and ONNX
 * Runtime's moving-average MinMax): over the calibration batches in the order the calibration manifest lists the samples, each of
 * the record's batch size (the last the rest), m = the first batch's min (max), then m += c · (batch's min − m) with the recorded
 * averaging constant c. The batch extremes are taken here from the whole tensors verify's session fetches, which the caller runs in
 * pieces that never straddle a calibration batch ({@link #runBatch}). Memory: two extremes and two averages per tensor.
 */
final class MovingAverageRanges {

	private final double constant;
	private final Map<String, double[]> batch = new HashMap<>(); // min, max of the current calibration batch
	private final Map<String, double[]> average = new HashMap<>(); // min, max averaged over the batches ended

	MovingAverageRanges(Set<String> tensors, double constant) {
		this.constant = constant;
		tensors.forEach(t -> batch.put(t, new double[] { Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY }));
	}

	/**
	 * The samples per session run: the largest divisor of the calibration's batch size not above {@code wanted}, so that each run lies
	 * within one calibration batch (a model's fixed batch divides the calibration's: calibration refuses it otherwise).
	 */
	static int runBatch(int calibrationBatch, int wanted) {
		for (int b = Math.min(calibrationBatch, Math.max(1, wanted)); b > 1; b--) {
			if (calibrationBatch % b == 0) {
				return b;
			}
		}
		return 1;
	}

	void accept(String tensor, FloatBuffer values) {
		double[] e = batch.get(tensor);
		if (e != null) {
			double lo = e[0];
			double hi = e[1];
			for (int i = values.position(); i < values.limit(); i++) {
				float v = values.get(i);
				lo = v < lo || v != v ? v : lo; // a NaN stays: no range holds it
				hi = v > hi || v != v ? v : hi;
				if (v != v) {
					break;
				}
			}
			e[0] = lo;
			e[1] = hi;
		}
	}

	/** The end of a calibration batch: each tensor's batch extremes moved into its averages (a tensor the batch did not compute is left). */
	void endBatch() {
		batch.forEach((t, e) -> {
			if (e[0] <= e[1] || Double.isNaN(e[0])) {
				double[] m = average.get(t);
				if (m == null) {
					average.put(t, new double[] { e[0], e[1] });
				} else {
					m[0] += constant * (e[0] - m[0]);
					m[1] += constant * (e[1] - m[1]);
				}
			}
			e[0] = Double.POSITIVE_INFINITY;
			e[1] = Double.NEGATIVE_INFINITY;
		});
	}

	/** The tensor's averaged [min, max], or null when no batch computed it. */
	double[] range(String tensor) {
		return average.get(tensor);
	}
}
