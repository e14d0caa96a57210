package org.quantrace.engine.convert;

import java.util.EnumSet;
import java.util.Set;

import org.quantrace.model.recipe.ConversionStep;
import org.quantrace.model.recipe.TrainingOperation;

/**
 * What freezing does: which training-specific operations to eliminate (all by default), whether to fold constant
 * subgraphs (shape arithmetic and If nodes with constant conditions included), whether to fuse the decompositions
 * exporters write for HardSigmoid, HardSwish, GELU and LayerNormalization, and an opset to upgrade to (0 keeps the
 * model's, unless a fused op needs a newer one).
 */
public record FreezeOptions(Set<TrainingOperation> eliminate, boolean foldConstants, int targetOpset, boolean fusePatterns) {

	public FreezeOptions(Set<TrainingOperation> eliminate, boolean foldConstants, int targetOpset) {
		this(eliminate, foldConstants, targetOpset, true);
	}

	public static FreezeOptions defaults() {
		return new FreezeOptions(EnumSet.allOf(TrainingOperation.class), true, 0, true);
	}

	/** From a recipe's conversion step; an empty eliminate list means all of them. */
	public static FreezeOptions of(ConversionStep step) {
		Set<TrainingOperation> ops = step.getEliminate().isEmpty() ? EnumSet.allOf(TrainingOperation.class) : EnumSet.copyOf(step.getEliminate());
		return new FreezeOptions(ops, step.isFoldConstants(), step.getTargetOpset(), true);
	}

	public FreezeOptions withoutFusion() {
		return new FreezeOptions(eliminate, foldConstants, targetOpset, false);
	}
}
