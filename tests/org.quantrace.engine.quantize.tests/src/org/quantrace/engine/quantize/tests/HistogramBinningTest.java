package org.quantrace.engine.quantize.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.FloatBuffer;
import java.util.Random;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.quantrace.engine.calibrate.EntropyThreshold;
import org.quantrace.engine.calibrate.HistogramCollector;
import org.quantrace.engine.calibrate.Range;

/**
 * {@link HistogramCollector}'s binning against the plain formula it was written with, bin = min((int) (|v| · fine / limit),
 * fine − 1), in the negative half when v &lt; 0, exact zeros counted apart: its vectorized form (sign from signum, ±0 in a slot of
 * their own) must give the same counts on the values that are easy to get wrong: +0 and −0 (which goes to the positive half),
 * the smallest negatives (bin 0 of the negative half), values on bin edges and the extremes. The counts are compared through
 * what is read from them: percentile ranges at many percentiles (each probes other bins) and the entropy threshold (which also
 * reads the zero count), for one batch, so that the reference's limit is the batch's.
 */
class HistogramBinningTest {

	private static final int BINS = 2048;
	private static final int FINE = 8 * BINS;

	@ParameterizedTest
	@ValueSource(ints = { 1, 2, 3, 4, 5, 6 })
	void countsAreThoseOfThePlainFormula(int seed) {
		float[] v = seed > 4 ? negativesNearZero(new Random(seed), 100_003) : tricky(new Random(seed), 100_003, seed % 2 == 0);
		for (double p : new double[] { 50, 80, 90, 99, 99.9, 99.99, 99.999 }) {
			HistogramCollector c = new HistogramCollector(BINS, new HistogramCollector.Percentile(p));
			c.update(FloatBuffer.wrap(v));
			assertEquals(referencePercentile(v, p), c.range(), "percentile " + p);
		}
		HistogramCollector e = new HistogramCollector(BINS, new HistogramCollector.Entropy(128));
		e.update(FloatBuffer.wrap(v));
		assertEquals(referenceEntropy(v, 128), e.range(), "entropy");
	}

	/**
	 * The extremes seen, to the sign of a zero, are those of four lanes of plain comparisons (a lane keeps the first of equal zeros,
	 * the lanes are joined with Math.min/Math.max), which the collectors used before they used vectorized Math.min/Math.max
	 * reductions: chunks whose extremes are zeros of either sign in any lane.
	 */
	@ParameterizedTest
	@ValueSource(ints = { 1, 2, 3, 4, 5, 6, 7, 8 })
	void extremesKeepTheSignOfZeroAsBefore(int seed) {
		Random r = new Random(seed);
		for (int round = 0; round < 200; round++) {
			int n = 1 + r.nextInt(40);
			float[] v = new float[n];
			for (int i = 0; i < n; i++) {
				int k = r.nextInt(4);
				v[i] = k == 0 ? 0f : k == 1 ? -0f : seed % 2 == 0 ? r.nextFloat() : -r.nextFloat();
			}
			HistogramCollector c = new HistogramCollector(BINS, new HistogramCollector.Percentile(99));
			c.update(FloatBuffer.wrap(v));
			float[] lanes = inLanes(v);
			assertEquals(new Range(lanes[0], lanes[1]), c.observed(), java.util.Arrays.toString(v));
		}
	}

	private static float[] inLanes(float[] v) {
		float[] lo = { Float.POSITIVE_INFINITY, Float.POSITIVE_INFINITY, Float.POSITIVE_INFINITY, Float.POSITIVE_INFINITY };
		float[] hi = { Float.NEGATIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.NEGATIVE_INFINITY };
		int full = v.length / 4 * 4;
		for (int i = 0; i < v.length; i++) {
			int lane = i < full ? i % 4 : 0;
			lo[lane] = v[i] < lo[lane] ? v[i] : lo[lane];
			hi[lane] = v[i] > hi[lane] ? v[i] : hi[lane];
		}
		return new float[] { Math.min(Math.min(lo[0], lo[1]), Math.min(lo[2], lo[3])), Math.max(Math.max(hi[0], hi[1]), Math.max(hi[2], hi[3])) };
	}

	/** Activation-like values with many +0 and −0, tiny negatives, values on bin edges; non-negative only if {@code relu}. */
	private static float[] tricky(Random r, int n, boolean relu) {
		float[] v = new float[n];
		double top = 7.5;
		double scale = FINE / (top * (1 + 1e-6));
		for (int i = 0; i < n; i++) {
			double x = r.nextGaussian();
			v[i] = switch (r.nextInt(8)) {
			case 0, 1 -> 0f;
			case 2 -> relu ? 0f : -0f;
			case 3 -> relu ? Float.MIN_VALUE : -Float.MIN_VALUE;
			case 4 -> (float) (r.nextInt(FINE) / scale); // on (or next to) a bin edge
			default -> (float) (relu ? Math.abs(x) : x);
			};
		}
		v[n / 2] = (float) top;
		v[n / 3] = relu ? 0f : (float) -top / 2;
		return v;
	}

	/**
	 * Negatives that are nearly all −0 and the smallest negative: the negative half's percentile edge then falls on its bin 0,
	 * so it moves if −0 were counted there (it belongs to the positive half, as −0 &lt; 0 is false).
	 */
	private static float[] negativesNearZero(Random r, int n) {
		float[] v = new float[n];
		for (int i = 0; i < n; i++) {
			int k = r.nextInt(100);
			v[i] = k < 30 ? 0f : k < 50 ? -0f : k < 52 ? -Float.MIN_VALUE : k < 53 ? (float) -Math.abs(r.nextGaussian()) : (float) Math.abs(r.nextGaussian());
		}
		return v;
	}

	private static double[] minMax(float[] v) {
		double lo = Double.POSITIVE_INFINITY, hi = Double.NEGATIVE_INFINITY;
		for (float x : v) {
			lo = Math.min(lo, x);
			hi = Math.max(hi, x);
		}
		return new double[] { lo, hi };
	}

	/** One batch: the limit is the batch's largest magnitude, plus the collector's margin. */
	private static double limit(float[] v) {
		double[] mm = minMax(v);
		return Math.max(Math.abs(mm[0]), Math.abs(mm[1])) * (1 + 1e-6);
	}

	/** The counts as the collector first computed them, value by value. */
	private static long[] referenceCounts(float[] v) {
		long[] counts = new long[2 * FINE];
		double scale = FINE / limit(v);
		for (float x : v) {
			counts[Math.min((int) (Math.abs(x) * scale), FINE - 1) + (x < 0 ? FINE : 0)]++;
		}
		return counts;
	}

	private static Range referencePercentile(float[] v, double p) {
		long[] counts = referenceCounts(v);
		double[] mm = minMax(v);
		double tail = Math.floor(v.length * (100 - p) / 100 + 1e-6);
		double width = limit(v) / FINE;
		double hi = Math.min(upperEdge(counts, 0, tail, width), Math.max(mm[1], 0));
		double lo = -Math.min(upperEdge(counts, FINE, tail, width), Math.max(-mm[0], 0));
		return new Range(lo, hi);
	}

	private static double upperEdge(long[] counts, int from, double tail, double width) {
		long above = 0;
		for (int b = FINE - 1; b >= 0; b--) {
			above += counts[from + b];
			if (above > tail) {
				return (b + 1) * width;
			}
		}
		return 0;
	}

	private static Range referenceEntropy(float[] v, int levels) {
		long[] counts = referenceCounts(v);
		double[] mm = minMax(v);
		double top = Math.max(Math.abs(mm[0]), Math.abs(mm[1]));
		long[] h = new long[BINS];
		double fineWidth = limit(v) / FINE;
		for (int f = 0; f < FINE; f++) {
			long c = counts[f] + counts[FINE + f];
			if (c != 0) {
				h[Math.min((int) ((f + 0.5) * fineWidth / top * BINS), BINS - 1)] += c;
			}
		}
		long zeros = 0;
		for (float x : v) {
			zeros += x == 0 ? 1 : 0;
		}
		h[0] -= zeros;
		int quantized = mm[0] >= 0 ? 2 * levels : levels;
		// the search's bins, raised to those that saturate at most MAX_SATURATED of the non-zero values (EntropySaturationTest)
		int kept = Math.max(EntropyThreshold.bestBinCount(h, quantized), EntropyThreshold.leastBinsSaturating(h, HistogramCollector.MAX_SATURATED));
		double threshold = Math.min(kept * (top / BINS), top);
		return new Range(Math.max(mm[0], -threshold), Math.min(mm[1], threshold)).includingZero();
	}
}
