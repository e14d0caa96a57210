package org.quantrace.report;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

import org.quantrace.engine.evaluate.Metrics;
import org.quantrace.model.trace.AcceptanceResult;
import org.quantrace.model.trace.EvaluationRecord;
import org.quantrace.model.trace.MetricValue;
import org.quantrace.model.trace.ModelArtifact;
import org.quantrace.model.trace.OptimizationRecord;
import org.quantrace.model.trace.RecoveryTrial;
import org.quantrace.model.trace.TraceModel;
import org.quantrace.report.LogDocument.Block;
import org.quantrace.report.LogDocument.Grid;
import org.quantrace.report.LogDocument.Paragraph;
import org.quantrace.report.LogDocument.Style;

/**
 * The decision on each variant of a model: the evaluation table as the results deck prints it (markers
 * ↑ ↓ ~ against the original), the acceptance criteria with what was measured, accepted or rejected, and
 * for a recovered variant the trials that led there.
 */
final class Verdicts {

	private Verdicts() {
	}

	/** The evaluations of a model's variants, in run order. */
	static List<EvaluationRecord> evaluations(TraceModel trace, String model) {
		List<EvaluationRecord> list = new ArrayList<>();
		for (ModelArtifact a : RunSummary.artifacts(trace, model)) {
			EvaluationRecord e = RunSummary.evaluation(trace, a);
			if (e != null) {
				list.add(e);
			}
		}
		return list;
	}

	/** The evaluation of the variant an optimization made, or null. */
	static EvaluationRecord of(TraceModel trace, OptimizationRecord o) {
		return o.getOutput() == null ? null : RunSummary.evaluation(trace, o.getOutput());
	}

	/** One line: "rejected: accuracy drop < 1 pt not met (measured 2.31 pt)", or "accepted: ...", or null without criteria. */
	static String decision(EvaluationRecord e) {
		if (e == null || !e.isSetAccepted()) {
			return null;
		}
		List<String> parts = new ArrayList<>();
		for (AcceptanceResult r : e.getAcceptance()) {
			parts.add(r.getCriterion() + (r.isPassed() ? " met" : " not met") + " (measured " + measured(r) + ")");
		}
		return (e.isAccepted() ? "accepted: " : "rejected: ") + String.join("; ", parts);
	}

	static String measured(AcceptanceResult r) {
		return Double.isNaN(r.getMeasured()) ? "nothing: not evaluated" : LogValues.brief(r.getMeasured()) + (r.getUnit() == null ? "" : " " + r.getUnit());
	}

	/**
	 * A recovery trial's measured value with the unit of the criterion it was held against ("53.33 pt"), as the criteria table
	 * prints the variant's own: main (b8446c6a) printed the trials' "53.33" bare, and Table 1's row "value 53.333333333".
	 */
	static String trialMeasured(TraceModel trace, RecoveryTrial t) {
		String unit = null;
		if (t.eContainer() != null && t.eContainer().eContainer() instanceof OptimizationRecord o) {
			EvaluationRecord e = of(trace, o);
			unit = e == null ? null : e.getAcceptance().stream().filter(a -> a.getCriterion().equals(t.getMetric())).map(AcceptanceResult::getUnit)
					.filter(java.util.Objects::nonNull).findFirst().orElse(null);
		}
		return Double.isNaN(t.getValue()) ? "nothing: not evaluated" : LogValues.brief(t.getValue()) + (unit == null ? "" : " " + unit);
	}

	/** Table 1's line of a recovery trial (Partial quantization configurations), in the words of Appendix A's trials table. */
	static String trialLine(RecoveryTrial t) {
		TraceModel trace = org.eclipse.emf.ecore.util.EcoreUtil.getRootContainer(t) instanceof TraceModel m ? m : null;
		return "trial " + t.getIndex() + ": " + String.join(", ", t.getExcluded()) + " left in float; " + t.getMetric() + ": measured "
				+ (trace == null ? LogValues.brief(t.getValue()) : trialMeasured(trace, t)) + ", " + (t.isAccepted() ? "accepted" : "rejected");
	}

	/**
	 * Which column of the evaluation table a criterion's metric was measured on, where the recipe's word is not that column's
	 * name: a multilabel evaluation's "accuracy drop < 0.2 pt" is its binary accuracy, beside a subset accuracy the table also
	 * shows (the zoo's bspc_gap, read by assessor16); top-k-accuracy is top-5 accuracy. Null where every word is its column.
	 */
	static String measuredAs(List<EvaluationRecord> all) {
		java.util.Map<String, String> as = new java.util.LinkedHashMap<>();
		for (EvaluationRecord e : all) {
			for (AcceptanceResult r : e.getAcceptance()) {
				String word = r.getCriterion().split(" drop | [<>=!]", 2)[0];
				if (r.getMetric() != null && !r.getMetric().equals(word)) {
					as.putIfAbsent(word, r.getMetric());
				}
			}
		}
		if (as.isEmpty()) {
			return null;
		}
		return "In the criteria, " + String.join("; ", as.entrySet().stream().map(x -> x.getKey() + " is measured as " + x.getValue()).toList())
				+ " (results.json's metric" + (as.size() == 1 ? "" : "s") + " of that name).";
	}

	/** What the first page says: the rejected variants by name, else that all were accepted. */
	static String firstPage(TraceModel trace, String model) {
		String verdict = verdict(trace, model);
		if (!trace.getOnlySchemes().isEmpty()) { // the recipe's other schemes were not run: not the whole recipe's verdict
			verdict = "Run with --only " + String.join(", ", trace.getOnlySchemes()) + ": this log covers those schemes of the recipe only. " + verdict;
		}
		// a shard's log covers its share of the pipelines: said first, not read as the whole run's verdict (hostile3)
		return trace.getShard() == null || trace.getShard().isEmpty() ? verdict
				: "Shard " + trace.getShard() + " of a run (run --shard): this log covers that share of the run's variants only; quantrace merge joins"
						+ " the shards into the whole run's logs. " + verdict;
	}

	private static String verdict(TraceModel trace, String model) {
		List<EvaluationRecord> all = evaluations(trace, model);
		List<String> rejected = new ArrayList<>();
		List<String> accepted = new ArrayList<>();
		for (EvaluationRecord e : all) {
			if (!e.isSetAccepted()) {
				continue;
			}
			(e.isAccepted() ? accepted : rejected).add(e.getModel().getName() + " " + decision(e));
		}
		if (!rejected.isEmpty()) {
			return "Verdict: REJECTED. " + String.join(". ", rejected) + ". The evaluation and criteria are in Appendix A.";
		}
		if (!accepted.isEmpty()) {
			return "Verdict: accepted. Every variant with acceptance criteria meets them (" + String.join(", ",
					all.stream().filter(EvaluationRecord::isSetAccepted).map(e -> e.getModel().getName()).toList()) + "); evaluation in Appendix A.";
		}
		return all.isEmpty() ? "Not evaluated: the recipe has no evaluate step." : "No acceptance criteria declared; the evaluation is in Appendix A.";
	}

	static boolean anyRejected(TraceModel trace, String model) {
		return evaluations(trace, model).stream().anyMatch(e -> e.isSetAccepted() && !e.isAccepted());
	}

	/** The verdict appendix's body: evaluation table, criteria, decisions, recovery trials. */
	static List<Block> appendix(TraceModel trace, String model, String anchor) {
		List<Block> b = new ArrayList<>();
		List<EvaluationRecord> all = evaluations(trace, model);
		if (all.isEmpty()) {
			b.add(new Paragraph("Not evaluated: the recipe has no evaluate step.", Style.NORMAL));
			return b;
		}
		EvaluationRecord first = all.get(0);
		Set<String> names = new LinkedHashSet<>();
		first.getMetrics().forEach(m -> names.add(m.getName()));
		List<String> columns = Metrics.deckColumns(names);
		List<String> header = new ArrayList<>(List.of("variant"));
		header.addAll(columns);
		header.add("size (bytes)");
		header.add("decision");
		List<List<String>> rows = new ArrayList<>();
		for (EvaluationRecord e : all) {
			List<String> row = new ArrayList<>(List.of(e.getModel().getName()));
			for (String c : columns) {
				MetricValue v = e.getMetrics().stream().filter(m -> m.getName().equals(c)).findFirst().orElse(null);
				row.add(v == null ? "" : Metrics.text(c, v.getValue(), 3) + RunSummary.symbol(v.getMarker()));
			}
			row.add(String.format(java.util.Locale.ROOT, "%,d", e.getModel().getSizeBytes()));
			row.add(!e.isSetAccepted() ? "no criterion" : e.isAccepted() ? "accepted" : "rejected");
			rows.add(row);
		}
		int[] widths = new int[header.size()];
		java.util.Arrays.fill(widths, 3);
		widths[0] = 4;
		Set<Integer> numeric = new java.util.HashSet<>();
		for (int i = 1; i < header.size() - 1; i++) {
			numeric.add(i);
		}
		b.add(new Grid(anchor + "-evaluation", "Evaluation on " + (first.getDataset() == null ? "the evaluation data" : first.getDataset().getName()) + ", "
				+ first.getSampleCount() + " samples, " + RunSummary.against(first), header, rows, widths, numeric,
				header.size() > 11)); // the deck's seven metrics, size and decision fit a portrait page
		List<List<String>> criteria = new ArrayList<>();
		for (EvaluationRecord e : all) {
			for (AcceptanceResult r : e.getAcceptance()) {
				criteria.add(List.of(e.getModel().getName(), r.getCriterion(), measured(r), r.isPassed() ? "met" : "not met",
						e.isAccepted() ? "accepted" : "rejected"));
			}
		}
		if (criteria.isEmpty()) {
			b.add(new Paragraph(RunSummary.share(trace) == null ? "The recipe declares no acceptance criteria: no variant is accepted or rejected."
					: "No acceptance criterion of the recipe is for the variants this share of the run evaluated (" + RunSummary.shareName(trace)
							+ "): none is accepted or rejected.", Style.NORMAL));
		} else {
			b.add(new Grid(anchor + "-criteria", "Acceptance criteria and decisions", List.of("variant", "criterion", "measured", "result", "decision"), criteria,
					new int[] { 3, 5, 3, 2, 2 }, Set.of(2), false));
			String measuredAs = measuredAs(all);
			if (measuredAs != null) {
				b.add(new Paragraph(measuredAs, Style.NORMAL));
			}
		}
		// each decision is in the criteria table and under the variant's Table 1: not repeated here
		for (OptimizationRecord o : trace.getOptimizations()) {
			if (o.getInput() != null && RunSummary.model(o.getInput()).equals(model) && o.getRecovery() != null && !o.getRecovery().getTrials().isEmpty()) {
				List<List<String>> trials = new ArrayList<>();
				for (RecoveryTrial t : o.getRecovery().getTrials()) {
					trials.add(List.of(Integer.toString(t.getIndex()), String.join(", ", t.getExcluded()), t.getMetric(), trialMeasured(trace, t),
							t.isAccepted() ? "accepted" : "rejected"));
				}
				b.add(new Grid(anchor + "-recovery-" + LogValues.slug(o.getScheme()), "Accuracy recovery trials of " + o.getScheme()
						+ (o.getRecovery().getPartialQuantization() == null ? "" : ": " + o.getRecovery().getPartialQuantization()),
						List.of("trial", "excluded", "criterion", "measured", "result"), trials, new int[] { 1, 7, 4, 2, 2 }, Set.of(0, 3), false));
			}
		}
		return b;
	}
}
