package org.quantrace.engine.quantize;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;

import org.quantrace.engine.onnx.Graph;
import org.quantrace.engine.onnx.Node;

/**
 * What an exact pre-planning rewrite of an op into a depthwise Conv did ({@link PoolAsConv}, {@link ChannelScaleAsConv}):
 * per node name what its log line says, the Convs it wrote, and how to undo each rewrite once the plan is known ({@link
 * GroupedAsDense} too). Each
 * rewrite kind keeps only its rule of when a rewrite is undone ({@link #undoes}); putting the original back is the same
 * for all.
 */
abstract class ExactRewrites {

	/**
	 * One rewrite: the original node (the first written node took its place), the nodes that replaced it, the Convs among them
	 * (never widened: verify checks their weights as the rewrite's), the constants added, and the nodes the rewrite removed
	 * beside it with where they stood (an Add folded into the Conv's bias, a Relu a split took along).
	 */
	record Rewrite(Node original, List<Node> written, List<Node> convs, List<String> constants, List<Removed> removed) {

		/** A rewrite of {@code original} into {@code written}, one Conv among them, nothing else removed. */
		static Rewrite of(Node original, List<Node> written, Node conv, List<String> constants) {
			return new Rewrite(original, written, List.of(conv), constants, List.of());
		}
	}

	/** A node a rewrite removed beside its original, and its index in the graph's nodes then. */
	record Removed(Node node, int at) {
	}

	private final Map<String, String> notes = new LinkedHashMap<>();
	private final List<Rewrite> done = new ArrayList<>();

	/** Per node name (the node under the original's name, an added Conv), what was done, for its log line. */
	final Map<String, String> notes() {
		return notes;
	}

	/** Records a rewrite made. */
	final void done(Rewrite rewrite) {
		done.add(rewrite);
	}

	/** The Convs the rewrites wrote (not to be widened: verify checks their weights as the rewrite's). */
	final Set<String> convs() {
		Set<String> convs = new java.util.HashSet<>();
		done.forEach(r -> r.convs().forEach(c -> convs.add(c.name())));
		return convs;
	}

	/** This kind's rule: whether {@code r} is undone once the plan leaves the nodes {@code leftFloat} accepts (by name) float. */
	abstract boolean undoes(Graph graph, Rewrite r, Predicate<String> leftFloat);

	/**
	 * Puts back the original of each rewrite that {@link #undoes} says to undo (and the node it removed), drops its constants
	 * and forgets what its notes said; returns the names of the originals put back.
	 */
	final Set<String> undo(Graph graph, Predicate<String> leftFloat) {
		Set<String> undone = new LinkedHashSet<>();
		for (Rewrite r : List.copyOf(done)) {
			if (!undoes(graph, r, leftFloat)) {
				continue;
			}
			graph.nodes().set(graph.nodes().indexOf(r.written().get(0)), r.original());
			r.written().subList(1, r.written().size()).forEach(graph.nodes()::remove);
			r.removed().forEach(m -> graph.nodes().add(Math.min(m.at(), graph.nodes().size()), m.node()));
			r.constants().forEach(graph::removeInitializer);
			notes.remove(r.original().name());
			r.written().forEach(n -> notes.remove(n.name()));
			done.remove(r);
			undone.add(r.original().name());
		}
		if (!undone.isEmpty()) {
			new GraphEditor(graph).sort();
		}
		return undone;
	}
}
