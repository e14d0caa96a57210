package org.quantrace.engine.calibrate;

import java.util.Locale;

/**
 * How few samples a calibration may read before it is said: one rule for {@code quantize --samples N} and a recipe's
 * {@code samples N} (hostile11: {@code samples 1} ran to "Accepted." without a word). A warning, not a refusal: a calibration
 * set is the user's choice, and a small one is sometimes all there is; what it costs is said.
 */
public final class CalibrationSize {

	/**
	 * The fewest samples read without a warning. The largest value N exchangeable samples give is exceeded by the next one with
	 * a chance of 1/(N + 1) (the rank of the new sample among N + 1 is uniform): below 20 samples that is more than 5 %, and
	 * with minmax those values are clipped to the calibrated range.
	 */
	public static final int ADVISED_MINIMUM = 20;

	private CalibrationSize() {
	}

	/** What a calibration of {@code samples} costs, or null when it reads {@link #ADVISED_MINIMUM} or more (0: all of them). */
	public static String fewSamples(int samples) {
		if (samples <= 0 || samples >= ADVISED_MINIMUM) {
			return null;
		}
		return String.format(Locale.ROOT, "a calibration of %d sample%s sets each tensor's range from %s alone: a new sample exceeds the largest value"
				+ " %d sample%s gave with a chance of 1/(%d + 1) = %.0f %%, and with minmax what lies beyond is clipped; calibrate on %d samples or more"
				+ " (a few hundred are usual)", samples, samples == 1 ? "" : "s", samples == 1 ? "it" : "them", samples, samples == 1 ? "" : "s", samples,
				100.0 / (samples + 1), ADVISED_MINIMUM);
	}
}
