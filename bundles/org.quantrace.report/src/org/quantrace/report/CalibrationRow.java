package org.quantrace.report;

import org.quantrace.model.trace.CalibrationRecord;

/**
 * The first line of PhIMT0003's Calibration row: the scheme's method, and, where the calibration read some tensors again by
 * another rule (engine.quantize's ClippedRanges: a min-max range far wider than its values, read again by percentile), how
 * many, so that the row does not state min-max for every tensor. The tensors follow as parameters {@link #CLIPPED}, one each;
 * verify holds their count against the quantized model's own list (its metadata_props).
 */
public final class CalibrationRow {

	/** The calibration record's parameter key of one range read again (runner's QuantizationRecords writes it). */
	public static final String CLIPPED = "range far wider than its values, clipped";

	/** How the method line says those tensors, after "except for N tensor(s)" (verify reads the count back). */
	public static final String CLIPPED_TAIL = " read again by percentile, their min-max range being far wider than their values (each below: \""
			+ CLIPPED + "\")";

	private CalibrationRow() {
	}

	/** The method's sentence, with the count of tensors read again when there are any. */
	public static String method(CalibrationRecord c) {
		String method = switch (c.getMethod()) {
		case MINMAX -> "min-max: the range is the minimum and maximum value seen during calibration";
		case MOVING_AVERAGE -> "moving-average min-max: the range is the moving average of each batch's minimum and maximum";
		case PERCENTILE -> "percentile: the range is a percentile of the distribution of absolute values seen during calibration";
		case ENTROPY -> "entropy: the range minimizes the KL divergence between the float and the quantized histogram";
		case L2 -> "l2: the range minimizes the squared error of quantizing the histogram of values seen during calibration (torch's HistogramObserver)";
		};
		long clipped = c.getParameters().stream().filter(p -> p.getKey().equals(CLIPPED)).count();
		return clipped == 0 ? method : method + ", except for " + LogValues.count(clipped, "tensor") + CLIPPED_TAIL;
	}
}
