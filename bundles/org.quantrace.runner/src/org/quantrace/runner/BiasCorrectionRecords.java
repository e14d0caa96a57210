package org.quantrace.runner;

import static org.quantrace.model.TraceValues.parameter;

import java.util.Locale;

import org.quantrace.engine.quantize.BiasCorrection;
import org.quantrace.engine.quantize.QuantizationResult;
import org.quantrace.engine.quantize.QuantizationSpec;
import org.quantrace.model.trace.QuantizationRecord;
import org.quantrace.model.trace.TensorQuantizationRecord;
import org.quantrace.model.trace.TensorRole;
import org.quantrace.report.BiasCorrectionNote;

/**
 * The one place an engine result's bias corrections become trace records: each corrected bias's record holds its per-channel
 * correction (what verify re-derives the int32 codes from), and the quantization's additional configuration a row saying in
 * plain words that bias correction was applied, to how many layers, and from which calibration samples (PhIMT0003 and report.html
 * print it).
 */
final class BiasCorrectionRecords {

	private BiasCorrectionRecords() {
	}

	static void record(QuantizationResult result, QuantizationRecord r) {
		if (!result.spec().biasCorrection() || result.spec().technique() != QuantizationSpec.Technique.FULL_INTEGER) {
			return;
		}
		for (BiasCorrection.Corrected c : result.biasCorrections()) {
			for (TensorQuantizationRecord t : r.getTensors()) {
				if (t.getRole() == TensorRole.BIAS && t.getTensor().equals(c.bias()) && t.getNode().equals(c.node())) {
					for (float d : c.correction()) {
						t.getBiasCorrection().add((double) d);
					}
				}
			}
		}
		String value;
		if (result.biasCorrections().isEmpty()) {
			value = "yes, but no layer had an int32 bias of its own to correct";
		} else {
			BiasCorrection.Corrected first = result.biasCorrections().get(0);
			value = String.format(Locale.ROOT, "yes: the int32 biases of %d layers were corrected by their layer's mean output error per channel"
					+ " (quantized minus float, the layers before corrected first) over %d calibration samples of %s; the corrections are"
					+ " recorded with each bias", result.biasCorrections().size(), first.samples(), first.data());
		}
		r.getAdditionalConfiguration().add(parameter(BiasCorrectionNote.KEY, value)); // report.html says it too
	}
}
