package org.quantrace.engine.quantize;

import java.util.List;
import java.util.Set;

import org.quantrace.engine.onnx.DataType;
import org.quantrace.engine.onnx.Graph;
import org.quantrace.engine.onnx.Node;
import org.quantrace.engine.onnx.Tensor;

/**
 * The per-tensor scale and shift an exporter writes between a model input and its one-channel stem (Caffe2's {@code x · 2 − 0.5},
 * Keras' Rescaling, a grayscale normalization by one mean and one deviation): Mul, Add, Sub or Div by a one-element float
 * constant, each the one reader of the model input or of the op before it, the last one read by a Conv of one input channel
 * (group 1) whose kernel has more than one tap. Quantized, the chain requantizes the input and the stem reads its codes as
 * ONNX Runtime's one-input-channel QLinearConv (make_unseen35.py caffe6). The structure only; the planner checks the scheme
 * (an 8-bit input type other than the activations') and the op table says why ({@link OpRules#stemInputScaling}).
 */
final class ScaledStemInput {

	private static final Set<String> OPS = Set.of("Mul", "Add", "Sub", "Div");

	private ScaledStemInput() {
	}

	/** The one-channel stem {@code n} scales or shifts a model input for, or null when {@code n} is no link of such a chain. */
	static Node stemOf(Graph g, Node n) {
		if (g.parent() != null || !link(g, n)) {
			return null;
		}
		for (Node p = n; ; ) { // back to the model input, each link read by the next alone
			String in = data(g, p);
			if (g.consumers(in).size() != 1) {
				return null;
			}
			if (g.runtimeInputs().stream().anyMatch(v -> v.getName().equals(in))) {
				break;
			}
			Node q = g.producer(in).orElse(null);
			if (q == null || !link(g, q)) {
				return null;
			}
			p = q;
		}
		for (Node c = n; ; ) { // on to the stem
			String y = c.output(0);
			List<Node> readers = g.consumers(y);
			if (g.isOutput(y) || readers.size() != 1) {
				return null;
			}
			Node next = readers.get(0);
			if (link(g, next) && data(g, next).equals(y)) {
				c = next;
				continue;
			}
			return stem(next) && next.input(0).equals(y) ? next : null;
		}
	}

	/** The model input the chain before {@code stem} starts from, or null: {@code stem} reads no such chain. */
	static String inputOf(Graph g, Node stem) {
		Node p = g.producer(stem.input(0)).orElse(null);
		if (p == null || stemOf(g, p) != stem) {
			return null;
		}
		while (g.producer(data(g, p)).isPresent()) {
			p = g.producer(data(g, p)).get();
		}
		return data(g, p);
	}

	/** A Conv of one input channel (group 1, float weights) whose outputs each take more than one product. */
	static boolean stem(Node n) {
		if (!n.isStandard() || !OpRules.oneChannelConv(n)) {
			return false;
		}
		long[] d = n.graph().constant(n.input(1)).dims();
		return d[2] * d[3] > 1; // a 1x1 Conv of one channel is a per-channel scale: its QLinearConv ran at par (tests/data/wild/README.md, stem65)
	}

	/** A Mul, Add, Sub or Div of one data input and a one-element float constant (the constant second for Sub and Div). */
	private static boolean link(Graph g, Node n) {
		if (!n.isStandard() || !OPS.contains(n.opType()) || n.inputs().size() != 2 || n.outputs().size() != 1) {
			return false;
		}
		int c = scalar(g, n.input(1)) ? 1 : scalar(g, n.input(0)) ? 0 : -1;
		return c == 1 || c == 0 && (n.opType().equals("Mul") || n.opType().equals("Add")) && !scalar(g, n.input(1));
	}

	private static String data(Graph g, Node n) {
		return scalar(g, n.input(1)) ? n.input(0) : n.input(1);
	}

	private static boolean scalar(Graph g, String t) {
		Tensor c = t.isEmpty() ? null : g.constant(t);
		return c != null && c.dataType() == DataType.FLOAT && c.elementCount() == 1;
	}
}
