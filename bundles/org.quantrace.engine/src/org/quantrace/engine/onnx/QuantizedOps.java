package org.quantrace.engine.onnx;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

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

	private QuantizedOps() {
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
		if (counts.keySet().stream().anyMatch(DYNAMIC::contains)) {
			return "dynamic-range form: activations quantized at run time by DynamicQuantizeLinear, integer kernels in the file";
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
