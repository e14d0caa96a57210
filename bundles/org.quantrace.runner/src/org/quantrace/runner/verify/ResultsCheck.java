package org.quantrace.runner.verify;

import static org.quantrace.runner.verify.Figures.same;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

import org.quantrace.model.trace.EvaluationRecord;
import org.quantrace.model.trace.MetricValue;
import org.quantrace.model.trace.ModelArtifact;
import org.quantrace.model.trace.TraceModel;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * results.json: the inventory's hash, and per variant its file, SHA-256, size (also as the "model size"
 * metric) and parameter count against the model file, its metrics and verdict against the trace (which
 * {@code --deep} checks against a new evaluation).
 */
final class ResultsCheck implements DocumentCheck {

	static final String DOCUMENT = "results.json";
	static final String MODEL_SIZE = "model size (bytes)";

	@Override
	public void check(Evidence e, List<Mismatch> found) {
		byte[] bytes = e.required(DOCUMENT, found);
		if (bytes == null) {
			return;
		}
		JsonNode root;
		try {
			root = new ObjectMapper().readTree(bytes);
		} catch (IOException x) {
			found.add(new Mismatch(DOCUMENT, "the file", "JSON", "unreadable (" + x.getMessage() + ")"));
			return;
		}
		TraceModel trace = e.trace();
		same(found, DOCUMENT, "inventory/sha256", text(root.at("/inventory/sha256")), e.inventorySha256());
		same(found, DOCUMENT, "recipeSha256", text(root.get("recipeSha256")), trace.getRecipeSha256(), TraceCheck.DOCUMENT);
		same(found, DOCUMENT, "recipeFile", text(root.get("recipeFile")), trace.getRecipePath(), TraceCheck.DOCUMENT);
		List<String> listed = new ArrayList<>();
		for (JsonNode m : root.path("models")) {
			for (JsonNode v : m.path("variants")) {
				String id = m.path("name").asText() + "/" + v.path("variant").asText();
				listed.add(id);
				ModelArtifact a = trace.getArtifacts().stream().filter(x -> x.getId().equals(id)).findFirst().orElse(null);
				if (a == null) {
					found.add(new Mismatch(DOCUMENT, "models/" + id, "a variant", "the trace has no model " + id));
				} else {
					variant(e, "models/" + id + "/", v, a, found);
				}
			}
		}
		same(found, DOCUMENT, "models (variants)", listed, trace.getArtifacts().stream().map(ModelArtifact::getId).toList(), TraceCheck.DOCUMENT);
	}

	private static void variant(Evidence e, String at, JsonNode v, ModelArtifact a, List<Mismatch> found) {
		String key = a.getKind() == org.quantrace.model.trace.ArtifactKind.ORIGINAL ? "input" : "file";
		same(found, DOCUMENT, at + key, text(v.get(key)), a.getPath(), TraceCheck.DOCUMENT);
		ModelFacts f = e.facts(a, DOCUMENT, found);
		if (f != null) {
			same(found, DOCUMENT, at + "sha256", text(v.get("sha256")), f.sha256());
			same(found, DOCUMENT, at + "sizeBytes", v.path("sizeBytes").asLong(-1), f.sizeBytes());
			same(found, DOCUMENT, at + "parameters", v.path("parameters").asLong(-1), f.parameters());
			if (v.at("/metrics").has(MODEL_SIZE)) {
				same(found, DOCUMENT, at + "metrics/" + MODEL_SIZE, v.at("/metrics").get(MODEL_SIZE).asDouble(), (double) f.sizeBytes());
			}
		}
		EvaluationRecord r = e.trace().getEvaluations().stream().filter(x -> x.getModel() == a).findFirst().orElse(null);
		if (r == null) {
			same(found, DOCUMENT, at + "metrics", v.has("metrics") ? "metrics" : "none", "none", TraceCheck.DOCUMENT);
			return;
		}
		for (MetricValue m : r.getMetrics()) {
			if (m.getName().equals(MODEL_SIZE)) {
				continue; // a figure of the model file, compared with it above
			}
			JsonNode value = v.at("/metrics").get(m.getName());
			same(found, DOCUMENT, at + "metrics/" + m.getName(), value == null ? null : value.asDouble(), m.getValue(), TraceCheck.DOCUMENT);
		}
		same(found, DOCUMENT, at + "metrics (names)", names(v.at("/metrics")), r.getMetrics().stream().map(MetricValue::getName).toList(), TraceCheck.DOCUMENT);
		same(found, DOCUMENT, at + "samples", v.path("samples").asInt(-1), r.getSampleCount(), TraceCheck.DOCUMENT);
		if (r.isSetAccepted()) {
			same(found, DOCUMENT, at + "accepted", v.path("accepted").asBoolean(!r.isAccepted()), r.isAccepted(), TraceCheck.DOCUMENT);
		}
	}

	private static List<String> names(JsonNode object) {
		List<String> n = new ArrayList<>();
		object.fieldNames().forEachRemaining(n::add);
		return n;
	}

	private static String text(JsonNode n) {
		return n == null || n.isNull() ? null : n.asText();
	}
}
