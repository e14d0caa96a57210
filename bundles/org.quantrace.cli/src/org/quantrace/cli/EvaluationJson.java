package org.quantrace.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.quantrace.engine.evaluate.EvaluationReport;
import org.quantrace.runner.ResultsJson;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * {@code quantrace evaluate}'s JSON of an evaluation: the report's components, but only what was computed. A classification
 * has no reference, data range or nominal word; an evaluation of mse alone uses no data range (R enters psnr and ssim only):
 * those keys are left out rather than written as Jackson's {@code "NaN"} or a {@code false} nobody stated. A metric that is
 * no finite number (a psnr of outputs equal to the reference) is null, with results.json's reason under {@code notFinite}
 * ("+inf: the outputs equal the reference ..."): JSON has no infinity, and {@code "Infinity"} is a string, not a number.
 */
final class EvaluationJson {

	private EvaluationJson() {
	}

	static ObjectNode of(EvaluationReport report) {
		ObjectNode json = Json.tree(report);
		if (!report.reconstruction()) {
			json.remove("reference");
		}
		if (Double.isNaN(report.dataRange())) {
			json.remove(List.of("dataRange", "nominalRange"));
		}
		for (JsonNode variant : json.withArray("variants")) {
			ObjectNode metrics = (ObjectNode) variant.get("metrics");
			ObjectNode notFinite = metrics.objectNode();
			List<Map.Entry<String, JsonNode>> entries = new ArrayList<>();
			metrics.fields().forEachRemaining(entries::add);
			for (Map.Entry<String, JsonNode> m : entries) {
				double value = m.getValue().asDouble();
				if (m.getValue().isNumber() && !Double.isFinite(value)) {
					metrics.putNull(m.getKey());
					notFinite.put("metrics/" + m.getKey(), ResultsJson.notFiniteReason(value, "metrics/" + m.getKey(), m.getKey()));
				}
			}
			if (!notFinite.isEmpty()) {
				((ObjectNode) variant).set("notFinite", notFinite);
			}
		}
		return json;
	}
}
