package org.quantrace.runner;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Consumer;

import org.eclipse.emf.ecore.util.EcoreUtil;
import org.quantrace.dsl.RecipeFiles;
import org.quantrace.engine.QuantraceException;
import org.quantrace.model.recipe.DatasetDeclaration;
import org.quantrace.runner.verify.Mismatch;

/**
 * A recipe read again by verify, as the run read it: to list the files a dataset reads now, and to run the
 * evaluations again with the same data and preprocessing.
 */
final class RecipeInputs {

	private final Path file;
	private RecipeContext ctx;
	private boolean loaded;

	RecipeInputs(Path file) {
		this.file = file;
	}

	/**
	 * The recipe as the run's copy of it holds it ({@code file} under a folder of copies made by verify): its models and schemes,
	 * for the checks that need the recipe's text alone. Its models and data are not beside the copy, so the missing-file errors
	 * ({@link org.quantrace.dsl.validation.IssueCodes#ERRORS_AT_RUN}) are let pass; any other error leaves it null.
	 */
	static RecipeContext copy(Path file) {
		RecipeFiles.Loaded l = RecipeFiles.load(file);
		boolean read = l.recipe() != null && l.recipe().getRecipes().size() == 1
				&& l.errors().stream().allMatch(d -> org.quantrace.dsl.validation.IssueCodes.ERRORS_AT_RUN.contains(d.code()));
		try {
			return read ? new RecipeContext(l.recipe().getRecipes().get(0), file.toAbsolutePath().normalize(), Files.readString(file)) : null;
		} catch (IOException | RuntimeException e) {
			return null;
		}
	}

	/**
	 * Runs one of verify --deep's measurements of a trace record ({@code at}) in the recipe's context: a recipe that no longer loads,
	 * or a measurement that fails (a model or dataset gone or changed), is a mismatch of that record; {@code again} says what the
	 * measurement does again ("measured again", "counted again"). One guard for every such recheck.
	 */
	void recheck(String at, String again, List<Mismatch> found, Consumer<RecipeContext> measure) {
		RecipeContext c = context();
		if (c == null) {
			found.add(new Mismatch(Outputs.TRACE, at, "a recipe that loads", "the recipe has errors now"));
			return;
		}
		try {
			measure.accept(c);
		} catch (QuantraceException e) {
			found.add(new Mismatch(Outputs.TRACE, at, again, "failed: " + e.getMessage()));
		}
	}

	/** The recipe, or null when it no longer loads without errors. */
	RecipeContext context() {
		if (!loaded) {
			loaded = true;
			RecipeFiles.Loaded l = RecipeFiles.load(file);
			if (!l.hasErrors() && l.recipe().getRecipes().size() == 1) {
				try {
					ctx = new RecipeContext(l.recipe().getRecipes().get(0), file.toAbsolutePath().normalize(), Files.readString(file));
				} catch (IOException e) {
					ctx = null;
				}
			}
		}
		return ctx;
	}

	/**
	 * Every file and folder the recipe names (itself, its imports, models, data and label files), absolute and
	 * normalized: what a run of it reads, and so all verify may read of the inputs. Null when it does not load.
	 */
	java.util.Set<Path> named() {
		return context() == null ? null
				: ctx.inputs().stream().map(p -> p.toAbsolutePath().normalize()).collect(java.util.stream.Collectors.toUnmodifiableSet());
	}

	/** The declaration of dataset {@code name}, in the recipe or a file it imports. */
	DatasetDeclaration dataset(String name) {
		var all = EcoreUtil.<Object>getAllContents(context().recipe().eResource().getResourceSet(), true);
		while (all.hasNext()) {
			if (all.next() instanceof DatasetDeclaration d && name.equals(d.getName())) {
				return d;
			}
		}
		return null;
	}

	/**
	 * The calibration samples quantization record {@code q} of model {@code m} names, read again by the recipe's pipeline (its
	 * dataset as the recipe declares it, cut to the record's count); null when the record names none, the recipe declares no such
	 * dataset, or its files cannot be read any more (reported file by file from its manifest).
	 */
	org.quantrace.engine.data.Dataset calibrationSamples(org.quantrace.model.trace.QuantizationRecord q, org.quantrace.model.recipe.ModelDeclaration m) {
		if (q.getCalibration() == null || q.getCalibration().getDataset() == null) {
			return null;
		}
		DatasetDeclaration d = dataset(q.getCalibration().getDataset().getName());
		try {
			return d == null ? null : context().read(d, m, q.getCalibration().getSampleCount());
		} catch (QuantraceException e) {
			return null;
		}
	}

	/** The files dataset {@code name} reads today (relative to its folder), as the run would open it; empty when it cannot be opened. */
	List<String> filesNowRead(String name) {
		DatasetDeclaration d = context() == null ? null : dataset(name);
		if (d == null || ctx.models().isEmpty()) {
			return List.of();
		}
		try {
			return ctx.open(d, ctx.models().get(0), 0).files().stream().map(p -> p.toString().replace('\\', '/')).toList();
		} catch (QuantraceException e) {
			return List.of(); // what it cannot read any more is reported file by file from the manifest
		}
	}
}
