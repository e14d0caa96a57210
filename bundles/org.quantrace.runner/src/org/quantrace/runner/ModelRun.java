package org.quantrace.runner;

import static org.quantrace.model.TraceValues.parameter;


import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import org.eclipse.emf.ecore.util.EcoreUtil;
import org.quantrace.engine.SafeFiles;
import org.quantrace.engine.convert.FreezeOptions;
import org.quantrace.engine.convert.FreezeResult;
import org.quantrace.engine.convert.Freezer;
import org.quantrace.engine.convert.Preprocessing;
import org.eclipse.xtext.diagnostics.Severity;
import org.quantrace.engine.calibrate.CalibrationNote;
import org.quantrace.engine.data.Dataset;
import org.quantrace.engine.factorize.FactorizationResult;
import org.quantrace.engine.factorize.Factorizer;
import org.quantrace.engine.onnx.OnnxModel;
import org.quantrace.engine.prune.Pruner;
import org.quantrace.engine.prune.PruningResult;
import org.quantrace.engine.quantize.QuantizationResult;
import org.quantrace.engine.quantize.QuantizationSpec;
import org.quantrace.engine.quantize.Quantizer;
import org.quantrace.model.TraceValues;
import org.quantrace.engine.InvalidInputException;
import org.quantrace.model.recipe.DatasetDeclaration;
import org.quantrace.model.recipe.ModelDeclaration;
import org.quantrace.model.recipe.Recipe;
import org.quantrace.model.trace.ArtifactKind;
import org.quantrace.model.trace.ConversionRecord;
import org.quantrace.model.trace.DatasetRecord;
import org.quantrace.model.trace.FactorizationRecord;
import org.quantrace.model.trace.LifecyclePhase;
import org.quantrace.model.trace.LinkKind;
import org.quantrace.model.trace.ModelArtifact;
import org.quantrace.model.trace.OptimizationRecord;
import org.quantrace.model.trace.PruningRecord;
import org.quantrace.model.trace.QuantizationRecord;

/**
 * One model through the recipe: its float chain (convert, prune, factorize, as declared), then each
 * scheme, every result written under models/MODEL/ and recorded in the trace. Evaluation, recovery and
 * debugging follow in {@link ModelEvaluation}.
 */
final class ModelRun {

	/**
	 * A model of the run: its variant name, the ONNX model, and its artifact in the trace; for a scheme's model
	 * also the scheme, its quantization (null: technique none) and the calibration data's record.
	 */
	record Stage(String name, OnnxModel model, ModelArtifact artifact, ResolvedScheme scheme, QuantizationResult quantization,
			DatasetRecord calibration) {
	}

	private final RecipeContext ctx;
	private final ModelDeclaration m;
	private final RunOptions options;
	private final Path out;
	private final TraceAssembler trace;
	private final Date date;

	private OnnxModel source;
	private final List<Stage> floatStages = new ArrayList<>();
	private final Map<String, Stage> schemes = new LinkedHashMap<>();
	private ConversionRecord conversion;
	private PruningRecord pruning;
	private FactorizationRecord factorization;
	/**
	 * What the run logged about this model's schemes that no warning record of the trace holds (the calibration record or a layer's
	 * reason states it): calibration notes and wide ranges on the calibration dataset's line, clamped biases on the model's, as
	 * the outcome gives them to the IDE ({@link RecipeRunner.Outcome#runWarnings}).
	 */
	private final List<org.quantrace.dsl.RecipeFiles.Diagnostic> notes = new ArrayList<>();

	ModelRun(RecipeContext ctx, ModelDeclaration m, RunOptions options, Path out, TraceAssembler trace) {
		this.ctx = ctx;
		this.m = m;
		this.options = options;
		this.out = out;
		this.trace = trace;
		this.date = Date.from(options.runTime());
	}

	String name() {
		return m.getName();
	}

	org.quantrace.model.trace.TraceModel traceModel() {
		return trace.trace();
	}

	ModelDeclaration declaration() {
		return m;
	}

	OnnxModel source() {
		return source;
	}

	/** original, then each float stage. */
	List<Stage> floatStages() {
		return floatStages;
	}

	Stage floatModel() {
		return floatStages.get(floatStages.size() - 1);
	}

	Map<String, Stage> schemes() {
		return schemes;
	}

	List<org.quantrace.dsl.RecipeFiles.Diagnostic> notes() {
		return notes;
	}

	/** @param quantized whether a scheme of this model quantizes (a recipe without a convert step is then pre-processed) */
	void runFloatChain(boolean quantized) {
		Path file = ctx.modelFile(m);
		log("%s: reading %s", m.getName(), file);
		source = OnnxModel.load(file);
		// the hashes of the bytes parsed, the model's and its external data's: a file replaced after is refused when the run ends
		// (InputsUnchanged), one read again by another model of the run must be the same bytes (RecipeContext.readAs)
		source.sha256AsRead().forEach(ctx::readAs);
		String sha256 = ctx.sha256AsRead(file);
		String name = ArtifactKind.ORIGINAL.getLiteral();
		ModelArtifact original = trace.artifact(m.getName() + "/" + name, name, ArtifactKind.ORIGINAL, null, source, file, sha256,
				file.toFile().length());
		original.setModelId(m.getModelId() != null ? m.getModelId() : m.getName());
		original.setVersion(m.getVersion());
		original.setFramework(m.getFramework());
		floatStages.add(new Stage(name, source, original, null, null, null));
		Recipe r = ctx.recipe();
		if (r.getConversion() != null) {
			convert();
		} else if (quantized) {
			preprocess("quantization");
		} else if (org.quantrace.engine.onnx.FloatWidening.halfInitializers(source) != null && (r.getPruning() != null || r.getFactorization() != null)) {
			// pruning and factorization rewrite float32 weights (they refuse float16 ones): widened as quantize widens it
			preprocess(r.getPruning() != null ? "pruning" : "factorization");
		}
		if (r.getPruning() != null) {
			log("%s: pruning", m.getName());
			DatasetDeclaration scoring = r.getPruning().getCriterion() == org.quantrace.model.recipe.PruningCriterion.ACTIVATION ? pruningData() : null;
			PruningResult p = Pruner.prune(floatModel().model(), m.getName(), RecipeExclusions.pruning(r.getPruning()), scoring == null ? null : ctx.open(scoring, m, r.getPruning().getSamples()));
			pruning = PruningRecords.toRecord(p, scoring == null ? null : scoring.getName());
			PruningWarnings.record(trace.trace(), ctx, m, pruning, options.log());
			addFloat(ArtifactKind.PRUNED, p.model());
		}
		if (r.getFactorization() != null) {
			log("%s: factorizing", m.getName());
			FactorizationResult f = Factorizer.factorize(floatModel().model(), m.getName(), RecipeExclusions.factorization(r.getFactorization()));
			factorization = FactorizationRecords.toRecord(f);
			addFloat(ArtifactKind.FACTORIZED, f.model());
		}
	}

	/**
	 * The samples the activation criterion scores channels on: the recipe's one dataset with role calibration (the validator
	 * refuses the criterion without exactly one).
	 */
	private DatasetDeclaration pruningData() {
		List<DatasetDeclaration> sets = org.quantrace.dsl.validation.RecipeValidator.calibrationDatasets(ctx.recipe());
		if (sets.size() != 1) {
			throw new InvalidInputException("prune: criterion activation scores channels on the recipe's calibration dataset, and the recipe declares "
					+ sets.size(), "declare exactly one dataset with role calibration");
		}
		return sets.get(0);
	}

	private void convert() {
		log("%s: converting to an inference model", m.getName());
		DatasetDeclaration vd = ctx.verificationData();
		Dataset verification = vd == null ? null : ctx.open(vd, m, 64);
		record(Freezer.freeze(source, m.getName(), FreezeOptions.of(ctx.recipe().getConversion()), verification, options.progress()), null);
	}

	/**
	 * A recipe without a convert step that quantizes (or prunes or factorizes a half-precision model) gets the pre-processing
	 * {@code quantize} gives (the default conversion, used when it gains something and computes the same), recorded as a
	 * conversion that says why it ran.
	 *
	 * @param before the step it comes before, as the log and the record say it
	 */
	private void preprocess(String before) {
		DatasetDeclaration vd = ctx.verificationData();
		Dataset verification = vd == null ? null : ctx.open(vd, m, 64);
		Preprocessing.Outcome pre = Preprocessing.of(source, m.getName(), verification, true, options.progress());
		if (!pre.applied()) {
			if (!pre.gains().isEmpty() || pre.conversion() == null) {
				log("%s: no pre-processing before %s: %s", m.getName(), before, pre.reason());
			}
			return;
		}
		log("%s: pre-processing before %s (the recipe has no convert step): %s", m.getName(), before, String.join("; ", pre.gains()));
		record(pre.conversion(), StepDeclarationsCheck.AUTOMATIC + before + ", as `quantrace quantize` does: the recipe declares no convert step, and "
				+ pre.reason());
	}

	private void record(FreezeResult f, String automatic) {
		ModelArtifact input = floatModel().artifact();
		ModelArtifact output = addFloat(ArtifactKind.CONVERTED, f.model()).artifact();
		conversion = ConversionRecords.toRecord(f, (source.producerName() + " " + source.producerVersion()).trim());
		if (automatic != null) {
			conversion.getConverterConfiguration().add(0, parameter(StepDeclarationsCheck.DECLARED_BY, automatic));
		}
		conversion.setId(conversionId());
		conversion.setName(m.getName());
		conversion.setDate(date);
		conversion.setResponsible(ctx.recipe().getResponsible());
		conversion.setPhase(LifecyclePhase.INFERENCE_MANAGEMENT);
		conversion.setVerifiedModelId(input.getModelId());
		conversion.setVerifiedModelVersion(m.getVersion());
		conversion.setInput(input);
		conversion.setOutput(output);
		conversion.setEnvironmentInformation(TraceAssembler.environmentText(trace.trace().getEnvironment()));
		if (m.getFramework() != null) {
			conversion.getPackages().add(TraceValues.tool(ConversionRecords.FRAMEWORK, m.getFramework()));
		}
		trace.trace().getConversions().add(conversion);
	}

	/** A float stage, named by its kind: the recipe validator reserves these names (no scheme may overwrite the file). */
	private Stage addFloat(ArtifactKind kind, OnnxModel model) {
		String name = kind.getLiteral();
		Stage previous = floatModel();
		ModelArtifact a = write(name, kind, null, model);
		trace.link(LinkKind.DERIVED_FROM, a, previous.artifact(), name);
		Stage s = new Stage(name, model, a, null, null, null);
		floatStages.add(s);
		return s;
	}

	/** Runs one scheme on the float model: quantized, or the float model itself for technique none. */
	void runScheme(ResolvedScheme scheme) {
		QuantizationSpec spec = scheme.spec();
		Stage input = floatModel();
		OnnxModel model = input.model();
		QuantizationResult result = null;
		DatasetRecord calibration = null;
		if (spec.isQuantized()) {
			// only full-integer schemes calibrate; dynamic-range quantization measures ranges at run time
			DatasetDeclaration cd = scheme.calibrationData();
			Dataset data = cd == null ? null : ctx.open(cd, m, 0);
			if (data != null) {
				calibration = trace.dataset(cd, data, ctx.resolve(cd, cd.getPath()));
			}
			log("%s: quantizing with %s", m.getName(), scheme.name());
			result = Quantizer.quantize(model, m.getName(), spec, data, options.progress());
			if (result.calibration() != null) { // engine.quantize.ClippedRanges
				for (CalibrationNote n : result.calibration().notes()) {
					log("%s: %s: %s", m.getName(), scheme.name(), n.message());
					note(cd, scheme, n.code(), n.message(), Severity.INFO);
				}
			}
			for (org.quantrace.engine.calibrate.WideRange w : result.wideRanges()) {
				log("%s: %s: warning: %s", m.getName(), scheme.name(), w.warning());
				note(cd, scheme, org.quantrace.engine.quantize.QuantizerWarning.WIDE_RANGE, w.warning(), Severity.WARNING);
			}
			for (QuantizationResult.Layer l : result.layers()) { // the trace's layer reason and PhIMT0003 say it too
				String widened = org.quantrace.report.WidenedWeightScales.stated(l.reason());
				if (widened != null) {
					log("%s: %s: layer %s: %s: its weights there are quantized that many times coarser, so that its bias fits int32", m.getName(),
							scheme.name(), l.node(), widened);
				}
				String clamped = org.quantrace.report.ClampedBiases.stated(l.reason());
				if (clamped != null) {
					String said = String.format(Locale.ROOT, "layer %s: %s: it adds a smaller bias than the float model's; quantize it with int8 weights or"
							+ " 8-bit activations, or exclude it", l.node(), clamped);
					log("%s: %s: warning: %s", m.getName(), scheme.name(), said);
					note(m, scheme, org.quantrace.engine.quantize.QuantizerWarning.BIAS_CLAMPED, said, Severity.WARNING);
				}
			}
			model = result.model();
		}
		ModelArtifact a = write(scheme.name(), spec.isQuantized() ? ArtifactKind.QUANTIZED : input.artifact().getKind(), scheme.name(), model);
		trace.link(LinkKind.DERIVED_FROM, a, input.artifact(), scheme.name());
		if (calibration != null) {
			trace.link(LinkKind.CALIBRATED_WITH, a, calibration, null);
		}
		schemes.put(scheme.name(), new Stage(scheme.name(), model, a, scheme, result, calibration));
		if (spec.isQuantized() || pruning != null || factorization != null) {
			trace.trace().getOptimizations().add(optimization(scheme.name(), scheme, input.artifact(), a, result, calibration));
		}
	}

	/**
	 * A note of {@code scheme}'s work on this model, on the line of {@code on} (the calibration dataset's, else the model's): its words
	 * as logged, after the model and scheme the line no longer says ("model cnn, scheme s: ...", on the model's line "scheme s: ...").
	 */
	private void note(org.eclipse.emf.ecore.EObject on, ResolvedScheme scheme, String code, String message, Severity severity) {
		org.eclipse.emf.ecore.EObject where = on == null ? m : on;
		String about = (where == m ? "" : "model " + m.getName() + ", ") + QuantizerWarnings.prefix(scheme.name());
		notes.add(DataChecks.diagnostic(ctx, where, ctx.file(), code, about + message, severity));
	}

	/**
	 * A model the recipe prunes or factorizes and runs through no scheme (it declares none): the optimization is its float chain's
	 * last stage, recorded as a scheme's would be (PhIMT0003 Table 1, the per-layer appendices, verify's checks of the stage) and
	 * named by that stage ({@code pruned}, {@code factorized}: names the language keeps from schemes). Its input is the model the
	 * first step read, its output the stage's file itself. Without it the pruned model lay in the folder and no record said how it
	 * was made (prune10). The record is {@code schemes unquantized}'s, without the copy of the model that scheme writes.
	 */
	void recordFloatOptimization() {
		if (pruning == null && factorization == null) {
			return;
		}
		int steps = (pruning != null ? 1 : 0) + (factorization != null ? 1 : 0);
		Stage read = floatStages.get(floatStages.size() - 1 - steps);
		Stage made = floatModel();
		trace.trace().getOptimizations().add(optimization(made.name(), null, read.artifact(), made.artifact(), null, null));
	}

	/** Replaces a scheme's model by a better one (accuracy recovery), under the same name, recorded as any scheme's. */
	void replaceScheme(ResolvedScheme scheme, QuantizationResult better) {
		Stage old = schemes.get(scheme.name());
		trace.trace().getArtifacts().remove(old.artifact());
		ModelArtifact a = write(scheme.name(), ArtifactKind.QUANTIZED, scheme.name(), better.model());
		trace.trace().getLinks().forEach(l -> {
			if (l.getSource() == old.artifact()) {
				l.setSource(a);
			}
		});
		schemes.put(scheme.name(), new Stage(scheme.name(), better.model(), a, scheme, better, old.calibration()));
		OptimizationRecord o = optimizationOf(scheme.name());
		o.setOutput(a);
		o.setQuantization(quantizationRecord(scheme, better, old.calibration(), a));
	}

	OptimizationRecord optimizationOf(String scheme) {
		return trace.trace().getOptimizations().stream().filter(o -> o.getId().equals(optimizationId(scheme))).findFirst().orElse(null);
	}

	/** @param variant the scheme's name, or the float stage's of a recipe without schemes ({@link #recordFloatOptimization}) */
	private OptimizationRecord optimization(String variant, ResolvedScheme scheme, ModelArtifact input, ModelArtifact output, QuantizationResult result,
			DatasetRecord calibration) {
		OptimizationRecord o = TraceAssembler.F.createOptimizationRecord();
		o.setId(optimizationId(variant));
		o.setName(m.getName() + " / " + variant);
		o.setScheme(variant);
		o.setDate(date);
		o.setResponsible(ctx.recipe().getResponsible());
		o.setPhase(LifecyclePhase.INFERENCE_MANAGEMENT);
		o.setFramework(TraceValues.tool("Quantrace", TraceAssembler.tools().get(0).getVersion()));
		o.getPackages().addAll(TraceAssembler.tools());
		o.setEnvironmentInformation(TraceAssembler.environmentText(trace.trace().getEnvironment()));
		o.setInput(input);
		o.setOutput(output);
		ModelArtifact original = floatStages.get(0).artifact();
		o.setInputModelReference(conversion != null ? conversion.getId()
				: original.getModelId() + (original.getVersion() != null ? "_" + original.getVersion() : ""));
		if (result != null) {
			o.setQuantization(quantizationRecord(scheme, result, calibration, output));
		}
		if (pruning != null) {
			o.setPruning(EcoreUtil.copy(pruning));
		}
		if (factorization != null) {
			o.setFactorization(EcoreUtil.copy(factorization));
		}
		return o;
	}

	/**
	 * The quantization record of a scheme's model, as first quantized or as recovered (one function for both):
	 * what was done, on which data, and what reproduces it.
	 */
	private QuantizationRecord quantizationRecord(ResolvedScheme scheme, QuantizationResult result, DatasetRecord calibration, ModelArtifact output) {
		QuantizationRecord q = QuantizationRecords.toRecord(result);
		// what the quantize command prints, a run says and records too (a mask from attention_mask holding a 2: masks33)
		QuantizerWarnings.unsaid(result).forEach(w -> log("%s: %s: warning: %s", m.getName(), scheme.name(), w.message()));
		QuantizerWarnings.record(trace.trace(), ctx, m, scheme.name(), result);
		if (q.getCalibration() != null && calibration != null) {
			q.getCalibration().setDataset(calibration);
		}
		reproducibility(q, scheme, result.spec(), output, calibration);
		return q;
	}

	/**
	 * What, with the recipe, reproduces this quantization exactly: the scheme, the spec as the engine used it
	 * (with recovery's exclusions), the seed, the data and the result's hash.
	 */
	private void reproducibility(QuantizationRecord q, ResolvedScheme scheme, QuantizationSpec spec, ModelArtifact output, DatasetRecord calibration) {
		var p = q.getAdditionalConfiguration();
		p.add(parameter("scheme", scheme.description()));
		p.add(parameter("exclusions", spec.exclusions().isEmpty() ? "none"
				: String.join(", ", spec.exclusions().stream().map(x -> x.kind().literal() + " " + x.pattern()).toList())));
		p.add(parameter("layer overrides", spec.overrides().isEmpty() ? "none" : String.join(", ", spec.overrides().stream().map(x -> x.layer()).toList())));
		p.add(parameter("recipe", trace.trace().getRecipePath() + " (sha256 " + trace.trace().getRecipeSha256() + ")"));
		p.add(parameter("seed", Long.toString(ctx.recipe().getSeed())));
		if (calibration != null && calibration.getManifestSha256() != null) {
			p.add(parameter("calibration data manifest", calibration.getManifestPath() + " (sha256 " + calibration.getManifestSha256() + ")"));
		}
		p.add(parameter("quantized model", output.getPath() + " (sha256 " + output.getSha256() + ")"));
	}

	private ModelArtifact write(String variant, ArtifactKind kind, String scheme, OnnxModel model) {
		byte[] bytes = model.toBytes();
		Path file = out.resolve("models").resolve(m.getName()).resolve(variant + ".onnx");
		Outputs.write(file, bytes);
		ModelArtifact a = trace.artifact(m.getName() + "/" + variant, variant, kind, scheme, model, file, SafeFiles.sha256(bytes), bytes.length);
		a.setModelId(floatStages.isEmpty() ? m.getModelId() : floatStages.get(0).artifact().getModelId());
		a.setVersion(m.getVersion());
		return a;
	}

	String conversionId() {
		return conversionId(ctx.recipe(), m.getName());
	}

	String optimizationId(String scheme) {
		return optimizationId(ctx.recipe(), m.getName(), scheme);
	}

	/** The id of model {@code model}'s conversion record: the recipe's conversion-id (else its name) and the model's name. */
	static String conversionId(Recipe recipe, String model) {
		String base = recipe.getConversionId() != null ? recipe.getConversionId() : recipe.getName() + "-conversion";
		return base + "/" + model;
	}

	/** The id of the optimization record of {@code scheme} on {@code model}. */
	static String optimizationId(Recipe recipe, String model, String scheme) {
		String base = recipe.getOptimizationId() != null ? recipe.getOptimizationId() : recipe.getName() + "-optimization";
		return base + "/" + model + "/" + scheme;
	}

	private void log(String format, Object... args) {
		options.log().printf(Locale.ROOT, format + "%n", args);
		options.log().flush();
	}
}
