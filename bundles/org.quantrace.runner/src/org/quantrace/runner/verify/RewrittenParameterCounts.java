package org.quantrace.runner.verify;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.quantrace.engine.onnx.NodeNames;

import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;

/**
 * A quantized model's parameters against its float model's, per float layer, counted from the two files by the rule README's
 * inspect row states: each stored tensor {@link ModelFacts#parameters()} counts goes to the first node reading it in the
 * file's order, breadth first through nodes of no layer (the unnamed nodes that dequantize codes); a node is a layer's
 * when it is a node of the float model or named after one ({@link FloatIndices#source}), the float file's unnamed nodes
 * named as the quantizer names them. Where a layer's count differs, report.html, results.json and the trace must name it
 * with that difference. The quantizer's own count (engine.quantize.RewrittenParameters) is the same rule written apart.
 */
final class RewrittenParameterCounts {

	private RewrittenParameterCounts() {
	}

	/** Per float layer whose count differs, the quantized model's count less the float model's ("" for values no layer reads). */
	static Map<String, Long> added(ModelFacts floatModel, ModelFacts quantized) {
		FloatIndices layers = new FloatIndices(floatModel);
		Map<String, Long> added = new LinkedHashMap<>();
		perLayer(quantized, quantized.proto, layers).forEach((l, n) -> added.merge(l, n, Long::sum));
		perLayer(floatModel, NodeNames.filled(floatModel.proto), layers).forEach((l, n) -> added.merge(l, -n, Long::sum));
		added.values().removeIf(n -> n == 0);
		return added;
	}

	/**
	 * What the documents must name for the model {@code out} a quantized scheme wrote, per float layer as they print it (values no
	 * layer reads as {@link org.quantrace.report.RewrittenParameters#NO_LAYER}), counted from the two files; null where the
	 * trace counted nothing for it (a trace written before the count, a scheme that does not quantize) or a file is not at hand.
	 */
	static Map<String, Long> expected(Evidence e, org.quantrace.model.trace.ModelArtifact out, String document, List<Mismatch> found) {
		org.quantrace.model.trace.OptimizationRecord o = e.trace().getOptimizations().stream()
				.filter(x -> x.getOutput() == out && x.getQuantization() != null && x.getQuantization().isRewrittenParametersCounted()).findFirst().orElse(null);
		ModelFacts in = o == null ? null : e.facts(o.getInput(), document, found);
		ModelFacts quantized = in == null ? null : e.facts(out, document, found);
		if (quantized == null) {
			return null;
		}
		Map<String, Long> printed = new LinkedHashMap<>();
		added(in, quantized).forEach((l, n) -> printed.put(l.isEmpty() ? org.quantrace.report.RewrittenParameters.NO_LAYER : l, n));
		return printed;
	}

	private static Map<String, Long> perLayer(ModelFacts m, ModelProto named, FloatIndices layers) {
		List<GraphProto> graphs = new ArrayList<>();
		ModelFacts.graphs(named.getGraph(), graphs);
		Map<String, List<NodeProto>> readers = new HashMap<>();
		for (GraphProto g : graphs) {
			for (NodeProto n : g.getNodeList()) {
				n.getInputList().stream().filter(i -> !i.isEmpty()).forEach(i -> readers.computeIfAbsent(i, k -> new ArrayList<>()).add(n));
			}
		}
		Map<String, Long> count = new LinkedHashMap<>();
		m.counted(false).forEach((tensor, n) -> count.merge(owner(tensor, readers, layers), n, Long::sum));
		return count;
	}

	/** The first float layer reading {@code tensor}, breadth first through nodes of no layer; "" for none. */
	private static String owner(String tensor, Map<String, List<NodeProto>> readers, FloatIndices layers) {
		Deque<String> values = new ArrayDeque<>(List.of(tensor));
		Set<String> seen = new HashSet<>(values);
		while (!values.isEmpty()) {
			for (NodeProto reader : readers.getOrDefault(values.poll(), List.of())) {
				String layer = reader.getName().isEmpty() ? null : layers.source(reader.getName());
				if (layer != null) {
					return layer;
				}
				reader.getOutputList().stream().filter(o -> !o.isEmpty() && seen.add(o)).forEach(values::add);
			}
		}
		return "";
	}
}
