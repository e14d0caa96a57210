package org.quantrace.report;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import org.quantrace.model.mapping.TemplateMapping;
import org.quantrace.model.trace.ArtifactKind;
import org.quantrace.model.trace.EvaluationRecord;
import org.quantrace.model.trace.ModelArtifact;
import org.quantrace.model.trace.TensorSpec;
import org.quantrace.model.trace.TraceModel;
import org.quantrace.report.LogDocument.Block;
import org.quantrace.report.LogDocument.Heading;
import org.quantrace.report.LogDocument.InfoTable;
import org.quantrace.report.LogDocument.Paragraph;
import org.quantrace.report.LogDocument.Row;
import org.quantrace.report.LogDocument.Style;

/**
 * The Model Optimization Log (PhIMT0003) of a model that arrived quantized (a QDQ export, ONNX Runtime's QOperator or
 * dynamic-range form) and that a scheme quantizing nothing ({@code unquantized}) ran as it is: Quantrace wrote no
 * optimization record for it, so no log was written at all and an assessor had no optimization log for the model that
 * ships. The log states the quantization the model holds as found (its form and ops, its layers on integer codes and in
 * float, its tensors by type, its inputs' and outputs' scales and zero points), its evaluation and acceptance, and that
 * this run did not quantize it; every row of the template answers, from the trace alone.
 */
final class ArrivedQuantizedLog {

	/** What a row says the run did not do: the model arrived quantized and was run as it is. */
	static final String NOT_BY_THIS_RUN = "not made by this run: the model arrived quantized and was run as it is";

	private ArrivedQuantizedLog() {
	}

	/** The variants of {@code model} a scheme ran as the quantized model arrived (as-is copies holding quantized ops), in trace order. */
	static List<ModelArtifact> asIs(TraceModel trace, String model) {
		return RunSummary.artifacts(trace, model).stream().filter(a -> a.getScheme() != null && a.getQuantizedForm() != null
				&& (a.getKind() == ArtifactKind.ORIGINAL || a.getKind() == ArtifactKind.CONVERTED)).toList();
	}

	/**
	 * Where a quantized model's layers compute, as its artifact records them: "3 of its 4 Conv/MatMul/Gemm/recurrent layers on
	 * integer codes, 1 in float". Report.html and the log say it the same way.
	 */
	static String layers(ModelArtifact a) {
		long all = a.getIntegerLayers() + a.getFloatLayers();
		return a.getIntegerLayers() + " of its " + all + " Conv/MatMul/Gemm/recurrent layer" + (all == 1 ? "" : "s") + " on integer codes, "
				+ a.getFloatLayers() + " in float";
	}

	/** report.html's sentence under a model that arrived quantized. */
	static String reportSentence(ModelArtifact a) {
		return "Variant " + a.getName() + " is the model as it arrived, quantized before (" + a.getQuantizedForm() + ": " + a.getQuantizedOps() + "): "
				+ layers(a) + "; neither calibrated nor quantized by this run (its Model Optimization Log states it).";
	}

	static LogDocument of(TemplateMapping mapping, TraceModel trace, String model, List<ModelArtifact> variants) {
		ModelArtifact original = RunSummary.artifacts(trace, model).get(0);
		List<Block> b = new ArrayList<>(DocumentFrame.front(trace, "PhIMT0003", "Model Optimization Log", "Model " + model + ": "
				+ AifsmLogs.modelId(original) + ", arrived quantized; no optimization by this run (" + String.join(", ", variants.stream().map(ModelArtifact::getScheme).toList())
				+ ": the model as it is)", Verdicts.firstPage(trace, model), Verdicts.anyRejected(trace, model), "Model Optimization"));
		b.addAll(DocumentFrame.objectiveAndScope(AifsmLogs.OPTIMIZATION_TEMPLATE));
		b.add(new Heading(1, "4", "Model Optimization", "model-optimization", false));
		b.add(new Paragraph(DocumentFrame.tableIntroduction(AifsmLogs.OPTIMIZATION_TEMPLATE), Style.NORMAL));
		int n = 1;
		for (ModelArtifact v : variants) {
			String anchor = "as-found-" + LogValues.slug(v.getScheme());
			List<Row> rows = new ArrayList<>();
			for (TemplateMapping.Entry e : mapping.entries(TemplateMapping.OPTIMIZATION_LOG)) {
				String rowAnchor = anchor + "-" + LogValues.slug((e.sectionLabel() == null ? "" : e.sectionLabel() + "-") + e.label());
				rows.add(e.section() ? new Row(rowAnchor, e.label(), true, List.of())
						: new Row(rowAnchor, e.label(), false, lines(trace, model, original, v, e)));
			}
			b.add(new InfoTable(anchor, "Table " + n++ + ". Model optimization information (" + model + " / " + v.getScheme() + ", as found)", rows));
			EvaluationRecord e = RunSummary.evaluation(trace, v);
			String decision = Verdicts.decision(e);
			if (decision != null) {
				b.add(new Paragraph("Evaluation of " + v.getScheme() + ": " + decision + " (Appendix A).", e.isAccepted() ? Style.ACCEPTED : Style.REJECTED));
			}
		}
		RunWarnings.forModel(trace, model).forEach(w -> b.add(new Paragraph("Warning printed by the run: " + RunWarnings.line(w), Style.WARNING)));
		b.addAll(DocumentFrame.closing(b, List.of(AifsmLogs.ONNX_OPERATORS, AifsmLogs.ORT_QUANTIZATION)));
		b.add(new Heading(1, "", "Appendix A. Evaluation and verdict: " + model, "verdict", true));
		b.addAll(Verdicts.appendix(trace, model, "verdict"));
		b.add(new Heading(1, "", "Appendix B. Reproducibility", "reproducibility", true));
		b.add(AifsmLogs.reproducibility(trace));
		return new LogDocument("PhIMT0003", "PhIMT0003 Model Optimization Log: " + model, AifsmLogs.fileName("PhIMT0003", model), trace.getRunTime(), b);
	}

	/** One row of the template for the variant {@code v}: what the model holds as found, or why the run has nothing for it. */
	private static List<String> lines(TraceModel trace, String model, ModelArtifact original, ModelArtifact v, TemplateMapping.Entry e) {
		String section = e.sectionLabel() == null ? "" : e.sectionLabel();
		String producer = (v.getProducerName() + " " + v.getProducerVersion()).trim();
		String tool = producer.isEmpty() ? "the tool that quantized it (the file names no producer)"
				: "the tool that quantized it (the file's producer field: " + producer + ")";
		if (section.startsWith("Pruning")) {
			return List.of("not applied: the recipe declares no pruning (a quantized model is not pruned)");
		}
		if (section.startsWith("Techniques")) {
			return List.of("not applied: this run did not quantize the model, so it recovered no accuracy");
		}
		return switch (e.label()) {
		case "Model optimization" -> List.of("none by this run: " + model + " / " + v.getScheme() + " is model " + AifsmLogs.modelId(original)
				+ " as it arrived, quantized before; this table states the quantization it holds");
		case "Date" -> List.of(LogValues.text(trace.getRunTime()) + " (the run's date: the model was quantized before it)");
		case "Responsible" -> List.of("not recorded: the model was quantized before this run, by " + tool + "; the run that evaluated it as it is: "
				+ (trace.getDocument() == null || trace.getDocument().getAuthors().isEmpty() ? "see the Documentation Information"
						: String.join(", ", trace.getDocument().getAuthors())));
		case "Phase of the lifecycle" -> List.of("Inference Management");
		case "Verified Learning Model ID or Model Conversion ID" -> RunWarnings.appended(verified(trace, model, original, v), RunWarnings.ofModel(trace, model));
		case "Calibration" -> List.of(NOT_BY_THIS_RUN + ": its scales and zero points are those " + tool + " chose, stored in the file");
		case "Transformation function" -> List.of("as the model holds it (" + v.getQuantizedForm() + ": " + v.getQuantizedOps()
				+ "): " + formula(v) + ", with the scale s and zero point z stored beside each quantized tensor");
		case "Scale factor" -> io(v);
		case "Framework and version" -> frameworkLines(original, tool);
		case "Packages and version" -> List.of(String.join(", ", trace.getEnvironment().getTools().stream().map(t -> t.getName() + " " + t.getVersion()).toList())
				+ ": read and evaluated the model as it is, did not quantize it");
		case "Quantization precision" -> precision(v);
		case "Quantization scheme" -> List.of("as found, not chosen by this run: symmetric where a zero point is 0, else asymmetric; "
				+ String.join("; ", zeroPoints(v)));
		case "Quantization technique" -> List.of(technique(v));
		case "Quantization granularity" -> List.of("as found, per tensor or per channel as each quantized tensor's stored scale holds one value or one per"
				+ " channel; not chosen by this run");
		case "Additional configurations" -> RunWarnings.appended(List.of("opset " + v.getOpset() + ", IR version " + v.getIrVersion() + "; " + NOT_BY_THIS_RUN),
				RunWarnings.runWide(trace));
		default -> List.of("not applicable");
		};
	}

	private static List<String> verified(TraceModel trace, String model, ModelArtifact original, ModelArtifact v) {
		List<String> l = new ArrayList<>(List.of(AifsmLogs.modelId(original), "file " + original.getPath() + " (relative to the recipe's folder), SHA-256 "
				+ original.getSha256()));
		trace.getConversions().stream().filter(c -> c.getName().equals(model)).findFirst().ifPresent(c -> l.add("converted as " + c.getId()
				+ " (PhIMT0002) before it was run; the variant is the converted model"));
		l.add("variant " + v.getScheme() + ": file " + v.getPath() + ", SHA-256 " + v.getSha256());
		return l;
	}

	private static List<String> frameworkLines(ModelArtifact original, String tool) {
		List<String> l = new ArrayList<>(List.of("not quantized by this run: " + tool
				+ (original.getFramework() == null ? "" : "; the recipe declares the model's framework " + original.getFramework())));
		return l;
	}

	/** "input 'x': INT8, scale 0.0039215689, zero point -128 (as stored in the model)" per model input and output. */
	private static List<String> io(ModelArtifact v) {
		List<String> l = new ArrayList<>();
		v.getInputs().forEach(t -> l.add("input " + tensor(t)));
		v.getOutputs().forEach(t -> l.add("output " + tensor(t)));
		l.add("the scales of the tensors inside the model are stored in the file as the tool that quantized it chose them; not computed by this run");
		return l;
	}

	private static String tensor(TensorSpec t) {
		return "'" + t.getName() + "': " + t.getElementType() + (t.isSetScale() ? ", scale " + LogValues.exact(t.getScale()) + ", zero point " + t.getZeroPoint()
				+ " (the DequantizeLinear that reads it, or the QuantizeLinear that writes it)" : ", not quantized at the model's boundary");
	}

	private static List<String> zeroPoints(ModelArtifact v) {
		List<String> l = new ArrayList<>();
		for (TensorSpec t : v.getInputs()) {
			l.add("input '" + t.getName() + "' " + (t.isSetZeroPoint() ? "zero point " + t.getZeroPoint() : t.getElementType()));
		}
		for (TensorSpec t : v.getOutputs()) {
			l.add("output '" + t.getName() + "' " + (t.isSetZeroPoint() ? "zero point " + t.getZeroPoint() : t.getElementType()));
		}
		return l;
	}

	/**
	 * QuantizeLinear's formula for the codes the model holds (its inventory's types, which verify counts again from the file):
	 * float8 codes are the nearest float8 value of x / s + z, not an integer (make_unseen34's fp8qdq said "round(x / s)").
	 */
	private static String formula(ModelArtifact v) {
		List<String> float8 = v.getInventory().stream().filter(c -> c.getTensors() > 0 && c.getElementType() != null && c.getElementType().startsWith("FLOAT8"))
				.map(c -> c.getElementType()).distinct().toList();
		return float8.isEmpty() ? "q = saturate(round(x / s) + z), x = s · (q - z)"
				: "q = saturate(x / s + z) rounded to the nearest " + String.join(" or ", float8) + " value (float8 codes, no integers), x = s · (q - z)";
	}

	private static List<String> precision(ModelArtifact v) {
		List<String> l = new ArrayList<>();
		l.add("layers: " + layers(v));
		StringBuilder types = new StringBuilder("tensors by element type (all / stored in the file, stored bytes): ");
		List<String> counted = new ArrayList<>();
		v.getInventory().stream().filter(c -> c.getTensors() > 0).forEach(c -> counted.add(String.format(Locale.ROOT, "%s %d / %d, %,d bytes",
				UntypedValues.TYPE.equals(c.getElementType()) ? UntypedValues.HEADING + " (" + UntypedValues.MEANING + ")" : c.getElementType(),
				c.getTensors(), c.getWeights(), c.getWeightBytes())));
		l.add(types.append(String.join("; ", counted)).toString());
		v.getInputs().forEach(t -> l.add("input '" + t.getName() + "': " + t.getElementType()));
		v.getOutputs().forEach(t -> l.add("output '" + t.getName() + "': " + t.getElementType()));
		return l;
	}

	private static String technique(ModelArtifact v) {
		String form = v.getQuantizedForm();
		String how = form.startsWith("QDQ") ? "static quantization in QDQ form (QuantizeLinear/DequantizeLinear pairs: a quantization-aware-trained export or a"
				+ " model quantized before)" : form.startsWith("dynamic") ? "dynamic-range quantization (ONNX Runtime's " + form + ")"
						: "static quantization in ONNX Runtime's " + form;
		return how + "; not applied by this run";
	}
}
