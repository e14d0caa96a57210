package org.quantrace.runner;

import org.quantrace.engine.quantize.QuantizationSpec;
import org.quantrace.model.recipe.DatasetDeclaration;
import org.quantrace.model.recipe.QuantizationConfig;

/**
 * A scheme of the recipe as a run uses it, resolved once ({@link SchemeResolver}): its declaration (name,
 * acceptance criteria, debug steps), the engine's spec, and the dataset it calibrates on (null: none needed
 * or none declared).
 */
record ResolvedScheme(QuantizationConfig config, QuantizationSpec spec, DatasetDeclaration calibrationData) {

	String name() {
		return config.getName();
	}

	/** "careful (extends fiq_int8)": the name and what it refines. */
	String description() {
		return config.getName() + (config.getBase() != null ? " (extends " + config.getBase().getName() + ")" : "");
	}
}
