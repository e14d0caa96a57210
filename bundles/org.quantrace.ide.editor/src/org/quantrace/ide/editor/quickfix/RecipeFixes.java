package org.quantrace.ide.editor.quickfix;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Stream;

import org.quantrace.dsl.validation.IssueCodes;
import org.quantrace.ide.editor.contentassist.RecipeCompletions;

/**
 * Quick fixes for the common issue codes, computed from the text as it is now:
 * <ul>
 * <li>a word the parser or the linker did not know (an unknown scheme, name, metric or keyword): "did you
 * mean", among what content assist would offer at that place, the nearest by edit distance;</li>
 * <li>a path that does not exist: the nearest existing file, found segment by segment from the recipe's folder.</li>
 * </ul>
 * The markers of the Problems view and the annotations of unsaved text use the same fixes.
 */
public final class RecipeFixes {

	/** Replace [offset, offset + length), which reads {@code original}, with {@code replacement}. */
	public record Fix(String label, int offset, int length, String original, String replacement) {
	}

	private static final int MAX_FIXES = 3;

	private RecipeFixes() {
	}

	public static boolean canFix(String code) {
		return IssueCodes.UNKNOWN_SCHEME.equals(code) || IssueCodes.UNKNOWN_REFERENCE.equals(code) || IssueCodes.SYNTAX.equals(code)
				|| IssueCodes.PATH_NOT_FOUND.equals(code) || IssueCodes.IMPORT_NOT_FOUND.equals(code);
	}

	/** The fixes for an issue of {@code code} at [offset, offset + length) of {@code text} (the recipe {@code file}). */
	public static List<Fix> fixes(String text, Path file, String code, int offset, int length) {
		if (offset < 0 || offset + length > text.length() || length <= 0) {
			return List.of();
		}
		String original = text.substring(offset, offset + length);
		if (IssueCodes.PATH_NOT_FOUND.equals(code) || IssueCodes.IMPORT_NOT_FOUND.equals(code)) {
			return paths(file, original, offset, length);
		}
		if (canFix(code)) {
			return words(text, file, original, offset, length);
		}
		return List.of();
	}

	/** "Did you mean": what completion proposes where the unknown word stands, nearest first. */
	private static List<Fix> words(String text, Path file, String word, int offset, int length) {
		if (!word.matches("[A-Za-z_][\\w./-]*")) {
			return List.of();
		}
		String without = text.substring(0, offset) + text.substring(offset + length);
		Set<String> candidates = new LinkedHashSet<>();
		for (RecipeCompletions.Completion c : RecipeCompletions.at(without, file, offset, () -> false)) {
			if (c.text() != null && c.text().matches("[A-Za-z_][\\w./-]*")) {
				candidates.add(c.text());
			}
		}
		return nearest(word, candidates).stream()
				.map(c -> new Fix("Did you mean '" + c + "'? Change '" + word + "' to '" + c + "'", offset, length, word, c)).toList();
	}

	/** The nearest existing file for a path written in quotes, relative to the recipe's folder. */
	private static List<Fix> paths(Path file, String quoted, int offset, int length) {
		if (file == null || quoted.length() < 2 || !quoted.startsWith("\"") || !quoted.endsWith("\"")) {
			return List.of();
		}
		String written = quoted.substring(1, quoted.length() - 1);
		Path base = file.toAbsolutePath().getParent();
		List<String> found = nearestPaths(base, written);
		return found.stream().map(p -> new Fix("Change the path to \"" + p + "\" (exists)", offset, length, quoted, "\"" + p + "\"")).toList();
	}

	/** Existing paths, relative to {@code base} and spelled with '/', that are closest to {@code written}. */
	static List<String> nearestPaths(Path base, String written) {
		String[] segments = written.replace('\\', '/').split("/");
		List<String> prefixes = List.of("");
		for (int i = 0; i < segments.length; i++) {
			String segment = segments[i];
			boolean last = i == segments.length - 1;
			List<String> next = new ArrayList<>();
			for (String prefix : prefixes) {
				Path dir = base.resolve(prefix.isEmpty() ? "." : prefix);
				if (segment.isEmpty() || segment.equals(".") || segment.equals("..") || Files.exists(dir.resolve(segment))) {
					next.add(prefix + segment + (last ? "" : "/"));
					continue;
				}
				for (String sibling : nearest(segment, children(dir))) {
					next.add(prefix + sibling + (last ? "" : "/"));
				}
			}
			prefixes = next.stream().distinct().limit(MAX_FIXES).toList();
		}
		return prefixes.stream().filter(p -> !p.equals(written) && Files.exists(base.resolve(p))).toList();
	}

	private static List<String> children(Path dir) {
		if (!Files.isDirectory(dir)) {
			return List.of();
		}
		try (Stream<Path> list = Files.list(dir)) {
			return list.map(p -> p.getFileName().toString()).filter(n -> !n.startsWith(".")).sorted().toList();
		} catch (IOException e) {
			return List.of();
		}
	}

	/** The candidates close enough to {@code word} to be what was meant, nearest first (at most three). */
	static List<String> nearest(String word, Iterable<String> candidates) {
		String w = word.toLowerCase(Locale.ROOT);
		int limit = Math.max(2, w.length() / 3);
		record Scored(String candidate, int distance) {
		}
		List<Scored> scored = new ArrayList<>();
		for (String c : candidates) {
			int d = distance(w, c.toLowerCase(Locale.ROOT));
			if (d > 0 && d <= limit || d == 0 && !c.equals(word)) {
				scored.add(new Scored(c, d));
			}
		}
		return scored.stream().sorted(Comparator.comparingInt(Scored::distance).thenComparing(Scored::candidate)).limit(MAX_FIXES)
				.map(Scored::candidate).toList();
	}

	/** Edit distance with adjacent transpositions (optimal string alignment): a swapped pair of letters is one typo. */
	static int distance(String a, String b) {
		int[][] d = new int[a.length() + 1][b.length() + 1];
		for (int i = 0; i <= a.length(); i++) {
			d[i][0] = i;
		}
		for (int j = 0; j <= b.length(); j++) {
			d[0][j] = j;
		}
		for (int i = 1; i <= a.length(); i++) {
			for (int j = 1; j <= b.length(); j++) {
				int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
				d[i][j] = Math.min(Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1), d[i - 1][j - 1] + cost);
				if (i > 1 && j > 1 && a.charAt(i - 1) == b.charAt(j - 2) && a.charAt(i - 2) == b.charAt(j - 1)) {
					d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
				}
			}
		}
		return d[a.length()][b.length()];
	}
}
