package org.quantrace.runner.verify;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.quantrace.engine.onnx.NodeNames;

import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.NodeProto;

/**
 * The per-layer appendix's index column re-derived from the float model's file: its nodes in the order the file stores
 * them (an ONNX graph is stored in topological order), Constant nodes not counted, the main graph's first and then its
 * bodies', each body after the main graph as the node holding it comes; unnamed nodes named as the quantizer names them.
 * A row whose node the file does not hold is a rewrite's: it must name the node it extends by '/', '_' or '#' (the longest
 * such name of the file) by that node's index and "(rewrite)". The rule is the quantizer's (FloatNumbering) written again
 * on purpose: verify re-derives what the log prints by code that did not write it.
 */
final class FloatIndices {

	private final Map<String, Integer> index = new HashMap<>();

	FloatIndices(ModelFacts floatModel) {
		List<GraphProto> graphs = new java.util.ArrayList<>();
		ModelFacts.graphs(NodeNames.filled(floatModel.proto).getGraph(), graphs);
		int i = 0;
		for (GraphProto g : graphs) {
			for (NodeProto n : g.getNodeList()) {
				if (!n.getOpType().equals("Constant")) {
					index.putIfAbsent(n.getName(), i++);
				}
			}
		}
	}

	/** What the index cell of {@code node}'s row must print: "N", "N (rewrite)", or why there is no index. */
	String cell(String node) {
		String source = source(node);
		return source == null ? "no node of the float model is named so or named in its name"
				: index.get(source) + (source.equals(node) ? "" : " " + org.quantrace.report.AifsmLogs.REWRITE);
	}

	/** The float model's node {@code node} is, or the one a rewrite named it after (the longest name it extends by '/', '_' or '#', a split's piece in ChannelScaleAsConv); null for none. */
	String source(String node) {
		if (index.containsKey(node)) {
			return node;
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

}
