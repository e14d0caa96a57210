package org.quantrace.engine.evaluate;

import org.quantrace.engine.InvalidInputException;

/**
 * The span of the reference values (the targets, or the baseline's outputs) that PSNR and SSIM are measured against, held
 * against the data range R they are computed with. PSNR = 10 log10(R² / MSE): a range stated ten times too large lifts every
 * figure by 20 dB (255 for outputs in [0, 1]: 48 dB) and a criterion such as {@code psnr >= 40 dB} then passes anything. So a
 * reference whose values span less than a tenth of R is refused after the pass, before any figure is reported or accepted.
 * Non-finite values are left out (they are reported as such); a reference with no finite value is not held.
 */
public final class ReferenceSpan {

	/** The smallest share of the data range the reference must span. */
	public static final double MIN_SHARE = 0.1;

	private double min = Double.POSITIVE_INFINITY;
	private double max = Double.NEGATIVE_INFINITY;

	/** Takes in one batch of reference values. */
	public void add(float[] values) {
		for (float v : values) {
			if (Float.isFinite(v)) {
				min = Math.min(min, v);
				max = Math.max(max, v);
			}
		}
	}

	/**
	 * Refuses {@code range} (exit 2) when the finite reference values span less than {@link #MIN_SHARE} of it; {@code what} names
	 * the reference.
	 */
	public void requireFits(double range, String what) {
		if (min > max || max - min >= MIN_SHARE * range) {
			return;
		}
		double lift = 10 * Math.log10(range * range / Math.max((max - min) * (max - min), Double.MIN_NORMAL));
		throw new InvalidInputException(what + " spans [" + fmt(min) + ", " + fmt(max) + "], less than a tenth of the data range " + fmt(range)
				+ " that psnr and ssim are computed with: every psnr would read about " + Math.round(lift) + " dB higher than over the data's own span,"
				+ " and a psnr criterion would pass what it should not",
				"state the data range (evaluate's --data-range R, a recipe's `range R` after its metrics): 1 for images in [0, 1], 255 for 8-bit images, max - min of the reference otherwise");
	}

	private static String fmt(double v) {
		return v == Math.rint(v) && Math.abs(v) < 1e15 ? Long.toString((long) v) : String.format(java.util.Locale.ROOT, "%.4g", v);
	}
}
