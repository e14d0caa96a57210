package org.quantrace.engine.calibrate;

/**
 * One thing a calibration did otherwise than its method says, made where its condition is found: {@code code} says what kind it
 * is, {@code subject} the tensor, {@code message} the sentence a run's log prints (after "MODEL: SCHEME: "). Both are stated in the
 * calibration record already; a recipe run also gives them to the IDE as notes on the calibration dataset's line, by code.
 */
public record CalibrationNote(String code, String subject, String message) {

	/** A range far wider than its values, read again by percentile ({@link WideRange#clipped}). */
	public static final String RANGE_CLIPPED = "calibrate-range-clipped";
	/** An entropy threshold that saturated too many values, raised ({@link HistogramCollector.RaisedThreshold}). */
	public static final String THRESHOLD_RAISED = "calibrate-threshold-raised";

	/** {@code w}'s tensor read again by percentile, to {@code to}. */
	static CalibrationNote clipped(WideRange w, Range to) {
		return new CalibrationNote(RANGE_CLIPPED, w.tensor(), "range far wider than its values: " + w.clipped(to));
	}

	/** {@code tensor}'s entropy threshold raised as {@code raised} says. */
	static CalibrationNote raised(String tensor, HistogramCollector.RaisedThreshold raised) {
		return new CalibrationNote(THRESHOLD_RAISED, tensor, "entropy threshold raised: '" + tensor + "': " + raised.describe());
	}

	@Override
	public String toString() {
		return message;
	}
}
