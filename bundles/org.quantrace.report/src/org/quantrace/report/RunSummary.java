package org.quantrace.report;

import java.util.LinkedHashSet;
import java.util.List;

import org.quantrace.model.trace.EvaluationRecord;
import org.quantrace.model.trace.Marker;
import org.quantrace.model.trace.ModelArtifact;
import org.quantrace.model.trace.TraceModel;

/** Reading a trace the way results, logs and the report present it: models in run order, their variants, verdicts. */
public final class RunSummary {

	private RunSummary() {
	}

	/** The models of the run, in the order they ran (artifact ids are MODEL/VARIANT). */
	public static List<String> models(TraceModel trace) {
		LinkedHashSet<String> models = new LinkedHashSet<>();
		trace.getArtifacts().forEach(a -> models.add(model(a)));
		return List.copyOf(models);
	}

	public static String model(ModelArtifact a) {
		return a.getId().substring(0, a.getId().lastIndexOf('/'));
	}

	public static List<ModelArtifact> artifacts(TraceModel trace, String model) {
		return trace.getArtifacts().stream().filter(a -> model(a).equals(model)).toList();
	}

	public static EvaluationRecord evaluation(TraceModel trace, ModelArtifact a) {
		return trace.getEvaluations().stream().filter(e -> e.getModel() == a).findFirst().orElse(null);
	}

	/**
	 * What share of its recipe a run covers, said where results.json and report.html say whether it was accepted: null for the
	 * whole run (a merged one too), else "Shard 2/2 of a run (run --shard)" and/or "Run with --only drq" and that the verdict is of
	 * that share only. The logs say it on their first page ({@code Verdicts.firstPage}); results.json and report.html said
	 * "accepted" of a shard as of the whole run.
	 */
	public static String share(TraceModel trace) {
		boolean shard = trace.getShard() != null && !trace.getShard().isEmpty();
		if (!shard && trace.getOnlySchemes().isEmpty()) {
			return null;
		}
		List<String> parts = new java.util.ArrayList<>();
		if (shard) {
			parts.add("shard " + trace.getShard() + " of a run (run --shard): it covers that share of the run's variants only, and quantrace merge joins"
					+ " the shards into the whole run");
		}
		if (!trace.getOnlySchemes().isEmpty()) {
			parts.add("run with --only " + String.join(", ", trace.getOnlySchemes()) + ": it covers those schemes of the recipe only");
		}
		String text = String.join("; ", parts) + "; its verdict is of that share, not of the recipe";
		return Character.toUpperCase(text.charAt(0)) + text.substring(1) + ".";
	}

	/** What a run's variants come to, which the console's verdict line and report.html's first line each word. */
	private enum Verdict {
		REJECTED, ACCEPTED, NOTHING_EVALUATED, NO_CRITERIA, NO_CRITERIA_IN_SHARE
	}

	private static Verdict verdict(TraceModel trace) {
		if (!accepted(trace)) {
			return Verdict.REJECTED;
		}
		if (trace.getEvaluations().stream().anyMatch(e -> e.isSetAccepted())) {
			return Verdict.ACCEPTED;
		}
		if (trace.getEvaluations().isEmpty()) {
			return Verdict.NOTHING_EVALUATED;
		}
		// a share of the run (--only, --shard) may hold none of the variants its recipe's criteria are for: "the recipe declares no
		// acceptance criteria" was then false (the example run with --only unquantized, whose criteria are for the four quantized schemes)
		return share(trace) == null ? Verdict.NO_CRITERIA : Verdict.NO_CRITERIA_IN_SHARE;
	}

	/**
	 * The run's verdict in the line `run` prints last but one: "Accepted." only where some acceptance criterion was checked. A
	 * recipe without criteria (or without an evaluate step) printed "Accepted." too, while its logs said that no variant is
	 * accepted or rejected.
	 */
	public static String verdictLine(TraceModel trace) {
		return switch (verdict(trace)) {
		case REJECTED -> "Rejected: a variant failed its acceptance criteria (exit code 1).";
		case ACCEPTED -> "Accepted.";
		case NOTHING_EVALUATED -> "Neither accepted nor rejected: nothing was evaluated (the recipe has no evaluate step).";
		case NO_CRITERIA -> "Neither accepted nor rejected: the recipe declares no acceptance criteria (the evaluation is in the report).";
		case NO_CRITERIA_IN_SHARE -> "Neither accepted nor rejected: no acceptance criterion of the recipe is for the variants this share of the run evaluated ("
				+ shareName(trace) + "; the evaluation is in the report).";
		};
	}

	/**
	 * The run's verdict as report.html's first line says it. It said "all variants accepted" of a run without criteria (or
	 * without an evaluate step), whose PhIMT0003 said "No acceptance criteria declared" and whose console "Neither accepted nor
	 * rejected"; and of variants no criterion is for (the example's original and unquantized): now PhIMT0003's words.
	 */
	public static String reportVerdict(TraceModel trace) {
		return switch (verdict(trace)) {
		case REJECTED -> "an acceptance criterion failed";
		case ACCEPTED -> "accepted: every variant with acceptance criteria meets them";
		case NOTHING_EVALUATED -> "neither accepted nor rejected: nothing was evaluated (the recipe has no evaluate step)";
		case NO_CRITERIA -> "neither accepted nor rejected: the recipe declares no acceptance criteria";
		case NO_CRITERIA_IN_SHARE -> "neither accepted nor rejected: no acceptance criterion of the recipe is for the variants this share of the run evaluated ("
				+ shareName(trace) + ")";
		};
	}

	/** "--only drq", "shard 2/2", or both, of a share of a run. */
	static String shareName(TraceModel trace) {
		List<String> parts = new java.util.ArrayList<>();
		if (trace.getShard() != null && !trace.getShard().isEmpty()) {
			parts.add("shard " + trace.getShard());
		}
		if (!trace.getOnlySchemes().isEmpty()) {
			parts.add("--only " + String.join(", ", trace.getOnlySchemes()));
		}
		return String.join(", ", parts);
	}

	/** True unless some variant failed an acceptance criterion. */
	public static boolean accepted(TraceModel trace) {
		return trace.getEvaluations().stream().noneMatch(e -> e.isSetAccepted() && !e.isAccepted());
	}

	/**
	 * What an evaluation's outputs were measured against, as results.json, the report and the logs say it: "targets FILE" (the
	 * file its dataset names), "the original's outputs" (mse, psnr, ssim without targets); null for class scores, which are
	 * scored against labels. The markers (↑ ↓ ~) compare each variant's figure with the original's in every case.
	 */
	public static String reference(EvaluationRecord e) {
		if (e.getTargets() != null) {
			return "targets " + e.getTargets();
		}
		return e.getMetrics().stream().anyMatch(m -> org.quantrace.engine.evaluate.Metrics.MSE.equals(m.getName())) ? "the original's outputs" : null;
	}

	/** The words a table of evaluations is captioned with after its data: against what, and what the markers compare. */
	public static String against(EvaluationRecord e) {
		return e.getTargets() == null ? "against the original (↑ better, ↓ worse, ~ within the tolerance" + tolerance(e) + ")"
				: "against targets " + e.getTargets() + " (↑ better, ↓ worse, ~ within the tolerance" + tolerance(e) + ": each than the original's figure)";
	}

	/**
	 * The tolerance the markers were set by, as the recipe declares it: " of 0.5 pt (0.5 % of the original's value for latency, size,
	 * MSE and PSNR)"; "" for a folder written before the trace recorded it. The markers said "~ within the tolerance" without its
	 * value, so an assessor could not tell a 0.7 pt drop marked ↓ from one marked ~ (branch assessor10).
	 */
	static String tolerance(EvaluationRecord e) {
		if (!e.isSetTolerance()) {
			return "";
		}
		String t = LogValues.brief(e.getTolerance());
		return " of " + t + " pt (" + t + " % of the original's value for latency, size, MSE and PSNR)";
	}

	public static String symbol(Marker m) {
		return switch (m) {
		case BASELINE -> "";
		case BETTER -> "\u2191";
		case WORSE -> "\u2193";
		case SAME -> "~";
		};
	}
}
