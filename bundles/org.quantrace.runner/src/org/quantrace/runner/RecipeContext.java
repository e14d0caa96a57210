package org.quantrace.runner;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

import org.eclipse.emf.ecore.EObject;
import org.eclipse.emf.ecore.resource.Resource;
import org.quantrace.dsl.validation.RecipePathValidator;
import org.quantrace.dsl.validation.RecipeValidator;
import org.quantrace.engine.InvalidInputException;
import org.quantrace.engine.data.Dataset;
import org.quantrace.engine.data.DatasetSpec;
import org.quantrace.engine.data.Datasets;
import org.quantrace.engine.quantize.QuantizationSpec;
import org.quantrace.model.recipe.Calibration;
import org.quantrace.model.recipe.DatasetDeclaration;
import org.quantrace.model.recipe.ModelDeclaration;
import org.quantrace.model.recipe.Preprocessing;
import org.quantrace.model.recipe.QuantizationConfig;
import org.quantrace.model.recipe.Recipe;
import org.quantrace.model.recipe.RecipePackage;

/**
 * A validated recipe as the runner reads it: which models and schemes run, where files are (relative to
 * the file that declares them), and which preprocessing and data each step uses.
 */
final class RecipeContext {

	private final Recipe recipe;
	private final Path file;
	private final String text;

	RecipeContext(Recipe recipe, Path file, String text) {
		this.recipe = recipe;
		this.file = file;
		this.text = text;
	}

	Recipe recipe() {
		return recipe;
	}

	Path file() {
		return file;
	}

	String text() {
		return text;
	}

	/** The models the recipe runs: those it declares, then the shared ones it names. */
	List<ModelDeclaration> models() {
		Set<ModelDeclaration> models = new LinkedHashSet<>();
		recipe.getDeclarations().stream().filter(ModelDeclaration.class::isInstance).map(ModelDeclaration.class::cast).forEach(models::add);
		models.addAll(recipe.getUsedModels());
		return List.copyOf(models);
	}

	/** The recipe's schemes, or those of them named by {@code only}. */
	List<QuantizationConfig> schemes(Set<String> only) {
		List<QuantizationConfig> all = recipe.getSchemes();
		for (String name : only) {
			if (all.stream().noneMatch(s -> s.getName().equals(name))) {
				throw new InvalidInputException("--only " + name + ": the recipe runs no such scheme",
						"choose among " + String.join(", ", all.stream().map(QuantizationConfig::getName).toList()));
			}
		}
		return all.stream().filter(s -> only.isEmpty() || only.contains(s.getName())).toList();
	}

	/** A path written in the recipe, resolved against the folder of the file that declares it. */
	Path resolve(EObject declaration, String path) {
		Path p = RecipePathValidator.resolve(declaration, path);
		return p != null ? p : file.toAbsolutePath().getParent().resolve(path).normalize();
	}

	/**
	 * Every file and folder the run reads as the recipe names them: the recipe and the recipes it imports,
	 * their models, data and label files. The output folder may neither hold nor lie inside any of them.
	 */
	List<Path> inputs() {
		List<Path> inputs = new ArrayList<>(List.of(file));
		for (Resource r : recipe.eResource().getResourceSet().getResources()) {
			if (r.getURI() != null && r.getURI().isFile()) {
				inputs.add(Path.of(r.getURI().toFileString()).toAbsolutePath().normalize());
			}
			r.getAllContents().forEachRemaining(o -> {
				if (o instanceof ModelDeclaration m && m.getPath() != null) {
					inputs.add(modelFile(m));
				} else if (o instanceof DatasetDeclaration d) {
					if (d.getPath() != null) {
						inputs.add(resolve(d, d.getPath()));
					}
					if (d.getLabels() != null) {
						inputs.add(resolve(d, d.getLabels()));
					}
				}
			});
		}
		return List.copyOf(new LinkedHashSet<>(inputs));
	}

	Path modelFile(ModelDeclaration m) {
		return resolve(m, m.getPath());
	}

	/** The dataset's own preprocessing, else the model's, else the recipe's unnamed block, else the defaults. */
	org.quantrace.engine.data.Preprocessing preprocessing(DatasetDeclaration d, ModelDeclaration m) {
		Preprocessing p = d.getPreprocessing() != null ? d.getPreprocessing() : m.getPreprocessing();
		if (p == null) {
			p = recipe.getDeclarations().stream().filter(Preprocessing.class::isInstance).map(Preprocessing.class::cast)
					.filter(x -> x.getName() == null).findFirst().orElse(null);
		}
		return p == null ? org.quantrace.engine.data.Preprocessing.defaults() : org.quantrace.engine.data.Preprocessing.of(p);
	}

	/** The dataset as {@code m} reads it, cut to {@code samples} (0: the dataset's own limit). */
	Dataset open(DatasetDeclaration d, ModelDeclaration m, int samples) {
		boolean formatSet = d.eIsSet(RecipePackage.Literals.DATASET_DECLARATION__FORMAT);
		int limit = samples > 0 ? (d.getSamples() > 0 ? Math.min(samples, d.getSamples()) : samples) : d.getSamples();
		DatasetSpec spec = new DatasetSpec(resolve(d, d.getPath()), formatSet ? d.getFormat() : null,
				d.getLabels() == null ? null : resolve(d, d.getLabels()), Set.copyOf(d.getExtensions()), preprocessing(d, m),
				List.copyOf(d.getLabelColumns()), 0);
		// named as the recipe writes it, so records and logs carry no path of this machine
		return Datasets.open(spec).named(d.getPath()).limit(limit);
	}

	/** Where a scheme calibrates: its own 'calibrate ... on', else the recipe's one calibration dataset. */
	DatasetDeclaration calibrationData(QuantizationConfig scheme) {
		Calibration c = QuantizationSpec.calibration(scheme);
		if (c != null && c.getDataset() != null) {
			return c.getDataset();
		}
		List<DatasetDeclaration> sets = RecipeValidator.calibrationDatasets(recipe);
		return sets.isEmpty() ? null : sets.get(0);
	}

	/** Data to check a conversion on: the calibration data, else the evaluation data (null: random inputs). */
	DatasetDeclaration verificationData() {
		List<DatasetDeclaration> sets = new ArrayList<>(RecipeValidator.calibrationDatasets(recipe));
		if (recipe.getEvaluation() != null) {
			sets.add(recipe.getEvaluation().getDataset());
		}
		return sets.isEmpty() ? null : sets.get(0);
	}
}
