package org.quantrace.runner;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

import org.quantrace.engine.Progress;
import org.quantrace.engine.QuantraceException;
import org.quantrace.engine.convert.Freezer;
import org.quantrace.engine.data.Dataset;
import org.eclipse.emf.ecore.EAttribute;
import org.quantrace.engine.evaluate.DebugReport;
import org.quantrace.engine.evaluate.EvaluationOptions;
import org.quantrace.engine.evaluate.EvaluationReport;
import org.quantrace.engine.evaluate.Evaluator;
import org.quantrace.engine.evaluate.Metrics;
import org.quantrace.engine.evaluate.QuantizationDebugger;
import org.quantrace.engine.evaluate.ReferenceSpan;
import org.quantrace.engine.evaluate.Variant;
import org.quantrace.engine.onnx.OnnxModel;
import org.quantrace.model.recipe.DatasetDeclaration;
import org.quantrace.model.recipe.DebugStep;
import org.quantrace.model.recipe.EvaluationStep;
import org.quantrace.model.recipe.ModelDeclaration;
import org.quantrace.model.trace.ArtifactKind;
import org.quantrace.model.trace.DatasetRecord;
import org.quantrace.model.trace.DebugRecord;
import org.quantrace.model.trace.LayerDebugRecord;
import org.quantrace.model.trace.EvaluationRecord;
import org.quantrace.model.trace.MetricValue;
import org.quantrace.model.trace.TraceModel;
import org.quantrace.model.trace.TracePackage;
import org.quantrace.report.RunSummary;
import org.quantrace.runner.verify.Figures;
import org.quantrace.runner.verify.Mismatch;

/**
 * {@code verify --deep}: every evaluation of the trace run again on the models as they are, with the data
 * and preprocessing the recipe declares (which must be what the trace recorded), and every metric required to
 * come out the same; and every debug record's debugger run again on its float and quantized model files with the
 * data its recipe step reads, each layer's figures required to agree within {@link #DEBUG_TOLERANCE}.
 */
final class Reevaluation {

	private static final String DOCUMENT = Outputs.TRACE;
	/** Metrics are sums over the same samples in the same order: equal up to the last bits of a double. */
	private static final double TOLERANCE = 1e-9;

	/**
	 * The debugger's figures are means over the same samples in the same order on the same ONNX Runtime: equal on one machine;
	 * relative 1e-6 (six significant digits, what debug.csv prints and more) leaves another machine's last float bits, absolute
	 * 1e-12 a figure that is zero.
	 */
	static final double DEBUG_TOLERANCE = 1e-6;

	private Reevaluation() {
	}

	static List<Mismatch> run(RecipeInputs recipe, TraceModel trace, Function<org.quantrace.model.trace.ModelArtifact, Path> files, Progress progress,
			List<String> notes) {
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
				evaluate(ctx, step, m, records, files, progress, found, notes);
			} catch (QuantraceException e) {
				found.add(new Mismatch(DOCUMENT, "evaluations of " + model + " (re-run)", "run again", "failed: " + e.getMessage()));
			}
		}
		return found;
	}

	private static void evaluate(RecipeContext ctx, EvaluationStep step, ModelDeclaration m, List<EvaluationRecord> records,
			Function<org.quantrace.model.trace.ModelArtifact, Path> files, Progress progress, List<Mismatch> found, List<String> notes) {
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
		EvaluationOptions options = ModelEvaluation.options(ctx, step, m);
		if (records.stream().anyMatch(r -> r.getMetrics().stream().anyMatch(v -> Metrics.isPsnr(v.getName())))) {
			options = options.withPsnr(true); // a folder written when psnr was computed unasked: its figure is held like the others
		}
		// the engine runs again under the range the records state; its refusal of the range is not taken as the answer: the second
		// path holds the range against the reference by what the records say (a folder written before the rule, its records
		// unmarked, included), naming the rule's words, and the figures are compared all the same
		boolean nominal = records.stream().anyMatch(EvaluationRecord::isNominalRange);
		EvaluationReport report;
		try {
			report = Evaluator.evaluate(variants, data, options.withNominalRange(nominal), progress);
		} catch (ReferenceSpan.Refused refused) {
			report = refused.report();
		}
		if (report.reconstruction()) { // outputs against the original's: a second computation of the same metrics, apart from the engine's
			boolean stated = options.nominalRange() && !Double.isNaN(report.dataRange()); // the word is recorded where R is used
			if (nominal != stated) {
				found.add(new Mismatch(DOCUMENT, at + "data range " + step.getDataRange() + " nominal", String.valueOf(nominal),
						stated + " (as the recipe states it now: range R" + (options.nominalRange() ? " nominal" : "") + ", metrics "
								+ String.join(", ", report.variants().get(0).metrics().keySet().stream().filter(Metrics::reconstruction).toList()) + ")"));
			}
			ReconstructionRecheck.check(variants, data, options.withNominalRange(nominal), records, at, found);
		} else { // classes: the same figures counted a second way, apart from the evaluator
			ClassificationRecheck.check(variants, data, options, records, at, found);
		}
		java.util.Set<String> older = new java.util.LinkedHashSet<>();
		for (EvaluationRecord r : records) {
			EvaluationReport.VariantResult now = report.variant(r.getVariant());
			Figures.same(found, DOCUMENT, at + r.getVariant() + " samples", r.getSampleCount(), report.samples());
			Map<String, String> named = new HashMap<>(); // the record's name of each figure re-derived now, where it differs
			now.metrics().keySet().forEach(n -> {
				String was = ReconstructionRecheck.nameInRecord(r, n);
				if (!was.equals(n)) {
					named.put(was, n);
					older.add("'" + was + "' for '" + n + "'");
				}
			});
			for (MetricValue v : r.getMetrics()) {
				Double again = now.metrics().get(named.getOrDefault(v.getName(), v.getName()));
				if (!v.getName().equals(Metrics.LATENCY) && (again == null || Math.abs(again - v.getValue()) > TOLERANCE)) {
					found.add(new Mismatch(DOCUMENT, at + r.getVariant() + " " + v.getName(), String.valueOf(v.getValue()), String.valueOf(again)));
				}
			}
			// and the other way: a figure of outputs the recipe asks for is in the record (one left out would hide what it says)
			now.metrics().keySet().stream().filter(Metrics::reconstruction)
					.filter(n -> r.getMetrics().stream().noneMatch(v -> v.getName().equals(ReconstructionRecheck.nameInRecord(r, n))))
					.forEach(n -> found.add(new Mismatch(DOCUMENT, at + r.getVariant() + " " + n, "not in the record", "asked for by the recipe: "
							+ Metrics.text(n, now.metrics().get(n), 6))));
		}
		if (!older.isEmpty()) { // said, not a mismatch: the older name is true (R as stated) and the record holds the nominal word
			notes.add(at + "names " + String.join(", ", older) + ": written by an earlier version, whose names said less (psnr's range stated"
					+ " nominal without the word, from custody2 to evidence; ssim without its range, before evidence2; 2026-12-05); the figures"
					+ " were re-derived under the recipe's range" + (nominal ? " (nominal, as the records state)" : "") + " and compared; quantrace run"
					+ " again names them with the range in every document");
		}
	}

	/**
	 * Every debug record of the trace made again: the recipe's debug step that made it (the record {@code MODEL/SCHEME/debug}
	 * of the last step naming the scheme, as the run overwrites it), its data as the run chose it (the step's, else the scheme's
	 * calibration data, else the evaluation's), checked against the data the record names, and the debugger run on the
	 * record's float and quantized model files. Each layer's every figure (index, node, op, scale, zero point, elements, the
	 * error statistics, flagged) must agree, floats within {@link #DEBUG_TOLERANCE}; a mismatch names the record, the layer
	 * (index, tensor, mode) and the figure.
	 */
	static List<Mismatch> debug(RecipeInputs recipe, TraceModel trace, Function<org.quantrace.model.trace.ModelArtifact, Path> files, Progress progress) {
		List<Mismatch> found = new ArrayList<>();
		if (trace.getDebugRecords().isEmpty()) {
			return found;
		}
		RecipeContext ctx = recipe.context();
		if (ctx == null) {
			found.add(new Mismatch(DOCUMENT, "debug records (re-run)", "a recipe that loads", "the recipe has errors now"));
			return found;
		}
		Map<String, DebugStep> steps = ctx.debugSteps();
		Map<String, ResolvedScheme> schemes = new HashMap<>();
		ctx.schemes(java.util.Set.of()).forEach(s -> schemes.put(s.name(), s));
		for (DebugRecord d : trace.getDebugRecords()) {
			String at = "debug " + d.getId() + " (re-run)";
			DebugStep step = steps.get(d.getId());
			String[] id = String.valueOf(d.getId()).split("/");
			ModelDeclaration m = id.length != 3 ? null : ctx.models().stream().filter(x -> x.getName().equals(id[0])).findFirst().orElse(null);
			ResolvedScheme scheme = id.length != 3 ? null : schemes.get(id[1]);
			if (step == null || m == null || scheme == null) {
				found.add(new Mismatch(DOCUMENT, at, d.getLayers().size() / 2 + " layers debugged", "the recipe declares no such debug step"));
				continue;
			}
			try {
				debug(ctx, step, m, scheme, d, files, progress, at, found);
			} catch (QuantraceException e) {
				found.add(new Mismatch(DOCUMENT, at, "run again", "failed: " + e.getMessage()));
			}
		}
		return found;
	}

	private static void debug(RecipeContext ctx, DebugStep step, ModelDeclaration m, ResolvedScheme scheme, DebugRecord d,
			Function<org.quantrace.model.trace.ModelArtifact, Path> files, Progress progress, String at, List<Mismatch> found) {
		DatasetDeclaration data = ctx.debugData(step, scheme);
		if (data == null) {
			found.add(new Mismatch(DOCUMENT, at + " data", d.getDataset() == null ? "none" : d.getDataset().getName(), "the recipe's step reads no dataset"));
			return;
		}
		Dataset samples = ctx.open(data, m, step.getSamples());
		DatasetRecord recorded = d.getDataset();
		if (recorded == null || !recorded.getName().equals(data.getName()) || !samples.preprocessing().equals(recorded.getPreprocessing())) {
			found.add(new Mismatch(DOCUMENT, at + " data", recorded == null ? "none" : recorded.getName() + ", " + recorded.getPreprocessing(),
					data.getName() + ", " + samples.preprocessing() + " (as the recipe declares it now)"));
			return;
		}
		Path floatFile = d.getFloatModel() == null ? null : files.apply(d.getFloatModel());
		Path quantizedFile = d.getQuantizedModel() == null ? null : files.apply(d.getQuantizedModel());
		if (floatFile == null || quantizedFile == null) {
			found.add(new Mismatch(DOCUMENT, at + " models", "a float and a quantized model file", "not available"));
			return;
		}
		DebugReport report = QuantizationDebugger.debug(OnnxModel.load(floatFile), d.getFloatModel().getName(), OnnxModel.load(quantizedFile),
				d.getQuantizedModel().getName(), samples, step.getSamples(), step.getMetric(), step.getThreshold(), progress);
		DebugRecord again = EvaluationRecords.toRecord(report);
		Figures.same(found, DOCUMENT, at + " samples", d.getSampleCount(), again.getSampleCount());
		Figures.same(found, DOCUMENT, at + " metric", d.getMetric().getLiteral(), again.getMetric().getLiteral());
		if (!close(d.getThreshold(), again.getThreshold())) {
			found.add(new Mismatch(DOCUMENT, at + " threshold", String.valueOf(d.getThreshold()), String.valueOf(again.getThreshold())));
		}
		Map<String, LayerDebugRecord> now = new LinkedHashMap<>();
		again.getLayers().forEach(l -> now.put(l.getTensor() + " " + l.getMode().getLiteral(), l));
		java.util.Set<String> seen = new java.util.HashSet<>();
		for (LayerDebugRecord l : d.getLayers()) {
			String key = l.getTensor() + " " + l.getMode().getLiteral();
			String layer = at + " layer " + l.getLayerIndex() + " " + l.getTensor() + " (" + l.getMode().getLiteral() + ")";
			LayerDebugRecord r = now.get(key);
			if (r == null || !seen.add(key)) {
				found.add(new Mismatch(DOCUMENT, layer, "debugged", r == null ? "the debugger finds no such quantized tensor" : "recorded twice"));
				continue;
			}
			for (EAttribute f : TracePackage.Literals.LAYER_DEBUG_RECORD.getEAllAttributes()) {
				Object was = l.eGet(f);
				Object is = r.eGet(f);
				boolean same = was instanceof Double a && is instanceof Double b ? close(a, b) : java.util.Objects.equals(was, is);
				if (!same) {
					found.add(new Mismatch(DOCUMENT, layer + " " + f.getName(), String.valueOf(was), String.valueOf(is)));
				}
			}
		}
		now.keySet().stream().filter(k -> !seen.contains(k))
				.forEach(k -> found.add(new Mismatch(DOCUMENT, at + " layer " + k, "not in the record", "debugged: a quantized tensor of the model")));
		// the tensors left out of the comparison, with their two sizes and samples, as the debugger finds them again
		Figures.same(found, DOCUMENT, at + " left out", leftOut(d), leftOut(again));
	}

	/** A debug record's tensors left out, as "'det_boxes' 3632/3592 samples 1-32; ...". */
	private static String leftOut(DebugRecord d) {
		return String.join("; ", d.getLeftOut().stream().map(l -> "'" + l.getTensor() + "' " + l.getFloatValues() + "/" + l.getQuantizedValues() + " samples "
				+ l.getFromSample() + "-" + l.getToSample()).toList());
	}

	/** Two debugger figures the same within {@link #DEBUG_TOLERANCE} (relative), or both (nearly) zero, or both NaN. */
	static boolean close(double a, double b) {
		return a == b || Double.isNaN(a) && Double.isNaN(b) || Math.abs(a - b) <= DEBUG_TOLERANCE * Math.max(Math.abs(a), Math.abs(b)) + 1e-12;
	}
}
