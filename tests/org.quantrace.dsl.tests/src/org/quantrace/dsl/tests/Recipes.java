package org.quantrace.dsl.tests;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.eclipse.emf.common.util.URI;
import org.eclipse.xtext.resource.XtextResource;
import org.eclipse.xtext.resource.XtextResourceSet;
import org.eclipse.xtext.util.CancelIndicator;
import org.eclipse.xtext.validation.CheckMode;
import org.eclipse.xtext.validation.IResourceValidator;
import org.eclipse.xtext.validation.Issue;
import org.quantrace.model.recipe.RecipeFile;

import com.google.inject.Inject;
import com.google.inject.Provider;

/** Loads recipes from files or text (written to a file, so that paths resolve) and validates them as the tools do. */
public class Recipes {

	@Inject
	private Provider<XtextResourceSet> resourceSets;

	@Inject
	private IResourceValidator validator;

	public XtextResource load(Path file) {
		XtextResourceSet set = resourceSets.get();
		return (XtextResource) set.getResource(URI.createFileURI(file.toAbsolutePath().toString()), true);
	}

	/** {@code text} saved as {@code dir/name} and loaded from there. */
	public XtextResource load(Path dir, String name, String text) {
		try {
			Path file = dir.resolve(name);
			Files.createDirectories(file.getParent());
			Files.writeString(file, text);
			return load(file);
		} catch (IOException e) {
			throw new UncheckedIOException(e);
		}
	}

	/**
	 * A temporary folder holding what the example recipe names (its project file, model, label file and empty data folders),
	 * so that a variant of the recipe saved there reports only its own mistake.
	 */
	public static Path exampleSurroundings(String name) {
		try {
			Path dir = org.quantrace.testing.TestData.tempDir(name);
			for (String f : List.of("project.qr", "model/fashion_cnn_trained.onnx", "data/labels.json")) {
				Files.createDirectories(dir.resolve(f).getParent());
				Files.copy(org.quantrace.testing.TestData.example(f), dir.resolve(f));
			}
			Files.createDirectories(dir.resolve("data/calibration"));
			Files.createDirectories(dir.resolve("data/evaluation"));
			return dir;
		} catch (IOException e) {
			throw new UncheckedIOException(e);
		}
	}

	public static RecipeFile root(XtextResource r) {
		return (RecipeFile) r.getContents().get(0);
	}

	public List<Issue> validate(XtextResource r) {
		return validator.validate(r, CheckMode.ALL, CancelIndicator.NullImpl);
	}

	/** Issues as "line: SEVERITY [code] message", for readable assertion failures. */
	public static String describe(List<Issue> issues) {
		StringBuilder s = new StringBuilder();
		issues.forEach(i -> s.append(i.getLineNumber()).append(": ").append(i.getSeverity()).append(" [").append(i.getCode()).append("] ")
				.append(i.getMessage()).append('\n'));
		return s.toString();
	}
}
