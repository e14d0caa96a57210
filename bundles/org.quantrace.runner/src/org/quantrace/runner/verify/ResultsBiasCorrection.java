package org.quantrace.runner.verify;

import static org.quantrace.runner.verify.Figures.same;

import java.util.List;

import org.quantrace.model.trace.ModelArtifact;
import org.quantrace.model.trace.OptimizationRecord;
import org.quantrace.model.trace.TensorQuantizationRecord;
import org.quantrace.model.trace.TensorRole;
import org.quantrace.report.BiasCorrectionNote;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * A variant's biasCorrection entry in results.json against the trace, re-derived here: present exactly where the variant's
 * quantization record has the bias-correction row; the layers corrected are the bias records holding a correction, the largest
 * correction the largest magnitude among them and its layer. An entry that hides a correction, or claims one, is a mismatch.
 */
final class ResultsBiasCorrection {

	private ResultsBiasCorrection() {
	}

	static void check(String at, JsonNode variant, ModelArtifact a, List<OptimizationRecord> optimizations, List<Mismatch> found) {
		OptimizationRecord o = optimizations.stream().filter(x -> x.getOutput() == a && x.getQuantization() != null).findFirst().orElse(null);
		boolean asked = o != null && o.getQuantization().getAdditionalConfiguration().stream().anyMatch(p -> BiasCorrectionNote.KEY.equals(p.getKey()));
		JsonNode entry = variant.path("biasCorrection");
		String where = at + "biasCorrection";
		if (!asked || entry.isMissingNode()) {
			same(found, ResultsCheck.DOCUMENT, where, entry.isMissingNode() ? "absent" : "present",
					asked ? "present (the variant's int32 biases were corrected)" : "absent", TraceCheck.DOCUMENT);
			return;
		}
		int corrected = 0;
		double most = -1;
		String layer = null;
		for (TensorQuantizationRecord t : o.getQuantization().getTensors()) {
			if (t.getRole() != TensorRole.BIAS || t.getBiasCorrection().isEmpty()) {
				continue;
			}
			corrected++;
			for (Double d : t.getBiasCorrection()) {
				if (Math.abs(d) > most) {
					most = Math.abs(d);
					layer = t.getNode();
				}
			}
		}
		same(found, ResultsCheck.DOCUMENT, where + "/applied", entry.path("applied").isBoolean() ? entry.get("applied").asBoolean() : null, true, TraceCheck.DOCUMENT);
		same(found, ResultsCheck.DOCUMENT, where + "/layersCorrected", entry.path("layersCorrected").asInt(-1), corrected, TraceCheck.DOCUMENT);
		JsonNode largest = entry.path("largestAbsoluteCorrection");
		same(found, ResultsCheck.DOCUMENT, where + "/largestAbsoluteCorrection", largest.isNumber() ? largest.asDouble() : null, layer == null ? null : most,
				TraceCheck.DOCUMENT);
		JsonNode in = entry.path("largestIn");
		same(found, ResultsCheck.DOCUMENT, where + "/largestIn", in.isTextual() ? in.asText() : null, layer, TraceCheck.DOCUMENT);
	}
}
