package org.quantrace.engine.quantize.tests;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.FloatBuffer;
import java.util.Random;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.quantrace.engine.calibrate.HistogramCollector;
import org.quantrace.engine.calibrate.L2Range;
import org.quantrace.engine.calibrate.Range;
import org.quantrace.testing.TestData;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * The rules of {@link L2Range} (torch's HistogramObserver search), one test each: the error of a candidate against the
 * squared error measured by quantizing the histogram's values one by one; what the greedy search keeps and where it stops; and
 * the collector's turning of bins into a range. The search's bins are those torch's own code keeps on the same histograms
 * (tests/data/make_l2_reference.py). Torch's own ranges on real activations: {@link L2ReferenceRangesTest}.
 */
class L2RangeTest {

	/**
	 * The closed-form error of a candidate equals the squared error of rounding values spread evenly over each bin to the centre
	 * of their destination bin (clipped to the first and last), measured point by point: for candidates inside the histogram,
	 * at its edges, and narrower than one source bin per destination bin.
	 */
	@ParameterizedTest
	@ValueSource(ints = { 1, 2, 3 })
	void theErrorIsTheSquaredErrorOfRoundingToDestinationBinCentres(int seed) {
		Random r = new Random(seed);
		double[] h = new double[64];
		for (int b = 0; b < h.length; b++) {
			h[b] = r.nextInt(4) == 0 ? 0 : r.nextInt(100);
		}
		int levels = 8;
		for (int[] c : new int[][] { { 0, 63 }, { 5, 50 }, { 20, 27 }, { 30, 32 }, { 0, 3 } }) {
			double closed = L2Range.error(h, levels, c[0], c[1]);
			double measured = measuredError(h, levels, c[0], c[1], 2000);
			assertEquals(measured, closed, 1e-4 * measured, "candidate " + c[0] + ".." + c[1]);
		}
	}

	/** Values spread evenly (midpoints of {@code points} sub-intervals) in each source bin of width 1, rounded and clipped. */
	private static double measuredError(double[] h, int levels, int start, int end, int points) {
		double dst = (end - start + 1.0) / levels;
		double sum = 0;
		for (int b = 0; b < h.length; b++) {
			for (int k = 0; k < points; k++) {
				double x = b - start + (k + 0.5) / points;
				int bin = Math.max(0, Math.min(levels - 1, (int) Math.floor(x / dst)));
				double centre = (bin + 0.5) * dst;
				sum += h[b] / points * (x - centre) * (x - centre);
			}
		}
		return sum;
	}

	/** torch's bins for the histograms of tests/data/make_l2_reference.py, built here the same way. */
	private static final JsonNode TORCH = TestData.json(TestData.data("expected/l2_ranges.json")).get("histograms");

	private static int[] torch(String name) {
		JsonNode bins = TORCH.get(name).get("bins");
		return new int[] { bins.get(0).asInt(), bins.get(1).asInt() };
	}

	/**
	 * The whole range's error is never computed: the first narrowing is kept whatever its error (torch starts from an infinite
	 * best), so an evenly filled histogram loses its last bin, then the next narrowing costs more and the search stops.
	 */
	@Test
	void theFirstNarrowingIsAlwaysKeptThenTheSearchStopsAtTheFirstIncrease() {
		double[] h = new double[2048];
		java.util.Arrays.fill(h, 100);
		assertArrayEquals(torch("even"), L2Range.search(h, 256));
		assertArrayEquals(new int[] { 0, 2046 }, L2Range.search(h, 256));
	}

	/**
	 * A dense bulk in the first eighth and a sparse tail out to the last bin: the search narrows from the tail (the upper
	 * quantile bound moves further) and stops inside the tail, keeping the bulk and the lower edge.
	 */
	@Test
	void aSparseTailIsClippedAndTheBulkKept() {
		double[] h = new double[2048];
		for (int b = 0; b < 256; b++) {
			h[b] = 10_000;
		}
		for (int b = 256; b < 2048; b += 64) {
			h[b] = 1;
		}
		h[2047] = 1;
		int[] kept = L2Range.search(h, 256);
		assertArrayEquals(torch("tail"), kept);
		assertTrue(kept[0] == 0 && kept[1] >= 255 && kept[1] < 1024, kept[0] + ".." + kept[1]);
	}

	/** The lower edge moves when its quantile bound moves strictly further than the upper one's: a tail below is clipped from below. */
	@Test
	void aTailBelowIsClippedFromBelow() {
		double[] h = new double[2048];
		for (int b = 1792; b < 2048; b++) {
			h[b] = 10_000;
		}
		for (int b = 0; b < 1792; b += 64) {
			h[b] = 1;
		}
		int[] kept = L2Range.search(h, 256);
		assertArrayEquals(torch("below"), kept);
		assertTrue(kept[1] == 2047 && kept[0] > 1024 && kept[0] <= 1792, kept[0] + ".." + kept[1]);
	}

	/**
	 * Everything in one bin of 256: the quantile bounds jump over the empty bins, the upper edge moves first (its jump is longer)
	 * to just below the filled bin, whose values are then clipped to that edge; torch keeps [99, 99].
	 */
	@Test
	void oneFilledBinIsCutLikeTorchDoes() {
		double[] h = new double[256];
		h[100] = 50;
		assertArrayEquals(torch("spike"), L2Range.search(h, 256));
	}

	/** An uneven histogram with empty bins (every seventh), decreasing towards the top: torch's bins exactly. */
	@Test
	void anUnevenHistogramGivesTorchsBins() {
		double[] h = new double[2048];
		for (int b = 0; b < h.length; b++) {
			h[b] = (b % 7) * (2048 - b);
		}
		assertArrayEquals(torch("ramp"), L2Range.search(h, 256));
	}

	/**
	 * The collector's range: the histogram over [observed min, observed max], the search's bins back to values, widened to
	 * contain 0 (a gate in [0.4, 0.6] is quantized over [0, 0.6], as torch's affine qparams do), never beyond the extremes seen.
	 */
	@Test
	void theCollectorsRangeContainsZeroAndStaysWithinWhatWasSeen() {
		HistogramCollector gate = new HistogramCollector(2048, new HistogramCollector.L2(256));
		float[] v = new float[10_000];
		Random r = new Random(7);
		for (int i = 0; i < v.length; i++) {
			v[i] = 0.4f + 0.2f * r.nextFloat();
		}
		gate.update(FloatBuffer.wrap(v));
		Range g = gate.range();
		assertEquals(0, g.min());
		assertTrue(g.max() <= gate.observed().max() && g.max() > 0.59, g.toString());

		// a million values of a bulk and ten outliers out to ±12: clipping them costs less than the resolution it gains the bulk
		HistogramCollector tailed = new HistogramCollector(2048, new HistogramCollector.L2(256));
		float[] w = new float[1_000_000];
		for (int i = 0; i < w.length; i++) {
			w[i] = (float) r.nextGaussian();
		}
		for (int i = 0; i < 10; i++) {
			w[i] = (i % 2 == 0 ? 1 : -1) * (3 + 9 * r.nextFloat());
		}
		w[0] = 12;
		w[1] = -12;
		tailed.update(FloatBuffer.wrap(w));
		Range t = tailed.range();
		assertTrue(t.max() < 11 && t.min() > -11 && t.max() > 3 && t.min() < -3, "the outliers are clipped, the bulk kept: " + t);
	}
}
