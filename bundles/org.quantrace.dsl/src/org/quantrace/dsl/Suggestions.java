package org.quantrace.dsl;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * "Did you mean": the words closest to one that was not understood. One function for every place that
 * suggests a word (syntax errors, unknown names in the validator's messages, the editor's quick fixes), so a
 * typo gets the same answer on the command line, in the language server and in the IDE.
 * <p>
 * Closeness is the edit distance with adjacent transpositions (optimal string alignment: "schemse" is one
 * typo away from "schemes"), ignoring case. A candidate counts when it is at most {@code max(2, length / 3)}
 * edits away; at most {@link #MAX} are returned, nearest first, ties in alphabetical order.
 */
public final class Suggestions {

	/** At most this many suggestions. */
	public static final int MAX = 3;

	private Suggestions() {
	}

	/**
	 * The candidates close enough to {@code word} to be what was meant, nearest first (at most {@link #MAX}).
	 * {@code word} itself is never suggested; a candidate differing from it only in case is (distance 0).
	 *
	 * @param word       what was written
	 * @param candidates what could stand there (keywords, declared names, files...), in any order, repeats allowed
	 * @return the suggestions, possibly none
	 */
	public static List<String> nearest(String word, Iterable<String> candidates) {
		String w = word.toLowerCase(Locale.ROOT);
		int limit = Math.max(2, w.length() / 3);
		record Scored(String candidate, int distance) {
		}
		List<Scored> scored = new ArrayList<>();
		Set<String> seen = new LinkedHashSet<>();
		for (String c : candidates) {
			if (c == null || c.equals(word) || !seen.add(c)) {
				continue;
			}
			int d = distance(w, c.toLowerCase(Locale.ROOT));
			if (d <= limit) {
				scored.add(new Scored(c, d));
			}
		}
		return scored.stream().sorted(Comparator.comparingInt(Scored::distance).thenComparing(Scored::candidate)).limit(MAX).map(Scored::candidate)
				.toList();
	}

	/**
	 * The suggestion as a message says it, {@code "did you mean 'schemes'?"} (or {@code "did you mean 'a' or 'b'?"}), or
	 * null when no candidate is close.
	 */
	public static String didYouMean(String word, Iterable<String> candidates) {
		List<String> near = nearest(word, candidates);
		if (near.isEmpty()) {
			return null;
		}
		StringBuilder s = new StringBuilder("did you mean ");
		for (int i = 0; i < near.size(); i++) {
			s.append(i == 0 ? "" : i == near.size() - 1 ? " or " : ", ").append('\'').append(near.get(i)).append('\'');
		}
		return s.append('?').toString();
	}

	/** Edit distance with adjacent transpositions (optimal string alignment): a swapped pair of letters is one edit. */
	public static int distance(String a, String b) {
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
