package org.quantrace.runner;

import org.quantrace.engine.InvalidInputException;

/** Shard {@code index} of {@code count} (1-based): the pipelines whose position p satisfies p mod count = index - 1. */
public record Shard(int index, int count) {

	public static final Shard ALL = new Shard(1, 1);

	/** "2/4" → the second of four shards. */
	public static Shard parse(String text) {
		String[] p = text.trim().split("/");
		try {
			if (p.length == 2) {
				Shard s = new Shard(Integer.parseInt(p[0].trim()), Integer.parseInt(p[1].trim()));
				if (s.count >= 1 && s.index >= 1 && s.index <= s.count) {
					return s;
				}
			}
		} catch (NumberFormatException e) {
			// reported below
		}
		throw new InvalidInputException("--shard " + text + ": expected i/n with 1 <= i <= n", "e.g. --shard 1/4 ... --shard 4/4 for a matrix of four jobs");
	}

	/**
	 * Refuses more shards than the run has pipelines ({@code models} x {@code schemes}, a model without schemes one): shard
	 * 50/99 of five pipelines held none, and its results.json and report said "nothing was evaluated (the recipe has no
	 * evaluate step)" of a recipe that has one (hostile10). A shard i/n holds a pipeline exactly when i is at most their count.
	 */
	public void requireAtMost(int models, int schemes, boolean only) {
		int pipelines = models * Math.max(1, schemes);
		if (count <= pipelines) {
			return;
		}
		String what = models + (models == 1 ? " model" : " models") + (schemes == 0 ? ", no scheme"
				: " x " + schemes + (schemes == 1 ? " scheme" : " schemes") + (only ? " of --only" : ""));
		throw new InvalidInputException("--shard " + this + ": the run has " + pipelines + (pipelines == 1 ? " pipeline (" : " pipelines (") + what
				+ "), so shards " + (pipelines + 1) + " to " + count + " of " + count + " would run nothing",
				pipelines == 1 ? "run it without --shard" : "split it into at most " + pipelines + " shards: --shard 1/" + pipelines + " ... --shard " + pipelines + "/" + pipelines);
	}

	public boolean includes(int position) {
		return position % count == index - 1;
	}

	@Override
	public String toString() {
		return index + "/" + count;
	}
}
