package org.quantrace.engine.calibrate;

import java.nio.FloatBuffer;

/** Range = [smallest, largest] value seen: keeps every sample representable, outliers included. */
public final class MinMaxCollector implements RangeCollector {

	private float min = Float.POSITIVE_INFINITY;
	private float max = Float.NEGATIVE_INFINITY;

	@Override
	public void update(FloatBuffer values) {
		float[] mm = minMax(values);
		updateExtremes(mm[0], mm[1]);
	}

	@Override
	public boolean needsValues() {
		return false;
	}

	/** The one place every collector's extremes pass: NaN (from ONNX Runtime's reductions too) and infinities are refused. */
	@Override
	public void updateExtremes(float lo, float hi) {
		NonFiniteValuesException.requireFinite(lo, hi);
		min = Math.min(min, lo);
		max = Math.max(max, hi);
	}

	@Override
	public boolean seen() {
		return min <= max;
	}

	@Override
	public Range range() {
		return observed();
	}

	@Override
	public Range observed() {
		if (min > max) {
			throw new IllegalStateException("no values seen");
		}
		return new Range(min, max);
	}

	/** Values are copied out of their buffer this many at a time (64 KB, stays in the L2 cache). */
	static final int CHUNK = 16384;

	/**
	 * Min and max of a batch, for collectors that need both ([+inf, -inf] when empty); a NaN is refused.
	 * Values are read in chunks into an array: buffers arrive as several classes (heap, direct, read-only),
	 * and a per-value FloatBuffer.get over them is a virtual call.
	 */
	static float[] minMax(FloatBuffer values) {
		float lo = Float.POSITIVE_INFINITY;
		float hi = Float.NEGATIVE_INFINITY;
		float[] chunk = new float[Math.min(CHUNK, values.remaining())];
		for (int at = values.position(), end = values.limit(); at < end; at += chunk.length) {
			int n = Math.min(chunk.length, end - at);
			values.get(at, chunk, 0, n);
			float[] mm = minMax(chunk, n);
			lo = Math.min(lo, mm[0]);
			hi = Math.max(hi, mm[1]);
		}
		return new float[] { lo, hi };
	}

	/**
	 * Min and max of {@code values[0, n)}; refused if any is NaN. {@code Math.min}/{@code Math.max} reductions, which the JIT compiler
	 * vectorizes (0.3 instead of 0.55 ns a value for four scalar lanes) and which propagate a NaN. They can differ from the four lanes of
	 * plain comparisons ({@link #minMaxInLanes}) this method was written with only in the sign of a zero result (among equal zeros a lane
	 * keeps the first it saw, Math.min takes -0); the result is then taken from the lanes, so that it is bit for bit what it was. That
	 * is needed for a minimum of -0 (then some value is -0, and the lanes may have kept +0) and a maximum of +0; a minimum of +0 means
	 * that no value is -0, a maximum of -0 that none is +0, and the lanes agree.
	 */
	static float[] minMax(float[] values, int n) {
		float lo = Float.POSITIVE_INFINITY;
		float hi = Float.NEGATIVE_INFINITY;
		for (int i = 0; i < n; i++) {
			lo = Math.min(lo, values[i]);
			hi = Math.max(hi, values[i]);
		}
		if (lo != lo || hi != hi) {
			throw new NonFiniteValuesException(Float.NaN, Float.NaN);
		}
		if (isNegativeZero(lo) || (hi == 0 && !isNegativeZero(hi))) {
			return minMaxInLanes(values, n);
		}
		return new float[] { lo, hi };
	}

	private static boolean isNegativeZero(float v) {
		return Float.floatToRawIntBits(v) == 0x80000000;
	}

	/**
	 * Min and max of {@code values[0, n)}; refused if any is NaN, which the comparisons would skip. Four independent lanes of plain
	 * comparisons: a single Math.min/Math.max chain makes every value wait for the previous result (before the JIT compiler vectorized
	 * such reductions). With the chunked reads that took 0.4 instead of 4 ns a value, several times the cost of the inference itself.
	 */
	static float[] minMaxInLanes(float[] values, int n) {
		float lo0 = Float.POSITIVE_INFINITY, lo1 = lo0, lo2 = lo0, lo3 = lo0;
		float hi0 = Float.NEGATIVE_INFINITY, hi1 = hi0, hi2 = hi0, hi3 = hi0;
		boolean nan = false;
		int i = 0;
		for (; i + 3 < n; i += 4) {
			float a = values[i];
			float b = values[i + 1];
			float c = values[i + 2];
			float d = values[i + 3];
			lo0 = a < lo0 ? a : lo0;
			lo1 = b < lo1 ? b : lo1;
			lo2 = c < lo2 ? c : lo2;
			lo3 = d < lo3 ? d : lo3;
			hi0 = a > hi0 ? a : hi0;
			hi1 = b > hi1 ? b : hi1;
			hi2 = c > hi2 ? c : hi2;
			hi3 = d > hi3 ? d : hi3;
			nan |= a != a | b != b | c != c | d != d;
		}
		for (; i < n; i++) {
			float a = values[i];
			lo0 = a < lo0 ? a : lo0;
			hi0 = a > hi0 ? a : hi0;
			nan |= a != a;
		}
		if (nan) {
			throw new NonFiniteValuesException(Float.NaN, Float.NaN);
		}
		return new float[] { Math.min(Math.min(lo0, lo1), Math.min(lo2, lo3)), Math.max(Math.max(hi0, hi1), Math.max(hi2, hi3)) };
	}
}
