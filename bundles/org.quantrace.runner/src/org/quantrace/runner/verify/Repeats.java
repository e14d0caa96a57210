package org.quantrace.runner.verify;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.quantrace.engine.onnx.Tensor;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.NodeProto;

/**
 * The grouped Convs one quantized model holds rewritten as a depthwise Conv on repeated channels (the quantizer's
 * pre-processing for a channel multiplier k &gt; 1: a Gather of the input's channels [0, …, 0, 1, …] on axis 1, then
 * the Conv with group = C_out on the same weights), re-derived from the model and the float model it was quantized
 * from, not from the trace: per layer what its record and log line must say ("rewritten as a depthwise Conv (group 8 →
 * 16) on its input's channels repeated by Gather 'g'" for the Conv, "added by the rewrite of Conv 'c': repeats each of
 * its 8 input channels 2 times" for the Gather). A Conv whose group differs from the float model's without such a Gather
 * before it, or a Gather whose indices are not each channel k times in order, gets words no honest record has: then
 * the model computes something else than the float model, and verify says so. The weights are the float model's
 * (the Conv's weight records and codes are checked as any Conv's).
 */
final class Repeats {

	/** What {@link #statement} and {@link #stated} give for a layer the rewrite did not touch. */
	static final String NONE = "not rewritten";

	/** The rewrite's words in a trace reason or a log cell, as the logs print them. */
	static final Pattern WORDS = org.quantrace.report.AifsmLogs.REWRITTEN;

	private final Map<String, String> statements = new LinkedHashMap<>();

	Repeats(ModelFacts model, ModelFacts input) {
		if (input == null) {
			return;
		}
		for (NodeProto conv : model.nodes()) {
			NodeProto original = conv.getOpType().equals("Conv") && !conv.getName().isEmpty() ? input.node(conv.getName()) : null;
			if (original == null || !original.getOpType().equals("Conv") || group(original) == group(conv)) {
				continue;
			}
			long from = group(original);
			long to = group(conv);
			NodeProto gather = model.producer(conv.getInput(0));
			if (gather != null && gather.getOpType().equals("DequantizeLinear")) {
				gather = model.producer(gather.getInput(0)); // the Gather moves the codes
			}
			Tensor w = original.getInputCount() > 1 ? input.value(original.getInput(1)) : null;
			String wrong = wrong(model, gather, w, from, to);
			if (wrong != null) {
				statements.put(conv.getName(), "group " + from + " → " + to + " (the float model's is " + from + "), " + wrong);
				continue;
			}
			statements.put(conv.getName(), "rewritten as a depthwise Conv (group " + from + " → " + to + ") on its input's channels repeated by Gather '"
					+ gather.getName() + "'");
			statements.put(gather.getName(), "added by the rewrite of Conv '" + conv.getName() + "': repeats each of its " + from + " input channels "
					+ to / from + " times");
		}
	}

	/** Why the Conv now of group {@code to} does not compute what the float one of group {@code from} did, or null when it does. */
	private static String wrong(ModelFacts model, NodeProto gather, Tensor w, long from, long to) {
		if (w == null || w.dims().length < 3 || w.dims()[0] != to || w.dims()[1] != 1 || to % from != 0 || to == from) {
			return "whose weights are not one input channel per output channel with a whole channel multiplier";
		}
		if (gather == null || !gather.getOpType().equals("Gather") || axis(gather) != 1) {
			return "without a Gather of its input's channels (axis 1) before it";
		}
		Tensor indices = gather.getInputCount() > 1 ? model.value(gather.getInput(1)) : null;
		long[] v = indices == null ? null : indices.toLongArray();
		if (v == null || v.length != to) {
			return "its Gather '" + gather.getName() + "' not reading " + to + " stored channel indices";
		}
		long k = to / from;
		for (int o = 0; o < v.length; o++) {
			if (v[o] != o / k) {
				return "its Gather '" + gather.getName() + "' reading channel " + v[o] + " for output channel " + o + " (each input channel " + k
						+ " times in order: " + o / k + ")";
			}
		}
		return null;
	}

	/** What the record of {@code node} must say of the rewrite ({@link #NONE}: not rewritten). */
	String statement(String node) {
		return statements.getOrDefault(node, NONE);
	}

	/** The rewrite statements {@code text} (a trace reason, a log cell) makes, joined by "; " ({@link #NONE}: none). */
	static String stated(String text) {
		List<String> s = new ArrayList<>();
		Matcher m = WORDS.matcher(text == null ? "" : text);
		while (m.find()) {
			s.add(m.group().replaceAll("\\s+", " "));
		}
		return s.isEmpty() ? NONE : String.join("; ", s);
	}

	private static long group(NodeProto n) {
		return n.getAttributeList().stream().filter(a -> a.getName().equals("group")).mapToLong(AttributeProto::getI).findFirst().orElse(1);
	}

	private static long axis(NodeProto n) {
		return n.getAttributeList().stream().filter(a -> a.getName().equals("axis")).mapToLong(AttributeProto::getI).findFirst().orElse(0);
	}
}
