package org.quantrace.runner.verify;

import java.io.IOException;
import java.util.List;
import java.util.Locale;
import java.util.function.Predicate;

import org.quantrace.engine.SafeFiles;
import org.quantrace.model.trace.AcceptanceResult;
import org.quantrace.model.trace.EvaluationRecord;
import org.quantrace.model.trace.MetricValue;
import org.quantrace.model.trace.ModelArtifact;
import org.quantrace.report.AifsmLogs;
import org.quantrace.report.EvidenceFooter;
import org.quantrace.report.LogReader;
import org.quantrace.report.RunSummary;

/**
 * The AI-FSM logs, each format read as an assessor reads it (Markdown and HTML as text, the DOCX with POI, the
 * PDF's extracted text): every figure their tables print about a model held against what this package
 * re-derives from the files. Model facts (types, scales, zero points, formulas, counts, sizes, opsets,
 * hashes) by {@link OptimizationLogCheck} and {@link ConversionLogCheck}; here what both logs share: the
 * evidence line (the inventory's hash), the reproducibility appendix (the hashes of the recipe copies and the
 * manifests, from the files) and the evaluation appendix (sizes from the model files, metrics and decisions
 * against the trace, which {@code --deep} checks against a new evaluation).
 */
final class LogCheck implements DocumentCheck {

	@Override
	public void check(Evidence e, List<Mismatch> found) {
		for (String document : e.trace().getDocuments()) {
			if (!document.startsWith("logs/")) {
				continue;
			}
			byte[] bytes = e.document(document);
			if (bytes == null) {
				continue; // the folder check reports a missing document
			}
			List<LogReader.Table> tables;
			try {
				tables = LogReader.read(document, bytes);
			} catch (IOException x) {
				found.add(new Mismatch(document, "the file", "a readable log", x.getMessage()));
				continue;
			}
			Log log = new Log(document, tables, found);
			evidence(e, log);
			reproducibility(e, log);
			administration(e, log);
			String name = document.substring(document.lastIndexOf('/') + 1, document.lastIndexOf('.'));
			for (String model : RunSummary.models(e.trace())) {
				if (name.equals(AifsmLogs.fileName("PhIMT0003", model))) {
					evaluation(e, log, model);
					verdicts(e, log, model, bytes);
					new OptimizationLogCheck(e, log, model, runningText(log.document(), bytes)).check();
					FoundQuantization.log(e, log, model);
				} else if (name.equals(AifsmLogs.fileName("PhIMT0002", model))) {
					new ConversionLogCheck(e, log, model).check();
				}
			}
		}
	}

	/**
	 * A log's running text without whitespace ({@link Cells#key}); null when it does not read (the tables' reading said so). The
	 * Markdown log prints a line break inside a name (a node "layer 14\nx") as {@code <br>}, which the other formats show as one.
	 */
	private static String runningText(String document, byte[] bytes) {
		try {
			String text = LogReader.text(document, bytes);
			return Cells.key(document.endsWith(".md") ? text.replace("<br>", "\n") : text);
		} catch (IOException x) {
			return null;
		}
	}

	/** The tables of one log file, and the mismatches found in it. */
	record Log(String document, List<LogReader.Table> tables, List<Mismatch> found) {

		LogReader.Table table(Predicate<String> title) {
			return tables.stream().filter(t -> t.title() != null && title.test(Cells.key(t.title()))).findFirst().orElse(null);
		}

		/** The table whose title starts with {@code prefix} (whitespace aside). */
		LogReader.Table titled(String prefix) {
			String p = Cells.key(prefix);
			return table(t -> t.startsWith(p));
		}

		/** The table whose title ends with {@code suffix} (whitespace aside). */
		LogReader.Table ending(String suffix) {
			String p = Cells.key(suffix);
			return table(t -> t.endsWith(p));
		}

		void mismatch(String where, Object printed, Object derived) {
			found.add(new Mismatch(document, where, String.valueOf(printed), String.valueOf(derived)));
		}

		void same(String where, Object printed, Object derived) {
			if (!java.util.Objects.equals(printed, derived)) {
				mismatch(where, printed, derived);
			}
		}

		/** A cell's text against the text the files give, wherever the document broke the cell's lines ({@link Cells#same}). */
		void cell(String where, String printed, String derived) {
			if (!Cells.same(printed, derived)) {
				mismatch(where, printed, derived);
			}
		}

		/** A printed number against its value as people read it (whole, or four significant digits). */
		void brief(String where, String printed, double value) {
			Double p = Printed.number(printed);
			if (p == null || !Printed.brief(p, value)) {
				mismatch(where, printed, Printed.brief(value));
			}
		}

		/** A table is missing: said once, naming what it should hold. */
		void missing(String what) {
			mismatch(what, "nothing", "a table of it");
		}
	}

	/** A warning as a log prints it, whitespace aside: "wo.qr:14:2:warning[model-weight-only]". */
	private static final java.util.regex.Pattern WARNING = java.util.regex.Pattern.compile(":\\d+:\\d+:(warning|info)\\[[a-z0-9-]+\\]");

	/**
	 * The warnings row {@code row} of {@code t} prints against those of the trace it should print ({@code expected}): each one
	 * printed as the run printed it, and no other. A warning left out of the log (or one added) said nothing to an assessor about
	 * what the run knew.
	 */
	static void warnings(Log log, String where, LogReader.Table t, int row, List<org.quantrace.model.trace.RunWarning> expected) {
		String cell = row < 0 || t.rows().get(row).size() < 2 ? "" : Cells.key(t.rows().get(row).get(1));
		for (org.quantrace.model.trace.RunWarning w : expected) {
			String line = org.quantrace.report.RunWarnings.line(w);
			if (!cell.contains(Cells.key(line))) {
				log.mismatch(where + ", warning [" + w.getCode() + "] of line " + w.getLine(), "not printed", line + " (in " + TraceCheck.DOCUMENT + ")");
			}
		}
		java.util.regex.Matcher m = WARNING.matcher(cell);
		int printed = 0;
		while (m.find()) {
			printed++;
		}
		if (printed != expected.size()) {
			log.mismatch(where + ", warnings", printed + " printed", expected.size() + " in " + TraceCheck.DOCUMENT);
		}
	}

	/** A cell of a row, or "" when the row is shorter. */
	static String cell(List<String> row, int i) {
		return i < row.size() ? row.get(i) : "";
	}

	private static void evidence(Evidence e, Log log) {
		if (e.inventorySha256() == null) { // a missing inventory is named by the folder check
			return;
		}
		LogReader.Table t = log.ending("Evidence");
		String expected = EvidenceFooter.text(e.inventorySha256());
		int row = t == null ? -1 : t.find("inventory of the output folder", 0);
		String printed = row < 0 ? "nothing" : cell(t.rows().get(row), 1);
		if (!Cells.same(printed, expected)) {
			log.mismatch("evidence: inventory of the output folder", printed, expected);
		}
	}

	/** The recipe copies and the manifests named with their SHA-256: each hash taken again from the file in the folder. */
	private static void reproducibility(Evidence e, Log log) {
		LogReader.Table t = log.ending("Reproducibility");
		if (t == null) {
			log.missing("Reproducibility appendix");
			return;
		}
		for (List<String> row : t.rows().subList(1, t.rows().size())) {
			String item = cell(row, 0);
			String value = Cells.key(cell(row, 1));
			java.util.regex.Matcher m = java.util.regex.Pattern.compile(",SHA-256([0-9a-f]{64}),copiedto(.+)$").matcher(value);
			java.util.regex.Matcher d = java.util.regex.Pattern.compile("manifest(.+),SHA-256([0-9a-f]{64})$").matcher(value);
			if ((Cells.same(item, "recipe") || Cells.same(item, "imported file")) && m.find()) {
				log.same("Reproducibility, " + item + " " + m.group(2) + ", SHA-256", m.group(1), hash(e, m.group(2)));
			} else if (Cells.startsWith(item, "dataset ") && d.find()) {
				log.same("Reproducibility, " + item + " manifest " + d.group(1) + ", SHA-256", d.group(2), hash(e, d.group(1)));
			}
		}
	}

	/** The templates' dates: YYYY/MM/DD, in UTC as the run records its time. */
	private static final java.time.format.DateTimeFormatter DATE = java.time.format.DateTimeFormatter.ofPattern("yyyy/MM/dd", Locale.ROOT)
			.withZone(java.time.ZoneOffset.UTC);

	/**
	 * Who and when, the rows an assessor files first: each Table 1's Date and Responsible against its record in the
	 * trace, and the Documentation Information (contract, website, deadline, dissemination, nature, authors, modifiers,
	 * reviewers, approvers, keywords) against the trace's document block. An approver's name or the date of a conversion
	 * edited in a log, every hash recomputed, passed verify unseen.
	 */
	private static void administration(Evidence e, Log log) {
		List<org.quantrace.model.trace.LifecycleRecord> records = new java.util.ArrayList<>(e.trace().getConversions());
		records.addAll(e.trace().getOptimizations());
		for (org.quantrace.model.trace.LifecycleRecord r : records) {
			LogReader.Table t = log.table(title -> title.startsWith("Table") && title.endsWith(Cells.key("(" + r.getId() + ")")));
			if (t == null) {
				continue;
			}
			String at = "Table of " + r.getId() + ", ";
			if (r.getDate() != null) {
				row(log, t, at, "Date", DATE.format(r.getDate().toInstant()));
			}
			if (r.getResponsible() != null) {
				row(log, t, at, "Responsible", r.getResponsible());
			}
		}
		history(e, log);
		org.quantrace.model.recipe.DocumentInfo d = e.trace().getDocument();
		LogReader.Table info = log.tables().stream().filter(t -> t.find("Contract Number", 0) >= 0 && t.find("Approved by", 0) >= 0).findFirst()
				.orElse(null);
		if (d == null || info == null) {
			return;
		}
		String at = "Documentation Information, ";
		row(log, info, at, "Contract Number", declared(d.getContractNumber()));
		row(log, info, at, "Project Website", declared(d.getWebsite()));
		row(log, info, at, "Contractual Deadline", declared(d.getDeadline()));
		row(log, info, at, "Dissemination Level", declared(d.getDissemination()));
		row(log, info, at, "Nature", declared(d.getNature()));
		row(log, info, at, "Author", declared(d.getAuthors()));
		row(log, info, at, "Modified by", declared(d.getModifiedBy()));
		row(log, info, at, "Reviewed by", declared(d.getReviewedBy()));
		row(log, info, at, "Approved by", declared(d.getApprovedBy()));
		int k = info.find("Keywords", 0);
		String keywords = k < 0 ? "" : Cells.key(cell(info.rows().get(k), 1));
		for (String keyword : d.getKeywords()) {
			if (!keywords.contains(Cells.key(keyword))) {
				log.mismatch(at + "Keywords (in " + TraceCheck.DOCUMENT + ")", k < 0 ? "nothing" : cell(info.rows().get(k), 1), "the keyword " + keyword);
			}
		}
	}

	/**
	 * The Review / Modification History: no row dated after the log's own date, the run that wrote it (its Table 1 Date,
	 * the trace's run time). A version dated weeks after the run that generated its log was printed and passed verify.
	 */
	private static void history(Evidence e, Log log) {
		if (e.trace().getRunTime() == null) {
			return;
		}
		java.time.LocalDate generated = java.time.LocalDate.ofInstant(e.trace().getRunTime().toInstant(), java.time.ZoneOffset.UTC);
		java.time.format.DateTimeFormatter read = java.time.format.DateTimeFormatter.ofPattern("uuuu/M/d")
				.withResolverStyle(java.time.format.ResolverStyle.STRICT);
		for (LogReader.Table t : log.tables()) {
			if (t.rows().isEmpty() || !Cells.key(String.join("|", t.rows().get(0))).equals("Version|Date|DescriptionChange")) {
				continue;
			}
			for (List<String> row : t.rows().subList(1, t.rows().size())) {
				String printed = Cells.key(cell(row, 1));
				java.time.LocalDate date;
				try {
					date = java.time.LocalDate.parse(printed, read);
				} catch (java.time.format.DateTimeParseException x) {
					log.mismatch("Review / Modification History, " + cell(row, 0) + ", date", printed, "a date YYYY/MM/DD");
					continue;
				}
				if (date.isAfter(generated)) {
					log.mismatch("Review / Modification History, " + cell(row, 0) + ", date", printed,
							"on or before " + DATE.format(e.trace().getRunTime().toInstant()) + ", the date the log was generated (in " + TraceCheck.DOCUMENT + ")");
				}
			}
		}
	}

	/** What a Documentation Information row holds for a declared value, or that none was declared. */
	private static String declared(String value) {
		return declared(value == null ? List.<String>of() : List.of(value));
	}

	/** What a Documentation Information row holds for the declared values: joined, or that none was declared. */
	private static String declared(List<String> values) {
		List<String> named = values.stream().filter(v -> v != null && !v.isBlank()).toList(); // a blank name names nobody
		return named.isEmpty() ? "not declared in the recipe's document block" : String.join(", ", named);
	}

	/** The value of the row {@code label} of {@code t} against {@code expected}, whitespace aside. */
	private static void row(Log log, LogReader.Table t, String at, String label, String expected) {
		int i = t.find(label, 0);
		String printed = i < 0 ? "nothing" : cell(t.rows().get(i), 1);
		if (!Cells.same(printed, expected)) {
			log.mismatch(at + label + " (in " + TraceCheck.DOCUMENT + ")", printed, expected);
		}
	}

	/** The SHA-256 of a file of the folder, or what stands in for it when there is none. */
	static String hash(Evidence e, String relative) {
		byte[] bytes = e.document(relative);
		if (bytes == null) { // the logs are read back without whitespace: "recipe/zoo résnet b.qr" comes as "recipe/zoorésnetb.qr"
			String named = e.unsqueezed(relative, Cells::key);
			bytes = named == null ? null : e.document(named);
		}
		return bytes == null ? "no file " + relative + " in the folder" : SafeFiles.sha256(bytes);
	}

	/** Appendix A: each variant's size against its model file; metrics, decisions and criteria against the trace. */
	private static void evaluation(Evidence e, Log log, String model) {
		List<EvaluationRecord> records = RunSummary.artifacts(e.trace(), model).stream().map(a -> RunSummary.evaluation(e.trace(), a))
				.filter(java.util.Objects::nonNull).toList();
		if (records.isEmpty()) {
			return;
		}
		LogReader.Table t = log.titled("Evaluation on");
		if (t == null) {
			log.missing("Appendix A, evaluation of " + model);
			return;
		}
		List<String> header = t.rows().get(0);
		for (List<String> row : t.rows().subList(1, t.rows().size())) {
			String variant = cell(row, 0);
			String at = "Appendix A, evaluation, " + variant + ", ";
			EvaluationRecord r = records.stream().filter(x -> Cells.same(variant, x.getModel().getName())).findFirst().orElse(null);
			if (r == null) {
				log.mismatch(at + "variant", variant, "no evaluation of " + model + "/" + variant + " in the trace");
				continue;
			}
			ModelFacts f = e.facts(r.getModel(), log.document(), log.found());
			for (int c = 1; c < header.size(); c++) {
				String column = header.get(c);
				String printed = cell(row, c);
				if (Cells.same(column, "size (bytes)")) {
					if (f != null) {
						log.same(at + column, Printed.number(printed) == null ? printed : (long) (double) Printed.number(printed), f.sizeBytes());
					}
				} else if (Cells.same(column, "decision")) {
					log.cell(at + column + " (in " + TraceCheck.DOCUMENT + ")", printed, !r.isSetAccepted() ? "no criterion" : r.isAccepted() ? "accepted" : "rejected");
				} else {
					MetricValue v = r.getMetrics().stream().filter(x -> Cells.same(column, x.getName())).findFirst().orElse(null);
					Double p = Printed.number(printed.replaceAll("[↑↓~]", ""));
					// an MSE prints in scientific notation, a PSNR against itself as inf: held against the trace's value as printed
					boolean reconstruction = v != null && org.quantrace.engine.evaluate.Metrics.reconstruction(v.getName());
					if (reconstruction ? !printed.replaceAll("[↑↓~]", "").equals(org.quantrace.engine.evaluate.Metrics.text(v.getName(), v.getValue(), 3))
							: v == null || p == null || Math.abs(p - v.getValue()) > 0.0005 + 1e-9) {
						log.mismatch(at + column + " (in " + TraceCheck.DOCUMENT + ")", printed, v == null ? "no such metric"
								: String.format(Locale.ROOT, "%.3f", v.getValue()));
					} else {
						log.same(at + column + " marker (in " + TraceCheck.DOCUMENT + ")", printed.replaceAll("[^↑↓~]", ""), RunSummary.symbol(v.getMarker()));
					}
				}
			}
		}
		LogReader.Table criteria = log.titled("Acceptance criteria and decisions");
		for (List<String> row : criteria == null ? List.<List<String>>of() : criteria.rows().subList(1, criteria.rows().size())) {
			EvaluationRecord r = records.stream().filter(x -> Cells.same(cell(row, 0), x.getModel().getName())).findFirst().orElse(null);
			AcceptanceResult a = r == null ? null : r.getAcceptance().stream().filter(x -> Cells.same(cell(row, 1), x.getCriterion())).findFirst().orElse(null);
			String at = "Appendix A, criteria, " + cell(row, 0) + ", " + cell(row, 1) + " (in " + TraceCheck.DOCUMENT + ")";
			if (a == null) {
				log.mismatch(at, "a criterion", "none");
			} else {
				log.cell(at + ", result", cell(row, 3), a.isPassed() ? "met" : "not met");
				log.cell(at + ", decision", cell(row, 4), r.isAccepted() ? "accepted" : "rejected");
				if (!Double.isNaN(a.getMeasured())) {
					log.brief(at + ", measured", cell(row, 2).replace(a.getUnit() == null ? "\u0000" : a.getUnit(), ""), a.getMeasured());
				}
			}
		}
	}

	/**
	 * The verdicts the log states in sentences, outside its tables: the first page's ("Verdict: accepted." or
	 * "Verdict: REJECTED.") and each variant's ("Evaluation of fiq_int8: accepted: ..."), against the trace's
	 * decisions. Edited to the other word, with every hash recomputed, the sentence an assessor reads first went unseen.
	 */
	private static void verdicts(Evidence e, Log log, String model, byte[] bytes) {
		String text;
		try {
			text = Cells.key(LogReader.text(log.document(), bytes));
		} catch (IOException x) {
			log.mismatch("the text", "unreadable", x.getMessage());
			return;
		}
		List<EvaluationRecord> decided = RunSummary.artifacts(e.trace(), model).stream().map(a -> RunSummary.evaluation(e.trace(), a))
				.filter(r -> r != null && r.isSetAccepted()).toList();
		String expected = decided.isEmpty() ? "none" : decided.stream().anyMatch(r -> !r.isAccepted()) ? "REJECTED" : "accepted";
		log.same("first page, verdict (in " + TraceCheck.DOCUMENT + ")", word(text, "Verdict:"), expected);
		int page = text.indexOf("Verdict:REJECTED.");
		for (EvaluationRecord r : decided) { // under each optimization's table (a variant without one has no such sentence)
			String variant = r.getModel().getName();
			String label = "Evaluationof" + Cells.key(variant) + ":";
			String printed = word(text, label);
			if (!printed.equals("none")) {
				log.same("evaluation of " + variant + ", decision (in " + TraceCheck.DOCUMENT + ")", printed, r.isAccepted() ? "accepted" : "rejected");
				criteria(log, "evaluation of " + variant, text, text.indexOf(label) + label.length(), r);
			}
			if (page >= 0 && !r.isAccepted()) { // the first page names each rejected variant with its criteria
				int at = text.indexOf(Cells.key(variant) + "rejected:", page);
				if (at >= 0) {
					criteria(log, "first page, " + variant, text, at + Cells.key(variant).length() + "rejected:".length(), r);
				}
			}
		}
	}

	/**
	 * The criteria a verdict sentence states from {@code from} on ("accuracy drop < 1 pt met (measured 0.7 pt)"): each
	 * one met or not and its measured value against the trace. Only the word after the variant's name was read:
	 * "(measured 0.7 pt)" edited to "(measured 0.3 pt)", every hash recomputed, passed unseen.
	 */
	private static void criteria(Log log, String where, String text, int from, EvaluationRecord r) {
		int end = text.length();
		for (String stop : List.of("(AppendixA)", "rejected:", "Theevaluationandcriteria")) {
			int i = text.indexOf(stop, from + 1);
			end = i >= 0 ? Math.min(end, i) : end;
		}
		String sentence = text.substring(from, end);
		for (AcceptanceResult a : r.getAcceptance()) {
			String at = where + ", " + a.getCriterion() + " (in " + TraceCheck.DOCUMENT + ")";
			java.util.regex.Matcher m = java.util.regex.Pattern.compile(java.util.regex.Pattern.quote(Cells.key(a.getCriterion()))
					+ "(met|notmet)\\(measured(" + Printed.NUMBER + "|-?inf|-?Infinity|nothing:notevaluated)").matcher(sentence); // inf: a PSNR against equal outputs (Infinity: written before)
			if (!m.find()) {
				log.mismatch(at, "not stated", (a.isPassed() ? "met" : "not met") + " (measured "
						+ (Double.isNaN(a.getMeasured()) ? "nothing" : Printed.brief(a.getMeasured())) + ")");
				continue;
			}
			log.same(at + ", met", m.group(1).equals("met") ? "met" : "not met", a.isPassed() ? "met" : "not met");
			if (!Double.isNaN(a.getMeasured())) {
				log.brief(at + ", measured", m.group(2), a.getMeasured());
			}
		}
	}

	/** The word after the first {@code label} in squeezed {@code text} (up to a '.' or ':'), "none" when the label is not there. */
	private static String word(String text, String label) {
		int at = text.indexOf(label);
		if (at < 0) {
			return "none";
		}
		java.util.regex.Matcher m = java.util.regex.Pattern.compile("[A-Za-z]+").matcher(text.substring(at + label.length()));
		return m.lookingAt() ? m.group() : "none";
	}

	/** The artifact of {@code model} named {@code variant}. */
	static ModelArtifact artifact(Evidence e, String model, String variant) {
		return e.trace().getArtifacts().stream().filter(a -> a.getId().equals(model + "/" + variant)).findFirst().orElse(null);
	}
}
