package org.quantrace.engine.calibrate;

/**
 * A batch held NaN or an infinity: no quantization range can be calibrated from it. The {@link Calibrator}
 * turns it into an error naming the tensor, the samples and the data.
 */
public final class NonFiniteValuesException extends RuntimeException {

	private static final long serialVersionUID = 1L;

	NonFiniteValuesException(float min, float max) {
		super("values range over [" + min + ", " + max + "]");
	}

	/** Throws unless both extremes of a batch are finite numbers; [+inf, -inf] is an empty batch and passes. */
	static void requireFinite(float min, float max) {
		boolean empty = min == Float.POSITIVE_INFINITY && max == Float.NEGATIVE_INFINITY;
		if (!empty && (!Float.isFinite(min) || !Float.isFinite(max))) {
			throw new NonFiniteValuesException(min, max);
		}
	}
}
