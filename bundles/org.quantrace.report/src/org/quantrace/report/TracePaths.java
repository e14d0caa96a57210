package org.quantrace.report;

import java.nio.file.Path;

import org.quantrace.model.ModelArtifacts;
import org.quantrace.model.trace.ModelArtifact;
import org.quantrace.model.trace.TraceModel;

/**
 * Where the files a trace names are, seen from its output folder (trace.ecore documents each path attribute):
 * what the run wrote is named relative to the output folder; what it read (the recipe files, the original
 * models, the datasets) relative to the recipe's folder, which the trace records once ({@code recipeFolder}).
 * For readers of a trace that open its files (the IDE's lineage); verify checks inputs on its own terms.
 */
public final class TracePaths {

	private TracePaths() {
	}

	/** The recipe's folder as the run saw it, from {@code outputFolder} (the output folder itself when the trace names none). */
	public static Path recipeFolder(TraceModel trace, Path outputFolder) {
		return outputFolder.resolve(trace.getRecipeFolder() == null ? "" : trace.getRecipeFolder()).normalize();
	}

	/** The recipe file the run read. */
	public static Path recipe(TraceModel trace, Path outputFolder) {
		return trace.getRecipePath() == null ? null : recipeFolder(trace, outputFolder).resolve(trace.getRecipePath()).normalize();
	}

	/** The model file of {@code a}: in the output folder, or for an original where the recipe's folder is. */
	public static Path file(TraceModel trace, Path outputFolder, ModelArtifact a) {
		Path base = ModelArtifacts.isInput(a) ? recipeFolder(trace, outputFolder) : outputFolder;
		return base.resolve(a.getPath()).normalize();
	}
}
