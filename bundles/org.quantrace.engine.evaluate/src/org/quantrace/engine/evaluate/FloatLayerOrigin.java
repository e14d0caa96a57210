package org.quantrace.engine.evaluate;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import org.quantrace.engine.onnx.Graph;
import org.quantrace.engine.onnx.Node;
import org.quantrace.engine.quantize.OpRules;

/**
 * Where a quantized (QDQ) model runs a layer in float, and where the error such a layer's output carries comes in. A
 * node none of whose inputs holds codes or is a DequantizeLinear's output computes on float values only: leaving it
 * in float changes nothing (make_unseen25's siren: the debugger advised to leave its Concat of Sin and Cos, which
 * already ran in float, "in float"). Its error comes from the quantized layers whose float outputs reach it through
 * float ops only (siren's Fourier MatMul, on quantized weights, before Sin and Cos).
 */
final class FloatLayerOrigin {

	private FloatLayerOrigin() {
	}

	/** Whether {@code n} reads no quantized input: no codes, no DequantizeLinear output (weights or activations). */
	static boolean runsInFloat(Graph g, Node n) {
		return n.inputs().stream().filter(i -> !i.isEmpty()).noneMatch(i -> quantized(g, i));
	}

	/** The quantized layers, nearest first, whose float outputs reach {@code n} through nodes that run in float. */
	static List<String> quantizedLayersBefore(Graph g, Node n) {
		List<String> layers = new ArrayList<>();
		Set<String> seen = new HashSet<>();
		List<Node> next = new ArrayList<>(List.of(n));
		while (!next.isEmpty()) {
			Node at = next.remove(0);
			for (String input : at.inputs()) {
				Node p = input.isEmpty() || quantized(g, input) ? null : g.producer(input).orElse(null);
				if (p == null || !seen.add(p.name() + "\u0000" + input)) {
					continue;
				}
				if (runsInFloat(g, p)) {
					next.add(p);
				} else if (!layers.contains(p.name())) {
					layers.add(p.name());
				}
			}
		}
		return layers;
	}

	/** A DequantizeLinear's or QuantizeLinear's output, or codes an op that moves them (Flatten, MaxPool...) passed on. */
	private static boolean quantized(Graph g, String tensor) {
		Node p = g.producer(tensor).orElse(null);
		if (p == null) {
			return false;
		}
		String op = p.opType();
		return op.equals("DequantizeLinear") || op.equals("QuantizeLinear") || OpRules.movesCodes(op) && !p.input(0).isEmpty() && quantized(g, p.input(0));
	}
}
