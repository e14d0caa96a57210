package org.quantrace.engine.prune;

import java.util.Locale;

/**
 * The most global channel pruning takes from one channel space. Channel scores are norms relative to their layer's mean
 * (torch-pruning's "mean" normalizer), so a layer with a wide spread of filter norms, typically a 16-filter stem, offers its weakest
 * filters before any other layer's, and without fine-tuning that costs the most (make_unseen26's bifpn at 5 % global: stem 16 → 11,
 * top-1 0.85 → 0.47). As torch-pruning's max_pruning_ratio and NNI's max_sparse_ratio do, a layer loses at most a share of its
 * channels: here {@value #FACTOR} times the target share, at most {@value #MOST} %, never less than the target itself, and keeps one
 * channel at least.
 * <p>
 * A space of several layers joined by residual Adds loses at most that share divided by its number of layers: one of its channels is
 * a filter of each of them and the channel of every block that reads the residual stream, yet its score is one layer's average
 * (torch-pruning normalises a group's importance over its members for the same reason). The zoo's MobileNetV2 at 10 % global lost
 * 2 of the 16 channels its stem shares with the first block's projection, top-1 0.8655 → 0.6645 for that space alone (prune10's
 * per-space measurement; every other space alone at most 1.5 pt): now 1 at most.
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

	/** The share (in percent) of the channels of a space of {@code layers} layers global pruning at {@code targetPercent} may remove. */
	static double maxRemovedPercent(double targetPercent, int layers) {
		return maxRemovedPercent(targetPercent) / layers;
	}

	/** The channels a layer of {@code channels} keeps at least when it may lose {@code maxRemovedPercent} of them. */
	static int kept(int channels, double maxRemovedPercent) {
		return Math.max(1, channels - (int) Math.floor(channels * maxRemovedPercent / 100));
	}

	/** What the trace and the command's log say of a layer of a space of {@code layers} layers the floor held back. */
	static String reason(int channels, int kept, double targetPercent, int layers) {
		// no word of what went instead: when every layer is at its floor the target is not reached, and the achieved sparsity says so
		String one = String.format(Locale.ROOT, "kept %d of %d channels: global pruning at %s %% takes at most %s %% of one layer's channels (%s x the target,"
				+ " at most %s %%)", kept, channels, number(targetPercent), number(maxRemovedPercent(targetPercent)), number(FACTOR), number(MOST));
		return layers == 1 ? one
				: one + String.format(Locale.ROOT, ", of a space of %d layers joined by residual Adds 1/%d of that (%s %%)", layers, layers,
						number(maxRemovedPercent(targetPercent, layers)));
	}

	private static String number(double v) {
		return v == Math.rint(v) ? Long.toString((long) v) : new java.math.BigDecimal(String.format(Locale.ROOT, "%.2f", v)).stripTrailingZeros().toPlainString();
	}
}
