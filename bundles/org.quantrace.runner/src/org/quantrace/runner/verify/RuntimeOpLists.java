package org.quantrace.runner.verify;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

import ai.onnx.proto.OnnxMl.NodeProto;

/**
 * The standard ops a line of the conversion says one of ONNX Runtime's contrib nodes was written as ("'attn' (Attention ->
 * MatMul + Add + Split + ...)"), against the converted model: the nodes there that compute the contrib node's outputs from the
 * verified model's tensors it did not write (its inputs) and constants, found by walking back from those outputs
 * ({@link ReplacementRun.Cone}), are the replacement; each op it holds must be listed as many times as it holds it, so an op
 * struck from one node's list (in the trace and every document made again from it) is named. An op listed that the
 * replacement no longer holds is what the conversion's constant folding evaluated after the rewrite (a constant mask's
 * Greater, Where and Reshape): it is accepted only where a constant the contrib node read is no longer read as such by the
 * replacement (it was folded with the ops that read it); the rewrite's own constants (shapes, a scale) do not count.
 * That the replacement computes what the contrib node did is the conversion's difference ({@code ConversionRecheck}).
 */
final class RuntimeOpLists {

	private RuntimeOpLists() {
	}

	/** Null when the converted model's replacement of {@code was} holds the ops {@code listed}; else what it holds. */
	static String refuted(NodeProto was, List<String> listed, ModelFacts original, ModelFacts converted) {
		List<String> outputs = was.getOutputList().stream().filter(t -> !t.isEmpty() && converted.holds(t)).toList();
		if (outputs.isEmpty()) {
			return "the converted model holds none of its outputs " + was.getOutputList() + ": no replacement to hold the ops against";
		}
		ReplacementRun.Cone cone = ReplacementRun.Cone.in(converted, outputs,
				t -> original.holds(t) && !was.getOutputList().contains(t) || converted.graph.getInputList().stream().anyMatch(v -> v.getName().equals(t)));
		if (cone == null) {
			return "the converted model does not compute " + outputs + " from the verified model's tensors within reach (a subgraph, or more nodes than a rewrite writes)";
		}
		Map<String, Long> held = cone.nodes().stream().collect(Collectors.groupingBy(NodeProto::getOpType, TreeMap::new, Collectors.counting()));
		Map<String, Long> said = listed.stream().collect(Collectors.groupingBy(o -> o, TreeMap::new, Collectors.counting()));
		boolean folded = was.getInputList().stream().anyMatch(t -> original.stored.containsKey(t) && !cone.constants().contains(t));
		boolean unlisted = held.entrySet().stream().anyMatch(e -> said.getOrDefault(e.getKey(), 0L) < e.getValue());
		boolean gone = said.entrySet().stream().anyMatch(e -> held.getOrDefault(e.getKey(), 0L) < e.getValue());
		if (!unlisted && (!gone || folded)) {
			return null;
		}
		return "the converted model computes its outputs " + outputs + " from " + cone.leaves() + " by " + counts(held)
				+ (unlisted ? "" : ", fewer than listed, and no constant the node read was folded in their place");
	}

	/** "2 MatMul, Softmax": each op with its count where above one. */
	private static String counts(Map<String, Long> ops) {
		return ops.isEmpty() ? "no op" : ops.entrySet().stream().map(e -> (e.getValue() > 1 ? e.getValue() + " " : "") + e.getKey()).collect(Collectors.joining(", "));
	}
}
