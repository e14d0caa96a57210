package org.quantrace.ide.editor.quickfix;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

import org.quantrace.dsl.Suggestions;
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

	private static final int MAX_FIXES = Suggestions.MAX;

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
		return Suggestions.nearest(word, candidates).stream()
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
				for (String sibling : Suggestions.nearest(segment, children(dir))) {
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
}
