package org.quantrace.runner.verify;

import org.quantrace.model.ModelArtifacts;
import static org.quantrace.runner.verify.Figures.same;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.quantrace.model.trace.EvaluationRecord;
import org.quantrace.model.trace.MetricValue;
import org.quantrace.model.trace.ModelArtifact;
import org.quantrace.model.trace.TraceModel;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * results.json: the inventory's hash, and per variant its file, SHA-256, size (also as the "model size"
 * metric) and parameter count against the model file; every other field against the trace (the run's name,
 * id and time; the warnings the run printed; each variant's kind, scheme, bias correction, dataset, samples, metrics, deltas, markers, latency, verdict and
 * criteria; {@code --deep} checks the metrics against a new evaluation), and the run's verdict against the
 * variants' decisions.
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
		if (e.inventorySha256() != null) { // a missing inventory is named by the folder check
			same(found, DOCUMENT, "inventory/sha256", text(root.at("/inventory/sha256")), e.inventorySha256());
		}
		same(found, DOCUMENT, "recipeSha256", text(root.get("recipeSha256")), trace.getRecipeSha256(), TraceCheck.DOCUMENT);
		same(found, DOCUMENT, "recipeFile", text(root.get("recipeFile")), trace.getRecipePath(), TraceCheck.DOCUMENT);
		same(found, DOCUMENT, "recipe", text(root.get("recipe")), trace.getRecipeName(), TraceCheck.DOCUMENT);
		same(found, DOCUMENT, "runId", text(root.get("runId")), trace.getRunId(), TraceCheck.DOCUMENT);
		same(found, DOCUMENT, "runTime", text(root.get("runTime")),
				trace.getRunTime() == null ? null : java.time.Instant.ofEpochMilli(trace.getRunTime().getTime()).toString(), TraceCheck.DOCUMENT);
		// the share of the recipe a shard or an --only run covers, which its "accepted" is of (absent for a whole run, and in a
		// shard's file from before it was written: there the comparison with the file the trace makes says an absent one)
		if (!root.path("share").isMissingNode()) {
			JsonNode shard = root.at("/share/shard");
			same(found, DOCUMENT, "share/shard", text(shard), trace.getShard() == null || trace.getShard().isEmpty() ? null : trace.getShard(),
					TraceCheck.DOCUMENT);
			List<String> only = new ArrayList<>();
			root.at("/share/onlySchemes").forEach(n -> only.add(n.asText()));
			same(found, DOCUMENT, "share/onlySchemes", String.join(", ", only), String.join(", ", trace.getOnlySchemes()), TraceCheck.DOCUMENT);
		}
		// the run's verdict, re-derived from the variants' decisions (a variant with criteria not met rejects the run)
		same(found, DOCUMENT, "accepted", root.path("accepted").isBoolean() ? root.get("accepted").asBoolean() : null,
				trace.getEvaluations().stream().noneMatch(r -> r.isSetAccepted() && !r.isAccepted()));
		verdict(root, trace, found);
		warnings(root, trace, found);
		List<String> listed = new ArrayList<>();
		// results.json of a run before scales and zero points were counted apart has quantizationParameters for no variant, and
		// each parameters figure holds both; one written since has it for every variant
		boolean apart = root.path("models").findValue("quantizationParameters") != null;
		for (JsonNode m : root.path("models")) {
			for (JsonNode v : m.path("variants")) {
				String id = m.path("name").asText() + "/" + v.path("variant").asText();
				listed.add(id);
				ModelArtifact a = trace.getArtifacts().stream().filter(x -> x.getId().equals(id)).findFirst().orElse(null);
				if (a == null) {
					found.add(new Mismatch(DOCUMENT, "models/" + id, "a variant", "the trace has no model " + id));
				} else {
					variant(e, "models/" + id + "/", v, a, apart, found);
				}
			}
		}
		same(found, DOCUMENT, "models (variants)", listed, trace.getArtifacts().stream().map(ModelArtifact::getId).toList(), TraceCheck.DOCUMENT);
	}

	/**
	 * The verdict in words (absent from a results.json written before it): accepted only where a criterion was checked and met,
	 * rejected where one failed, neither where no variant has a decision; re-derived from the variants' decisions.
	 */
	private static void verdict(JsonNode root, TraceModel trace, List<Mismatch> found) {
		if (root.path("verdict").isMissingNode()) {
			return;
		}
		String says = root.path("verdict").asText();
		boolean rejected = trace.getEvaluations().stream().anyMatch(r -> r.isSetAccepted() && !r.isAccepted());
		boolean decided = trace.getEvaluations().stream().anyMatch(r -> r.isSetAccepted());
		String derived = rejected ? "an acceptance criterion failed" : decided ? "accepted" : "neither accepted nor rejected";
		if (!says.startsWith(derived)) {
			found.add(new Mismatch(DOCUMENT, "verdict", says, derived + " (from the variants' decisions in " + TraceCheck.DOCUMENT + ")"));
		}
	}

	private static void variant(Evidence e, String at, JsonNode v, ModelArtifact a, boolean apart, List<Mismatch> found) {
		String key = ModelArtifacts.isInput(a) ? "input" : "file";
		same(found, DOCUMENT, at + key, text(v.get(key)), a.getPath(), TraceCheck.DOCUMENT);
		same(found, DOCUMENT, at + "kind", text(v.get("kind")), a.getKind().getLiteral(), TraceCheck.DOCUMENT);
		same(found, DOCUMENT, at + "scheme", text(v.get("scheme")), a.getScheme(), TraceCheck.DOCUMENT);
		ResultsBiasCorrection.check(at, v, a, e.trace().getOptimizations(), found);
		ModelFacts f = e.facts(a, DOCUMENT, found);
		if (f != null) {
			same(found, DOCUMENT, at + "sha256", text(v.get("sha256")), f.sha256());
			same(found, DOCUMENT, at + "sizeBytes", v.path("sizeBytes").asLong(-1), f.sizeBytes());
			same(found, DOCUMENT, at + "parameters", v.path("parameters").asLong(-1), apart ? f.parameters() : f.parameters() + f.quantizationParameters());
			if (apart) {
				same(found, DOCUMENT, at + "quantizationParameters", v.path("quantizationParameters").asLong(-1), f.quantizationParameters());
			}
			Map<String, Long> rewritten = RewrittenParameterCounts.expected(e, a, DOCUMENT, found);
			if (rewritten != null) {
				Map<String, Long> printed = new java.util.LinkedHashMap<>();
				v.path("parametersAddedByRewrites").fields().forEachRemaining(l -> printed.put(l.getKey(), l.getValue().asLong()));
				same(found, DOCUMENT, at + "parametersAddedByRewrites", printed, rewritten);
			}
			if (v.at("/metrics").has(MODEL_SIZE)) {
				same(found, DOCUMENT, at + "metrics/" + MODEL_SIZE, v.at("/metrics").get(MODEL_SIZE).asDouble(), (double) f.sizeBytes());
			}
		}
		EvaluationRecord r = e.trace().getEvaluations().stream().filter(x -> x.getModel() == a).findFirst().orElse(null);
		if (r == null) {
			same(found, DOCUMENT, at + "metrics", v.has("metrics") ? "metrics" : "none", "none", TraceCheck.DOCUMENT);
			return;
		}
		List<String> deltas = new ArrayList<>();
		// a value JSON cannot hold (a PSNR of outputs equal to the reference: +inf, its delta -inf) is null, its sign in notFinite
		JsonNode infinite = v.path("notFinite");
		List<String> infiniteKeys = new ArrayList<>();
		for (MetricValue m : r.getMetrics()) {
			if (!m.getName().equals(MODEL_SIZE)) { // the model size is a figure of the model file, compared with it above
				same(found, DOCUMENT, at + "metrics/" + m.getName(), number(v.at("/metrics").get(m.getName()), "metrics/" + m.getName(), infinite), m.getValue(),
						TraceCheck.DOCUMENT);
			}
			// in results.json's order, a metric's reason before its delta's: a NaN output's folder (both NaN) failed its own audit
			expectInfinite(m.getValue(), "metrics/" + m.getName(), infiniteKeys);
			if (m.isSetDelta()) {
				deltas.add(m.getName());
				same(found, DOCUMENT, at + "deltas/" + m.getName(), number(v.at("/deltas").get(m.getName()), "deltas/" + m.getName(), infinite), m.getDelta(), TraceCheck.DOCUMENT);
				expectInfinite(m.getDelta(), "deltas/" + m.getName(), infiniteKeys);
			}
			JsonNode marker = v.at("/markers").get(m.getName());
			same(found, DOCUMENT, at + "markers/" + m.getName(), text(marker), org.quantrace.report.RunSummary.symbol(m.getMarker()), TraceCheck.DOCUMENT);
		}
		same(found, DOCUMENT, at + "metrics (names)", names(v.at("/metrics")), r.getMetrics().stream().map(MetricValue::getName).toList(), TraceCheck.DOCUMENT);
		same(found, DOCUMENT, at + "deltas (names)", names(v.at("/deltas")), deltas, TraceCheck.DOCUMENT);
		same(found, DOCUMENT, at + "markers (names)", names(v.at("/markers")), r.getMetrics().stream().map(MetricValue::getName).toList(), TraceCheck.DOCUMENT);
		same(found, DOCUMENT, at + "dataset", text(v.get("dataset")), r.getDataset() == null ? null : r.getDataset().getName(), TraceCheck.DOCUMENT);
		same(found, DOCUMENT, at + "reference", text(v.get("reference")), org.quantrace.report.RunSummary.reference(r), TraceCheck.DOCUMENT);
		same(found, DOCUMENT, at + "samples", v.path("samples").asInt(-1), r.getSampleCount(), TraceCheck.DOCUMENT);
		same(found, DOCUMENT, at + "latencyMs", v.has("latencyMs") ? v.get("latencyMs").asDouble() : null, r.getLatencyMs() > 0 ? r.getLatencyMs() : null,
				TraceCheck.DOCUMENT);
		same(found, DOCUMENT, at + "accepted", v.path("accepted").isBoolean() ? v.get("accepted").asBoolean() : null, r.isSetAccepted() ? r.isAccepted() : null,
				TraceCheck.DOCUMENT);
		List<String> criteria = new ArrayList<>();
		for (JsonNode c : v.path("criteria")) {
			String path = "criteria/" + criteria.size() + "/measured";
			Double measured = c.path("measured").isNull() && infinite.has(path) ? number(c.get("measured"), path, infinite) : null;
			criteria.add(c.path("criterion").asText() + ", measured " + (measured != null ? measured.toString() : c.path("measured").asText()) + ", bound "
					+ c.path("bound").asText() + " " + c.path("unit").asText() + ", passed " + c.path("passed").asText());
		}
		for (int i = 0; i < r.getAcceptance().size(); i++) {
			double m = r.getAcceptance().get(i).getMeasured();
			if (!Double.isNaN(m)) { // NaN: not evaluated, null without a reason
				expectInfinite(m, "criteria/" + i + "/measured", infiniteKeys);
			}
		}
		same(found, DOCUMENT, at + "criteria", criteria, r.getAcceptance().stream().map(c -> c.getCriterion() + ", measured "
				+ (Double.isNaN(c.getMeasured()) ? "null" : Double.toString(c.getMeasured())) + ", bound " + c.getBound() + " " + c.getUnit() + ", passed "
				+ c.isPassed()).toList(), TraceCheck.DOCUMENT);
		// every null that stands for a value JSON has no number for is named, and nothing else is
		same(found, DOCUMENT, at + "notFinite (names)", names(infinite), infiniteKeys, TraceCheck.DOCUMENT);
	}

	private static void expectInfinite(double value, String path, List<String> keys) {
		if (!Double.isFinite(value)) {
			keys.add(path);
		}
	}

	/**
	 * A variant's number {@code n} (at {@code path}): a JSON number; null with its sign in {@code notFinite} ("+inf: ...", "-inf: ...",
	 * "nan: ..."); or, in a file written before, Jackson's strings "Infinity", "-Infinity", "NaN". Null when absent or unreadable.
	 */
	static Double number(JsonNode n, String path, JsonNode notFinite) {
		if (n == null || n.isMissingNode()) {
			return null;
		}
		if (n.isNull()) {
			String why = notFinite.path(path).asText("");
			return why.startsWith("+inf:") ? Double.POSITIVE_INFINITY : why.startsWith("-inf:") ? Double.NEGATIVE_INFINITY : why.startsWith("nan:") ? Double.NaN : null;
		}
		if (n.isNumber()) {
			return n.asDouble();
		}
		return switch (n.asText()) {
		case "Infinity" -> Double.POSITIVE_INFINITY;
		case "-Infinity" -> Double.NEGATIVE_INFINITY;
		case "NaN" -> Double.NaN;
		default -> null;
		};
	}

	/** The warnings the run printed, each with all its fields, against the trace's records (none left out, none added, the same order). */
	private static void warnings(JsonNode root, TraceModel trace, List<Mismatch> found) {
		List<String> printed = new ArrayList<>();
		for (JsonNode w : root.path("warnings")) {
			printed.add(warning(text(w.get("severity")), text(w.get("code")), text(w.get("file")), w.path("line").asInt(-1), w.path("column").asInt(-1),
					text(w.get("model")), text(w.get("dataset")), text(w.get("message"))));
		}
		same(found, DOCUMENT, "warnings", printed, trace.getWarnings().stream().map(w -> warning(w.getSeverity(), w.getCode(), w.getFile(), w.getLine(),
				w.getColumn(), w.getModel(), w.getDataset(), w.getMessage())).toList(), TraceCheck.DOCUMENT);
	}

	private static String warning(String severity, String code, String file, int line, int column, String model, String dataset, String message) {
		return file + ":" + line + ":" + column + ": " + severity + " [" + code + "]" + (model == null ? "" : " (on model " + model + ")")
				+ (dataset == null ? "" : " (on dataset " + dataset + ")") + " " + message;
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
