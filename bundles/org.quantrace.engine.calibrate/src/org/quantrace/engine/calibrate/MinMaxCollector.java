package org.quantrace.engine.calibrate;

import java.nio.FloatBuffer;

/** Range = [smallest, largest] value seen: keeps every sample representable, outliers included. */
public final class MinMaxCollector implements RangeCollector {

	private float min = Float.POSITIVE_INFINITY;
	private float max = Float.NEGATIVE_INFINITY;

	@Override
	public void update(FloatBuffer values) {
		float lo = min;
		float hi = max;
		for (int i = values.position(), n = values.limit(); i < n; i++) {
			float v = values.get(i);
			lo = Math.min(lo, v);
			hi = Math.max(hi, v);
		}
		min = lo;
		max = hi;
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

	/** Min and max of a batch, for collectors that need both. */
	static float[] minMax(FloatBuffer values) {
		float lo = Float.POSITIVE_INFINITY;
		float hi = Float.NEGATIVE_INFINITY;
		for (int i = values.position(), n = values.limit(); i < n; i++) {
			float v = values.get(i);
			lo = Math.min(lo, v);
			hi = Math.max(hi, v);
		}
		return new float[] { lo, hi };
	}
}
