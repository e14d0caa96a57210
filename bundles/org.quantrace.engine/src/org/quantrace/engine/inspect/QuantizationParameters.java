package org.quantrace.engine.inspect;

import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import org.quantrace.engine.onnx.Constants;
import org.quantrace.engine.onnx.DataType;
import org.quantrace.engine.onnx.Graph;
import org.quantrace.engine.onnx.Node;
import org.quantrace.engine.onnx.Tensor;

/**
 * The stored tensors of a model that are quantization parameters (scales and zero points) rather than what the model
 * learnt: a quantized model holds its float model's weights and biases as integer codes plus these, so counting them
 * among its parameters made the int8 model's "parameters" differ from the float model's (105,866 against 106,241 for the
 * example's fiq_int8). A stored tensor is one when every node that reads it reads it as a scale or zero point: an input of
 * QuantizeLinear/DequantizeLinear other than the first, the scale and zero point inputs of the integer kernels
 * (MatMulInteger, ConvInteger, QLinear*, QGemm, DynamicQuantizeLSTM ...), or the operand of the Mul (scale) or Sub (zero
 * point) that dequantizes integer codes: a Cast of stored integers (weight-only), or the scale DynamicQuantizeLinear
 * computes (dynamic-range rescaling).
 */
public final class QuantizationParameters {

	private QuantizationParameters() {
	}

	/** The input positions that hold a scale or zero point, for a node with {@code inputs} inputs; empty: none. */
	static Set<Integer> slots(String opType, int inputs) {
		return switch (opType) {
		case "QuantizeLinear", "DequantizeLinear" -> Set.of(1, 2);
		case "MatMulInteger", "ConvInteger", "DynamicQuantizeMatMul" -> Set.of(2, 3);
		case "MatMulIntegerToFloat" -> Set.of(2, 3, 4, 5);
		case "QLinearConv", "QLinearMatMul", "QLinearAdd", "QLinearMul" -> Set.of(1, 2, 4, 5, 6, 7);
		case "QGemm" -> Set.of(1, 2, 4, 5, 7, 8);
		case "QLinearSigmoid", "QLinearLeakyRelu", "QLinearSoftmax", "QLinearGlobalAveragePool", "QLinearAveragePool" -> Set.of(1, 2, 3, 4);
		case "QLinearWhere" -> Set.of(2, 3, 5, 6, 7, 8);
		case "DynamicQuantizeLSTM" -> Set.of(8, 9, 10, 11);
		case "QLinearConcat" -> {
			Set<Integer> s = new HashSet<>(List.of(0, 1));
			for (int i = 2; i < inputs; i++) {
				if ((i - 2) % 3 != 0) {
					s.add(i);
				}
			}
			yield s;
		}
		default -> Set.of();
		};
	}

	/** The names of the stored tensors (initializers, Constant outputs) of {@code main} and its bodies that are scales or zero points. */
	public static Set<String> of(Graph main) {
		Map<String, Tensor> stored = new HashMap<>();
		Map<String, Node> producers = new HashMap<>();
		for (Graph g : main.graphs()) {
			g.initializers().forEach(t -> stored.putIfAbsent(t.name(), t));
			for (Node n : g.nodes()) {
				Optional<Tensor> c = Constants.valueOf(n);
				c.ifPresent(t -> stored.putIfAbsent(n.output(0), t));
				n.outputs().stream().filter(o -> !o.isEmpty()).forEach(o -> producers.putIfAbsent(o, n));
			}
		}
		Set<String> asParameter = new HashSet<>();
		Set<String> asData = new HashSet<>();
		for (Graph g : main.graphs()) {
			for (Node n : g.nodes()) {
				List<String> in = n.inputs();
				Set<Integer> slots = slots(n.opType(), in.size());
				boolean dequantizes = (n.opType().equals("Mul") || n.opType().equals("Sub"))
						&& in.stream().anyMatch(i -> dequantized(i, n.opType(), stored, producers));
				for (int i = 0; i < in.size(); i++) {
					String name = in.get(i);
					if (name.isEmpty() || !stored.containsKey(name)) {
						continue;
					}
					boolean parameter = slots.contains(i) || dequantizes && !dequantized(name, n.opType(), stored, producers);
					(parameter ? asParameter : asData).add(name);
				}
			}
		}
		asParameter.removeAll(asData);
		return asParameter;
	}

	/**
	 * Whether {@code tensor}, read by a Mul or Sub, is what a dequantization scales or shifts: a Cast of stored integer codes
	 * to a float type, or (Mul only) the scale DynamicQuantizeLinear computed.
	 */
	private static boolean dequantized(String tensor, String op, Map<String, Tensor> stored, Map<String, Node> producers) {
		Node p = producers.get(tensor);
		if (p == null) {
			return false;
		}
		if (p.opType().equals("Cast") && !p.inputs().isEmpty() && stored.containsKey(p.input(0))) {
			DataType from = stored.get(p.input(0)).dataType();
			long to = p.intAttribute("to", 0);
			return from.isInteger() && from != DataType.INT64 && (to == DataType.FLOAT.code() || to == DataType.FLOAT16.code()
					|| to == DataType.BFLOAT16.code() || to == DataType.DOUBLE.code());
		}
		return op.equals("Mul") && p.opType().equals("DynamicQuantizeLinear") && p.outputs().size() > 1 && tensor.equals(p.output(1));
	}
}
