package org.quantrace.runner.verify;

import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.quantrace.engine.quantize.OpRules;

import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.TensorProto;

/**
 * The model input and one-channel stem that a per-tensor scale or shift kept float for that stem names ("... between the int8 model
 * input 'x' and the one-channel stem 'conv1' (1 → 16, 5x5): computed in float ..."; engine.quantize's OpRules.stemInputScaling),
 * against the quantized model: from the op through per-tensor Mul/Add/Sub/Div by one-element constants back to the DequantizeLinear
 * of a model input and on to the Conv that reads the last of them, a Conv of one input channel whose kernel has more than one tap.
 * make_unseen35.py caffe6.
 */
final class StemInputScaling {

	private static final Pattern STATED = Pattern.compile("model input '([^']*)' " + Pattern.quote(OpRules.SCALED_FOR_STEM) + "([^']*)' \\(1 → (\\d+), (\\d+)x(\\d+)\\)");

	private static final Set<String> LINKS = Set.of("Mul", "Add", "Sub", "Div");

	private StemInputScaling() {
	}

	/** "input x; stem conv1 (1 → 16, 5x5)" as {@code reason} states it, or null where it states no such stem. */
	static String stated(String reason) {
		Matcher m = reason == null ? null : STATED.matcher(reason);
		return m != null && m.find() ? statement(m.group(1), m.group(2) + " (1 → " + m.group(3) + ", " + m.group(4) + "x" + m.group(5) + ")") : null;
	}

	/** The same of node {@code name} in the quantized model, or what stands where the statement would have it. */
	static String derived(ModelFacts f, String name) {
		NodeProto n = f.node(name);
		if (n == null || !link(f, n)) {
			return "not a per-tensor Mul, Add, Sub or Div by a constant";
		}
		NodeProto first = n;
		while (f.producer(data(f, first)) != null && link(f, f.producer(data(f, first)))) {
			first = f.producer(data(f, first));
		}
		NodeProto dq = f.producer(data(f, first));
		boolean modelInput = dq != null && dq.getOpType().equals("DequantizeLinear")
				&& f.graph.getInputList().stream().anyMatch(v -> v.getName().equals(dq.getInput(0)));
		String input = modelInput ? dq.getInput(0) : "(not a model input's DequantizeLinear: " + data(f, first) + ")";
		NodeProto last = n;
		List<NodeProto> readers = f.consumers(last.getOutput(0));
		while (readers.size() == 1 && link(f, readers.get(0))) {
			last = readers.get(0);
			readers = f.consumers(last.getOutput(0));
		}
		NodeProto conv = readers.size() == 1 && readers.get(0).getOpType().equals("Conv") ? readers.get(0) : null;
		long[] w = conv == null || conv.getInputCount() < 2 ? null : dims(f, conv.getInput(1));
		boolean stem = w != null && w.length == 4 && w[1] == 1 && w[2] * w[3] > 1 && conv.getInput(0).equals(last.getOutput(0))
				&& conv.getAttributeList().stream().noneMatch(a -> a.getName().equals("group") && a.getI() != 1);
		return statement(input, stem ? conv.getName() + " (1 → " + w[0] + ", " + w[2] + "x" + w[3] + ")"
				: "(no Conv of one input channel alone reads it: " + String.join(", ", readers.stream().map(r -> r.getOpType() + " " + r.getName()).toList()) + ")");
	}

	private static String statement(String input, String stem) {
		return "input " + input + "; stem " + stem;
	}

	/** A Mul/Add/Sub/Div of the default domain with one stored one-element constant. */
	private static boolean link(ModelFacts f, NodeProto n) {
		return n.getDomain().isEmpty() && LINKS.contains(n.getOpType()) && n.getInputCount() == 2
				&& (scalar(f, n.getInput(1)) ^ scalar(f, n.getInput(0)));
	}

	private static String data(ModelFacts f, NodeProto n) {
		return scalar(f, n.getInput(1)) ? n.getInput(0) : n.getInput(1);
	}

	private static boolean scalar(ModelFacts f, String t) {
		TensorProto c = f.stored.get(t);
		return c != null && c.getDimsList().stream().mapToLong(Long::longValue).reduce(1, (a, b) -> a * b) == 1;
	}

	/** The dims of stored weights, or of the stored codes a DequantizeLinear gives them from. */
	private static long[] dims(ModelFacts f, String t) {
		TensorProto c = f.stored.get(t);
		NodeProto p = c == null ? f.producer(t) : null;
		if (p != null && p.getOpType().equals("DequantizeLinear")) {
			c = f.stored.get(p.getInput(0));
		}
		return c == null ? null : c.getDimsList().stream().mapToLong(Long::longValue).toArray();
	}
}
