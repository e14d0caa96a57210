package org.quantrace.engine.convert;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.quantrace.engine.onnx.Graph;
import org.quantrace.engine.onnx.Node;
import org.quantrace.engine.onnx.Tensor;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.NodeProto;

/**
 * Replaces an If whose condition is a constant (an exporter's check on a static shape, a scripted {@code if
 * self.training}) by the branch it always takes: the branch's nodes and initializers move into the enclosing graph,
 * its outputs take the If's output names. What remains is an ordinary graph that every later pass (BatchNormalization
 * folding, fusions) and the quantizer see whole.
 */
final class IfInlining {

	private IfInlining() {
	}

	/** Inlines every If with a constant condition, in every graph; returns the Ifs replaced. */
	static List<String> inline(Graph main, List<Rewrite> rewrites) {
		List<String> done = new ArrayList<>();
		boolean changed = true;
		while (changed) { // an inlined branch may hold further Ifs
			changed = false;
			for (Graph g : main.graphs()) {
				for (Node n : List.copyOf(g.nodes())) {
					if (n.opType().equals("If") && n.domain().isEmpty()) {
						Tensor cond = g.constant(n.input(0));
						if (cond != null && cond.elementCount() == 1) {
							boolean taken = cond.toFloatArray()[0] != 0;
							Graph branch = n.subgraphs().get(taken ? "then_branch" : "else_branch");
							int moved = inline(g, n, branch);
							rewrites.add(new Rewrite(Rewrite.CONTROL_FLOW, "If '" + ConstantFolder.label(n) + "' in the " + ConstantFolder.scope(g)
									+ ": its condition is constant (" + taken + "), so its " + (taken ? "then" : "else") + " branch (" + moved
									+ " node" + (moved == 1 ? "" : "s") + ") replaces it"));
							done.add(ConstantFolder.label(n));
							changed = true;
							break;
						}
					}
				}
				if (changed) {
					break;
				}
			}
		}
		return done;
	}

	private static int inline(Graph g, Node ifNode, Graph branch) {
		// names the branch declares that the rest of the enclosing scope already uses are renamed
		Set<String> taken = new HashSet<>(g.initializers().stream().map(Tensor::name).toList());
		g.inputs().forEach(v -> taken.add(v.getName()));
		g.outputs().forEach(v -> taken.add(v.getName()));
		for (Node other : g.nodes()) {
			if (other != ifNode) {
				taken.addAll(other.inputs());
				taken.addAll(other.outputs());
				other.subgraphs().values().forEach(s -> taken.addAll(s.tensorNames()));
			}
		}
		for (Graph p = g.parent(); p != null; p = p.parent()) {
			taken.addAll(p.tensorNames());
		}
		Map<String, String> rename = new HashMap<>();
		for (int k = 0; k < ifNode.outputs().size(); k++) {
			String out = branch.outputs().get(k).getName();
			boolean producedInside = branch.nodes().stream().anyMatch(x -> x.outputs().contains(out));
			if (producedInside && !rename.containsKey(out)) {
				rename.put(out, ifNode.output(k));
			}
		}
		Set<String> declared = new HashSet<>();
		branch.nodes().forEach(x -> declared.addAll(x.outputs()));
		branch.initializers().forEach(t -> declared.add(t.name()));
		for (String d : declared) {
			if (!d.isEmpty() && !rename.containsKey(d) && taken.contains(d)) {
				rename.put(d, g.uniqueName(d, taken));
			}
		}
		int at = g.nodes().indexOf(ifNode);
		List<Node> inserted = new ArrayList<>();
		for (Node x : branch.nodes()) {
			inserted.add(g.newNode(renamed(x.toProto(), rename)));
		}
		for (Tensor t : branch.initializers()) {
			g.putInitializer(t.withName(rename.getOrDefault(t.name(), t.name())));
		}
		for (int k = 0; k < ifNode.outputs().size(); k++) {
			String out = branch.outputs().get(k).getName();
			if (!rename.containsKey(out) || !rename.get(out).equals(ifNode.output(k))) { // an initializer or outer value returned as is
				inserted.add(g.newNode(NodeProto.newBuilder().setOpType("Identity").setName(ifNode.name() + "_output_" + k)
						.addInput(rename.getOrDefault(out, out)).addOutput(ifNode.output(k)).build()));
			}
		}
		g.nodes().remove(at);
		g.nodes().addAll(at, inserted);
		return branch.nodes().size();
	}

	/** The node with its inputs and outputs renamed, also where its subgraphs read them. */
	private static NodeProto renamed(NodeProto n, Map<String, String> rename) {
		NodeProto.Builder b = n.toBuilder();
		for (int i = 0; i < b.getInputCount(); i++) {
			b.setInput(i, rename.getOrDefault(b.getInput(i), b.getInput(i)));
		}
		for (int i = 0; i < b.getOutputCount(); i++) {
			b.setOutput(i, rename.getOrDefault(b.getOutput(i), b.getOutput(i)));
		}
		for (int i = 0; i < b.getAttributeCount(); i++) {
			AttributeProto a = b.getAttribute(i);
			if (a.hasG()) {
				var gb = a.getG().toBuilder();
				for (int j = 0; j < gb.getNodeCount(); j++) {
					gb.setNode(j, renamed(gb.getNode(j), rename));
				}
				b.setAttribute(i, a.toBuilder().setG(gb));
			}
		}
		return b.build();
	}
}
