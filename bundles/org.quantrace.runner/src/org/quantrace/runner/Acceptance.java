package org.quantrace.runner;

import java.util.List;
import java.util.Locale;

import org.quantrace.engine.evaluate.Metrics;
import org.quantrace.model.recipe.AcceptanceCriterion;
import org.quantrace.model.recipe.CriterionKind;
import org.quantrace.model.recipe.EvaluationStep;
import org.quantrace.model.recipe.QuantizationConfig;
import org.quantrace.model.recipe.Recipe;
import org.quantrace.model.recipe.Unit;
import org.quantrace.model.trace.AcceptanceResult;
import org.quantrace.model.trace.EvaluationRecord;
import org.quantrace.model.trace.MetricValue;

/**
 * The recipe's acceptance criteria on one evaluated variant. A drop is measured from the original model,
 * in the direction that is worse for the metric; points are hundredths of a fraction metric (accuracy
 * 0.857 → 0.851 drops 0.6 pt), percent are relative to the original (size and latency) or the metric in
 * percent; a bound without a unit compares the metric's own value.
 */
final class Acceptance {

	private Acceptance() {
	}

	/** The criteria that apply to {@code scheme} (all of them name it, or name none). */
	static List<AcceptanceCriterion> criteriaFor(Recipe recipe, QuantizationConfig scheme) {
		return recipe.getAcceptance().stream().filter(a -> a.getSchemes().isEmpty() || a.getSchemes().contains(scheme)).toList();
	}

	/** Checks {@code criteria} on {@code e}, records each result in it, and returns whether all hold. */
	static boolean apply(List<AcceptanceCriterion> criteria, EvaluationStep evaluation, boolean multilabel, EvaluationRecord e) {
		boolean all = true;
		for (AcceptanceCriterion a : criteria) {
			String name = metricName(a, evaluation, multilabel);
			AcceptanceResult r = result(a, name, e.getMetrics().stream().filter(m -> m.getName().equals(name)).findFirst().orElse(null));
			all &= r.isPassed();
			e.getAcceptance().add(r);
		}
		if (!criteria.isEmpty()) {
			e.setAccepted(all);
		}
		return all;
	}

	/** The name the evaluation records criterion {@code a}'s metric under. */
	static String metricName(AcceptanceCriterion a, EvaluationStep evaluation, boolean multilabel) {
		return Metrics.name(a.getMetric(), evaluation.getAveraging(), multilabel, evaluation.getTopK(), evaluation.getDataRange(), evaluation.isNominalRange());
	}

	/**
	 * Criterion {@code a} on the recorded value {@code v} of its metric {@code name} (null: not measured): the criterion as the
	 * recipe writes it, its bound and unit, what was measured and whether it holds. One function for the run and for verify,
	 * which makes each acceptance result again from the recipe and the evaluation record ({@code RecipeDeclarationsCheck}).
	 */
	static AcceptanceResult result(AcceptanceCriterion a, String name, MetricValue v) {
		AcceptanceResult r = TraceAssembler.F.createAcceptanceResult();
		r.setCriterion(text(a));
		r.setMetric(name);
		r.setBound(a.getValue());
		r.setUnit(unit(a));
		if (v == null) {
			r.setPassed(false);
			r.setMeasured(Double.NaN);
		} else {
			double baseline = v.isSetBaselineValue() ? v.getBaselineValue() : v.getValue();
			// rounded to 9 decimals: 0.915 - 0.909 is 0.6 pt, not 0.6000000000000005; an infinite PSNR (outputs equal to the
			// original's) stays infinite, where Math.round made it 9223000000 dB
			double measured = measure(a, name, v.getValue(), baseline);
			r.setMeasured(Double.isFinite(measured) ? Math.round(measured * 1e9) / 1e9 : measured);
			r.setPassed(compare(a, r.getMeasured()));
		}
		return r;
	}

	static double measure(AcceptanceCriterion a, String metric, double value, double baseline) {
		boolean relative = metric.equals(Metrics.MODEL_SIZE) || metric.equals(Metrics.LATENCY);
		if (a.getKind() == CriterionKind.DROP) {
			double worse = Metrics.lowerIsBetter(metric) ? value - baseline : baseline - value;
			return switch (unit(a, Unit.POINTS)) {
			case POINTS -> relative ? 100 * worse / baseline : 100 * worse;
			case PERCENT -> 100 * worse / baseline;
			case FRACTION, DECIBEL -> worse; // a PSNR drop in dB: the difference itself
			};
		}
		return switch (unit(a, Unit.FRACTION)) {
		case POINTS -> 100 * value;
		case PERCENT -> relative ? 100 * value / baseline : 100 * value;
		case FRACTION, DECIBEL -> value;
		};
	}

	private static boolean compare(AcceptanceCriterion a, double measured) {
		double bound = a.getValue();
		return switch (a.getComparator()) {
		case LESS -> measured < bound;
		case LESS_OR_EQUAL -> measured <= bound;
		case GREATER -> measured > bound;
		case GREATER_OR_EQUAL -> measured >= bound;
		};
	}

	private static Unit unit(AcceptanceCriterion a, Unit fallback) {
		return a.isSetUnit() ? a.getUnit() : fallback;
	}

	private static String unit(AcceptanceCriterion a) {
		return unit(a, a.getKind() == CriterionKind.DROP ? Unit.POINTS : Unit.FRACTION).getLiteral();
	}

	/** The criterion as the recipe writes it: "accuracy drop < 1 pt". */
	static String text(AcceptanceCriterion a) {
		// as written: 0.00005, not Double's 5.0E-5
		String value = a.getValue() == Math.rint(a.getValue()) ? Long.toString((long) a.getValue())
				: java.math.BigDecimal.valueOf(a.getValue()).stripTrailingZeros().toPlainString();
		return String.format(Locale.ROOT, "%s%s %s %s%s", a.getMetric().getLiteral(), a.getKind() == CriterionKind.DROP ? " drop" : "",
				a.getComparator().getLiteral(), value, a.isSetUnit() ? (a.getUnit() == Unit.PERCENT ? "" : " ") + a.getUnit().getLiteral() : "");
	}
}
