package org.quantrace.engine.quantize.tests;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.FloatBuffer;
import java.util.Arrays;
import java.util.Random;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.quantrace.engine.calibrate.HistogramCollector;

/**
 * {@link HistogramCollector} counts exact zeros in 16 slots chosen by a value's position in its 16 K chunk and adds them to bin 0
 * and to the zero count after each chunk, so that runs of zeros (after a ReLU) do not make every increment wait for the one before.
 * The counts, read directly, must be those of binning each value once (bin = min((int) (|v| · fine / limit), fine − 1), in the
 * negative half when v &lt; 0, ±0 in bin 0 of the positive half, then the number of zeros), with zeros of both signs in runs and
 * alone at every position of full chunks and of a last partial one, and for a batch of zeros only. Fails if one slot is left out
 * of the sum (checked: 15 of 16 summed).
 */
class HistogramZeroSlotsTest {

	private static final int BINS = 2048;
	private static final int FINE = 8 * BINS;
	private static final int CHUNK = 16384;

	@ParameterizedTest
	@ValueSource(ints = { 1, 2, 3 })
	void zerosAtEveryPositionAreCountedOnce(int seed) {
		Random r = new Random(seed);
		int n = 3 * CHUNK + 1 + r.nextInt(31);
		float[] v = new float[n];
		for (int i = 0; i < n; i++) {
			int run = (i / (1 + seed * 5)) % 4; // runs of 6, 11 or 16 zeros of each sign, then runs of mixed values
			v[i] = run == 0 ? 0f : run == 1 ? -0f : r.nextInt(3) == 0 ? (r.nextBoolean() ? 0f : -0f) : (float) r.nextGaussian();
		}
		HistogramCollector c = new HistogramCollector(BINS, new HistogramCollector.Percentile(99));
		c.update(FloatBuffer.wrap(v));
		assertArrayEquals(binnedOnce(v), c.counts());
	}

	@ParameterizedTest
	@ValueSource(ints = { 0, 7, 15 })
	void aBatchOfZerosIsAllInBinZero(int negative) {
		float[] zeros = new float[CHUNK + 1 + negative];
		zeros[negative] = -0f;
		HistogramCollector z = new HistogramCollector(BINS, new HistogramCollector.Percentile(99));
		z.update(FloatBuffer.wrap(zeros));
		long[] counts = z.counts();
		assertEquals(zeros.length, counts[0], "bin 0 holds every zero");
		assertEquals(zeros.length, counts[2 * FINE], "the zero count");
		assertEquals(zeros.length, Arrays.stream(counts, 0, 2 * FINE).sum(), "nothing elsewhere");
	}

	/** One batch: the limit is its largest magnitude with the collector's margin; each value binned once; then the zeros. */
	private static long[] binnedOnce(float[] v) {
		double top = 0;
		for (float x : v) {
			top = Math.max(top, Math.abs((double) x));
		}
		double scale = FINE / (top * (1 + 1e-6));
		long[] counts = new long[2 * FINE + 1];
		for (float x : v) {
			counts[Math.min((int) (Math.abs(x) * scale), FINE - 1) + (x < 0 ? FINE : 0)]++;
			counts[2 * FINE] += x == 0 ? 1 : 0;
		}
		return counts;
	}
}
