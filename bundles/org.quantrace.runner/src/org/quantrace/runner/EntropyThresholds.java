package org.quantrace.runner;

import java.nio.FloatBuffer;
import java.util.Locale;

/**
 * verify's own entropy threshold of a tensor (entropy67), from the definition the calibration record states ("KL(P||Q), TensorRT
 * threshold search over |x| without exact zeros, from the quantized bins past the first non-empty bin"), computed bin by bin as the
 * published loop does (TensorRT's GTC 2017 procedure, ONNX Runtime's {@code calibrate.py}): for each candidate of i bins, P the
 * first i bins with the counts beyond folded into bin i-1; Q those bins summed into {@code levels} groups (the last taking the
 * rest) and each group's sum spread evenly over its non-empty bins; each smoothed on probabilities (a zero bin gets
 * {@value #EPSILON}, taken in proportion from the others); D = Σ p·log(p/q), O(i) per candidate. Not the engine's code, which
 * computes the same divergence in closed form from prefix sums.
 * <p>
 * The histogram is counted here, from the whole tensors verify's session fetches, in the layout the calibration documents
 * ({@link RunLayout}): {@code bins} bins over [0, the largest magnitude], each value counted where the run's finer histogram's bin
 * centre falls, exact zeros left out. On that layout the recorded threshold must be the search's: its divergence within
 * {@link #RELATIVE} of the least. Memory: one histogram per tensor and layout, whatever the samples.
 */
final class EntropyThresholds {

	static final double EPSILON = 1e-4;
	/**
	 * How far above the least divergence the recorded threshold's may lie, relative. On the run's layout verify counts the run's
	 * histogram but for values its session computes in other batch sizes (ONNX Runtime's kernels may then round a value otherwise by
	 * a float32 unit, moving it across a bin edge now and then) and the sums' order (the closed form against these loops: 2e-11
	 * relative on 20 random histograms). 1e-3 leaves room for a few such counts; a threshold moved 25 % off within the values lay 0.6
	 * % to 40 times the least above it on random and model tensors (wild README, entropy67).
	 */
	static final double RELATIVE = 1e-3;

	private final long[] h;
	private final double top;
	private final RunLayout layout;
	/** How far above the least the last threshold held to the search lay, relative (its note says the largest). */
	double excess;

	/** A histogram of the magnitudes in {@code layout}'s bins over [0, top] (top the tensor's largest magnitude, from a first pass). */
	EntropyThresholds(RunLayout layout) {
		this.layout = layout;
		this.h = new long[layout.bins()];
		this.top = layout.top();
	}

	void accept(FloatBuffer values) {
		for (int i = values.position(); i < values.limit(); i++) {
			float v = values.get(i);
			if (v != 0 && v == v) {
				h[layout.magnitudeBin(v)]++;
			}
		}
	}

	RunLayout layout() {
		return layout;
	}

	double binWidth() {
		return top / h.length;
	}

	int bins() {
		return h.length;
	}

	/** The first candidate: {@code levels} bins past the first non-empty bin (TensorRT's {@code levels}, moved up for tensors far from 0). */
	int firstCandidate(int levels) {
		int first = 0;
		while (first < h.length && h[first] == 0) {
			first++;
		}
		return Math.min(h.length, Math.max(levels, first + levels));
	}

	/** KL(P||Q) of the candidate of {@code i} bins, bin by bin; infinite where smoothing is impossible. */
	double divergence(int i, int levels) {
		return divergence(i, levels, new double[i], new double[i]);
	}

	/** As {@link #divergence(int, int)}, in {@code p} and {@code q} (at least i long). */
	private double divergence(int i, int levels, double[] p, double[] q) {
		long outliers = 0;
		for (int b = i; b < h.length; b++) {
			outliers += h[b];
		}
		for (int b = 0; b < i; b++) {
			p[b] = h[b];
		}
		p[i - 1] += outliers;
		int merged = i / levels;
		for (int j = 0; j < levels; j++) {
			int start = j * merged;
			int stop = j == levels - 1 ? i : start + merged;
			double sum = 0;
			int filled = 0;
			for (int b = start; b < stop; b++) {
				sum += h[b];
				filled += h[b] != 0 ? 1 : 0;
			}
			for (int b = start; b < stop; b++) {
				q[b] = h[b] != 0 ? sum / filled : 0;
			}
		}
		if (!smooth(p, i) || !smooth(q, i)) {
			return Double.POSITIVE_INFINITY;
		}
		double d = 0;
		for (int b = 0; b < i; b++) {
			d += p[b] * Math.log(p[b] / q[b]);
		}
		return d;
	}

	/** Normalizes {@code x} to probabilities, each zero given EPSILON taken in proportion from the others; false where it cannot be. */
	private static boolean smooth(double[] x, int n) {
		double total = 0;
		int zeros = 0;
		for (int b = 0; b < n; b++) {
			total += x[b];
			zeros += x[b] == 0 ? 1 : 0;
		}
		if (total == 0 || zeros == n || EPSILON * zeros >= 1) {
			return false;
		}
		double keep = (1 - EPSILON * zeros) / total;
		for (int b = 0; b < n; b++) {
			x[b] = x[b] == 0 ? EPSILON : x[b] * keep;
		}
		return true;
	}

	/** The divergence of every candidate from {@link #firstCandidate} to the bins, indexed by its bins (NaN below). */
	double[] divergences(int levels) {
		double[] d = new double[h.length + 1];
		java.util.Arrays.fill(d, Double.NaN);
		double[] p = new double[h.length];
		double[] q = new double[h.length];
		for (int i = firstCandidate(levels); i <= h.length; i++) {
			d[i] = divergence(i, levels, p, q);
		}
		return d;
	}

	/** The candidate of least divergence, the widest on a tie. */
	static int argmin(double[] d) {
		int best = d.length - 1;
		double least = Double.POSITIVE_INFINITY;
		for (int i = 0; i < d.length; i++) {
			if (!Double.isNaN(d[i]) && d[i] <= least) {
				least = d[i];
				best = i;
			}
		}
		return best;
	}

	/** The fewest bins whose edge leaves at most {@code share} of the counted values beyond it. */
	int leastSaturating(double share) {
		long total = 0;
		for (long c : h) {
			total += c;
		}
		double allowed = Math.floor(total * share + 1e-6);
		long beyond = 0;
		for (int i = h.length; i > 0; i--) {
			if (beyond + h[i - 1] > allowed) {
				return i;
			}
			beyond += h[i - 1];
		}
		return h.length;
	}

	/**
	 * Null when a threshold of {@code recorded} bins (the KL search's, before any raise) is the search's outcome on this histogram
	 * within {@link #RELATIVE}, else what verify's search gives.
	 */
	String klProblem(double recorded, int levels, double[] d) {
		int best = argmin(d);
		double least = d[best];
		int i = (int) Math.round(recorded);
		double at = i >= 1 && i < d.length && !Double.isNaN(d[i]) ? d[i] : Double.POSITIVE_INFINITY;
		excess = least == 0 ? (at == 0 ? 0 : Double.POSITIVE_INFINITY) : (at - least) / Math.abs(least);
		if (at <= least + RELATIVE * Math.abs(least)) {
			return null;
		}
		return String.format(Locale.ROOT, "a KL threshold of %d of the %d bins over [0, %s] (%s), divergence %.6g against the recorded threshold's %.6g at bin %d"
				+ " (verify's own histogram of the magnitudes in the run's layout, %s, exact zeros out, %d quantized bins, the divergence computed bin by bin;"
				+ " within %.1g of the least allowed)", best, h.length, (float) top, (float) (best * binWidth()), least, at, i, layout.described(), levels, RELATIVE);
	}
}
