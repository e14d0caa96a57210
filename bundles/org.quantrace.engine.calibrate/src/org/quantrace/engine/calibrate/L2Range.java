package org.quantrace.engine.calibrate;

/**
 * The range whose uniform quantization to {@code levels} codes has the smallest L2 (squared) error over a histogram of
 * real values: torch's HistogramObserver ({@code _non_linear_param_search} and {@code _compute_quantization_error} in
 * torch/ao/quantization/observer.py, after caffe2's NormMinimization::NonlinearQuantizationParamsSearch), rule for rule.
 * <p>
 * The search narrows [start bin, end bin] from the whole histogram: each step moves the quantile bounds alpha and beta
 * ({@value #STEP} of the values at a time) towards each other and moves whichever edge bin the step moves further, the lower
 * one only if it moves strictly further; a step that moves no bin costs nothing; the first narrowing whose error exceeds the
 * last kept one ends the search (a greedy descent, not a global minimum, as torch's).
 * <p>
 * The error of a candidate assumes values spread evenly within each source bin and rounding to the centre of the
 * destination bin (of {@code levels} over the candidate's range) they fall in; values outside the candidate are clipped to
 * the centre of the first or last destination bin. A source bin spanning destination bins [b, e] adds
 * density·∫x² over its part of b (from its start to b's upper half-width), over the whole bins strictly between, and over
 * its part of e; with b = e these cancel to density·((end − c)³ − (begin − c)³)/3.
 */
public final class L2Range {

	/** The quantile step of the search (torch's {@code stepsize}). */
	static final double STEP = 1e-5;

	private L2Range() {
	}

	/** The bins [start, end] (inclusive) of {@code histogram} the search keeps, for codes of {@code levels} values. */
	public static int[] search(double[] histogram, int levels) {
		int bins = histogram.length;
		double total = 0;
		double[] cumulative = new double[bins];
		for (int b = 0; b < bins; b++) {
			total += histogram[b];
			cumulative[b] = total;
		}
		double alpha = 0;
		double beta = 1;
		int start = 0;
		int end = bins - 1;
		double best = Double.POSITIVE_INFINITY;
		while (alpha < beta) {
			double nextAlpha = alpha + STEP;
			double nextBeta = beta - STEP;
			int l = start;
			int r = end;
			while (l < end && cumulative[l] < nextAlpha * total) {
				l++;
			}
			while (r > start && cumulative[r] > nextBeta * total) {
				r--;
			}
			int nextStart = start;
			int nextEnd = end;
			if (l - start > end - r) {
				nextStart = l;
				alpha = nextAlpha;
			} else {
				nextEnd = r;
				beta = nextBeta;
			}
			if (nextStart == start && nextEnd == end) {
				continue;
			}
			double error = error(histogram, levels, nextStart, nextEnd);
			if (error > best) {
				break;
			}
			best = error;
			start = nextStart;
			end = nextEnd;
		}
		return new int[] { start, end };
	}

	/**
	 * The L2 error of quantizing the histogram's values to {@code levels} codes over bins [start, end], in units of the source
	 * bin width (the search compares candidates of one histogram, so the width's scale does not matter).
	 */
	public static double error(double[] histogram, int levels, int start, int end) {
		int bins = histogram.length;
		double width = 1; // source bin width: errors of one histogram only compare with each other
		double dst = width * (end - start + 1) / levels;
		if (dst == 0) {
			return 0;
		}
		double half = dst / 2;
		double wholeBin = norm(-half, half);
		double sum = 0;
		for (int b = 0; b < bins; b++) {
			if (histogram[b] == 0) {
				continue;
			}
			double begin = (b - start) * width;
			double stop = begin + width;
			int first = clamp((int) Math.floor(begin / dst), levels);
			int last = clamp((int) Math.floor(stop / dst), levels);
			double density = histogram[b] / width;
			double n = norm(begin - (first + 0.5) * dst, half);
			n += (last - first - 1) * wholeBin;
			n += norm(-half, stop - (last + 0.5) * dst);
			sum += density * n;
		}
		return sum;
	}

	/** ∫ x² dx from {@code from} to {@code to}. */
	private static double norm(double from, double to) {
		return (to * to * to - from * from * from) / 3;
	}

	private static int clamp(int bin, int levels) {
		return Math.max(0, Math.min(levels - 1, bin));
	}
}
