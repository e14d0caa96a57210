package org.quantrace.engine.onnx;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Stream;

import org.quantrace.engine.InvalidInputException;

/**
 * The ops that make a model quantized already, in one place: QuantizeLinear/DequantizeLinear pairs (a QDQ model: Quantrace's
 * own full-integer output, a quantization-aware-trained export), ONNX Runtime's integer kernels written into the file (the
 * QOperator form of its quantize_static: QLinearConv, QLinearMatMul, QLinearAdd, QGemm ...) and its dynamic-range form
 * (quantize_dynamic: DynamicQuantizeLinear, ConvInteger, MatMulInteger). Quantize refuses such a model, the debugger refuses
 * it as the float model, and a recipe that evaluates it as it is ({@code unquantized}) says whose codes it runs on
 * (make_unseen17's qop, make_unseen18's dynq).
 */
public final class QuantizedOps {

	/** ONNX's and ONNX Runtime's (com.microsoft) quantized ops but the QLinear* family, which {@link #isQuantized} takes by prefix. */
	private static final Set<String> OPS = Set.of("QuantizeLinear", "DequantizeLinear", "DynamicQuantizeLinear", "ConvInteger", "MatMulInteger",
			"QGemm", "DynamicQuantizeMatMul", "DynamicQuantizeLSTM", "MatMulIntegerToFloat", "QAttention", "QEmbedLayerNormalization");

	/** The ops that quantize activations at run time, from the ranges each batch has. */
	private static final Set<String> DYNAMIC = Set.of("DynamicQuantizeLinear", "DynamicQuantizeMatMul", "DynamicQuantizeLSTM");

	/** The layers that multiply by weights, as ONNX writes them in float (what "its layers" counts). */
	private static final Set<String> FLOAT_LAYERS = Set.of("Conv", "ConvTranspose", "MatMul", "Gemm", "LSTM", "GRU", "RNN");

	/** ONNX's and ONNX Runtime's integer kernels of those layers. */
	private static final Set<String> INTEGER_LAYERS = Set.of("QLinearConv", "QLinearMatMul", "QGemm", "ConvInteger", "MatMulInteger",
			"DynamicQuantizeMatMul", "DynamicQuantizeLSTM", "MatMulIntegerToFloat", "QAttention");

	private QuantizedOps() {
	}

	/**
	 * A quantized model's weighted layers by how they compute, each by op type: in integer kernels, in float on weights stored as
	 * integer codes (weight-only: a Cast and a Mul before the layer, as quantize_dynamic writes a Gemm), and in float on float
	 * weights. A model quantized in part (branch hostile7's mixed_qop: a QLinearConv, then a float Conv and Gemm) is told so.
	 */
	public record Layers(Map<String, Long> integer, Map<String, Long> weightOnly, Map<String, Long> floating) {

		public long inFloat() {
			return Stream.concat(weightOnly.values().stream(), floating.values().stream()).mapToLong(Long::longValue).sum();
		}

		public long all() {
			return inFloat() + integer.values().stream().mapToLong(Long::longValue).sum();
		}

		/**
		 * Where they compute, for a model quantized in part: "1 of its 3 Conv/MatMul/Gemm/recurrent layers in integer kernels
		 * (1 QLinearConv) and 2 in float (1 Conv, 1 Gemm)", a weight-only layer counted as float (it computes in float).
		 */
		public String inWords() {
			Map<String, Long> inFloat = new TreeMap<>(floating);
			weightOnly.forEach((op, n) -> inFloat.merge(op, n, Long::sum));
			long inInteger = all() - inFloat();
			return inInteger + " of its " + all() + " Conv/MatMul/Gemm/recurrent layers in integer kernels" + (inInteger == 0 ? "" : " (" + listed(integer) + ")")
					+ " and " + inFloat() + " in float (" + listed(inFloat) + (weightOnly.isEmpty() ? "" : "; weight-only codes counted as float") + ")";
		}
	}

	public static Layers layers(OnnxModel model) {
		Map<String, Long> integer = new TreeMap<>();
		Map<String, Long> weightOnly = new TreeMap<>();
		Map<String, Long> floating = new TreeMap<>();
		for (Node n : model.graph().allNodes()) {
			Map<String, Long> kind = INTEGER_LAYERS.contains(n.opType()) || betweenDequantizations(n) ? integer
					: !FLOAT_LAYERS.contains(n.opType()) ? null : n.inputs().stream().anyMatch(i -> readsStoredCodes(n.graph(), i)) ? weightOnly : floating;
			if (kind != null) {
				kind.merge(n.opType() + (betweenDequantizations(n) ? " (QDQ)" : ""), 1L, Long::sum);
			}
		}
		return new Layers(integer, weightOnly, floating);
	}

	/**
	 * Whether a float layer is one ONNX Runtime runs as an integer kernel in QDQ form: its data and weights read from
	 * DequantizeLinear outputs, and a Conv's result requantized by a QuantizeLinear to its input codes' type (QLinearConv; a Conv
	 * on int8 codes writing uint8 has no kernel and computes in float, as Quantrace's own fiq_int8 stem does), a MatMul or Gemm
	 * also into float (MatMulIntegerToFloat, QGemm). A QDQ model that arrived quantized had every layer counted as float.
	 */
	private static boolean betweenDequantizations(Node n) {
		if (!QDQ_KERNELS.contains(n.opType()) || n.inputs().size() < 2) {
			return false;
		}
		List<Node> dq = n.inputs().subList(0, 2).stream().map(i -> n.graph().producer(i).filter(p -> p.opType().equals("DequantizeLinear")).orElse(null)).toList();
		if (dq.contains(null) || !dq.stream().allMatch(d -> integerKernelCodes(zeroPointType(d)))) {
			return false;
		}
		if (!n.opType().startsWith("Conv")) {
			return true;
		}
		DataType codes = zeroPointType(dq.get(0));
		List<Node> readers = n.graph().consumers(n.output(0));
		return !readers.isEmpty() && readers.stream().allMatch(r -> r.opType().equals("QuantizeLinear") && zeroPointType(r) == codes);
	}

	/**
	 * Whether ONNX Runtime has integer kernels for codes of {@code type}: integers of 8 bits or more. Float8 codes (ModelOpt's FP8
	 * export, make_unseen34's fp8qdq) are no integer, and ONNX Runtime's CPU has no float8 kernel: the layer computes in float on the
	 * dequantized values; 4-bit codes are weight-only (MatMulNBits dequantizes them to float).
	 */
	public static boolean integerKernelCodes(DataType type) {
		return type.isInteger() && type != DataType.UINT4 && type != DataType.INT4;
	}

	/** The layers ONNX Runtime fuses with their QuantizeLinear/DequantizeLinear into integer kernels. */
	private static final Set<String> QDQ_KERNELS = Set.of("Conv", "ConvTranspose", "MatMul", "Gemm");

	/** The codes' type of a QuantizeLinear or DequantizeLinear: its zero point's, uint8 without one (ONNX's default). */
	private static DataType zeroPointType(Node q) {
		Tensor z = q.inputs().size() > 2 && !q.input(2).isEmpty() ? q.graph().constant(q.input(2)) : null;
		return z == null ? DataType.UINT8 : z.dataType();
	}

	/**
	 * The integer forms {@code model} holds, in words: its quantized ops ({@link #counts}) and its weight-only layers
	 * ("1 Gemm on stored integer weight codes (Cast, Mul)"), which no quantized op shows; null when it holds neither.
	 */
	public static String held(OnnxModel model) {
		List<String> parts = new java.util.ArrayList<>();
		String ops = listed(counts(model));
		if (ops != null) {
			parts.add(ops);
		}
		layers(model).weightOnly().forEach((op, n) -> parts.add(n + " " + op + " on stored integer weight codes (Cast, Mul: weight-only)"));
		return parts.isEmpty() ? null : String.join(", ", parts);
	}

	/** Whether a QuantizeLinear or DequantizeLinear reads a stored tensor: a weight quantized (int8 codes stored, or a QAT export's float weight). */
	public static boolean quantizesWeights(OnnxModel model) {
		return model.graph().allNodes().stream().anyMatch(n -> (n.opType().equals("DequantizeLinear") || n.opType().equals("QuantizeLinear"))
				&& n.graph().constant(n.input(0)) != null);
	}

	/**
	 * The stored integer tensor a Cast to a float type turns into float, for a Mul or Sub to scale (weight-only storage), or null
	 * for any other node.
	 */
	public static Tensor storedCodes(Node cast) {
		Tensor stored = cast.opType().equals("Cast") ? cast.graph().constant(cast.input(0)) : null;
		return stored != null && stored.dataType().isInteger() && toFloat(cast.intAttribute("to", 0))
				&& cast.graph().consumers(cast.output(0)).stream().anyMatch(c -> c.opType().equals("Mul") || c.opType().equals("Sub")) ? stored : null;
	}

	/** Whether {@code value} is made by a Mul or Sub of stored integer codes a Cast turned into float. */
	private static boolean readsStoredCodes(Graph g, String value) {
		return g.producer(value).filter(p -> p.opType().equals("Mul") || p.opType().equals("Sub"))
				.map(p -> p.inputs().stream().anyMatch(i -> g.producer(i).map(c -> storedCodes(c) != null).orElse(false))).orElse(false);
	}

	/** Whether a Cast's {@code to} is a floating-point type (an unknown code is not: the model may be malformed). */
	private static boolean toFloat(long code) {
		return code == DataType.FLOAT.code() || code == DataType.FLOAT16.code() || code == DataType.BFLOAT16.code() || code == DataType.DOUBLE.code();
	}

	public static boolean isQuantized(Node n) {
		return OPS.contains(n.opType()) || n.opType().startsWith("QLinear");
	}

	/** How many of each quantized op {@code model} holds (subgraphs included), by op type in alphabetical order; empty for a float model. */
	public static Map<String, Long> counts(OnnxModel model) {
		Map<String, Long> found = new TreeMap<>();
		model.graph().allNodes().stream().filter(QuantizedOps::isQuantized).forEach(n -> found.merge(n.opType(), 1L, Long::sum));
		return found;
	}

	/** {@code counts} in words ("1 DequantizeLinear, 3 QLinearConv"), or null when there are none. */
	public static String listed(Map<String, Long> counts) {
		return counts.isEmpty() ? null : String.join(", ", counts.entrySet().stream().map(e -> e.getValue() + " " + e.getKey()).toList());
	}

	/**
	 * The form a quantized model was written in, in words: ONNX Runtime's QOperator or dynamic-range form (integer kernels in the
	 * file: quantize_static(QuantFormat.QOperator), quantize_dynamic, or another converter), else QDQ; null for none.
	 */
	public static String form(Map<String, Long> counts) {
		if (counts.isEmpty()) {
			return null;
		}
		List<String> dynamic = counts.keySet().stream().filter(DYNAMIC::contains).toList();
		if (!dynamic.isEmpty()) {
			// the ops it holds: a DynamicQuantizeLSTM quantizes inside its kernel, no DynamicQuantizeLinear in the file (hostile7's lstm_dynq)
			return "dynamic-range form: activations quantized at run time by " + String.join(" and ", dynamic) + ", integer kernels in the file";
		}
		List<String> kernels = counts.keySet().stream().filter(op -> !op.equals("QuantizeLinear") && !op.equals("DequantizeLinear")).toList();
		return kernels.isEmpty() ? "QDQ form" : "QOperator form: integer kernels in the file, on the codes and scales stored with them";
	}

	/**
	 * Refuses a quantized model for a step that reads and writes float weights ({@code step}: "pruning", "factorization";
	 * {@code block}: its command and recipe block). Its integer layers hold codes, or read their weights through a
	 * DequantizeLinear, so the step found no weight it takes and wrote the model unchanged with exit 0 ("Parameters 0 -> 0"; a
	 * QOperator model, branch hostile7), as it did a half-precision one ({@link FloatWidening#requireFloat32Weights}).
	 *
	 * @throws InvalidInputException naming the quantized ops and the form, with the float model as the hint
	 */
	public static void requireFloat(OnnxModel model, String name, String step, String block) {
		Map<String, Long> found = counts(model);
		if (found.isEmpty()) {
			return;
		}
		String form = form(found);
		throw new InvalidInputException(name + " is quantized already (" + listed(found) + ", in " + (form.equals("QDQ form") ? form : "ONNX Runtime's " + form)
				+ "): " + step + " reads and writes float weights, and would leave its quantized layers as they are",
				"give " + block + " the float model it was made from, and quantize what it writes (in a recipe: the float model, with its " + block
						+ " block before the schemes)");
	}
}
