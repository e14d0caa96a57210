package org.quantrace.runner;

import java.nio.FloatBuffer;
import java.util.Locale;

/**
 * verify's own check of a percentile range (deepq65), from the published definition the calibration record names: of a tensor's N
 * values over the calibration samples, at most T = floor(N · (100 − p) / 100) lie beyond each end, the upper end read among the values
 * &ge; 0, the lower among the negative ones by their magnitude; each end is the smallest edge of the run's histogram (its bins
 * {@code bins} × 8 over [0, limit)) with at most T values at or beyond it, and no further out than the tensor's extreme.
 * <p>
 * The run's limit depends on its batches (the first batch's largest magnitude, doubled as later ones exceed it), so verify does not
 * rebuild that grid: it counts, from the recorded end r of each side, the values beyond r (at most T, else r is too narrow) and, where
 * r clips (below the side's extreme), the values at or beyond r − W (more than T, else r is wider than the percentile's bin), W the
 * widest bin the run's histogram can have: 2 · (the tensor's largest magnitude) / (bins · 8), its limit being below twice it. The
 * counts come from a histogram of its own over [0, 2r) with {@value #BINS} bins and the values beyond it, so a widening by less than
 * W plus one of these bins (2r/{@value #BINS}) passes: 0.1 % of r where r is near the largest magnitude, and a range widened by 25 %
 * is far beyond. Memory: two histograms per tensor, whatever the samples.
 */
final class PercentileCounts {

	static final int BINS = 2048;

	private final double[] reach = new double[2]; // r of the upper side, of the lower side (a magnitude)
	private final long[][] counts = new long[2][BINS + 1]; // per side: bins of |v| over [0, 2r), then beyond
	private long total;
	private double largest; // the side's largest magnitude: [upper, lower]
	private final double[] extreme = new double[2];
	private boolean nan;

	PercentileCounts(double recordedMin, double recordedMax) {
		reach[0] = Math.max(recordedMax, 0);
		reach[1] = Math.max(-recordedMin, 0);
	}

	void accept(FloatBuffer values) {
		double[] scale = { reach[0] > 0 ? BINS / (2 * reach[0]) : 0, reach[1] > 0 ? BINS / (2 * reach[1]) : 0 };
		for (int i = values.position(); i < values.limit(); i++) {
			float v = values.get(i);
			if (v != v) {
				nan = true;
				continue;
			}
			int side = v < 0 ? 1 : 0;
			double m = Math.abs((double) v);
			extreme[side] = Math.max(extreme[side], m);
			counts[side][scale[side] == 0 ? (m > 0 ? BINS : 0) : (int) Math.min(BINS, m * scale[side])]++;
		}
		total += values.remaining();
		largest = Math.max(extreme[0], extreme[1]);
	}

	/** Null when the recorded range is the percentile p's of the values counted (with {@code bins} histogram bins), else what they give. */
	String problem(double p, int bins, double tolerance) {
		if (nan) {
			return "NaN among the values";
		}
		double tail = Math.floor(total * (100 - p) / 100 + 1e-6);
		double width = 2 * largest * (1 + 1e-6) / ((double) bins * 8);
		double allowed = tolerance * largest;
		for (int side = 0; side < 2; side++) {
			double r = reach[side];
			boolean tooNarrow = beyond(side, r * (1 + 1e-6)) > tail;
			boolean tooWide = r > extreme[side] + allowed || r > 0 && r < extreme[side] - allowed && atOrBeyond(side, r - width) <= tail;
			if (tooNarrow || tooWide) {
				return String.format(Locale.ROOT, "[%s, %s] (the %s percentile of the values measured in verify's own session: at most %.0f of %d beyond each end; its"
						+ " %s end %s, within a bin of the run's histogram, %.4g)", end(1, tail), end(0, tail), p, tail, total, side == 0 ? "upper" : "lower",
						tooNarrow ? "has more beyond it" : "clips fewer", width);
			}
		}
		return null;
	}

	/** Values of the side beyond {@code x} (a magnitude above 0), counted by whole bins of this histogram at or above x's bin's upper edge. */
	private long beyond(int side, double x) {
		if (reach[side] == 0) {
			return counts[side][BINS]; // every magnitude above 0
		}
		int from = (int) Math.min(BINS, Math.ceil(x * BINS / (2 * reach[side])));
		long n = 0;
		for (int b = from; b <= BINS; b++) {
			n += counts[side][b];
		}
		return n;
	}

	/** Values of the side at or beyond {@code x}, counted from x's bin (at least as many as lie at or beyond x). */
	private long atOrBeyond(int side, double x) {
		int from = x <= 0 ? 0 : (int) Math.min(BINS, Math.floor(x * BINS / (2 * reach[side])));
		long n = 0;
		for (int b = from; b <= BINS; b++) {
			n += counts[side][b];
		}
		return n;
	}

	/** The side's end the counts give: the lowest edge of this histogram with at most {@code tail} values beyond it, the extreme if lower. */
	private String end(int side, double tail) {
		String sign = side == 0 ? "" : "-";
		long above = counts[side][BINS];
		if (above > tail) {
			return (side == 0 ? "above " : "below -") + (float) (2 * reach[side]);
		}
		for (int b = BINS - 1; b >= 0; b--) {
			above += counts[side][b];
			if (above > tail) {
				return sign + (float) Math.min((b + 1) * 2 * reach[side] / BINS, extreme[side]);
			}
		}
		return "0.0";
	}
}
