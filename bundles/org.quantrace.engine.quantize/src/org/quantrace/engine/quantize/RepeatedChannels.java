package org.quantrace.engine.quantize;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

import org.quantrace.engine.onnx.Graph;
import org.quantrace.engine.onnx.Node;
import org.quantrace.engine.onnx.Tensor;

/**
 * Rewrites, before a full-integer model is planned and calibrated, each grouped Conv with one input channel per group
 * and a channel multiplier k &gt; 1 (group = C_in, C_out = k·C_in: GhostNet's cheap operation) as a Gather of its input's
 * channels on axis 1 with indices [0, …, 0, 1, …, 1, …] (each channel k times) followed by the same Conv with group =
 * C_out, a true depthwise Conv on the same weights and bias. Output channel o of the grouped Conv reads input channel
 * o / k with the weights of row o, and so does output channel o of the depthwise Conv, which reads channel o of the
 * repeated input, that is channel o / k: the network computes exactly what it did. Which Convs are rewritten, and why,
 * is the op table's ({@link OpRule.Kernel#rewriteFor}, {@link OpRules#channelMultiplierConv}); ONNX Runtime runs the
 * Gather on the integer codes and the Conv with its depthwise QLinearConv kernel.
 * <p>
 * Each rewritten Conv's layer reason and the added Gather's say so ({@link #rewritten}, {@link #added}); verify re-derives
 * the rewrite from the two models (the Conv's group, the Gather's indices).
 */
public final class RepeatedChannels {

	private RepeatedChannels() {
	}

	/**
	 * Rewrites the Convs of {@code graph} that the op table says to rewrite and {@code eligible} accepts (they will run on
	 * 8-bit integers); returns, per node name (the Conv's and the added Gather's), what was done for its log line.
	 */
	static Map<String, String> apply(Graph graph, Predicate<Node> eligible) {
		Map<String, String> notes = new LinkedHashMap<>();
		GraphEditor ed = new GraphEditor(graph);
		for (Node conv : List.copyOf(graph.nodes())) {
			// the table rewrites other ops, and other grouped Convs (GroupedAsDense), otherwise
			String why = "Conv".equals(conv.opType()) && OpRules.channelMultiplierConv(conv) != null ? OpRules.rewriteOf(conv) : null;
			if (why == null || !eligible.test(conv)) {
				continue;
			}
			Tensor w = graph.constant(conv.input(1));
			int groups = (int) conv.intAttribute("group", 1);
			int outputs = (int) w.dims()[0];
			int k = outputs / groups;
			long[] indices = new long[outputs];
			for (int o = 0; o < outputs; o++) {
				indices[o] = o / k;
			}
			String channels = ed.constant(conv.name() + "_channels", Tensor.ofLongs("channels", new long[] { outputs }, indices));
			String repeated = ed.fresh(conv.input(0) + "_repeated");
			Node gather = ed.add("Gather", conv.name() + "_repeat", List.of(conv.input(0), channels), List.of(repeated), GraphEditor.intAttribute("axis", 1));
			conv.setInput(0, repeated);
			conv.setIntAttribute("group", outputs);
			notes.put(conv.name(), rewritten(groups, outputs, gather.name()) + ": " + why);
			notes.put(gather.name(), added(conv.name(), groups, k));
		}
		if (!notes.isEmpty()) {
			ed.sort();
		}
		return notes;
	}

	/** What a rewritten Conv's log line says ("rewritten as a depthwise Conv (group 8 → 16) on its input's channels repeated by Gather 'g'"). */
	static String rewritten(int groups, int outputs, String gather) {
		return "rewritten as a depthwise Conv (group " + groups + " → " + outputs + ") on its input's channels repeated by Gather '" + gather + "'";
	}

	/** What the added Gather's log line says; verify re-derives the same words from the files. */
	static String added(String conv, int channels, int k) {
		return "added by the rewrite of Conv '" + conv + "': repeats each of its " + channels + " input channels " + k + " times";
	}
}
