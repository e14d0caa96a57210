package org.quantrace.engine.convert;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import org.quantrace.engine.onnx.Graph;
import org.quantrace.engine.onnx.Node;
import org.quantrace.engine.onnx.Tensor;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.NodeProto;

/**
 * ONNX Runtime's own CPU fusions, as a model saved by a session (SessionOptions.optimized_model_filepath at level EXTENDED) or by
 * its transformers optimizer holds them, written back as the standard ops they fuse: com.microsoft.FusedConv (a Conv, the Add of
 * its optional fourth input Z, an activation), com.microsoft.FusedGemm (a Gemm, an activation) and com.microsoft.FusedMatMul
 * (alpha · A · B, B transposed over its last two axes with transB: a MatMul of B stored transposed, or after a Transpose where
 * B is computed, and a Mul by alpha; A transposed or a batch axis moved is left). The quantizer has rules for Conv, Gemm, MatMul, Add and the activations, none for the fused forms:
 * make_unseen32's ortcnn (five FusedConvs, one FusedGemm) was
 * quantized in 1 of 9 layers ("custom-domain op com.microsoft.FusedConv is not quantized") and ran its fiq-int8 model in float.
 * The same function: ONNX Runtime computes the fused op as these ops in this order, and fuses the float ones again when it loads
 * the converted model. An activation it names that has no standard op of that meaning here, or parameters not given, leaves the
 * node as it is.
 */
final class RuntimeFusions {

	private RuntimeFusions() {
	}

	private static final String DOMAIN = "com.microsoft";

	/** The activations FusedConv and FusedGemm take (ONNX Runtime's MLAS activation kinds) that are one standard op each. */
	private static final Set<String> ACTIVATIONS = Set.of("Relu", "Tanh", "Sigmoid", "LeakyRelu", "HardSigmoid", "Clip");

	/**
	 * Writes each FusedConv, FusedGemm and FusedMatMul of {@code g} (main graph) as its standard ops; returns no node removed (the
	 * layer keeps the name). {@code ranks}: the probed ranks, for the Transpose of a FusedMatMul's B that is no constant.
	 */
	static List<String> unfuse(Graph g, int opset, java.util.Map<String, Integer> ranks, List<Rewrite> rewrites) {
		attention(g, opset, ranks, rewrites);
		List<String> said = new ArrayList<>();
		for (Node f : List.copyOf(g.nodes())) {
			if (DOMAIN.equals(f.domain()) && f.opType().equals("FusedMatMul")) {
				List<Node> written = matMul(g, f, ranks);
				if (written != null) {
					int at = g.nodes().indexOf(f);
					g.nodes().remove(f);
					g.nodes().addAll(at, written);
					said.add("'" + ConstantFolder.label(f) + "' (" + f.opType() + " -> " + String.join(" + ", written.stream().map(Node::opType).toList()) + ")");
				}
				continue;
			}
			boolean conv = f.opType().equals("FusedConv");
			if (!DOMAIN.equals(f.domain()) || !conv && !f.opType().equals("FusedGemm") || f.outputs().size() != 1) {
				continue;
			}
			String activation = f.stringAttribute("activation", "");
			float[] params = conv ? floats(f, "activation_params") : gemmParams(f, activation);
			if (!activation.isEmpty() && (!ACTIVATIONS.contains(activation) || params == null || params.length < needed(activation))) {
				continue;
			}
			List<String> in = f.inputs();
			String z = conv && in.size() > 3 && !in.get(3).isEmpty() ? in.get(3) : null;
			Set<String> names = g.tensorNames();
			String last = f.output(0);
			List<Node> written = new ArrayList<>();
			String layerOut = z == null && activation.isEmpty() ? last : g.uniqueName(last + (conv ? "_conv" : "_gemm"), names);
			NodeProto.Builder layer = NodeProto.newBuilder().setOpType(conv ? "Conv" : "Gemm").setName(f.name()).addOutput(layerOut);
			in.subList(0, Math.min(3, in.size())).forEach(layer::addInput);
			for (AttributeProto a : f.attributes()) {
				if (!a.getName().startsWith("activation") && !a.getName().equals("leaky_relu_alpha")) {
					layer.addAttribute(a);
				}
			}
			written.add(g.newNode(layer.build()));
			String x = layerOut;
			if (z != null) {
				String sum = activation.isEmpty() ? last : g.uniqueName(last + "_sum", names);
				written.add(g.newNode(NodeProto.newBuilder().setOpType("Add").setName(f.name() + "/add").addInput(x).addInput(z).addOutput(sum).build()));
				x = sum;
			}
			if (!activation.isEmpty()) {
				written.add(activation(g, f, activation, params, x, last, opset, names));
			}
			int at = g.nodes().indexOf(f);
			g.nodes().remove(f);
			g.nodes().addAll(at, written);
			said.add("'" + ConstantFolder.label(f) + "' (" + f.opType() + " -> " + String.join(" + ", written.stream().map(Node::opType).toList()) + ")");
		}
		if (!said.isEmpty()) {
			g.removeUnusedInitializers();
			rewrites.add(new Rewrite(Rewrite.FUSION, said.size() + " of ONNX Runtime's fused ops (com.microsoft FusedConv, FusedGemm, FusedMatMul, as a session's saved"
					+ " optimized model holds them) written as the standard ops they compute, which the quantizer has rules for (ONNX Runtime fuses the float"
					+ " ones again when it loads the model): " + String.join(", ", said.subList(0, Math.min(8, said.size())))
					+ (said.size() > 8 ? " and " + (said.size() - 8) + " more" : "")));
		}
		return List.of();
	}

	/** The transformers optimizer's Attention and MultiHeadAttention as the standard ops they compute ({@link AttentionAsStandard}). */
	private static void attention(Graph g, int opset, java.util.Map<String, Integer> ranks, List<Rewrite> rewrites) {
		AttentionAsStandard.Outcome o = AttentionAsStandard.rewrite(g, opset, ranks);
		if (!o.written().isEmpty()) {
			rewrites.add(new Rewrite(Rewrite.FUSION, o.written().size() + " of ONNX Runtime's attention ops (com.microsoft Attention, MultiHeadAttention, as its"
					+ " transformers optimizer writes them) written as the standard ops they compute (projection MatMul and bias, heads, Q·Kᵀ, scale, mask,"
					+ " Softmax, ·V), which the quantizer has rules for: " + String.join(", ", o.written().subList(0, Math.min(8, o.written().size())))
					+ (o.written().size() > 8 ? " and " + (o.written().size() - 8) + " more" : "")));
		}
		if (!o.left().isEmpty()) {
			rewrites.add(Rewrite.notMade(Rewrite.FUSION, o.left().size() + " of ONNX Runtime's attention ops left as they are (ONNX Runtime runs them in float;"
					+ " the quantizer leaves them float): " + String.join(", ", o.left().subList(0, Math.min(8, o.left().size())))
					+ (o.left().size() > 8 ? " and " + (o.left().size() - 8) + " more" : "")));
		}
	}

	/**
	 * FusedMatMul {@code f} as [Transpose of B] + MatMul + [Mul by alpha], or null where it is another form (A transposed, a batch
	 * axis moved, B of unknown rank under transB).
	 */
	private static List<Node> matMul(Graph g, Node f, java.util.Map<String, Integer> ranks) {
		if (f.inputs().size() != 2 || f.outputs().size() != 1 || f.intAttribute("transA", 0) != 0 || f.intAttribute("transBatchA", 0) != 0
				|| f.intAttribute("transBatchB", 0) != 0) {
			return null;
		}
		Tensor constant = g.constant(f.input(1));
		int rank = constant != null ? constant.dims().length : ranks.getOrDefault(f.input(1), -1);
		boolean transB = f.intAttribute("transB", 0) != 0;
		if (transB && rank < 2) {
			return null;
		}
		Set<String> names = g.tensorNames();
		List<Node> written = new ArrayList<>();
		String b = f.input(1);
		if (transB && constant != null && constant.dataType() == org.quantrace.engine.onnx.DataType.FLOAT) {
			// the constant stored transposed: a Transpose node would be folded, and listed as a removed node the original never had
			long[] d = constant.dims();
			int rows = Math.toIntExact(d[rank - 2]), cols = Math.toIntExact(d[rank - 1]), batch = constant.elementCount() == 0 ? 0 : Math.toIntExact(constant.elementCount() / ((long) rows * cols));
			float[] v = constant.toFloatArray(), t = new float[v.length];
			for (int k = 0; k < batch; k++) {
				for (int i = 0; i < rows; i++) {
					for (int j = 0; j < cols; j++) {
						t[k * rows * cols + j * rows + i] = v[k * rows * cols + i * cols + j];
					}
				}
			}
			long[] td = d.clone();
			td[rank - 2] = cols;
			td[rank - 1] = rows;
			b = g.uniqueName(b + "_transposed", names);
			g.putInitializer(Tensor.ofFloats(b, td, t));
		} else if (transB) {
			List<Long> perm = new ArrayList<>();
			for (long i = 0; i < rank; i++) {
				perm.add(i < rank - 2 ? i : i == rank - 2 ? rank - 1 : rank - 2);
			}
			String t = g.uniqueName(b + "_transposed", names);
			Node transpose = g.newNode(NodeProto.newBuilder().setOpType("Transpose").setName(f.name() + "/transpose_b").addInput(b).addOutput(t).build());
			transpose.setIntsAttribute("perm", perm);
			written.add(transpose);
			b = t;
		}
		float alpha = f.floatAttribute("alpha", 1f);
		String product = alpha == 1f ? f.output(0) : g.uniqueName(f.output(0) + "_product", names);
		written.add(g.newNode(NodeProto.newBuilder().setOpType("MatMul").setName(f.name()).addInput(f.input(0)).addInput(b).addOutput(product).build()));
		if (alpha != 1f) {
			String a = g.uniqueName(f.name() + "_alpha", names);
			g.putInitializer(Tensor.ofFloats(a, new long[0], new float[] { alpha }));
			written.add(g.newNode(NodeProto.newBuilder().setOpType("Mul").setName(f.name() + "/alpha").addInput(product).addInput(a).addOutput(f.output(0)).build()));
		}
		return written;
	}

	private static int needed(String activation) {
		return switch (activation) {
		case "LeakyRelu" -> 1;
		case "HardSigmoid", "Clip" -> 2;
		default -> 0;
		};
	}

	/** FusedGemm's activation parameters: activation_alpha (and _beta) where the activation takes them; LeakyRelu's default 0.01. */
	private static float[] gemmParams(Node f, String activation) {
		boolean alpha = f.attribute("activation_alpha").isPresent() || f.attribute("leaky_relu_alpha").isPresent();
		return switch (activation) {
		case "LeakyRelu" -> new float[] { f.floatAttribute("activation_alpha", f.floatAttribute("leaky_relu_alpha", 0.01f)) };
		case "HardSigmoid" -> alpha && f.attribute("activation_beta").isPresent()
				? new float[] { f.floatAttribute("activation_alpha", 0), f.floatAttribute("activation_beta", 0) } : null;
		case "Clip" -> null; // not a documented form of FusedGemm's attributes: left as it is
		default -> new float[0];
		};
	}

	private static float[] floats(Node f, String name) {
		List<Float> v = f.attribute(name).map(AttributeProto::getFloatsList).orElse(List.of());
		float[] a = new float[v.size()];
		for (int i = 0; i < a.length; i++) {
			a[i] = v.get(i);
		}
		return a;
	}

	/** The activation's standard op, named after the fused node (Clip's bounds as inputs from opset 11, attributes before). */
	private static Node activation(Graph g, Node f, String activation, float[] p, String x, String out, int opset, Set<String> names) {
		NodeProto.Builder b = NodeProto.newBuilder().setOpType(activation).setName(f.name() + "/" + activation.toLowerCase(java.util.Locale.ROOT)).addInput(x)
				.addOutput(out);
		switch (activation) {
		case "LeakyRelu" -> b.addAttribute(floatAttribute("alpha", p[0]));
		case "HardSigmoid" -> b.addAttribute(floatAttribute("alpha", p[0])).addAttribute(floatAttribute("beta", p[1]));
		case "Clip" -> {
			if (opset >= 11) {
				String min = g.uniqueName(f.name() + "_clip_min", names);
				String max = g.uniqueName(f.name() + "_clip_max", names);
				g.putInitializer(Tensor.ofFloats(min, new long[0], new float[] { p[0] }));
				g.putInitializer(Tensor.ofFloats(max, new long[0], new float[] { p[1] }));
				b.addInput(min).addInput(max);
			} else {
				b.addAttribute(floatAttribute("min", p[0])).addAttribute(floatAttribute("max", p[1]));
			}
		}
		default -> {
		}
		}
		return g.newNode(b.build());
	}

	private static AttributeProto floatAttribute(String name, float value) {
		return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.FLOAT).setF(value).build();
	}

}
