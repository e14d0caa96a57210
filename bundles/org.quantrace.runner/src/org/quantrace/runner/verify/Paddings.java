package org.quantrace.runner.verify;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.quantrace.engine.onnx.Tensor;
import org.quantrace.model.trace.TensorQuantizationRecord;
import org.quantrace.model.trace.TensorRole;
import org.quantrace.report.AifsmLogs;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.NodeProto;

/**
 * The Convs one quantized model holds widened with added channels (the quantizer's depthwise padding), re-derived
 * from the model and the float model it was quantized from, not from the trace: per layer what its log line must
 * say ("8 zero channels added (72 → 80)", "… output channels …", "… input channels …"), whether the added channels
 * hold zero weights, and whether they are ignored: from a Conv that adds output channels they may reach only ops
 * that compute each channel from itself (Q/DQ, Relu, Clip, HardSwish, HardSigmoid, GlobalAveragePool, a Mul or Add
 * with a scalar or with another tensor of added channels, a widened depthwise Conv) and, at the end, Convs that read
 * them through added input channels, whose weights {@link WeightCodes} requires to be zero. Then the model computes
 * what the float model does on the original channels.
 */
final class Paddings {

	private static final Set<String> PER_CHANNEL = Set.of("QuantizeLinear", "DequantizeLinear", "Relu", "Clip", "HardSwish", "HardSigmoid", "Sigmoid",
			"LeakyRelu", "Identity", "GlobalAveragePool", "Add", "Sub", "Mul", "Div");

	private final ModelFacts model;
	/** The widened weights, by the record of the weight. */
	private final Map<TensorQuantizationRecord, Widening> weights = new LinkedHashMap<>();
	/** Per node, what its log line must say of its widening. */
	private final Map<String, List<String>> statements = new LinkedHashMap<>();
	/** {@link #escapes}, once found. */
	private Map<String, String> escapes;

	Paddings(SchemeFacts f) {
		this.model = f.model;
		f.held.forEach((t, p) -> {
			if (t.getRole() != TensorRole.WEIGHT || p.codes() == null || f.input == null) {
				return;
			}
			Tensor floats = f.input.value(t.getTensor());
			Tensor codes = model.value(p.codes());
			Widening w = floats == null || codes == null ? null : Widening.of(floats.dims(), codes.dims());
			if (w == null) {
				return;
			}
			weights.put(t, w);
			NodeProto n = model.node(t.getNode());
			boolean depthwise = w.axis() == 0 && n != null && group(n) == w.to() && codes.dims()[1] == 1;
			String text = w.text(depthwise);
			if (WeightCodes.nonZeroAdded(codes, w, p) != null) {
				text = text.replace(" zero ", " ") + ", not all zero";
			}
			statements.computeIfAbsent(t.getNode(), k -> new ArrayList<>()).add(text);
		});
	}

	/**
	 * What the log line of {@code node} must say of its widening, statements joined by "; " ({@link #NONE}: not
	 * widened), and where its added channels would count ({@link #escapes}), which no log line says.
	 */
	String statement(String node) {
		String escape = escapes().get(node);
		return joined(statements.getOrDefault(node, List.of())) + (escape == null ? "" : " (" + escape + ")");
	}

	private static String joined(List<String> s) {
		return s.isEmpty() ? NONE : String.join("; ", s);
	}

	/** What {@link #statement} and {@link #stated} give for a layer without added channels. */
	static final String NONE = "no added channels";

	/** {@link AifsmLogs#ADDED_CHANNELS} in a trace reason or a log cell, wherever a document broke the cell's lines ({@link Cells}). */
	private static final java.util.regex.Pattern WORDS = Cells.words(AifsmLogs.ADDED_CHANNELS);

	/** The widening statements {@code text} (a trace reason, a log cell) makes, joined as {@link #statement} joins them. */
	static String stated(String text) {
		return joined(Cells.stated(WORDS, text));
	}

	/** A weight's or bias's {@code held} without the channels a widening added (whose empty range gives s = 1): what the record's range determines. */
	Quantizations.Params original(TensorQuantizationRecord t, Quantizations.Params held) {
		Widening w = t.getRole() == TensorRole.BIAS ? widening(t.getNode()) : weights.get(t);
		if (w == null || w.axis() != 0 || held.scales().size() != w.to()) {
			return held;
		}
		return new Quantizations.Params(held.type(), held.scales().subList(0, w.from()), held.zeroPoints().subList(0, w.from()), held.axis(), held.codes());
	}

	/**
	 * Where the added output channels of a widened Conv reach something that could make them count: an op that mixes
	 * channels, a graph output, or a Conv that does not read them through added (zero) input channels. Per node:
	 * what is reached.
	 */
	Map<String, String> escapes() {
		if (escapes != null) {
			return escapes;
		}
		Map<String, String> found = new LinkedHashMap<>();
		escapes = found;
		weights.forEach((t, w) -> {
			NodeProto n = model.node(t.getNode());
			if (w.axis() == 0 && n != null && !found.containsKey(t.getNode())) {
				String escape = escape(n, w.to());
				if (escape != null) {
					found.put(t.getNode(), escape);
				}
			}
		});
		return found;
	}

	private String escape(NodeProto conv, int width) {
		Set<String> outputs = new HashSet<>();
		model.graph.getOutputList().forEach(o -> outputs.add(o.getName()));
		Set<String> seen = new HashSet<>();
		Deque<String> todo = new ArrayDeque<>(List.of(conv.getOutput(0)));
		while (!todo.isEmpty()) {
			String t = todo.poll();
			if (!seen.add(t)) {
				continue;
			}
			if (outputs.contains(t)) {
				return "the added channels reach the graph output " + t;
			}
			for (NodeProto c : model.consumers(t)) {
				if (c.getOpType().equals("Conv") && c.getInputCount() > 0 && c.getInput(0).equals(t)) {
					Widening w = widening(c.getName());
					boolean depthwise = w != null && w.axis() == 0 && group(c) == w.to();
					if (w == null || w.to() != width || w.axis() == 0 && !depthwise) {
						return "the added channels reach Conv '" + c.getName() + "', which does not read them through added zero channels";
					}
					if (depthwise) { // channel by channel
						todo.add(c.getOutput(0));
					}
				} else if (PER_CHANNEL.contains(c.getOpType()) && c.getOutputCount() == 1 && othersPerChannel(c, t, width)) {
					todo.add(c.getOutput(0));
				} else {
					return "the added channels reach " + c.getOpType() + " '" + c.getName() + "', which does not compute each channel from itself";
				}
			}
		}
		return null;
	}

	/** Whether every input of {@code n} besides {@code t} is a scalar constant or carries channels added to the same width. */
	private boolean othersPerChannel(NodeProto n, String t, int width) {
		for (int i = 0; i < n.getInputCount(); i++) {
			String in = n.getInput(i);
			if (in.equals(t) || in.isEmpty()) {
				continue;
			}
			Tensor v = constant(in);
			boolean scalar = v != null && v.elementCount() <= 1;
			if (!scalar && (v != null || n.getOpType().endsWith("QuantizeLinear") || widenedTo(in, new HashSet<>()) != width)) {
				return false;
			}
		}
		return true;
	}

	/** The width of the added channels {@code tensor} carries from a widened Conv through per-channel ops, or -1. */
	private int widenedTo(String tensor, Set<String> seen) {
		NodeProto p = model.producer(tensor);
		if (p == null || !seen.add(tensor)) {
			return -1;
		}
		if (p.getOpType().equals("Conv")) {
			Widening w = widening(p.getName());
			return w != null && w.axis() == 0 ? w.to() : -1;
		}
		if (!PER_CHANNEL.contains(p.getOpType())) {
			return -1;
		}
		for (String in : p.getInputList()) {
			if (!in.isEmpty() && constant(in) == null) {
				return widenedTo(in, seen);
			}
		}
		return -1;
	}

	/** A stored tensor, or the codes a DequantizeLinear dequantizes from one (a lowered op's quantized constant), else null. */
	private Tensor constant(String tensor) {
		Tensor v = model.value(tensor);
		NodeProto p = model.producer(tensor);
		return v != null || p == null || !p.getOpType().equals("DequantizeLinear") ? v : model.value(p.getInput(0));
	}

	private Widening widening(String node) {
		return weights.entrySet().stream().filter(e -> e.getKey().getNode().equals(node)).map(Map.Entry::getValue).findFirst().orElse(null);
	}

	private static long group(NodeProto n) {
		return n.getAttributeList().stream().filter(a -> a.getName().equals("group")).mapToLong(AttributeProto::getI).findFirst().orElse(1);
	}
}
