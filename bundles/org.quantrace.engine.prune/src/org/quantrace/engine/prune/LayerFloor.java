package org.quantrace.engine.prune;

import java.util.Locale;

/**
 * The most global channel pruning takes from one layer. Channel scores are norms relative to their layer's mean (torch-pruning's
 * "mean" normalizer), so a layer with a wide spread of filter norms, typically a 16-filter stem, offers its weakest filters before
 * any other layer's, and without fine-tuning that costs the most (make_unseen26's bifpn at 5 % global: stem 16 → 11, top-1 0.85 →
 * 0.47). As torch-pruning's max_pruning_ratio and NNI's max_sparse_ratio do, a layer loses at most a share of its channels: here
 * {@value #FACTOR} times the target share, at most {@value #MOST} %, never less than the target itself, and keeps one channel at least.
 */
final class LayerFloor {

	static final double FACTOR = 1.5;
	static final double MOST = 90;

	private LayerFloor() {
	}

	/** The share (in percent) of one layer's channels global pruning at {@code targetPercent} may remove. */
	static double maxRemovedPercent(double targetPercent) {
		return Math.max(targetPercent, Math.min(FACTOR * targetPercent, MOST));
	}

	/** The channels a layer of {@code channels} keeps at least when it may lose {@code maxRemovedPercent} of them. */
	static int kept(int channels, double maxRemovedPercent) {
		return Math.max(1, channels - (int) Math.floor(channels * maxRemovedPercent / 100));
	}

	/** What the trace and the command's log say of a layer the floor held back. */
	static String reason(int channels, int kept, double targetPercent) {
		// no word of what went instead: when every layer is at its floor the target is not reached, and the achieved sparsity says so
		return String.format(Locale.ROOT, "kept %d of %d channels: global pruning at %s %% takes at most %s %% of one layer's channels (%s x the target,"
				+ " at most %s %%)", kept, channels, number(targetPercent),
				number(maxRemovedPercent(targetPercent)), number(FACTOR), number(MOST));
	}

	private static String number(double v) {
		return v == Math.rint(v) ? Long.toString((long) v) : String.format(Locale.ROOT, "%.1f", v);
	}
}
