package org.quantrace.engine.convert;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.quantrace.engine.onnx.Graph;
import org.quantrace.engine.onnx.Node;
import org.quantrace.engine.onnx.Tensor;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.AttributeProto.AttributeType;
import ai.onnx.proto.OnnxMl.NodeProto;

/**
 * Finds the decompositions exporters write for ops ONNX has fused forms of, and says what replaces each:
 * <ul>
 * <li>HardSigmoid: Clip(x + b, 0, c) / c (a Relu may precede the Clip; / c may be · 1/c) → HardSigmoid(α = 1/c, β = b/c);</li>
 * <li>HardSwish (opset 14): x · that with b = 3, c = 6, or x · HardSigmoid(x; 1/6, 1/2), or (x · Clip(x + 3, 0, 6)) / 6;</li>
 * <li>GELU (opset 20): x · ½ · (1 + erf(x / √2)), the factors in any order (PyTorch's export of nn.GELU);</li>
 * <li>LayerNormalization (opset 17): (x − mean(x)) / sqrt(mean((x − mean(x))²) + ε) · γ + β over the trailing axes
 * (PyTorch's export of nn.LayerNorm before opset 17);</li>
 * <li>GlobalAveragePool: ReduceMean over every axis after the channels (PyTorch's {@code x.mean([2, 3])}, the squeeze of
 * EfficientNet's and ShuffleNet's exports) → GlobalAveragePool, then Flatten when the reduced axes are not kept. ONNX
 * Runtime has no integer ReduceMean but runs GlobalAveragePool on integers (QLinearGlobalAveragePool).</li>
 * <li>Conv: ReduceMean over the channel axis alone of a rank-4 tensor, kept (CBAM's {@code x.mean(1, keepdim=True)}) → a 1x1
 * Conv from C channels to 1 with weights 1/C, which ONNX Runtime runs on integers (QLinearConv); not a normalization's statistic
 * (the mean of a square, or one subtracted from its input), which stays float with the Sqrt and Div it feeds.</li>
 * </ul>
 * A match requires every intermediate tensor to be read by the pattern alone, and constants where the formula has them.
 */
final class Patterns {

	/**
	 * A decomposition found: its nodes, its input and output, and the nodes and constants that compute the same; {@code through}
	 * are nodes between its input and its nodes that stay (others read them too; unread afterwards, the cleanup removes them).
	 */
	record Match(String op, int opset, List<Node> nodes, String input, String output, List<NodeProto> replacement, List<Tensor> constants, List<Node> through) {
		Match(String op, int opset, List<Node> nodes, String input, String output, List<NodeProto> replacement, List<Tensor> constants) {
			this(op, opset, nodes, input, output, replacement, constants, List.of());
		}

		/** What computes the output from the input as the model has it: {@link #through}, then {@link #nodes}. */
		List<Node> decomposition() {
			List<Node> all = new ArrayList<>(through);
			all.addAll(nodes);
			return all;
		}

		String describe() {
			List<String> ops = nodes.stream().map(Node::opType).toList();
			return op + " '" + ConstantFolder.label(nodes.get(nodes.size() - 1)) + "': " + String.join(", ", ops) + " -> " + op;
		}
	}

	private static final float SQRT2 = (float) Math.sqrt(2);

	private final Graph g;
	private final StaticShapes shapes;
	private final Map<String, Integer> probedRanks;
	private final int opset;

	/** {@code probedRanks}: the ranks a run of the model showed, for tensors whose rank ONNX Runtime's inference leaves unknown. */
	Patterns(Graph g, StaticShapes shapes, Map<String, Integer> probedRanks, int opset) {
		this.g = g;
		this.shapes = shapes;
		this.probedRanks = probedRanks;
		this.opset = opset;
	}

	/** Every match, none sharing a node, in graph order. */
	List<Match> find() {
		List<Match> found = new ArrayList<>();
		java.util.Set<Node> used = new java.util.HashSet<>();
		for (Node n : g.nodes()) {
			Match m = switch (n.opType()) {
			case "ReduceMean" -> {
				Match ln = layerNorm(n);
				Match gap = ln != null ? ln : globalAveragePool(n);
				Match tokens = gap != null ? gap : tokenMean(n);
				yield tokens != null ? tokens : channelMean(n);
			}
			case "Erf" -> gelu(n);
			case "Clip" -> hardSigmoidOrSwish(n);
			case "HardSigmoid" -> hardSwishOfNative(n);
			default -> null;
			};
			if (m != null && m.nodes().stream().noneMatch(used::contains)) {
				used.addAll(m.nodes());
				found.add(m);
			}
		}
		return found;
	}

	// ------------------------------------------------------------------ HardSigmoid, HardSwish

	private Match hardSigmoidOrSwish(Node clip) {
		List<Node> nodes = new ArrayList<>();
		Node relu = producerIf(clip.input(0), "Relu");
		String beforeRelu = relu != null ? relu.input(0) : clip.input(0);
		Node add = producerIf(beforeRelu, "Add");
		if (add == null) {
			return null;
		}
		int xSide = scalar(add.input(1)) != null ? 0 : scalar(add.input(0)) != null ? 1 : -1;
		if (xSide < 0) {
			return null;
		}
		String x = add.input(xSide);
		float b = scalar(add.input(1 - xSide));
		Float lo = clipBound(clip, 1, "min");
		Float hi = clipBound(clip, 2, "max");
		if (hi == null || !(hi > 0) || (relu == null ? lo == null || lo != 0 : lo != null && lo > 0)) {
			return null;
		}
		float c = hi;
		nodes.add(add);
		if (relu != null) {
			nodes.add(relu);
		}
		nodes.add(clip);
		Node next = onlyReader(clip.output(0));
		if (next == null) {
			return null;
		}
		// (x · Clip(x + 3, 0, 6)) / 6: the product first
		if (next.opType().equals("Mul") && other(next, clip.output(0)).equals(x)) {
			Node scale = onlyReader(next.output(0));
			if (scale != null && dividesBy(scale, next.output(0), c) && isSwish(b, c)) {
				nodes.add(next);
				nodes.add(scale);
				return swish(nodes, x, scale.output(0));
			}
			return null;
		}
		if (!dividesBy(next, clip.output(0), c)) {
			return null;
		}
		nodes.add(next);
		Node mul = onlyReader(next.output(0));
		if (mul != null && mul.opType().equals("Mul") && other(mul, next.output(0)).equals(x) && isSwish(b, c)) {
			nodes.add(mul);
			return swish(nodes, x, mul.output(0));
		}
		return new Match("HardSigmoid", 6, nodes, x, next.output(0), List.of(hardSigmoid(x, next.output(0), 1 / c, b / c, clip.name())), List.of());
	}

	/** x · HardSigmoid(x; 1/6, 1/2) is HardSwish. */
	private Match hardSwishOfNative(Node hs) {
		float alpha = hs.floatAttribute("alpha", 0.2f);
		float beta = hs.floatAttribute("beta", 0.5f);
		Node mul = onlyReader(hs.output(0));
		if (mul == null || !mul.opType().equals("Mul") || !other(mul, hs.output(0)).equals(hs.input(0)) || !close(alpha, 1 / 6f) || !close(beta, 0.5f)) {
			return null;
		}
		return swish(List.of(hs, mul), hs.input(0), mul.output(0));
	}

	private static Match swish(List<Node> nodes, String x, String out) {
		String name = nodes.get(nodes.size() - 1).name();
		return new Match("HardSwish", 14, nodes, x, out, List.of(node("HardSwish", name + "_hardswish", List.of(x), out)), List.of());
	}

	/** Below opset 14, when the model cannot be upgraded: HardSigmoid and Mul, two ops instead of four or five. */
	static List<NodeProto> swishAsHardSigmoidMul(Match m) {
		String mid = m.output() + "_hardsigmoid";
		String name = m.nodes().get(m.nodes().size() - 1).name();
		return List.of(hardSigmoid(m.input(), mid, 1 / 6f, 0.5f, name), node("Mul", name + "_hardswish", List.of(m.input(), mid), m.output()));
	}

	private static NodeProto hardSigmoid(String x, String out, float alpha, float beta, String name) {
		return node("HardSigmoid", name + "_hardsigmoid", List.of(x), out).toBuilder().addAttribute(floatAttr("alpha", alpha))
				.addAttribute(floatAttr("beta", beta)).build();
	}

	private static boolean isSwish(float b, float c) {
		return close(b, 3) && close(c, 6);
	}

	/** n computes {@code t} / c, as a Div by c or a Mul by 1/c. */
	private boolean dividesBy(Node n, String t, float c) {
		if (n.opType().equals("Div") && n.input(0).equals(t)) {
			Float d = scalar(n.input(1));
			return d != null && close(d, c);
		}
		if (n.opType().equals("Mul")) {
			Float k = scalar(other(n, t));
			return k != null && close(k, 1 / c);
		}
		return false;
	}

	/** Clip's bound: input {@code index} from opset 11, the attribute before; null when absent. */
	private Float clipBound(Node clip, int index, String attribute) {
		if (clip.attribute(attribute).isPresent()) {
			return clip.floatAttribute(attribute, 0);
		}
		return clip.input(index).isEmpty() ? null : scalar(clip.input(index));
	}

	// ------------------------------------------------------------------ GELU

	private Match gelu(Node erf) {
		Node scaled = producerIf(erf.input(0), "Div", "Mul");
		if (scaled == null) {
			return null;
		}
		String x;
		if (scaled.opType().equals("Div")) {
			Float s = scalar(scaled.input(1));
			x = scaled.input(0);
			if (s == null || !close(s, SQRT2)) {
				return null;
			}
		} else {
			int side = scalar(scaled.input(1)) != null ? 0 : 1;
			x = scaled.input(side);
			Float s = scalar(scaled.input(1 - side));
			if (s == null || !close(s, 1 / SQRT2)) {
				return null;
			}
		}
		Node plusOne = onlyReader(erf.output(0));
		if (plusOne == null || !plusOne.opType().equals("Add") || !isScalar(other(plusOne, erf.output(0)), 1)) {
			return null;
		}
		List<Node> nodes = new ArrayList<>(List.of(scaled, erf, plusOne));
		String a = plusOne.output(0);
		Node m1 = onlyReader(a);
		if (m1 == null || !m1.opType().equals("Mul")) {
			return null;
		}
		String factor = other(m1, a);
		Node m2 = onlyReader(m1.output(0));
		String out;
		if (factor.equals(x) && m2 != null && halves(m2, m1.output(0))) { // (x · A) · ½
			nodes.addAll(List.of(m1, m2));
			out = m2.output(0);
		} else if (isScalar(factor, 0.5f) && m2 != null && m2.opType().equals("Mul") && other(m2, m1.output(0)).equals(x)) { // x · (A · ½)
			nodes.addAll(List.of(m1, m2));
			out = m2.output(0);
		} else {
			Node half = producerIf(factor, "Mul", "Div");
			if (half == null || !halves(half, x) || onlyReader(factor) != m1) { // (x · ½) · A
				return null;
			}
			nodes.add(0, half);
			nodes.add(m1);
			out = m1.output(0);
		}
		NodeProto gelu = node("Gelu", nodes.get(nodes.size() - 1).name() + "_gelu", List.of(x), out).toBuilder()
				.addAttribute(AttributeProto.newBuilder().setName("approximate").setType(AttributeType.STRING)
						.setS(com.google.protobuf.ByteString.copyFromUtf8("none")))
				.build();
		return new Match("Gelu", 20, nodes, x, out, List.of(gelu), List.of());
	}

	/** n computes {@code t} · ½ (or {@code t} / 2). */
	private boolean halves(Node n, String t) {
		if (n.opType().equals("Mul")) {
			return n.inputs().contains(t) && isScalar(other(n, t), 0.5f);
		}
		return n.opType().equals("Div") && n.input(0).equals(t) && isScalar(n.input(1), 2);
	}

	// ------------------------------------------------------------------ GlobalAveragePool

	private Match globalAveragePool(Node mean) {
		String x = mean.input(0);
		List<Long> axes = reduceAxes(mean);
		// round 13's coordmod: after the Concat of the image with planes computed from its symbolic H and W, ONNX Runtime's
		// inference reports no rank for the whole network; the rank a run showed is a Conv's output rank, fixed by its weights
		int rank = rank(x);
		if (!mean.domain().isEmpty() || axes == null || rank < 3 || axes.size() != rank - 2 || trailing(axes, rank) != rank - 2) {
			return null;
		}
		String out = mean.output(0);
		String name = mean.name().isEmpty() ? out : mean.name();
		if (mean.intAttribute("keepdims", 1) == 1) {
			return new Match("GlobalAveragePool", 1, List.of(mean), x, out, List.of(node("GlobalAveragePool", name + "_gap", List.of(x), out)), List.of());
		}
		String pooled = g.uniqueName(out + "_gap", BatchNormFolding.root(g).tensorNames());
		return new Match("GlobalAveragePool", 1, List.of(mean), x, out, List.of(node("GlobalAveragePool", name + "_gap", List.of(x), pooled),
				node("Flatten", name + "_flatten", List.of(pooled), out).toBuilder().addAttribute(intAttr("axis", 1)).build()), List.of());
	}

	/**
	 * The mean over the tokens of an image's channels-last token sequence: {@code x.flatten(2).transpose(1, 2).mean(1)} on [N, C,
	 * H, W] (ReduceMean over axis 1, not kept, of Transpose(0, 2, 1) of a Reshape to [N, C, H·W]; make_unseen15.py hyper) is the
	 * mean over the pixels of each channel, [N, C]: GlobalAveragePool of the image, then Flatten. It reads the image's codes
	 * (QLinearGlobalAveragePool) instead of a DequantizeLinear of the tokens; the Reshape and Transpose stay when others read them.
	 */
	private Match tokenMean(Node mean) {
		List<Long> axes = reduceAxes(mean);
		Node transpose = g.producer(mean.input(0)).orElse(null);
		if (!mean.domain().isEmpty() || axes == null || axes.size() != 1 || (axes.get(0) + 3) % 3 != 1 || mean.intAttribute("keepdims", 1) != 0
				|| transpose == null || !transpose.opType().equals("Transpose") || !transpose.domain().isEmpty()
				|| !transpose.intsAttribute("perm").equals(List.of(0L, 2L, 1L))) {
			return null;
		}
		Node reshape = g.producer(transpose.input(0)).orElse(null);
		if (reshape == null || !reshape.opType().equals("Reshape") || !reshape.domain().isEmpty()) {
			return null;
		}
		String x = reshape.input(0);
		long[] image = shapes.of(x);
		long[] flat = shapes.of(reshape.output(0));
		if (image == null || flat == null || image.length < 3 || flat.length != 3 || image[1] <= 0 || flat[1] != image[1] || flat[2] != pixels(image)) {
			return null;
		}
		String out = mean.output(0);
		String name = mean.name().isEmpty() ? out : mean.name();
		String pooled = g.uniqueName(out + "_gap", BatchNormFolding.root(g).tensorNames());
		return new Match("GlobalAveragePool", 1, List.of(mean), x, out, List.of(node("GlobalAveragePool", name + "_gap", List.of(x), pooled),
				node("Flatten", name + "_flatten", List.of(pooled), out).toBuilder().addAttribute(intAttr("axis", 1)).build()), List.of(),
				List.of(reshape, transpose));
	}

	/** The number of pixels of each channel of {@code image} [N, C, ...], -1 when a spatial dimension is unknown. */
	private static long pixels(long[] image) {
		long p = 1;
		for (int i = 2; i < image.length; i++) {
			if (image[i] <= 0) {
				return -1;
			}
			p *= image[i];
		}
		return p;
	}

	// ------------------------------------------------------------------ the mean over the channels

	/**
	 * ReduceMean over the channel axis alone of an image tensor, kept ({@code x.mean(1, keepdim=True)} on [N, C, H, W]: CBAM's
	 * spatial attention) → a Conv of kernel 1x1 from C channels to 1 whose weights are all 1/C. ONNX Runtime has no integer
	 * ReduceMean, so the quantizer left it and the Concat after it float; it runs QLinearConv.
	 */
	private Match channelMean(Node mean) {
		String x = mean.input(0);
		List<Long> axes = reduceAxes(mean);
		long[] d = shapes.of(x);
		if (!mean.domain().isEmpty() || axes == null || d == null || d.length != 4 || axes.size() != 1 || (axes.get(0) + 4) % 4 != 1
				|| mean.intAttribute("keepdims", 1) != 1 || d[1] <= 0 || d[1] > Integer.MAX_VALUE) {
			return null;
		}
		if (normalizationStatistic(mean)) {
			return null;
		}
		int c = (int) d[1];
		String out = mean.output(0);
		String name = mean.name().isEmpty() ? out : mean.name();
		String weights = g.uniqueName(name + "_channel_mean_weights", BatchNormFolding.root(g).tensorNames());
		return new Match("Conv", 1, List.of(mean), x, out, List.of(node("Conv", name + "_conv", List.of(x, weights), out)),
				List.of(Tensor.ofFloats(weights, new long[] { 1, c, 1, 1 }, filled(c, 1f / c))));
	}

	/**
	 * Whether a mean is a normalization's statistic: of a square (RMSNorm's and the variance's mean(x²), a Pow by 2 or x·x) or
	 * subtracted from its own input (the centering x − mean(x)). Those stay float with the Sqrt and Div they feed: as a Conv
	 * the statistic would be quantized for no integer reader, and on make_unseen8.py gatedmix (RMSNorm over the channels)
	 * that cost 7.1 pt (0.7565 → 0.6857 on 10,000 images).
	 */
	private boolean normalizationStatistic(Node mean) {
		String x = mean.input(0);
		Node square = g.producer(x).orElse(null);
		if (square != null && (square.opType().equals("Pow") && isScalar(square.input(1), 2)
				|| square.opType().equals("Mul") && square.inputs().size() == 2 && square.input(0).equals(square.input(1)))) {
			return true;
		}
		return g.consumers(mean.output(0)).stream().anyMatch(n -> n.opType().equals("Sub") && n.input(0).equals(x) && n.input(1).equals(mean.output(0)));
	}

	// ------------------------------------------------------------------ LayerNormalization

	private Match layerNorm(Node mean) {
		String x = mean.input(0);
		List<Long> axes = reduceAxes(mean);
		int rank = shapes.rank(x);
		if (axes == null || rank < 0 || mean.intAttribute("keepdims", 1) != 1) {
			return null;
		}
		int k = trailing(axes, rank);
		if (k <= 0) {
			return null;
		}
		Node sub = onlyReader(mean.output(0));
		if (sub == null || !sub.opType().equals("Sub") || !sub.input(0).equals(x) || !sub.input(1).equals(mean.output(0))) {
			return null;
		}
		String d = sub.output(0);
		List<Node> readers = readers(d);
		Node square = readers.stream().filter(r -> r.opType().equals("Pow") && r.input(0).equals(d) && isScalar(r.input(1), 2)
				|| r.opType().equals("Mul") && r.input(0).equals(d) && r.input(1).equals(d)).findFirst().orElse(null);
		Node div = readers.stream().filter(r -> r.opType().equals("Div") && r.input(0).equals(d)).findFirst().orElse(null);
		if (readers.size() != 2 || square == null || div == null || g.isOutput(d)) {
			return null;
		}
		Node variance = onlyReader(square.output(0));
		if (variance == null || !variance.opType().equals("ReduceMean") || !axes.equals(reduceAxes(variance)) || variance.intAttribute("keepdims", 1) != 1) {
			return null;
		}
		Node addEps = onlyReader(variance.output(0));
		Float eps = addEps != null && addEps.opType().equals("Add") ? scalar(other(addEps, variance.output(0))) : null;
		Node sqrt = eps == null ? null : onlyReader(addEps.output(0));
		if (sqrt == null || !sqrt.opType().equals("Sqrt") || onlyReader(sqrt.output(0)) != div || !div.input(1).equals(sqrt.output(0))) {
			return null;
		}
		List<Node> nodes = new ArrayList<>(List.of(mean, sub, square, variance, addEps, sqrt, div));
		long[] dims = shapes.of(x);
		long[] normalized = java.util.Arrays.copyOfRange(dims, rank - k, rank);
		long size = 1;
		for (long v : normalized) {
			size = v < 0 ? -1 : size * v;
		}
		if (size < 0) {
			return null;
		}
		String out = div.output(0);
		Tensor gamma = null;
		Tensor beta = null;
		Node mul = onlyReader(out);
		if (mul != null && mul.opType().equals("Mul") && affine(other(mul, out), normalized)) {
			gamma = g.constant(other(mul, out));
			nodes.add(mul);
			out = mul.output(0);
			Node add = onlyReader(out);
			if (add != null && add.opType().equals("Add") && affine(other(add, out), normalized)) {
				beta = g.constant(other(add, out));
				nodes.add(add);
				out = add.output(0);
			}
		}
		String base = nodes.get(nodes.size() - 1).name();
		java.util.Set<String> names = BatchNormFolding.root(g).tensorNames();
		String scaleName = g.uniqueName(base + "_ln_scale", names);
		float[] scale = gamma != null ? gamma.toFloatArray() : filled((int) size, 1f);
		List<Tensor> constants = new ArrayList<>(List.of(Tensor.ofFloats(scaleName, normalized, scale)));
		List<String> inputs = new ArrayList<>(List.of(x, scaleName));
		if (beta != null) {
			String biasName = g.uniqueName(base + "_ln_bias", names);
			constants.add(Tensor.ofFloats(biasName, normalized, beta.toFloatArray()));
			inputs.add(biasName);
		}
		NodeProto ln = node("LayerNormalization", base + "_layernorm", inputs, out).toBuilder().addAttribute(intAttr("axis", -k))
				.addAttribute(floatAttr("epsilon", eps)).build();
		return new Match("LayerNormalization", 17, nodes, x, out, List.of(ln), constants);
	}

	/** A float constant of the normalized shape, possibly with leading 1s: it then scales each normalized element once. */
	private boolean affine(String t, long[] normalized) {
		Tensor c = g.constant(t);
		if (c == null || c.dataType() != org.quantrace.engine.onnx.DataType.FLOAT) {
			return false;
		}
		long[] d = c.dims();
		int lead = d.length - normalized.length;
		if (lead < 0) {
			return false;
		}
		for (int i = 0; i < d.length; i++) {
			if (i < lead ? d[i] != 1 : d[i] != normalized[i - lead]) {
				return false;
			}
		}
		return true;
	}

	/** The reduced axes, from the attribute (before opset 18) or the input. */
	private List<Long> reduceAxes(Node reduce) {
		if (reduce.attribute("axes").isPresent()) {
			return reduce.intsAttribute("axes");
		}
		Tensor a = reduce.input(1).isEmpty() ? null : g.constant(reduce.input(1));
		return a == null ? null : java.util.Arrays.stream(a.toLongArray()).boxed().toList();
	}

	/** k when {@code axes} are exactly the last k of a rank-{@code rank} tensor, else 0. */
	private static int trailing(List<Long> axes, int rank) {
		java.util.Set<Long> canonical = new java.util.TreeSet<>();
		for (long a : axes) {
			canonical.add(a < 0 ? a + rank : a);
		}
		int k = canonical.size();
		for (long a = rank - k; a < rank; a++) {
			if (!canonical.contains(a)) {
				return 0;
			}
		}
		return k;
	}

	// ------------------------------------------------------------------ graph helpers

	/** The rank of {@code t}: ONNX Runtime's inference, else what a run of the model showed; -1 if neither knows. */
	private int rank(String t) {
		int r = shapes.rank(t);
		return r >= 0 ? r : probedRanks.getOrDefault(t, -1);
	}

	/** The producer of {@code t} if it is one of {@code ops}, of the default domain, and {@code t} has no other reader. */
	private Node producerIf(String t, String... ops) {
		Node p = g.producer(t).orElse(null);
		if (p == null || !p.domain().isEmpty() || !List.of(ops).contains(p.opType()) || onlyReader(t) == null) {
			return null;
		}
		return p;
	}

	/** The one node that reads {@code t} (in this graph or its subgraphs), if only one does and {@code t} is not a graph output. */
	private Node onlyReader(String t) {
		List<Node> r = readers(t);
		return r.size() == 1 && !g.isOutput(t) && r.get(0).domain().isEmpty() ? r.get(0) : null;
	}

	private List<Node> readers(String t) {
		return g.consumers(t);
	}

	/** The input of a binary node that is not {@code t} (or {@code t} for x·x). */
	private static String other(Node n, String t) {
		return n.input(0).equals(t) ? n.input(1) : n.input(0);
	}

	private Float scalar(String t) {
		Tensor c = t.isEmpty() ? null : g.constant(t);
		if (c == null || c.elementCount() != 1) {
			return null;
		}
		return switch (c.dataType()) {
		case FLOAT, DOUBLE, FLOAT16 -> c.toFloatArray()[0];
		default -> null;
		};
	}

	private boolean isScalar(String t, float value) {
		Float v = scalar(t);
		return v != null && close(v, value);
	}

	static boolean close(float a, float b) {
		return Math.abs(a - b) <= 1e-5f * Math.max(1, Math.abs(b));
	}

	private static float[] filled(int n, float v) {
		float[] f = new float[n];
		java.util.Arrays.fill(f, v);
		return f;
	}

	static NodeProto node(String op, String name, List<String> inputs, String output) {
		return NodeProto.newBuilder().setOpType(op).setName(name).addAllInput(inputs).addOutput(output).build();
	}

	private static AttributeProto floatAttr(String name, float v) {
		return AttributeProto.newBuilder().setName(name).setType(AttributeType.FLOAT).setF(v).build();
	}

	private static AttributeProto intAttr(String name, long v) {
		return AttributeProto.newBuilder().setName(name).setType(AttributeType.INT).setI(v).build();
	}

	/** Matches by op, for reports. */
	static Map<String, List<Match>> byOp(List<Match> matches) {
		Map<String, List<Match>> m = new LinkedHashMap<>();
		matches.forEach(x -> m.computeIfAbsent(x.op(), k -> new ArrayList<>()).add(x));
		return m;
	}
}
