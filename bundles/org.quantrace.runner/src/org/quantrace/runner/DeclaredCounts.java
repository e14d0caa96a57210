package org.quantrace.runner;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.eclipse.emf.ecore.EObject;
import org.eclipse.xtext.diagnostics.Severity;
import org.quantrace.dsl.RecipeFiles;
import org.quantrace.dsl.SchemeChain;
import org.quantrace.dsl.validation.IssueCodes;
import org.quantrace.engine.calibrate.CalibrationSize;
import org.quantrace.engine.evaluate.Metrics;
import org.quantrace.engine.onnx.OnnxModel;
import org.quantrace.engine.quantize.QuantizationSpec;
import org.quantrace.model.recipe.Calibration;
import org.quantrace.model.recipe.DatasetDeclaration;
import org.quantrace.model.recipe.EvaluationStep;
import org.quantrace.model.recipe.Metric;
import org.quantrace.model.recipe.ModelDeclaration;
import org.quantrace.model.recipe.RecipePackage.Literals;

/**
 * Counts a recipe declares that make a figure say little, warned of on their clause's line by the rules the commands use
 * (hostile11's findings: {@code samples 1} and a top-k on 5 classes ran to "Accepted." without a word). Warnings, recorded
 * as the run's others and derived again by verify, which checks the recipe as the run did.
 */
final class DeclaredCounts {

	private DeclaredCounts() {
	}

	/**
	 * A calibration reading fewer samples than {@link CalibrationSize} advises: on the clause that sets the count (the scheme's
	 * {@code calibrate ... samples N}, else the calibration dataset's {@code samples N}), once per clause.
	 */
	static void calibrationSamples(RecipeContext ctx, List<ResolvedScheme> schemes, Path recipeAsGiven, List<RecipeFiles.Diagnostic> problems) {
		Map<EObject, List<String>> byClause = new LinkedHashMap<>(); // a clause many schemes read is said once, naming them
		Map<EObject, Integer> counts = new LinkedHashMap<>();
		for (ResolvedScheme s : schemes) {
			DatasetDeclaration d = s.calibrationData();
			if (s.spec().technique() != QuantizationSpec.Technique.FULL_INTEGER || d == null) {
				continue;
			}
			Calibration c = SchemeChain.calibration(s.config());
			int own = c == null ? 0 : c.getSamples();
			boolean stepSets = own > 0 && (d.getSamples() <= 0 || own <= d.getSamples());
			int read = stepSets ? own : d.getSamples();
			if (CalibrationSize.fewSamples(read) != null) {
				EObject clause = stepSets ? c : d;
				byClause.computeIfAbsent(clause, x -> new ArrayList<>()).add(s.name());
				counts.put(clause, read);
			}
		}
		byClause.forEach((clause, names) -> {
			String few = CalibrationSize.fewSamples(counts.get(clause));
			problems.add(clause instanceof DatasetDeclaration d
					? DataChecks.diagnostic(ctx, d, Literals.DATASET_DECLARATION__SAMPLES, recipeAsGiven, IssueCodes.CALIBRATION_SAMPLES, "dataset " + d.getName()
							+ " declares samples " + d.getSamples() + " and calibrates " + String.join(", ", names) + ": " + few, Severity.WARNING)
					: DataChecks.diagnostic(ctx, clause, Literals.CALIBRATION__SAMPLES, recipeAsGiven, IssueCodes.CALIBRATION_SAMPLES, "calibrate ... samples "
							+ counts.get(clause) + " (" + String.join(", ", names) + "): " + few, Severity.WARNING));
		});
	}

	/**
	 * The evaluation's top-k accuracy of a k not below model {@code m}'s classes: 1 for every model by definition (the default
	 * k 5 on a model of 5 classes or fewer too, where the recipe asks for top-k accuracy), on the top-k clause, else the metrics'.
	 */
	static void topK(RecipeContext ctx, ModelDeclaration m, OnnxModel model, Path recipeAsGiven, List<RecipeFiles.Diagnostic> problems) {
		EvaluationStep e = ctx.recipe().getEvaluation();
		if (e == null || e.getDataset() == null || e.getDataset().isMultilabel() || !(e.getMetrics().isEmpty() || e.getMetrics().contains(Metric.TOPK_ACCURACY))) {
			return;
		}
		long classes = DataChecks.scoredClasses(ctx, e.getDataset(), model);
		String trivial = Metrics.trivialTopK(e.getTopK(), classes);
		if (trivial == null) {
			return;
		}
		boolean declared = e.eIsSet(Literals.EVALUATION_STEP__TOP_K);
		problems.add(DataChecks.diagnostic(ctx, e, declared ? Literals.EVALUATION_STEP__TOP_K : Literals.EVALUATION_STEP__METRICS, recipeAsGiven,
				IssueCodes.TOP_K_CLASSES, "top-k " + e.getTopK() + (declared ? "" : " (the default)") + " is not below the " + classes + " classes of model "
						+ m.getName() + ": " + trivial + "; write top-k " + (classes - 1) + " or less, or leave top-k-accuracy out of the metrics",
				Severity.WARNING));
	}
}
