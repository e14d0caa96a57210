package org.quantrace.engine.quantize.tests;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.FloatBuffer;
import java.util.Random;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.quantrace.engine.calibrate.HistogramCollector;
import org.quantrace.engine.calibrate.MinMaxCollector;
import org.quantrace.engine.calibrate.Range;

/**
 * {@link HistogramCollector}'s first batch is read twice: once for its extremes, which set the limit and are its observed range, then
 * to bin it, from its last 16 K chunk to its first (those still in cache first), with no extremes computed again. Its counts must be
 * those of binning each value once at the batch's limit, and its observed range bit for bit the one chunk-by-chunk extremes give
 * ({@link MinMaxCollector} over the same values: the same Math.min/max of the same chunks, zeros' signs included), for a batch of
 * several chunks and a partial one that starts inside its array (a buffer whose position is not 0), with the extremes in its first,
 * middle or last chunk, and for batches whose minimum or maximum is a zero of either sign. Fails if the binning pass leaves out a
 * chunk (checked: the first chunk skipped) or reads from 0 instead of the buffer's position.
 */
class HistogramFirstBatchTest {

	private static final int BINS = 2048;
	private static final int FINE = 8 * BINS;
	private static final int CHUNK = 16384;

	@ParameterizedTest
	@ValueSource(ints = { 0, 1, 2 })
	void aFirstBatchOfSeveralChunksIsBinnedOnceAtItsLimit(int extremesIn) {
		Random r = new Random(extremesIn);
		int offset = 5 + r.nextInt(100);
		int n = 3 * CHUNK + 1 + r.nextInt(CHUNK - 1);
		float[] array = new float[offset + n + 7];
		for (int i = 0; i < array.length; i++) {
			float g = (float) r.nextGaussian();
			array[i] = g < 0 && r.nextBoolean() ? 0f : g;
		}
		int at = offset + extremesIn * (n / 2 - 1);
		array[at] = 9.5f; // the largest magnitude: the limit
		array[offset + n - 1 - at + offset] = -7.25f;
		array[0] = 100f; // outside the batch: must not count
		array[array.length - 1] = -100f;
		FloatBuffer batch = FloatBuffer.wrap(array, offset, n);
		HistogramCollector h = new HistogramCollector(BINS, new HistogramCollector.Entropy(128));
		h.update(batch);
		float[] values = java.util.Arrays.copyOfRange(array, offset, offset + n);
		assertArrayEquals(binnedOnce(values), h.counts());
		assertEquals(9.5 * (1 + 1e-6), h.limit());
		assertSameBits(chunkByChunk(values), h.observed());
	}

	/** Zeros of both signs in chunks of a batch whose minimum (non-negative values) or maximum (non-positive values) is a zero. */
	@ParameterizedTest
	@ValueSource(ints = { 1, -1 })
	void zeroExtremesKeepTheirSign(int sign) {
		Random r = new Random(7);
		float[] values = new float[2 * CHUNK + 300];
		for (int i = 0; i < values.length; i++) {
			values[i] = r.nextInt(4) == 0 ? (r.nextBoolean() ? 0f : -0f) : sign * Math.abs((float) r.nextGaussian());
		}
		HistogramCollector h = new HistogramCollector(BINS, new HistogramCollector.Percentile(99.9));
		h.update(FloatBuffer.wrap(values));
		assertSameBits(chunkByChunk(values), h.observed());
		assertArrayEquals(binnedOnce(values), h.counts());
	}

	private static Range chunkByChunk(float[] values) {
		MinMaxCollector m = new MinMaxCollector();
		m.update(FloatBuffer.wrap(values));
		return m.observed();
	}

	private static void assertSameBits(Range expected, Range actual) {
		assertEquals(Double.doubleToRawLongBits(expected.min()), Double.doubleToRawLongBits(actual.min()), "min " + expected.min() + " vs " + actual.min());
		assertEquals(Double.doubleToRawLongBits(expected.max()), Double.doubleToRawLongBits(actual.max()), "max " + expected.max() + " vs " + actual.max());
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
