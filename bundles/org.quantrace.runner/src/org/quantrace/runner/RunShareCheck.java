package org.quantrace.runner;

import java.util.ArrayList;
import java.util.Date;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

import org.quantrace.engine.QuantraceException;
import org.quantrace.model.trace.LifecycleRecord;
import org.quantrace.model.trace.ModelArtifact;
import org.quantrace.model.trace.TraceModel;
import org.quantrace.report.RunSummary;
import org.quantrace.runner.Verification.Problem;

/**
 * What share of its recipe a folder holds, for verify: a trace without a merge record must look like one run's, and the
 * pipelines it holds must be those the recipe makes for the share the trace says (the whole run, a shard, --only).
 */
final class RunShareCheck {

	private RunShareCheck() {
	}

	/**
	 * A trace that records no merge is one run's: merge keeps each shard's SHA256SUMS under shards/, which no run writes, and one
	 * run dates every conversion and optimization record with its run time, where a merge keeps each shard's dates. A merged folder
	 * whose merge record was struck out of the trace (SHA256SUMS recomputed) passed as a whole single run, exit 0; each of these is
	 * now a mismatch (the order of its pipelines too: {@link #coverage}). A forger who also removes the kept lists, redates the
	 * records and puts them in the recipe's order makes a folder no check of its own can tell from one run's: only --expect binds it.
	 */
	static List<Problem> oneRun(TraceModel trace, Set<String> files) {
		List<Problem> problems = new ArrayList<>();
		files.stream().filter(f -> f.startsWith(Merger.SHARDS + "/")).sorted().forEach(f -> problems.add(new Problem(f,
				"a shard's SHA256SUMS as merge keeps it, but " + Outputs.TRACE + " records no merge: a merged folder whose merge record was removed?")));
		Date runTime = trace.getRunTime();
		List<LifecycleRecord> records = new ArrayList<>(trace.getConversions());
		records.addAll(trace.getOptimizations());
		for (LifecycleRecord r : records) {
			if (runTime != null && r.getDate() != null && r.getDate().getTime() != runTime.getTime()) {
				problems.add(new Problem(Outputs.TRACE, "record " + r.getId() + " is dated " + r.getDate().toInstant() + ", where the run's time is "
						+ runTime.toInstant() + ": one run dates every record with its time, and the trace records no merge of runs"));
			}
		}
		return problems;
	}

	/**
	 * The pipelines the trace holds against those the recipe declares, as the run chose them: every model with every scheme (those
	 * of --only when the trace lists them), and for a shard i/n its share (the positions p with p mod n = i - 1, as
	 * {@link RecipeRunner} deals them), in that order unless merged. A shard's (or an --only run's) folder whose trace, results.json
	 * and documents were edited to read as the whole run, every list recomputed, passed: it held fewer pipelines than the recipe
	 * declares and nothing compared them.
	 */
	static List<Problem> coverage(RecipeContext ctx, TraceModel trace) {
		List<Problem> problems = new ArrayList<>();
		if (ctx == null) {
			return problems;
		}
		List<ResolvedScheme> schemes;
		try {
			schemes = ctx.schemes(new LinkedHashSet<>(trace.getOnlySchemes()));
		} catch (QuantraceException e) {
			problems.add(new Problem(Outputs.TRACE, "lists --only " + String.join(", ", trace.getOnlySchemes()) + ": " + e.getMessage()));
			return problems;
		}
		boolean merged = !trace.getMergedShards().isEmpty();
		Shard shard = Shard.ALL;
		if (!merged && trace.getShard() != null && !trace.getShard().isEmpty()) {
			try {
				shard = Shard.parse(trace.getShard());
			} catch (QuantraceException e) {
				problems.add(new Problem(Outputs.TRACE, "records shard '" + trace.getShard() + "': not i/n with 1 <= i <= n"));
				return problems;
			}
		}
		Set<String> known = new HashSet<>(ctx.schemes(Set.of()).stream().map(ResolvedScheme::name).toList());
		List<String> expected = new ArrayList<>();
		int position = 0;
		for (org.quantrace.model.recipe.ModelDeclaration m : ctx.models()) {
			for (ResolvedScheme s : schemes) {
				if (shard.includes(position++)) {
					expected.add(m.getName() + "/" + s.name());
				}
			}
		}
		List<String> held = new ArrayList<>(); // (model/scheme) in the order the trace first holds them
		for (ModelArtifact a : trace.getArtifacts()) {
			String pipeline = RunSummary.model(a) + "/" + a.getScheme();
			if (a.getScheme() != null && known.contains(a.getScheme()) && !held.contains(pipeline)) {
				held.add(pipeline);
			}
		}
		String share = merged ? "the merged run" : shard.count() > 1 ? "shard " + shard : trace.getOnlySchemes().isEmpty() ? "the whole run" : "the run of --only "
				+ String.join(", ", trace.getOnlySchemes());
		List<String> missing = expected.stream().filter(p -> !held.contains(p)).toList();
		List<String> extra = held.stream().filter(p -> !expected.contains(p)).toList();
		if (!missing.isEmpty() || !extra.isEmpty()) {
			problems.add(new Problem(Outputs.TRACE, "reads as " + share + " of recipe " + trace.getRecipeName() + ", which makes the pipelines " + expected
					+ ", but holds " + held + (missing.isEmpty() ? "" : " (missing " + missing + ")") + (extra.isEmpty() ? "" : " (beyond it " + extra + ")")
					+ ": a share of the run (run --shard, --only) edited to read as more?"));
		} else if (!merged && !held.equals(expected)) {
			problems.add(new Problem(Outputs.TRACE, "holds its pipelines in the order " + held + ", where one run makes them in the recipe's order " + expected
					+ ": a merged folder whose merge record was removed?"));
		}
		return problems;
	}
}
