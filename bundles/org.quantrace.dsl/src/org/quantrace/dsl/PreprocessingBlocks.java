package org.quantrace.dsl;

import org.quantrace.model.recipe.DatasetDeclaration;
import org.quantrace.model.recipe.ModelDeclaration;
import org.quantrace.model.recipe.Preprocessing;
import org.quantrace.model.recipe.Recipe;

/**
 * Which preprocess block applies when a model reads a dataset: the dataset's own, else the model's, else the recipe's unnamed
 * block, else none (the defaults). The runner opens data by it and the validator checks by it, so both read a recipe the same way.
 */
public final class PreprocessingBlocks {

	private PreprocessingBlocks() {
	}

	/** The block that applies when {@code m} (null: no model) reads {@code d} in {@code recipe}; null: the defaults. */
	public static Preprocessing of(Recipe recipe, DatasetDeclaration d, ModelDeclaration m) {
		Preprocessing p = d.getPreprocessing() != null ? d.getPreprocessing() : m == null ? null : m.getPreprocessing();
		if (p == null) {
			p = recipe.getDeclarations().stream().filter(Preprocessing.class::isInstance).map(Preprocessing.class::cast)
					.filter(x -> x.getName() == null).findFirst().orElse(null);
		}
		return p;
	}
}
