package org.quantrace.runner;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import org.quantrace.report.LogReader;

/**
 * Where a document of an output folder differs from the same document made again from the trace, in words an
 * assessor can check: the first line that differs, as the file has it and as the trace makes it.
 */
final class Rendering {

	/** Said of a PDF laid out on another number of pages: the fonts differ, not (as far as can be told) the text. */
	static final String LAYOUT = "laid out on ";

	private Rendering() {
	}

	/**
	 * Null when {@code actual} is {@code expected}; else where they differ. Markdown, HTML and JSON by line; a DOCX by its
	 * text (its paragraphs and cells as Word's text extraction gives them); a PDF by its text alone, whitespace and page
	 * numbers aside (its bold and italic fonts are the machine's, which may lay the lines out otherwise), then its annotations and
	 * document properties ({@link PdfBesideText}), or, when it has
	 * another number of pages, {@link #LAYOUT}...
	 */
	static String difference(String name, byte[] actual, byte[] expected) throws IOException {
		if (Arrays.equals(actual, expected)) {
			return null;
		}
		String format = name.substring(name.lastIndexOf('.') + 1);
		switch (format) {
		case "docx" -> { // by its text: rendered again in the JVM of the runner tests (after other renderings) its bytes differed, its text did not (which part differs was not found)
			String text = lines(LogReader.text(name, actual), LogReader.text(name, expected));
			if (text != null) {
				return text;
			}
			String shown = formatting(actual, expected);
			return shown != null ? shown : parts(actual, expected);
		}
		case "pdf" -> {
			String a = LogReader.squeeze(LogReader.text(name, actual)).replaceAll("page\\d+of\\d+", "");
			String e = LogReader.squeeze(LogReader.text(name, expected)).replaceAll("page\\d+of\\d+", "");
			if (a.equals(e)) {
				return PdfBesideText.difference(actual, expected);
			}
			int pa = pages(actual);
			int pe = pages(expected);
			if (pa != pe) {
				return LAYOUT + pa + " pages, " + pe + " here";
			}
			int i = 0;
			while (i < a.length() && i < e.length() && a.charAt(i) == e.charAt(i)) {
				i++;
			}
			return "its text (spaces aside) reads '" + around(a, i) + "' where the trace makes '" + around(e, i) + "'";
		}
		case "svg" -> { // a chart: its text elements are placed by the machine's font metrics
			String a = new String(actual, StandardCharsets.UTF_8);
			String e = new String(expected, StandardCharsets.UTF_8);
			List<String> ta = texts(a, false);
			List<String> te = texts(e, false);
			if (ta.equals(te) && !texts(a, true).equals(texts(e, true))) {
				return LAYOUT + "another machine's font metrics (its labels placed otherwise)";
			}
			String d = lines(a.replace("><", ">\n<"), e.replace("><", ">\n<"));
			return d != null ? d : "its bytes differ (line ends or encoding)";
		}
		default -> {
			String d = lines(new String(actual, StandardCharsets.UTF_8), new String(expected, StandardCharsets.UTF_8));
			return d != null ? d : "its bytes differ (line ends or encoding)";
		}
		}
	}

	private static final java.util.regex.Pattern SVG_TEXT = java.util.regex.Pattern.compile("<text[^>]*>(.*?)</text>", java.util.regex.Pattern.DOTALL);

	/** An SVG's text elements in order: whole (with where they are placed), or their words alone. */
	private static List<String> texts(String svg, boolean placed) {
		List<String> texts = new java.util.ArrayList<>();
		java.util.regex.Matcher m = SVG_TEXT.matcher(svg);
		while (m.find()) {
			texts.add(placed ? m.group() : m.group(1));
		}
		return texts;
	}

	private static String lines(String actual, String expected) {
		List<String> a = actual.lines().toList();
		List<String> e = expected.lines().toList();
		for (int i = 0; i < Math.max(a.size(), e.size()); i++) {
			String x = i < a.size() ? a.get(i) : null;
			String y = i < e.size() ? e.get(i) : null;
			if (!java.util.Objects.equals(x, y)) {
				int at = 0;
				while (x != null && y != null && at < x.length() && at < y.length() && x.charAt(at) == y.charAt(at)) {
					at++;
				}
				return "line " + (i + 1) + " reads " + (x == null ? "nothing (the file ends)" : "'" + around(x, at) + "'") + " where the trace makes "
						+ (y == null ? "nothing (it ends before)" : "'" + around(y, at) + "'");
			}
		}
		return null;
	}

	/** Up to 60 characters of {@code s} from a little before {@code at}, marked where cut. */
	/** The parts of a DOCX that say how its text shows: the body's runs (bold, colour, size, hidden) and the styles they use. */
	private static final List<String> SHOWN_BY = List.of("word/document.xml", "word/styles.xml");

	/** Revision ids Word adds when it saves a file, which say nothing of how the text shows. */
	private static final java.util.regex.Pattern REVISION_IDS = java.util.regex.Pattern.compile(" w(?:14)?:(?:rsid\\w*|paraId|textId)=\"[^\"]*\"");

	/**
	 * Null when the DOCX {@code actual} shows its text as {@code expected} does: its body and styles the same XML (revision ids
	 * aside); else where they differ. Its text alone was compared, so a verdict or a warning hidden (w:vanish), coloured white or set in
	 * a 1-point font left the text the trace makes and passed verify, while Word showed a reader a log without them (branch assessor10).
	 */
	private static String formatting(byte[] actual, byte[] expected) throws IOException {
		for (String part : SHOWN_BY) {
			String a = REVISION_IDS.matcher(part(actual, part)).replaceAll("");
			String e = REVISION_IDS.matcher(part(expected, part)).replaceAll("");
			if (!a.equals(e)) {
				int at = 0;
				while (at < a.length() && at < e.length() && a.charAt(at) == e.charAt(at)) {
					at++;
				}
				return "its text is the trace's, but not how it shows it: " + part + " reads '" + around(a, at) + "' where the trace makes '" + around(e, at)
						+ "' (a run hidden, recoloured or resized shows a reader another document)";
			}
		}
		return null;
	}

	/**
	 * Null when every part of the DOCX {@code actual}, read in order and through its central directory, is the part the trace makes
	 * (revision ids aside); else the first that is not. Its body and styles read in order alone were compared, so a document.xml only
	 * the central directory lists (Word's) or a title edited in docProps/core.xml passed verify (branch assessor11).
	 */
	private static String parts(byte[] actual, byte[] expected) throws IOException {
		Map<String, byte[]> made = DocxParts.inOrder(expected);
		for (boolean directory : new boolean[] { false, true }) {
			String how = directory ? "read through its central directory (as Word reads it)" : "read in order";
			Map<String, byte[]> found;
			try {
				found = directory ? DocxParts.byDirectory(actual) : DocxParts.inOrder(actual);
			} catch (IOException e) {
				return "its zip, " + how + ": " + e.getMessage();
			}
			if (!found.keySet().equals(made.keySet())) {
				return "its zip, " + how + ", holds the parts " + found.keySet() + " where the trace makes " + made.keySet();
			}
			for (Map.Entry<String, byte[]> part : made.entrySet()) {
				String a = REVISION_IDS.matcher(new String(found.get(part.getKey()), StandardCharsets.UTF_8)).replaceAll("");
				String e = REVISION_IDS.matcher(new String(part.getValue(), StandardCharsets.UTF_8)).replaceAll("");
				if (!a.equals(e)) {
					int at = 0;
					while (at < a.length() && at < e.length() && a.charAt(at) == e.charAt(at)) {
						at++;
					}
					return "its zip, " + how + ": " + part.getKey() + " reads '" + around(a, at) + "' where the trace makes '" + around(e, at) + "'";
				}
			}
		}
		return null;
	}

	/** One part of a DOCX (a zip) as text; "" when it has none. */
	private static String part(byte[] docx, String name) throws IOException {
		try (java.util.zip.ZipInputStream in = new java.util.zip.ZipInputStream(new java.io.ByteArrayInputStream(docx))) {
			for (java.util.zip.ZipEntry e = in.getNextEntry(); e != null; e = in.getNextEntry()) {
				if (e.getName().equals(name)) {
					return new String(in.readAllBytes(), StandardCharsets.UTF_8);
				}
			}
		}
		return "";
	}

	private static String around(String s, int at) {
		int from = Math.max(0, at - 20);
		int to = Math.min(s.length(), from + 60);
		return (from > 0 ? "..." : "") + s.substring(from, to) + (to < s.length() ? "..." : "");
	}

	private static int pages(byte[] pdf) {
		return LogReader.pages(pdf);
	}
}
