package org.quantrace.engine.calibrate;

import java.util.Locale;

/**
 * A tensor whose calibrated range is far wider than its values: the root mean square of its float values is below
 * {@link #STEPS} quantization steps, so most values share a handful of codes and the range is set by a few far values
 * (make_unseen15's ssm: a selective scan's output spans [-579, 2154] under min-max, its RMS 13.4 is 1.2 steps of 10.72,
 * fiq-int8 lost 5.25 pt). rmse/scale cannot see it (the rounding noise is still uniform in the step), the RMS can. The one
 * rule both the calibration (at quantize time) and the debugger (from debug.csv) apply. Min-max and moving average read
 * such a tensor again by {@link #CLIP_PERCENTILE} (engine.quantize's ClippedRanges) unless the settings say
 * {@code unclipped}; {@link #clipped} says what was done.
 */
public record WideRange(String tensor, Range range, double rms, double scale) {

	/**
	 * Every tensor with its own scale in round 15's ssm, hyper, kan and typed measured 18-134 steps (fiq-int8), the one that
	 * cost ssm 5.25 pt measured 1.2.
	 */
	public static final double STEPS = 4;

	/**
	 * The percentile a wide range is read again by: it keeps all but the 0.01 % farthest values (ssm's scan output: 0.6970 →
	 * about 0.75, fp32 0.7495, on 2,000 test images), where entropy and L2 search a threshold over the histogram.
	 */
	public static final double CLIP_PERCENTILE = 99.99;

	/** What the user can do about it (the debugger's words). */
	public static final String ADVICE = "calibrate with percentile=99.99 or entropy (they clip the few far values), or leave float the layers that read it";

	/**
	 * The quantized model's metadata_props key, followed by the tensor's name, whose value is {@link #clipped}'s text: the model
	 * itself says which ranges its calibration clipped on purpose, so the debugger (which has only the two models and data) does
	 * not take their saturated far values for a bad range.
	 */
	public static final String METADATA = "quantrace.clipped_range:";

	/** The values' root mean square in quantization steps. */
	public double steps() {
		return rms / scale;
	}

	/**
	 * Whether values of root mean square {@code rms} are far narrower than steps of {@code scale} can hold well. Zeros only (RMS 0)
	 * are not: every scale holds 0 exactly (make_unseen25's detr, the zero queries its first self-attention reads: [0, 0] at scale 1
	 * was "read again by percentile" and warned about).
	 */
	public static boolean isWide(double rms, double scale) {
		return rms > 0 && scale > 0 && rms / scale < STEPS;
	}

	/** "'t' [lo, hi] holds values of RMS r, s steps of scale sc" */
	public String describe() {
		return String.format(Locale.ROOT, "'%s' [%.4g, %.4g] holds values of RMS %.4g, %.2f steps of scale %.4g", tensor, range.min(), range.max(), rms, steps(), scale);
	}

	/**
	 * What min-max did instead (quantize's console, a run's log, the calibration record): the range measured, the values' RMS in
	 * its steps, and the range read again by {@link #CLIP_PERCENTILE}, {@code to}.
	 */
	public String clipped(Range to) {
		return String.format(Locale.ROOT, "%s over the calibration samples: read again by percentile %s, [%.4g, %.4g]", describe(),
				java.math.BigDecimal.valueOf(CLIP_PERCENTILE).stripTrailingZeros().toPlainString(), to.min() + 0.0, to.max()); // + 0.0: -0 reads 0
	}

	/** The warning quantize prints and a recipe run logs: the tensor, its figures and what to do. */
	public String warning() {
		return "range far wider than its values: " + describe() + " over the calibration samples: most values share a few codes; " + ADVICE;
	}
}
