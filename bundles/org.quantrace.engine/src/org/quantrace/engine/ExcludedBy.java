package org.quantrace.engine;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Who excluded a layer from a step, and the words every engine's reason for such a layer says: "excluded by the recipe, line 12
 * (op Gemm)", "excluded by the command's option --exclude (layer /c1/Conv)". One owner for quantize, prune and factorize: a
 * `quantrace prune --exclude` has no recipe, and its reasons said "excluded by the recipe" (logs63). The engine knows no recipe
 * language: the caller says who ({@link #recipeLine}, {@link #OPTION}) per pattern; a pattern nobody vouched for is the recipe's.
 */
public record ExcludedBy(Map<String, String> byPattern) {

	/** Who excluded a node when the caller does not say. */
	public static final String RECIPE = "the recipe";

	/** Who excluded a node on the command line. */
	public static final String OPTION = "the command's option --exclude";

	/** The recipe's, pattern by pattern unknown. */
	public static final ExcludedBy UNSAID = new ExcludedBy(Map.of());

	public ExcludedBy {
		byPattern = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(byPattern));
	}

	/** Every pattern of {@code patterns} by {@code who}. */
	public static ExcludedBy all(Iterable<String> patterns, String who) {
		Map<String, String> by = new LinkedHashMap<>();
		patterns.forEach(p -> by.putIfAbsent(p, who));
		return new ExcludedBy(by);
	}

	/** "the recipe, line 12", or "the recipe file base.qr, line 12" for a clause of a file the recipe imports ({@code file} non-null). */
	public static String recipeLine(String file, int line) {
		return (file == null ? RECIPE : "the recipe file " + file) + ", line " + line;
	}

	/** The reason of a layer {@code pattern} matched: "excluded by WHO (KIND PATTERN)", WHO the one vouching for the pattern. */
	public String reason(String kind, String pattern) {
		return words(byPattern.getOrDefault(pattern, RECIPE), kind, pattern);
	}

	/** The words themselves: "excluded by " + who + " (" + kind + " " + pattern + ")". */
	public static String words(String who, String kind, String pattern) {
		return "excluded by " + who + " (" + kind + " " + pattern + ")";
	}

	/** Whether {@code reason} is one of these words (a layer's reason that says who excluded it). */
	public static boolean says(String reason) {
		return reason != null && reason.startsWith("excluded by ");
	}

	/** Whether {@code name} matches {@code pattern}, whose * and ? are wildcards (every step's exclusion patterns). */
	public static boolean matches(String pattern, String name) {
		StringBuilder re = new StringBuilder();
		for (char c : pattern.toCharArray()) {
			re.append(c == '*' ? ".*" : c == '?' ? "." : java.util.regex.Pattern.quote(String.valueOf(c)));
		}
		return name.matches(re.toString());
	}
}
