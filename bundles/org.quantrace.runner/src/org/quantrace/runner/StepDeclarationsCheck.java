package org.quantrace.runner;

import static org.quantrace.runner.RecipeDeclarationsCheck.same;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;

import org.quantrace.engine.convert.FreezeOptions;
import org.quantrace.engine.convert.Preprocessing;
import org.quantrace.engine.evaluate.EvaluationReport;
import org.quantrace.engine.evaluate.Metrics;
import org.quantrace.engine.factorize.FactorizationSpec;
import org.quantrace.engine.prune.PruningSpec;
import org.quantrace.model.recipe.AcceptanceCriterion;
import org.quantrace.model.recipe.DebugStep;
import org.quantrace.model.recipe.EvaluationStep;
import org.quantrace.model.recipe.Metric;
import org.quantrace.model.recipe.Recipe;
import org.quantrace.model.trace.AcceptanceResult;
import org.quantrace.model.trace.ConversionRecord;
import org.quantrace.model.trace.DebugRecord;
import org.quantrace.model.trace.EvaluationRecord;
import org.quantrace.model.trace.FactorizationRecord;
import org.quantrace.model.trace.MetricValue;
import org.quantrace.model.trace.OptimizationRecord;
import org.quantrace.model.trace.Parameter;
import org.quantrace.model.trace.PruningRecord;
import org.quantrace.model.trace.TraceModel;
import org.quantrace.model.trace.ArtifactKind;
import org.quantrace.model.trace.ModelArtifact;
import org.quantrace.report.RunSummary;
import org.quantrace.runner.verify.FloatStages;
import org.quantrace.runner.Verification.Problem;

/**
 * What the trace records because the recipe's steps declare it, held against the recipe ({@link RecipeDeclarationsCheck} holds
 * the models, documents, seed and schemes): the convert step's configuration (eliminate, fold constants, target opset), the
 * prune step's criterion, scope, pattern, target sparsity and exclusions, the factorize step's rank selection, the evaluation's
 * tolerance (each recorded marker), its metrics and each acceptance criterion's text, bound, unit, measured figure and verdict,
 * and each debug step's metric and threshold. Each is made again from the recipe by the function the run records it with. The
 * documents print them from the trace alone: a trace and its documents edited together (a target sparsity of 50 % where 30 %
 * was declared, "accuracy drop < 1 pt" where the recipe accepts 3, kappa's "↓" made "~"), SHA256SUMS re-sealed, passed.
 */
final class StepDeclarationsCheck {

	private static final java.util.Set<Metric> ALWAYS = java.util.EnumSet.of(Metric.ACCURACY, Metric.PRECISION, Metric.RECALL, Metric.F1,
			Metric.BALANCED_ACCURACY, Metric.COHEN_KAPPA);

	/** The first configuration row of an automatic conversion, and how its reason begins ({@link ModelRun}). */
	static final String DECLARED_BY = "declared by";
	static final String AUTOMATIC = "automatic pre-processing before ";

	private StepDeclarationsCheck() {
	}

	static void check(RecipeContext ctx, TraceModel trace, List<Problem> problems) {
		Recipe recipe = ctx.recipe();
		for (ConversionRecord c : trace.getConversions()) {
			conversion(problems, recipe, c);
		}
		for (OptimizationRecord o : trace.getOptimizations()) {
			pruning(problems, recipe, "optimization " + o.getId() + " pruning ", o.getPruning());
			factorization(problems, recipe, "optimization " + o.getId() + " factorization ", o.getFactorization());
		}
		floatOptimizations(problems, ctx, trace);
		EvaluationStep e = recipe.getEvaluation();
		for (EvaluationRecord r : trace.getEvaluations()) {
			if (e == null) {
				problems.add(new Problem(Outputs.TRACE, "evaluation " + r.getId() + ": recorded, where the recipe declares no evaluate step"));
			} else {
				evaluation(problems, ctx, e, r);
			}
		}
		Map<String, DebugStep> steps = ctx.debugSteps();
		for (DebugRecord d : trace.getDebugRecords()) {
			DebugStep step = steps.get(d.getId());
			String at = "debug " + d.getId() + " ";
			if (step == null) {
				problems.add(new Problem(Outputs.TRACE, at + ": recorded, where the recipe declares no such debug step"));
				continue;
			}
			same(problems, at + "metric", d.getMetric() == null ? null : d.getMetric().getLiteral(), step.getMetric().getLiteral());
			same(problems, at + "threshold", d.getThreshold(), step.getThreshold());
			if (step.getSamples() > 0 && d.getSampleCount() > step.getSamples()) {
				same(problems, at + "samples (at most)", d.getSampleCount(), step.getSamples());
			}
		}
	}

	/**
	 * A conversion: the one the recipe's convert step asked for, its configuration rows against the step's; without a convert
	 * step, quantize's automatic pre-processing, which says why it ran in a first row "declared by" ({@link ModelRun}): its
	 * configuration rows against quantize's defaults, and its reason against the rule it ran by (applied only where the
	 * pre-processed model differs from the original by at most {@link Preprocessing#TOLERANCE}, and naming that difference,
	 * which {@link ConversionRecheck} makes again from the two files). Before, an automatic conversion was held against nothing
	 * here: its rows, or a recipe's conversion made to read as automatic, passed.
	 */
	private static void conversion(List<Problem> problems, Recipe recipe, ConversionRecord c) {
		String at = "conversion " + c.getId() + " ";
		String declaredBy = c.getConverterConfiguration().stream().filter(p -> p.getKey().equals(DECLARED_BY)).map(Parameter::getValue).findFirst().orElse(null);
		if (recipe.getConversion() != null && declaredBy != null) {
			same(problems, at + DECLARED_BY, declaredBy, "the recipe's convert step");
		}
		if (recipe.getConversion() == null) {
			String difference = "max |difference| " + String.format(java.util.Locale.ROOT, "%.3g", c.getMaxAbsDifference()) + " on ";
			boolean follows = declaredBy != null && declaredBy.startsWith(AUTOMATIC) && declaredBy.contains(difference)
					&& c.getMaxAbsDifference() <= Preprocessing.TOLERANCE;
			if (!follows) {
				problems.add(new Problem(Outputs.TRACE, at + DECLARED_BY + ": says " + (declaredBy == null ? "nothing (as a convert step's)" : declaredBy)
						+ ", where the recipe declares no convert step: quantize's automatic pre-processing runs only where the converted model differs"
						+ " from the original by at most " + Preprocessing.TOLERANCE + " and says so (" + AUTOMATIC + "..., " + difference + "...; the record's"
						+ " difference is " + c.getMaxAbsDifference() + ")"));
			}
		}
		FreezeOptions options = recipe.getConversion() == null ? FreezeOptions.defaults() : FreezeOptions.of(recipe.getConversion());
		for (Parameter declared : ConversionRecords.configuration(options)) {
			String recorded = c.getConverterConfiguration().stream().filter(p -> declared.getKey().equals(p.getKey())).map(Parameter::getValue).findFirst()
					.orElse(null);
			if (recipe.getConversion() != null) {
				same(problems, at + declared.getKey(), recorded, declared.getValue());
			} else if (!declared.getValue().equals(recorded)) {
				problems.add(new Problem(Outputs.TRACE, at + declared.getKey() + ": says " + recorded + ", quantize's automatic pre-processing uses "
						+ declared.getValue() + " (the recipe declares no convert step; the documents print the trace's: edited after the run?)"));
			}
		}
	}

	private static void pruning(List<Problem> problems, Recipe recipe, String at, PruningRecord p) {
		if (p == null || recipe.getPruning() == null) {
			same(problems, at + "step", p == null ? "none" : "a pruning", recipe.getPruning() == null ? "none" : "a pruning");
			return;
		}
		PruningRecord declared = PruningRecords.settings(PruningSpec.of(recipe.getPruning()));
		same(problems, at + "criterion", p.getCriterion(), declared.getCriterion());
		same(problems, at + "scope", p.getScope(), declared.getScope());
		same(problems, at + "pattern", p.getPattern(), declared.getPattern());
		same(problems, at + "target sparsity (%)", p.getTargetSparsity(), declared.getTargetSparsity());
		same(problems, at + "excluded", List.copyOf(p.getExcluded()), List.copyOf(declared.getExcluded()));
		List<String> rows = declared.getAdditionalConfiguration().stream().map(StepDeclarationsCheck::row).toList();
		List<String> recorded = p.getAdditionalConfiguration().stream().map(StepDeclarationsCheck::row).limit(rows.size()).toList();
		same(problems, at + "pattern and per-layer settings", recorded, rows);
		PruningSpec spec = RecipeExclusions.pruning(recipe.getPruning());
		p.getAdditionalConfiguration().stream().filter(c -> c.getKey().startsWith(NOT_PRUNED))
				.forEach(c -> excludedBy(problems, at + c.getKey(), c.getValue(), spec.exclusionReason(c.getKey().substring(NOT_PRUNED.length()))));
	}

	private static final String NOT_PRUNED = "not pruned: ";

	/**
	 * A layer's reason that says who excluded it against the recipe: an exclusion of the step matches the layer, and the reason
	 * names its line ("excluded by the recipe, line 8 (layer fc*)"). Edited to name another line, or stated for a layer no
	 * exclusion matches, it sent the assessor to a line that does not exclude it.
	 */
	private static void excludedBy(List<Problem> problems, String what, String recorded, String declared) {
		if (org.quantrace.engine.ExcludedBy.says(recorded) && !recorded.equals(declared)) {
			problems.add(new Problem(Outputs.TRACE, what + ": says " + recorded + ", where " + (declared == null
					? "no exclusion of the recipe's step matches the layer" : "the recipe's step gives " + declared) + " (edited after the run?)"));
		}
	}

	/**
	 * The optimization records no scheme makes: a recipe that prunes or factorizes and declares no scheme records, for each model
	 * the trace holds, one of its float chain's last stage ({@link ModelRun#recordFloatOptimization}): named by that stage, from
	 * the model the first step read to the stage's own file, no quantization. Struck out of a trace (every document made again),
	 * the folder held a pruned model and no document said how it was made; a recipe with schemes records its steps in theirs, so
	 * a record of no scheme there is one no run writes.
	 */
	private static void floatOptimizations(List<Problem> problems, RecipeContext ctx, TraceModel trace) {
		Recipe recipe = ctx.recipe();
		java.util.Set<String> schemes = new java.util.HashSet<>(ctx.schemes(java.util.Set.of()).stream().map(ResolvedScheme::name).toList());
		ArtifactKind last = recipe.getFactorization() != null ? ArtifactKind.FACTORIZED : recipe.getPruning() != null ? ArtifactKind.PRUNED : null;
		ArtifactKind first = recipe.getPruning() != null ? ArtifactKind.PRUNED : last;
		boolean expected = schemes.isEmpty() && last != null;
		for (String model : RunSummary.models(trace)) {
			String id = expected ? ModelRun.optimizationId(recipe, model, last.getLiteral()) : null;
			List<OptimizationRecord> own = trace.getOptimizations().stream()
					.filter(o -> !schemes.contains(o.getScheme()) && o.getInput() != null && RunSummary.model(o.getInput()).equals(model)).toList();
			for (OptimizationRecord o : own) {
				if (!o.getId().equals(id)) {
					problems.add(new Problem(Outputs.TRACE, "optimization " + o.getId() + ": recorded for no scheme of the recipe" + (expected
							? ", where its " + last.getLiteral() + " model's record is " + id : schemes.isEmpty() ? ", which declares no prune or factorize step either"
									: ": its steps are recorded in its schemes' records") + " (added after the run?)"));
				}
			}
			if (!expected) {
				continue;
			}
			OptimizationRecord o = own.stream().filter(x -> x.getId().equals(id)).findFirst().orElse(null);
			ModelArtifact[] made = FloatStages.stage(trace, model, last);
			ModelArtifact[] read = FloatStages.stage(trace, model, first);
			if (o == null) {
				problems.add(new Problem(Outputs.TRACE, "model " + model + ": no optimization record " + id + ", where the recipe " + (recipe.getPruning() != null
						? "prunes" + (recipe.getFactorization() != null ? " and factorizes" : "") : "factorizes") + " it and declares no scheme: the folder holds "
						+ (made == null ? "its " + last.getLiteral() + " model" : made[1].getPath()) + " and no record or document says how it was made"
						+ " (struck out after the run?)"));
				continue;
			}
			String at = "optimization " + o.getId() + " ";
			same(problems, at + "variant", o.getScheme(), last.getLiteral());
			same(problems, at + "responsible", o.getResponsible(), recipe.getResponsible());
			same(problems, at + "quantization", o.getQuantization() == null ? "none" : "a quantization", "none");
			linked(problems, at + "input model", o.getInput(), read == null ? null : read[0], "the model its first step read");
			linked(problems, at + "output model", o.getOutput(), made == null ? null : made[1], "its " + last.getLiteral() + " model");
		}
	}

	/** A record's model against the one the trace's derived-from links make it. */
	private static void linked(List<Problem> problems, String what, ModelArtifact recorded, ModelArtifact linked, String which) {
		if (recorded == null || recorded != linked) {
			problems.add(new Problem(Outputs.TRACE, what + ": says " + (recorded == null ? "none" : recorded.getId()) + ", where " + which + " is "
					+ (linked == null ? "none the trace links" : linked.getId()) + " (edited after the run?)"));
		}
	}

	private static String row(Parameter p) {
		return p.getKey() + ": " + p.getValue();
	}

	private static void factorization(List<Problem> problems, Recipe recipe, String at, FactorizationRecord f) {
		if (f == null || recipe.getFactorization() == null) {
			same(problems, at + "step", f == null ? "none" : "a factorization", recipe.getFactorization() == null ? "none" : "a factorization");
			return;
		}
		FactorizationRecord declared = FactorizationRecords.settings(FactorizationSpec.of(recipe.getFactorization()));
		same(problems, at + "rank selection", f.getRankSelection(), declared.getRankSelection());
		same(problems, at + "value", f.getValue(), declared.getValue());
		same(problems, at + "target", f.getTarget(), declared.getTarget());
		same(problems, at + "excluded", List.copyOf(f.getExcludes()), List.copyOf(declared.getExcludes()));
		FactorizationSpec spec = RecipeExclusions.factorization(recipe.getFactorization());
		f.getLayers().forEach(l -> excludedBy(problems, at + "layer " + l.getLayer() + " reason", l.getReason(), spec.exclusionReason(l.getLayer())));
	}

	/** An evaluation record: its markers under the recipe's tolerance, the metrics the recipe names, its acceptance results. */
	private static void evaluation(List<Problem> problems, RecipeContext ctx, EvaluationStep e, EvaluationRecord r) {
		String at = "evaluation " + r.getId() + " ";
		if (r.isSetTolerance() && r.getTolerance() != e.getTolerance()) { // the documents print it beside the markers
			problems.add(new Problem(Outputs.TRACE, at + "tolerance: records " + r.getTolerance() + " pt, the recipe declares " + e.getTolerance() + " pt"));
		}
		for (MetricValue m : r.getMetrics()) {
			if (m.isSetBaselineValue() && m.getMarker() != null) {
				String marker = EvaluationReport.marker(m.getName(), m.getValue(), m.getBaselineValue(), e.getTolerance()).name();
				if (!marker.equals(m.getMarker().name())) {
					problems.add(new Problem(Outputs.TRACE, at + m.getName() + " marker: says " + m.getMarker().getLiteral() + ", the recipe's tolerance of "
							+ e.getTolerance() + " pt makes " + marker.toLowerCase(java.util.Locale.ROOT) + " (" + m.getValue() + " against " + m.getBaselineValue()
							+ "; the documents print the trace's: edited after the run?)"));
				}
			}
		}
		boolean singleLabel = r.getMetrics().stream().anyMatch(m -> m.getName().equals(Metrics.ACCURACY));
		boolean multilabel = r.getMetrics().stream().anyMatch(m -> m.getName().equals(Metrics.HAMMING_LOSS));
		for (Metric m : e.getMetrics()) {
			// the class metrics a single-label classification always records (top-k needs k classes and class scores, latency is
			// dropped from reproducible runs, the output metrics depend on the output's shape: held by --deep's second path)
			if (singleLabel && ALWAYS.contains(m) && names(m, e).stream().noneMatch(n -> r.getMetrics().stream().anyMatch(v -> v.getName().equals(n)))) {
				same(problems, at + "metric " + m.getLiteral(), "not recorded", "it measured");
			}
		}
		// and every figure the evaluation of that kind computes, named in the recipe or not: the documents print what the record holds
		for (String n : singleLabel ? Metrics.MULTICLASS : multilabel ? Metrics.MULTILABEL : List.<String>of()) {
			if (r.getMetrics().stream().noneMatch(v -> v.getName().equals(n))) {
				problems.add(new Problem(Outputs.TRACE, at + n + ": not recorded, where every " + (singleLabel ? "single-label" : "multilabel")
						+ " evaluation computes it (left out of the record and the documents after the run?)"));
			}
		}
		ResolvedScheme scheme = ctx.schemes(java.util.Set.of()).stream().filter(s -> s.name().equals(r.getVariant())).findFirst().orElse(null);
		List<AcceptanceCriterion> criteria = scheme == null ? List.of() : Acceptance.criteriaFor(ctx.recipe(), scheme.config());
		same(problems, at + "acceptance criteria", r.getAcceptance().stream().map(AcceptanceResult::getCriterion).toList(),
				criteria.stream().map(Acceptance::text).toList());
		boolean all = true;
		for (int i = 0; i < Math.min(criteria.size(), r.getAcceptance().size()); i++) {
			AcceptanceCriterion a = criteria.get(i);
			AcceptanceResult recorded = r.getAcceptance().get(i);
			String name = names(a.getMetric(), e).contains(recorded.getMetric()) ? recorded.getMetric() : Acceptance.metricName(a, e, false);
			AcceptanceResult declared = Acceptance.result(a, name, r.getMetrics().stream().filter(m -> m.getName().equals(name)).findFirst().orElse(null));
			String where = at + "acceptance " + declared.getCriterion() + " ";
			same(problems, where + "metric", recorded.getMetric(), declared.getMetric());
			same(problems, where + "bound", recorded.getBound(), declared.getBound());
			same(problems, where + "unit", recorded.getUnit(), declared.getUnit());
			if (!Objects.equals(recorded.getMeasured(), declared.getMeasured())) { // NaN (not measured) equals NaN
				follows(problems, where + "measured", recorded.getMeasured(), declared.getMeasured());
			}
			follows(problems, where + "passed", recorded.isPassed(), declared.isPassed());
			all &= declared.isPassed();
		}
		if (!criteria.isEmpty() && criteria.size() == r.getAcceptance().size()) {
			follows(problems, at + "accepted", r.isSetAccepted() ? r.isAccepted() : null, all);
		}
	}

	/** A figure the recipe does not declare but its criterion makes from the recorded metrics (a measured drop, a verdict). */
	private static void follows(List<Problem> problems, String what, Object recorded, Object derived) {
		if (!Objects.equals(recorded, derived)) {
			problems.add(new Problem(Outputs.TRACE, what + ": says " + recorded + ", the recipe's criterion on the recorded metrics gives " + derived
					+ " (the documents print the trace's: edited after the run?)"));
		}
	}

	/** The names an evaluation records a recipe metric under, single-label and multilabel (which the data decides). */
	private static List<String> names(Metric m, EvaluationStep e) {
		List<String> names = new ArrayList<>();
		for (boolean multilabel : new boolean[] { false, true }) {
			names.add(Metrics.name(m, e.getAveraging(), multilabel, e.getTopK(), e.getDataRange(), e.isNominalRange()));
		}
		return names;
	}
}
