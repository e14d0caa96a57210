package org.quantrace.runner.verify;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.quantrace.report.LogReader;

/**
 * How verify holds a log cell, as a document read back gives it, against what it expects: the one place that decides it.
 * A log read back keeps every character that was printed but may add whitespace anywhere: the PDF's text extraction puts a
 * space where the layout wrapped a line, and the layout wraps a long cell inside a name, at a '/', a '_' or a hyphen
 * ("'/c /AveragePool_sums'", "the map 9 /count", "per- channel", "/features /features.1/Dropout"); the DOCX and HTML
 * their own way. So:
 * <ul>
 * <li>a cell states a text when the two are the same once whitespace is taken out ({@link #same}, {@link #key});</li>
 * <li>a statement is found in a cell by its pattern of words ({@link #words}) run on the cell without whitespace, each
 * match mapped back to the span of the cell it covers ({@link #find}, {@link #stated}, {@link #before});</li>
 * <li>a cell names a node or layer when the name is the cell, or else the one name of the model that is the cell
 * whitespace aside ({@link Names}: two names that differ only in whitespace are told apart by nothing, so neither is).</li>
 * </ul>
 * Nothing but whitespace is ignored: a statement's names, counts, fractions ("1/9") and words must still be those the files
 * give, character for character. Whitespace could only matter between two numbers ("8 2" against "82"): no statement of
 * the logs puts two numbers next to each other, and a match may neither start nor end inside a number.
 */
final class Cells {

	private Cells() {
	}

	/** {@code text} without its whitespace ({@link LogReader#squeeze}): what is compared. */
	static String key(String text) {
		return LogReader.squeeze(text);
	}

	/** Whether a cell prints {@code expected}, wherever its lines were broken. */
	static boolean same(String printed, String expected) {
		return key(printed).equals(key(expected));
	}

	/** Whether a cell starts with {@code words}, wherever its lines were broken. */
	static boolean startsWith(String printed, String words) {
		return key(printed).startsWith(key(words));
	}

	/**
	 * A statement's pattern of words ({@code \s*}, {@code \s+} or a space between words, as the writer's patterns have them)
	 * for a cell read back: without them, run by {@link #find} on the cell without its whitespace, and held off a number on
	 * either side (the lookarounds keep "18 zero channels" from reading as "8 zero channels").
	 */
	static Pattern words(String regex) {
		String squeezed = regex.replace("\\s*", "").replace("\\s+", "").replace(" ", "");
		return Pattern.compile("(?<![0-9])(?:" + squeezed + ")(?![0-9])");
	}

	/** {@link #words(String)} of a writer's pattern. */
	static Pattern words(Pattern written) {
		return words(written.pattern());
	}

	/** Where a statement stands in a cell: [start, end) of the cell as read, its whitespace included. */
	record Span(int start, int end) {
	}

	/** The spans of {@code cell} that {@code words} (a pattern of {@link #words}) matches once the cell's whitespace is taken out. */
	static List<Span> find(Pattern words, String cell) {
		String t = cell == null ? "" : cell;
		StringBuilder kept = new StringBuilder(t.length());
		int[] at = new int[t.length()];
		for (int i = 0; i < t.length(); i++) {
			char c = t.charAt(i);
			if (!white(c)) {
				at[kept.length()] = i;
				kept.append(c);
			}
		}
		List<Span> spans = new ArrayList<>();
		Matcher m = words.matcher(kept);
		while (m.find()) {
			if (m.end() > m.start()) {
				spans.add(new Span(at[m.start()], at[m.end() - 1] + 1));
			}
		}
		return spans;
	}

	/** The statements {@code words} finds in {@code text}, each as printed with its whitespace runs made one space. */
	static List<String> stated(Pattern words, String text) {
		List<String> s = new ArrayList<>();
		for (Span span : find(words, text)) {
			s.add(text.substring(span.start(), span.end()).replaceAll("[\\s\\u00a0]+", " "));
		}
		return s;
	}

	/** {@code cell} up to the first statement {@code words} finds in it (all of it when there is none). */
	static String before(Pattern words, String cell) {
		List<Span> spans = find(words, cell);
		return spans.isEmpty() ? cell : cell.substring(0, spans.get(0).start());
	}

	/**
	 * The names of a list the writer joined with ", ", read back without whitespace ({@link #key}): split at the commas that
	 * end one of {@code known} (a name may hold a comma: "conv,1").
	 */
	static List<String> list(String squeezed, Collection<String> known) {
		return split(squeezed, ",", known);
	}

	/**
	 * The names of {@code text}, a list joined with {@code separator}: split at the separators that end one of {@code known}, the
	 * longest such name first; where none of them starts, up to the next separator (a name the files do not have, which the
	 * check then names).
	 */
	static List<String> split(String text, String separator, Collection<String> known) {
		List<String> names = new ArrayList<>();
		int at = 0;
		while (at < text.length()) {
			int from = at;
			String name = known.stream().filter(k -> !k.isEmpty() && text.startsWith(k, from)
					&& (from + k.length() == text.length() || text.startsWith(separator, from + k.length())))
					.max(Comparator.comparingInt(String::length)).orElse(null);
			int next = text.indexOf(separator, at);
			int end = name != null ? at + name.length() : next < 0 ? text.length() : next;
			names.add(text.substring(at, end));
			at = end + separator.length();
		}
		return names;
	}

	/** The whitespace {@link LogReader#squeeze} takes out. */
	private static boolean white(char c) {
		return c == ' ' || c == '\t' || c == '\n' || c == '\u000B' || c == '\f' || c == '\r' || c == '\u00a0';
	}

	/** The names of a model's nodes (or layers), to find the one a cell names wherever the document broke it. */
	static final class Names {
		private final Set<String> names = new HashSet<>();
		private final Map<String, String> byKey = new HashMap<>();
		private final Set<String> ambiguous = new HashSet<>();

		Names(Iterable<String> all) {
			for (String n : all) {
				if (names.add(n)) {
					String k = key(n);
					if (byKey.putIfAbsent(k, n) != null) {
						ambiguous.add(k);
					}
				}
			}
		}

		/** The name {@code printed} names: itself when it is one, else the one name that is it whitespace aside; null when none is. */
		String of(String printed) {
			if (names.contains(printed)) {
				return printed;
			}
			String k = key(printed);
			return ambiguous.contains(k) ? null : byKey.get(k);
		}

		/** {@link #of}, or {@code printed} as it is when it names none (the check then says there is no such name). */
		String orPrinted(String printed) {
			String n = of(printed);
			return n == null ? printed : n;
		}
	}
}
