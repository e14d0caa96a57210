package org.quantrace.runner;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.quantrace.model.ModelArtifacts;
import org.quantrace.model.trace.AcceptanceResult;
import org.quantrace.model.trace.EvaluationRecord;
import org.quantrace.model.trace.MetricValue;
import org.quantrace.model.trace.ModelArtifact;
import org.quantrace.model.trace.QuantizationRecord;
import org.quantrace.model.trace.RunWarning;
import org.quantrace.model.trace.TensorQuantizationRecord;
import org.quantrace.model.trace.TensorRole;
import org.quantrace.model.trace.TraceModel;
import org.quantrace.report.BiasCorrectionNote;
import org.quantrace.report.RunSummary;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

/**
 * results.json: the recipe, the inventory's hash, the warnings the run printed before its work, then per model, per variant, the file (for the original: the input
 * as the recipe names it, relative to the recipe's folder) and its hash, size, parameters,
 * what bias correction did to it (only where its scheme asked for it), every metric with its change against the original and
 * the deck's marker, latency (unless the run was
 * reproducible), and the acceptance criteria with what was measured. Keys keep the run's order, so the file is the same on
 * every run of the same recipe.
 */
public final class ResultsJson {

	private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

	private ResultsJson() {
	}

	static String of(TraceModel trace) {
		Map<String, Object> root = new LinkedHashMap<>();
		root.put("recipe", trace.getRecipeName());
		root.put("recipeFile", trace.getRecipePath()); // inputs are named relative to the recipe's folder
		root.put("recipeSha256", trace.getRecipeSha256());
		root.put("runId", trace.getRunId());
		// the build that wrote the run (the version alone names several builds); absent from a trace written before it was recorded
		if (trace.getEnvironment() != null && trace.getEnvironment().getBuild() != null) {
			root.put("build", trace.getEnvironment().getBuild());
		}
		root.put("runTime", Instant.ofEpochMilli(trace.getRunTime().getTime()).toString());
		root.put("accepted", RunSummary.accepted(trace)); // no variant failed a criterion: true without any criterion too
		root.put("verdict", RunSummary.reportVerdict(trace)); // in words, as report.html's first line: whether any criterion was checked
		String share = RunSummary.share(trace);
		if (share != null) { // "accepted" of a shard or an --only run is of that share only (the whole run's file is as before)
			Map<String, Object> covers = new LinkedHashMap<>();
			covers.put("shard", trace.getShard() == null || trace.getShard().isEmpty() ? null : trace.getShard());
			covers.put("onlySchemes", List.copyOf(trace.getOnlySchemes()));
			covers.put("says", share);
			root.put("share", covers);
		}
		Map<String, Object> inventory = new LinkedHashMap<>(); // what verify checks the folder against; this file cannot be in it
		inventory.put("file", Outputs.INVENTORY);
		inventory.put("sha256", trace.getInventorySha256());
		root.put("inventory", inventory);
		root.put("warnings", warnings(trace)); // what the run printed and went on after; [] when it printed none
		List<Map<String, Object>> models = new ArrayList<>();
		for (String model : RunSummary.models(trace)) {
			Map<String, Object> m = new LinkedHashMap<>();
			m.put("name", model);
			List<Map<String, Object>> variants = new ArrayList<>();
			for (ModelArtifact a : RunSummary.artifacts(trace, model)) {
				variants.add(variant(trace, a));
			}
			m.put("variants", variants);
			models.add(m);
		}
		root.put("models", models);
		try {
			return JSON.writeValueAsString(root) + "\n";
		} catch (JsonProcessingException e) {
			throw new IllegalStateException(e);
		}
	}

	/** The run's warnings as the trace records them, in the order printed: code, recipe file, line, column, model or dataset, message. */
	static List<Map<String, Object>> warnings(TraceModel trace) {
		List<Map<String, Object>> list = new ArrayList<>();
		for (RunWarning w : trace.getWarnings()) {
			Map<String, Object> m = new LinkedHashMap<>();
			m.put("severity", w.getSeverity());
			m.put("code", w.getCode());
			m.put("file", w.getFile());
			m.put("line", w.getLine());
			m.put("column", w.getColumn());
			if (w.getModel() != null) {
				m.put("model", w.getModel());
			}
			if (w.getDataset() != null) {
				m.put("dataset", w.getDataset());
			}
			m.put("message", w.getMessage());
			list.add(m);
		}
		return list;
	}

	private static Map<String, Object> variant(TraceModel trace, ModelArtifact a) {
		Map<String, Object> v = new LinkedHashMap<>();
		v.put("variant", a.getName());
		v.put("kind", a.getKind().getLiteral());
		if (a.getScheme() != null) {
			v.put("scheme", a.getScheme());
		}
		// a model the run wrote, relative to this folder; the original, an input, relative to the recipe's folder
		v.put(ModelArtifacts.isInput(a) ? "input" : "file", a.getPath());
		v.put("sha256", a.getSha256());
		v.put("sizeBytes", a.getSizeBytes());
		v.put("parameters", a.getParameterCount()); // weights and biases, quantized or not: the float model's count but for rewritten layers
		trace.getOptimizations().stream().filter(o -> o.getOutput() == a).map(org.quantrace.report.RewrittenParameters::byLayer).filter(m -> !m.isEmpty())
				.findFirst().ifPresent(m -> v.put("parametersAddedByRewrites", m)); // per float layer, what the rewrites store beyond it
		v.put("quantizationParameters", a.getQuantizationParameterCount()); // the scales and zero points quantization added
		trace.getOptimizations().stream().filter(o -> o.getOutput() == a && o.getQuantization() != null).findFirst().map(o -> biasCorrection(o.getQuantization()))
				.ifPresent(b -> v.put("biasCorrection", b)); // its metrics are not the plain scheme's: say so where the figures are read
		EvaluationRecord e = RunSummary.evaluation(trace, a);
		if (e != null) {
			Map<String, Object> metrics = new LinkedHashMap<>();
			Map<String, Object> deltas = new LinkedHashMap<>();
			Map<String, Object> markers = new LinkedHashMap<>();
			Map<String, Object> notFinite = new LinkedHashMap<>(); // JSON has no infinity: such a value is null, and here why
			for (MetricValue mv : e.getMetrics()) {
				metrics.put(mv.getName(), finite(mv.getValue(), "metrics/" + mv.getName(), mv.getName(), notFinite));
				if (mv.isSetDelta()) {
					deltas.put(mv.getName(), finite(mv.getDelta(), "deltas/" + mv.getName(), mv.getName(), notFinite));
				}
				markers.put(mv.getName(), RunSummary.symbol(mv.getMarker()));
			}
			v.put("dataset", e.getDataset() == null ? null : e.getDataset().getName());
			v.put("samples", e.getSampleCount());
			if (RunSummary.reference(e) != null) { // outputs measured against something: the targets or the original's outputs
				v.put("reference", RunSummary.reference(e));
			}
			v.put("metrics", metrics);
			v.put("deltas", deltas);
			v.put("markers", markers);
			if (e.getLatencyMs() > 0) {
				v.put("latencyMs", e.getLatencyMs());
			}
			if (e.isSetAccepted()) {
				v.put("accepted", e.isAccepted());
				List<Map<String, Object>> criteria = new ArrayList<>();
				for (AcceptanceResult r : e.getAcceptance()) {
					Map<String, Object> c = new LinkedHashMap<>();
					c.put("criterion", r.getCriterion());
					// null: not evaluated (NaN), or infinite (notFinite says which: a PSNR of outputs equal to the reference)
					c.put("measured", Double.isNaN(r.getMeasured()) ? null
							: finite(r.getMeasured(), "criteria/" + criteria.size() + "/measured", r.getCriterion(), notFinite));
					c.put("bound", r.getBound());
					c.put("unit", r.getUnit());
					c.put("passed", r.isPassed());
					criteria.add(c);
				}
				v.put("criteria", criteria);
			}
			if (!notFinite.isEmpty()) {
				v.put("notFinite", notFinite);
			}
		}
		return v;
	}

	/**
	 * What bias correction did to a quantized variant, from the trace's records (null when its scheme did not ask for it): applied,
	 * the number of biases with a recorded per-channel correction, and the correction of largest magnitude (its absolute value,
	 * and the layer) or null when no layer had an int32 bias of its own to correct.
	 */
	private static Map<String, Object> biasCorrection(QuantizationRecord q) {
		if (q.getAdditionalConfiguration().stream().noneMatch(p -> BiasCorrectionNote.KEY.equals(p.getKey()))) {
			return null;
		}
		int layers = 0;
		Double largest = null;
		String in = null;
		for (TensorQuantizationRecord t : q.getTensors()) {
			if (t.getRole() == TensorRole.BIAS && !t.getBiasCorrection().isEmpty()) {
				layers++;
				for (double d : t.getBiasCorrection()) {
					if (largest == null || Math.abs(d) > largest) {
						largest = Math.abs(d);
						in = t.getNode();
					}
				}
			}
		}
		Map<String, Object> b = new LinkedHashMap<>();
		b.put("applied", true);
		b.put("layersCorrected", layers);
		b.put("largestAbsoluteCorrection", largest);
		b.put("largestIn", in);
		return b;
	}

	/**
	 * {@code value}, or null when it is no finite number (JSON has none: Jackson's {@code "Infinity"} is a string a reader's
	 * float parse may refuse), with the reason put in {@code notFinite} under {@code path}: {@code "+inf: ..."}, {@code "-inf: ..."},
	 * {@code "nan: ..."}, the first word the value's sign, which verify reads back.
	 */
	static Double finite(double value, String path, String metric, Map<String, Object> notFinite) {
		if (Double.isFinite(value)) {
			return value;
		}
		notFinite.put(path, notFiniteReason(value, path, metric));
		return null;
	}

	/**
	 * Why a value at {@code path} ("metrics/NAME", "deltas/NAME", "criteria/I/measured") is no finite number, its first word its
	 * sign ("+inf: ", "-inf: ", "nan: "): results.json's and evaluate's JSON alike, where the value is written null.
	 */
	public static String notFiniteReason(double value, String path, String metric) {
		String sign = Double.isNaN(value) ? "nan" : value > 0 ? "+inf" : "-inf";
		boolean psnr = metric != null && metric.startsWith("psnr");
		String why;
		if (path.startsWith("deltas/")) {
			why = psnr && value < 0 ? "this variant's finite psnr minus the original's +inf (the original's outputs are the reference)"
					: psnr && value > 0 ? "this variant's psnr is +inf (its outputs equal the reference), the original's finite" : "no finite difference";
		} else if (psnr && value > 0) {
			why = "the outputs equal the reference (mse 0): 10 log10(R²/0)";
		} else {
			why = "no finite value";
		}
		return sign + ": " + why;
	}
}
