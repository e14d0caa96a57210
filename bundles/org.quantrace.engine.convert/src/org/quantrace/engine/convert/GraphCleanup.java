package org.quantrace.engine.convert;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import org.quantrace.engine.onnx.Graph;
import org.quantrace.engine.onnx.Node;
import org.quantrace.engine.onnx.Tensor;

/** Removes what nothing needs any more: dead nodes, unused initializers, stale value infos. */
final class GraphCleanup {

	private GraphCleanup() {
	}

	/** Points every reader of {@code from} (subgraphs included) at {@code to}. */
	static void rewire(Graph g, String from, String to) {
		for (Node n : g.allNodes()) {
			for (int i = 0; i < n.inputs().size(); i++) {
				if (n.input(i).equals(from)) {
					n.setInput(i, to);
				}
			}
		}
	}

	/**
	 * Drops nodes none of whose outputs are read or exported (repeatedly, so chains go too) and the
	 * initializers and value infos left unreferenced. Returns the names of the removed nodes.
	 */
	static List<String> removeDead(Graph g) {
		List<String> removed = new ArrayList<>();
		Set<String> outputs = new HashSet<>();
		g.outputs().forEach(v -> outputs.add(v.getName()));
		boolean changed = true;
		while (changed) {
			Set<String> read = readTensors(g);
			changed = g.nodes().removeIf(n -> {
				boolean dead = n.outputs().stream().noneMatch(o -> !o.isEmpty() && (read.contains(o) || outputs.contains(o)));
				if (dead) {
					removed.add(n.name().isEmpty() ? n.opType() : n.name());
				}
				return dead;
			});
		}
		g.removeUnusedInitializers();
		Set<String> produced = new HashSet<>();
		g.nodes().forEach(n -> produced.addAll(n.outputs()));
		g.valueInfos().removeIf(v -> !produced.contains(v.getName()));
		return removed;
	}

	/** {@link #removeDead} in every graph, innermost first (a subgraph's dead nodes may be the last readers of outer tensors). */
	static List<String> removeDeadEverywhere(Graph main) {
		List<String> removed = new ArrayList<>();
		List<Graph> graphs = new ArrayList<>(main.graphs());
		java.util.Collections.reverse(graphs);
		graphs.forEach(g -> removed.addAll(removeDead(g)));
		return removed;
	}

	private static Set<String> readTensors(Graph g) {
		Set<String> read = new HashSet<>();
		g.allNodes().forEach(n -> read.addAll(n.inputs()));
		return read;
	}
}
