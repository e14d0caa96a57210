package org.quantrace.model;

/**
 * What a calibration may ask for, in the one place both the recipe validator and the engine read: the
 * engine refuses exactly what the validator reports, so a recipe that validates never fails half-way
 * through a run on a setting. (The language cannot see the engine; this bundle is the layer both see.)
 * Each check returns what is wrong, in words a user can act on, or null when the value is fine.
 */
public final class CalibrationLimits {

	/** Fewer bins resolve a distribution too coarsely to clip its tails. */
	public static final int MIN_HISTOGRAM_BINS = 128;
	/**
	 * Each tensor keeps 2 x 8 x bins counts (positive and negative values, eight times oversampled): 16,384
	 * bins are 2 MiB per tensor, beyond which a large model's calibration no longer fits in memory.
	 */
	public static final int MAX_HISTOGRAM_BINS = 16_384;
	/**
	 * Entropy calibration's quantized bins (TensorRT's threshold search over the magnitudes of 8-bit codes).
	 * Entropy needs more histogram bins than this, or the search has no candidate but the whole range.
	 */
	public static final int ENTROPY_QUANTIZED_BINS = 128;
	/**
	 * The widest activations entropy calibration serves: with 16 bits (32,768 levels per sign) no clipping
	 * threshold beats the whole range, so the search would silently give MinMax.
	 */
	public static final int ENTROPY_MAX_BITS = 8;
	/**
	 * The codes L2 calibration fits a range to: 8-bit activations (torch's HistogramObserver searches for its 8-bit
	 * dtypes only). Its error model assumes a histogram bin spans less than one code, so wider codes are refused.
	 */
	public static final int L2_LEVELS = 256;

	private CalibrationLimits() {
	}

	/**
	 * The histogram's bin count: even (bins merge in pairs when the range doubles), within
	 * [{@value #MIN_HISTOGRAM_BINS}, {@value #MAX_HISTOGRAM_BINS}], and above {@code quantizedBins} (entropy's,
	 * 0 for percentile).
	 */
	public static String histogramBinsProblem(int bins, int quantizedBins) {
		int min = Math.max(MIN_HISTOGRAM_BINS, quantizedBins + 2);
		if (bins < min || bins > MAX_HISTOGRAM_BINS || bins % 2 != 0) {
			return "bins " + bins + " is not an even number in [" + min + ", " + MAX_HISTOGRAM_BINS + "]"
					+ (quantizedBins > 0 ? " (entropy searches its " + quantizedBins + " quantized bins within them)" : "") + ": 2048 is usual";
		}
		return null;
	}

	/** Percentile calibration keeps this share of the values, in (0, 100]. */
	public static String percentileProblem(double percentile) {
		return percentile > 0 && percentile <= 100 ? null
				: "percentile " + java.math.BigDecimal.valueOf(percentile).stripTrailingZeros().toPlainString() + " is outside (0, 100]: it is the share of values the range keeps, e.g. percentile 99.99";
	}

	/**
	 * What calibration method {@code method} (its recipe keyword: entropy, l2...) cannot do for activations of {@code bits},
	 * or null: the engine and the recipe validator ask here.
	 */
	public static String activationBitsProblem(String method, int bits) {
		return switch (method) {
		case "entropy" -> entropyPrecisionProblem(bits);
		case "l2" -> l2PrecisionProblem(bits);
		default -> null;
		};
	}

	/** L2 calibration with activations of {@code bits}. */
	public static String l2PrecisionProblem(int bits) {
		return bits <= 8 ? null
				: "l2 calibration searches a range for 8-bit codes; with int" + bits + " activations it would fit the range to the wrong number of"
						+ " codes: calibrate int" + bits + " activations with minmax or percentile";
	}

	/** Entropy calibration with activations of {@code bits}. */
	public static String entropyPrecisionProblem(int bits) {
		return bits <= ENTROPY_MAX_BITS ? null
				: "entropy calibration searches a clipping threshold for 8-bit codes; with int" + bits + " activations no threshold beats the whole"
						+ " range, so it would silently be MinMax: calibrate int" + bits + " activations with minmax or percentile";
	}
}
