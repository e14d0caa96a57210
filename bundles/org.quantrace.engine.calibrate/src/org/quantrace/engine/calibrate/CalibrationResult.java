package org.quantrace.engine.calibrate;

import java.util.Map;

/**
 * Calibrated and observed ranges per tensor (in the order requested), the number of samples used, and
 * the settings, so the trace can record method, parameters and every resulting range; {@code methods} names the tensors
 * read by another method than the settings' (empty when every tensor was read by it); {@code rms} the root mean square of
 * each tensor's values over the samples, where the method measured it (min-max and moving average: {@link WideRange});
 * {@code clipped} the tensors whose range was far wider than their values, with what the method measured (their {@code methods}
 * entry is percentile, their {@code ranges} entry the range read again); {@code raised} the tensors whose entropy threshold
 * saturated too many values and was raised ({@link HistogramCollector#MAX_SATURATED}).
 */
public record CalibrationResult(Map<String, Range> ranges, Map<String, Range> observed, int samples, CalibrationSettings settings,
		String dataset, Map<String, CalibrationSettings.Method> methods, Map<String, Double> rms, Map<String, WideRange> clipped,
		Map<String, HistogramCollector.RaisedThreshold> raised) {

	public CalibrationResult(Map<String, Range> ranges, Map<String, Range> observed, int samples, CalibrationSettings settings, String dataset) {
		this(ranges, observed, samples, settings, dataset, Map.of(), Map.of(), Map.of(), Map.of());
	}

	/**
	 * The same result with other ranges (and what was clipped, the methods that read them); a raised entropy threshold is kept only
	 * where the range is still the one it gave (a SiLU product takes the image of its input's range instead: the raise would then
	 * name a threshold the model does not hold).
	 */
	public CalibrationResult with(Map<String, Range> ranges, Map<String, CalibrationSettings.Method> methods, Map<String, WideRange> clipped) {
		Map<String, HistogramCollector.RaisedThreshold> kept = new java.util.LinkedHashMap<>();
		raised.forEach((t, r) -> {
			if (java.util.Objects.equals(ranges.get(t), this.ranges.get(t))) {
				kept.put(t, r);
			}
		});
		return new CalibrationResult(ranges, observed, samples, settings, dataset, methods, rms, clipped, kept);
	}

	/** What the calibration did otherwise than its method says, in this order: each range clipped, then each threshold raised. */
	public java.util.List<CalibrationNote> notes() {
		java.util.List<CalibrationNote> notes = new java.util.ArrayList<>();
		clipped.values().forEach(w -> notes.add(CalibrationNote.clipped(w, ranges.get(w.tensor()))));
		raised.forEach((t, r) -> notes.add(CalibrationNote.raised(t, r)));
		return notes;
	}
}
