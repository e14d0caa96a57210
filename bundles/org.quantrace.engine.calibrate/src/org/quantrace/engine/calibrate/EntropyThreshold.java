package org.quantrace.engine.calibrate;

/**
 * TensorRT's entropy calibration over a histogram of magnitudes: for each candidate number of bins i,
 * P = the first i bins with the counts beyond folded into bin i-1, Q = the same bins merged into
 * {@code levels} groups and spread back evenly over each group's non-empty bins; both smoothed (each zero bin
 * gets {@value #EPSILON} of probability, taken in proportion from the others); the threshold is the i with the
 * smallest KL(P || Q), the widest one on a tie.
 * <p>
 * Against the references (TensorRT's GTC 2017 procedure and its PyTorch toolkit, ONNX Runtime's
 * {@code calibrate.py}): 2048 bins of |x| and 128 quantized bins as TensorRT (ONNX Runtime histograms real values
 * over [-max, max] with 128 bins and 128 quantized bins by default, so its search has a single candidate, the whole
 * range, unless the user raises {@code num_bins}); the search starts at {@code levels} bins as TensorRT's, moved up
 * to {@code levels} bins past the first non-empty one ({@link #firstCandidate}); MXNet and ONNX Runtime smooth raw
 * counts (eps per zero bin, so a zero bin weighs about eps/N), here the smoothing is on probabilities, which only
 * matters for P's last bin when the candidate's edge bin is empty. The callers decide how many levels a tensor has
 * and leave exact zeros out ({@link HistogramCollector}).
 * <p>
 * Computed in closed form rather than bin by bin: within a group Q is constant, so the divergence needs only
 * prefix sums of h and of h·log h and one logarithm per group, O(levels) per candidate instead of O(i); the groups but
 * the last are shared by all candidates of the same group width, so their logarithms are taken once per width
 * ({@link #divergences}). Term by
 * term, with a and c the smoothing factors of P and Q and m_j the mean of group j over its non-empty bins:
 * a bin empty in both contributes eps·log(eps/eps) = 0; a non-empty bin contributes a·p·(log(a·p) − log(c·m_j));
 * bin i-1, empty in h but holding the folded outliers o, contributes a·o·log(a·o / eps).
 */
public final class EntropyThreshold {

	static final double EPSILON = 1e-4;

	private EntropyThreshold() {
	}

	/** The number of bins (from {@code levels} to h.length) whose edge is the threshold; h.length if none qualifies. */
	public static int bestBinCount(long[] h, int levels) {
		int bins = h.length;
		if (levels >= bins) {
			return bins;
		}
		double[] d = divergences(h, levels);
		double best = Double.POSITIVE_INFINITY;
		int bestCount = bins;
		for (int i = firstCandidate(h, levels); i <= bins; i++) {
			if (d[i] <= best) { // ties go to the wider range, as in TensorRT's toolkit (the last minimum)
				best = d[i];
				bestCount = i;
			}
		}
		return bestCount;
	}

	/**
	 * The fewest bins i whose edge leaves at most {@code share} of the histogram's counts beyond it (h.length if the histogram
	 * is empty): the narrowest threshold that saturates no more than that share.
	 */
	public static int leastBinsSaturating(long[] h, double share) {
		long total = 0;
		for (long c : h) {
			total += c;
		}
		double allowed = Math.floor(total * share + 1e-6); // as percentile's tail: 0.01 % of 20,000 is 2, not 1.999...
		long beyond = 0;
		for (int i = h.length; i > 0; i--) {
			if (beyond + h[i - 1] > allowed) {
				return i;
			}
			beyond += h[i - 1];
		}
		return h.length;
	}

	/** The share of the histogram's counts beyond its first {@code i} bins, those a threshold at bin i's edge saturates. */
	public static double saturated(long[] h, int i) {
		long total = 0;
		long beyond = 0;
		for (int b = 0; b < h.length; b++) {
			total += h[b];
			beyond += b >= i ? h[b] : 0;
		}
		return total == 0 ? 0 : (double) beyond / total;
	}

	/**
	 * KL(P || Q) of every candidate, indexed by its number of bins i (NaN below {@link #firstCandidate}), each bit for bit
	 * what {@link #divergence(long[], int, int)} computes. The candidates with the same group width {@code i / levels} (levels of
	 * them in a row) share every group but the last, so those groups' sums and the logarithms of their means are computed once per
	 * width ({@link Shared}) and each candidate only runs through them, in the same expression and order as before: 1/levels of the
	 * logarithms and none of the prefix-sum lookups.
	 */
	public static double[] divergences(long[] h, int levels) {
		double[] d = new double[h.length + 1];
		java.util.Arrays.fill(d, Double.NaN);
		if (levels >= h.length) {
			return d;
		}
		Prefix sums = new Prefix(h);
		Shared shared = new Shared(levels);
		for (int i = firstCandidate(h, levels); i <= h.length; i++) {
			shared.widthOf(sums, levels, i / levels);
			d[i] = divergence(sums, levels, i, shared);
		}
		return d;
	}

	/** The non-empty groups but the last of candidates of one group width, in order: their sums and the logarithms of their means. */
	private static final class Shared {
		final double[] sum;
		final double[] logMean;
		int count;
		int width = -1;

		Shared(int levels) {
			sum = new double[levels - 1];
			logMean = new double[levels - 1];
		}

		void widthOf(Prefix s, int levels, int w) {
			if (w == width) {
				return;
			}
			width = w;
			count = 0;
			for (int j = 0; j < levels - 1; j++) {
				int start = j * w;
				int filled = s.nonEmpty[start + w] - s.nonEmpty[start];
				if (filled != 0) {
					sum[count] = s.count[start + w] - s.count[start];
					logMean[count] = Math.log(sum[count] / filled);
					count++;
				}
			}
		}
	}

	/**
	 * Where the search starts: {@code levels} bins past the first non-empty one. TensorRT starts at {@code levels} bins,
	 * which presumes values reaching down to 0; a tensor whose magnitudes all lie far from 0 (a squeeze-excitation gate
	 * in [0.39, 0.65]) would otherwise offer candidates that fold all its values into one bin, where P and Q agree
	 * perfectly and the divergence is near 0: every value would be clipped to the same code.
	 */
	static int firstCandidate(long[] h, int levels) {
		int first = 0;
		while (first < h.length && h[first] == 0) {
			first++;
		}
		return Math.min(h.length, Math.max(levels, first + levels));
	}

	/** KL(P || Q) for the candidate of {@code i} bins (infinite when smoothing is impossible). */
	public static double divergence(long[] h, int levels, int i) {
		return divergence(new Prefix(h), levels, i, null);
	}

	/** Prefix sums over the histogram: counts, non-empty bins, and Σ h·log h. */
	private static final class Prefix {
		final long[] h;
		final double[] count;
		final int[] nonEmpty;
		final double[] hLogH;

		Prefix(long[] h) {
			this.h = h;
			int n = h.length;
			count = new double[n + 1];
			nonEmpty = new int[n + 1];
			hLogH = new double[n + 1];
			for (int b = 0; b < n; b++) {
				count[b + 1] = count[b] + h[b];
				nonEmpty[b + 1] = nonEmpty[b] + (h[b] != 0 ? 1 : 0);
				hLogH[b + 1] = hLogH[b] + (h[b] != 0 ? h[b] * Math.log(h[b]) : 0);
			}
		}
	}

	/** {@code shared}: the groups but the last for this candidate's group width, or null to compute every group here. */
	private static double divergence(Prefix s, int levels, int i, Shared shared) {
		long[] h = s.h;
		double total = s.count[h.length];
		double outliers = total - s.count[i];
		double last = h[i - 1] + outliers; // P's last bin
		// P: its zeros are h's zeros before i-1, and bin i-1 if it holds nothing at all
		int pZeros = (i - 1 - s.nonEmpty[i - 1]) + (last == 0 ? 1 : 0);
		int qZeros = i - s.nonEmpty[i];
		double qTotal = s.count[i];
		if (total == 0 || qTotal == 0 || pZeros == i || qZeros == i || EPSILON * pZeros >= 1 || EPSILON * qZeros >= 1) {
			return Double.POSITIVE_INFINITY;
		}
		double a = (1 - EPSILON * pZeros) / total;
		double c = (1 - EPSILON * qZeros) / qTotal;
		double logA = Math.log(a);
		double logC = Math.log(c);

		// Σ over non-empty bins of p·log p: bins before i-1 are h itself; bin i-1 carries the outliers
		double pLogP = s.hLogH[i - 1] + (h[i - 1] != 0 ? last * Math.log(last) : 0);
		double pNonEmpty = s.count[i - 1] + (h[i - 1] != 0 ? last : 0);
		double d = a * (pLogP + pNonEmpty * (logA - logC));
		// − Σ over non-empty bins of p·log m_j, group by group; the groups but the last hold no outliers (pInGroup = sum)
		int merged = i / levels;
		int j = 0;
		if (shared != null) {
			for (int k = 0; k < shared.count; k++) {
				d -= a * shared.sum[k] * shared.logMean[k];
			}
			j = levels - 1;
		}
		for (; j < levels; j++) {
			int start = j * merged;
			int stop = j == levels - 1 ? i : start + merged;
			int filled = s.nonEmpty[stop] - s.nonEmpty[start];
			if (filled == 0) {
				continue;
			}
			double sum = s.count[stop] - s.count[start];
			double pInGroup = sum + (stop == i && h[i - 1] != 0 ? outliers : 0);
			d -= a * pInGroup * Math.log(sum / filled);
		}
		if (h[i - 1] == 0 && outliers > 0) {
			d += a * outliers * Math.log(a * outliers / EPSILON);
		}
		return d;
	}
}
