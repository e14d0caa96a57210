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
import org.quantrace.model.recipe.DatasetDeclaration;
import org.quantrace.model.recipe.ModelDeclaration;
import org.quantrace.model.recipe.Preprocessing;
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
	private final List<ResolvedScheme> schemes;

	RecipeContext(Recipe recipe, Path file, String text) {
		this.recipe = recipe;
		this.file = file;
		this.text = text;
		this.schemes = recipe.getSchemes().stream().map(s -> SchemeResolver.resolve(s, recipe)).toList();
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

	/** The recipe's file, then every file it imports (transitively, each once), as absolute paths in the order read. */
	List<Path> sourceFiles() {
		Set<Path> files = new LinkedHashSet<>();
		collect((org.quantrace.model.recipe.RecipeFile) recipe.eContainer(), files);
		return List.copyOf(files);
	}

	/**
	 * The bytes {@code file} (one of {@link #sourceFiles}) was parsed from, the text that ran: never read again, a file edited
	 * since its parsing would be copied and hashed as a recipe the run did not run. A recipe not parsed by {@code RecipeFiles}
	 * (an editor's model) is read now.
	 */
	byte[] sourceBytes(Path file) {
		byte[] bytes = org.quantrace.dsl.RecipeFiles.bytesAsParsed(recipe.eResource().getResourceSet(), file);
		if (bytes != null) {
			return bytes;
		}
		try {
			return java.nio.file.Files.readAllBytes(file);
		} catch (java.io.IOException e) {
			throw new org.quantrace.engine.QuantraceException(file + ": cannot be read (" + org.quantrace.engine.IoErrors.describe(e) + ")", null, e);
		}
	}

	private static void collect(org.quantrace.model.recipe.RecipeFile file, Set<Path> files) {
		org.eclipse.emf.ecore.resource.Resource r = file.eResource();
		if (r == null || !r.getURI().isFile() || !files.add(Path.of(r.getURI().toFileString()).toAbsolutePath().normalize())) {
			return;
		}
		for (org.quantrace.model.recipe.Import i : file.getImports()) {
			org.eclipse.emf.common.util.URI uri = org.eclipse.emf.common.util.URI.createURI(i.getImportURI()).resolve(r.getURI());
			org.eclipse.emf.ecore.resource.Resource imported = r.getResourceSet().getResource(uri, true);
			if (imported != null && !imported.getContents().isEmpty()) {
				collect((org.quantrace.model.recipe.RecipeFile) imported.getContents().get(0), files);
			}
		}
	}

	/** The models the recipe runs: those it declares, then the shared ones it names. */
	List<ModelDeclaration> models() {
		Set<ModelDeclaration> models = new LinkedHashSet<>();
		recipe.getDeclarations().stream().filter(ModelDeclaration.class::isInstance).map(ModelDeclaration.class::cast).forEach(models::add);
		models.addAll(recipe.getUsedModels());
		return List.copyOf(models);
	}

	/** The recipe's schemes, resolved once when the run starts, or those of them named by {@code only}. */
	List<ResolvedScheme> schemes(Set<String> only) {
		for (String name : only) {
			if (schemes.stream().noneMatch(s -> s.name().equals(name))) {
				throw new InvalidInputException("--only " + name + ": the recipe runs no such scheme",
						"choose among " + String.join(", ", schemes.stream().map(ResolvedScheme::name).toList()));
			}
		}
		return schemes.stream().filter(s -> only.isEmpty() || only.contains(s.name())).toList();
	}

	/** A path written in the recipe, resolved against the folder of the file that declares it. */
	Path resolve(EObject declaration, String path) {
		Path p = RecipePathValidator.resolve(declaration, path);
		return p != null ? p : file.toAbsolutePath().getParent().resolve(path).normalize();
	}

	/**
	 * Every file and folder the run reads as the recipe names them: the recipe and the recipes it imports,
	 * their models, data, label and target files. The output folder may neither hold nor lie inside any of them.
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
					if (d.getTargets() != null) {
						inputs.add(resolve(d, d.getTargets()));
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
		Preprocessing p = preprocessingBlock(d, m);
		return p == null ? org.quantrace.engine.data.Preprocessing.defaults() : org.quantrace.engine.data.Preprocessing.of(p);
	}

	/** The preprocess block that applies when {@code m} reads {@code d} (see {@link #preprocessing}); null: the defaults. */
	Preprocessing preprocessingBlock(DatasetDeclaration d, ModelDeclaration m) {
		return org.quantrace.dsl.PreprocessingBlocks.of(recipe, d, m);
	}

	/**
	 * The data a debug step reads for {@code scheme}: the step's own, else the scheme's calibration data, else the evaluation's;
	 * null when there is none. One rule for the run that debugs and for verify --deep that debugs again.
	 */
	DatasetDeclaration debugData(org.quantrace.model.recipe.DebugStep step, ResolvedScheme scheme) {
		DatasetDeclaration d = step.getDataset() != null ? step.getDataset() : scheme == null ? null : scheme.calibrationData();
		return d == null && recipe.getEvaluation() != null ? recipe.getEvaluation().getDataset() : d;
	}

	/**
	 * The debug step behind each debug record a run of this recipe writes, by the record's id ("model/scheme/debug", as
	 * {@code ModelEvaluation} names it): for verify, which holds a record against its step (the threshold and metric at once,
	 * the rest with --deep).
	 */
	java.util.Map<String, org.quantrace.model.recipe.DebugStep> debugSteps() {
		java.util.Map<String, org.quantrace.model.recipe.DebugStep> steps = new java.util.HashMap<>();
		for (org.quantrace.model.recipe.DebugStep step : recipe.getDebugging()) {
			for (org.quantrace.model.recipe.QuantizationConfig s : step.getSchemes()) {
				for (ModelDeclaration m : models()) {
					steps.put(m.getName() + "/" + s.getName() + "/debug", step);
				}
			}
		}
		return steps;
	}

	/** The dataset as {@code m} reads it, cut to {@code samples} (0: the dataset's own limit); recorded as an input of the run. */
	Dataset open(DatasetDeclaration d, ModelDeclaration m, int samples) {
		Dataset all = all(d, m);
		// recorded as declared (its own 'samples' only), not as this step caps it: an image folder's subset keeps only the
		// files it reads, so the conversion check's 64 would otherwise stand for the whole folder the calibration reads next
		opened.computeIfAbsent(d, k -> new Opened(d, m, all.limit(limit(d, 0))));
		return all.limit(limit(d, samples));
	}

	/** The dataset as {@code m} reads it, without recording it as read (checks before the run). */
	Dataset read(DatasetDeclaration d, ModelDeclaration m, int samples) {
		return all(d, m).limit(limit(d, samples));
	}

	/** Samples a step reads: {@code samples} within the dataset's own limit (0: the dataset's own limit). */
	private static int limit(DatasetDeclaration d, int samples) {
		return samples > 0 ? (d.getSamples() > 0 ? Math.min(samples, d.getSamples()) : samples) : d.getSamples();
	}

	/**
	 * Every sample of the dataset as {@code m} reads it, opened once for the first model that reads it: the checks before the run,
	 * the conversion check's 64 samples, the record of the dataset as declared and the calibration are cuts of it. It was opened
	 * again for each (a capped step twice: capped, then whole for the record), a large .npy or CSV parsed three times. What a
	 * model reads depends on it only through its preprocess block: a model whose block is another opens its own; only the first
	 * reading is kept, the one the record holds anyway.
	 */
	private Dataset all(DatasetDeclaration d, ModelDeclaration m) {
		Preprocessing block = preprocessingBlock(d, m);
		Read first = reads.get(d);
		if (first != null && first.block() == block) {
			return first.data();
		}
		boolean formatSet = d.eIsSet(RecipePackage.Literals.DATASET_DECLARATION__FORMAT);
		// a table's features are scaled only by a declared scale, never by the images' default 1/255
		DatasetSpec spec = new DatasetSpec(resolve(d, d.getPath()), formatSet ? d.getFormat() : null,
				d.getLabels() == null ? null : resolve(d, d.getLabels()), Set.copyOf(d.getExtensions()), preprocessing(d, m),
				List.copyOf(d.getLabelColumns()), 0, block != null ? block.getScale() : 1, d.isMultilabel());
		// named relative to the recipe's folder, as the trace's dataset record and report.html's Data table name it, so that every
		// document names it one way (PhIMT0002's verification data named an absolute declaration absolute, an imported file's
		// relative to that file) and carries no path of this machine a relative declaration did not write
		// a sample found unreadable once the work has started is said on the dataset's line (DeclaredDataset)
		Dataset all;
		// said: an image folder's headers are read as it opens (seconds for tens of thousands), a table parsed whole
		try (org.quantrace.engine.Progress.Task reading = progress.start("reading dataset " + d.getName(), 1, "dataset")) {
			all = new DeclaredDataset(d, Datasets.open(spec, filesAsRead).named(TraceAssembler.relative(file.toAbsolutePath().getParent(), spec.path())));
			reading.advance(1);
		}
		if (spec.labels() != null) {
			// the label file as the reader parsed it, from its one reading (hashed before and after by readings of their own, it
			// could be replaced and put back between them unseen: hostile19); read again for another preprocess block, the same
			org.quantrace.engine.data.FilesAsRead.Read labels = all.asRead(spec.labels());
			readAs(spec.labels(), labels != null ? labels.sha256() : org.quantrace.engine.SafeFiles.sha256(spec.labels()));
		}
		reads.putIfAbsent(d, new Read(block, all));
		return all;
	}

	/**
	 * The SHA-256 of {@code file} as the run read it: taken at its first reading (the models, the datasets' label and target files
	 * are hashed just before they are read), not when the trace is written, by which time the file may have been replaced
	 * (hostile18: labels edited during the evaluation were recorded beside figures of the labels read before). {@link InputsUnchanged}
	 * holds the files against these hashes before any output is written.
	 */
	String sha256AsRead(Path file) {
		return hashesAsRead.computeIfAbsent(file.toAbsolutePath().normalize(), org.quantrace.engine.SafeFiles::sha256);
	}

	/**
	 * Records {@code sha256}, the hash of the very bytes a reading of {@code file} parsed (a model and its external data:
	 * {@code OnnxModel.sha256AsRead}; targets: {@link #targets}): a file read again later in the run (by a second model, the same
	 * file) must be the same bytes, else the run is refused; the trace records the first reading's hash.
	 */
	void readAs(Path file, String sha256) {
		Path key = file.toAbsolutePath().normalize();
		String first = hashesAsRead.putIfAbsent(key, sha256);
		if (first != null && !first.equals(sha256)) {
			throw InputsUnchanged.changed(key, first, sha256 + " when read again");
		}
	}

	/**
	 * The targets of the evaluation's dataset {@code d}, read once for the run (every model's evaluation compares with them) from
	 * one reading of the file, hashed from the bytes parsed ({@link #readAs}).
	 */
	org.quantrace.engine.evaluate.EvaluationOptions.Targets targets(DatasetDeclaration d) {
		return targets.computeIfAbsent(d, k -> {
			Path file = resolve(d, d.getTargets());
			byte[] bytes = org.quantrace.engine.data.NpyArray.bytes(file);
			readAs(file, org.quantrace.engine.SafeFiles.sha256(bytes));
			return org.quantrace.engine.evaluate.EvaluationOptions.Targets.of(org.quantrace.engine.data.NpyArray.parse(java.nio.ByteBuffer.wrap(bytes), file.toString()), d.getTargets());
		});
	}

	private final java.util.Map<DatasetDeclaration, org.quantrace.engine.evaluate.EvaluationOptions.Targets> targets = new java.util.HashMap<>();

	private org.quantrace.engine.Progress progress = org.quantrace.engine.Progress.NONE;

	/** Where the opening of each dataset is said (the run's progress); none by default. */
	void reportTo(org.quantrace.engine.Progress p) {
		this.progress = p;
	}

	/** Every dataset file the run's readers read, as they read it: a file read by two openings must be one (FilesAsRead). */
	private final org.quantrace.engine.data.FilesAsRead filesAsRead = new org.quantrace.engine.data.FilesAsRead();

	private final java.util.Map<Path, String> hashesAsRead = new java.util.HashMap<>();

	/** A dataset's reading, with the preprocess block it was read through (null: the defaults). */
	private record Read(Preprocessing block, Dataset data) {
	}

	private final java.util.Map<DatasetDeclaration, Read> reads = new java.util.HashMap<>();

	/** A dataset the run read, with the model it was read for (its preprocessing): an input the trace hashes. */
	record Opened(DatasetDeclaration declaration, ModelDeclaration model, Dataset data) {
	}

	private final java.util.Map<DatasetDeclaration, Opened> opened = new java.util.LinkedHashMap<>();

	/** Every dataset opened so far, each once, in the order first opened. */
	List<Opened> openedDatasets() {
		return List.copyOf(opened.values());
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
