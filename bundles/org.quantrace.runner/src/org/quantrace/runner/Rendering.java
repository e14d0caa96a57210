package org.quantrace.runner;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;

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
	 * numbers aside (its bold and italic fonts are the machine's, which may lay the lines out otherwise), or, when it has
	 * another number of pages, {@link #LAYOUT}...
	 */
	static String difference(String name, byte[] actual, byte[] expected) throws IOException {
		if (Arrays.equals(actual, expected)) {
			return null;
		}
		String format = name.substring(name.lastIndexOf('.') + 1);
		switch (format) {
		case "docx" -> { // by its text: rendered again in the JVM of the runner tests (after other renderings) its bytes differed, its text did not (which part differs was not found)
			return lines(LogReader.text(name, actual), LogReader.text(name, expected));
		}
		case "pdf" -> {
			String a = LogReader.squeeze(LogReader.text(name, actual)).replaceAll("page\\d+of\\d+", "");
			String e = LogReader.squeeze(LogReader.text(name, expected)).replaceAll("page\\d+of\\d+", "");
			if (a.equals(e)) {
				return null;
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
	private static String around(String s, int at) {
		int from = Math.max(0, at - 20);
		int to = Math.min(s.length(), from + 60);
		return (from > 0 ? "..." : "") + s.substring(from, to) + (to < s.length() ? "..." : "");
	}

	private static int pages(byte[] pdf) {
		return LogReader.pages(pdf);
	}
}
