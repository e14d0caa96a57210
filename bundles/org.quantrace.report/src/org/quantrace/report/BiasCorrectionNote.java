package org.quantrace.report;

import org.quantrace.model.trace.OptimizationRecord;
import org.quantrace.model.trace.Parameter;

/**
 * What report.html says under a model's tables of a variant whose int32 biases were corrected by the calibration data's mean
 * error (the recipe's bias-correction): its accuracy is not that of the plain scheme, and the reader of the report should see
 * why without opening the logs. The sentence is the quantization record's additional-configuration row, which PhIMT0003 prints.
 */
public final class BiasCorrectionNote {

	/** The additional-configuration key of a quantization whose biases were corrected. */
	public static final String KEY = "bias-correction";

	private BiasCorrectionNote() {
	}

	/** "SCHEME: bias correction: yes: ...", or null when the record's scheme corrects no bias. */
	public static String sentence(OptimizationRecord o) {
		if (o.getQuantization() == null) {
			return null;
		}
		return o.getQuantization().getAdditionalConfiguration().stream().filter(p -> KEY.equals(p.getKey())).map(Parameter::getValue).findFirst()
				.map(v -> o.getScheme() + ": bias correction: " + v).orElse(null);
	}
}
