package org.quantrace.runner.verify;

import static org.quantrace.runner.verify.Figures.same;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.quantrace.model.trace.EvaluationRecord;
import org.quantrace.model.trace.MetricValue;
import org.quantrace.model.trace.ModelArtifact;

/**
 * report.html: per model, the results table's size and parameter count of every variant against its model
 * file and its metrics (four decimals) with their markers, latency and acceptance (verdict, each criterion's
 * measured value and whether it was met) against the trace, and the table of tensors by element type
 * ("all / weights") against the model files; the run's warnings listed under its first line against the trace.
 */
final class ReportCheck implements DocumentCheck {

	static final String DOCUMENT = "report.html";
	private static final Pattern SECTION = Pattern.compile("<h2[^>]*>(.*?)</h2>(.*?)(?=<h2[ >]|$)", Pattern.DOTALL);
	private static final Pattern TABLE = Pattern.compile("<table[^>]*>(.*?)</table>", Pattern.DOTALL);
	private static final Pattern CAPTION = Pattern.compile("<caption>(.*?)</caption>", Pattern.DOTALL);
	private static final Pattern ROW = Pattern.compile("<tr[^>]*>(.*?)</tr>", Pattern.DOTALL);
	private static final Pattern CELL = Pattern.compile("<t([hd])[^>]*>(.*?)</t[hd]>", Pattern.DOTALL);

	private static final Pattern WARNINGS = Pattern.compile("<ul class=\"warnings\">(.*?)</ul>", Pattern.DOTALL);
	private static final Pattern ITEM = Pattern.compile("<li>(.*?)</li>", Pattern.DOTALL);

	/** The warnings listed under the report's first line against the trace's: each as printed, none left out, none added. */
	private static void warnings(Evidence e, String html, List<Mismatch> found) {
		List<String> printed = new java.util.ArrayList<>();
		Matcher list = WARNINGS.matcher(html);
		if (list.find()) {
			Matcher item = ITEM.matcher(list.group(1));
			while (item.find()) {
				printed.add(text(item.group(1)));
			}
		}
		Figures.same(found, DOCUMENT, "warnings", printed, e.trace().getWarnings().stream().map(w -> org.quantrace.report.RunWarnings.line(w).trim()).toList(),
				TraceCheck.DOCUMENT);
	}

	/** One table as printed: its caption, header and rows of cell texts. */
	record Table(String caption, List<String> header, List<List<String>> rows) {
	}

	@Override
	public void check(Evidence e, List<Mismatch> found) {
		byte[] bytes = e.required(DOCUMENT, found);
		if (bytes == null) {
			return;
		}
		warnings(e, new String(bytes, StandardCharsets.UTF_8), found);
		Map<String, List<Table>> sections = new java.util.LinkedHashMap<>();
		Map<String, String> html = new java.util.HashMap<>();
		Matcher s = SECTION.matcher(new String(bytes, StandardCharsets.UTF_8));
		while (s.find()) {
			sections.put(text(s.group(1)), tables(s.group(2)));
			html.putIfAbsent(text(s.group(1)), s.group(2));
		}
		for (String model : org.quantrace.report.RunSummary.models(e.trace())) {
			List<Table> tables = sections.get(model);
			if (tables == null) {
				found.add(new Mismatch(DOCUMENT, "section " + model, "present", "missing"));
				continue;
			}
			Table results = tables.stream().filter(t -> t.header().contains("size (bytes)")).findFirst().orElse(null);
			Table inventory = tables.stream().filter(t -> t.caption().startsWith("Tensors by element type")).findFirst().orElse(null);
			boolean evaluated = e.trace().getEvaluations().stream().anyMatch(r -> r.getModel() != null && r.getModel().getId().startsWith(model + "/"));
			if (results == null && evaluated) {
				found.add(new Mismatch(DOCUMENT, model + " results table", "present", "missing"));
			} else if (results != null) {
				results(e, model, results, found);
			}
			rewrittenParameters(e, model, html.get(model), found);
			if (inventory == null) {
				found.add(new Mismatch(DOCUMENT, model + " tensors by element type", "present", "missing"));
			} else {
				inventory(e, model, inventory, found);
			}
		}
	}

	private static void results(Evidence e, String model, Table t, List<Mismatch> found) {
		for (List<String> row : t.rows()) {
			ModelArtifact a = artifact(e, model, row.get(0));
			String at = model + " results, " + row.get(0) + ", ";
			if (a == null) {
				found.add(new Mismatch(DOCUMENT, at + "variant", row.get(0), "no such model in the trace"));
				continue;
			}
			ModelFacts f = e.facts(a, DOCUMENT, found);
			if (f != null) {
				same(found, DOCUMENT, at + "size (bytes)", number(cell(t, row, "size (bytes)")), f.sizeBytes());
				same(found, DOCUMENT, at + "parameters", number(cell(t, row, "parameters")), f.parametersAsRecorded(a));
			}
			EvaluationRecord r = e.trace().getEvaluations().stream().filter(x -> x.getModel() == a).findFirst().orElse(null);
			for (MetricValue m : r == null ? List.<MetricValue>of() : r.getMetrics()) {
				String printed = cell(t, row, m.getName());
				if (printed != null && org.quantrace.engine.evaluate.Metrics.reconstruction(m.getName())) {
					// an MSE prints in scientific notation, a PSNR against itself as inf: held against the trace's value as printed
					same(found, DOCUMENT, at + m.getName(), printed.replaceAll("[\u2191\u2193~]", ""),
							org.quantrace.engine.evaluate.Metrics.text(m.getName(), m.getValue(), 4), TraceCheck.DOCUMENT);
				} else if (printed != null) {
					try {
						Figures.rounded(found, DOCUMENT, at + m.getName(), Double.parseDouble(printed.replaceAll("[^0-9.eE+-]", "")), m.getValue(), 4,
								TraceCheck.DOCUMENT);
					} catch (NumberFormatException x) {
						found.add(new Mismatch(DOCUMENT, at + m.getName(), printed, m.getValue() + " in " + TraceCheck.DOCUMENT));
					}
					same(found, DOCUMENT, at + m.getName() + " marker", printed.replaceAll("[^\u2191\u2193~]", ""),
							org.quantrace.report.RunSummary.symbol(m.getMarker()), TraceCheck.DOCUMENT);
				}
			}
			String latency = cell(t, row, "ms/sample");
			if (r != null && latency != null) {
				if (r.getLatencyMs() > 0 && !latency.isEmpty()) {
					try {
						Figures.rounded(found, DOCUMENT, at + "ms/sample", Double.parseDouble(latency), r.getLatencyMs(), 4, TraceCheck.DOCUMENT);
					} catch (NumberFormatException x) {
						found.add(new Mismatch(DOCUMENT, at + "ms/sample", latency, r.getLatencyMs() + " in " + TraceCheck.DOCUMENT));
					}
				} else {
					same(found, DOCUMENT, at + "ms/sample", latency, r.getLatencyMs() > 0 ? Double.toString(r.getLatencyMs()) : "", TraceCheck.DOCUMENT);
				}
			}
			String acceptance = cell(t, row, "acceptance");
			if (r != null && acceptance != null) {
				acceptance(at, acceptance, r, found);
			}
		}
	}

	/**
	 * The acceptance cell: the verdict, then per criterion "criterion: measured unit" and a tick (met) or a
	 * cross (not met), each against the trace. The verdict is what an assessor reads first.
	 */
	private static void acceptance(String at, String printed, EvaluationRecord r, List<Mismatch> found) {
		List<String> lines = printed.lines().map(String::trim).filter(l -> !l.isEmpty()).toList();
		same(found, DOCUMENT, at + "acceptance", lines.isEmpty() ? "" : lines.get(0), !r.isSetAccepted() ? "" : r.isAccepted() ? "accepted" : "rejected",
				TraceCheck.DOCUMENT);
		List<org.quantrace.model.trace.AcceptanceResult> criteria = r.isSetAccepted() ? r.getAcceptance() : List.of();
		same(found, DOCUMENT, at + "acceptance, criteria", Math.max(0, lines.size() - 1), criteria.size(), TraceCheck.DOCUMENT);
		for (int i = 0; i < criteria.size() && i + 1 < lines.size(); i++) {
			org.quantrace.model.trace.AcceptanceResult c = criteria.get(i);
			String line = lines.get(i + 1);
			String where = at + "acceptance, " + c.getCriterion();
			String prefix = c.getCriterion() + ": ";
			same(found, DOCUMENT, where + ", criterion", line.startsWith(prefix) ? c.getCriterion() : line, c.getCriterion(), TraceCheck.DOCUMENT);
			same(found, DOCUMENT, where + ", met", line.endsWith("&#10003;") ? "met" : line.endsWith("&#10007;") ? "not met" : line,
					c.isPassed() ? "met" : "not met", TraceCheck.DOCUMENT);
			if (!Double.isNaN(c.getMeasured()) && line.startsWith(prefix)) {
				String measured = line.substring(prefix.length()).replace("&#10003;", "").replace("&#10007;", "").trim();
				if (c.getUnit() != null && measured.endsWith(c.getUnit())) {
					measured = measured.substring(0, measured.length() - c.getUnit().length()).trim();
				}
				Double p = Printed.number(measured);
				if (p == null || !Printed.brief(p, c.getMeasured())) {
					found.add(new Mismatch(DOCUMENT, where + ", measured", measured, Printed.brief(c.getMeasured()) + " in " + TraceCheck.DOCUMENT));
				}
			}
		}
	}

	private static void inventory(Evidence e, String model, Table t, List<Mismatch> found) {
		for (List<String> row : t.rows()) {
			ModelArtifact a = artifact(e, model, row.get(0));
			ModelFacts f = a == null ? null : e.facts(a, DOCUMENT, found);
			if (a == null) {
				found.add(new Mismatch(DOCUMENT, model + " tensors by element type, " + row.get(0), row.get(0), "no such model in the trace"));
			}
			if (f == null) {
				continue;
			}
			Map<String, ModelFacts.TypeCount> counts = f.inventory();
			for (int c = 1; c < t.header().size() && c < row.size(); c++) {
				ModelFacts.TypeCount d = counts.getOrDefault(org.quantrace.report.UntypedValues.type(t.header().get(c)), new ModelFacts.TypeCount(0, 0, 0));
				same(found, DOCUMENT, model + " tensors by element type, " + row.get(0) + ", " + t.header().get(c), row.get(c),
						d.tensors() + " / " + d.weights());
			}
		}
	}

	private static final Pattern REWRITTEN = Pattern.compile("<p class=\"rewritten-parameters\">(.*?)</p>", Pattern.DOTALL);
	private static final Pattern COUNTS = Pattern.compile("^(\\S+) holds ([\\d,]+) parameters, the float model ([\\d,]+) \\(([+-][\\d,]+)\\); per float layer whose"
			+ " stored values quantization changed, what it holds beyond them: (.*) \\(" + Pattern.quote(org.quantrace.report.RewrittenParameters.RULE) + "\\)$");
	private static final Pattern LAYER = Pattern.compile("(.+?) ([+-][\\d,]+)(?:, |$)");

	/**
	 * Under a model's tables, per quantized scheme whose model holds other values per float layer than its float model, the
	 * sentence naming each such layer: every figure counted again from the two files ({@link RewrittenParameterCounts}); a
	 * scheme whose files differ so must have its sentence, and no other may.
	 */
	private static void rewrittenParameters(Evidence e, String model, String html, List<Mismatch> found) {
		Map<String, Matcher> printed = new java.util.LinkedHashMap<>();
		Matcher p = REWRITTEN.matcher(html == null ? "" : html);
		while (p.find()) {
			Matcher m = COUNTS.matcher(text(p.group(1)));
			if (!m.find()) {
				found.add(new Mismatch(DOCUMENT, model + " rewritten parameters", text(p.group(1)), "\"SCHEME holds N parameters, the float model M (+D); ...\""));
			} else {
				printed.put(m.group(1), m);
			}
		}
		for (org.quantrace.model.trace.OptimizationRecord o : e.trace().getOptimizations()) {
			if (o.getInput() == null || o.getOutput() == null || !org.quantrace.report.RunSummary.model(o.getInput()).equals(model)) {
				continue;
			}
			Map<String, Long> derived = RewrittenParameterCounts.expected(e, o.getOutput(), DOCUMENT, found);
			Matcher m = printed.remove(o.getScheme());
			String at = model + " rewritten parameters, " + o.getScheme() + ", ";
			if (derived == null) {
				continue; // not counted (an older trace) or a file not at hand: not re-derived
			} else if (m == null) {
				if (!derived.isEmpty()) {
					found.add(new Mismatch(DOCUMENT, at + "sentence", "missing", "the files differ for " + derived));
				}
				continue;
			}
			ModelFacts in = e.facts(o.getInput(), DOCUMENT, found);
			ModelFacts out = e.facts(o.getOutput(), DOCUMENT, found);
			same(found, DOCUMENT, at + "parameters", number(m.group(2)), out.parametersAsRecorded(o.getOutput()));
			same(found, DOCUMENT, at + "the float model", number(m.group(3)), in.parametersAsRecorded(o.getInput()));
			same(found, DOCUMENT, at + "difference", Long.valueOf(m.group(4).replace(",", "").replace("+", "")),
					out.parametersAsRecorded(o.getOutput()) - in.parametersAsRecorded(o.getInput()));
			Map<String, Long> layers = new java.util.LinkedHashMap<>();
			Matcher l = LAYER.matcher(m.group(5));
			while (l.find()) {
				layers.put(l.group(1), Long.valueOf(l.group(2).replace(",", "").replace("+", "")));
			}
			same(found, DOCUMENT, at + "per layer", layers, derived);
		}
		printed.keySet().forEach(scheme -> found.add(new Mismatch(DOCUMENT, model + " rewritten parameters, " + scheme, "a sentence",
				"no quantized scheme of " + model + " whose files differ so")));
	}

	private static ModelArtifact artifact(Evidence e, String model, String variant) {
		return e.trace().getArtifacts().stream().filter(a -> a.getId().equals(model + "/" + variant)).findFirst().orElse(null);
	}

	private static String cell(Table t, List<String> row, String column) {
		int i = t.header().indexOf(column);
		return i < 0 || i >= row.size() ? null : row.get(i);
	}

	private static Long number(String printed) {
		String digits = printed == null ? "" : printed.replace(",", "").trim();
		return digits.matches("\\d+") ? Long.valueOf(digits) : null;
	}

	static List<Table> tables(String html) {
		List<Table> result = new ArrayList<>();
		Matcher t = TABLE.matcher(html);
		while (t.find()) {
			Matcher c = CAPTION.matcher(t.group(1));
			String caption = c.find() ? text(c.group(1)) : "";
			List<String> header = new ArrayList<>();
			List<List<String>> rows = new ArrayList<>();
			Matcher r = ROW.matcher(t.group(1));
			while (r.find()) {
				List<String> cells = new ArrayList<>();
				boolean heading = false;
				Matcher cell = CELL.matcher(r.group(1));
				while (cell.find()) {
					heading |= cell.group(1).equals("h");
					cells.add(text(cell.group(2).replace("<br>", "\n"))); // a cell's lines (the acceptance: verdict, then a criterion a line)
				}
				if (heading && header.isEmpty()) {
					header.addAll(cells);
				} else if (!cells.isEmpty()) {
					rows.add(cells);
				}
			}
			result.add(new Table(caption, header, rows));
		}
		return result;
	}

	/** A cell's text: tags removed, the entities the report writes decoded. */
	static String text(String html) {
		return html.replaceAll("<[^>]*>", "").replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", "\"").replace("&#39;", "'")
				.replace("&amp;", "&").trim();
	}
}
