package org.quantrace.report;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

import org.quantrace.model.mapping.TemplateMapping;
import org.quantrace.model.recipe.CalibrationMethod;
import org.quantrace.model.recipe.Granularity;
import org.quantrace.model.recipe.PruningPattern;
import org.quantrace.model.trace.ConversionRecord;
import org.quantrace.model.trace.DatasetRecord;
import org.quantrace.model.trace.EvaluationRecord;
import org.quantrace.model.trace.LayerFactorizationRecord;
import org.quantrace.model.trace.LayerPruningRecord;
import org.quantrace.model.trace.LayerQuantizationRecord;
import org.quantrace.model.trace.ModelArtifact;
import org.quantrace.model.trace.OptimizationRecord;
import org.quantrace.model.trace.InputFile;
import org.quantrace.model.trace.InputKind;
import org.quantrace.model.trace.TensorQuantizationRecord;
import org.quantrace.model.trace.TensorRole;
import org.quantrace.model.trace.TraceModel;
import org.quantrace.report.LogDocument.Block;
import org.quantrace.report.LogDocument.Grid;
import org.quantrace.report.LogDocument.Heading;
import org.quantrace.report.LogDocument.InfoTable;
import org.quantrace.report.LogDocument.Paragraph;
import org.quantrace.report.LogDocument.Row;
import org.quantrace.report.LogDocument.Style;

/**
 * The AI-FSM work products of a run, one pair per model: the Model Conversion Log (PhIMT0002, when the
 * recipe converts) and the Model Optimization Log (PhIMT0003, a Table 1 per optimization), each as a whole
 * document (the template's frame around its tables, a verdict, appendices with the full per-tensor,
 * per-layer and per-trial tables and what makes the run reproducible) in Markdown, HTML, DOCX and PDF.
 * Every row comes from the trace through the template mapping.
 */
public final class AifsmLogs {

	static final String CONVERSION_TEMPLATE = "PhIMT0002-model-conversion-log.txt";
	static final String OPTIMIZATION_TEMPLATE = "PhIMT0003-model-optimization-log.txt";

	static final String ONNX_OPERATORS = "ONNX operator specification (QuantizeLinear, DequantizeLinear, DynamicQuantizeLinear, QLinearConv, "
			+ "MatMulInteger, ConvInteger), Linux Foundation AI & Data, https://onnx.ai/onnx/operators/";
	static final String ORT_QUANTIZATION = "ONNX Runtime: Quantize ONNX models (static and dynamic quantization, QDQ format, calibration), "
			+ "https://onnxruntime.ai/docs/performance/model-optimizations/quantization.html";
	private static final String AFFINE = "B. Jacob et al., Quantization and Training of Neural Networks for Efficient Integer-Arithmetic-Only Inference, "
			+ "CVPR 2018 (affine quantization q = round(x / s) + z)";
	private static final String PER_CHANNEL = "R. Krishnamoorthi, Quantizing deep convolutional networks for efficient inference: A whitepaper, "
			+ "arXiv:1806.08342, 2018 (per-channel weight quantization, symmetric and asymmetric schemes)";
	private static final String ENTROPY = "S. Migacz, 8-bit Inference with TensorRT, GPU Technology Conference 2017 (entropy calibration: "
			+ "thresholds minimizing the KL divergence)";
	private static final String L2 = "PyTorch, torch.ao.quantization.observer.HistogramObserver (range search minimizing the L2 quantization error over a "
			+ "histogram, after caffe2's NormMinimization); https://pytorch.org/docs/stable/generated/torch.ao.quantization.observer.HistogramObserver.html";
	private static final String PERCENTILE = "H. Wu et al., Integer Quantization for Deep Learning Inference: Principles and Empirical Evaluation, "
			+ "arXiv:2004.09602, 2020 (max, percentile and entropy calibration)";
	private static final String PRUNING = "S. Han, J. Pool, J. Tran, W. Dally, Learning both Weights and Connections for Efficient Neural Networks, "
			+ "NeurIPS 2015 (magnitude pruning)";
	private static final String CHANNEL_PRUNING = "H. Li et al., Pruning Filters for Efficient ConvNets, ICLR 2017 (filter pruning by L1 norm)";
	private static final String ACTIVATION_PRUNING = "P. Molchanov et al., Pruning Convolutional Neural Networks for Resource Efficient Inference, ICLR 2017"
			+ " (channel pruning by the mean activation criterion, among others)";
	private static final String LOW_RANK = "E. Denton et al., Exploiting Linear Structure Within Convolutional Networks for Efficient Evaluation, "
			+ "NeurIPS 2014 (low-rank factorization by truncated SVD)";
	private static final String BATCH_NORM = "S. Ioffe, C. Szegedy, Batch Normalization: Accelerating Deep Network Training by Reducing Internal "
			+ "Covariate Shift, ICML 2015 (inference-mode batch normalization, folded into the preceding layer)";
	private static final String DROPOUT = "N. Srivastava et al., Dropout: A Simple Way to Prevent Neural Networks from Overfitting, JMLR 15, 2014 "
			+ "(dropout is the identity at inference)";

	private AifsmLogs() {
	}

	/** Writes the logs of {@code trace} into {@code dir} (Markdown, HTML, DOCX, PDF each); returns the files. */
	public static List<Path> write(TraceModel trace, Path dir) {
		List<Path> files = new ArrayList<>();
		rendered(trace, true).forEach((name, bytes) -> files.add(ReportFiles.write(dir.resolve(name), bytes)));
		return files;
	}

	/**
	 * The log files {@link #write} makes of {@code trace}, by file name ("PhIMT0003-cnn.md"), in the order written:
	 * Markdown, HTML, DOCX and (with {@code pdf}) PDF per document. They are made from the trace alone, so that
	 * {@code quantrace verify} can make them again and hold every byte of a log against them, not only the figures it
	 * re-derives.
	 */
	public static java.util.Map<String, byte[]> rendered(TraceModel trace, boolean pdf) {
		TemplateMapping mapping = TemplateMapping.load();
		java.util.Map<String, byte[]> files = new java.util.LinkedHashMap<>();
		for (LogDocument logged : documents(mapping, trace)) {
			LogDocument d = EvidenceFooter.appended(logged, trace);
			files.put(d.fileName() + ".md", MarkdownLog.render(d).getBytes(java.nio.charset.StandardCharsets.UTF_8));
			files.put(d.fileName() + ".html", HtmlLog.render(d, false).getBytes(java.nio.charset.StandardCharsets.UTF_8));
			files.put(d.fileName() + ".docx", DocxLog.render(d));
			if (pdf) {
				files.put(d.fileName() + ".pdf", PdfLog.render(d));
			}
		}
		return files;
	}

	/** Every log of the run as a document. */
	public static List<LogDocument> documents(TemplateMapping mapping, TraceModel trace) {
		List<LogDocument> documents = new ArrayList<>();
		for (String model : RunSummary.models(trace)) {
			trace.getConversions().stream().filter(c -> c.getName().equals(model)).findFirst()
					.ifPresent(c -> documents.add(conversionLog(mapping, trace, c)));
			List<OptimizationRecord> optimizations = trace.getOptimizations().stream()
					.filter(o -> o.getInput() != null && RunSummary.model(o.getInput()).equals(model)).toList();
			List<ModelArtifact> asIs = ArrivedQuantizedLog.asIs(trace, model);
			if (!optimizations.isEmpty()) {
				documents.add(optimizationLog(mapping, trace, model, optimizations));
			} else if (!asIs.isEmpty()) { // arrived quantized, run as it is: the log of the model that ships
				documents.add(ArrivedQuantizedLog.of(mapping, trace, model, asIs));
			}
		}
		return documents;
	}

	/** The file a model's log is written to, without extension: PhIMT0002-cnn. */
	public static String fileName(String template, String model) {
		return template + "-" + LogValues.slug(model);
	}

	/** Where a run keeps its copy of a recipe file named relative to the recipe's folder (a ".." of an import outside it becomes "_up_"). */
	public static String recipeCopy(String relativePath) {
		return "recipe/" + relativePath.replace("../", "_up_/");
	}

	/** The verified learning model as the templates name it: {@code <Model_ID>_<version>}. */
	static String modelId(ModelArtifact original) {
		String id = original.getModelId() != null ? original.getModelId() : RunSummary.model(original);
		return original.getVersion() != null ? id + "_" + original.getVersion() : id;
	}

	static LogDocument conversionLog(TemplateMapping mapping, TraceModel trace, ConversionRecord c) {
		String model = c.getName();
		ModelArtifact original = c.getInput();
		String check = c.isSetMaxAbsDifference() ? "The converted model computes what the original does in inference mode: largest absolute output "
				+ "difference " + LogValues.brief(c.getMaxAbsDifference()) + " on real samples." : null;
		List<Block> b = new ArrayList<>(DocumentFrame.front(trace, "PhIMT0002", "Model Conversion Log", "Model " + model + ": " + modelId(original)
				+ ", converted as " + c.getId(), check, false, "Model Conversion"));
		b.addAll(DocumentFrame.objectiveAndScope(CONVERSION_TEMPLATE));
		b.add(new Heading(1, "4", "Model Conversion", "model-conversion", false));
		b.add(new Paragraph(DocumentFrame.tableIntroduction(CONVERSION_TEMPLATE), Style.NORMAL));
		String removedAppendix = "Appendix A";
		List<Row> rows = new ArrayList<>();
		for (Row r : TemplateRows.rows(mapping, TemplateMapping.CONVERSION_LOG, c, "conversion",
				group -> group.endsWith("removedNodes") ? removedAppendix : null)) {
			if (r.label().equals("Verified Learning Model ID")) {
				r = new Row(r.anchor(), r.label(), false, RunWarnings.appended(List.of(modelId(original), "file " + original.getPath()
						+ " (relative to the recipe's folder), SHA-256 " + original.getSha256()), RunWarnings.ofModel(trace, model)));
			} else if (r.label().equals("Environment information") && !RunWarnings.runWide(trace).isEmpty()) {
				r = new Row(r.anchor(), r.label(), false, RunWarnings.appended(r.lines(), RunWarnings.runWide(trace)));
			} else if (r.label().equals("Converter/model conversion script") && c.getOutput() != null && original != null) {
				List<String> l = new ArrayList<>(r.lines());
				l.add(graphChange(c, removedAppendix));
				r = new Row(r.anchor(), r.label(), false, l);
			}
			rows.add(r);
		}
		b.add(new InfoTable("conversion", "Table 1. Model conversion information (" + c.getId() + ")", rows));
		RunWarnings.forModel(trace, model).forEach(w -> b.add(new Paragraph("Warning printed by the run: " + RunWarnings.line(w), Style.WARNING)));
		List<String> references = new ArrayList<>(List.of(ONNX_OPERATORS));
		if (c.getEliminations().stream().anyMatch(e -> e.getOperation() == org.quantrace.model.recipe.TrainingOperation.BATCH_NORMALIZATION
				&& e.getStatus() == org.quantrace.model.trace.EliminationStatus.REMOVED)) {
			references.add(BATCH_NORM);
		}
		if (c.getEliminations().stream().anyMatch(e -> e.getOperation() == org.quantrace.model.recipe.TrainingOperation.DROPOUT
				&& e.getStatus() == org.quantrace.model.trace.EliminationStatus.REMOVED)) {
			references.add(DROPOUT);
		}
		b.addAll(DocumentFrame.closing(b, references));
		b.add(new Heading(1, "", "Appendix A. Nodes removed or folded by the conversion", "removed-nodes", true));
		if (c.getRemovedNodes().isEmpty()) {
			// an empty table under the heading read as a blank the template asks to fill: the appendix says there is nothing
			b.add(new Paragraph(NOTHING_REMOVED, Style.NORMAL));
		} else {
			b.add(new Grid("removed-nodes-table", null, List.of("node", "why"), RemovedNodeReasons.rows(c), new int[] { 2, 3 }, Set.of(), false));
		}
		b.add(new Heading(1, "", "Appendix B. Reproducibility", "reproducibility", true));
		b.add(reproducibility(trace));
		return new LogDocument("PhIMT0002", "PhIMT0002 Model Conversion Log: " + model, fileName("PhIMT0002", model), trace.getRunTime(), b);
	}

	/** Appendix A of a conversion that removed nothing. */
	static final String NOTHING_REMOVED = "None: the conversion removed or folded no node of the verified model.";

	/**
	 * What the conversion did to the graph: node counts before and after, what was removed or folded. The folded constants are
	 * some of the nodes removed (the example's Dropout ratio and mode), not more: "5 removed ..., 2 constants folded" was read as 7.
	 */
	static String graphChange(ConversionRecord c, String appendix) {
		int before = c.getInput().getNodeCount();
		int after = c.getOutput().getNodeCount();
		int targets = (int) c.getRemovedNodes().stream().filter(n -> n.endsWith(RESHAPE_TARGET)).count();
		int removed = c.getRemovedNodes().size() - targets;
		String head = "graph: " + before + " nodes in the verified model, " + after + " after conversion; ";
		if (removed == 0 && targets == 0) {
			return head + "no node removed or folded (" + appendix + ")";
		}
		int constants = c.getFoldedConstants();
		int added = after - (before - removed);
		return head + removed + " node" + (removed == 1 ? "" : "s") + " removed or folded into a neighbour (" + appendix + "), "
				+ (constants == 0 ? "none of them a constant" : constants + " of them " + (constants == 1 ? "a constant" : "constants"))
				+ " (computable before any input arrives)"
				+ (targets == 0 ? "" : "; besides, " + LogValues.count(targets, "Reshape target") + " computed at run time made constant in place (Appendix A's rows marked "
						+ RESHAPE_TARGET.trim() + "; the Reshape" + (targets == 1 ? " itself stays)" : "s themselves stay)"))
				+ (added <= 0 ? "" : "; " + LogValues.count(added, "node") + " added by the rewrites above: " + before + " − " + removed + " + " + added + " = " + after);
	}

	/**
	 * The mark of a Reshape whose target the conversion made constant in place: a row of Appendix A, not a node gone. lambdanet's
	 * four made "49 nodes removed or folded" of a graph that lost 45, and with the 9 nodes its rewrites add, 67 - 49 did not
	 * lead to the 31 after conversion.
	 */
	public static final String RESHAPE_TARGET = " (target)";

	static LogDocument optimizationLog(TemplateMapping mapping, TraceModel trace, String model, List<OptimizationRecord> optimizations) {
		ModelArtifact original = RunSummary.artifacts(trace, model).get(0);
		boolean rejected = Verdicts.anyRejected(trace, model);
		List<Block> b = new ArrayList<>(DocumentFrame.front(trace, "PhIMT0003", "Model Optimization Log", "Model " + model + ": " + modelId(original) + ", "
				+ optimizations.size() + " optimization" + (optimizations.size() == 1 ? "" : "s") + " ("
				+ String.join(", ", optimizations.stream().map(OptimizationRecord::getScheme).toList()) + ")", Verdicts.firstPage(trace, model), rejected,
				"Model Optimization"));
		b.addAll(DocumentFrame.objectiveAndScope(OPTIMIZATION_TEMPLATE));
		b.add(new Heading(1, "4", "Model Optimization", "model-optimization", false));
		b.add(new Paragraph(DocumentFrame.tableIntroduction(OPTIMIZATION_TEMPLATE), Style.NORMAL));

		// appendices: A verdict, then per quantized scheme its tensors, then layers, pruning, factorization, reproducibility
		List<OptimizationRecord> quantized = optimizations.stream().filter(o -> o.getQuantization() != null).toList();
		char letter = 'B';
		java.util.Map<OptimizationRecord, String> tensorsAppendix = new java.util.HashMap<>();
		for (OptimizationRecord o : quantized) {
			tensorsAppendix.put(o, "Appendix " + letter++);
		}
		String layersAppendix = quantized.isEmpty() ? null : "Appendix " + letter++;
		String pruningAppendix = optimizations.get(0).getPruning() != null ? "Appendix " + letter++ : null;
		String factorizationAppendix = optimizations.get(0).getFactorization() != null ? "Appendix " + letter++ : null;
		String reproducibilityAppendix = "Appendix " + letter;

		Set<String> references = new LinkedHashSet<>(List.of(ONNX_OPERATORS, ORT_QUANTIZATION));
		int n = 1;
		for (OptimizationRecord o : optimizations) {
			String anchor = "optimization-" + LogValues.slug(o.getScheme());
			String tensors = tensorsAppendix.get(o);
			List<Row> rows = new ArrayList<>();
			for (Row r : TemplateRows.rows(mapping, TemplateMapping.OPTIMIZATION_LOG, o, anchor, group -> group.endsWith("tensors") ? tensors
					: group.endsWith("quantization.layers") ? layersAppendix : group.endsWith("trials") ? "Appendix A" : null)) {
				boolean pruningRow = r.anchor().contains("pruning-specifications");
				List<String> own = r.section() ? null
						: pruningRow ? (r.label().equals("Additional configurations") && o.getPruning() != null ? OptimizationRows.pruning(o.getPruning()) : null)
								: OptimizationRows.lines(r.label(), o, tensors, layersAppendix);
				if (own != null) {
					r = new Row(r.anchor(), r.label(), false, own);
				} else if (!r.section() && (r.lines().isEmpty() || r.anchor().contains("pruning-specifications") && o.getPruning() == null)) {
					r = notApplied(r, o);
				}
				if (r.label().equals("Verified Learning Model ID or Model Conversion ID")) { // the original's warnings (weight-only, model-framework) against it
					r = new Row(r.anchor(), r.label(), false, RunWarnings.appended(r.lines(), RunWarnings.ofModel(trace, model)));
				} else if (r.label().equals("Additional configurations") && r.anchor().contains("post-training")) {
					r = new Row(r.anchor(), r.label(), false, RunWarnings.appended(r.lines(), RunWarnings.runWide(trace)));
				}
				rows.add(r);
			}
			b.add(new InfoTable(anchor, "Table " + n++ + ". Model optimization information (" + o.getId() + ")", rows));
			EvaluationRecord e = Verdicts.of(trace, o);
			String decision = Verdicts.decision(e);
			if (decision != null) {
				b.add(new Paragraph("Evaluation of " + o.getScheme() + ": " + decision + " (Appendix A).", e.isAccepted() ? Style.ACCEPTED : Style.REJECTED));
			}
			WidenedWeightScales.deviations(o).forEach(d -> b.add(new Paragraph(d, Style.WARNING)));
			ClampedBiases.deviations(o).forEach(d -> b.add(new Paragraph(d, Style.WARNING)));
			DebugLeftOut.of(trace, o).forEach(d -> b.add(new Paragraph(d, Style.NORMAL)));
			references.addAll(references(o));
		}
		RunWarnings.forModel(trace, model).forEach(w -> b.add(new Paragraph("Warning printed by the run: " + RunWarnings.line(w), Style.WARNING)));
		b.addAll(DocumentFrame.closing(b, new ArrayList<>(references)));

		b.add(new Heading(1, "", "Appendix A. Evaluation and verdict: " + model, "verdict", true));
		b.addAll(Verdicts.appendix(trace, model, "verdict"));
		java.util.Map<String, String> listed = new java.util.HashMap<>(); // a tensor's parameters → the appendix that lists them first
		for (OptimizationRecord o : quantized) {
			String anchor = "optimization-" + LogValues.slug(o.getScheme()) + "-tensors";
			b.add(new Heading(1, "", tensorsAppendix.get(o) + ". Quantization parameters per tensor, " + o.getScheme(), anchor, true));
			b.add(tensors(anchor + "-table", o, tensorsAppendix.get(o), listed));
			SharedTensorRows.notes(o.getQuantization().getTensors()).forEach(note -> b.add(new Paragraph(note, Style.NORMAL)));
		}
		if (layersAppendix != null) {
			b.add(new Heading(1, "", layersAppendix + ". Quantization per layer", "layers", true));
			b.addAll(layers(quantized));
		}
		if (pruningAppendix != null) {
			b.add(new Heading(1, "", pruningAppendix + ". Pruning per layer", "pruning", true));
			b.add(pruning(optimizations.get(0)));
		}
		if (factorizationAppendix != null) {
			b.add(new Heading(1, "", factorizationAppendix + ". Low-rank factorization per layer", "factorization", true));
			b.add(factorization(optimizations.get(0)));
		}
		b.add(new Heading(1, "", reproducibilityAppendix + ". Reproducibility", "reproducibility", true));
		b.add(reproducibility(trace));
		return new LogDocument("PhIMT0003", "PhIMT0003 Model Optimization Log: " + model, fileName("PhIMT0003", model), trace.getRunTime(), b);
	}

	/** The papers and documents behind what an optimization did. */
	private static List<String> references(OptimizationRecord o) {
		List<String> r = new ArrayList<>();
		if (o.getQuantization() != null) {
			r.add(AFFINE);
			if (o.getQuantization().getTensors().stream().anyMatch(t -> t.getGranularity() == Granularity.PER_CHANNEL)) {
				r.add(PER_CHANNEL);
			}
			if (o.getQuantization().getCalibration() != null) {
				CalibrationMethod m = o.getQuantization().getCalibration().getMethod();
				if (m == CalibrationMethod.ENTROPY) {
					r.add(ENTROPY);
				} else if (m == CalibrationMethod.PERCENTILE) {
					r.add(PERCENTILE);
				} else if (m == CalibrationMethod.L2) {
					r.add(L2);
				}
			}
		}
		if (o.getPruning() != null) {
			r.add(o.getPruning().getCriterion() == org.quantrace.model.recipe.PruningCriterion.ACTIVATION ? ACTIVATION_PRUNING
					: o.getPruning().getPattern() == PruningPattern.CHANNEL ? CHANNEL_PRUNING : PRUNING);
		}
		if (o.getFactorization() != null) {
			r.add(LOW_RANK);
		}
		return r;
	}

	/** What a row of the quantization sections says of a variant without quantization (unquantized, or pruned or factorized only). */
	public static final String NOT_QUANTIZED = "not applicable: this variant is not quantized";

	/** A row the record has nothing for says why, so that no row of the template is left blank. */
	static Row notApplied(Row r, OptimizationRecord o) {
		String anchor = r.anchor();
		String why;
		if (anchor.contains("calibration-fundamentals") || anchor.contains("post-training")) {
			why = o.getQuantization() == null ? NOT_QUANTIZED
					: "none: " + o.getQuantization().getTechnique().getLiteral() + " quantization measures activation ranges at run time, from each input";
		} else if (anchor.contains("pruning-specifications")) {
			why = "not applied: the recipe declares no pruning";
		} else if (anchor.contains("techniques-to-recover")) {
			// a dynamic-range variant gets no recovery record even when the recipe declares one (partial quantization recovers
			// full-integer schemes): it was said to declare none
			boolean dynamicRange = o.getQuantization() != null
					&& o.getQuantization().getTechnique() == org.quantrace.model.recipe.QuantizationTechnique.DYNAMIC_RANGE;
			why = o.getRecovery() != null ? r.label().startsWith("Partial") ? "not needed" : "not applied: Quantrace recovers accuracy by partial quantization only"
					: dynamicRange ? "not applied: Quantrace recovers accuracy by partial quantization of full-integer schemes, and this variant is dynamic-range quantized"
							: "not applied: the recipe declares no accuracy recovery";
		} else {
			why = "not applicable";
		}
		return new Row(r.anchor(), r.label(), false, List.of(why));
	}

	/**
	 * Every quantized tensor of one scheme with the parameters the model holds: a landscape table. A tensor whose
	 * parameters an earlier appendix lists already (the same weights in another scheme) points there instead of
	 * repeating the values: {@code listed} maps what was listed to its appendix.
	 */
	private static Grid tensors(String anchor, OptimizationRecord o, String appendix, java.util.Map<String, String> listed) {
		List<List<String>> rows = new ArrayList<>();
		for (TensorQuantizationRecord t : o.getQuantization().getTensors()) {
			String granularity = t.getGranularity() == Granularity.PER_CHANNEL ? "per-channel, axis " + t.getAxis() : "per-tensor";
			String scales = values(t.getScales(), false);
			String zeros = zeroPoints(t.getZeroPoints());
			String key = String.join("|", t.getTensor(), t.getRole().getLiteral(), OptimizationRows.type(t), t.getScheme().getLiteral(), granularity, range(t), scales, zeros);
			String earlier = t.getScales().size() > 1 ? listed.putIfAbsent(key, appendix + " (" + o.getScheme() + ")") : null;
			// only an earlier appendix: two rows of one appendix can share a tensor (a bias two Convs read, quantized for each
			// reader: a Siamese tower's), and a reader finds the row pointed to by the tensor's name
			if (earlier != null && !earlier.startsWith(appendix + " (")) {
				scales = SAME_AS + earlier;
				zeros = SAME_AS + earlier.substring(0, earlier.indexOf(" ("));
			}
			rows.add(List.of(t.getTensor(), LogValues.text(t.getRole()), t.getNode() == null || t.getNode().isEmpty() ? noNode(o, t) : t.getNode(), OptimizationRows.type(t),
					LogValues.text(t.getScheme()), granularity, range(t), scales, zeros));
		}
		return new Grid(anchor, null, List.of("tensor", "role", "node", "type", "scheme", "granularity", "range", "scale", "zero point"), rows,
				new int[] { 7, 3, 5, 2, 3, 3, 5, 17, 6 }, Set.of(6, 7, 8), true);
	}

	/** What a per-tensor appendix writes for values an earlier appendix lists: "as in Appendix C (fiq_float32)". */
	public static final String SAME_AS = "as in ";

	/** Zero points as the model holds them; one value repeated for every channel is written once, "0 ×32". */
	static String zeroPoints(List<Long> z) {
		if (z.size() > 1 && z.stream().distinct().count() == 1) {
			return z.get(0) + " ×" + z.size();
		}
		return z.stream().map(String::valueOf).reduce((a, b) -> a + " " + b).orElse("");
	}

	/** The range the parameters were computed from; for per-channel tensors the span over all channels. */
	private static String range(TensorQuantizationRecord t) {
		if (t.getRangeMin().isEmpty()) {
			return "";
		}
		double lo = t.getRangeMin().stream().mapToDouble(Double::doubleValue).min().orElse(0);
		double hi = t.getRangeMax().stream().mapToDouble(Double::doubleValue).max().orElse(0);
		return "[" + LogValues.brief(lo) + ", " + LogValues.brief(hi) + "]" + (t.getRangeMin().size() > 1 ? " over " + t.getRangeMin().size() + " channels" : "");
	}

	/**
	 * Every layer in every quantized scheme: quantized (with its weights' type) or left in float, and why: each
	 * reason once, as a numbered note under the table.
	 */
	private static List<Block> layers(List<OptimizationRecord> quantized) {
		List<String> notes = new ArrayList<>();
		List<String> header = new ArrayList<>(List.of("index", "node", "op"));
		quantized.forEach(o -> header.add(o.getScheme()));
		java.util.Map<String, List<String>> byNode = new java.util.LinkedHashMap<>();
		for (int i = 0; i < quantized.size(); i++) {
			for (LayerQuantizationRecord l : quantized.get(i).getQuantization().getLayers()) {
				List<String> row = byNode.computeIfAbsent(l.getNode(), k -> {
					List<String> r = new ArrayList<>(List.of(index(l), l.getNode(), l.getOpType()));
					quantized.forEach(o -> r.add(""));
					return r;
				});
				row.set(3 + i, layerCell(quantized.get(i), l, notes));
			}
		}
		int[] widths = new int[header.size()];
		java.util.Arrays.fill(widths, 5);
		widths[0] = 1;
		widths[1] = 6;
		widths[2] = 3;
		List<Block> b = new ArrayList<>();
		List<List<String>> rows = new ArrayList<>(byNode.values());
		// one numbering, the float model's: a rewrite's nodes follow the layer they rewrote, whichever scheme listed them first
		rows.sort(java.util.Comparator.comparingInt(r -> Integer.parseInt(r.get(0).split(" ")[0])));
		for (int i = 0; i < quantized.size(); i++) {
			for (List<String> row : rows) {
				if (row.get(3 + i).isEmpty()) {
					row.set(3 + i, absent(row, rows, 3 + i, quantized.get(i)));
				}
			}
		}
		b.add(new Paragraph(INDEX_COLUMN, Style.NORMAL));
		b.add(new Grid("layers-table", null, header, rows, widths, Set.of(0), header.size() > 8));
		if (!notes.isEmpty()) {
			List<String> items = new ArrayList<>();
			for (int i = 0; i < notes.size(); i++) {
				items.add("note " + (i + 1) + ": " + notes.get(i));
			}
			b.add(new LogDocument.Bullets(items, false));
		}
		return b;
	}

	/** The start of the cell of a node one scheme's model has and another's has not (verify holds it against the model). */
	public static final String NO_LAYER = "no layer of its own in this model";

	/**
	 * The cell of a node this scheme's model does not have as a layer: round 28's lambdanet under drq and fiq_int8 left
	 * fiq_int8's cell of the BatchNormalization's Add blank, which fiq_int8 had made the bias of a depthwise Conv under the
	 * Mul's name. Where another layer's cell of the column names the node, it points there (verify requires the node absent).
	 */
	private static String absent(List<String> row, List<List<String>> rows, int column, OptimizationRecord o) {
		return rows.stream().filter(r -> r.get(column).contains("'" + row.get(1) + "'")).findFirst()
				.map(r -> NO_LAYER + ": taken into " + r.get(1) + " (index " + r.get(0) + "; its cell says how)").orElseGet(() -> inBody(row, rows, o));
	}

	/** The start of the cell of a node inside the body of a control-flow layer the scheme records as one layer (verify finds it there). */
	public static final String IN_BODY = "in a body of ";

	/**
	 * The cell of a node a scheme records inside a control-flow layer: the zoo's if_cnn under drq, whose writer records each node
	 * of the main graph (the If one layer, its bodies' weights in its reason) and none of the If's bodies, left its branches'
	 * cells blank. A node the float model numbers, of no layer of such a (dynamic-range) record, is then in a body of the
	 * record's one If/Loop/Scan; with several such layers, or a node a rewrite added, it stays blank.
	 */
	private static String inBody(List<String> row, List<List<String>> rows, OptimizationRecord o) {
		if (o.getQuantization().getTechnique() != org.quantrace.model.recipe.QuantizationTechnique.DYNAMIC_RANGE) { // full-integer records list body nodes
			return "";
		}
		List<LayerQuantizationRecord> owners = o.getQuantization().getLayers().stream().filter(l -> CONTROL_FLOW.contains(l.getOpType())).toList();
		if (owners.size() != 1 || row.get(0).contains(REWRITE) || row.get(1).equals(owners.get(0).getNode())) {
			return "";
		}
		LayerQuantizationRecord owner = owners.get(0);
		String at = rows.stream().filter(r -> r.get(1).equals(owner.getNode())).map(r -> r.get(0)).findFirst().orElse(Integer.toString(owner.getLayerIndex()));
		return IN_BODY + owner.getNode() + " (index " + at + "): not a layer of its own in this scheme's record, which records the " + owner.getOpType()
				+ " as one layer (its cell)";
	}

	/** The ops whose bodies hold layers. */
	private static final Set<String> CONTROL_FLOW = Set.of("If", "Loop", "Scan");

	/** The index cell's mark of a node a rewrite added. */
	public static final String REWRITE = "(rewrite)";

	/** What the per-layer appendix's index column numbers. */
	public static final String INDEX_COLUMN = "index: the layer's position in the float model (its nodes in order, Constant nodes not counted),"
			+ " as report.html's debugger table numbers them; \"N " + REWRITE + "\": a node the quantizer added when it rewrote layer N"
			+ " (named after it), which the float model does not have.";

	/** A layer's index in the float model, "N (rewrite)" for a node the rewrite of layer N added. */
	private static String index(LayerQuantizationRecord l) {
		return l.getLayerIndex() + (l.getRewriteOf() == null ? "" : " " + REWRITE);
	}

	/**
	 * The quantizer's statement that a layer holds channels it added (its depthwise padding: "8 zero channels added
	 * (72 → 80)", "… output channels …", "… input channels …"), as the layer's reason in the trace starts one; the
	 * per-layer appendix prints it in the layer's cell, the reason as a note. Spaces may be line breaks in a document read back.
	 */
	public static final java.util.regex.Pattern ADDED_CHANNELS = java.util.regex.Pattern
			.compile("\\d+\\s*zero\\s*(output\\s*|input\\s*)?channels\\s*added\\s*\\((\\d+)\\s*→\\s*\\d+\\)");

	/**
	 * The number of channels a layer had before the quantizer added output channels to it (the channels of its
	 * weights and bias from there on are zeros, their scales those of an empty range), or -1.
	 */
	static int originalChannels(org.quantrace.model.trace.QuantizationRecord q, String node) {
		for (LayerQuantizationRecord l : q.getLayers()) {
			java.util.regex.Matcher m = ADDED_CHANNELS.matcher(l.getNode().equals(node) && l.getReason() != null ? l.getReason() : "");
			while (m.find()) {
				if (m.group(1) == null || !m.group(1).startsWith("input")) {
					return Integer.parseInt(m.group(2));
				}
			}
		}
		return -1;
	}

	/**
	 * The quantizer's words for a Relu or Clip after a stem computed in float: the model holds no such node, the stem's
	 * output QuantizeLinear (zero point at its type's minimum) clamps in its place.
	 */
	private static final java.util.regex.Pattern FOLDED_REASON = java.util.regex.Pattern.compile("folded into the output quantization of '([^']*)'");

	/**
	 * The cell of a clamp folded into a float stem's output quantization, what the file holds: "no Relu in the model: the
	 * uint8 output quantization of '/e1/Conv' (zero point 0) clamps like it", the type and zero point those of the clamp's
	 * output as the trace records it.
	 */
	public static final java.util.regex.Pattern FOLDED = java.util.regex.Pattern.compile("no ([A-Za-z]+) in the model: the (u?int\\d+) output"
			+ " quantization of '([^']*)' \\(zero point (-?\\d+)\\) clamps like it");

	/** The precision row's (PhIMT0003) words for layers in no node of the model, before their names and after them (verify reads them back). */
	public static final String FOLDED_LAYERS = "in no node of the model: ";

	public static final String FOLDED_WHY = " (folded into the output quantization of the layer before, which clamps like it)";

	/**
	 * The granularity row's closing words for a model input or output the file holds in float32, quantized inside the model
	 * (fiq_float32): "inputs: per-tensor" alone would say the model's input is quantized (verify reads them back).
	 */
	public static String insideTheModel(TensorRole role) {
		return role == TensorRole.INPUT ? ", by a QuantizeLinear inside the model (the model input stays float32)"
				: ", by a DequantizeLinear inside the model (the model output stays float32)";
	}

	/** {@link #FOLDED}'s words for a layer the quantizer folded so, or null for any other. */
	static String folded(org.quantrace.model.trace.QuantizationRecord q, LayerQuantizationRecord l) {
		java.util.regex.Matcher stem = FOLDED_REASON.matcher(!l.isQuantized() && l.getReason() != null ? l.getReason() : "");
		TensorQuantizationRecord out = !stem.find() ? null : q.getTensors().stream()
				.filter(t -> l.getNode().equals(t.getNode()) && t.getRole() == TensorRole.ACTIVATION && t.getZeroPoints().size() == 1).findFirst().orElse(null);
		return out == null ? null : "no " + l.getOpType() + " in the model: the " + out.getElementType() + " output quantization of '" + stem.group(1)
				+ "' (zero point " + out.getZeroPoints().get(0) + ") clamps like it";
	}

	/** What the model does with {@code FLOAT_OUTPUT}'s layers: on integers, their result left in float32 for the float ops that read it. */
	public static final String FLOAT_OUTPUT = "quantized, float32 output";

	/**
	 * One layer in one scheme: "float32 (note N)"; a layer with weights "quantized" or its weights' type; a layer
	 * without weights the type of the output it quantizes, or, when it quantizes none (an integer MatMul or the
	 * bias Add of one whose result only float ops read: MatMulIntegerToFloat, QGemm ending in float),
	 * {@link #FLOAT_OUTPUT} with the reason as a note: its activations' type would name an output the model does not have.
	 */
	private static String layerCell(OptimizationRecord o, LayerQuantizationRecord l, List<String> notes) {
		String folded = folded(o.getQuantization(), l);
		if (folded != null) {
			return folded + " (note " + note(notes, l.getReason()) + ")";
		}
		if (!l.isQuantized()) {
			// a rewritten layer the plan then left float (a pool's Conv that float-slow-kernels keeps float) still says so
			return "float32" + (l.getReason() == null ? "" : " (note " + note(notes, l.getReason()) + ")") + rewritten(l, notes);
		}
		if (!l.eIsSet(org.quantrace.model.trace.TracePackage.Literals.LAYER_QUANTIZATION_RECORD__PRECISION)) {
			return "quantized" + slower(l, notes) + addedChannels(l, notes) + rewritten(l, notes);
		}
		boolean weights = false;
		TensorQuantizationRecord output = null;
		for (TensorQuantizationRecord t : o.getQuantization().getTensors()) {
			if (l.getNode().equals(t.getNode())) {
				weights |= t.getRole() == TensorRole.WEIGHT;
				if (output == null && (t.getRole() == TensorRole.ACTIVATION || t.getRole() == TensorRole.OUTPUT)) {
					output = t;
				}
			}
		}
		if (!weights && output == null && clampFusedInto(o, l)) {
			return "quantized"; // as a Conv whose Relu is fused: the Relu's row names the output's type
		}
		if (!weights && output == null) {
			return FLOAT_OUTPUT + (l.getReason() == null ? "" : " (note " + note(notes, l.getReason()) + ")");
		}
		// a layer without weights: the type its output is held in, which a model output's own type may set (a
		// multilabel Sigmoid writing the int8 model output although activations are uint8)
		String type = !weights && output.getElementType() != null ? output.getElementType() : LogValues.text(l.getPrecision());
		return type + " " + LogValues.text(l.getScheme()) + ", " + LogValues.text(l.getGranularity()) + slower(l, notes) + addedChannels(l, notes)
				+ rewritten(l, notes);
	}

	/**
	 * The cell's words for a layer kept on integers although its integer kernel is slower than float (a depthwise Conv
	 * with a large kernel and few channels, the quantizer's "slower than float: ..." in its reason); the reason's words as the note.
	 */
	public static final String SLOWER = "its int8 kernel is slower than float";

	/** "; its int8 kernel is slower than float (note N)" for a layer whose reason says so (why it stays integer as the note); else "". */
	private static String slower(LayerQuantizationRecord l, List<String> notes) {
		String reason = l.getReason() == null ? "" : l.getReason();
		int at = reason.indexOf("; slower than float: ");
		if (at < 0) {
			return "";
		}
		String said = reason.substring(at + 2);
		java.util.regex.Matcher added = java.util.regex.Pattern.compile(";\\s*" + ADDED_CHANNELS.pattern()).matcher(said);
		return "; " + SLOWER + " (note " + note(notes, added.find() ? said.substring(0, added.start()) : said) + ")";
	}

	/**
	 * The quantizer's statement that it rewrote a layer before quantizing, or added it in a rewrite (a grouped Conv with a
	 * channel multiplier above 1 as a depthwise Conv on repeated channels: "rewritten as a depthwise Conv (group 8 → 16) on its
	 * input's channels repeated by Gather 'g'", and the Gather's "added by the rewrite of Conv 'c': repeats each of its 8 input
	 * channels 2 times"; an AveragePool that leaves the padding out of its count as a depthwise Conv of weights 1/k² and a Mul by
	 * the map k²/count: "AveragePool rewritten as a depthwise Conv 'p_sums' of weights 1/9 and a Mul by the map 9/count", and the
	 * Conv's "added by the rewrite of AveragePool 'p': the window sums divided by 9"; a pool whose every window counts all its values
	 * as the depthwise Conv alone: "AveragePool rewritten as a depthwise Conv of weights 1/9 (every window counts 9 values)"; a ConvTranspose as a
	 * sub-pixel Conv: "ConvTranspose (stride 2x2) rewritten as a sub-pixel Conv 32 → 64 of its 4 phases' taps and an interleave of the
	 * phases"; a HardSigmoid folded into the Conv before it: "HardSigmoid 'h' (α 0.16666667, β 0.5) folded into this Conv: weights ×α,
	 * bias ×α + β", and the HardSigmoid's "HardSigmoid rewritten as a Clip to [0, 1] after Conv 'c', its α and β folded into that Conv"),
	 * as a part of the layer's reason in the trace starts it; the per-layer appendix prints it in the
	 * layer's cell, the reason's part as a note. A document read back may break the cell's lines anywhere, at a '/' and
	 * inside a name too ("9 /count", "'/c /AveragePool_sums'"): verify finds the words with the cell's whitespace taken out.
	 */
	public static final java.util.regex.Pattern REWRITTEN = java.util.regex.Pattern.compile("rewritten\\s*as\\s*a\\s*depthwise\\s*Conv\\s*\\(group\\s*\\d+"
			+ "\\s*→\\s*\\d+\\)\\s*on\\s*its\\s*input's\\s*channels\\s*repeated\\s*by\\s*Gather\\s*'[^']*'|added\\s*by\\s*the\\s*rewrite\\s*of\\s*Conv\\s*'[^']*':"
			+ "\\s*repeats\\s*each\\s*of\\s*its\\s*\\d+\\s*input\\s*channels\\s*\\d+\\s*times|AveragePool\\s*rewritten\\s*as\\s*a\\s*depthwise\\s*Conv\\s*'[^']*'"
			+ "\\s*of\\s*weights\\s*1/\\d+\\s*and\\s*a\\s*Mul\\s*by\\s*the\\s*map\\s*\\d+/count|added\\s*by\\s*the\\s*rewrite\\s*of\\s*AveragePool\\s*'[^']*':"
			+ "\\s*the\\s*window\\s*sums\\s*divided\\s*by\\s*\\d+|AveragePool\\s*rewritten\\s*as\\s*a\\s*depthwise\\s*Conv\\s*of\\s*weights\\s*1/\\d+"
			+ "\\s*\\(every\\s*window\\s*counts\\s*\\d+\\s*values\\)|Mul\\s*by\\s*a\\s*per-channel\\s*constant\\s*rewritten\\s*as\\s*a\\s*depthwise"
			+ "\\s*1x1\\s*Conv\\s*of\\s*weights\\s*its\\s*\\d+\\s*factors(?:\\s*and\\s*bias\\s*the\\s*\\d+\\s*terms\\s*of\\s*Add\\s*'[^']*')?"
			+ "|Mul\\s*'[^']*'\\s*split\\s*over\\s*its\\s*input's\\s*Concat:\\s*its\\s*channels\\s*\\d+-\\d+\\s*of\\s*\\d+\\s*as\\s*a\\s*depthwise\\s*1x1\\s*Conv"
			+ "\\s*on\\s*'[^']*'\\s*of\\s*weights\\s*their\\s*factors(?:\\s*and\\s*bias\\s*their\\s*terms\\s*of\\s*Add\\s*'[^']*')?"
			+ "|added\\s*by\\s*the\\s*split\\s*of\\s*Mul\\s*'[^']*'\\s*over\\s*its\\s*input's\\s*Concat:\\s*(?:Relu\\s*'[^']*'\\s*of\\s*its|joins\\s*its)"
			+ "\\s*channels\\s*\\d+-\\d+\\s*of\\s*\\d+"
			+ "|grouped\\s*Conv\\s*\\(\\d+\\s*groups\\)\\s*rewritten\\s*as\\s*one\\s*dense\\s*Conv\\s*\\d+\\s*→\\s*\\d+\\s*with\\s*block-\\s*diagonal"
			+ "\\s*weights\\s*\\(zero\\s*between\\s*the\\s*groups\\)"
			+ "|ConvTranspose\\s*\\(stride\\s*\\d+x\\d+\\)\\s*rewritten\\s*as\\s*a\\s*sub-\\s*pixel\\s*Conv\\s*\\d+\\s*→\\s*\\d+\\s*of\\s*its"
			+ "\\s*\\d+\\s*phases'\\s*taps\\s*and\\s*an\\s*interleave\\s*of\\s*the\\s*phases"
			+ "|HardSigmoid\\s*'[^']*'\\s*\\(α\\s*[-0-9.E]+,\\s*β\\s*[-0-9.E]+\\)\\s*folded\\s*into\\s*this\\s*Conv:\\s*weights\\s*×α,"
			+ "\\s*bias\\s*×α\\s*\\+\\s*β|HardSigmoid\\s*rewritten\\s*as\\s*a\\s*Clip\\s*to\\s*\\[0,\\s*1\\]\\s*after\\s*Conv\\s*'[^']*',"
			+ "\\s*its\\s*α\\s*and\\s*β\\s*folded\\s*into\\s*that\\s*Conv");

	/** "; rewritten as a depthwise Conv (…) on its input's channels repeated by Gather 'g' (note N)" for a layer the quantizer rewrote or added; else "". */
	private static String rewritten(LayerQuantizationRecord l, List<String> notes) {
		return stated(l, REWRITTEN, notes);
	}

	/** "; 8 zero channels added (72 → 80) (note N)" for a layer the quantizer widened, the reason why as the note; else "". */
	private static String addedChannels(LayerQuantizationRecord l, List<String> notes) {
		return stated(l, ADDED_CHANNELS, notes);
	}

	/** The parts of the layer's reason that start with {@code what}, each cut to its match, the whole parts as one note; else "". */
	private static String stated(LayerQuantizationRecord l, java.util.regex.Pattern what, List<String> notes) {
		List<String> said = new ArrayList<>();
		List<String> why = new ArrayList<>();
		for (String part : l.getReason() == null ? new String[0] : l.getReason().split("; ")) {
			java.util.regex.Matcher m = what.matcher(part);
			if (m.lookingAt()) {
				said.add(m.group());
				why.add(part);
			}
		}
		return said.isEmpty() ? "" : "; " + String.join("; ", said) + " (note " + note(notes, String.join("; ", why)) + ")";
	}

	/**
	 * Whether a Relu or Clip after {@code l} was fused into its integer output (the quantizer's plan: the clamp's
	 * record names it in its reason, and the quantized tensor's record names the clamp as its node, so {@code l}
	 * has no tensor of its own although the model quantizes its output, e.g. a residual Add and its Relu).
	 */
	private static boolean clampFusedInto(OptimizationRecord o, LayerQuantizationRecord l) {
		String fused = "fused into the integer output of '" + l.getNode() + "'";
		return o.getQuantization().getLayers().stream().anyMatch(c -> c != l && c.isQuantized() && c.getReason() != null && c.getReason().startsWith(fused));
	}

	/** The number of {@code reason} among the notes, added when new. */
	private static int note(List<String> notes, String reason) {
		int i = notes.indexOf(reason);
		if (i < 0) {
			notes.add(reason);
			i = notes.size() - 1;
		}
		return i + 1;
	}

	private static Grid pruning(OptimizationRecord o) {
		List<List<String>> rows = new ArrayList<>();
		for (LayerPruningRecord l : o.getPruning().getLayers()) {
			rows.add(List.of(l.getLayer(), l.getOpType(), String.format(Locale.ROOT, "%,d", l.getParametersBefore()),
					String.format(Locale.ROOT, "%,d", l.getParametersAfter()), String.format(Locale.ROOT, "%.1f %%", l.getSparsity()) /* the record holds percent */,
					String.format(Locale.ROOT, "%,d", l.getFlopsBefore()), String.format(Locale.ROOT, "%,d", l.getFlopsAfter()),
					Integer.toString(l.getRemovedChannels())));
		}
		// what the two counts are, by the pattern (OptimizationRows.counted): element, vector and block pruning count the weights, a
		// channel takes its bias too; the header said "parameters" for every pattern (logs62, logs63)
		String counted = OptimizationRows.counted(o.getPruning().getPattern());
		return new Grid("pruning-table", null, List.of("layer", "op", counted, "after", "sparsity", "FLOPs", "after", "removed channels"), rows,
				new int[] { 6, 3, 3, 3, 2, 3, 3, 2 }, Set.of(2, 3, 4, 5, 6, 7), false);
	}

	/**
	 * A share as the logs print shares ("18.87 %", a space before the sign): Appendix F printed "97.37%" beside them (assessor16).
	 */
	public static String percent(double share) {
		return String.format(Locale.ROOT, "%.2f %%", share);
	}

	/** The words a factorized layer's note starts with; then its rank and its parameters' change. */
	public static final String FACTORIZED_NOTE = "factorized: two layers through rank ";

	/**
	 * The note of a layer factorized, blank before (assessor16): what the model holds in its place and what it saves, the
	 * change of the parameters beside it, which verify re-derives from the two models.
	 */
	static String factorizedNote(LayerFactorizationRecord l) {
		return FACTORIZED_NOTE + l.getRank() + ", " + saved(l.getParametersBefore(), l.getParametersAfter());
	}

	/** "37.50 % fewer parameters" (or more), the change from {@code before} to {@code after}. */
	public static String saved(long before, long after) {
		double share = before == 0 ? 0 : 100.0 * (before - after) / before;
		return percent(Math.abs(share)) + (share >= 0 ? " fewer" : " more") + " parameters";
	}

	/** The rank cell of a layer factorization skipped: the model holds its matrix unfactorized. */
	public static final String KEPT_WHOLE = "not factorized";

	private static Grid factorization(OptimizationRecord o) {
		List<List<String>> rows = new ArrayList<>();
		for (LayerFactorizationRecord l : o.getFactorization().getLayers()) {
			// a skipped layer is in the file whole: its rank and energy are the whole matrix's (the rank it would have had, 9 of a
			// 64 x 10 Gemm, printed "9/10" beside the file's 10 columns; the note says it)
			boolean whole = l.isSkipped();
			rows.add(List.of(l.getLayer(), whole ? KEPT_WHOLE : l.getRank() + "/" + l.getFullRank(), String.format(Locale.ROOT, "%,d", l.getParametersBefore()),
					String.format(Locale.ROOT, "%,d", l.getParametersAfter()), percent(whole ? 100 : 100 * l.getRetainedEnergy()),
					LogValues.brief(whole ? 0 : l.getReconstructionError()), whole ? "skipped: " + l.getReason() : factorizedNote(l)));
		}
		return new Grid("factorization-table", null, List.of("layer", "rank", "parameters", "after", "retained energy", "relative error", "note"), rows,
				new int[] { 6, 2, 3, 3, 3, 3, 5 }, Set.of(1, 2, 3, 4, 5), false);
	}

	/**
	 * The node cell of a tensor no node writes or reads as a layer of its own: a model input's rows were left blank (bspc_gap,
	 * tf9cls, read by assessor16). verify reads a cell here as no node, as it read the blank.
	 */
	private static String noNode(OptimizationRecord o, TensorQuantizationRecord t) {
		boolean input = o.getOutput() != null && o.getOutput().getInputs().stream().anyMatch(x -> x.getName().equals(t.getTensor()));
		return input ? NO_NODE + ": the model's input" : NO_NODE;
	}

	/** The node cell of a tensor of no node (then ": the model's input" where it is one). */
	public static final String NO_NODE = "none";

	/** What makes the run repeatable: the recipe files and their hashes, the seed, the environment, every dataset's manifest. */
	static Grid reproducibility(TraceModel trace) {
		List<List<String>> rows = new ArrayList<>();
		rows.add(List.of("run", trace.getRunId()));
		if (trace.getInputFiles().stream().noneMatch(f -> f.getKind() == InputKind.RECIPE)) {
			rows.add(List.of("recipe", trace.getRecipePath() + ", SHA-256 " + trace.getRecipeSha256()));
		}
		for (InputFile f : trace.getInputFiles()) {
			if (f.getKind() == InputKind.RECIPE || f.getKind() == InputKind.IMPORT) {
				rows.add(List.of(f.getKind() == InputKind.RECIPE ? "recipe" : "imported file", f.getPath() + ", SHA-256 " + f.getSha256() + ", copied to "
						+ recipeCopy(f.getPath())));
			}
		}
		rows.add(List.of("seed", Long.toString(trace.getSeed())));
		rows.add(List.of("environment", trace.getEnvironment().getOs() + " " + trace.getEnvironment().getOsVersion() + " "
				+ trace.getEnvironment().getArchitecture() + ", " + trace.getEnvironment().getCpuCount() + " CPUs"));
		trace.getEnvironment().getTools().forEach(t -> rows.add(List.of("package", t.getName() + " " + t.getVersion())));
		for (DatasetRecord d : trace.getDatasets()) {
			rows.add(List.of("dataset " + d.getName(), d.getSampleCount() + " samples, " + d.getPreprocessing()
					+ (d.getManifestSha256() != null ? ", manifest " + d.getManifestPath() + ", SHA-256 " + d.getManifestSha256() : "")));
		}
		return new Grid("reproducibility-table", null, List.of("item", "value"), rows, new int[] { 3, 13 }, Set.of(), false);
	}

	/** A tensor's values: ranges for people (four digits), scales exactly as the model stores them. */
	private static String values(List<Double> values, boolean brief) {
		return values.stream().map(v -> brief ? LogValues.brief(v) : LogValues.exact(v)).reduce((a, b) -> a + " " + b).orElse("");
	}
}
