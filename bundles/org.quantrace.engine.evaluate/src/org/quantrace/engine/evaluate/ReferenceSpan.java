package org.quantrace.engine.evaluate;

import org.quantrace.engine.InvalidInputException;

/**
 * The span of the reference values (the targets, or the baseline's outputs) that PSNR and SSIM are measured against, held
 * against the data range R they are computed with, where either is computed (MSE alone does not depend on R: an evaluation of
 * mse only is not held to it). PSNR = 10 log10(R² / MSE): a range stated ten times too large lifts every
 * figure by 20 dB (255 for outputs in [0, 1]: 48 dB) and a criterion such as {@code psnr >= 40 dB} then passes anything; a
 * range narrower than the data (the default 1 over outputs in [0, 255]) lowers every figure as much (48 dB) and puts SSIM's
 * constants out of scale. So a reference whose values span less than a tenth of R, or more than R, is refused after the pass,
 * before any figure is reported or accepted. The span (max - min), not [0, R]: data in [-1, 1] with R 2 is right.
 * <p>
 * A user who knows R is the data's nominal range (very dark images in [0, 1] with R 1; outputs that overshoot [0, 1] a little)
 * states it ({@code range 1 nominal}, {@code --nominal-range}), and the span is not held against it; the trace records that, so
 * {@code verify --deep} knows which evaluations the rule applies to. Non-finite values are left out (they are reported as such);
 * a reference with no finite value is not held.
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
	 * Refuses {@code range} (exit 2) where {@link #problem} finds one; {@code what} names the reference, {@code report} is the
	 * evaluation refused (kept in the refusal for verify's second path only, never printed or recorded).
	 */
	void requireFits(double range, boolean nominal, String what, EvaluationReport report) {
		String problem = problem(min, max, range, nominal, what);
		if (problem != null) {
			throw new Refused(problem, report);
		}
	}

	/**
	 * A data range refused, with the evaluation it was refused for: {@code verify --deep} re-runs an evaluation under the range
	 * the record states and holds the rule itself on its second path, so it needs the figures of a refused one too (a folder
	 * written before the rule); a run or a command reports the refusal alone.
	 */
	public static final class Refused extends InvalidInputException {

		private static final long serialVersionUID = 1L;
		private final transient EvaluationReport report;

		Refused(String problem, EvaluationReport report) {
			super(problem, HINT);
			this.report = report;
		}

		public EvaluationReport report() {
			return report;
		}
	}

	/** What to do about a refused range: state the right one, or say it is the nominal one. */
	public static final String HINT = "state the data range (evaluate's --data-range R, a recipe's `range R` after its metrics): 1 for images in [0, 1],"
			+ " 255 for 8-bit images, max - min of the reference otherwise; or, where R is the data's nominal range and the reference rightly"
			+ " spans less (very dark images) or overshoots it, say so: --nominal-range, `range R nominal`";

	/**
	 * The rule, for the run and for verify's second path alike: why reference values {@code min} to {@code max} (finite; {@code min
	 * > max}: none) do not fit data range {@code range}, or null when they do or the range is stated {@code nominal}.
	 */
	public static String problem(double min, double max, double range, boolean nominal, String what) {
		double span = max - min;
		if (nominal || min > max || (span >= MIN_SHARE * range && span <= range)) {
			return null;
		}
		double lift = Math.abs(10 * Math.log10(range * range / Math.max(span * span, Double.MIN_NORMAL)));
		String spans = what + " spans [" + fmt(min) + ", " + fmt(max) + "], ";
		return span < MIN_SHARE * range
				? spans + "less than a tenth of the data range " + fmt(range) + " that psnr and ssim are computed with: every psnr would read about "
						+ Math.round(lift) + " dB higher than over the data's own span, and a psnr criterion would pass what it should not"
				: spans + "more than the data range " + fmt(range) + " that psnr and ssim are computed with (" + fmt(span) + " wide): every psnr would read about "
						+ Math.round(lift) + " dB lower than over the data's own span, and ssim's constants would be out of scale";
	}

	private static String fmt(double v) {
		return v == Math.rint(v) && Math.abs(v) < 1e15 ? Long.toString((long) v) : String.format(java.util.Locale.ROOT, "%.4g", v);
	}
}
