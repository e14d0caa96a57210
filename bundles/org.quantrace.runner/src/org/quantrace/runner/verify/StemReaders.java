package org.quantrace.runner.verify;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.quantrace.engine.quantize.OpRules;

import ai.onnx.proto.OnnxMl.NodeProto;

/**
 * The ops a one-channel stem kept float for its float island says read its float output ("only ops that compute in float read its
 * output ('a', 'b'), and global pools that reduce it to one value per channel ('p'): ... so it writes no QuantizeLinear"), against
 * the ops that read the stem's output in the quantized model: the record's claim is that nothing else reads it, no QuantizeLinear
 * among them, so that the float ops read the stem's float output as it is and the pools are global ones. make_unseen31's dyrelu.
 */
final class StemReaders {

	private static final Pattern NAME = Pattern.compile("'([^']*)'");

	private StemReaders() {
	}

	/** The readers {@code reason} names, "float: a, b; pools: p" (each list sorted: the order is no claim); null where it names none. */
	static String stated(String reason) {
		int from = reason == null ? -1 : reason.indexOf(OpRules.FLOAT_READERS);
		if (from < 0) {
			return null;
		}
		from += OpRules.FLOAT_READERS.length();
		int end = reason.indexOf("): ", from);
		int pools = reason.indexOf(OpRules.POOL_READERS, from);
		if (end < 0) {
			return null;
		}
		boolean pooled = pools >= 0 && pools < end;
		List<String> others = names(reason.substring(from, pooled ? pools : end));
		List<String> pooling = pooled ? names(reason.substring(pools + OpRules.POOL_READERS.length(), end)) : List.of();
		return statement(others, pooling);
	}

	/** The ops that read {@code node}'s first output in the model, as {@link #stated} lists them; null: no such node. */
	static String derived(ModelFacts f, String node) {
		NodeProto stem = f.node(node);
		if (stem == null || stem.getOutputCount() == 0) {
			return null;
		}
		List<String> others = new ArrayList<>();
		List<String> pooling = new ArrayList<>();
		for (NodeProto r : f.consumers(stem.getOutput(0))) {
			if (r.getOpType().equals("QuantizeLinear")) {
				others.add("a QuantizeLinear of its output");
			} else if (OpRules.GLOBAL_POOLS.contains(r.getOpType()) && r.getDomain().isEmpty()) {
				pooling.add(r.getName());
			} else {
				others.add(r.getName());
			}
		}
		if (f.graph.getOutputList().stream().anyMatch(v -> v.getName().equals(stem.getOutput(0)))) {
			others.add("the model's output");
		}
		return statement(others, pooling);
	}

	private static String statement(List<String> others, List<String> pooling) {
		return "float: " + String.join(", ", others.stream().sorted().toList()) + "; pools: " + String.join(", ", pooling.stream().sorted().toList());
	}

	private static List<String> names(String text) {
		List<String> found = new ArrayList<>();
		Matcher m = NAME.matcher(text);
		while (m.find()) {
			found.add(m.group(1));
		}
		return found;
	}
}
