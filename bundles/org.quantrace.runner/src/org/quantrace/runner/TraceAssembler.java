package org.quantrace.runner;

import org.quantrace.model.ModelArtifacts;
import static org.quantrace.model.TraceValues.tool;

import java.nio.file.Path;
import java.util.Date;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import org.quantrace.engine.SafeFiles;
import org.quantrace.engine.Versions;
import org.quantrace.engine.data.Dataset;
import org.quantrace.engine.data.DatasetManifest;
import org.quantrace.engine.evaluate.TensorInventory;
import org.quantrace.engine.inspect.ModelInspector;
import org.quantrace.engine.onnx.IoQuantization;
import org.quantrace.engine.onnx.OnnxModel;
import org.quantrace.engine.onnx.TensorInfo;
import org.quantrace.engine.runtime.InferenceSession;
import org.quantrace.model.recipe.DatasetDeclaration;
import org.quantrace.model.recipe.ModelDeclaration;
import org.quantrace.model.trace.ArtifactKind;
import org.quantrace.model.trace.DatasetRecord;
import org.quantrace.model.trace.Environment;
import org.quantrace.model.trace.InputFile;
import org.quantrace.model.trace.InputKind;
import org.quantrace.model.trace.LabelEntry;
import org.quantrace.model.trace.LinkKind;
import org.quantrace.model.trace.ModelArtifact;
import org.quantrace.model.trace.ToolVersion;
import org.quantrace.model.trace.TraceFactory;
import org.quantrace.model.trace.TraceLink;
import org.quantrace.model.trace.TraceModel;
import org.quantrace.model.trace.TracedElement;
import org.quantrace.model.trace.TensorSpec;
import org.quantrace.model.trace.TensorTypeCount;

import ai.onnx.proto.OnnxMl.ValueInfoProto;

/**
 * Builds the run's trace model: the artifacts (models with their hashes), the data (with manifests), the
 * environment, and the links between them. Ids are stable names ("cnn/fiq_int8", "dataset/eval"), so two
 * runs of a recipe give the same trace and shards of a run can be merged by id.
 */
final class TraceAssembler {

	static final TraceFactory F = TraceFactory.eINSTANCE;

	private final TraceModel trace;
	private final Path out;
	/** The recipe's folder: inputs (the original models, datasets, recipe files) are named relative to it. */
	private final Path recipeFolder;

	TraceAssembler(TraceModel trace, Path out, Path recipeFolder) {
		this.trace = trace;
		this.out = out;
		this.recipeFolder = recipeFolder.toAbsolutePath().normalize();
	}

	TraceModel trace() {
		return trace;
	}

	/**
	 * Refuses the run when a model, label or target file it read is no longer the file it read ({@link InputsUnchanged}), or when a
	 * dataset's record, made as its step opened it, lists a sample file other than its reader read it afterwards.
	 */
	void checkInputsUnchanged() {
		InputsUnchanged.check(trace, recipeFolder);
		manifested.forEach((data, listed) -> InputsUnchanged.sameAsRead(data, listed));
	}

	/**
	 * Each dataset record with its manifest and the dataset it lists: a record is made as its step opens the data, before the step
	 * reads its samples, so the files the step read afterwards are held against it at the end (hostile19: an image replaced as the
	 * evaluation began and put back before the trace was written was listed as put back, beside metrics of the replacement).
	 */
	private final java.util.Map<Dataset, DatasetManifest> manifested = new java.util.LinkedHashMap<>();

	/**
	 * A new trace for a run of {@code ctx} into {@code out}, its recipe files read, hashed, recorded as inputs and
	 * copied into the output ({@link #recipeFiles}). The recipe's folder, as seen from the output folder, is the one
	 * location the outputs record outside the output folder: every input is named relative to it.
	 */
	static TraceAssembler start(RecipeContext ctx, Date runTime, Path out) {
		TraceModel t = F.createTraceModel();
		t.setRecipeName(ctx.recipe().getName());
		// named as the user knows it, relative to the recipe's folder: never a path of this machine or one climbing out of the output
		t.setRecipePath(ctx.file().getFileName().toString());
		t.setDocument(org.quantrace.dsl.DocumentInfos.resolve(ctx.recipe().getDocument()));
		t.setRecipeFolder(relative(out, ctx.file().toAbsolutePath().getParent()));
		t.setResolvedRecipe(ctx.text());
		t.setSeed(ctx.recipe().getSeed());
		t.setRunTime(runTime);
		t.setEnvironment(environment());
		TraceAssembler trace = new TraceAssembler(t, out, ctx.file().toAbsolutePath().getParent());
		trace.recipeFiles(ctx);
		String recipeSha256 = t.getInputFiles().get(0).getSha256();
		t.setRecipeSha256(recipeSha256);
		t.setRunId(ctx.recipe().getName() + "-" + recipeSha256.substring(0, 12) + "-" + runTime.toInstant().getEpochSecond());
		return trace;
	}

	static Environment environment() {
		Environment e = F.createEnvironment();
		e.setOs(System.getProperty("os.name"));
		e.setOsVersion(System.getProperty("os.version"));
		e.setArchitecture(System.getProperty("os.arch"));
		e.setCpuCount(Runtime.getRuntime().availableProcessors());
		e.setJvmVendor(System.getProperty("java.vendor"));
		e.setJvmVersion(System.getProperty("java.version"));
		e.getTools().addAll(tools());
		e.setBuild(BuildIdentity.current());
		return e;
	}

	/** Quantrace, ONNX Runtime and the JVM with their versions: the "packages and version" rows. */
	/** The name under which the trace records the ONNX Runtime the run used (its environment's and each record's packages). */
	static final String ONNX_RUNTIME = "ONNX Runtime (Java, CPU)";

	static List<ToolVersion> tools() {
		return List.of(tool("Quantrace", Versions.quantrace()), tool(ONNX_RUNTIME, InferenceSession.runtimeVersion()),
				tool("Java", System.getProperty("java.version") + " (" + System.getProperty("java.vendor") + ")"));
	}

	/**
	 * The recipe and every file it imports, the first inputs of the run: each as it was parsed, recorded with its SHA-256
	 * under its path relative to the recipe's folder (the recipe first), and copied into the output under that
	 * name (recipe/, {@link org.quantrace.report.AifsmLogs#recipeCopy}), so that the logs name files the folder
	 * holds. The one owner of the recipe files: verify checks the inputs, the logs list them, both from these records.
	 */
	private void recipeFiles(RecipeContext ctx) {
		List<Path> files = ctx.sourceFiles();
		for (int i = 0; i < files.size(); i++) {
			Path f = files.get(i);
			byte[] bytes = ctx.sourceBytes(f);
			InputFile input = input(f, i == 0 ? InputKind.RECIPE : InputKind.IMPORT, null, SafeFiles.sha256(bytes));
			Outputs.write(out.resolve(org.quantrace.report.AifsmLogs.recipeCopy(input.getPath())), bytes);
		}
	}

	/**
	 * One line for the logs' "environment information" rows. Java named as the reproducibility appendix names it ("Eclipse
	 * Adoptium 25.0.3" named a vendor, not what it is a version of).
	 */
	static String environmentText(Environment e) {
		return String.format(Locale.ROOT, "%s %s (%s), %d CPUs, Java %s (%s), ONNX Runtime CPU execution provider", e.getOs(), e.getOsVersion(),
				e.getArchitecture(), e.getCpuCount(), e.getJvmVersion(), e.getJvmVendor());
	}

	/**
	 * A model file of the run, {@code file} being where it is: a model the run wrote is named relative to the
	 * output folder, the original (an input) relative to the recipe's folder.
	 */
	ModelArtifact artifact(String id, String name, ArtifactKind kind, String scheme, OnnxModel model, Path file, String sha256, long bytes) {
		ModelArtifact existing = find(id, ModelArtifact.class);
		if (existing != null) {
			return existing;
		}
		ModelArtifact a = F.createModelArtifact();
		a.setId(id);
		a.setName(name);
		a.setKind(kind);
		a.setScheme(scheme);
		a.setPath(ModelArtifacts.isInput(a) ? relative(recipeFolder, file) : inside(file));
		a.setSha256(sha256);
		a.setSizeBytes(bytes);
		a.setOpset(model.opset());
		a.setIrVersion(model.irVersion());
		a.setProducerName(model.producerName());
		a.setProducerVersion(model.producerVersion());
		a.setNodeCount(model.graph().nodes().size());
		org.quantrace.engine.inspect.Inspection.Totals totals = ModelInspector.inspect(model, file.toString(), bytes, sha256, false).totals();
		a.setParameterCount(totals.parameters());
		a.setQuantizationParameterCount(totals.quantizationParameters());
		if (kind == ArtifactKind.ORIGINAL || kind == ArtifactKind.CONVERTED) {
			foundQuantization(a, model);
		}
		Map<String, IoQuantization.Io> in = IoQuantization.inputs(model);
		Map<String, IoQuantization.Io> outs = IoQuantization.outputs(model);
		model.graph().runtimeInputs().forEach(v -> a.getInputs().add(tensor(v, in.get(v.getName()))));
		model.graph().outputs().forEach(v -> a.getOutputs().add(tensor(v, outs.get(v.getName()))));
		TensorInventory.of(model, name).byType().forEach((type, c) -> {
			TensorTypeCount t = F.createTensorTypeCount();
			t.setElementType(type);
			t.setTensors(c.tensors());
			t.setWeights(c.readOnly());
			t.setWeightBytes(c.readOnlyBytes());
			a.getInventory().add(t);
		});
		trace.getArtifacts().add(a);
		return a;
	}

	/**
	 * What a model the run did not quantize holds of quantization when it arrived quantized (a QDQ export, ONNX Runtime's
	 * QOperator or dynamic-range form): its form, ops and layers on integer codes and in float, which the Model Optimization
	 * Log of such a model states (Quantrace wrote no optimization record for it).
	 */
	private static void foundQuantization(ModelArtifact a, OnnxModel model) {
		String form = org.quantrace.engine.onnx.QuantizedOps.form(org.quantrace.engine.onnx.QuantizedOps.counts(model));
		if (form == null) {
			return;
		}
		var layers = org.quantrace.engine.onnx.QuantizedOps.layers(model);
		a.setQuantizedForm(form);
		a.setQuantizedOps(org.quantrace.engine.onnx.QuantizedOps.held(model));
		a.setIntegerLayers(layers.all() - layers.inFloat());
		a.setFloatLayers(layers.inFloat());
	}

	private static TensorSpec tensor(ValueInfoProto v, IoQuantization.Io io) {
		TensorInfo info = TensorInfo.of(v);
		TensorSpec t = F.createTensorSpec();
		t.setName(info.name());
		t.setElementType(info.type().toString());
		if (info.shape() != null) { // a graph output declared without a shape (hand-written graphs): none recorded
			t.getShape().addAll(info.shape());
		}
		if (io != null) {
			t.setScale(io.scale());
			t.setZeroPoint(io.zeroPoint());
		}
		return t;
	}

	/** A dataset as a model read it: its files' manifest saved under data/ and hashed. */
	DatasetRecord dataset(DatasetDeclaration d, Dataset data, Path path) {
		String id = "dataset/" + d.getName();
		DatasetRecord existing = find(id, DatasetRecord.class);
		if (existing != null) {
			return existing;
		}
		DatasetRecord r = F.createDatasetRecord();
		r.setId(id);
		r.setName(d.getName());
		r.setPath(relative(recipeFolder, path)); // an input: named relative to the recipe's folder
		if (d.isSetRole()) {
			r.setRole(d.getRole());
		}
		if (d.isSetFormat()) {
			r.setFormat(d.getFormat());
		}
		r.setSampleCount(data.size());
		r.setPreprocessing(data.preprocessing()); // as the reader applied it, not as a recipe block reads
		if (!data.files().isEmpty()) {
			DatasetManifest manifest = DatasetManifest.of(data);
			manifested.put(data, manifest);
			r.setManifestSha256(manifest.sha256());
			r.setManifestPath("data/" + d.getName() + ".manifest.txt");
			Outputs.write(out.resolve(r.getManifestPath()), manifest.text());
		}
		List<String> labels = data.labelNames();
		for (int i = 0; labels != null && i < labels.size(); i++) {
			LabelEntry l = F.createLabelEntry();
			l.setName(labels.get(i));
			l.setIndex(i);
			r.getLabels().add(l);
		}
		trace.getDatasets().add(r);
		return r;
	}

	/** A model file the run read, and the external-data files its tensors came from, with their hashes as read. */
	void modelInputs(RecipeContext ctx, ModelDeclaration m, OnnxModel model) {
		Path file = ctx.modelFile(m);
		input(file, InputKind.MODEL, m.getName(), ctx.sha256AsRead(file));
		model.externalDataFiles().forEach(f -> input(f, InputKind.EXTERNAL_DATA, m.getName(), ctx.sha256AsRead(f)));
	}

	/** Every dataset the run opened, by its manifest (written now for one no step recorded, e.g. a conversion's check data), and its label or target file. */
	void datasetInputs(RecipeContext ctx) {
		for (RecipeContext.Opened o : ctx.openedDatasets()) {
			DatasetDeclaration d = o.declaration();
			Path path = ctx.resolve(d, d.getPath());
			DatasetRecord r = dataset(d, o.data(), path);
			input(path, InputKind.DATASET, d.getName(), r.getManifestSha256());
			if (d.getLabels() != null) {
				Path labels = ctx.resolve(d, d.getLabels());
				input(labels, InputKind.LABELS, d.getName(), ctx.sha256AsRead(labels));
			}
			if (d.getTargets() != null) {
				Path targets = ctx.resolve(d, d.getTargets());
				input(targets, InputKind.TARGETS, d.getName(), ctx.sha256AsRead(targets));
			}
		}
	}

	/** {@code file} named relative to the recipe's folder, so that it is found again wherever the output folder is moved. */
	private InputFile input(Path file, InputKind kind, String owner, String sha256) {
		String path = relative(recipeFolder, file);
		InputFile known = trace.getInputFiles().stream().filter(i -> i.getKind() == kind && i.getPath().equals(path)).findFirst().orElse(null);
		if (known != null) {
			return known;
		}
		InputFile f = F.createInputFile();
		f.setPath(path);
		f.setKind(kind);
		f.setOwner(owner);
		f.setSha256(sha256);
		if (kind != InputKind.DATASET) {
			f.setSizeBytes(file.toFile().length());
		}
		trace.getInputFiles().add(f);
		return f;
	}

	void link(LinkKind kind, TracedElement source, TracedElement target, String note) {
		boolean exists = trace.getLinks().stream().anyMatch(l -> l.getKind() == kind && l.getSource() == source && l.getTarget() == target);
		if (!exists) {
			TraceLink l = F.createTraceLink();
			l.setKind(kind);
			l.setSource(source);
			l.setTarget(target);
			l.setNote(note);
			trace.getLinks().add(l);
		}
	}

	<T extends TracedElement> T find(String id, Class<T> type) {
		return trace.eContents().stream().filter(type::isInstance).map(type::cast).filter(e -> id.equals(e.getId())).findFirst().orElse(null);
	}

	/** A file the run wrote, relative to the output folder; a file outside it is a bug, never a path climbing out. */
	String inside(Path file) {
		Path f = file.toAbsolutePath().normalize();
		if (!f.startsWith(out.toAbsolutePath().normalize())) {
			throw new IllegalStateException(f + " is not inside the output folder " + out);
		}
		return relative(out, f);
	}

	/** {@code file} as seen from {@code out}, with forward slashes (the same on every machine). */
	static String relative(Path out, Path file) {
		Path o = out.toAbsolutePath().normalize();
		Path f = file.toAbsolutePath().normalize();
		return (f.getRoot() != null && f.getRoot().equals(o.getRoot()) ? o.relativize(f) : f).toString().replace('\\', '/');
	}
}
