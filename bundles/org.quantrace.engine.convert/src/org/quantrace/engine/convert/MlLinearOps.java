package org.quantrace.engine.convert;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.quantrace.engine.onnx.DataType;
import org.quantrace.engine.onnx.Graph;
import org.quantrace.engine.onnx.Node;
import org.quantrace.engine.onnx.Tensor;
import org.quantrace.engine.onnx.TensorInfo;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.NodeProto;

/**
 * The linear ops of ONNX's traditional machine-learning domain (ai.onnx.ml), as skl2onnx writes a scikit-learn pipeline, written
 * as the standard ops that compute them, which the quantizer has rules for: make_unseen32's skllr_nozipmap (StandardScaler +
 * LogisticRegression: Scaler, LinearClassifier, Normalizer) quantized 0 of 4 layers, since no ai.onnx.ml op has an integer form.
 * Each is ONNX Runtime's kernel (core/providers/cpu/ml) op for op, on float inputs only:
 * <ul>
 * <li>Scaler: (x − offset) · scale per feature: Sub, Mul;</li>
 * <li>LinearClassifier of two or more classes with int64 labels: scores = x · coefficientsᵀ + intercepts (Gemm), the label the
 * class of the first largest raw score (ArgMax, then a Gather of classlabels_ints where they are not 0..E−1), the scores then
 * post-transformed: NONE, SOFTMAX (Softmax), LOGISTIC (Sigmoid);</li>
 * <li>LinearRegressor with post_transform NONE: Gemm;</li>
 * <li>Normalizer MAX, L1, L2 over the last axis: x divided by the row's largest value, |x| sum or L2 norm (ReduceMax, ReduceL1,
 * ReduceL2), a zero divisor taken as 1 as the kernel leaves such a row as it is (Equal, Where, Div).</li>
 * </ul>
 * Left as they are, each with its reason in a rewrite line not made: string labels, a binary classifier (one coefficient row:
 * the kernel makes the second class's score and the label by rules of its own), SOFTMAX_ZERO and PROBIT, which have no standard
 * op, inputs that are not float32 (the kernel casts integers first), and what the kernel's attributes leave undefined. The ml node
 * is listed as removed ({@link Removal.Reason#ML_OP_REWRITTEN}); its outputs keep their names.
 * <p>
 * A Scaler is not taken into the weights of the layer after it (W diag s, b − W (o s)): StandardScaler's s = 1/std of nearly
 * constant features (Fashion-MNIST's border pixels) multiplies their columns by up to ~1000, and each row's int8 scale then
 * rounds the other weights away (tried: skllr_nozipmap fiq-int8 0.8330 → 0.6225, sklsvc 0.8415 → 0.7700).
 */
final class MlLinearOps {

	private MlLinearOps() {
	}

	static final String DOMAIN = "ai.onnx.ml";
	private static final Set<String> OPS = Set.of("Scaler", "LinearClassifier", "LinearRegressor", "Normalizer");

	/** What one node is written as, or why it is left. */
	private record Written(List<Node> nodes, String left) {
	}

	/**
	 * Writes each Scaler, LinearClassifier, LinearRegressor and Normalizer of {@code g} (main graph) on float input as standard ops;
	 * returns the nodes removed. {@code probed}: the original's tensor types and shapes.
	 */
	static List<String> rewrite(Graph g, int opset, Map<String, TensorInfo> probed, List<Rewrite> rewrites) {
		List<String> removed = new ArrayList<>();
		List<String> said = new ArrayList<>();
		List<String> left = new ArrayList<>();
		for (Node n : List.copyOf(g.nodes())) {
			if (!DOMAIN.equals(n.domain()) || !OPS.contains(n.opType())) {
				continue;
			}
			Written w = written(g, n, opset, probed);
			if (w.left() != null) {
				left.add("'" + ConstantFolder.label(n) + "' (" + n.opType() + ": " + w.left() + ")");
				continue;
			}
			int at = g.nodes().indexOf(n);
			g.nodes().remove(n);
			g.nodes().addAll(at, w.nodes());
			removed.add(n.name().isEmpty() ? n.opType() : n.name());
			said.add("'" + ConstantFolder.label(n) + "' (" + n.opType() + " -> " + String.join(" + ", w.nodes().stream().map(Node::opType).toList()) + ")");
		}
		if (!said.isEmpty()) {
			g.removeUnusedInitializers();
			rewrites.add(new Rewrite(Rewrite.FUSION, said.size() + " ai.onnx.ml " + (said.size() == 1 ? "op" : "ops") + " (traditional machine learning, as"
					+ " skl2onnx writes a scikit-learn pipeline) written as the standard ops that compute them, which the quantizer has rules for: "
					+ String.join(", ", said.subList(0, Math.min(8, said.size()))) + (said.size() > 8 ? " and " + (said.size() - 8) + " more" : "")));
		}
		if (!left.isEmpty()) {
			rewrites.add(Rewrite.notMade(Rewrite.FUSION, left.size() + " ai.onnx.ml " + (left.size() == 1 ? "op" : "ops") + " left as "
					+ (left.size() == 1 ? "it is" : "they are") + " (they stay float): " + String.join(", ", left.subList(0, Math.min(8, left.size())))
					+ (left.size() > 8 ? " and " + (left.size() - 8) + " more" : "")));
		}
		return removed;
	}

	private static Written written(Graph g, Node n, int opset, Map<String, TensorInfo> probed) {
		if (n.inputs().size() != 1 || n.input(0).isEmpty()) {
			return left("not one input");
		}
		TensorInfo in = probed.containsKey(n.input(0)) ? probed.get(n.input(0)) // a graph input as the graph declares it
				: g.inputs().stream().filter(v -> v.getName().equals(n.input(0))).map(TensorInfo::of).findFirst().orElse(null);
		if (in == null || in.type() != DataType.FLOAT) {
			return left("its input is " + (in == null ? "of a type not known" : in.type()) + ", not float32: the kernel casts it to float first");
		}
		int rank = in.shape() == null ? -1 : in.shape().size();
		return switch (n.opType()) {
		case "Scaler" -> scaler(g, n);
		case "LinearClassifier" -> rank != 2 ? left("its input is not of rank 2 [N, C]") : classifier(g, n);
		case "LinearRegressor" -> rank != 2 ? left("its input is not of rank 2 [N, C]") : regressor(g, n);
		default -> rank < 1 || rank > 2 ? left("its input is not of rank 1 or 2") : normalizer(g, n, opset);
		};
	}

	private static Written left(String why) {
		return new Written(null, why);
	}

	private static Written scaler(Graph g, Node n) {
		float[] offset = floats(n, "offset");
		float[] scale = floats(n, "scale");
		if (offset.length == 0 || offset.length != scale.length) {
			return left("offset and scale not of one length");
		}
		Set<String> names = g.tensorNames();
		String o = constant(g, names, n.name() + "_offset", offset);
		String s = constant(g, names, n.name() + "_scale", scale);
		String centred = g.uniqueName(n.output(0) + "_centred", names);
		return new Written(List.of(node(g, "Sub", n.name() + "/sub", List.of(n.input(0), o), centred),
				node(g, "Mul", n.name() + "/mul", List.of(centred, s), n.output(0))), null);
	}

	private static Written classifier(Graph g, Node n) {
		float[] coefficients = floats(n, "coefficients");
		float[] intercepts = floats(n, "intercepts");
		List<Long> labels = n.intsAttribute("classlabels_ints");
		int classes = intercepts.length;
		if (n.attribute("classlabels_strings").map(AttributeProto::getStringsCount).orElse(0) > 0) {
			return left("its class labels are strings");
		}
		if (classes == 1) {
			return left("binary (one coefficient row): the kernel makes the second class's score and the label by rules of its own");
		}
		if (classes < 2 || labels.size() != classes || coefficients.length % classes != 0) {
			return left("its coefficients, intercepts and class labels do not give one score per class");
		}
		String post = n.stringAttribute("post_transform", "NONE");
		if (!post.equals("NONE") && !post.equals("SOFTMAX") && !post.equals("LOGISTIC")) {
			return left("post_transform " + post + " has no standard op");
		}
		Set<String> names = g.tensorNames();
		String label = n.outputs().size() > 0 ? n.output(0) : "";
		String scores = n.outputs().size() > 1 ? n.output(1) : "";
		boolean labelRead = read(g, label);
		boolean scoresRead = read(g, scores);
		List<Node> nodes = new ArrayList<>();
		String raw = post.equals("NONE") && scoresRead ? scores : g.uniqueName(n.name() + "_scores", names);
		nodes.add(gemm(g, n, names, coefficients, intercepts, classes, raw));
		if (labelRead) { // the kernel: the first class of the largest raw score (strictly greater moves it), before the transform
			boolean identity = true;
			for (int i = 0; i < classes; i++) {
				identity &= labels.get(i) == i;
			}
			String index = identity ? label : g.uniqueName(n.name() + "_class", names);
			Node argMax = node(g, "ArgMax", n.name() + "/argmax", List.of(raw), index);
			argMax.setIntAttribute("axis", 1);
			argMax.setIntAttribute("keepdims", 0);
			nodes.add(argMax);
			if (!identity) {
				String table = g.uniqueName(n.name() + "_classlabels", names);
				g.putInitializer(Tensor.ofLongs(table, new long[] { classes }, labels.stream().mapToLong(Long::longValue).toArray()));
				Node gather = node(g, "Gather", n.name() + "/labels", List.of(table, index), label);
				gather.setIntAttribute("axis", 0);
				nodes.add(gather);
			}
		}
		if (scoresRead && !post.equals("NONE")) {
			Node t = node(g, post.equals("SOFTMAX") ? "Softmax" : "Sigmoid", n.name() + "/" + post.toLowerCase(java.util.Locale.ROOT), List.of(raw), scores);
			if (post.equals("SOFTMAX")) {
				t.setIntAttribute("axis", 1);
			}
			nodes.add(t);
		}
		return new Written(nodes, null);
	}

	private static Written regressor(Graph g, Node n) {
		float[] coefficients = floats(n, "coefficients");
		float[] intercepts = floats(n, "intercepts");
		int targets = (int) n.intAttribute("targets", 1);
		if (!n.stringAttribute("post_transform", "NONE").equals("NONE")) {
			return left("post_transform " + n.stringAttribute("post_transform", "") + " has no standard op");
		}
		if (targets < 1 || coefficients.length == 0 || coefficients.length % targets != 0 || intercepts.length != 0 && intercepts.length != targets) {
			return left("its coefficients and intercepts do not give " + targets + " targets");
		}
		return new Written(List.of(gemm(g, n, g.tensorNames(), coefficients, intercepts, targets, n.output(0))), null);
	}

	private static Written normalizer(Graph g, Node n, int opset) {
		String norm = n.stringAttribute("norm", "MAX");
		String reduce = switch (norm) {
		case "MAX" -> "ReduceMax";
		case "L1" -> "ReduceL1";
		case "L2" -> "ReduceL2";
		default -> null;
		};
		if (reduce == null) {
			return left("norm " + norm + " is none of MAX, L1, L2");
		}
		if (opset < 11) {
			return left("opset " + opset + "'s Equal takes no float (from opset 11)");
		}
		Set<String> names = g.tensorNames();
		String x = n.input(0);
		String divisor = g.uniqueName(n.name() + "_" + norm.toLowerCase(java.util.Locale.ROOT), names);
		List<String> reduceIn = new ArrayList<>(List.of(x));
		boolean axesInput = opset >= 18; // Reduce* take their axes as an input from opset 18
		if (axesInput) {
			String axes = g.uniqueName(n.name() + "_axes", names);
			g.putInitializer(Tensor.ofLongs(axes, new long[] { 1 }, new long[] { -1 }));
			reduceIn.add(axes);
		}
		Node r = node(g, reduce, n.name() + "/" + reduce.toLowerCase(java.util.Locale.ROOT), reduceIn, divisor);
		if (!axesInput) {
			r.setIntsAttribute("axes", List.of(-1L));
		}
		r.setIntAttribute("keepdims", 1);
		String zero = constant(g, names, n.name() + "_zero", new float[] { 0f });
		String one = constant(g, names, n.name() + "_one", new float[] { 1f });
		String isZero = g.uniqueName(n.name() + "_is_zero", names);
		String safe = g.uniqueName(n.name() + "_divisor", names);
		return new Written(List.of(r, node(g, "Equal", n.name() + "/equal", List.of(divisor, zero), isZero),
				node(g, "Where", n.name() + "/where", List.of(isZero, one, divisor), safe), node(g, "Div", n.name() + "/div", List.of(x, safe), n.output(0))), null);
	}

	/** x · coefficientsᵀ [+ intercepts], the coefficients stored [rows, features] as the kernel reads them. */
	private static Node gemm(Graph g, Node n, Set<String> names, float[] coefficients, float[] intercepts, int rows, String out) {
		String w = g.uniqueName(n.name() + "_coefficients", names);
		g.putInitializer(Tensor.ofFloats(w, new long[] { rows, coefficients.length / rows }, coefficients));
		List<String> in = new ArrayList<>(List.of(n.input(0), w));
		if (intercepts.length > 0) {
			in.add(constant(g, names, n.name() + "_intercepts", intercepts));
		}
		Node gemm = node(g, "Gemm", n.name() + "/gemm", in, out);
		gemm.setIntAttribute("transB", 1);
		return gemm;
	}

	private static boolean read(Graph g, String tensor) {
		return !tensor.isEmpty() && (g.isOutput(tensor) || !g.consumers(tensor).isEmpty());
	}

	private static Node node(Graph g, String op, String name, List<String> inputs, String output) {
		return g.newNode(NodeProto.newBuilder().setOpType(op).setName(name).addAllInput(inputs).addOutput(output).build());
	}

	private static String constant(Graph g, Set<String> names, String base, float[] values) {
		String name = g.uniqueName(base, names);
		g.putInitializer(Tensor.ofFloats(name, new long[] { values.length }, values));
		return name;
	}

	private static float[] floats(Node n, String name) {
		List<Float> v = n.attribute(name).map(AttributeProto::getFloatsList).orElse(List.of());
		float[] a = new float[v.size()];
		for (int i = 0; i < a.length; i++) {
			a[i] = v.get(i);
		}
		return a;
	}

}
