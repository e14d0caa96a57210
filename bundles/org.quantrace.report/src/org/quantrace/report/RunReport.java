package org.quantrace.report;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

import org.quantrace.engine.evaluate.Metrics;
import org.quantrace.model.ModelArtifacts;
import org.quantrace.model.recipe.DebugMetric;
import org.quantrace.model.trace.AcceptanceResult;
import org.quantrace.model.trace.DatasetRecord;
import org.quantrace.model.trace.DebugMode;
import org.quantrace.model.trace.DebugRecord;
import org.quantrace.model.trace.EvaluationRecord;
import org.quantrace.model.trace.LayerDebugRecord;
import org.quantrace.model.trace.MetricValue;
import org.quantrace.model.trace.ModelArtifact;
import org.quantrace.model.trace.OptimizationRecord;
import org.quantrace.model.trace.TensorTypeCount;
import org.quantrace.model.trace.TraceModel;

/**
 * report.html, one self-contained page a person reads first: the verdict, the AI-FSM logs, the lineage
 * diagram (its boxes open the matching log sections), the results deck's tables and their charts
 * (metrics per scheme, accuracy per model and scheme), the tensor inventories, and the quantization
 * debugger's charts laid out in a grid beside the deck's layer index table.
 */
public final class RunReport {

	private static final String STYLE = ".charts{display:grid;grid-template-columns:repeat(auto-fill,minmax(600px,1fr));gap:1em;align-items:start}"
			+ ".debug{display:grid;grid-template-columns:minmax(18em,26em) 1fr;gap:1.5em;align-items:start}"
			+ ".debug .charts{grid-template-columns:repeat(auto-fill,minmax(360px,1fr))}.layer-index{font-size:.85em}"
			+ ".legend{display:flex;flex-wrap:wrap;gap:1.5em;font-size:.9em;margin:.4em 0}.legend span{display:inline-flex;align-items:center;gap:.4em}"
			+ ".lineage-box{overflow-x:auto;border:1px solid #ddd;padding:.5em}nav a{margin-right:.8em}svg{max-width:100%;height:auto}";

	private RunReport() {
	}

	public static Path write(TraceModel trace, Path outputRoot, Path file) {
		try {
			Files.createDirectories(file.getParent());
			Files.writeString(file, render(trace, outputRoot), StandardCharsets.UTF_8);
		} catch (IOException e) {
			throw new UncheckedIOException(e);
		}
		return file;
	}

	/** Green only for an acceptance: a run without criteria was shown green too, "neither accepted nor rejected" in the ok colour. */
	private static String verdictClass(boolean accepted, String verdict) {
		return !accepted ? "failed" : verdict.startsWith("accepted") ? "ok" : "undecided";
	}

	/** The report {@link #write} writes: made from the trace and the names of the logs under {@code outputRoot}, for verify to make again. */
	public static String render(TraceModel trace, Path outputRoot) {
		StringBuilder s = new StringBuilder("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Quantrace run: ")
				.append(Html.esc(trace.getRecipeName())).append("</title><style>").append(Html.STYLE).append(STYLE).append("</style></head><body>\n");
		boolean accepted = RunSummary.accepted(trace);
		String verdict = RunSummary.reportVerdict(trace);
		s.append("<h1 id=\"top\">").append(Html.esc(trace.getRecipeName())).append("</h1>\n<p>Run ").append(Html.esc(trace.getRunId())).append(", ")
				.append(Instant.ofEpochMilli(trace.getRunTime().getTime())).append(", recipe ").append(Html.esc(trace.getRecipePath()))
				.append(trace.getRecipeSha256() == null ? "" : " (SHA-256 " + trace.getRecipeSha256().substring(0, 12) + "…)").append(": <span class=\"")
				.append(verdictClass(accepted, verdict)).append("\">").append(verdict).append("</span></p>\n");
		String share = RunSummary.share(trace);
		if (share != null) { // a shard's or an --only run's verdict is not the recipe's
			s.append("<p class=\"share\">").append(Html.esc(share)).append("</p>\n");
		}
		if (!trace.getWarnings().isEmpty()) { // what the run printed and went on after, as printed
			s.append("<p>The run printed ").append(trace.getWarnings().size() == 1 ? "a warning" : trace.getWarnings().size() + " warnings")
					.append(" before its work:</p>\n<ul class=\"warnings\">\n");
			trace.getWarnings().forEach(w -> s.append("<li>").append(Html.esc(RunWarnings.line(w))).append("</li>\n"));
			s.append("</ul>\n");
		}
		s.append("<nav><a href=\"#lineage\">Lineage</a><a href=\"#results\">Results</a>");
		for (String model : RunSummary.models(trace)) {
			s.append("<a href=\"#model-").append(LogValues.slug(model)).append("\">").append(Html.esc(model)).append("</a>");
		}
		s.append("<a href=\"#data\">Data</a></nav>\n");
		s.append(logLinks(outputRoot));
		s.append("<h2 id=\"lineage\">Lineage</h2>\n<p>Datasets, models and the steps between them; click a step or a model for its AI-FSM log table.</p>\n")
				.append(LineageDiagram.legend()).append("<div class=\"lineage-box\">").append(LineageDiagram.svg(trace)).append("</div>\n");
		s.append("<h2 id=\"results\">Results</h2>\n").append(overview(trace));
		for (String model : RunSummary.models(trace)) {
			s.append("<h2 id=\"model-").append(LogValues.slug(model)).append("\">").append(Html.esc(model)).append("</h2>\n");
			s.append(source(trace, model));
			s.append(results(trace, model));
			s.append(inventory(trace, model));
			for (ModelArtifact a : ArrivedQuantizedLog.asIs(trace, model)) { // a model that arrived quantized: where its layers compute
				s.append("<p class=\"arrived-quantized\">").append(Html.esc(ArrivedQuantizedLog.reportSentence(a))).append("</p>\n");
			}
			for (OptimizationRecord o : trace.getOptimizations()) { // whether evaluated or not: results.json gives every variant's count
				String counted = o.getInput() != null && RunSummary.model(o.getInput()).equals(model) ? RewrittenParameters.sentence(o) : null;
				if (counted != null) {
					s.append("<p class=\"rewritten-parameters\">").append(Html.esc(counted)).append("</p>\n");
				}
				String corrected = o.getInput() != null && RunSummary.model(o.getInput()).equals(model) ? BiasCorrectionNote.sentence(o) : null;
				if (corrected != null) {
					s.append("<p class=\"bias-correction\">").append(Html.esc(corrected)).append("</p>\n");
				}
			}
			for (DebugRecord d : trace.getDebugRecords()) {
				if (d.getId().startsWith(model + "/")) {
					s.append(debugger(d));
				}
			}
		}
		s.append(data(trace));
		s.append(evidenceScope());
		s.append("</body></html>\n");
		return s.toString();
	}

	/** Anchor of a variant's row in the results table. */
	static String variantAnchor(ModelArtifact a) {
		return "variant-" + LogValues.slug(RunSummary.model(a)) + "-" + LogValues.slug(a.getName());
	}

	static String debugAnchor(DebugRecord d) {
		return "debug-" + LogValues.slug(d.getId());
	}

	private static String logLinks(Path root) {
		Path logs = root.resolve("logs");
		if (!Files.isDirectory(logs)) {
			return "";
		}
		try (var files = Files.list(logs)) {
			List<String> names = files.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".html")).map(n -> n.substring(0, n.length() - 5)).sorted()
					.toList();
			StringBuilder s = new StringBuilder("<p>AI-FSM logs:</p><ul>");
			for (String n : names) {
				s.append("<li><a href=\"logs/").append(n).append(".html\">").append(n).append("</a> (also <a href=\"logs/").append(n).append(".pdf\">PDF</a>, <a href=\"logs/")
						.append(n).append(".docx\">DOCX</a>, <a href=\"logs/").append(n).append(".md\">Markdown</a>)</li>");
			}
			return s.append("</ul>\n").toString();
		} catch (IOException e) {
			throw new UncheckedIOException(e);
		}
	}

	/** The deck's headline: the first metric (accuracy) of every model and scheme in one chart. */
	private static String overview(TraceModel trace) {
		List<Charts.Bar> bars = new ArrayList<>();
		String metric = null;
		for (String model : RunSummary.models(trace)) {
			for (EvaluationRecord e : Verdicts.evaluations(trace, model)) {
				if (e.getMetrics().isEmpty()) {
					continue;
				}
				MetricValue v = e.getMetrics().get(0);
				metric = v.getName();
				bars.add(new Charts.Bar(e.getModel().getName(), model, v.getValue()));
			}
		}
		if (bars.isEmpty()) {
			return "<p>Not evaluated (the recipe has no evaluate step).</p>\n";
		}
		return "<div class=\"charts\">" + Charts.bars("chart-overview", metric + " per model and scheme", metric, bars, 0.5, 900, 320) + "</div>\n";
	}

	/** The deck's table (a row per variant, the task's metrics with markers, size, parameters, latency, verdict) and its chart. */
	private static String results(TraceModel trace, String model) {
		List<EvaluationRecord> evaluations = Verdicts.evaluations(trace, model);
		if (evaluations.isEmpty()) {
			return "<p>Not evaluated (the recipe has no evaluate step).</p>\n";
		}
		Set<String> names = new LinkedHashSet<>();
		evaluations.get(0).getMetrics().forEach(m -> names.add(m.getName()));
		List<String> columns = Metrics.deckColumns(names);
		EvaluationRecord first = evaluations.get(0);
		StringBuilder s = new StringBuilder("<table><caption>On ").append(Html.esc(first.getDataset() == null ? "" : first.getDataset().getName()))
				.append(", ").append(first.getSampleCount())
				.append(" samples; ").append(Html.esc(RunSummary.against(first)).replace("↑", "&uarr;").replace("↓", "&darr;")).append("</caption><tr><th>variant</th>");
		columns.forEach(c -> s.append("<th>").append(Html.esc(c)).append("</th>"));
		s.append("<th>size (bytes)</th><th>parameters</th><th>ms/sample</th><th>acceptance</th></tr>\n");
		List<Charts.Bar> bars = new ArrayList<>();
		for (EvaluationRecord e : evaluations) {
			ModelArtifact a = e.getModel();
			s.append("<tr id=\"").append(variantAnchor(a)).append("\"><td>").append(Html.esc(a.getName())).append("</td>");
			for (String c : columns) {
				MetricValue v = e.getMetrics().stream().filter(m -> m.getName().equals(c)).findFirst().orElse(null);
				s.append("<td class=\"num\">").append(v == null ? "" : Metrics.text(c, v.getValue(), 4) + marker(v)).append("</td>");
				// fractions only: a loss, an MSE or a PSNR in dB (+inf against itself) on their own scales
				if (v != null && !c.equals(Metrics.HAMMING_LOSS) && (!Metrics.reconstruction(c) || Metrics.isSsim(c))) {
					bars.add(new Charts.Bar(a.getName(), c, v.getValue()));
				}
			}
			s.append(String.format(Locale.ROOT, "<td class=\"num\">%,d</td><td class=\"num\">%,d</td><td class=\"num\">%s</td><td>%s</td></tr>%n",
					a.getSizeBytes(), a.getParameterCount(), e.getLatencyMs() > 0 ? String.format(Locale.ROOT, "%.4f", e.getLatencyMs()) : "",
					acceptance(e)));
		}
		s.append("</table>\n");
		for (ModelArtifact a : RunSummary.artifacts(trace, model)) {
			if (RunSummary.evaluation(trace, a) == null) { // not evaluated (e.g. no evaluate step for it): still a row to land on
				s.append("<p id=\"").append(variantAnchor(a)).append("\">").append(Html.esc(a.getName())).append(": not evaluated.</p>\n");
			}
		}
		if (!bars.isEmpty()) {
			s.append("<div class=\"charts\">")
					.append(Charts.bars("chart-metrics-" + LogValues.slug(model), "Metrics per scheme: " + model, "value", bars, 0.5, 900, 360)).append("</div>\n");
		}
		for (OptimizationRecord o : trace.getOptimizations()) {
			if (RunSummary.model(o.getInput()).equals(model) && o.getRecovery() != null && o.getRecovery().getPartialQuantization() != null) {
				s.append("<p>Accuracy recovery of ").append(Html.esc(o.getScheme())).append(": ").append(Html.esc(o.getRecovery().getPartialQuantization()))
						.append("</p>\n");
			}
		}
		return s.toString();
	}

	private static String marker(MetricValue v) {
		String symbol = RunSummary.symbol(v.getMarker());
		return symbol.isEmpty() ? "" : "<span class=\"" + v.getMarker().getLiteral() + "\">" + symbol + "</span>";
	}

	private static String acceptance(EvaluationRecord e) {
		if (!e.isSetAccepted()) {
			return "";
		}
		StringBuilder s = new StringBuilder("<span class=\"").append(e.isAccepted() ? "ok\">accepted" : "failed\">rejected").append("</span>");
		for (AcceptanceResult r : e.getAcceptance()) {
			s.append("<br>").append(Html.esc(r.getCriterion())).append(": ").append(Html.esc(Verdicts.measured(r))).append(r.isPassed() ? " &#10003;" : " &#10007;");
		}
		return s.toString();
	}

	/**
	 * Which tensors became integer, per variant: the deck's "why are DRQ and unquantized almost identical". The
	 * second count is every tensor the file stores (initializers and Constants: weights and biases, but also
	 * scales, zero points and shapes), not the weights the logs count per tensor class: headed "weights", it
	 * contradicted the optimization log (fiq_float32: 8 int8 stored tensors, 4 of them int8 weights).
	 */
	/** What verify does with each kind of figure above ({@link EvidenceScope}), as the logs' Evidence section says it. */
	private static String evidenceScope() {
		StringBuilder s = new StringBuilder("<h2 id=\"evidence\">Evidence: what quantrace verify re-derives</h2>\n<dl class=\"evidence-scope\">\n");
		for (EvidenceScope.Kind k : EvidenceScope.Kind.values()) {
			s.append("<dt>").append(Html.esc(k.heading())).append("</dt><dd>").append(Html.esc(EvidenceScope.line(k))).append("</dd>\n");
		}
		return s.append("</dl>\n").toString();
	}

	private static String inventory(TraceModel trace, String model) {
		List<ModelArtifact> artifacts = RunSummary.artifacts(trace, model);
		Set<String> types = new LinkedHashSet<>();
		artifacts.forEach(a -> a.getInventory().forEach(t -> types.add(t.getElementType())));
		StringBuilder s = new StringBuilder("<table><caption>Tensors by element type (all / stored in the file: weights, biases, scales, zero points and other constants)</caption><tr><th>variant</th>");
		types.forEach(t -> s.append("<th>").append(Html.esc(UntypedValues.heading(t))).append("</th>"));
		s.append("</tr>\n");
		for (ModelArtifact a : artifacts) {
			s.append("<tr><td>").append(Html.esc(a.getName())).append("</td>");
			for (String type : types) {
				TensorTypeCount c = a.getInventory().stream().filter(t -> t.getElementType().equals(type)).findFirst().orElse(null);
				s.append("<td class=\"num\">").append(c == null ? "0 / 0" : c.getTensors() + " / " + c.getWeights()).append("</td>");
			}
			s.append("</tr>\n");
		}
		s.append("</table>\n");
		if (types.contains(UntypedValues.TYPE)) {
			s.append("<p class=\"untyped-values\">").append(Html.esc(UntypedValues.HEADING + ": " + UntypedValues.MEANING + ".")).append("</p>\n");
		}
		return s.toString();
	}

	/** The debugger of one scheme: the deck's layer index table beside its charts, in a grid. */
	private static String debugger(DebugRecord d) {
		String anchor = debugAnchor(d);
		StringBuilder s = new StringBuilder("<h3 id=\"").append(anchor).append("\">Quantization debugger: ").append(Html.esc(d.getName())).append("</h3>\n<p>")
				.append(d.getSampleCount()).append(" samples, flagged when ").append(Html.esc(d.getMetric().getLiteral())).append(" passes ")
				.append(LogValues.brief(d.getThreshold())).append("; flagged on its own (a candidate to leave in float): ");
		List<String> flagged = d.getLayers().stream().filter(l -> l.isFlagged() && l.getMode() == DebugMode.ISOLATED && !l.isClippedAtCalibration())
				.map(LayerDebugRecord::getNode).distinct().toList();
		List<String> clipped = d.getLayers().stream().filter(l -> l.isFlagged() && l.getMode() == DebugMode.ISOLATED && l.isClippedAtCalibration())
				.map(LayerDebugRecord::getTensor).distinct().toList();
		List<String> accumulated = d.getLayers().stream().filter(l -> l.isFlagged() && l.getMode() == DebugMode.ACCUMULATED)
				.map(l -> DebugCharts.label(l.getLayerIndex(), l.getOpType())).distinct().toList();
		s.append(flagged.isEmpty() ? "none" : Html.esc(String.join(", ", flagged)))
				.append(clipped.isEmpty() ? "" : "; " + Html.esc(DebugCharts.CLIPPED + String.join(", ", clipped))).append("; accumulated error beyond it: ")
				.append(accumulated.isEmpty() ? "none" : Html.esc(String.join(", ", accumulated))).append(". <a href=\"").append(Html.esc(d.getCsvPath()))
				.append("\">debug.csv</a></p>\n").append(DebugLeftOut.sentence(d) == null ? "" : "<p>" + Html.esc(DebugLeftOut.sentence(d)) + "</p>\n")
				.append("<div class=\"debug\"><div class=\"layer-index\"><table><caption>Layer index</caption><tr><th>index</th><th>op</th><th>node</th></tr>");
		Map<Integer, LayerDebugRecord> byIndex = new LinkedHashMap<>();
		d.getLayers().forEach(l -> byIndex.putIfAbsent(l.getLayerIndex(), l));
		byIndex.values().forEach(l -> s.append("<tr").append(l.isFlagged() ? " class=\"failed\"" : "").append("><td class=\"num\">").append(l.getLayerIndex())
				.append("</td><td>").append(Html.esc(l.getOpType())).append("</td><td>").append(Html.esc(l.getNode())).append("</td></tr>"));
		s.append("</table></div><div class=\"charts\">");
		int n = 0;
		for (DebugMetric m : List.of(DebugMetric.RMSE_OVER_SCALE, DebugMetric.SQNR, DebugMetric.COSINE, DebugMetric.MEAN_SQUARED_ERROR,
				DebugMetric.MAX_ABS_ERROR, DebugMetric.MEAN_ERROR)) {
			Double threshold = d.getMetric() == m ? d.getThreshold() : null;
			s.append(DebugCharts.svg(anchor + "-chart-" + n++, DebugCharts.title(m) + " per layer", m, DebugCharts.points(d, m), threshold, 520, 340));
		}
		return s.append("</div></div>\n").toString();
	}

	/** Where a model's original came from: the input as the recipe names it, relative to the recipe's folder. */
	private static String source(TraceModel trace, String model) {
		List<ModelArtifact> artifacts = RunSummary.artifacts(trace, model);
		ModelArtifact original = artifacts.stream().filter(ModelArtifacts::isInput).findFirst().orElse(null);
		return original == null ? "" : "<p>Original model: " + Html.esc(original.getPath()) + " (relative to the recipe's folder), SHA-256 "
				+ Html.esc(original.getSha256()) + "</p>\n";
	}

	/** The datasets: what each is, so that the lineage's data boxes land somewhere. */
	private static String data(TraceModel trace) {
		StringBuilder s = new StringBuilder("<h2 id=\"data\">Data</h2>\n<table><tr><th>dataset</th><th>source (relative to the recipe's folder)</th><th>role</th><th>samples</th><th>preprocessing</th><th>manifest</th></tr>\n");
		for (DatasetRecord d : trace.getDatasets()) {
			s.append("<tr id=\"dataset-").append(LogValues.slug(d.getName())).append("\"><td>").append(Html.esc(d.getName())).append("</td><td>")
					.append(Html.esc(d.getPath())).append("</td><td>").append(d.getRole() == null ? "" : d.getRole().getLiteral()).append("</td><td class=\"num\">").append(d.getSampleCount()).append("</td><td>")
					.append(Html.esc(d.getPreprocessing())).append("</td><td>")
					.append(d.getManifestPath() == null ? "" : "<a href=\"" + Html.esc(d.getManifestPath()) + "\">" + Html.esc(d.getManifestPath()) + "</a>")
					.append("</td></tr>\n");
		}
		return s.append("</table>\n").toString();
	}
}
