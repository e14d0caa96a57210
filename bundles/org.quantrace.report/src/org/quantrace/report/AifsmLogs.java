package org.quantrace.report;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import org.quantrace.model.mapping.TemplateMapping;
import org.quantrace.model.trace.ConversionRecord;
import org.quantrace.model.trace.DatasetRecord;
import org.quantrace.model.trace.LayerFactorizationRecord;
import org.quantrace.model.trace.LayerPruningRecord;
import org.quantrace.model.trace.LayerQuantizationRecord;
import org.quantrace.model.trace.OptimizationRecord;
import org.quantrace.model.trace.RecoveryTrial;
import org.quantrace.model.trace.TensorQuantizationRecord;
import org.quantrace.model.trace.TraceModel;

/**
 * The AI-FSM work products of a run, one pair per model: the Model Conversion Log (PhIMT0002, when the
 * recipe converts) and the Model Optimization Log (PhIMT0003, a table per scheme), each as Markdown, HTML
 * and DOCX. Every row comes from the trace through the template mapping; appendices hold the full
 * per-tensor, per-layer and per-trial tables, and what makes the run reproducible.
 */
public final class AifsmLogs {

	private AifsmLogs() {
	}

	/** Writes the logs of {@code trace} into {@code dir}; returns the files. */
	public static List<Path> write(TraceModel trace, Path dir, Path outputRoot) {
		TemplateMapping mapping = TemplateMapping.load();
		List<LogDocument> documents = new ArrayList<>();
		for (String model : RunSummary.models(trace)) {
			trace.getConversions().stream().filter(c -> c.getName().equals(model)).findFirst()
					.ifPresent(c -> documents.add(conversionLog(mapping, trace, c)));
			List<OptimizationRecord> optimizations = trace.getOptimizations().stream()
					.filter(o -> o.getInput() != null && RunSummary.model(o.getInput()).equals(model)).toList();
			if (!optimizations.isEmpty()) {
				documents.add(optimizationLog(mapping, trace, model, optimizations));
			}
		}
		List<Path> files = new ArrayList<>();
		for (LogDocument logged : documents) {
			LogDocument d = EvidenceFooter.appended(logged, trace);
			files.add(LogFiles.markdown(d, dir));
			files.add(LogFiles.html(d, dir));
			files.add(LogFiles.docx(d, dir));
		}
		return files;
	}

	/** The file a model's log is written to, without extension: PhIMT0002-cnn. */
	public static String fileName(String template, String model) {
		return template + "-" + LogValues.slug(model);
	}

	static LogDocument conversionLog(TemplateMapping mapping, TraceModel trace, ConversionRecord c) {
		String model = c.getName();
		List<LogDocument.Appendix> appendices = new ArrayList<>();
		appendices.add(new LogDocument.Appendix("removed-nodes", "Appendix A. Nodes removed or folded by the conversion", List.of("node"),
				c.getRemovedNodes().stream().map(List::of).toList()));
		appendices.add(reproducibility("B", trace));
		LogDocument.Table table = new LogDocument.Table("conversion", "Table 1. Model conversion information (" + c.getId() + ")",
				TemplateRows.rows(mapping, TemplateMapping.CONVERSION_LOG, c, "conversion",
						group -> group.endsWith("removedNodes") ? "Appendix A" : null));
		return new LogDocument("PhIMT0002", "PhIMT0002 Model Conversion Log: " + model, fileName("PhIMT0002", model), List.of(table), appendices);
	}

	static LogDocument optimizationLog(TemplateMapping mapping, TraceModel trace, String model, List<OptimizationRecord> optimizations) {
		List<LogDocument.Table> tables = new ArrayList<>();
		List<LogDocument.Appendix> appendices = new ArrayList<>();
		char letter = 'A';
		for (OptimizationRecord o : optimizations) {
			String scheme = o.getScheme();
			String anchor = "optimization-" + LogValues.slug(scheme);
			String tensorsAppendix = "Appendix " + letter + " (" + scheme + ")";
			String layersAppendix = "Appendix " + (char) (letter + 1) + " (" + scheme + ")";
			if (o.getQuantization() != null) {
				appendices.add(tensors(anchor + "-tensors", "Appendix " + letter + ". Quantization parameters per tensor, " + scheme, o));
				appendices.add(layers(anchor + "-layers", "Appendix " + (char) (letter + 1) + ". Quantization per layer, " + scheme, o));
				letter += 2;
			}
			if (o.getPruning() != null && tables.isEmpty()) {
				appendices.add(pruning(anchor + "-pruning", "Appendix " + letter++ + ". Pruning per layer", o));
			}
			if (o.getFactorization() != null && tables.isEmpty()) {
				appendices.add(factorization(anchor + "-factorization", "Appendix " + letter++ + ". Low-rank factorization per layer", o));
			}
			if (o.getRecovery() != null && !o.getRecovery().getTrials().isEmpty()) {
				appendices.add(trials(anchor + "-recovery", "Appendix " + letter++ + ". Accuracy recovery trials, " + scheme, o));
			}
			String trialsAppendix = "the recovery trials' appendix";
			List<LogDocument.Row> rows = TemplateRows.rows(mapping, TemplateMapping.OPTIMIZATION_LOG, o, anchor, group -> group.endsWith("tensors")
					? tensorsAppendix : group.endsWith("quantization.layers") ? layersAppendix : group.endsWith("trials") ? trialsAppendix : null);
			tables.add(new LogDocument.Table(anchor, "Table " + (tables.size() + 1) + ". Model optimization information (" + o.getId() + ")",
					rows.stream().map(r -> r.section() || !r.lines().isEmpty() ? r : notApplied(r, mapping, o)).toList()));
		}
		appendices.add(reproducibility(String.valueOf(letter), trace));
		return new LogDocument("PhIMT0003", "PhIMT0003 Model Optimization Log: " + model, fileName("PhIMT0003", model), tables, appendices);
	}

	/** A row the record has nothing for says why, so that no row of the template is left blank. */
	static LogDocument.Row notApplied(LogDocument.Row r, TemplateMapping mapping, OptimizationRecord o) {
		String section = mapping.entries(TemplateMapping.OPTIMIZATION_LOG).stream().filter(e -> e.label().equals(r.label()) && !e.section())
				.map(TemplateMapping.Entry::sectionLabel).filter(x -> r.anchor().contains(LogValues.slug(x))).findFirst().orElse("");
		String why;
		if (section.startsWith("Calibration") || section.startsWith("Post-training")) {
			why = o.getQuantization() == null ? "not applicable: this variant is not quantized"
					: "none: " + o.getQuantization().getTechnique().getLiteral() + " quantization measures activation ranges at run time, from each input";
		} else if (section.startsWith("Pruning")) {
			why = "not applied: the recipe declares no pruning";
		} else if (section.startsWith("Techniques to recover")) {
			why = o.getRecovery() == null ? "not applied: the recipe declares no accuracy recovery"
					: r.label().startsWith("Partial") ? "not needed" : "not applied: Quantrace recovers accuracy by partial quantization only";
		} else {
			why = "not applicable";
		}
		return new LogDocument.Row(r.anchor(), r.label(), false, List.of(why));
	}

	private static LogDocument.Appendix tensors(String anchor, String title, OptimizationRecord o) {
		List<List<String>> rows = new ArrayList<>();
		for (TensorQuantizationRecord t : o.getQuantization().getTensors()) {
			rows.add(List.of(t.getTensor(), LogValues.text(t.getRole()), t.getNode() == null ? "" : t.getNode(), LogValues.text(t.getPrecision()),
					LogValues.text(t.getScheme()), LogValues.text(t.getGranularity()), t.getGranularity() == org.quantrace.model.recipe.Granularity.PER_CHANNEL ? Integer.toString(t.getAxis()) : "",
					values(t.getRangeMin()), values(t.getRangeMax()), values(t.getScales()), t.getZeroPoints().stream().map(String::valueOf).reduce((a, b) -> a + " " + b).orElse("")));
		}
		return new LogDocument.Appendix(anchor, title,
				List.of("tensor", "role", "node", "precision", "scheme", "granularity", "axis", "range min", "range max", "scale", "zero point"), rows);
	}

	private static LogDocument.Appendix layers(String anchor, String title, OptimizationRecord o) {
		List<List<String>> rows = new ArrayList<>();
		for (LayerQuantizationRecord l : o.getQuantization().getLayers()) {
			rows.add(List.of(Integer.toString(l.getLayerIndex()), l.getNode(), l.getOpType(), l.isQuantized() ? "quantized" : "float",
					LogValues.text(l.getPrecision()), LogValues.text(l.getScheme()), LogValues.text(l.getGranularity()), l.getReason() == null ? "" : l.getReason()));
		}
		return new LogDocument.Appendix(anchor, title, List.of("index", "node", "op", "state", "weights", "scheme", "granularity", "reason"), rows);
	}

	private static LogDocument.Appendix pruning(String anchor, String title, OptimizationRecord o) {
		List<List<String>> rows = new ArrayList<>();
		for (LayerPruningRecord l : o.getPruning().getLayers()) {
			rows.add(List.of(l.getLayer(), l.getOpType(), Long.toString(l.getParametersBefore()), Long.toString(l.getParametersAfter()),
					String.format(Locale.ROOT, "%.1f%%", 100 * l.getSparsity()), Long.toString(l.getFlopsBefore()), Long.toString(l.getFlopsAfter()),
					Integer.toString(l.getRemovedChannels())));
		}
		return new LogDocument.Appendix(anchor, title, List.of("layer", "op", "parameters", "after", "sparsity", "FLOPs", "after", "removed channels"),
				rows);
	}

	private static LogDocument.Appendix factorization(String anchor, String title, OptimizationRecord o) {
		List<List<String>> rows = new ArrayList<>();
		for (LayerFactorizationRecord l : o.getFactorization().getLayers()) {
			rows.add(List.of(l.getLayer(), l.getRank() + "/" + l.getFullRank(), Long.toString(l.getParametersBefore()), Long.toString(l.getParametersAfter()),
					String.format(Locale.ROOT, "%.2f%%", 100 * l.getRetainedEnergy()), LogValues.number(l.getReconstructionError()),
					l.isSkipped() ? "skipped: " + l.getReason() : ""));
		}
		return new LogDocument.Appendix(anchor, title, List.of("layer", "rank", "parameters", "after", "retained energy", "relative error", "note"), rows);
	}

	private static LogDocument.Appendix trials(String anchor, String title, OptimizationRecord o) {
		List<List<String>> rows = new ArrayList<>();
		for (RecoveryTrial t : o.getRecovery().getTrials()) {
			rows.add(List.of(Integer.toString(t.getIndex()), String.join(", ", t.getExcluded()), t.getMetric(), LogValues.number(t.getValue()),
					t.isAccepted() ? "accepted" : "rejected"));
		}
		return new LogDocument.Appendix(anchor, title, List.of("trial", "left in float", "criterion", "measured", "result"), rows);
	}

	/** What makes the run repeatable: the recipe and its hash, the seed, the environment, every dataset's manifest. */
	private static LogDocument.Appendix reproducibility(String letter, TraceModel trace) {
		List<List<String>> rows = new ArrayList<>();
		rows.add(List.of("run", trace.getRunId()));
		rows.add(List.of("recipe", trace.getRecipePath() + " (sha256 " + trace.getRecipeSha256() + "), copied to recipe/"));
		rows.add(List.of("seed", Long.toString(trace.getSeed())));
		rows.add(List.of("environment", trace.getEnvironment().getOs() + " " + trace.getEnvironment().getOsVersion() + " "
				+ trace.getEnvironment().getArchitecture() + ", " + trace.getEnvironment().getCpuCount() + " CPUs"));
		trace.getEnvironment().getTools().forEach(t -> rows.add(List.of("package", t.getName() + " " + t.getVersion())));
		for (DatasetRecord d : trace.getDatasets()) {
			rows.add(List.of("dataset " + d.getName(), d.getPath() + ", " + d.getSampleCount() + " samples, " + d.getPreprocessing()
					+ (d.getManifestSha256() != null ? ", manifest " + d.getManifestPath() + " (sha256 " + d.getManifestSha256() + ")" : "")));
		}
		return new LogDocument.Appendix("reproducibility", "Appendix " + letter + ". Reproducibility", List.of("item", "value"), rows);
	}

	private static String values(List<Double> values) {
		return values.stream().map(LogValues::number).reduce((a, b) -> a + " " + b).orElse("");
	}
}
