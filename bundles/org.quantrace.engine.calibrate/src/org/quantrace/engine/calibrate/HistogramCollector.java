package org.quantrace.engine.calibrate;

import java.nio.FloatBuffer;

/**
 * Histograms of the magnitudes of a tensor's positive and negative values over a shared range
 * [0, limit), for percentile and entropy calibration. The histograms have a fixed number of bins; when a
 * batch exceeds the limit, the limit doubles and neighbouring bins merge, so earlier counts are kept
 * exactly and memory stays constant however many samples are seen. They are kept {@link #OVERSAMPLING}
 * times finer than the requested resolution, so that after range doublings they can still be re-binned
 * onto [0, observed maximum] with the requested number of bins, as a single pass over all data would give.
 */
public final class HistogramCollector implements RangeCollector {

	/** How the range is read from the histograms. */
	public sealed interface Mode {
	}

	/** Clip the (100 - p)% most extreme values on each side, e.g. p = 99.99. */
	public record Percentile(double percentile) implements Mode {
		public Percentile {
			if (!(percentile > 0 && percentile <= 100)) {
				throw new IllegalArgumentException("percentile must be in (0, 100], not " + percentile);
			}
		}
	}

	/**
	 * Pick the magnitude threshold whose clipped-and-quantized distribution has the smallest KL divergence
	 * to the observed one (TensorRT's entropy calibration), with {@code levels} quantized bins (128 for 8 bits).
	 */
	public record Entropy(int levels) implements Mode {
	}

	/** Internal resolution relative to the requested number of bins. */
	static final int OVERSAMPLING = 8;

	private final Mode mode;
	private final int bins;
	/** Counts of magnitudes: positive values (and zero) in [0, fine), negative values in [fine, 2 fine). */
	private final long[] counts;
	private final int fine;
	private double limit;
	private final MinMaxCollector observed = new MinMaxCollector();

	public HistogramCollector(int bins, Mode mode) {
		if (bins < 16 || bins % 2 != 0) {
			throw new IllegalArgumentException("bins must be an even number >= 16, not " + bins);
		}
		this.mode = mode;
		this.bins = bins;
		this.fine = bins * OVERSAMPLING;
		this.counts = new long[2 * fine];
	}

	@Override
	public void update(FloatBuffer values) {
		float[] mm = MinMaxCollector.minMax(values);
		if (mm[0] > mm[1]) {
			return; // empty batch
		}
		observed.updateExtremes(mm[0], mm[1]);
		double need = Math.max(Math.abs((double) mm[0]), Math.abs((double) mm[1]));
		if (limit == 0) {
			limit = need > 0 ? need * (1 + 1e-6) : Double.MIN_NORMAL;
		}
		while (need >= limit) {
			halveResolution(0);
			halveResolution(fine);
			limit *= 2;
		}
		double scale = fine / limit;
		int last = fine - 1;
		// no branch on the sign: signed activations (a residual branch before its Add) would mispredict half the time
		for (int i = values.position(), n = values.limit(); i < n; i++) {
			float v = values.get(i);
			counts[Math.min((int) (Math.abs(v) * scale), last) + (v < 0 ? fine : 0)]++;
		}
	}

	private void halveResolution(int from) {
		int half = fine / 2;
		for (int i = 0; i < half; i++) {
			counts[from + i] = counts[from + 2 * i] + counts[from + 2 * i + 1];
		}
		java.util.Arrays.fill(counts, from + half, from + fine, 0);
	}

	@Override
	public Range observed() {
		return observed.observed();
	}

	@Override
	public Range range() {
		Range seen = observed();
		if (limit == 0 || seen.absMax() == 0) {
			return seen.includingZero();
		}
		if (mode instanceof Percentile p) {
			long total = count(0) + count(fine);
			// values allowed beyond each bound; the epsilon keeps 0.1% of 20,000 at 20, not 19.999...
			double tail = Math.floor(total * (100 - p.percentile()) / 100 + 1e-6);
			double hi = Math.min(upperEdge(0, tail), Math.max(seen.max(), 0));
			double lo = -Math.min(upperEdge(fine, tail), Math.max(-seen.min(), 0));
			return new Range(lo, hi);
		}
		double threshold = Math.min(entropyThreshold(((Entropy) mode).levels()), seen.absMax());
		return new Range(Math.max(seen.min(), -threshold), Math.min(seen.max(), threshold)).includingZero();
	}

	private static long count(long[] h) {
		long n = 0;
		for (long c : h) {
			n += c;
		}
		return n;
	}

	/** Values in the half of {@link #counts} starting at {@code from}. */
	private long count(int from) {
		long n = 0;
		for (int b = from; b < from + fine; b++) {
			n += counts[b];
		}
		return n;
	}

	/** The smallest (fine) bin edge t such that at most {@code tail} values of the half starting at {@code from} lie above t. */
	private double upperEdge(int from, double tail) {
		double width = limit / fine;
		long above = 0;
		for (int b = fine - 1; b >= 0; b--) {
			above += counts[from + b];
			if (above > tail) {
				return (b + 1) * width;
			}
		}
		return 0;
	}

	/**
	 * TensorRT's calibration: for each candidate number of bins i, P = the first i bins with the counts
	 * beyond folded into bin i-1, Q = the same bins merged into {@code levels} groups and spread back over
	 * their non-empty bins; the threshold is the edge of the i that minimizes KL(P || Q).
	 */
	private double entropyThreshold(int levels) {
		double top = observed().absMax();
		if (levels >= bins) {
			return top;
		}
		// re-bin the fine |x| histogram onto [0, observed max] with the requested bins (fine bin centres)
		long[] h = new long[bins];
		double fineWidth = limit / fine;
		for (int f = 0; f < fine; f++) {
			long c = counts[f] + counts[fine + f];
			if (c != 0) {
				h[Math.min((int) ((f + 0.5) * fineWidth / top * bins), bins - 1)] += c;
			}
		}
		double width = top / bins;
		long total = count(h);
		double bestDivergence = Double.POSITIVE_INFINITY;
		int best = bins;
		double[] p = new double[bins];
		double[] q = new double[bins];
		long outliers = total;
		for (int i = 0; i < levels; i++) {
			outliers -= h[i];
		}
		for (int i = levels; i <= bins; i++) {
			if (i > levels) {
				outliers -= h[i - 1];
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
				int nonEmpty = 0;
				for (int b = start; b < stop; b++) {
					sum += h[b];
					nonEmpty += h[b] != 0 ? 1 : 0;
				}
				for (int b = start; b < stop; b++) {
					q[b] = h[b] != 0 ? sum / nonEmpty : 0;
				}
			}
			double divergence = klDivergence(p, q, i);
			if (divergence < bestDivergence) {
				bestDivergence = divergence;
				best = i;
			}
		}
		return best * width;
	}

	/**
	 * KL(P || Q) of the first n entries after normalizing, with the zero bins of each distribution smoothed
	 * by a small epsilon taken from the non-zero ones (as MXNet and ONNX Runtime do), so Q's empty bins
	 * do not make the divergence infinite.
	 */
	static double klDivergence(double[] p, double[] q, int n) {
		double[] ps = smooth(p, n);
		double[] qs = smooth(q, n);
		if (ps == null || qs == null) {
			return Double.POSITIVE_INFINITY;
		}
		double d = 0;
		for (int b = 0; b < n; b++) {
			if (ps[b] > 0) {
				d += ps[b] * Math.log(ps[b] / qs[b]);
			}
		}
		return d;
	}

	private static double[] smooth(double[] x, int n) {
		final double eps = 1e-4;
		double sum = 0;
		int zeros = 0;
		for (int b = 0; b < n; b++) {
			sum += x[b];
			zeros += x[b] == 0 ? 1 : 0;
		}
		double taken = eps * zeros; // moved from the non-empty bins, in proportion, to the empty ones
		if (sum == 0 || zeros == n || taken >= 1) {
			return null;
		}
		double[] out = new double[n];
		for (int b = 0; b < n; b++) {
			out[b] = x[b] == 0 ? eps : x[b] / sum * (1 - taken);
		}
		return out;
	}
}
