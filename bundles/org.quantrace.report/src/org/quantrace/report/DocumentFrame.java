package org.quantrace.report;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.quantrace.model.mapping.TemplateMapping;
import org.quantrace.model.recipe.DocumentInfo;
import org.quantrace.model.recipe.RevisionEntry;
import org.quantrace.model.trace.TraceModel;
import org.quantrace.report.LogDocument.Block;
import org.quantrace.report.LogDocument.Bullets;
import org.quantrace.report.LogDocument.Contents;
import org.quantrace.report.LogDocument.Grid;
import org.quantrace.report.LogDocument.Heading;
import org.quantrace.report.LogDocument.InfoTable;
import org.quantrace.report.LogDocument.Paragraph;
import org.quantrace.report.LogDocument.Row;
import org.quantrace.report.LogDocument.Style;
import org.quantrace.report.LogDocument.TitlePage;

/**
 * What the AI-FSM templates put around their Table 1: the title page, Documentation Information and the
 * Review/Modification History filled from the recipe's document block, Objective and Scope in the
 * template's own words (its instructions left out), and the Acronyms and Bibliography of what the document
 * actually uses.
 */
final class DocumentFrame {

	/** The template's rows of the Documentation Information table, in its order. */
	static final List<String> INFORMATION_ROWS = List.of("Contract Number", "Project Website", "Contractual Deadline", "Dissemination Level", "Nature",
			"Author", "Modified by", "Reviewed by", "Approved by", "Keywords");

	/** What a field of the document block the recipe leaves out reads as. */
	static final String NOT_DECLARED = "not declared in the recipe's document block";

	/** Acronyms a log may use, with what they stand for; a log lists those its text contains. */
	private static final Map<String, String> ACRONYMS = new LinkedHashMap<>();
	static {
		ACRONYMS.put("AI-FSM", "Artificial Intelligence - Functional Safety Management");
		ACRONYMS.put("DL", "Deep Learning");
		ACRONYMS.put("ONNX", "Open Neural Network Exchange");
		ACRONYMS.put("PTQ", "Post-Training Quantization");
		ACRONYMS.put("DRQ", "Dynamic Range Quantization");
		ACRONYMS.put("FIQ", "Full-Integer Quantization");
		ACRONYMS.put("QDQ", "QuantizeLinear/DequantizeLinear pairs (ONNX's quantized-model format)");
		ACRONYMS.put("QAT", "Quantization-Aware Training");
		ACRONYMS.put("KL", "Kullback-Leibler (divergence)");
		ACRONYMS.put("SQNR", "Signal-to-Quantization-Noise Ratio");
		ACRONYMS.put("RMSE", "Root Mean Square Error");
		ACRONYMS.put("I/O", "Input/Output");
		ACRONYMS.put("SVD", "Singular Value Decomposition");
		ACRONYMS.put("SHA-256", "Secure Hash Algorithm, 256-bit digest");
		ACRONYMS.put("CPU", "Central Processing Unit");
		ACRONYMS.put("IR", "Intermediate Representation (ONNX file format version)");
	}

	private DocumentFrame() {
	}

	/** The title page (with the verdict) and Documentation Information, then the contents and section 1, the history. */
	static List<Block> front(TraceModel trace, String code, String name, String subject, String verdict, boolean rejected, String keyword) {
		DocumentInfo d = document(trace);
		List<Block> b = new ArrayList<>();
		// the template's title page states the document's version: one left undeclared is said so, as an undeclared name is
		// below, not dropped from the page (a reader took the page for complete)
		String version = d.getVersion() == null || d.getVersion().isBlank() ? NOT_DECLARED : d.getVersion();
		b.add(new TitlePage(d.getProject(), code + " " + name, subject, "Version " + version, verdict, rejected));
		b.add(new Heading(1, "", "Documentation Information", "documentation-information", false));
		List<Row> rows = new ArrayList<>();
		List<String> keywords = new ArrayList<>(d.getKeywords());
		if (keywords.stream().noneMatch(k -> k.equalsIgnoreCase(keyword))) {
			keywords.add(keyword);
		}
		List<List<String>> values = List.of(one(d.getContractNumber()), one(d.getWebsite()), one(d.getDeadline()), one(d.getDissemination()),
				one(d.getNature()), d.getAuthors(), d.getModifiedBy(), d.getReviewedBy(), d.getApprovedBy(), List.of(String.join(", ", keywords)));
		for (int i = 0; i < INFORMATION_ROWS.size(); i++) {
			// a blank name (approved-by "") names nobody: "not declared", not an empty cell a reader takes for a filled-in form
			List<String> v = values.get(i).stream().filter(x -> x != null && !x.isBlank()).toList();
			rows.add(new Row("information-" + LogValues.slug(INFORMATION_ROWS.get(i)), INFORMATION_ROWS.get(i), false,
					v.isEmpty() ? List.of(NOT_DECLARED) : List.of(String.join(", ", v))));
		}
		b.add(new InfoTable("documentation-information-table", null, rows));
		if (d.getFunding() != null) {
			b.add(new Paragraph(d.getFunding(), Style.NOTE));
		}
		b.add(new Contents());
		b.add(new Heading(1, "1", "Review / Modification History", "review-modification-history", false));
		b.add(new Grid("history", null, List.of("Version", "Date", "Description Change"), history(trace, d), new int[] { 2, 3, 11 }, Set.of(), false));
		return b;
	}

	/** Sections 2 and 3 as the template words them. */
	static List<Block> objectiveAndScope(String template) {
		String text = template(template);
		List<Block> b = new ArrayList<>();
		b.add(new Heading(1, "2", "Objective", "objective", false));
		b.add(new Paragraph(section(text, "Objective"), Style.NORMAL));
		b.add(new Heading(1, "3", "Scope", "scope", false));
		b.add(new Paragraph(section(text, "Scope"), Style.NORMAL));
		return b;
	}

	/** The template's sentence that introduces its table ("The following table collects ..."). */
	static String tableIntroduction(String template) {
		return template(template).lines().map(String::strip).filter(l -> l.startsWith("The following table")).findFirst()
				.orElse("The following table collects the information of this step:");
	}

	/** Sections 5 and 6: the acronyms the document uses, and the references of what the run did. */
	static List<Block> closing(List<Block> body, List<String> references) {
		StringBuilder all = new StringBuilder();
		for (Block x : body) {
			all.append(text(x)).append('\n');
		}
		List<String> used = new ArrayList<>();
		used.add("AI-FSM – " + ACRONYMS.get("AI-FSM"));
		for (Map.Entry<String, String> e : ACRONYMS.entrySet()) {
			if (!e.getKey().equals("AI-FSM") && Pattern.compile("(?<![A-Za-z0-9-])" + Pattern.quote(e.getKey()) + "(?![A-Za-z0-9])").matcher(all).find()) {
				used.add(e.getKey() + " – " + e.getValue());
			}
		}
		List<Block> b = new ArrayList<>();
		b.add(new Heading(1, "5", "Acronyms and Abbreviations", "acronyms", false));
		b.add(new Paragraph("Below is a list of acronyms and abbreviations employed in this document:", Style.NORMAL));
		b.add(new Bullets(used, false));
		b.add(new Heading(1, "6", "Bibliography", "bibliography", false));
		b.add(new Bullets(new ArrayList<>(new LinkedHashSet<>(references)), true));
		return b;
	}

	static DocumentInfo document(TraceModel trace) {
		return trace.getDocument() != null ? trace.getDocument() : org.quantrace.model.recipe.RecipeFactory.eINSTANCE.createDocumentInfo();
	}

	/** The declared history, with this run's version added when the history does not have it; newest first, as the templates list it. */
	private static List<List<String>> history(TraceModel trace, DocumentInfo d) {
		List<String[]> rows = new ArrayList<>();
		for (RevisionEntry e : d.getHistory()) {
			rows.add(new String[] { version(e.getVersion()), e.getDate(), e.getDescription() });
		}
		String runDate = LogValues.text(trace.getRunTime());
		if (d.getVersion() == null || d.getHistory().stream().noneMatch(e -> e.getVersion().equals(d.getVersion()))) {
			rows.add(new String[] { d.getVersion() == null ? "this run" : version(d.getVersion()), runDate,
					"Generated by Quantrace from " + trace.getRecipePath() + " (run " + trace.getRunId() + ")" });
		}
		rows.sort(Comparator.comparing((String[] r) -> sortableDate(r[1])).reversed());
		return rows.stream().map(List::of).toList();
	}

	private static String sortableDate(String date) {
		String[] p = date.split("/");
		return p.length != 3 ? date : String.format(Locale.ROOT, "%04d%02d%02d", Integer.parseInt(p[0]), Integer.parseInt(p[1]), Integer.parseInt(p[2]));
	}

	private static String version(String v) {
		return v.startsWith("V") || v.startsWith("v") ? v : "V" + v;
	}

	private static List<String> one(String v) {
		return v == null ? List.of() : List.of(v);
	}

	/** The text of a block, for the acronym scan. */
	static String text(Block x) {
		return switch (x) {
		case TitlePage t -> t.title() + " " + t.subject() + " " + t.verdict();
		case Heading h -> h.text();
		case Paragraph p -> p.text();
		case Bullets l -> String.join("\n", l.items());
		case InfoTable t -> (t.caption() == null ? "" : t.caption()) + " "
				+ String.join("\n", t.rows().stream().map(r -> r.label() + " " + String.join(" ", r.lines())).toList());
		case Grid g -> (g.caption() == null ? "" : g.caption()) + " " + String.join(" ", g.header()) + " "
				+ String.join("\n", g.rows().stream().map(r -> String.join(" ", r)).toList());
		case Contents c -> "";
		};
	}

	/** A template from the metamodel bundle (templates/*.txt). */
	static String template(String file) {
		try (InputStream in = TemplateMapping.class.getResourceAsStream("/templates/" + file)) {
			if (in == null) {
				throw new IllegalStateException("/templates/" + file + " is missing from the metamodel bundle");
			}
			return new String(in.readAllBytes(), StandardCharsets.UTF_8);
		} catch (IOException e) {
			throw new UncheckedIOException(e);
		}
	}

	private static final Pattern HEADING = Pattern.compile("^#*\\s*(\\d+)\\s+(.+?)\\s*$");

	/** The paragraph(s) under a numbered heading of the template, its markup removed. */
	static String section(String text, String title) {
		List<String> lines = text.lines().toList();
		StringBuilder s = new StringBuilder();
		boolean in = false;
		for (String line : lines) {
			Matcher m = HEADING.matcher(line.strip());
			if (m.matches() && !line.contains("\t")) {
				if (in) {
					break;
				}
				in = m.group(2).startsWith(title);
				continue;
			}
			if (in && !line.isBlank()) {
				s.append(s.length() == 0 ? "" : " ").append(line.strip().replaceAll("<[^>]+>|\\*", ""));
			}
		}
		if (s.length() == 0) {
			throw new IllegalStateException("the template has no section '" + title + "'");
		}
		return s.toString();
	}
}
