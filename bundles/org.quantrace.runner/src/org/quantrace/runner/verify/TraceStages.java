package org.quantrace.runner.verify;

import static org.quantrace.runner.verify.Figures.same;

import java.util.List;

import org.quantrace.model.recipe.PruningPattern;
import org.quantrace.model.trace.ArtifactKind;
import org.quantrace.model.trace.InputFile;
import org.quantrace.model.trace.InputKind;
import org.quantrace.model.trace.LayerFactorizationRecord;
import org.quantrace.model.trace.LayerPruningRecord;
import org.quantrace.model.trace.ModelArtifact;
import org.quantrace.model.trace.OptimizationRecord;
import org.quantrace.report.AifsmLogs;
import org.quantrace.report.RunSummary;

/**
 * The parts of trace.xmi beyond the quantized models: the pruning and factorization records against the models
 * before and after each stage ({@link FloatStages}), and the recipe files as recorded against the copies the
 * folder holds (one record owns them: the inputs).
 */
final class TraceStages {

	private static final String DOCUMENT = TraceCheck.DOCUMENT;

	private TraceStages() {
	}

	static void check(Evidence e, List<Mismatch> found) {
		recipeFiles(e, found);
		for (OptimizationRecord o : e.trace().getOptimizations()) {
			if (o.getInput() == null) {
				continue;
			}
			String model = RunSummary.model(o.getInput());
			if (o.getPruning() != null) {
				ModelFacts[] m = models(e, model, ArtifactKind.PRUNED, found);
				if (m != null) {
					pruning(o, m, found);
					PruningStatements.check(o, m[0], m[1], found);
					KeptChannels.check(o, m[0], m[1], found);
				}
			}
			if (o.getFactorization() != null) {
				ModelFacts[] m = models(e, model, ArtifactKind.FACTORIZED, found);
				if (m != null) {
					factorization(o, m, found);
				}
			}
		}
	}

	private static ModelFacts[] models(Evidence e, String model, ArtifactKind kind, List<Mismatch> found) {
		ModelArtifact[] stage = FloatStages.stage(e.trace(), model, kind);
		if (stage == null) {
			found.add(new Mismatch(DOCUMENT, model + " " + kind.getLiteral() + " model", "a record of the stage", "no " + kind.getLiteral() + " model derived from another"));
			return null;
		}
		ModelFacts before = e.facts(stage[0], DOCUMENT, found);
		ModelFacts after = e.facts(stage[1], DOCUMENT, found);
		return before == null || after == null ? null : new ModelFacts[] { before, after };
	}

	private static void pruning(OptimizationRecord o, ModelFacts[] m, List<Mismatch> found) {
		boolean channels = o.getPruning().getPattern() == PruningPattern.CHANNEL;
		long before = 0;
		long after = 0;
		for (LayerPruningRecord l : o.getPruning().getLayers()) {
			String at = "optimization " + o.getId() + " pruning " + l.getLayer() + " ";
			FloatStages.Pruned p = FloatStages.pruned(m[0], m[1], l.getLayer(), channels);
			if (p == null) {
				found.add(new Mismatch(DOCUMENT, at, "pruned", "no such weighted layer in both models"));
				continue;
			}
			before += p.before();
			after += p.after();
			same(found, DOCUMENT, at + "parametersBefore", l.getParametersBefore(), p.before());
			same(found, DOCUMENT, at + "parametersAfter", l.getParametersAfter(), p.after());
			if (Math.abs(l.getSparsity() - p.sparsityPercent()) > 1e-9) {
				found.add(new Mismatch(DOCUMENT, at + "sparsity (%)", Double.toString(l.getSparsity()), Double.toString(p.sparsityPercent())));
			}
			same(found, DOCUMENT, at + "removedChannels", l.getRemovedChannels(), p.removedChannels());
		}
		if (channels) {
			ChannelRanking.check(o, found);
		}
		String at = "optimization " + o.getId() + " pruning ";
		same(found, DOCUMENT, at + "parametersBefore", o.getPruning().getParametersBefore(), before);
		same(found, DOCUMENT, at + "parametersAfter", o.getPruning().getParametersAfter(), after);
		if (before > 0 && Math.abs(o.getPruning().getAchievedSparsity() - 100 * (1 - after / (double) before)) > 1e-9) {
			found.add(new Mismatch(DOCUMENT, at + "achievedSparsity (%)", Double.toString(o.getPruning().getAchievedSparsity()),
					Double.toString(100 * (1 - after / (double) before))));
		}
	}

	private static void factorization(OptimizationRecord o, ModelFacts[] m, List<Mismatch> found) {
		for (LayerFactorizationRecord l : o.getFactorization().getLayers()) {
			String at = "optimization " + o.getId() + " factorization " + l.getLayer() + " ";
			FloatStages.Factorized f = FloatStages.factorized(m[0], m[1], l.getLayer());
			if (f == null) {
				found.add(new Mismatch(DOCUMENT, at, "factorized", "neither the layer nor its factors in the models"));
				continue;
			}
			same(found, DOCUMENT, at + "skipped", l.isSkipped(), f.skipped());
			same(found, DOCUMENT, at + "parametersBefore", l.getParametersBefore(), f.before());
			same(found, DOCUMENT, at + "parametersAfter", l.getParametersAfter(), f.after());
			if (!f.skipped()) {
				same(found, DOCUMENT, at + "rank", l.getRank(), f.rank());
				if (Math.abs(l.getRetainedEnergy() - f.energy()) > 1e-5) {
					found.add(new Mismatch(DOCUMENT, at + "retainedEnergy", Double.toString(l.getRetainedEnergy()), f.energy() + " (‖A·B‖² / ‖W‖²)"));
				}
				if (Math.abs(l.getReconstructionError() - f.error()) > 1e-4 * Math.max(f.error(), 1e-2)) {
					found.add(new Mismatch(DOCUMENT, at + "reconstructionError", Double.toString(l.getReconstructionError()), f.error() + " (‖W − A·B‖ / ‖W‖)"));
				}
			}
		}
	}

	/** Each recipe file's record against its copy in the folder, and the recipe's hash the trace names twice (recipeSha256, its input record). */
	private static void recipeFiles(Evidence e, List<Mismatch> found) {
		for (InputFile f : e.trace().getInputFiles()) {
			if (f.getKind() != InputKind.RECIPE && f.getKind() != InputKind.IMPORT) {
				continue;
			}
			String copy = AifsmLogs.recipeCopy(f.getPath());
			same(found, DOCUMENT, "inputFiles " + f.getPath() + " sha256 (its copy " + copy + ")", f.getSha256(), LogCheck.hash(e, copy));
			if (f.getKind() == InputKind.RECIPE) {
				same(found, DOCUMENT, "recipeSha256", e.trace().getRecipeSha256(), f.getSha256(), "its input record");
			}
		}
	}
}
