package org.quantrace.runner;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

import org.quantrace.engine.Progress;
import org.quantrace.engine.QuantraceException;
import org.quantrace.engine.convert.Freezer;
import org.quantrace.engine.data.Dataset;
import org.quantrace.engine.evaluate.EvaluationOptions;
import org.quantrace.engine.evaluate.EvaluationReport;
import org.quantrace.engine.evaluate.Evaluator;
import org.quantrace.engine.evaluate.Metrics;
import org.quantrace.engine.evaluate.Variant;
import org.quantrace.engine.onnx.OnnxModel;
import org.quantrace.model.recipe.DatasetDeclaration;
import org.quantrace.model.recipe.EvaluationStep;
import org.quantrace.model.recipe.ModelDeclaration;
import org.quantrace.model.trace.ArtifactKind;
import org.quantrace.model.trace.DatasetRecord;
import org.quantrace.model.trace.EvaluationRecord;
import org.quantrace.model.trace.MetricValue;
import org.quantrace.model.trace.TraceModel;
import org.quantrace.report.RunSummary;
import org.quantrace.runner.verify.Figures;
import org.quantrace.runner.verify.Mismatch;

/**
 * {@code verify --deep}: every evaluation of the trace run again on the models as they are, with the data
 * and preprocessing the recipe declares (which must be what the trace recorded), and every metric required to
 * come out the same.
 */
final class Reevaluation {

	private static final String DOCUMENT = Outputs.TRACE;
	/** Metrics are sums over the same samples in the same order: equal up to the last bits of a double. */
	private static final double TOLERANCE = 1e-9;

	private Reevaluation() {
	}

	static List<Mismatch> run(RecipeInputs recipe, TraceModel trace, Function<org.quantrace.model.trace.ModelArtifact, Path> files, Progress progress) {
		List<Mismatch> found = new ArrayList<>();
		RecipeContext ctx = recipe.context();
		if (ctx == null) {
			found.add(new Mismatch(DOCUMENT, "evaluations (re-run)", "a recipe that loads", "the recipe has errors now"));
			return found;
		}
		EvaluationStep step = ctx.recipe().getEvaluation();
		for (String model : RunSummary.models(trace)) {
			List<EvaluationRecord> records = trace.getEvaluations().stream()
					.filter(r -> r.getModel() != null && RunSummary.model(r.getModel()).equals(model)).toList();
			ModelDeclaration m = ctx.models().stream().filter(x -> x.getName().equals(model)).findFirst().orElse(null);
			if (records.isEmpty()) {
				continue;
			}
			if (step == null || m == null) {
				found.add(new Mismatch(DOCUMENT, "evaluations of " + model + " (re-run)", records.size() + " evaluations", "the recipe evaluates no " + model));
				continue;
			}
			try {
				evaluate(ctx, step, m, records, files, progress, found);
			} catch (QuantraceException e) {
				found.add(new Mismatch(DOCUMENT, "evaluations of " + model + " (re-run)", "run again", "failed: " + e.getMessage()));
			}
		}
		return found;
	}

	private static void evaluate(RecipeContext ctx, EvaluationStep step, ModelDeclaration m, List<EvaluationRecord> records,
			Function<org.quantrace.model.trace.ModelArtifact, Path> files, Progress progress, List<Mismatch> found) {
		String at = "evaluation of " + m.getName() + " (re-run) ";
		DatasetDeclaration d = step.getDataset();
		Dataset data = ctx.open(d, m, 0);
		DatasetRecord recorded = records.get(0).getDataset();
		String preprocessing = data.preprocessing(); // as the recipe declares it now, applied by the reader
		if (recorded == null || !recorded.getName().equals(d.getName()) || !preprocessing.equals(recorded.getPreprocessing())) {
			found.add(new Mismatch(DOCUMENT, at + "data", recorded == null ? "none" : recorded.getName() + ", " + recorded.getPreprocessing(),
					d.getName() + ", " + preprocessing + " (as the recipe declares it now)"));
			return;
		}
		List<Variant> variants = new ArrayList<>();
		for (EvaluationRecord r : records) {
			Path file = files.apply(r.getModel());
			if (file == null) {
				found.add(new Mismatch(DOCUMENT, at + r.getVariant(), "a model file", "not available"));
				return;
			}
			OnnxModel model = OnnxModel.load(file);
			variants.add(new Variant(r.getVariant(), r.getModel().getKind() == ArtifactKind.ORIGINAL ? Freezer.inferenceView(model) : model,
					r.getModel().getSizeBytes()));
		}
		EvaluationOptions options = EvaluationOptions.defaults().withBaseline("original").withTolerance(step.getTolerance()).withTopK(step.getTopK())
				.withBatchSize(step.getBatchSize());
		EvaluationReport report = Evaluator.evaluate(variants, data, options, progress);
		for (EvaluationRecord r : records) {
			EvaluationReport.VariantResult now = report.variant(r.getVariant());
			Figures.same(found, DOCUMENT, at + r.getVariant() + " samples", r.getSampleCount(), report.samples());
			for (MetricValue v : r.getMetrics()) {
				Double again = now.metrics().get(v.getName());
				if (!v.getName().equals(Metrics.LATENCY) && (again == null || Math.abs(again - v.getValue()) > TOLERANCE)) {
					found.add(new Mismatch(DOCUMENT, at + r.getVariant() + " " + v.getName(), String.valueOf(v.getValue()), String.valueOf(again)));
				}
			}
		}
	}
}
