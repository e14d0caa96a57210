package org.quantrace.runner;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

import org.eclipse.emf.ecore.util.EcoreUtil;
import org.quantrace.dsl.DocumentInfos;
import org.quantrace.engine.calibrate.CalibrationSettings;
import org.quantrace.model.recipe.ModelDeclaration;
import org.quantrace.model.recipe.Recipe;
import org.quantrace.model.trace.CalibrationRecord;
import org.quantrace.model.trace.ConversionRecord;
import org.quantrace.model.trace.ModelArtifact;
import org.quantrace.model.trace.OptimizationRecord;
import org.quantrace.model.trace.QuantizationRecord;
import org.quantrace.model.trace.ToolVersion;
import org.quantrace.model.trace.TraceModel;
import org.quantrace.report.RunSummary;
import org.quantrace.runner.Verification.Problem;

/**
 * What the trace records because the recipe declares it, held against the recipe (where it is now, or the folder's copy of
 * it): the model's id, version and training framework, the records' ids and responsible, the document block (authors,
 * approvers, history), the seed, and each scheme's settings (technique, types, schemes, granularities, reduced range, the
 * calibration method, batch size, samples and dataset) and its layers' exclusions ({@link SchemeExclusionsCheck}). The documents print these from the trace alone, and verify made them
 * again from it: a trace and its documents edited together (the framework "PyTorch 2.1.0" where the recipe declares
 * "PyTorch 1.13.1", 3,000 calibration samples where 300 were read, a history entry redated), SHA256SUMS re-sealed, passed
 * with the recipe beside it.
 */
final class RecipeDeclarationsCheck {

	private RecipeDeclarationsCheck() {
	}

	static List<Problem> check(RecipeContext ctx, TraceModel trace) {
		List<Problem> problems = new ArrayList<>();
		if (ctx == null) {
			return problems;
		}
		Recipe recipe = ctx.recipe();
		same(problems, "seed", trace.getSeed(), recipe.getSeed());
		if (!EcoreUtil.equals(trace.getDocument(), DocumentInfos.resolve(recipe.getDocument()))) {
			problems.add(new Problem(Outputs.TRACE, "its document block (project, authors, reviewers, approvers, history ...) is not the one the recipe declares"
					+ " (its document clause and the ones it extends): edited after the run?"));
		}
		for (ModelDeclaration m : ctx.models()) {
			String modelId = m.getModelId() != null ? m.getModelId() : m.getName();
			for (ModelArtifact a : trace.getArtifacts()) {
				if (!m.getName().equals(RunSummary.model(a))) {
					continue;
				}
				same(problems, "artifact " + a.getId() + " version", a.getVersion(), m.getVersion());
				same(problems, "artifact " + a.getId() + " model id", a.getModelId(), modelId);
				if (org.quantrace.model.ModelArtifacts.isInput(a)) { // the framework is the input's: a run's copies do not repeat it
					same(problems, "artifact " + a.getId() + " framework", a.getFramework(), m.getFramework());
				}
			}
			for (ConversionRecord c : trace.getConversions()) {
				if (m.getName().equals(c.getName())) {
					String at = "conversion " + c.getId() + " ";
					same(problems, at + "id", c.getId(), ModelRun.conversionId(recipe, m.getName()));
					same(problems, at + "responsible", c.getResponsible(), recipe.getResponsible());
					same(problems, at + "verified model version", c.getVerifiedModelVersion(), m.getVersion());
					same(problems, at + "training framework", framework(c), m.getFramework());
				}
			}
		}
		for (ResolvedScheme s : ctx.schemes(java.util.Set.of())) {
			for (OptimizationRecord o : trace.getOptimizations()) {
				if (s.name().equals(o.getScheme())) {
					scheme(problems, recipe, s, o);
				}
			}
		}
		StepDeclarationsCheck.check(ctx, trace, problems);
		return problems;
	}

	/** The training framework a conversion record's packages name (under today's or the older row name), or null. */
	private static String framework(ConversionRecord c) {
		return c.getPackages().stream().filter(p -> p.getName() != null && p.getName().startsWith("training framework")).map(ToolVersion::getVersion)
				.findFirst().orElse(null);
	}

	private static void scheme(List<Problem> problems, Recipe recipe, ResolvedScheme s, OptimizationRecord o) {
		String at = "optimization " + o.getId() + " ";
		String model = o.getOutput() == null ? null : RunSummary.model(o.getOutput());
		if (model != null) {
			same(problems, at + "id", o.getId(), ModelRun.optimizationId(recipe, model, s.name()));
		}
		same(problems, at + "responsible", o.getResponsible(), recipe.getResponsible());
		QuantizationRecord q = o.getQuantization();
		if (q == null) {
			return;
		}
		SchemeExclusionsCheck.check(problems, s, o);
		QuantizationRecord declared = QuantizationRecords.settings(s.spec());
		same(problems, at + "technique", q.getTechnique(), declared.getTechnique());
		same(problems, at + "model inputs and outputs", q.getIoType(), declared.getIoType());
		same(problems, at + "weight precision", q.getWeightPrecision(), declared.getWeightPrecision());
		same(problems, at + "weight scheme", q.getWeightScheme(), declared.getWeightScheme());
		same(problems, at + "weight granularity", q.getWeightGranularity(), declared.getWeightGranularity());
		same(problems, at + "activation precision", q.getActivationPrecision(), declared.getActivationPrecision());
		same(problems, at + "activation scheme", q.getActivationScheme(), declared.getActivationScheme());
		same(problems, at + "activation granularity", q.getActivationGranularity(), declared.getActivationGranularity());
		same(problems, at + "reduce range", q.isReduceRange(), declared.isReduceRange());
		CalibrationRecord c = q.getCalibration();
		CalibrationSettings settings = s.spec().calibration();
		if (c == null || settings == null) {
			return;
		}
		same(problems, at + "calibration method", c.getMethod(), QuantizationRecords.method(settings));
		same(problems, at + "calibration batch size", c.getBatchSize(), settings.batchSize());
		if (c.getDataset() != null) {
			// the calibrator reads the first maxSamples of the dataset (all when 0); the dataset's count is checked against its manifest
			int available = c.getDataset().getSampleCount();
			same(problems, at + "calibration samples", c.getSampleCount(), settings.maxSamples() > 0 ? Math.min(settings.maxSamples(), available) : available);
			if (s.calibrationData() != null) {
				same(problems, at + "calibration dataset", c.getDataset().getName(), s.calibrationData().getName());
			}
		}
	}

	static void same(List<Problem> problems, String what, Object recorded, Object declared) {
		if (!Objects.equals(recorded, declared)) {
			problems.add(new Problem(Outputs.TRACE, what + ": says " + recorded + ", the recipe declares " + declared
					+ " (the documents print the trace's: edited after the run?)"));
		}
	}
}
