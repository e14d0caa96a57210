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

	@Override
	public void updateExtremes(float lo, float hi) {
		min = Math.min(min, lo);
		max = Math.max(max, hi);
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

	/**
	 * Min and max of a batch, for collectors that need both; a batch with NaN or an infinity is refused. Four
	 * independent lanes of plain comparisons: a single Math.min/Math.max chain makes every value wait for
	 * the previous one's result and ran at 4 ns a value, several times the cost of the inference itself.
	 */
	static float[] minMax(FloatBuffer values) {
		float lo0 = Float.POSITIVE_INFINITY, lo1 = lo0, lo2 = lo0, lo3 = lo0;
		float hi0 = Float.NEGATIVE_INFINITY, hi1 = hi0, hi2 = hi0, hi3 = hi0;
		boolean nan = false;
		int i = values.position();
		int n = values.limit();
		for (; i + 3 < n; i += 4) {
			float a = values.get(i);
			float b = values.get(i + 1);
			float c = values.get(i + 2);
			float d = values.get(i + 3);
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
			float a = values.get(i);
			lo0 = a < lo0 ? a : lo0;
			hi0 = a > hi0 ? a : hi0;
			nan |= a != a;
		}
		if (nan) {
			throw new NonFiniteValuesException(Float.NaN, Float.NaN);
		}
		float[] mm = { Math.min(Math.min(lo0, lo1), Math.min(lo2, lo3)), Math.max(Math.max(hi0, hi1), Math.max(hi2, hi3)) };
		if (i > values.position()) { // not empty
			NonFiniteValuesException.requireFinite(mm[0], mm[1]);
		}
		return mm;
	}
}
