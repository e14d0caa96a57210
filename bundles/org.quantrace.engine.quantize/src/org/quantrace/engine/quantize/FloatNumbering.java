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

	/** The float model's node a rewrite added {@code node} for (the longest name {@code node} extends by '/', '_' or '#' (a split's piece, ChannelScaleAsConv)); null for a node of the float model or one named after none. */
	String rewriteOf(String node) {
		if (index.containsKey(node)) {
			return null;
		}
		String source = null;
		for (String name : index.keySet()) {
			if (!name.isEmpty() && node.length() > name.length() && node.startsWith(name) && "/_#".indexOf(node.charAt(name.length())) >= 0
					&& (source == null || name.length() > source.length())) {
				source = name;
			}
		}
		return source;
	}

	/** The float layer {@code node} belongs to: itself where the float model holds it, else its source ({@link #rewriteOf}); null for none. */
	String layer(String node) {
		return index.containsKey(node) ? node : rewriteOf(node);
	}

	/** {@code node}'s index in the float model, or its source's ({@link #rewriteOf}); -1 for a node named after no float node. */
	int of(String node) {
		String layer = layer(node);
		return layer == null ? -1 : index.get(layer);
	}
}
