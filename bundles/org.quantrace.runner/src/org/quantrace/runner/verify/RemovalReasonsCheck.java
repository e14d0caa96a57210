package org.quantrace.runner.verify;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import org.quantrace.model.trace.ConversionRecord;

import ai.onnx.proto.OnnxMl.NodeProto;

/**
 * Each reason PhIMT0002 Appendix A states for a removed node, re-derived from the verified and the converted model: an
 * "Identity removed" was an Identity (and alike for Dropout, Cast, BatchNormalization, Transpose, If), a "constant folded"
 * needed no value of the model's inputs, and a node "read by nothing any more" has no reader left in the converted model and
 * was read in the verified one by exactly the nodes the reason names. The reasons are the trace's, which the documents are
 * made from: a reason edited there and the documents made again is held against the files. A
 * rewrite's reason (a pattern fused, a matrix product rewritten, channel pieces, parallel Convs merged, an activation rewritten, a
 * trained follower folded, a function inlined) is held against the op the node had, where it stood and what replaced it
 * ({@link ReplacedNodes}); a fusion's parts for their ops, and a BatchNormalization "folded into" a layer for that layer ({@link FoldedLayers}).
 */
final class RemovalReasonsCheck {

	/** The op a node removed for the reason had in the verified model. */
	private static final Map<String, String> OP_OF = Map.of("identity-removed", "Identity", "dropout-removed", "Dropout", "cast-removed", "Cast",
			"batch-normalization-folded", "BatchNormalization", "transposes-cancelled", "Transpose", "if-inlined", "If", "reshape-removed", "Reshape", "sum-as-adds", "Sum");

	/** The ops a node removed for the reason may have had: the fusions' parts (an affine fold's Mul or Add, a MixConv's Split, Convs and Concat). */
	private static final Map<String, Set<String>> OPS_OF = Map.of("affine-folded", Set.of("Mul", "Add"), "mixconv-merged", Set.of("Split", "Conv", "Concat"),
			"attention-scale-folded", Set.of("Mul", "Div"));

	private static final Set<String> KNOWN = Set.of("constant-folded", "unread", "identity-removed", "cast-removed", "dropout-removed",
			"batch-normalization-folded", "affine-folded", "trained-codes-folded", "function-inlined", "if-inlined", "transposes-cancelled", "reshape-removed",
			"matrix-product-rewritten", "channel-pieces", "parallel-convs-merged", "mixconv-merged", "pattern-fused", "activation-rewritten", "ml-op-rewritten",
			"mean-as-global-pool", "mean-as-conv", "pad-folded", "conv-across-channels", "runtime-op-unfused", "sum-as-adds",
			"attention-scale-folded");

	private RemovalReasonsCheck() {
	}

	static void check(LogCheck.Log log, ConversionRecord c, ModelFacts original, ModelFacts converted) {
		List<String> reasons = c.getRemovedNodeReasons();
		if (reasons.isEmpty()) {
			return; // a trace written before the reasons were recorded
		}
		String where = "Appendix A (nodes removed or folded), why ";
		if (reasons.size() != c.getRemovedNodes().size()) {
			log.mismatch(where + "(trace)", reasons.size() + " reasons", c.getRemovedNodes().size() + " removed nodes");
			return;
		}
		Set<String> readLeft = converted.graphs.stream().flatMap(g -> g.getNodeList().stream()).flatMap(n -> n.getInputList().stream())
				.collect(Collectors.toSet());
		converted.graph.getOutputList().forEach(o -> readLeft.add(o.getName()));
		Set<String> runTime = runTime(original.graph);
		Set<String> removed = Set.copyOf(c.getRemovedNodes());
		Map<String, String> rewrites = ReplacedNodes.refuted(c, original, converted);
		for (int i = 0; i < reasons.size(); i++) {
			String node = c.getRemovedNodes().get(i);
			NodeProto n = original.node(node);
			String stated = reasons.get(i);
			String reason = stated.contains(": ") ? stated.substring(0, stated.indexOf(": ")) : stated;
			String derived = n == null ? null : derived(reason, stated, n, original, converted, removed, readLeft, runTime);
			if (!KNOWN.contains(reason) && !stated.isEmpty()) {
				log.mismatch(where + node, stated, "one of the conversion's reasons " + KNOWN.stream().sorted().toList());
			} else if (derived != null) {
				log.mismatch(where + node, stated, derived);
			} else if (n != null && rewrites.containsKey(node)) {
				log.mismatch(where + node, stated, rewrites.get(node));
			}
		}
	}

	/**
	 * The main graph's tensors computed from the values of its run-time inputs. Shape and Size read only shapes, which the
	 * conversion may fix; a node with a body (an If with a constant condition) may be inlined to a constant branch: what
	 * they write is not counted, so a folded constant is refuted only where it needed an input's values.
	 */
	private static Set<String> runTime(ai.onnx.proto.OnnxMl.GraphProto g) {
		Set<String> stored = g.getInitializerList().stream().map(t -> t.getName()).collect(Collectors.toSet());
		Set<String> values = g.getInputList().stream().map(v -> v.getName()).filter(v -> !stored.contains(v)).collect(Collectors.toSet());
		for (NodeProto n : g.getNodeList()) { // topologically sorted, as ONNX requires of a graph
			boolean shapeOnly = n.getOpType().equals("Shape") || n.getOpType().equals("Size");
			boolean body = n.getAttributeList().stream().anyMatch(a -> a.hasG() || a.getGraphsCount() > 0);
			if (!shapeOnly && !body && n.getInputList().stream().anyMatch(values::contains)) {
				values.addAll(n.getOutputList());
			}
		}
		return values;
	}

	/** What the files say against {@code stated}, or null when they agree (or cannot tell). */
	private static String derived(String reason, String stated, NodeProto n, ModelFacts original, ModelFacts converted, Set<String> removed, Set<String> readLeft,
			Set<String> runTime) {
		String op = OP_OF.get(reason);
		if (op != null && !n.getOpType().equals(op)) {
			return "a " + n.getOpType() + " in the verified model, not " + ("AEIOU".indexOf(op.charAt(0)) >= 0 ? "an " : "a ") + op;
		}
		Set<String> ops = OPS_OF.get(reason);
		if (ops != null && !ops.contains(n.getOpType())) {
			return "a " + n.getOpType() + " in the verified model, not one of " + ops.stream().sorted().toList() + " that " + reason + " removes";
		}
		if (reason.equals("batch-normalization-folded") && !stated.equals(reason)) {
			String layer = FoldedLayers.refuted(stated.substring(reason.length() + 2), n, original, converted, removed);
			if (layer != null) {
				return layer;
			}
		}
		if (reason.equals("constant-folded") && n.getInputList().stream().anyMatch(runTime::contains)) {
			return "a " + n.getOpType() + " computing on values of the model's inputs in the verified model: no constant";
		}
		if (reason.equals("unread")) {
			List<String> stillRead = n.getOutputList().stream().filter(o -> !o.isEmpty() && readLeft.contains(o)).toList();
			if (!stillRead.isEmpty()) {
				return "its outputs " + stillRead + " still read in the converted model";
			}
			Set<String> readers = n.getOutputList().stream().filter(o -> !o.isEmpty()).flatMap(o -> original.consumers(o).stream())
					.map(NodeProto::getName).collect(Collectors.toCollection(java.util.TreeSet::new));
			// a name may hold ", " ("layer, 12"): the list is read by the verified model's names
			Set<String> named = stated.equals(reason) ? Set.of()
					: Set.copyOf(Cells.split(stated.substring(reason.length() + 2), ", ", original.nodes().stream().map(NodeProto::getName).toList()));
			if (!named.equals(readers)) {
				return readers.isEmpty() ? "read by no node of the verified model" : "read in the verified model by " + String.join(", ", readers);
			}
		}
		return null;
	}
}
