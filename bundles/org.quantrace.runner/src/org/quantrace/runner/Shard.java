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

	public boolean includes(int position) {
		return position % count == index - 1;
	}

	@Override
	public String toString() {
		return index + "/" + count;
	}
}
