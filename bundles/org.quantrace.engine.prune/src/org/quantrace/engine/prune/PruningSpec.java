package org.quantrace.engine.prune;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

import org.quantrace.engine.ExcludedBy;
import org.quantrace.engine.InvalidInputException;
import org.quantrace.model.recipe.PruningCriterion;
import org.quantrace.model.recipe.PruningPattern;
import org.quantrace.model.recipe.PruningStep;
import org.quantrace.model.recipe.ThresholdScope;

/**
 * Resolved pruning options: criterion (L1/L2 norm of each group of weights), threshold scope (one
 * threshold over all layers, or one per layer), pattern (element, vector, block, channel), target
 * sparsity in percent, group shapes, per-layer targets and excluded layers (names, * and ? wildcards).
 */
public record PruningSpec(PruningCriterion criterion, ThresholdScope scope, PruningPattern pattern, double sparsity, int blockRows,
		int blockColumns, int vectorLength, Map<String, Double> layerSparsity, List<String> excludes, ExcludedBy excludedBy) {

	/** Excluded layers without saying who: the recipe. */
	public PruningSpec(PruningCriterion criterion, ThresholdScope scope, PruningPattern pattern, double sparsity, int blockRows, int blockColumns,
			int vectorLength, Map<String, Double> layerSparsity, List<String> excludes) {
		this(criterion, scope, pattern, sparsity, blockRows, blockColumns, vectorLength, layerSparsity, excludes, ExcludedBy.UNSAID);
	}

	public PruningSpec {
		check(sparsity, "sparsity");
		layerSparsity.forEach((layer, s) -> check(s, "sparsity of " + layer));
		if (blockRows < 1 || blockColumns < 1 || vectorLength < 1) {
			throw new InvalidInputException("block and vector sizes must be at least 1", "e.g. block 4 x 1, vector 4");
		}
	}

	private static void check(double s, String what) {
		if (!(s >= 0 && s < 100)) {
			throw new InvalidInputException(what + " " + s + "% is outside [0, 100)", "give the share of weights to remove, e.g. 50");
		}
	}

	/** This spec with its exclusions vouched for by {@code by} (the recipe's lines, the command's option). */
	public PruningSpec excludedBy(ExcludedBy by) {
		return new PruningSpec(criterion, scope, pattern, sparsity, blockRows, blockColumns, vectorLength, layerSparsity, excludes, by);
	}

	public static PruningSpec of(PruningStep step) {
		Map<String, Double> layers = new LinkedHashMap<>();
		step.getLayerSparsities().forEach(l -> layers.put(l.getLayer(), l.getSparsity()));
		return new PruningSpec(step.getCriterion(), step.getScope(), step.getPattern(), step.getSparsity(), step.getBlockRows(),
				step.getBlockColumns(), step.getVectorLength(), layers, List.copyOf(step.getExcludes()));
	}

	public static PruningSpec of(PruningPattern pattern, double sparsity, ThresholdScope scope, List<String> excludes) {
		return new PruningSpec(PruningCriterion.L1_MAGNITUDE, scope, pattern, sparsity, 4, 1, 4, Map.of(), excludes);
	}

	/**
	 * Whether the pattern's figures count weights alone: element, vector and block pruning rank and zero weights and never a bias,
	 * and their target is a share of the weights; channel pruning removes filters with their biases, its figures count parameters.
	 */
	public boolean countsWeights() {
		return pattern != PruningPattern.CHANNEL;
	}

	/**
	 * What the pattern scores and ranks, in the logs' words. An element pattern said "mean |w| (L1) or RMS (L2) of each group; channels
	 * scored relative to their layer's average", of groups and channels it has not (assessor59).
	 */
	public String scoreWords() {
		if (criterion == PruningCriterion.ACTIVATION) {
			return "mean |activation| each channel's readers see on the samples, relative to its layer's average (averaged over the tensors they read)";
		}
		String norm = criterion == PruningCriterion.L1_MAGNITUDE ? "mean |w| (L1)" : "RMS (L2)";
		return switch (pattern) {
		case ELEMENT -> "|w| of each weight (the L1 and L2 norms of one weight are both |w|); the lowest-scoring weights set to zero, biases left";
		case VECTOR -> norm + " of each vector of " + vectorLength + " consecutive weights of one output along its inputs; the lowest-scoring vectors set to zero, biases left";
		case BLOCK -> norm + " of each block of " + blockRows + " outputs x " + blockColumns + " inputs; the lowest-scoring blocks set to zero, biases left";
		case CHANNEL -> norm + " of each output channel's filter, relative to its layer's average filter (averaged over the layers that share the channel)";
		};
	}

	/** Why {@code layer} is not pruned if an exclusion matches it ("excluded by the recipe, line 8 (layer /c1/*)"), else null. */
	public String exclusionReason(String layer) {
		return excludes.stream().filter(p -> ExcludedBy.matches(p, layer)).findFirst().map(p -> excludedBy.reason("layer", p)).orElse(null);
	}

	/** The layer's own target, if the spec names one (its pattern may use wildcards). */
	Double sparsityOf(String layer) {
		for (Map.Entry<String, Double> e : layerSparsity.entrySet()) {
			if (glob(e.getKey()).matcher(layer).matches()) {
				return e.getValue();
			}
		}
		return null;
	}

	private static Pattern glob(String pattern) {
		StringBuilder re = new StringBuilder();
		for (char c : pattern.toCharArray()) {
			re.append(c == '*' ? ".*" : c == '?' ? "." : Pattern.quote(String.valueOf(c)));
		}
		return Pattern.compile(re.toString());
	}
}
