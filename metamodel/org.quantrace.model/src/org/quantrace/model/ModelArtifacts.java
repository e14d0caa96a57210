package org.quantrace.model;

import org.quantrace.model.trace.ArtifactKind;
import org.quantrace.model.trace.ModelArtifact;

/** What a trace's model artifact is, where every writer and checker of the trace must read it the same way. */
public final class ModelArtifacts {

	private ModelArtifacts() {
	}

	/**
	 * Whether {@code a} is a model the recipe named (an input, named relative to the recipe's folder) rather than a file
	 * the run wrote into its output folder. Kind alone does not say it: a scheme that leaves a model unquantized writes
	 * a copy of its input with the input's kind, ORIGINAL when no step converted it, and names its scheme.
	 */
	public static boolean isInput(ModelArtifact a) {
		return a.getKind() == ArtifactKind.ORIGINAL && a.getScheme() == null;
	}
}
