package org.quantrace.runner;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import org.eclipse.emf.ecore.util.EcoreUtil;
import org.quantrace.engine.data.Dataset;
import org.quantrace.engine.evaluate.DebugReport;
import org.quantrace.engine.evaluate.QuantizationDebugger;
import org.quantrace.engine.onnx.Graph;
import org.quantrace.engine.onnx.Node;
import org.quantrace.engine.quantize.OpRegistry;
import org.quantrace.engine.quantize.QuantizationResult;
import org.quantrace.engine.quantize.QuantizationSpec;
import org.quantrace.engine.quantize.Quantizer;
import org.quantrace.model.TraceValues;
import org.quantrace.model.recipe.AcceptanceCriterion;
import org.quantrace.model.recipe.DatasetDeclaration;
import org.quantrace.model.recipe.DebugMetric;
import org.quantrace.model.recipe.Exclusion;
import org.quantrace.model.recipe.ExclusionKind;
import org.quantrace.model.recipe.FallbackSearch;
import org.quantrace.model.recipe.QuantizationConfig;
import org.quantrace.model.recipe.RecipeFactory;
import org.quantrace.model.recipe.RecoveryStep;
import org.quantrace.model.recipe.RecoveryTechnique;
import org.quantrace.model.trace.AcceptanceResult;
import org.quantrace.model.trace.EvaluationRecord;
import org.quantrace.model.trace.OptimizationRecord;
import org.quantrace.model.trace.RecoveryRecord;
import org.quantrace.model.trace.RecoveryTrial;

/**
 * Accuracy-driven fallback (partial quantization): when a full-integer scheme fails its acceptance
 * criteria, the debugger ranks the quantized layers by their own (isolated) error, and the worst are left
 * in float, one more at a time or by bisection over their number, re-calibrated and re-evaluated until
 * the criteria hold or the trials run out. The best variant is kept; every trial goes into the trace and
 * PhIMT0003's "techniques to recover accuracy" rows.
 */
final class Recovery {

	private final RecipeContext ctx;
	private final ModelRun run;
	private final ModelEvaluation evaluation;
	private final RunOptions options;
	private final RecoveryStep step;

	/** One tried configuration: the layers left in float, its model, its evaluation, and its margin on the first criterion. */
	private record Trial(int index, List<String> excluded, QuantizationResult result, EvaluationRecord evaluation, double margin) {
		boolean accepted() {
			return evaluation.isSetAccepted() && evaluation.isAccepted();
		}
	}

	/** How far the first criterion is on the good side of its bound (negative: on the bad side). */
	private double margin(QuantizationConfig scheme, EvaluationRecord e) {
		AcceptanceCriterion c = Acceptance.criteriaFor(ctx.recipe(), scheme).get(0);
		double measured = e.getAcceptance().get(0).getMeasured();
		return switch (c.getComparator()) {
		case LESS, LESS_OR_EQUAL -> c.getValue() - measured;
		case GREATER, GREATER_OR_EQUAL -> measured - c.getValue();
		};
	}

	Recovery(RecipeContext ctx, ModelRun run, ModelEvaluation evaluation, RunOptions options) {
		this.ctx = ctx;
		this.run = run;
		this.evaluation = evaluation;
		this.options = options;
		this.step = ctx.recipe().getRecovery();
	}

	/** Tries to recover {@code failing}; returns whether the scheme is accepted at the end. */
	boolean recover(ModelRun.Stage failing) {
		QuantizationConfig scheme = failing.scheme();
		OptimizationRecord optimization = run.optimizationOf(scheme);
		RecoveryRecord record = TraceAssembler.F.createRecoveryRecord();
		optimization.setRecovery(record);
		if (step.getTechnique() != RecoveryTechnique.PARTIAL_QUANTIZATION) {
			String note = step.getTechnique().getLiteral() + " needs retraining, which Quantrace does not do: the variant stays rejected";
			if (step.getTechnique() == RecoveryTechnique.QUANTIZATION_AWARE_TRAINING) {
				record.setQuantizationAwareTraining(note);
			} else {
				record.setLearnedQuantizationParameters(note);
			}
			return false;
		}
		Map<String, Double> ranking = rank(failing);
		List<String> candidates = List.copyOf(ranking.keySet());
		int limit = Math.min(step.getMaxTrials(), candidates.size());
		log("%s/%s failed its acceptance criteria: trying to leave up to %d of %d layers in float (%s)", run.name(), scheme.getName(), limit,
				candidates.size(), step.getSearch().getLiteral());
		List<Trial> trials = new ArrayList<>();
		EvaluationRecord failed = evaluation.evaluationOf(scheme.getName());
		Trial initial = new Trial(0, List.of(), failing.quantization(), failed, margin(scheme, failed));
		if (step.getSearch() == FallbackSearch.BISECTION) {
			int lo = 1;
			int hi = candidates.size();
			while (lo <= hi && trials.size() < step.getMaxTrials()) {
				int mid = (lo + hi) / 2;
				Trial t = attempt(scheme, candidates.subList(0, mid), trials.size() + 1);
				trials.add(t);
				if (t.accepted()) {
					hi = mid - 1;
				} else {
					lo = mid + 1;
				}
			}
		} else {
			for (int k = 1; k <= limit; k++) {
				Trial t = attempt(scheme, candidates.subList(0, k), k);
				trials.add(t);
				if (t.accepted()) {
					break;
				}
			}
		}
		Trial best = trials.stream().filter(Trial::accepted).min(Comparator.comparingInt(t -> t.excluded().size()))
				.orElse(trials.stream().max(Comparator.comparingDouble(Trial::margin)).filter(t -> t.margin() > initial.margin()).orElse(initial));
		record(record, ranking, trials, best);
		if (best != initial) {
			run.replaceScheme(scheme, best.result());
			EvaluationRecord old = evaluation.evaluationOf(scheme.getName());
			EvaluationRecord kept = best.evaluation();
			kept.setModel(run.schemes().get(scheme.getName()).artifact());
			int at = run.traceModel().getEvaluations().indexOf(old);
			run.traceModel().getEvaluations().set(at, kept);
		}
		log("%s/%s: %s", run.name(), scheme.getName(), record.getPartialQuantization());
		return best.accepted();
	}

	/** The quantized layers, worst first by the recipe's rank-by metric (isolated error); tensors that reuse another's scale are skipped. */
	private Map<String, Double> rank(ModelRun.Stage failing) {
		DatasetDeclaration d = ctx.calibrationData(failing.scheme());
		Dataset data = ctx.open(d, run.declaration(), 64);
		DebugMetric metric = step.getRankBy();
		DebugReport report = QuantizationDebugger.debug(run.floatModel().model(), run.floatModel().name(), failing.model(), failing.name(), data, 64,
				metric, Double.MAX_VALUE, org.quantrace.engine.Progress.NONE);
		boolean lowerIsWorse = metric == DebugMetric.SQNR || metric == DebugMetric.COSINE;
		Comparator<DebugReport.TensorDebug> worstFirst = Comparator.comparingDouble(t -> Math.abs(t.isolated().value(metric)));
		List<DebugReport.TensorDebug> tensors = report.tensors().stream().filter(t -> t.paramsFrom().isEmpty() && !t.node().isEmpty())
				.sorted(lowerIsWorse ? worstFirst : worstFirst.reversed()).toList();
		Map<String, Double> ranking = new LinkedHashMap<>();
		tensors.forEach(t -> ranking.putIfAbsent(layer(t.node()), t.isolated().value(metric)));
		return ranking;
	}

	/**
	 * The layer to leave in float for a tensor's node. An activation (Relu, Clip) fused into the layer that
	 * feeds it carries that layer's output quantization: the layer is the one to exclude, with the activation.
	 */
	private String layer(String node) {
		Graph g = run.floatModel().model().graph();
		Node n = g.nodes().stream().filter(x -> x.name().equals(node)).findFirst().orElse(null);
		if (n == null || OpRegistry.role(n).filter(r -> r == OpRegistry.Role.ACTIVATION).isEmpty()) {
			return node;
		}
		Node producer = g.producer(n.input(0)).orElse(null);
		boolean fusable = producer != null && OpRegistry.role(producer)
				.filter(r -> r == OpRegistry.Role.WEIGHTED || r == OpRegistry.Role.ELEMENTWISE).isPresent();
		return fusable ? producer.name() + "|" + node : node;
	}

	private Trial attempt(QuantizationConfig scheme, List<String> excluded, int index) {
		QuantizationConfig candidate = EcoreUtil.copy(scheme);
		for (String layer : excluded) {
			for (String node : layer.split("\\|")) {
				Exclusion x = RecipeFactory.eINSTANCE.createExclusion();
				x.setKind(ExclusionKind.NODE);
				x.setPattern(node);
				x.setReason("accuracy recovery (partial quantization)");
				candidate.getExclusions().add(x);
			}
		}
		DatasetDeclaration d = ctx.calibrationData(scheme);
		Dataset calibration = d == null ? null : ctx.open(d, run.declaration(), 0);
		QuantizationResult result = Quantizer.quantize(run.floatModel().model(), run.name(), QuantizationSpec.of(candidate), calibration,
				org.quantrace.engine.Progress.NONE);
		EvaluationRecord e = evaluation.evaluateCandidate(scheme, result.model(), run.schemes().get(scheme.getName()).artifact());
		Trial t = new Trial(index, List.copyOf(excluded), result, e, margin(scheme, e));
		log("  trial %d: %d layer%s in float: %s", index, excluded.size(), excluded.size() == 1 ? "" : "s",
				e.getAcceptance().stream().map(a -> a.getCriterion() + " -> " + format(a.getMeasured()) + (a.isPassed() ? " ok" : " failed")).toList());
		return t;
	}

	private void record(RecoveryRecord record, Map<String, Double> ranking, List<Trial> trials, Trial best) {
		for (Trial t : trials) {
			RecoveryTrial r = TraceAssembler.F.createRecoveryTrial();
			r.setIndex(t.index());
			t.excluded().forEach(layer -> r.getExcluded().add(layer.replace("|", " + ")));
			AcceptanceResult first = t.evaluation().getAcceptance().get(0);
			r.setMetric(first.getCriterion());
			r.setValue(first.getMeasured());
			r.setAccepted(t.accepted());
			record.getTrials().add(r);
		}
		String metric = step.getRankBy().getLiteral();
		for (String node : best.excluded()) {
			record.getExcludedLayers().add(TraceValues.parameter(node.replace("|", " + "), "left in float: " + metric + " " + format(ranking.get(node)) + " (isolated), rank "
					+ (List.copyOf(ranking.keySet()).indexOf(node) + 1) + " of " + ranking.size()));
		}
		record.setPartialQuantization(String.format(Locale.ROOT, "%s search over %d quantized layers ranked by %s (debugger, isolated error), %d trial%s"
				+ " of at most %d: %s", step.getSearch().getLiteral(), ranking.size(), metric, trials.size(), trials.size() == 1 ? "" : "s",
				step.getMaxTrials(), best.accepted() ? "accepted with " + best.excluded().size() + " layer(s) in float"
						: "no trial met the criteria; kept " + (best.excluded().isEmpty() ? "the fully quantized model" : "the best trial, " + best.excluded().size() + " layer(s) in float")));
	}

	private static String format(double v) {
		return String.format(Locale.ROOT, "%.4g", v);
	}

	private void log(String format, Object... args) {
		options.log().printf(format + "%n", args);
		options.log().flush();
	}
}
