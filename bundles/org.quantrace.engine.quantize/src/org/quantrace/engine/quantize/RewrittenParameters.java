package org.quantrace.engine.quantize;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.quantrace.engine.inspect.ModelInspector;
import org.quantrace.engine.onnx.Graph;
import org.quantrace.engine.onnx.Node;
import org.quantrace.engine.onnx.NodeNames;
import org.quantrace.engine.onnx.OnnxModel;

/**
 * Where a quantized model holds another parameter count than its float model, which float layers hold the difference. One
 * rule for every rewrite (a sub-pixel Conv's phases each holding the bias, a Mul+Add written as one depthwise Conv, a
 * Concat split, a bias two Convs shared given to each, a lowered HardSwish's constants, depthwise padding, ...), applied to
 * the model as written, so that nothing written after the count is missed: each tensor the parameter count counts
 * ({@link ModelInspector#parameterTensors}) belongs to the first node reading it, in the file's order, breadth first through
 * the nodes of no layer (a dequantizing node); a node belongs to the float layer it is named as or named after
 * ({@link FloatNumbering#layer}; an unnamed node of the quantized model to none, the float model's nodes named as
 * {@link NodeNames} names them). A layer's figure is what it holds in the quantized model less what it held in the float
 * model; the figures sum to the difference of the two counts (a tensor no layer reads is counted under ""). verify counts
 * the same from the two files by its own code (RewrittenParameterCounts).
 */
final class RewrittenParameters {

	private RewrittenParameters() {
	}

	/** Per float layer whose count differs, the written model's count less the float model's, in the written model's order. */
	static Map<String, Long> added(OnnxModel floatModel, OnnxModel written, FloatNumbering layers) {
		Map<String, Long> added = new LinkedHashMap<>();
		perLayer(written, layers).forEach((l, n) -> added.merge(l, n, Long::sum));
		perLayer(NodeNames.named(floatModel), layers).forEach((l, n) -> added.merge(l, -n, Long::sum));
		added.values().removeIf(n -> n == 0);
		return added;
	}

	private static Map<String, Long> perLayer(OnnxModel model, FloatNumbering layers) {
		Map<String, List<Node>> readers = new HashMap<>();
		for (Graph g : model.graph().graphs()) {
			for (Node n : g.nodes()) {
				n.inputs().stream().filter(i -> !i.isEmpty()).forEach(i -> readers.computeIfAbsent(i, k -> new ArrayList<>()).add(n));
			}
		}
		Map<String, Long> count = new LinkedHashMap<>();
		ModelInspector.parameterTensors(model).forEach((tensor, n) -> count.merge(owner(tensor, readers, layers), n, Long::sum));
		return count;
	}

	/** The first float layer reading {@code tensor}, breadth first through nodes of no layer; "" for none. */
	private static String owner(String tensor, Map<String, List<Node>> readers, FloatNumbering layers) {
		Deque<String> values = new ArrayDeque<>(List.of(tensor));
		Set<String> seen = new HashSet<>(values);
		while (!values.isEmpty()) {
			for (Node reader : readers.getOrDefault(values.poll(), List.of())) {
				String layer = reader.name().isEmpty() ? null : layers.layer(reader.name());
				if (layer != null) {
					return layer;
				}
				reader.outputs().stream().filter(o -> !o.isEmpty() && seen.add(o)).forEach(values::add);
			}
		}
		return "";
	}
}
