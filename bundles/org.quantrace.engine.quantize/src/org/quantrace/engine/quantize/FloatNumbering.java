package org.quantrace.engine.quantize;

import java.util.HashMap;
import java.util.Map;

import org.quantrace.engine.onnx.Graph;
import org.quantrace.engine.onnx.Node;
import org.quantrace.engine.onnx.NodeNames;
import org.quantrace.engine.onnx.OnnxModel;

/**
 * The layer numbering of the float model a scheme was quantized from, which every document uses (the debugger's "index
 * and op in the float model", the per-layer appendix, the quantize command): its nodes in order, Constant nodes not
 * counted, the main graph's first and then its If/Loop/Scan bodies', as {@link Graph#graphs()} visits them. The quantizer's
 * own graph is rewritten before it plans (a ConvTranspose as a sub-pixel Conv and its interleave, a pool as a Conv, a
 * Gather repeating channels, an inlined function's body), so its positions are not the float model's. A node the
 * rewrites added is named after the node it rewrote ({@code <node>/to_nhwc}, {@code <node>_sums}, {@code <node>_repeat},
 * {@code <call>/<inner>}): it takes that node's index and names it as its source.
 */
final class FloatNumbering {

	private final Map<String, Integer> index = new HashMap<>();

	FloatNumbering(OnnxModel floatModel) {
		int i = 0;
		for (Graph g : NodeNames.named(floatModel).graph().graphs()) {
			for (Node n : g.topologicalOrder()) {
				if (!"Constant".equals(n.opType())) {
					index.putIfAbsent(n.name(), i++);
				}
			}
		}
	}

	/** The float model's node a rewrite added {@code node} for (the longest name {@code node} extends by '/' or '_'); null for a node of the float model or one named after none. */
	String rewriteOf(String node) {
		if (index.containsKey(node)) {
			return null;
		}
		String source = null;
		for (String name : index.keySet()) {
			if (!name.isEmpty() && node.length() > name.length() && node.startsWith(name) && "/_".indexOf(node.charAt(name.length())) >= 0
					&& (source == null || name.length() > source.length())) {
				source = name;
			}
		}
		return source;
	}

	/**
	 * Per float layer, the stored values (weights and biases: not int64, bool or string, as a model's parameters are counted)
	 * its nodes in {@code rewritten} read beyond what it read in the float model, where that differs: a rewrite that stores more
	 * (a sub-pixel Conv's phases each hold the bias, depthwise padding's zero channels) or less. Read from a float graph (before
	 * the writer turns weights into codes, which keeps their count); nodes are credited to their source ({@link #rewriteOf}).
	 */
	java.util.Map<String, Long> addedParameters(OnnxModel floatModel, OnnxModel rewritten) {
		java.util.Map<String, Long> added = new java.util.LinkedHashMap<>();
		stored(rewritten).forEach((node, n) -> added.merge(rewriteOf(node) == null ? node : rewriteOf(node), n, Long::sum));
		stored(NodeNames.named(floatModel)).forEach((node, n) -> added.merge(node, -n, Long::sum));
		added.values().removeIf(n -> n == 0);
		return added;
	}

	/** Per node of the main graph, the stored float values it reads. */
	private static java.util.Map<String, Long> stored(OnnxModel model) {
		java.util.Map<String, Long> count = new java.util.LinkedHashMap<>();
		for (Node n : model.graph().nodes()) {
			for (String in : n.inputs()) {
				org.quantrace.engine.onnx.Tensor t = in.isEmpty() ? null : model.graph().initializer(in);
				if (t != null && t.dataType() != org.quantrace.engine.onnx.DataType.INT64 && t.dataType() != org.quantrace.engine.onnx.DataType.BOOL
						&& t.dataType() != org.quantrace.engine.onnx.DataType.STRING) {
					count.merge(n.name(), t.elementCount(), Long::sum);
				}
			}
		}
		return count;
	}

	/** {@code node}'s index in the float model, or its source's ({@link #rewriteOf}); -1 for a node named after no float node. */
	int of(String node) {
		String source = rewriteOf(node);
		return index.getOrDefault(source == null ? node : source, -1);
	}
}
