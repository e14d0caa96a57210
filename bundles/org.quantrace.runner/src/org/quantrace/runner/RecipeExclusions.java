package org.quantrace.runner;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.eclipse.emf.ecore.EObject;
import org.eclipse.xtext.nodemodel.INode;
import org.eclipse.xtext.nodemodel.util.NodeModelUtils;
import org.quantrace.engine.ExcludedBy;
import org.quantrace.engine.factorize.FactorizationSpec;
import org.quantrace.engine.prune.PruningSpec;
import org.quantrace.model.recipe.FactorizationStep;
import org.quantrace.model.recipe.PruningStep;

/**
 * Who excluded a layer in a recipe, for the engine's reasons ({@link ExcludedBy}): the recipe's line of each exclude pattern, so
 * that an assessor finds it ("excluded by the recipe, line 8 (layer /c1/*)"). One function makes a step's spec for the run and for
 * verify, which holds the trace's reasons against it.
 */
public final class RecipeExclusions {

	private RecipeExclusions() {
	}

	/** The prune step as the run gives it to the engine: its exclusions by their lines. */
	public static PruningSpec pruning(PruningStep step) {
		return PruningSpec.of(step).excludedBy(lines(step, step.getExcludes()));
	}

	/** The factorize step as the run gives it to the engine: its exclusions by their lines. */
	public static FactorizationSpec factorization(FactorizationStep step) {
		return FactorizationSpec.of(step).excludedBy(lines(step, step.getExcludes()));
	}

	/** Each of the step's {@code excludes} patterns by the line it is written on (the step's feature "excludes", in order). */
	private static ExcludedBy lines(EObject step, List<String> patterns) {
		List<INode> nodes = NodeModelUtils.findNodesForFeature(step, step.eClass().getEStructuralFeature("excludes"));
		Map<String, String> by = new LinkedHashMap<>();
		for (int i = 0; i < patterns.size(); i++) {
			by.putIfAbsent(patterns.get(i), i < nodes.size() ? ExcludedBy.recipeLine(null, nodes.get(i).getStartLine()) : ExcludedBy.RECIPE);
		}
		return new ExcludedBy(by);
	}
}
