package org.quantrace.runner;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

import org.eclipse.xtext.diagnostics.Severity;
import org.quantrace.model.recipe.ModelDeclaration;
import org.quantrace.model.trace.OptimizationRecord;
import org.quantrace.model.trace.PruningRecord;
import org.quantrace.model.trace.RunWarning;
import org.quantrace.model.trace.TraceModel;
import org.quantrace.report.LogValues;
import org.quantrace.report.RunSummary;

/**
 * A prune step that achieved less than half its target sparsity: tf9cls's `prune { pattern channel sparsity 20 % }` removed
 * nothing ("achieved sparsity: 0 %", each layer's reason in PhIMT0003's additional configurations), and the run said "Accepted."
 * with no warning (assessor16). The warning is printed on the model's line after its pruning and recorded on the prune step's
 * line for the model, so every document shows it where the run's warnings are shown. It follows from the record's achieved
 * and target sparsity, which verify re-derives from the models before and after ({@code TraceStages}); {@link #check} derives
 * the warning again from them.
 */
public final class PruningWarnings {

	public static final String SHORT = "prune-sparsity-short";

	private PruningWarnings() {
	}

	/** The warning's words for {@code p}, or null when it achieved at least half its target. */
	static String text(PruningRecord p) {
		if (p == null) {
			return null;
		}
		long notPruned = p.getAdditionalConfiguration().stream().filter(c -> c.getKey().startsWith("not pruned: ")).count();
		return text(p.getAchievedSparsity(), p.getTargetSparsity(), notPruned, "PhIMT0003's pruning row gives ('not pruned: ...')");
	}

	/**
	 * The warning's words for a pruning that achieved {@code achieved} % of {@code target} %, {@code notPruned} layers left alone
	 * for the reasons {@code reasonsAt} says where to read; null when it achieved at least half its target. One rule and one
	 * wording for the run's record and for {@code quantrace prune}, which printed none (assessor17).
	 */
	public static String text(double achieved, double target, long notPruned, String reasonsAt) {
		if (target <= 0 || achieved >= target / 2) {
			return null;
		}
		return "prune: achieved sparsity " + LogValues.brief(achieved) + " % of the " + LogValues.brief(target)
				+ " % requested, less than half of it" + (notPruned == 0 ? "" : ": " + notPruned + (notPruned == 1 ? " layer was" : " layers were")
						+ " not pruned, each for the reason " + reasonsAt)
				+ "; the model is barely smaller: lift what stops them (exclude the layers named, convert the model first), or prune by pattern element,"
				+ " vector or block, which any layer's weights take";
	}

	/** The warning about {@code m}'s pruning {@code p}, printed and recorded in {@code trace} on the prune step's line. */
	static void record(TraceModel trace, RecipeContext ctx, ModelDeclaration m, PruningRecord p, java.io.PrintWriter log) {
		String text = text(p);
		if (text == null) {
			return;
		}
		log.printf(java.util.Locale.ROOT, "%s: warning [%s]: %s%n", m.getName(), SHORT, text);
		log.flush();
		RunWarning w = WarningRecords.of(ctx, DataChecks.diagnostic(ctx, ctx.recipe().getPruning(), ctx.file(), SHORT, text, Severity.WARNING),
				ctx.file().toAbsolutePath().getParent());
		w.setModel(m.getName());
		trace.getWarnings().add(w);
	}

	/**
	 * verify's derivation: each model's warning again from its pruning record (its sparsity held against the model files by
	 * TraceStages), against the warnings the trace records with this code. A record forged to leave it out, or to keep one
	 * the sparsity does not bear out, is a mismatch.
	 */
	static List<String> check(TraceModel trace) {
		List<String> problems = new ArrayList<>();
		java.util.Map<String, String> derived = new java.util.TreeMap<>();
		for (OptimizationRecord o : trace.getOptimizations()) {
			String text = o.getOutput() == null ? null : text(o.getPruning());
			if (text != null) {
				derived.put(RunSummary.model(o.getOutput()), text);
			}
		}
		java.util.Map<String, String> recorded = new java.util.TreeMap<>();
		for (RunWarning w : trace.getWarnings()) {
			if (SHORT.equals(w.getCode())) {
				recorded.put(Objects.toString(w.getModel()), w.getMessage());
			}
		}
		if (!recorded.equals(derived)) {
			problems.add("warning [" + SHORT + "]: recorded " + recorded + ", re-derived from the pruning records' achieved and target sparsity " + derived);
		}
		return problems;
	}
}
