package org.quantrace.engine.quantize;

import java.util.List;
import java.util.Set;

import org.quantrace.engine.onnx.Graph;
import org.quantrace.engine.onnx.Node;

/**
 * A SiLU x·sigmoid(x) (or sigmoid(x)·x) as exporters write it, two nodes: the Sigmoid and the Mul that alone read a tensor x.
 * ONNX Runtime fuses the pair into com.microsoft.QuickGelu when x comes from a float op (no DequantizeLinear before it); the
 * op table keeps such pairs float after a float producer ({@link OpRules#groupNormSiluTail}, {@link OpRules#oneChannelStemBeforeSilu}).
 */
final class SiluReaders {

	private SiluReaders() {
	}

	/** The Sigmoid and the Mul of a SiLU that are x's only readers (neither output but the Mul's a graph output), or an empty list. */
	static List<Node> of(Graph g, String x) {
		List<Node> readers = g.consumers(x);
		Node sigmoid = readers.stream().filter(r -> r.isStandard() && r.opType().equals("Sigmoid")).findFirst().orElse(null);
		Node product = readers.stream().filter(r -> r.isStandard() && r.opType().equals("Mul")).findFirst().orElse(null);
		if (readers.size() != 2 || sigmoid == null || product == null || g.isOutput(x) || g.isOutput(sigmoid.output(0))
				|| !g.consumers(sigmoid.output(0)).equals(List.of(product))
				|| !Set.copyOf(product.inputs()).equals(Set.of(x, sigmoid.output(0))) || product.inputs().size() != 2) {
			return List.of();
		}
		return List.of(sigmoid, product);
	}

	/** The tensor x of the SiLU whose Sigmoid or Mul {@code n} is, or null. */
	static String inputOf(Node n) {
		if (!n.isStandard() || n.outputs().size() != 1 || n.inputs().isEmpty()) {
			return null;
		}
		Graph g = n.graph();
		List<String> candidates = n.opType().equals("Sigmoid") ? List.of(n.input(0)) : n.opType().equals("Mul") ? n.inputs() : List.of();
		return candidates.stream().filter(x -> !x.isEmpty() && of(g, x).contains(n)).findFirst().orElse(null);
	}
}
