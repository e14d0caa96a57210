package org.quantrace.runner.verify;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.quantrace.engine.onnx.DataType;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.NodeProto;

/**
 * The layers a dynamic-range If/Loop/Scan record names in its bodies ("control flow, computes as its bodies do; in its bodies
 * Conv 'a': int8 weights only; MatMul 'b': dynamic kernels"), against those the model's bodies hold on int8 weights: a dynamic
 * integer kernel (NAME_MatMulInteger, NAME_ConvInteger) or a node reading stored integer codes through Cast (and Sub) and Mul,
 * dequantized at load, from its own graph or an enclosing one. if_cnn's record named only the then branch's Convs, though the else
 * branch's read the same int8 weights (one initializer shared by both branches, stored once).
 */
final class BodyReaders {

	private static final String STATED = "control flow, computes as its bodies do; in its bodies ";
	private static final Pattern READER = Pattern.compile("(\\w+) '([^']*)': (dynamic kernels|int8 weights only)");
	private static final Set<String> DEQUANTIZING = Set.of("Cast", "Sub", "Mul");

	private BodyReaders() {
	}

	/** The body layers {@code reason} names, each "NAME: form", sorted (the order is no claim); null where it names none. */
	static String stated(String reason) {
		if (reason == null || !reason.startsWith(STATED)) {
			return null;
		}
		List<String> named = new ArrayList<>();
		Matcher m = READER.matcher(reason.substring(STATED.length()));
		while (m.find()) {
			named.add(m.group(2) + ": " + m.group(3));
		}
		return String.join("; ", named.stream().sorted().toList());
	}

	/** The layers of {@code node}'s bodies (in the model) on int8 weights, as {@link #stated} lists them; null: no such node. */
	static String derived(ModelFacts f, String node) {
		NodeProto owner = f.node(node);
		if (owner == null) {
			return null;
		}
		Set<String> named = new LinkedHashSet<>();
		for (GraphProto body : bodies(owner)) {
			for (NodeProto n : body.getNodeList()) {
				String kernel = n.getOpType().equals("MatMulInteger") || n.getOpType().equals("ConvInteger") ? n.getOpType() : null;
				if (n.getOpType().equals("DynamicQuantizeLSTM")) {
					named.add(n.getName() + ": dynamic kernels");
				} else if (kernel != null && n.getName().endsWith("_" + kernel)) {
					named.add(n.getName().substring(0, n.getName().length() - kernel.length() - 1) + ": dynamic kernels");
				} else if (!DEQUANTIZING.contains(n.getOpType()) && n.getInputList().stream().anyMatch(i -> dequantizedCodes(f, i))) {
					named.add(n.getName() + ": int8 weights only");
				}
			}
		}
		return String.join("; ", named.stream().sorted().toList());
	}

	/** Whether {@code value} is a Mul of stored integer codes made float by a Cast (a Sub of their zero point between). */
	private static boolean dequantizedCodes(ModelFacts f, String value) {
		NodeProto mul = f.producer(value);
		if (mul == null || !mul.getOpType().equals("Mul")) {
			return false;
		}
		for (String in : mul.getInputList()) {
			NodeProto p = f.producer(in);
			if (p != null && p.getOpType().equals("Sub")) {
				p = f.producer(p.getInput(0));
			}
			if (p != null && p.getOpType().equals("Cast") && f.stored.containsKey(p.getInput(0))) {
				int code = f.stored.get(p.getInput(0)).getDataType();
				if (code == DataType.INT8.code() || code == DataType.UINT8.code()) {
					return true;
				}
			}
		}
		return false;
	}

	/** Every body of {@code owner}, nested ones included. */
	private static List<GraphProto> bodies(NodeProto owner) {
		List<GraphProto> bodies = new ArrayList<>();
		for (AttributeProto a : owner.getAttributeList()) {
			if (a.hasG()) {
				ModelFacts.graphs(a.getG(), bodies);
			}
			a.getGraphsList().forEach(sub -> ModelFacts.graphs(sub, bodies));
		}
		return bodies;
	}
}
