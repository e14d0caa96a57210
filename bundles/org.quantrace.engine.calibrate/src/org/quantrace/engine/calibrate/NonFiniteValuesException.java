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

	/** Throws unless both extremes of a (non-empty) batch are finite numbers. */
	static void requireFinite(float min, float max) {
		if (!Float.isFinite(min) || !Float.isFinite(max)) {
			throw new NonFiniteValuesException(min, max);
		}
	}
}
