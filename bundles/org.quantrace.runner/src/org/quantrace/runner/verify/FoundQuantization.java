package org.quantrace.runner.verify;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

import org.quantrace.engine.onnx.DataType;
import org.quantrace.model.trace.ArtifactKind;
import org.quantrace.model.trace.ModelArtifact;

import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.TensorProto;

/**
 * What a model the run did not quantize holds of quantization as it arrived (the trace's quantizedForm, quantizedOps,
 * integerLayers and floatLayers of an original or converted model, which its Model Optimization Log and report.html print),
 * read again from the file by this package's code: the quantized ops by op type, the form they make, and each weighted layer
 * on integer codes (an integer kernel, or a layer whose data and weights both come from DequantizeLinear) or in float.
 */
final class FoundQuantization {

	/** Nodes of quantized models, by op type; the QLinear family is taken by its prefix. */
	private static final Set<String> QUANTIZED = Set.of("QuantizeLinear", "DequantizeLinear", "DynamicQuantizeLinear", "ConvInteger", "MatMulInteger",
			"QGemm", "DynamicQuantizeMatMul", "DynamicQuantizeLSTM", "MatMulIntegerToFloat", "QAttention", "QEmbedLayerNormalization");
	private static final Set<String> AT_RUN_TIME = Set.of("DynamicQuantizeLinear", "DynamicQuantizeMatMul", "DynamicQuantizeLSTM");
	private static final Set<String> WEIGHTED = Set.of("Conv", "ConvTranspose", "MatMul", "Gemm", "LSTM", "GRU", "RNN");
	private static final Set<String> INTEGER_KERNELS = Set.of("QLinearConv", "QLinearMatMul", "QGemm", "ConvInteger", "MatMulInteger",
			"DynamicQuantizeMatMul", "DynamicQuantizeLSTM", "MatMulIntegerToFloat", "QAttention");

	final String form;
	final String ops;
	final long integerLayers;
	final long floatLayers;

	private FoundQuantization(String form, String ops, long integerLayers, long floatLayers) {
		this.form = form;
		this.ops = ops;
		this.integerLayers = integerLayers;
		this.floatLayers = floatLayers;
	}

	/** Whether the trace records what {@code a} holds as found: a model the run read or converted, not one it wrote by a step that quantizes. */
	static boolean recorded(ModelArtifact a) {
		return a.getKind() == ArtifactKind.ORIGINAL || a.getKind() == ArtifactKind.CONVERTED;
	}

	/** The model's quantization as found, or null for a model without quantized ops. */
	static FoundQuantization of(ModelFacts f) {
		Map<String, Integer> byOp = new TreeMap<>();
		Map<String, Integer> weightOnly = new TreeMap<>();
		long onIntegers = 0;
		long inFloat = 0;
		for (NodeProto n : f.nodes()) {
			String op = n.getOpType();
			if (QUANTIZED.contains(op) || op.startsWith("QLinear")) {
				byOp.merge(op, 1, Integer::sum);
			}
			if (INTEGER_KERNELS.contains(op) || WEIGHTED.contains(op) && dequantized(f, n)) {
				onIntegers++;
			} else if (WEIGHTED.contains(op)) {
				inFloat++;
				if (n.getInputList().stream().anyMatch(i -> scaledCodes(f, n, i))) {
					weightOnly.merge(op, 1, Integer::sum);
				}
			}
		}
		if (byOp.isEmpty()) {
			return null;
		}
		List<String> held = new ArrayList<>();
		byOp.forEach((op, k) -> held.add(k + " " + op));
		weightOnly.forEach((op, k) -> held.add(k + " " + op + " on stored integer weight codes (Cast, Mul: weight-only)"));
		List<String> dynamic = byOp.keySet().stream().filter(AT_RUN_TIME::contains).toList();
		boolean kernels = byOp.keySet().stream().anyMatch(op -> !op.equals("QuantizeLinear") && !op.equals("DequantizeLinear"));
		String form = !dynamic.isEmpty() ? "dynamic-range form: activations quantized at run time by " + String.join(" and ", dynamic) + ", integer kernels in the file"
				: kernels ? "QOperator form: integer kernels in the file, on the codes and scales stored with them" : "QDQ form";
		return new FoundQuantization(form, String.join(", ", held), onIntegers, inFloat);
	}

	/**
	 * Whether ONNX Runtime runs the layer as one integer kernel in QDQ form: data and weights both written by a DequantizeLinear of its
	 * own graph, and a Conv's output read only by QuantizeLinears whose codes are of its input's type (no kernel reads int8 and
	 * writes uint8); a MatMul or Gemm may end in float.
	 */
	private static boolean dequantized(ModelFacts f, NodeProto n) {
		if (!FUSED.contains(n.getOpType()) || n.getInputCount() < 2) {
			return false;
		}
		NodeProto data = null;
		for (int i = 0; i < 2; i++) {
			NodeProto p = f.producers.get(n.getInput(i));
			if (p == null || !p.getOpType().equals("DequantizeLinear") || f.scope.get(p) != f.scope.get(n) || !integerCodes(codeType(f, p))) {
				return false;
			}
			data = i == 0 ? p : data;
		}
		if (n.getOpType().equals("MatMul") || n.getOpType().equals("Gemm")) {
			return true;
		}
		int codes = codeType(f, data);
		List<NodeProto> readers = f.consumers.getOrDefault(n.getOutput(0), List.of());
		return !readers.isEmpty() && readers.stream().allMatch(r -> r.getOpType().equals("QuantizeLinear") && codeType(f, r) == codes);
	}

	private static final Set<String> FUSED = Set.of("Conv", "ConvTranspose", "MatMul", "Gemm");

	/** The element type of a Q/DQ node's codes, from its zero point (uint8 when it has none). */
	private static int codeType(ModelFacts f, NodeProto q) {
		TensorProto zero = q.getInputCount() < 3 || q.getInput(2).isEmpty() ? null : f.stored.get(q.getInput(2));
		return zero == null ? TensorProto.DataType.UINT8_VALUE : zero.getDataType();
	}

	/** Whether {@code value} is a Mul or Sub (of the layer's graph) of stored integer codes a Cast made float: weight-only storage. */
	private static boolean scaledCodes(ModelFacts f, NodeProto layer, String value) {
		NodeProto scaling = f.producers.get(value);
		if (scaling == null || f.scope.get(scaling) != f.scope.get(layer) || !(scaling.getOpType().equals("Mul") || scaling.getOpType().equals("Sub"))) {
			return false;
		}
		for (String in : scaling.getInputList()) {
			NodeProto cast = f.producers.get(in);
			TensorProto codes = cast == null || !cast.getOpType().equals("Cast") || f.scope.get(cast) != f.scope.get(layer) ? null : f.stored.get(cast.getInput(0));
			if (codes != null && integer(codes.getDataType()) && castToFloat(cast)) {
				return true;
			}
		}
		return false;
	}

	/**
	 * Whether codes of this element type have integer kernels: 8 bits or more. A float8 code is no integer (no kernel for it on
	 * the CPU: the layer computes in float) and a 4-bit one is a weight-only form.
	 */
	private static boolean integerCodes(int code) {
		return integer(code) && code != DataType.UINT4.code() && code != DataType.INT4.code();
	}

	private static boolean integer(int code) {
		try {
			return DataType.of(code).isInteger();
		} catch (IllegalArgumentException e) {
			return false;
		}
	}

	private static boolean castToFloat(NodeProto cast) {
		long to = cast.getAttributeList().stream().filter(a -> a.getName().equals("to")).mapToLong(a -> a.getI()).findFirst().orElse(0);
		return to == DataType.FLOAT.code() || to == DataType.FLOAT16.code() || to == DataType.BFLOAT16.code() || to == DataType.DOUBLE.code();
	}

	/** A Scale factor line of the as-found table: "input 'x': INT8, scale 0.0039215689, zero point -128 (...)", whitespace taken out. */
	private static final java.util.regex.Pattern IO_LINE = java.util.regex.Pattern.compile("^(input|output)'(.*?)':([A-Za-z0-9]+),scale([-+.0-9Ee]+),zeropoint(-?\\d+)");

	/**
	 * The Model Optimization Log of a model that arrived quantized, read back: each as-is variant's table, its layers on integer codes
	 * and in float and its inputs' and outputs' scales and zero points against its file, and the warnings it prints against the trace's.
	 */
	static void log(Evidence e, LogCheck.Log log, String model) {
		for (ModelArtifact a : e.trace().getArtifacts()) {
			if (!org.quantrace.report.RunSummary.model(a).equals(model) || a.getScheme() == null || !recorded(a) || a.getQuantizedForm() == null) {
				continue;
			}
			org.quantrace.report.LogReader.Table t = log.ending("(" + model + " / " + a.getScheme() + ", as found)");
			if (t == null) {
				log.missing("Table 1 of " + model + " / " + a.getScheme() + " as found");
				continue;
			}
			String at = t.title() + ", ";
			LogCheck.warnings(log, at + "Verified Learning Model ID or Model Conversion ID", t, t.find("Verified Learning Model ID or Model Conversion ID", 0),
					org.quantrace.report.RunWarnings.ofModel(e.trace(), model));
			ModelFacts f = e.facts(a, log.document(), log.found());
			FoundQuantization q = f == null ? null : of(f);
			if (q == null) {
				continue; // the trace check names a file that is gone or holds no quantized ops
			}
			long all = q.integerLayers + q.floatLayers;
			String layers = "layers: " + q.integerLayers + " of its " + all + " Conv/MatMul/Gemm/recurrent layer" + (all == 1 ? "" : "s") + " on integer codes, "
					+ q.floatLayers + " in float";
			List<String> precision = OptimizationLogCheck.lines(t, t.find("Quantization precision", 0));
			log.same(at + "Quantization precision, layers", precision.stream().filter(l -> l.startsWith("layers:")).findFirst().orElse("nothing"), Cells.key(layers));
			List<String> scales = OptimizationLogCheck.lines(t, t.find("Scale factor", 0));
			List<ModelFacts.Io> io = new ArrayList<>(f.inputs());
			io.addAll(f.outputs());
			for (ModelFacts.Io x : io) {
				if (x.scale() == null) {
					continue;
				}
				String role = f.inputs().contains(x) ? "input" : "output";
				java.util.regex.Matcher m = scales.stream().map(IO_LINE::matcher).filter(java.util.regex.Matcher::find)
						.filter(k -> k.group(1).equals(role) && k.group(2).equals(Cells.key(x.name()))).findFirst().orElse(null);
				String printed = m == null ? "nothing" : "scale " + m.group(4) + ", zero point " + m.group(5);
				boolean same = m != null && Float.parseFloat(m.group(4)) == x.scale() && Long.parseLong(m.group(5)) == x.zeroPoint();
				if (!same) {
					log.mismatch(at + "Scale factor, " + role + " '" + x.name() + "'", printed, "scale " + x.scale() + ", zero point " + x.zeroPoint() + " (the model file)");
				}
			}
		}
	}

	private static boolean writtenByThisVersion(org.quantrace.model.trace.TraceModel trace) {
		return trace.getEnvironment() != null && trace.getEnvironment().getTools().stream()
				.anyMatch(t -> "Quantrace".equals(t.getName()) && org.quantrace.engine.Versions.quantrace().equals(t.getVersion()));
	}

	/** The trace's statement of what {@code a} holds as found against the file's ({@code f}). */
	static void check(org.quantrace.model.trace.TraceModel trace, ModelArtifact a, ModelFacts f, List<Mismatch> found) {
		if (!recorded(a) || a.getQuantizedForm() == null && !writtenByThisVersion(trace)) {
			return; // a folder of a version before these records holds none (its documents are checked by their figures only, and said so)
		}
		FoundQuantization q = of(f);
		String at = "artifact " + a.getId() + " ";
		Figures.same(found, TraceCheck.DOCUMENT, at + "quantizedForm", a.getQuantizedForm(), q == null ? null : q.form);
		if (q != null || a.getQuantizedOps() != null) {
			Figures.same(found, TraceCheck.DOCUMENT, at + "quantizedOps", a.getQuantizedOps(), q == null ? null : q.ops);
			Figures.same(found, TraceCheck.DOCUMENT, at + "integerLayers, floatLayers", List.of(a.getIntegerLayers(), a.getFloatLayers()),
					q == null ? List.of(0L, 0L) : List.of(q.integerLayers, q.floatLayers));
		}
	}
}
