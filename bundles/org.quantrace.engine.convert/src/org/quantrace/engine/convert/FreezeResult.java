package org.quantrace.engine.convert;

import java.util.List;
import java.util.Map;

import org.quantrace.engine.onnx.OnnxModel;
import org.quantrace.model.recipe.TrainingOperation;
import org.quantrace.model.trace.EliminationStatus;

/**
 * A frozen inference model and the account PhIMT0002 asks for: per training-specific operation, whether
 * it was present and removed (with node names) or not present; training-only attributes and outputs
 * found; nodes removed, each with why ({@link Removal}); constants folded; the function-preserving rewrites made (constants and shape arithmetic
 * folded, If nodes inlined, decompositions fused, opset raised, matrix products put in the forms integer kernels read); and how far the frozen model's outputs are from the
 * original's inference behaviour on the verification samples.
 */
public record FreezeResult(OnnxModel model, Map<TrainingOperation, Elimination> eliminations, List<String> trainingArtifacts,
		List<String> removedNodes, Map<String, Removal> removalReasons, int foldedConstants, double maxAbsDifference, int verificationSamples, String verificationData,
		FreezeOptions options, List<Rewrite> rewrites) {

	/** What became of one PhIMT0002 training-specific operation. */
	public record Elimination(TrainingOperation operation, EliminationStatus status, List<String> nodes, String details) {
	}
}
