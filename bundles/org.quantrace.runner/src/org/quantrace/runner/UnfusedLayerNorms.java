package org.quantrace.runner;

import java.util.List;
import java.util.Set;

import org.quantrace.engine.onnx.Graph;
import org.quantrace.engine.onnx.Node;
import org.quantrace.engine.onnx.OnnxModel;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.NodeProto;

/**
 * Verify's own undoing of the quantizer's last fusion ({@link BiasCorrectionRecheck}): the quantizer corrects the biases on
 * a graph of Add and LayerNormalization nodes and only then writes each pair as one {@code com.microsoft.SkipLayerNormalization},
 * whose kernel rounds in another order (the zoo's ViT measured through it: up to 3e-4 off its records). A copy with every
 * SkipLayerNormalization(x, skip, γ, β; ε) written back as Add(x, skip) and LayerNormalization(·, γ, β; ε) over the last axis,
 * the sum keeping the fourth output's name, is the graph the corrections were measured on. One of a tensor added to itself
 * (how the writer runs a lone LayerNormalization on the faster kernel) is LayerNormalization(x, γ, β; ε / 4): the same value,
 * as LN(2x, ε) = LN(x, ε / 4), and the node the file had before.
 */
final class UnfusedLayerNorms {

	private static final String OP = "SkipLayerNormalization";
	private static final String DOMAIN = "com.microsoft";

	private UnfusedLayerNorms() {
	}

	/**
	 * Whether {@code n} is a fused LayerNormalization as the quantizer writes it: no fifth (bias) input, no mean or deviation
	 * output. Another form stays as it is, and a correction measured through it differs as the file computes it.
	 */
	static boolean fused(Node n) {
		return n.opType().equals(OP) && n.domain().equals(DOMAIN) && n.inputs().size() <= 4
				&& n.outputs().subList(1, Math.min(3, n.outputs().size())).stream().allMatch(String::isEmpty);
	}

	/** A copy of {@code model} whose main graph has every SkipLayerNormalization written back as Add and LayerNormalization. */
	static OnnxModel of(OnnxModel model) {
		OnnxModel copy = model.copy();
		Graph g = copy.graph();
		Set<String> taken = g.tensorNames();
		List<Node> nodes = g.nodes();
		for (int i = 0; i < nodes.size(); i++) {
			Node n = nodes.get(i);
			if (!fused(n)) {
				continue;
			}
			float epsilon = n.floatAttribute("epsilon", 1e-12f); // the contrib op's default
			String x = n.input(0);
			nodes.remove(i);
			if (n.input(1).equals(x)) {
				nodes.add(i, layerNorm(g, n, x, epsilon / 4));
				continue;
			}
			String sum = n.outputs().size() > 3 && !n.output(3).isEmpty() ? n.output(3) : g.uniqueName(n.name() + "_sum", taken);
			nodes.add(i, g.newNode(NodeProto.newBuilder().setName(n.name() + "_add").setOpType("Add").addInput(x).addInput(n.input(1)).addOutput(sum).build()));
			nodes.add(++i, layerNorm(g, n, sum, epsilon));
		}
		return copy;
	}

	private static Node layerNorm(Graph g, Node fused, String input, float epsilon) {
		NodeProto.Builder ln = NodeProto.newBuilder().setName(fused.name()).setOpType("LayerNormalization").addInput(input).addInput(fused.input(2))
				.addOutput(fused.output(0));
		if (fused.inputs().size() > 3 && !fused.input(3).isEmpty()) {
			ln.addInput(fused.input(3));
		}
		ln.addAttribute(AttributeProto.newBuilder().setName("axis").setType(AttributeProto.AttributeType.INT).setI(-1));
		ln.addAttribute(AttributeProto.newBuilder().setName("epsilon").setType(AttributeProto.AttributeType.FLOAT).setF(epsilon));
		return g.newNode(ln.build());
	}
}
