package org.quantrace.runner;

import java.nio.FloatBuffer;
import java.util.Locale;

/**
 * verify's own L2 range of a tensor (entropy67), from the definition the calibration record states ("L2 of uniform quantization over
 * [min, max] of the values, torch HistogramObserver's greedy search (quantile step 1e-5)"): torch's {@code _non_linear_param_search}
 * as published (torch/ao/quantization/observer.py), over a histogram counted here of the values verify's session fetches, in the
 * layout the calibration documents ({@link RunLayout}: {@code bins} bins over [min, max], each value where its fine bin's centre
 * falls). The error of a candidate [start, end] (in bins) is integrated here piece by piece: each source bin, its values spread
 * evenly, cut at the edges of the {@code levels} destination bins over the candidate, each piece adding density · ∫ (x − c)² with c
 * the centre of the destination bin the piece rounds to (the first or last for values outside the candidate, which clip to it). Not
 * the engine's code (engine.calibrate.L2Range sums three closed-form terms per source bin).
 * <p>
 * The search is greedy (it stops at the first step whose error grows, not at the least error: a range 25 % wider had a lower error
 * than the search's on 2 of 20 random tensors), so the recorded range is held to the search's bins, not to an error: each end within
 * {@link #SLACK} bin of the search's on the run's layout. There verify counts the run's histogram but for values its session computes
 * in other batch sizes (a float32 unit apart now and then, across a bin edge) and the errors' sums' order (2e-14 relative to the
 * engine's closed form on 20 random histograms), which may move the search's stop by a step. Memory: one histogram per tensor and
 * layout, whatever the samples.
 */
final class L2Ranges {

	/** How many bins each recorded end may lie from the search's (see the class comment). */
	static final int SLACK = 1;
	/** torch's {@code stepsize}. */
	private static final double STEP = 1e-5;

	private final double[] h;
	private final double lo;
	private final double span;
	private final RunLayout layout;
	/** How many bins the last range held to the search lay from it (its note says the most). */
	double excess;

	/** A histogram of the values in {@code layout}'s bins over [min, max] (the tensor's extremes, from a first pass). */
	L2Ranges(RunLayout layout) {
		this.layout = layout;
		this.h = new double[layout.bins()];
		this.lo = layout.min();
		this.span = layout.max() - layout.min();
	}

	void accept(FloatBuffer values) {
		for (int i = values.position(); i < values.limit(); i++) {
			float v = values.get(i);
			if (v == v && span > 0) {
				h[layout.valueBin(v)]++;
			}
		}
	}

	double binWidth() {
		return span / h.length;
	}

	double min() {
		return lo;
	}

	/** The search's [start, end] bins, torch's loop step for step. */
	int[] search(int levels) {
		int bins = h.length;
		double[] cSum = new double[bins];
		double total = 0;
		for (int b = 0; b < bins; b++) {
			total += h[b];
			cSum[b] = total;
		}
		double alpha = 0;
		double beta = 1;
		int startBin = 0;
		int endBin = bins - 1;
		double normMin = Double.POSITIVE_INFINITY;
		while (alpha < beta) {
			double nextAlpha = alpha + STEP;
			double nextBeta = beta - STEP;
			int l = startBin;
			int r = endBin;
			while (l < endBin && cSum[l] < nextAlpha * total) {
				l++;
			}
			while (r > startBin && cSum[r] > nextBeta * total) {
				r--;
			}
			int nextStartBin = startBin;
			int nextEndBin = endBin;
			if (l - startBin > endBin - r) {
				nextStartBin = l;
				alpha = nextAlpha;
			} else {
				nextEndBin = r;
				beta = nextBeta;
			}
			if (nextStartBin == startBin && nextEndBin == endBin) {
				continue;
			}
			double norm = error(nextStartBin, nextEndBin, levels);
			if (norm > normMin) {
				break;
			}
			normMin = norm;
			startBin = nextStartBin;
			endBin = nextEndBin;
		}
		return new int[] { startBin, endBin };
	}

	/** The squared error of rounding the histogram's values to {@code levels} codes over bins [start, end], in source-bin units. */
	double error(int start, int end, int levels) {
		double dst = (end - start + 1) / (double) levels;
		if (dst == 0) {
			return 0;
		}
		double sum = 0;
		for (int b = 0; b < h.length; b++) {
			if (h[b] == 0) {
				continue;
			}
			double a = b - start; // the source bin [a, a + 1) relative to the candidate's start
			int code = (int) Math.max(0, Math.min(levels - 1, Math.floor(a / dst)));
			double piece = 0;
			double from = a;
			while (true) { // the pieces of the bin between destination edges; the first and last codes take everything beyond them
				double to = code == levels - 1 ? a + 1 : Math.min(a + 1, (code + 1) * dst);
				double c = (code + 0.5) * dst;
				piece += (cube(to - c) - cube(from - c)) / 3;
				if (to >= a + 1) {
					break;
				}
				from = to;
				code++;
			}
			sum += h[b] * piece; // density h[b] per unit width
		}
		return sum;
	}

	private static double cube(double x) {
		return x * x * x;
	}

	/**
	 * Null when the recorded range [rlo, rhi] is the search's on this histogram: its ends on bin edges, each within {@link #SLACK} bin
	 * of the search's, else what verify's search gives. An end at 0 that the scale formula's widening put there says nothing of its
	 * bin: the search's is taken.
	 */
	String problem(double rlo, double rhi, int levels, double tolerance) {
		double w = binWidth();
		if (w == 0) { // one value: the range is it, widened to contain 0
			excess = 0;
			return Math.abs(rlo - Math.min(lo, 0)) <= tolerance * Math.abs(lo) && Math.abs(rhi - Math.max(lo, 0)) <= tolerance * Math.abs(lo) ? null
					: String.format(Locale.ROOT, "[%s, %s] (every value %s, measured in verify's own session)", (float) Math.min(lo, 0), (float) Math.max(lo, 0), (float) lo);
		}
		int[] found = search(levels);
		double start = rlo == 0 && lo + w * found[0] >= 0 ? found[0] : (rlo - lo) / w;
		double end = rhi == 0 && lo + w * (found[1] + 1) <= 0 ? found[1] : (rhi - lo) / w - 1;
		double fromEdge = Math.max(Math.abs(start - Math.rint(start)), Math.abs(end - Math.rint(end))) * w;
		boolean edges = fromEdge <= tolerance * Math.max(Math.abs(lo), Math.abs(lo + span)) + 1e-3 * w;
		excess = Math.max(Math.abs(Math.rint(start) - found[0]), Math.abs(Math.rint(end) - found[1]));
		if (edges && excess <= SLACK) {
			return null;
		}
		return String.format(Locale.ROOT, "[%s, %s] (bins %d-%d of the %d over [%s, %s] in the run's layout, %s, counted in verify's own session; the recorded range %s;"
				+ " within %d bin allowed)", (float) Math.max(lo, lo + w * found[0]), (float) Math.min(lo + span, lo + w * (found[1] + 1)), found[0], found[1], h.length,
				(float) lo, (float) (lo + span), layout.described(), edges ? "bins " + Math.round(start) + "-" + Math.round(end) : "not on the histogram's bin edges", SLACK);
	}
}
