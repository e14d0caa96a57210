package org.quantrace.engine.calibrate;

/** A real-valued range [min, max] that a tensor's values are mapped onto. */
public record Range(double min, double max) {

	public Range {
		if (Double.isNaN(min) || Double.isNaN(max) || min > max) {
			throw new IllegalArgumentException("invalid range [" + min + ", " + max + "]");
		}
	}

	/** The smallest range holding both. */
	public Range union(Range other) {
		return new Range(Math.min(min, other.min), Math.max(max, other.max));
	}

	/** Widened to contain 0, so that real zero (padding, ReLU output) is exactly representable. */
	public Range includingZero() {
		return new Range(Math.min(min, 0), Math.max(max, 0));
	}

	/** The largest magnitude, the range a symmetric scheme covers. */
	public double absMax() {
		return Math.max(Math.abs(min), Math.abs(max));
	}

	@Override
	public String toString() {
		return "[" + min + ", " + max + "]";
	}
}
