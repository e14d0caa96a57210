package org.quantrace.runner;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.function.Function;

import org.quantrace.engine.evaluate.DebugReport;
import org.quantrace.engine.quantize.QuantizationResult;
import org.quantrace.engine.quantize.QuantizationSpec;
import org.quantrace.model.TraceValues;
import org.quantrace.model.recipe.AcceptanceCriterion;
import org.quantrace.model.recipe.DebugMetric;
import org.quantrace.model.recipe.FallbackSearch;
import org.quantrace.model.recipe.RecoveryStep;
import org.quantrace.model.recipe.RecoveryTechnique;
import org.quantrace.model.trace.AcceptanceResult;
import org.quantrace.model.trace.EvaluationRecord;
import org.quantrace.model.trace.RecoveryRecord;
import org.quantrace.model.trace.RecoveryTrial;
import org.quantrace.report.LogValues;

/**
 * Accuracy-driven fallback (partial quantization), as a function from a failing variant and a way to
 * evaluate candidates to an outcome: the debugger ranks the quantized layers by their own (isolated) error,
 * and the worst are left in float, one more at a time or by bisection over their number, re-calibrated and
 * re-evaluated until the criteria hold or the trials run out. The outcome names the variant to keep and
 * holds the record of every trial (PhIMT0003's "techniques to recover accuracy" rows); the caller puts
 * them into the run.
 */
public final class Recovery {

	private static final String REASON = "accuracy recovery (partial quantization)";

	/**
	 * Who excluded the layers a search leaves in float, as the reason of one ONNX Runtime runs on integers all the same says it
	 * ("excluded by the accuracy recovery (node /c2/Conv), but ..."): it said "excluded by the recipe (node ...)", a recipe
	 * that excludes no such node (excl67).
	 */
	static final String BY = "the accuracy recovery";

	/**
	 * {@code spec} with {@code nodes} left in float as a trial leaves them: the run's trials, and verify, which holds the kept
	 * variant's layer reasons against it ({@link SchemeExclusionsCheck}).
	 */
	static QuantizationSpec excluding(QuantizationSpec spec, java.util.Collection<String> nodes) {
		QuantizationSpec.Builder b = spec.toBuilder();
		nodes.forEach(node -> b.exclude(QuantizationSpec.Exclusion.Kind.NODE, node, REASON, BY));
		return b.build();
	}

	/** The nodes of the layers a recovery record says the kept variant excludes (its keys, "/conv + /relu" per layer). */
	static List<String> keptNodes(RecoveryRecord record) {
		return record.getExcludedLayers().stream().flatMap(p -> java.util.Arrays.stream(p.getKey().split(" \\+ "))).toList();
	}

	private Recovery() {
	}

	/**
	 * A layer to leave in float: its nodes (a layer with the activation fused into it is both), its isolated error, and
	 * whether the quantized model says its calibration clipped the range on purpose (ranked after the others).
	 */
	public record Layer(List<String> nodes, double error, boolean clippedAtCalibration) {
		public Layer {
			nodes = List.copyOf(nodes);
		}

		/** "/conv + /relu", as the trace and the logs name it. */
		public String label() {
			return String.join(" + ", nodes);
		}
	}

	/**
	 * The variant that failed its criteria ("model/scheme" in the log): its quantization, its evaluation, and the
	 * first criterion (the one trials are compared by).
	 */
	public record Failing(String variant, QuantizationResult result, EvaluationRecord evaluation, AcceptanceCriterion criterion) {
	}

	/** A candidate as the run made it: quantized by the given spec, evaluated with the acceptance criteria applied. */
	public record Candidate(QuantizationResult result, EvaluationRecord evaluation) {
	}

	/** What recovery needs from the run: the ranking of the failing variant's layers, and the evaluation of a candidate. */
	public interface Candidates {
		/** The quantized layers, worst first ({@link #rank}). */
		List<Layer> ranking();

		Candidate evaluate(QuantizationSpec spec);

		/**
		 * The float model every trial is quantized from (the run's last float stage: converted, pruned or factorized), evaluated
		 * as a candidate is: its criteria applied. Null when there is none to measure.
		 */
		default EvaluationRecord floatModel() {
			return null;
		}

		/** That float model's name in the run (factorized, pruned, converted, original). */
		default String floatName() {
			return "float";
		}
	}

	/** One tried configuration: the layers left in float, its result, its evaluation, and its margin on the first criterion. */
	public record Trial(int index, List<Layer> excluded, QuantizationResult result, EvaluationRecord evaluation, double margin) {
		public boolean accepted() {
			return evaluation.isSetAccepted() && evaluation.isAccepted();
		}
	}

	/** What recovery ended with: the trial to keep instead of the failing variant (null: keep it), and the record of what was tried. */
	public record Outcome(Trial kept, boolean accepted, RecoveryRecord record) {
	}

	/** Tries to recover {@code failing} as {@code step} says; changes nothing but what it returns. */
	public static Outcome recover(RecoveryStep step, Failing failing, Candidates candidates, PrintWriter log) {
		RecoveryRecord record = TraceAssembler.F.createRecoveryRecord();
		if (step.getTechnique() != RecoveryTechnique.PARTIAL_QUANTIZATION) {
			String note = step.getTechnique().getLiteral() + " needs retraining, which Quantrace does not do: the variant stays rejected";
			if (step.getTechnique() == RecoveryTechnique.QUANTIZATION_AWARE_TRAINING) {
				record.setQuantizationAwareTraining(note);
			} else {
				record.setLearnedQuantizationParameters(note);
			}
			return new Outcome(null, false, record);
		}
		List<Layer> ranking = candidates.ranking();
		int limit = Math.min(step.getMaxTrials(), ranking.size());
		log.printf(Locale.ROOT, "%s failed its acceptance criteria: trying to leave up to %d of %d layers in float (%s)%n", failing.variant(), limit,
				ranking.size(), step.getSearch().getLiteral());
		String beyond = floatFails(candidates);
		if (beyond != null) {
			log.printf(Locale.ROOT, "%s: %s%n", failing.variant(), beyond);
		}
		Trial initial = new Trial(0, List.of(), failing.result(), failing.evaluation(), margin(failing.criterion(), failing.evaluation()));
		List<Trial> trials = new ArrayList<>();
		if (step.getSearch() == FallbackSearch.BISECTION) {
			int lo = 1;
			int hi = ranking.size();
			while (lo <= hi && trials.size() < step.getMaxTrials()) {
				int mid = (lo + hi) / 2;
				Trial t = attempt(failing, ranking.subList(0, mid), trials.size() + 1, candidates, log);
				trials.add(t);
				if (t.accepted()) {
					hi = mid - 1;
				} else {
					lo = mid + 1;
				}
			}
		} else {
			for (int k = 1; k <= limit; k++) {
				Trial t = attempt(failing, ranking.subList(0, k), k, candidates, log);
				trials.add(t);
				if (t.accepted()) {
					break;
				}
			}
		}
		Trial best = trials.stream().filter(Trial::accepted).min(Comparator.comparingInt(t -> t.excluded().size()))
				.orElse(trials.stream().max(Comparator.comparingDouble(Trial::margin)).filter(t -> t.margin() > initial.margin()).orElse(initial));
		record(record, step, ranking, trials, best);
		if (beyond != null) {
			record.setPartialQuantization(record.getPartialQuantization() + "; " + beyond);
		}
		log.printf(Locale.ROOT, "%s: %s%n", failing.variant(), record.getPartialQuantization());
		log.flush();
		return new Outcome(best == initial ? null : best, best.accepted(), record);
	}

	/**
	 * The quantized layers in the debugger's order of candidates ({@link DebugReport#candidateOrder}: ranges clipped at
	 * calibration on purpose last, then worst first by {@code metric} of their isolated error); tensors that reuse another's
	 * scale are skipped, and so are layers the quantized model computes in float already ({@link DebugReport.TensorDebug#inFloat}:
	 * only their outputs are quantized, for the integer layers that read them), which a trial would "leave in float" while
	 * changing nothing (siren's Concat and Sins: advice12's find). {@code layerOf} names the nodes to leave in float for a
	 * tensor's node (with the activation fused into it, which the debugger names).
	 */
	public static List<Layer> rank(List<DebugReport.TensorDebug> tensors, DebugMetric metric, Function<String, List<String>> layerOf) {
		List<Layer> ranking = new ArrayList<>();
		tensors.stream().filter(t -> t.paramsFrom().isEmpty() && !t.node().isEmpty() && !t.inFloat()).sorted(DebugReport.candidateOrder(metric)).forEach(t -> {
					List<String> nodes = new ArrayList<>(layerOf.apply(t.node()));
					if (!t.fused().isEmpty() && !nodes.contains(t.fused())) {
						nodes.add(t.fused()); // the activation the quantizer fused into this layer goes with it
					}
					if (ranking.stream().noneMatch(l -> l.nodes().equals(nodes))) {
						ranking.add(new Layer(nodes, t.isolated().value(metric), t.clippedOnPurpose()));
					}
				});
		return ranking;
	}

	/**
	 * The words that say no trial could meet the criteria, where the float model the trials are quantized from fails its first
	 * criterion itself (assessor16: the zoo resnet pruned by channel at 10 % (then factorized) measured 53 pt below the original, and the search tried
	 * three trials of "accuracy drop < 0.1 pt" with no word that leaving layers in float only brings a trial nearer to that float
	 * model); null where it meets it or was not measured.
	 */
	static String floatFails(Candidates candidates) {
		EvaluationRecord f = candidates.floatModel();
		if (f == null || f.getAcceptance().isEmpty() || f.getAcceptance().get(0).isPassed()) {
			return null;
		}
		AcceptanceResult a = f.getAcceptance().get(0);
		return "the float model the trials are quantized from (" + candidates.floatName() + ") fails " + a.getCriterion() + " itself, measured "
				+ LogValues.brief(a.getMeasured()) + (a.getUnit() == null ? "" : " " + a.getUnit()) + ": no quantized trial could meet it (leaving layers in float"
				+ " brings a trial nearer to that float model, not past it)";
	}

	/** How far the criterion is on the good side of its bound (negative: on the bad side). */
	private static double margin(AcceptanceCriterion c, EvaluationRecord e) {
		double measured = e.getAcceptance().get(0).getMeasured();
		return switch (c.getComparator()) {
		case LESS, LESS_OR_EQUAL -> c.getValue() - measured;
		case GREATER, GREATER_OR_EQUAL -> measured - c.getValue();
		};
	}

	/** The failing variant's spec with {@code excluded} left in float, quantized and evaluated by the run. */
	private static Trial attempt(Failing failing, List<Layer> excluded, int index, Candidates candidates, PrintWriter log) {
		Candidate c = candidates.evaluate(excluding(failing.result().spec(), excluded.stream().flatMap(layer -> layer.nodes().stream()).toList()));
		int floats = inFloat(excluded, c.result()).size();
		log.printf(Locale.ROOT, "  trial %d: %s in float%s: %s%n", index, LogValues.count(floats, "layer"), anyway(excluded.size() - floats),
				c.evaluation().getAcceptance().stream().map(a -> a.getCriterion() + " -> " + format(a.getMeasured()) + (a.isPassed() ? " ok" : " failed")).toList());
		log.flush();
		return new Trial(index, List.copyOf(excluded), c.result(), c.evaluation(), margin(failing.criterion(), c.evaluation()));
	}

	private static void record(RecoveryRecord record, RecoveryStep step, List<Layer> ranking, List<Trial> trials, Trial best) {
		for (Trial t : trials) {
			RecoveryTrial r = TraceAssembler.F.createRecoveryTrial();
			r.setIndex(t.index());
			t.excluded().forEach(layer -> r.getExcluded().add(layer.label()));
			AcceptanceResult first = t.evaluation().getAcceptance().get(0);
			r.setMetric(first.getCriterion());
			r.setValue(first.getMeasured());
			r.setAccepted(t.accepted());
			record.getTrials().add(r);
		}
		String metric = step.getRankBy().getLiteral();
		List<Layer> floats = inFloat(best.excluded(), best.result());
		for (Layer layer : best.excluded()) {
			record.getExcludedLayers().add(TraceValues.parameter(layer.label(), (floats.contains(layer) ? "left in float: "
					: "excluded, but ONNX Runtime runs it on integers all the same (its layer record says why): ") + metric + " " + format(layer.error())
					+ " (isolated)" + (layer.clippedAtCalibration() ? ", its range clipped at calibration on purpose (ranked after the others)" : "") + ", rank "
					+ (ranking.indexOf(layer) + 1) + " of " + ranking.size()));
		}
		String kept = LogValues.count(floats.size(), "layer") + " in float" + anyway(best.excluded().size() - floats.size());
		long clipped = ranking.stream().filter(Layer::clippedAtCalibration).count();
		String order = clipped == 0 ? "" : "; the " + LogValues.count(clipped, "layer") + " whose range the calibration clipped on purpose last";
		record.setPartialQuantization(String.format(Locale.ROOT, "%s search over %d quantized layers ranked by %s (debugger, isolated error%s), %d trial%s"
				+ " of at most %d: %s", step.getSearch().getLiteral(), ranking.size(), metric, order, trials.size(), trials.size() == 1 ? "" : "s",
				step.getMaxTrials(), best.accepted() ? "accepted with " + kept
						: "no trial met the criteria; kept " + (best.excluded().isEmpty() ? "the fully quantized model" : "the best trial, " + kept)));
	}

	/**
	 * The layers of {@code excluded} that {@code result}'s model computes in float: one of its nodes is recorded float. An
	 * excluded layer between integer ops is not: ONNX Runtime runs it on integers all the same, and the quantizer records and
	 * writes it so (QuantizationPlan's runsAnyway), so a trial's count of layers in float is read from its result, not its exclusions.
	 */
	static List<Layer> inFloat(List<Layer> excluded, QuantizationResult result) {
		Set<String> floats = new HashSet<>();
		result.layers().stream().filter(l -> !l.quantized()).forEach(l -> floats.add(l.node()));
		return excluded.stream().filter(layer -> layer.nodes().stream().anyMatch(floats::contains)).toList();
	}

	private static String anyway(int excludedOnIntegers) {
		return excludedOnIntegers == 0 ? "" : " (" + LogValues.count(excludedOnIntegers, "excluded layer") + " ONNX Runtime runs on integers all the same)";
	}

	private static String format(double v) {
		return String.format(Locale.ROOT, "%.4g", v);
	}
}
