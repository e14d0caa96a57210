package org.quantrace.runner.verify;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

import ai.onnx.proto.OnnxMl.NodeProto;

/**
 * The layer a BatchNormalization was "folded into" (PhIMT0002 Appendix A), held against the two models: it is a node of the
 * converted model (or one a later rewrite removed in its turn, such as a Conv cut into channel pieces), and in the verified model the BatchNormalization's neighbour: the node that wrote its input (across a
 * Flatten, Reshape or Transpose, which a fold crosses) or one that read its output (after an Add, which a shift is moved
 * through), counting nodes the conversion removed as absent. A reason naming another layer (the other Conv of the model) said
 * before only that the node was a BatchNormalization.
 */
final class FoldedLayers {

	/** The ops a fold reaches the layer across, looking up from the BatchNormalization's input. */
	private static final Set<String> CROSSED_UP = Set.of("Flatten", "Reshape", "Transpose");

	/** Nodes passed on either side: the crossed op and a node or two the conversion removed between. */
	private static final int REACH = 4;

	private FoldedLayers() {
	}

	/** What the files say against "folded into {@code layer}" of {@code bn}, or null when they agree. */
	static String refuted(String layer, NodeProto bn, ModelFacts original, ModelFacts converted, Set<String> removed) {
		int arrow = layer.indexOf(" -> ");
		if (converted.node(layer) == null && arrow > 0) { // a nameless layer's label, "Conv -> tensor": its op writing that tensor
			NodeProto writer = converted.producer(layer.substring(arrow + 4));
			return writer != null && writer.getOpType().equals(layer.substring(0, arrow)) ? null
					: "no " + layer.substring(0, arrow) + " writes " + layer.substring(arrow + 4) + " in the converted model";
		}
		if (converted.node(layer) == null && removed.contains(layer) && original.node(layer) != null) {
			// a layer a later rewrite took on (a Conv cut into channel pieces, merged with a parallel one): its own row says what
			// became of it; here only that it was the BatchNormalization's neighbour, every node of the verified model counted
			Set<String> next = new TreeSet<>();
			walk(bn, original, Set.of(), true, next);
			walk(bn, original, Set.of(), false, next);
			return next.contains(layer) ? null : "the nodes next to it in the verified model: " + String.join(", ", next);
		}
		if (converted.node(layer) == null) {
			return "no node " + layer + " in the converted model";
		}
		if (original.node(layer) == null) {
			return null; // a layer a rewrite made (a MatMul made a Conv): its place in the verified model is its rewrite's
		}
		Set<String> next = new TreeSet<>();
		walk(bn, original, removed, true, next);
		walk(bn, original, removed, false, next);
		return next.contains(layer) ? null
				: next.isEmpty() ? "no node next to it in the verified model" : "the nodes next to it in the verified model: " + String.join(", ", next);
	}

	/** The nearest kept nodes up (writers of inputs) or down (readers of outputs) of {@code bn}, past removed and crossed nodes. */
	private static void walk(NodeProto bn, ModelFacts m, Set<String> removed, boolean up, Set<String> found) {
		Deque<NodeProto> at = new ArrayDeque<>(List.of(bn));
		for (int step = 0; step < REACH && !at.isEmpty(); step++) {
			Deque<NodeProto> further = new ArrayDeque<>();
			for (NodeProto n : at) {
				List<NodeProto> near = up ? (n == bn ? List.of(n.getInput(0)) : n.getInputList()).stream().map(m::producer).filter(p -> p != null).toList()
						: n.getOutputList().stream().flatMap(o -> m.consumers(o).stream()).toList();
				for (NodeProto p : near) {
					boolean crossed = removed.contains(p.getName()) || (up ? CROSSED_UP.contains(p.getOpType()) : p.getOpType().equals("Add"));
					if (!removed.contains(p.getName())) {
						found.add(p.getName());
					}
					if (crossed) {
						further.add(p);
					}
				}
			}
			at = further;
		}
	}
}
