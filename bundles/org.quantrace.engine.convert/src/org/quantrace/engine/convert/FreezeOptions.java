package org.quantrace.engine.convert;

import java.util.EnumSet;
import java.util.Set;

import org.quantrace.model.recipe.ConversionStep;
import org.quantrace.model.recipe.TrainingOperation;

/**
 * What freezing does: which training-specific operations to eliminate (all by default), whether to
 * fold constant subgraphs, and an opset to upgrade to (0 keeps the model's).
 */
public record FreezeOptions(Set<TrainingOperation> eliminate, boolean foldConstants, int targetOpset) {

	public static FreezeOptions defaults() {
		return new FreezeOptions(EnumSet.allOf(TrainingOperation.class), true, 0);
	}

	/** From a recipe's conversion step; an empty eliminate list means all of them. */
	public static FreezeOptions of(ConversionStep step) {
		Set<TrainingOperation> ops = step.getEliminate().isEmpty() ? EnumSet.allOf(TrainingOperation.class) : EnumSet.copyOf(step.getEliminate());
		return new FreezeOptions(ops, step.isFoldConstants(), step.getTargetOpset());
	}
}
