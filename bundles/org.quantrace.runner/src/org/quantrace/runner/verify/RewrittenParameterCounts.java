package org.quantrace.runner.verify;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

import ai.onnx.proto.OnnxMl.NodeProto;

/**
 * A quantized model's parameters against its float model's, per float layer, counted from the two files: each stored
 * tensor {@link ModelFacts#parameters()} counts goes to the first layer that reads it (through the unnamed nodes that
 * dequantize codes, DequantizeLinear, Cast and Mul), a layer being a node of the float model or a node named after one
 * ({@link FloatIndices#source}). Where a layer's count differs, the quantizer rewrote it: report.html and results.json
 * must name it with that difference.
 */
final class RewrittenParameterCounts {

	private RewrittenParameterCounts() {
	}

	/** Per float layer whose count differs, the quantized model's count less the float model's. */
	static Map<String, Long> added(ModelFacts floatModel, ModelFacts quantized) {
		FloatIndices layers = new FloatIndices(floatModel);
		Map<String, Long> added = new LinkedHashMap<>();
		perLayer(quantized, layers).forEach((l, n) -> added.merge(l, n, Long::sum));
		perLayer(floatModel, layers).forEach((l, n) -> added.merge(l, -n, Long::sum));
		added.values().removeIf(n -> n == 0);
		return added;
	}

	private static Map<String, Long> perLayer(ModelFacts m, FloatIndices layers) {
		Map<String, Long> count = new LinkedHashMap<>();
		m.counted(false).forEach((tensor, n) -> count.merge(owner(m, tensor, layers), n, Long::sum));
		return count;
	}

	/** The first float layer reading {@code tensor}, breadth first through unnamed nodes; "" for none. */
	private static String owner(ModelFacts m, String tensor, FloatIndices layers) {
		Deque<String> values = new ArrayDeque<>(java.util.List.of(tensor));
		Set<String> seen = new HashSet<>();
		while (!values.isEmpty()) {
			for (NodeProto reader : m.consumers(values.poll())) {
				String layer = reader.getName().isEmpty() ? null : layers.source(reader.getName());
				if (layer != null) {
					return layer;
				}
				reader.getOutputList().stream().filter(seen::add).forEach(values::add);
			}
		}
		return "";
	}
}
