package org.quantrace.engine.convert;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import org.quantrace.engine.onnx.Graph;
import org.quantrace.engine.onnx.Node;

/**
 * The nodes a conversion removed, in order, each with the pass that removed it. The names are kept as the passes report
 * them (a name again when a rewrite reused it: the passes' fixed points count them); the first reason given a name is the
 * original node's, as a later one is a written node's that reused the name.
 */
final class Removals {

	private final List<String> names = new ArrayList<>();
	private final Map<String, Removal> reasons = new LinkedHashMap<>();

	void add(String node, Removal.Reason reason) {
		add(node, new Removal(reason));
	}

	void add(String node, Removal removal) {
		names.add(node);
		reasons.putIfAbsent(node, removal);
	}

	void addAll(Collection<String> nodes, Removal.Reason reason) {
		nodes.forEach(n -> add(n, reason));
	}

	int size() {
		return names.size();
	}

	/** Takes out the nodes a conversion step wrote, which are no nodes of the original. */
	void removeAll(Set<String> written) {
		names.removeIf(written::contains);
		reasons.keySet().removeIf(written::contains);
	}

	/**
	 * Drops the in-place folds ("/n1/Reshape (target)": an input of a node that stayed, folded to a constant) of nodes a later
	 * pass removed whole ({@link ReshapeChains}): the node's own entry says it went, and verify reads such a row only for a node
	 * the converted model still holds.
	 */
	void dropInPlaceOfRemoved(Graph source, Graph converted) {
		Set<String> original = source.allNodes().stream().map(Node::name).collect(Collectors.toSet());
		Set<String> left = converted.allNodes().stream().map(Node::name).collect(Collectors.toSet());
		java.util.function.Predicate<String> stale = n -> {
			int open = n.lastIndexOf(" (");
			if (original.contains(n) || open < 0 || !n.endsWith(")")) {
				return false;
			}
			String node = n.substring(0, open);
			return original.contains(node) && !left.contains(node) && names.contains(node);
		};
		names.removeIf(stale);
		reasons.keySet().removeIf(stale);
	}

	List<String> names() {
		return names;
	}

	/**
	 * Each removed node's reason, made exact against the original {@code source} and the {@code converted} graph: a node
	 * the clean-up took, or a constant folded whose value the converted model holds nowhere, went because nothing read it
	 * any more; the nodes that read it in the original are named (none: the original read it nowhere either). A constant
	 * only folded constants read stays folded: its value went into theirs.
	 */
	Map<String, Removal> reasons(Graph source, Graph converted) {
		Set<String> read = converted.allNodes().stream().flatMap(n -> n.inputs().stream()).collect(Collectors.toSet());
		converted.outputs().forEach(v -> read.add(v.getName()));
		Map<String, Node> originals = source.allNodes().stream().collect(Collectors.toMap(Node::name, n -> n, (a, b) -> a));
		Map<String, List<String>> readersOf = new java.util.HashMap<>(); // tensor -> the original's nodes reading it, built once
		Map<String, Integer> order = new java.util.HashMap<>();
		for (Node n : source.allNodes()) {
			order.putIfAbsent(n.name(), order.size());
			n.inputs().stream().distinct().forEach(t -> readersOf.computeIfAbsent(t, k -> new ArrayList<>()).add(n.name()));
		}
		Map<String, Removal> exact = new LinkedHashMap<>();
		for (Map.Entry<String, Removal> e : reasons.entrySet()) {
			Removal r = e.getValue();
			Node node = originals.get(e.getKey());
			if (node != null && (r.reason() == Removal.Reason.UNREAD || r.reason() == Removal.Reason.CONSTANT_FOLDED)
					&& node.outputs().stream().noneMatch(read::contains)) {
				List<String> readers = node.outputs().stream().flatMap(t -> readersOf.getOrDefault(t, List.of()).stream()).distinct()
						.sorted(java.util.Comparator.comparingInt(order::get)).toList(); // in the original's node order
				boolean folded = r.reason() == Removal.Reason.CONSTANT_FOLDED && !readers.isEmpty() && readers.stream()
						.allMatch(x -> reasons.containsKey(x) && reasons.get(x).reason() == Removal.Reason.CONSTANT_FOLDED);
				r = folded ? r : new Removal(Removal.Reason.UNREAD, String.join(", ", readers));
			}
			exact.put(e.getKey(), r);
		}
		return exact;
	}
}
