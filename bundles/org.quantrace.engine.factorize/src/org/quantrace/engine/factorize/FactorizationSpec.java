package org.quantrace.engine.factorize;

import java.util.List;

import org.quantrace.engine.ExcludedBy;
import org.quantrace.engine.InvalidInputException;
import org.quantrace.model.recipe.FactorizationStep;
import org.quantrace.model.recipe.FactorizationTarget;
import org.quantrace.model.recipe.RankSelection;

/**
 * Resolved low-rank factorization options: which layers (dense, 1×1 convolutions, or both), how the rank
 * is chosen (a fixed rank, a fraction of the full rank, or the retained energy in percent), and excluded
 * layers.
 */
public record FactorizationSpec(FactorizationTarget target, RankSelection selection, double value, List<String> excludes, ExcludedBy excludedBy) {

	/** Excluded layers without saying who: the recipe. */
	public FactorizationSpec(FactorizationTarget target, RankSelection selection, double value, List<String> excludes) {
		this(target, selection, value, excludes, ExcludedBy.UNSAID);
	}

	public FactorizationSpec {
		switch (selection) {
		case FIXED_RANK -> check(value >= 1 && value == Math.rint(value), "rank " + value + " is not a whole number >= 1", "e.g. --rank 16");
		case RANK_RATIO -> check(value > 0 && value <= 1, "rank ratio " + value + " is outside (0, 1]", "e.g. --rank-ratio 0.25");
		case ENERGY -> check(value > 0 && value <= 100, "energy " + value + "% is outside (0, 100]", "e.g. --energy 95");
		}
	}

	private static void check(boolean ok, String what, String hint) {
		if (!ok) {
			throw new InvalidInputException(what, hint);
		}
	}

	public static FactorizationSpec of(FactorizationStep step) {
		return new FactorizationSpec(step.getTarget(), step.getRankSelection(), step.getValue(), List.copyOf(step.getExcludes()));
	}

	/** This spec with its exclusions vouched for by {@code by} (the recipe's lines, the command's option). */
	public FactorizationSpec excludedBy(ExcludedBy by) {
		return new FactorizationSpec(target, selection, value, excludes, by);
	}

	/** Why {@code layer} is not factorized if an exclusion matches it ("excluded by the recipe, line 8 (layer fc*)"), else null. */
	public String exclusionReason(String layer) {
		return excludes.stream().filter(p -> ExcludedBy.matches(p, layer)).findFirst().map(p -> excludedBy.reason("layer", p)).orElse(null);
	}
}
