package org.quantrace.report;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Stream;

import org.quantrace.engine.evaluate.Metrics;
import org.quantrace.model.trace.AcceptanceResult;
import org.quantrace.model.trace.DebugRecord;
import org.quantrace.model.trace.EvaluationRecord;
import org.quantrace.model.trace.MetricValue;
import org.quantrace.model.trace.ModelArtifact;
import org.quantrace.model.trace.OptimizationRecord;
import org.quantrace.model.trace.TensorTypeCount;
import org.quantrace.model.trace.TraceModel;

/**
 * report.html, one self-contained page: per model the results deck's table (variants x metrics with
 * ↑↓~ against the original, size, verdict), the tensor inventories, the debugger charts, and the lineage
 * diagram of the whole run whose boxes open the matching log sections.
 */
public final class RunReport {

	private RunReport() {
	}

	public static Path write(TraceModel trace, Path outputRoot, Path file) {
		StringBuilder s = new StringBuilder("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Quantrace run: ")
				.append(Html.esc(trace.getRecipeName())).append("</title><style>").append(Html.STYLE).append("</style></head><body>\n");
		boolean accepted = RunSummary.accepted(trace);
		s.append("<h1>").append(Html.esc(trace.getRecipeName())).append("</h1>\n<p>Run ").append(Html.esc(trace.getRunId())).append(", ")
				.append(Instant.ofEpochMilli(trace.getRunTime().getTime())).append(", recipe ").append(Html.esc(trace.getRecipePath()))
				.append(": <span class=\"").append(accepted ? "ok\">all variants accepted" : "failed\">an acceptance criterion failed").append("</span></p>\n");
		s.append(logLinks(outputRoot));
		s.append("<h2>Lineage</h2>\n<p>Datasets, models and the steps between them; click a step or a model for its AI-FSM log.</p>\n")
				.append(LineageDiagram.svg(trace));
		for (String model : RunSummary.models(trace)) {
			s.append("<h2>").append(Html.esc(model)).append("</h2>\n");
			s.append(results(trace, model));
			s.append(inventory(trace, model));
			for (DebugRecord d : trace.getDebugRecords()) {
				if (d.getId().startsWith(model + "/")) {
					s.append(debugger(d, outputRoot));
				}
			}
		}
		s.append("</body></html>\n");
		try {
			Files.createDirectories(file.getParent());
			Files.writeString(file, s.toString(), StandardCharsets.UTF_8);
		} catch (IOException e) {
			throw new UncheckedIOException(e);
		}
		return file;
	}

	private static String logLinks(Path root) {
		Path logs = root.resolve("logs");
		if (!Files.isDirectory(logs)) {
			return "";
		}
		try (Stream<Path> files = Files.list(logs)) {
			List<String> html = files.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".html")).sorted().toList();
			StringBuilder s = new StringBuilder("<p>AI-FSM logs:");
			html.forEach(n -> s.append(" <a href=\"logs/").append(n).append("\">").append(n.replace(".html", "")).append("</a>"));
			return s.append(" (also as .md and .docx)</p>\n").toString();
		} catch (IOException e) {
			throw new UncheckedIOException(e);
		}
	}

	/** The deck's table: a row per variant, the task's metrics with markers, size, parameters, latency, verdict. */
	private static String results(TraceModel trace, String model) {
		List<EvaluationRecord> evaluations = new ArrayList<>();
		for (ModelArtifact a : RunSummary.artifacts(trace, model)) {
			EvaluationRecord e = RunSummary.evaluation(trace, a);
			if (e != null) {
				evaluations.add(e);
			}
		}
		if (evaluations.isEmpty()) {
			return "<p>Not evaluated (the recipe has no evaluate step).</p>\n";
		}
		Set<String> names = new LinkedHashSet<>();
		evaluations.get(0).getMetrics().forEach(m -> names.add(m.getName()));
		List<String> columns = new ArrayList<>(names.contains(Metrics.HAMMING_LOSS) ? Metrics.DECK_MULTILABEL : Metrics.DECK_MULTICLASS);
		names.stream().filter(n -> n.startsWith("top-")).findFirst().ifPresent(n -> columns.add(1, n));
		columns.retainAll(names);
		EvaluationRecord first = evaluations.get(0);
		StringBuilder s = new StringBuilder("<table><caption>On ").append(Html.esc(first.getDataset() == null ? "" : first.getDataset().getName()))
				.append(", ").append(first.getSampleCount()).append(" samples; against the original (&uarr; better, &darr; worse, ~ within the tolerance)</caption><tr><th>variant</th>");
		columns.forEach(c -> s.append("<th>").append(Html.esc(c)).append("</th>"));
		s.append("<th>size (bytes)</th><th>parameters</th><th>ms/sample</th><th>acceptance</th></tr>\n");
		for (EvaluationRecord e : evaluations) {
			ModelArtifact a = e.getModel();
			s.append("<tr><td>").append(Html.esc(a.getName())).append("</td>");
			for (String c : columns) {
				MetricValue v = e.getMetrics().stream().filter(m -> m.getName().equals(c)).findFirst().orElse(null);
				s.append("<td class=\"num\">").append(v == null ? "" : String.format(Locale.ROOT, "%.4f", v.getValue()) + marker(v)).append("</td>");
			}
			s.append(String.format(Locale.ROOT, "<td class=\"num\">%,d</td><td class=\"num\">%,d</td><td class=\"num\">%s</td><td>%s</td></tr>%n",
					a.getSizeBytes(), a.getParameterCount(), e.getLatencyMs() > 0 ? String.format(Locale.ROOT, "%.4f", e.getLatencyMs()) : "",
					acceptance(e)));
		}
		s.append("</table>\n");
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
			s.append("<br>").append(Html.esc(r.getCriterion())).append(": ")
					.append(Double.isNaN(r.getMeasured()) ? "not measured" : LogValues.number(Math.round(r.getMeasured() * 1e4) / 1e4)).append(" ")
					.append(Html.esc(r.getUnit())).append(r.isPassed() ? " &#10003;" : " &#10007;");
		}
		return s.toString();
	}

	/** Which tensors became integer, per variant: the deck's "why are DRQ and unquantized almost identical". */
	private static String inventory(TraceModel trace, String model) {
		List<ModelArtifact> artifacts = RunSummary.artifacts(trace, model);
		Set<String> types = new LinkedHashSet<>();
		artifacts.forEach(a -> a.getInventory().forEach(t -> types.add(t.getElementType())));
		StringBuilder s = new StringBuilder("<table><caption>Tensors by element type (all / weights)</caption><tr><th>variant</th>");
		types.forEach(t -> s.append("<th>").append(Html.esc(t)).append("</th>"));
		s.append("</tr>\n");
		for (ModelArtifact a : artifacts) {
			s.append("<tr><td>").append(Html.esc(a.getName())).append("</td>");
			for (String type : types) {
				TensorTypeCount c = a.getInventory().stream().filter(t -> t.getElementType().equals(type)).findFirst().orElse(null);
				s.append("<td class=\"num\">").append(c == null ? "0 / 0" : c.getTensors() + " / " + c.getWeights()).append("</td>");
			}
			s.append("</tr>\n");
		}
		return s.append("</table>\n").toString();
	}

	/** The debugger's charts for one scheme, inlined from the debug folder. */
	private static String debugger(DebugRecord d, Path root) {
		StringBuilder s = new StringBuilder("<h3>Quantization debugger: ").append(Html.esc(d.getName())).append("</h3>\n<p>")
				.append(d.getSampleCount()).append(" samples, flagged when ").append(Html.esc(d.getMetric().getLiteral())).append(" passes ")
				.append(LogValues.number(d.getThreshold())).append("; flagged: ");
		List<String> flagged = d.getLayers().stream().filter(l -> l.isFlagged()).map(l -> l.getNode()).distinct().toList();
		s.append(flagged.isEmpty() ? "none" : Html.esc(String.join(", ", flagged))).append(". <a href=\"").append(Html.esc(d.getCsvPath()))
				.append("\">debug.csv</a></p>\n");
		Path dir = root.resolve(d.getCsvPath()).getParent();
		try (Stream<Path> svgs = Files.list(dir)) {
			for (Path svg : svgs.filter(p -> p.toString().endsWith(".svg")).sorted().toList()) {
				String text = Files.readString(svg, StandardCharsets.UTF_8);
				s.append(text.substring(text.indexOf("<svg"))).append('\n');
			}
		} catch (IOException e) {
			throw new UncheckedIOException(e);
		}
		return s.toString();
	}
}
