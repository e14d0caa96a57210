package org.quantrace.runner;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import org.quantrace.engine.IoErrors;
import org.quantrace.engine.QuantraceException;
import org.quantrace.engine.convert.Freezer;
import org.quantrace.engine.data.Dataset;
import org.quantrace.engine.evaluate.DebugFindings;
import org.quantrace.engine.evaluate.DebugReport;
import org.quantrace.engine.evaluate.EvaluationOptions;
import org.quantrace.engine.evaluate.EvaluationReport;
import org.quantrace.engine.evaluate.Evaluator;
import org.quantrace.engine.evaluate.Metrics;
import org.quantrace.engine.evaluate.QuantizationDebugger;
import org.quantrace.engine.evaluate.Variant;
import org.quantrace.engine.onnx.Graph;
import org.quantrace.engine.onnx.Node;
import org.quantrace.engine.onnx.OnnxModel;
import org.quantrace.engine.quantize.OpRule;
import org.quantrace.engine.quantize.OpRules;
import org.quantrace.engine.quantize.QuantizationResult;
import org.quantrace.engine.quantize.QuantizationSpec;
import org.quantrace.engine.quantize.Quantizer;
import org.quantrace.model.recipe.DatasetDeclaration;
import org.quantrace.model.recipe.DebugStep;
import org.quantrace.model.recipe.EvaluationStep;
import org.quantrace.model.recipe.QuantizationConfig;
import org.quantrace.model.recipe.RecoveryStep;
import org.quantrace.model.trace.DatasetRecord;
import org.quantrace.model.trace.DebugRecord;
import org.quantrace.model.trace.EvaluationRecord;
import org.quantrace.model.trace.LinkKind;
import org.quantrace.model.trace.ModelArtifact;
import org.quantrace.report.DebugCharts;

/**
 * Evaluates a model's variants in one pass (the original, its float stages and every scheme), checks the
 * acceptance criteria, recovers failing full-integer schemes when the recipe asks for it, and runs the
 * recipe's debug steps.
 */
final class ModelEvaluation {

	private final RecipeContext ctx;
	private final ModelRun run;
	private final RunOptions options;
	private final Path out;
	private final TraceAssembler trace;

	private Dataset data;
	private DatasetRecord dataset;
	private EvaluationOptions evaluationOptions;
	private OnnxModel originalInferenceView;
	private boolean multilabel;

	ModelEvaluation(RecipeContext ctx, ModelRun run, RunOptions options, Path out, TraceAssembler trace) {
		this.ctx = ctx;
		this.run = run;
		this.options = options;
		this.out = out;
		this.trace = trace;
	}

	/** Evaluates and checks acceptance; returns whether every scheme of this model is accepted. */
	boolean evaluate() {
		EvaluationStep e = ctx.recipe().getEvaluation();
		if (e == null) {
			return true;
		}
		DatasetDeclaration d = e.getDataset();
		data = ctx.open(d, run.declaration(), 0);
		dataset = trace.dataset(d, data, ctx.resolve(d, d.getPath()));
		evaluationOptions = options(ctx, e, run.declaration());
		originalInferenceView = Freezer.inferenceView(run.source());

		List<ModelRun.Stage> stages = new ArrayList<>(run.floatStages());
		boolean floatScheme = run.schemes().values().stream().anyMatch(s -> s.quantization() == null);
		if (floatScheme && stages.size() > 1) {
			stages.remove(stages.size() - 1); // the float scheme is that model
		}
		stages.addAll(run.schemes().values());
		List<Variant> variants = new ArrayList<>();
		for (ModelRun.Stage s : stages) {
			// a technique-none scheme's copy of the original too (its kind is the original's): as verify's Reevaluation runs it,
			// never with a Dropout in training mode drawing its mask from the clock
			OnnxModel model = s.name().equals("original") ? originalInferenceView
					: s.artifact().getKind() == org.quantrace.model.trace.ArtifactKind.ORIGINAL ? Freezer.inferenceView(s.model()) : s.model();
			variants.add(new Variant(s.name(), model, s.artifact().getSizeBytes()));
		}
		log("%s: evaluating %d variants on %s (%d samples%s)", run.name(), variants.size(), d.getName(), data.size(),
				evaluationOptions.targets() == null ? "" : ", against targets " + evaluationOptions.targets().name());
		EvaluationReport report = Evaluator.evaluate(variants, data, evaluationOptions, options.progress());
		multilabel = report.multilabel();
		boolean all = true;
		for (ModelRun.Stage s : stages) {
			EvaluationRecord r = record(report, s.name(), s.artifact());
			if (s.scheme() != null) {
				all &= Acceptance.apply(Acceptance.criteriaFor(ctx.recipe(), s.scheme().config()), e, multilabel, r);
			}
			trace.trace().getEvaluations().add(r);
		}
		return all;
	}

	/**
	 * The engine's options for the recipe's evaluation step, for the run and for {@code verify --deep}: against the original,
	 * the step's tolerance, top-k, batch and data range; outputs measured against the original's (MSE, PSNR, SSIM) when the
	 * step names such a metric, scored as classes when it names others; naming none, as the recipe's acceptance criteria speak
	 * (a psnr, mse or ssim bound: outputs; a class metric's: classes), else left to the model's output (the validator's
	 * {@code measuresOutputs}, so the recipe is checked and run alike).
	 */
	static EvaluationOptions options(EvaluationStep e) {
		Boolean outputs = org.quantrace.dsl.validation.RecipeValidator.measuresOutputs(e);
		EvaluationOptions.Task task = outputs == null ? EvaluationOptions.Task.AUTO
				: outputs ? EvaluationOptions.Task.RECONSTRUCTION : EvaluationOptions.Task.CLASSIFICATION;
		return EvaluationOptions.defaults().withBaseline("original").withTolerance(e.getTolerance()).withTopK(e.getTopK()).withBatchSize(e.getBatchSize())
				.withDataRange(e.getDataRange()).withNominalRange(e.isNominalRange()).withTask(task).withSsim(e.getMetrics().isEmpty() || e.getMetrics().contains(org.quantrace.model.recipe.Metric.SSIM))
				.withPsnr(e.getMetrics().isEmpty() || e.getMetrics().contains(org.quantrace.model.recipe.Metric.PSNR));
	}

	/**
	 * {@link #options(EvaluationStep)} for model {@code m}: the layout NHWC where the recipe declares it for {@code m} reading the
	 * evaluation's data ({@link #nhwc}), and the targets the evaluation's dataset names read as the reference of each sample
	 * (instead of the original's outputs): one reading for the run and for {@code verify --deep}.
	 */
	static EvaluationOptions options(RecipeContext ctx, EvaluationStep e, org.quantrace.model.recipe.ModelDeclaration m) {
		DatasetDeclaration d = e.getDataset();
		EvaluationOptions o = options(e).withNhwc(nhwc(ctx, d, m));
		return d.getTargets() == null ? o : o.withTargets(ctx.targets(d));
	}

	/**
	 * Whether the recipe declares the layout NHWC for {@code m} reading {@code d} (the preprocess block that applies, its
	 * {@code layout NHWC}), where the data's reader applies a layout (image folders, IDX): an image model's outputs are then
	 * read [H, W, C] by SSIM ({@link org.quantrace.engine.evaluate.ReconstructionMetrics#imageLayout}). .npy, .npz and CSV
	 * data are fed as stored, a block's layout has no effect on them (a preprocessing-no-effect warning) and declares nothing.
	 */
	static boolean nhwc(RecipeContext ctx, DatasetDeclaration d, org.quantrace.model.recipe.ModelDeclaration m) {
		org.quantrace.model.recipe.Preprocessing block = ctx.preprocessingBlock(d, m);
		org.quantrace.model.recipe.DatasetFormat format = org.quantrace.model.DatasetFormats.of(d, ctx.resolve(d, d.getPath()));
		return block != null && block.getLayout() == org.quantrace.model.recipe.Layout.NHWC
				&& org.quantrace.model.DatasetFormats.takes(format, org.quantrace.model.recipe.RecipePackage.Literals.PREPROCESSING__LAYOUT);
	}

	/** Partial quantization of the schemes that failed, when the recipe declares it; returns whether all are accepted now. */
	boolean recover() {
		if (ctx.recipe().getRecovery() == null || evaluationOptions == null) {
			return true;
		}
		boolean all = true;
		for (ModelRun.Stage s : List.copyOf(run.schemes().values())) {
			EvaluationRecord r = evaluationOf(s.name());
			if (r == null || !r.isSetAccepted()) {
				continue;
			}
			if (r.isAccepted()) {
				notNeeded(s);
				continue;
			}
			if (s.quantization() == null || s.scheme().spec().technique() != QuantizationSpec.Technique.FULL_INTEGER) {
				all = false;
				continue;
			}
			all &= recover(s, r);
		}
		return all;
	}

	/** Recovers one failing scheme ({@link Recovery}) and puts the outcome into the run: the kept variant, its evaluation and the record. */
	private boolean recover(ModelRun.Stage failing, EvaluationRecord failed) {
		ResolvedScheme scheme = failing.scheme();
		Recovery.Failing variant = new Recovery.Failing(run.name() + "/" + scheme.name(), failing.quantization(), failed,
				Acceptance.criteriaFor(ctx.recipe(), scheme.config()).get(0));
		Recovery.Outcome outcome = Recovery.recover(ctx.recipe().getRecovery(), variant, candidates(failing), options.log());
		run.optimizationOf(scheme.name()).setRecovery(outcome.record());
		if (outcome.kept() != null) {
			run.replaceScheme(scheme, outcome.kept().result());
			EvaluationRecord kept = outcome.kept().evaluation();
			kept.setModel(run.schemes().get(scheme.name()).artifact());
			trace.trace().getEvaluations().set(trace.trace().getEvaluations().indexOf(failed), kept);
		}
		return outcome.accepted();
	}

	/** How recovery ranks the failing variant's layers (the debugger on its calibration data) and evaluates a candidate. */
	private Recovery.Candidates candidates(ModelRun.Stage failing) {
		ResolvedScheme scheme = failing.scheme();
		Dataset calibration = ctx.open(scheme.calibrationData(), run.declaration(), 0);
		return new Recovery.Candidates() {
			@Override
			public List<Recovery.Layer> ranking() {
				RecoveryStep step = ctx.recipe().getRecovery();
				Dataset sample = ctx.open(scheme.calibrationData(), run.declaration(), 64);
				DebugReport report = QuantizationDebugger.debug(run.floatModel().model(), run.floatModel().name(), failing.model(), failing.name(),
						sample, 64, step.getRankBy(), Double.MAX_VALUE, org.quantrace.engine.Progress.NONE);
				return Recovery.rank(report.tensors(), step.getRankBy(), ModelEvaluation.this::layer);
			}

			@Override
			public Recovery.Candidate evaluate(QuantizationSpec spec) {
				QuantizationResult result = Quantizer.quantize(run.floatModel().model(), run.name(), spec, calibration, org.quantrace.engine.Progress.NONE);
				return new Recovery.Candidate(result, evaluateCandidate(scheme, result.model(), failing.artifact()));
			}

			@Override
			public EvaluationRecord floatModel() {
				return evaluateCandidate(scheme, run.floatModel().model(), failing.artifact());
			}

			@Override
			public String floatName() {
				return run.floatModel().name();
			}
		};
	}

	/**
	 * The nodes to leave in float for a tensor's node. An activation (Relu, Clip) fused into the layer that
	 * feeds it carries that layer's output quantization: the layer is the one to exclude, with the activation. The window
	 * sums' Conv 'p_sums' that full-integer quantization adds for an AveragePool 'p' is that pool's: excluding the pool leaves
	 * it unrewritten, where excluding the added Conv alone made the quantizer put the pool back and the trial name a layer the
	 * result does not hold.
	 */
	private List<String> layer(String node) {
		Graph g = run.floatModel().model().graph();
		Node n = g.nodes().stream().filter(x -> x.name().equals(node)).findFirst().orElse(null);
		String pool = n == null && node.endsWith("_sums") ? node.substring(0, node.length() - "_sums".length()) : null;
		if (pool != null && g.nodes().stream().anyMatch(x -> x.name().equals(pool) && x.opType().equals("AveragePool"))) {
			return List.of(pool);
		}
		if (n == null || !OpRules.is(n, OpRule.Form.CLAMP)) {
			return List.of(node);
		}
		Node producer = g.producer(n.input(0)).orElse(null);
		boolean fusable = producer != null && (OpRules.is(producer, OpRule.Form.WEIGHTED) || OpRules.is(producer, OpRule.Form.COMPUTE));
		return fusable ? List.of(producer.name(), node) : List.of(node);
	}

	/** Records that the declared recovery was not needed: the scheme met its criteria as quantized. */
	private void notNeeded(ModelRun.Stage s) {
		org.quantrace.model.trace.OptimizationRecord o = s.scheme() == null ? null : run.optimizationOf(s.scheme().name());
		if (o != null && s.quantization() != null) {
			org.quantrace.model.trace.RecoveryRecord r = TraceAssembler.F.createRecoveryRecord();
			r.setPartialQuantization("not needed: the variant met its acceptance criteria fully quantized");
			o.setRecovery(r);
		}
	}

	/** Evaluates one candidate model of a scheme against the original: its record, acceptance applied. */
	private EvaluationRecord evaluateCandidate(ResolvedScheme scheme, OnnxModel model, ModelArtifact artifact) {
		EvaluationReport report = Evaluator.evaluate(List.of(new Variant("original", originalInferenceView, 0), Variant.of(scheme.name(), model)),
				data, evaluationOptions, org.quantrace.engine.Progress.NONE);
		EvaluationRecord r = record(report, scheme.name(), artifact);
		Acceptance.apply(Acceptance.criteriaFor(ctx.recipe(), scheme.config()), ctx.recipe().getEvaluation(), multilabel, r);
		return r;
	}

	EvaluationRecord evaluationOf(String variant) {
		String id = run.name() + "/" + variant + "/evaluation";
		return trace.trace().getEvaluations().stream().filter(x -> id.equals(x.getId())).findFirst().orElse(null);
	}

	private EvaluationRecord record(EvaluationReport report, String variant, ModelArtifact artifact) {
		EvaluationRecord r = EvaluationRecords.toRecord(report, variant);
		r.setId(run.name() + "/" + variant + "/evaluation");
		r.setName(run.name() + " / " + variant);
		r.setModel(artifact);
		r.setBaseline(run.floatStages().get(0).artifact());
		r.setDataset(dataset);
		r.setTolerance(evaluationOptions.tolerancePoints()); // what the markers mean: the documents print it beside them
		if (evaluationOptions.targets() != null) {
			r.setTargets(evaluationOptions.targets().name());
		}
		if (report.nominalRange()) { // the span was not held against R: verify --deep must know
			r.setNominalRange(true);
		}
		if (options.reproducible()) { // wall-clock figures differ between runs
			r.getMetrics().removeIf(m -> m.getName().equals(Metrics.LATENCY));
			r.setLatencyMs(0);
		}
		return r;
	}

	void link(EvaluationRecord r) {
		trace.link(LinkKind.EVALUATED_ON, r.getModel(), dataset, null);
		trace.link(LinkKind.VERIFIES, r, r.getModel(), null);
	}

	/** The recipe's debug steps on this model's full-integer schemes. */
	void debug() {
		for (DebugStep step : ctx.recipe().getDebugging()) {
			for (QuantizationConfig scheme : step.getSchemes()) {
				ModelRun.Stage s = run.schemes().get(scheme.getName());
				if (s == null || s.quantization() == null) {
					continue; // not run in this shard, or selected away with --only
				}
				DatasetDeclaration d = ctx.debugData(step, s.scheme());
				Dataset samples = ctx.open(d, run.declaration(), step.getSamples());
				log("%s: debugging %s on %d samples of %s", run.name(), scheme.getName(), samples.size(), d.getName());
				ModelRun.Stage input = run.floatModel();
				DebugReport report = QuantizationDebugger.debug(input.model(), input.name(), s.model(), s.name(), samples, step.getSamples(), step.getMetric(),
						step.getThreshold(), options.progress());
				Path dir = out.resolve("debug").resolve(run.name()).resolve(scheme.getName());
				try {
					DebugCharts.write(report, dir);
				} catch (IOException e) {
					throw new QuantraceException(dir + ": cannot write the debugger's files (" + IoErrors.describe(e) + ")",
							IoErrors.hint(e, "check the output folder is writable"), e);
				}
				// what `quantrace debug` prints under its table: candidates, ranges clipped on purpose (no candidates), ...
				DebugFindings.of(report).forEach(line -> log("%s: %s: %s", run.name(), scheme.getName(), line));
				DebugRecord r = EvaluationRecords.toRecord(report);
				r.setId(run.name() + "/" + scheme.getName() + "/debug");
				r.setName(run.name() + " / " + scheme.getName());
				r.setFloatModel(input.artifact());
				r.setQuantizedModel(s.artifact());
				r.setDataset(trace.dataset(d, samples, ctx.resolve(d, d.getPath())));
				r.setCsvPath(TraceAssembler.relative(out, dir.resolve("debug.csv")));
				trace.trace().getDebugRecords().removeIf(x -> x.getId().equals(r.getId()));
				trace.trace().getDebugRecords().add(r);
			}
		}
	}

	void linkAll() {
		trace.trace().getEvaluations().stream().filter(r -> r.getId().startsWith(run.name() + "/")).forEach(this::link);
	}

	private void log(String format, Object... args) {
		options.log().printf(Locale.ROOT, format + "%n", args);
		options.log().flush();
	}
}
