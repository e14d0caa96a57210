package org.quantrace.engine.quantize.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.quantrace.engine.calibrate.EntropyThreshold;

/**
 * The closed-form divergence of {@link EntropyThreshold} against TensorRT's procedure written out bin by bin
 * (build P and Q, smooth both, sum p·log(p/q)), on histograms shaped like activations: a bulk near zero, a long
 * sparse tail, empty bins in between.
 */
class EntropyThresholdTest {

	private static final double EPSILON = 1e-4;

	@ParameterizedTest
	@ValueSource(ints = { 1, 2, 3, 4, 5 })
	void theClosedFormIsTensorRtsDivergence(int seed) {
		long[] h = activationLike(new Random(seed), 512);
		int levels = 64;
		double bestReference = Double.POSITIVE_INFINITY;
		for (int i = levels; i <= h.length; i++) {
			double reference = referenceDivergence(h, levels, i);
			double closed = EntropyThreshold.divergence(h, levels, i);
			assertEquals(reference, closed, 1e-9 * Math.max(1, Math.abs(reference)), "candidate " + i);
			bestReference = Math.min(bestReference, reference);
		}
		int best = EntropyThreshold.bestBinCount(h, levels);
		assertEquals(bestReference, referenceDivergence(h, levels, best), 1e-9 * Math.max(1, bestReference), "the best candidate is " + best);
		assertTrue(best > levels && best < h.length, "a heavy tail is clipped, the bulk kept: " + best);
	}

	/**
	 * The search reuses each group's logarithm across the candidates of one group width ({@link EntropyThreshold#divergences}):
	 * every candidate's divergence must be bit for bit the one computed candidate by candidate, or thresholds could move on
	 * near-ties. Histograms of the calibrator's size (2048 bins, 128 and 256 levels), with empty groups (a sparse tail, and
	 * magnitudes that start far from 0, which moves the first candidate).
	 */
	@ParameterizedTest
	@ValueSource(ints = { 1, 2, 3, 4, 5, 6 })
	void theSearchComputesEachCandidatesDivergenceExactly(int seed) {
		Random r = new Random(seed);
		long[] h = activationLike(r, 2048);
		if (seed % 2 == 0) { // magnitudes from bin 300 on, and gaps of empty bins
			System.arraycopy(h, 0, h, 300, 2048 - 300);
			java.util.Arrays.fill(h, 0, 300, 0);
			for (int b = 0; b < 2048; b += 1 + r.nextInt(40)) {
				h[b] = 0;
			}
			h[2047] = Math.max(h[2047], 1);
		}
		for (int levels : new int[] { 128, 256 }) {
			double[] fast = EntropyThreshold.divergences(h, levels);
			int compared = 0;
			for (int i = levels; i <= h.length; i++) {
				if (Double.isNaN(fast[i])) {
					continue; // below the first candidate
				}
				assertEquals(Double.doubleToRawLongBits(EntropyThreshold.divergence(h, levels, i)), Double.doubleToRawLongBits(fast[i]),
						"levels " + levels + ", candidate " + i + ": " + EntropyThreshold.divergence(h, levels, i) + " vs " + fast[i]);
				compared++;
			}
			assertTrue(compared > 1000, "candidates compared: " + compared);
		}
	}

	private static long[] activationLike(Random r, int bins) {
		long[] h = new long[bins];
		for (int n = 0; n < 200_000; n++) {
			double v = Math.abs(r.nextGaussian()) * 40; // the bulk
			if (r.nextInt(500) == 0) {
				v = r.nextDouble() * bins; // a sparse tail out to the maximum
			}
			h[Math.min((int) v, bins - 1)]++;
		}
		h[bins - 1] = Math.max(h[bins - 1], 1);
		return h;
	}

	/** TensorRT's calibration step for the candidate of i bins, as published, bin by bin. */
	private static double referenceDivergence(long[] h, int levels, int i) {
		double[] p = new double[i];
		double[] q = new double[i];
		for (int b = 0; b < i; b++) {
			p[b] = h[b];
		}
		for (int b = i; b < h.length; b++) {
			p[i - 1] += h[b];
		}
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
		double[] ps = smooth(p);
		double[] qs = smooth(q);
		if (ps == null || qs == null) {
			return Double.POSITIVE_INFINITY;
		}
		double d = 0;
		for (int b = 0; b < i; b++) {
			d += ps[b] * Math.log(ps[b] / qs[b]);
		}
		return d;
	}

	/** Normalized, with EPSILON given to each zero bin and taken from the others in proportion. */
	private static double[] smooth(double[] x) {
		double sum = 0;
		int zeros = 0;
		for (double v : x) {
			sum += v;
			zeros += v == 0 ? 1 : 0;
		}
		if (sum == 0 || zeros == x.length || EPSILON * zeros >= 1) {
			return null;
		}
		double[] out = new double[x.length];
		for (int b = 0; b < x.length; b++) {
			out[b] = x[b] == 0 ? EPSILON : x[b] / sum * (1 - EPSILON * zeros);
		}
		return out;
	}
}
