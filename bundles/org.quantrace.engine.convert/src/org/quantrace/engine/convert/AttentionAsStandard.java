package org.quantrace.engine.convert;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.quantrace.engine.onnx.DataType;
import org.quantrace.engine.onnx.Graph;
import org.quantrace.engine.onnx.Node;
import org.quantrace.engine.onnx.Tensor;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.NodeProto;

/**
 * ONNX Runtime's com.microsoft.Attention and MultiHeadAttention, as its transformers optimizer leaves a BERT or ViT, written
 * as the standard ops they compute (ContribOperators.md): Attention's projection MatMul(input, weights [H, Hq + Hk + Hv]) + Add
 * of the bias, Split into Q, K, V (MultiHeadAttention: its query, key and value, each + its slice of the bias), each Reshape
 * [B, S, heads, head size] and Transpose to [B, heads, S, h] (K to [B, heads, h, S]), MatMul Q·Kᵀ, Mul by the scale (the
 * attribute, else 1/√h), Add of the mask (a 2-D raw mask [B, T]: 0 where it is above 0, else mask_filter_value, as the CPU
 * kernel adds it), Softmax over the last axis, MatMul by V, Transpose and Reshape back to [B, S, Hv]. The quantizer has no rule
 * for the contrib ops: make_unseen32's ortvit kept its [64, 192] QKV projection, its largest weight, in float (11 of 22 layers
 * integer, 0.83-0.89x fp32's CPU time); written so, the projection is an integer MatMul and so are Q·Kᵀ and ·V. The projection
 * keeps the contrib node's name (the layer is there still; nothing is listed removed). A form this does not write (past state,
 * present output, attention_bias, rotary embedding, a shared past buffer, unidirectional, a mask other than [B, T], weights
 * that are no constant matrix) is left as it is, and the rewrite line says why: ONNX Runtime runs it in float.
 */
final class AttentionAsStandard {

	private AttentionAsStandard() {
	}

	private static final String DOMAIN = "com.microsoft";

	/**
	 * The hidden size (of Q) from which the rewrite is made. Written back, the block loses ONNX Runtime's fused kernel (the
	 * converted float model is 1.05-1.28x the original's CPU time) and pays quantize/dequantize hops, transposes and batched
	 * small integer products; the integer projection saves in proportion to the hidden size. CPU time of fiq-int8 over the
	 * original float model, one thread, batch 64 (branch attn41): ortvit (H 64) 1.06-1.25 written back vs 0.85-0.91 left,
	 * 4-block ViTs of 49 tokens: H 128 0.84-0.88 vs 0.81-0.82, H 192 0.66 vs 0.71, H 256 0.60-0.62 vs 0.62-0.66 (tests/data/wild/README.md,
	 * attn41). MultiHeadAttention is held to the same size: its Q, K and V MatMuls quantize already, and written back only its core changes.
	 */
	static final long MIN_HIDDEN = 192;

	private static final String SMALL = "ONNX Runtime's fused kernel runs a block this small faster than an integer projection saves (left, the model's"
			+ " fiq-int8 runs faster)";

	/** What was written ("'name' (Attention -> MatMul + ...)") and what was left with why, of {@code g}'s main graph. */
	record Outcome(List<String> written, List<String> left) {
	}

	static Outcome rewrite(Graph g, int opset, Map<String, Integer> ranks) {
		List<String> written = new ArrayList<>(), left = new ArrayList<>();
		for (Node a : List.copyOf(g.nodes())) {
			boolean attention = a.opType().equals("Attention"), mha = a.opType().equals("MultiHeadAttention");
			if (!DOMAIN.equals(a.domain()) || !attention && !mha) {
				continue;
			}
			String why = attention ? unsupportedAttention(g, a, ranks) : unsupportedMha(g, a, ranks);
			if (why != null) {
				left.add("'" + ConstantFolder.label(a) + "' (" + a.opType() + ": " + why + ")");
				continue;
			}
			List<Node> nodes = attention ? attention(g, a, opset) : mha(g, a);
			int at = g.nodes().indexOf(a);
			g.nodes().remove(a);
			g.nodes().addAll(at, nodes);
			written.add("'" + ConstantFolder.label(a) + "' (" + a.opType() + " -> " + String.join(" + ", nodes.stream().map(Node::opType).toList()) + ")");
		}
		if (!written.isEmpty()) {
			g.removeUnusedInitializers();
		}
		return new Outcome(written, left);
	}

	/** Why Attention {@code a} is not written back, or null. */
	private static String unsupportedAttention(Graph g, Node a, Map<String, Integer> ranks) {
		String common = unsupportedCommon(g, a, List.of("do_rotary", "past_present_share_buffer"), 3, 4, "past state (input 5)", ranks);
		if (common != null) {
			return common;
		}
		if (present(a, 5)) {
			return "attention_bias (input 6, a relative position bias) not written back";
		}
		if (present(a, 6)) {
			return "past_sequence_length (input 7) not written back";
		}
		Tensor w = g.constant(a.input(1));
		if (w == null || w.dims().length != 2 || w.dataType() != DataType.FLOAT) {
			return "weights '" + a.input(1) + "' are not a constant float matrix";
		}
		long[] sizes = qkvSizes(a, w.dims()[1]);
		if (sizes == null) {
			return "qkv_hidden_sizes " + a.intsAttribute("qkv_hidden_sizes") + " do not split the weights' " + w.dims()[1] + " columns into Q and K of one size"
					+ " and V, each a multiple of num_heads " + a.intAttribute("num_heads", 0);
		}
		if (sizes[0] < MIN_HIDDEN) {
			return "hidden size " + sizes[0] + ", below " + MIN_HIDDEN + ": " + SMALL;
		}
		if (present(a, 2)) {
			Tensor b = g.constant(a.input(2));
			if (b != null && (b.dims().length != 1 || b.dims()[0] != w.dims()[1])) {
				return "bias of shape " + java.util.Arrays.toString(b.dims()) + ", not [" + w.dims()[1] + "]";
			}
		}
		return null;
	}

	/** Why MultiHeadAttention {@code a} is not written back, or null: query, key and value each [B, S, hidden], bias a constant. */
	private static String unsupportedMha(Graph g, Node a, Map<String, Integer> ranks) {
		String common = unsupportedCommon(g, a, List.of(), 4, 6, "past key (input 7)", ranks);
		if (common != null) {
			return common;
		}
		if (present(a, 5)) {
			return "attention_bias (input 6, a relative position bias) not written back";
		}
		for (int i = 7; i < a.inputs().size(); i++) {
			if (present(a, i)) {
				return "input " + (i + 1) + " (past value, past_sequence_length or cache_indirection) not written back";
			}
		}
		if (!present(a, 1) || !present(a, 2)) {
			return "packed query/key/value (no separate key and value) not written back";
		}
		for (int i = 0; i < 3; i++) {
			if (rank(g, a.input(i), ranks) != 3) {
				return "input " + (i + 1) + " '" + a.input(i) + "' is not of rank 3 [batch, sequence, hidden]"
						+ (rank(g, a.input(i), ranks) >= 0 ? "" : " as far as the model's shapes tell");
			}
		}
		Tensor b = present(a, 3) ? g.constant(a.input(3)) : null;
		if (b == null || b.dims().length != 1 || b.dataType() != DataType.FLOAT || b.dims()[0] % (3 * a.intAttribute("num_heads", 0)) != 0) {
			// the bias gives Q's hidden size, and so the head size of the default scale
			return present(a, 3) ? "bias '" + a.input(3) + "' is not a constant float vector of 3 · num_heads · head size" : "no bias, which gives the head size";
		}
		if (b.dims()[0] / 3 < MIN_HIDDEN) {
			return "hidden size " + b.dims()[0] / 3 + ", below " + MIN_HIDDEN + ": " + SMALL;
		}
		return null;
	}

	/**
	 * What both ops share: the attributes this does not write ({@code unwritten}, set to non-zero), unidirectional, num_heads,
	 * a second output, a mask at {@code mask} that is not [B, T], and the past input at {@code past}.
	 */
	private static String unsupportedCommon(Graph g, Node a, List<String> unwritten, int mask, int past, String pastWords, Map<String, Integer> ranks) {
		for (String attribute : unwritten) {
			if (a.intAttribute(attribute, 0) != 0) {
				return attribute + " " + a.intAttribute(attribute, 0) + " not written back";
			}
		}
		if (a.intAttribute("unidirectional", 0) != 0) {
			return "unidirectional (causal) attention not written back";
		}
		if (a.intAttribute("num_heads", 0) <= 0) {
			return "no num_heads";
		}
		if (a.outputs().size() > 1 && a.outputs().subList(1, a.outputs().size()).stream().anyMatch(o -> !o.isEmpty())) {
			return "present state output written back only without it";
		}
		if (present(a, past)) {
			return pastWords + " not written back";
		}
		int maskRank = present(a, mask) ? rank(g, a.input(mask), ranks) : 2;
		if (maskRank != 2) {
			return "mask '" + a.input(mask) + "' is not a raw [batch, sequence] mask"
					+ (maskRank >= 0 ? " (rank " + maskRank + ")" : " as far as the model's shapes tell")
					+ "; only that form is written back";
		}
		return null;
	}

	/** {@code tensor}'s rank: probed, a constant's, else a graph input's declared shape; -1 unknown. */
	private static int rank(Graph g, String tensor, Map<String, Integer> ranks) {
		Integer probed = ranks.get(tensor);
		if (probed != null) {
			return probed;
		}
		Tensor constant = g.constant(tensor);
		if (constant != null) {
			return constant.dims().length;
		}
		return g.inputs().stream().filter(v -> v.getName().equals(tensor) && v.getType().getTensorType().hasShape()).findFirst()
				.map(v -> v.getType().getTensorType().getShape().getDimCount()).orElse(-1);
	}

	private static boolean present(Node a, int input) {
		return a.inputs().size() > input && !a.input(input).isEmpty();
	}

	/** Q, K and V's hidden sizes: qkv_hidden_sizes, else a third of {@code columns} each; null where they do not fit. */
	private static long[] qkvSizes(Node a, long columns) {
		List<Long> declared = a.intsAttribute("qkv_hidden_sizes");
		long[] s = declared.isEmpty() ? new long[] { columns / 3, columns / 3, columns / 3 } : declared.stream().mapToLong(Long::longValue).toArray();
		long heads = a.intAttribute("num_heads", 0);
		if (s.length != 3 || s[0] != s[1] || s[0] + s[1] + s[2] != columns || heads <= 0 || s[0] <= 0 || s[2] <= 0 || s[0] % heads != 0 || s[2] % heads != 0) {
			return null;
		}
		return s;
	}

	/** Attention as the projection MatMul (the node's name) [+ Add of the bias] + Split + the heads. */
	private static List<Node> attention(Graph g, Node a, int opset) {
		Set<String> names = g.tensorNames();
		long[] sizes = qkvSizes(a, g.constant(a.input(1)).dims()[1]);
		List<Node> out = new ArrayList<>();
		String projected = g.uniqueName(a.output(0) + "_qkv", names);
		out.add(node(g, "MatMul", a.name(), List.of(a.input(0), a.input(1)), projected));
		if (present(a, 2)) {
			String biased = g.uniqueName(a.output(0) + "_qkv_bias", names);
			out.add(node(g, "Add", a.name() + "/bias", List.of(projected, a.input(2)), biased));
			projected = biased;
		}
		List<String> qkv = List.of(g.uniqueName(a.output(0) + "_q", names), g.uniqueName(a.output(0) + "_k", names), g.uniqueName(a.output(0) + "_v", names));
		NodeProto.Builder split = NodeProto.newBuilder().setOpType("Split").setName(a.name() + "/split").addInput(projected).addAllOutput(qkv)
				.addAttribute(AttributeProto.newBuilder().setName("axis").setType(AttributeProto.AttributeType.INT).setI(2));
		if (opset >= 13) {
			split.addInput(constant(g, names, a.name() + "_qkv_sizes", sizes));
		} else {
			split.addAttribute(AttributeProto.newBuilder().setName("split").setType(AttributeProto.AttributeType.INTS).addAllInts(List.of(sizes[0], sizes[1], sizes[2])));
		}
		out.add(g.newNode(split.build()));
		heads(g, a, qkv.get(0), qkv.get(1), qkv.get(2), sizes, 3, names, out);
		return out;
	}

	/** MultiHeadAttention as [Add of each bias slice to query, key, value] + the heads. */
	private static List<Node> mha(Graph g, Node a) {
		Set<String> names = g.tensorNames();
		List<Node> out = new ArrayList<>();
		List<String> qkv = new ArrayList<>(a.inputs().subList(0, 3));
		Tensor bias = g.constant(a.input(3));
		long hidden = bias.dims()[0];
		long[] sizes = new long[] { hidden / 3, hidden / 3, hidden / 3 };
		{
			float[] b = bias.toFloatArray();
			String[] part = { "q", "k", "v" };
			for (int i = 0; i < 3; i++) {
				float[] slice = java.util.Arrays.copyOfRange(b, (int) (i * hidden / 3), (int) ((i + 1) * hidden / 3));
				String c = g.uniqueName(a.input(3) + "_" + part[i], names);
				g.putInitializer(Tensor.ofFloats(c, new long[] { slice.length }, slice));
				String sum = g.uniqueName(a.output(0) + "_" + part[i], names);
				out.add(node(g, "Add", a.name() + "/bias_" + part[i], List.of(qkv.get(i), c), sum));
				qkv.set(i, sum);
			}
		}
		heads(g, a, qkv.get(0), qkv.get(1), qkv.get(2), sizes, 4, names, out);
		return out;
	}

	/** Q, K, V [B, S, hidden] into heads, softmax(Q·Kᵀ·scale + mask)·V and back to [B, S, Hv] in {@code a}'s output. */
	private static void heads(Graph g, Node a, String q, String k, String v, long[] sizes, int maskInput, Set<String> names, List<Node> out) {
		long n = a.intAttribute("num_heads", 0);
		long hq = sizes[0] / n, hv = sizes[2] / n;
		String qh = headsOf(g, a, q, "q", hq, List.of(0L, 2L, 1L, 3L), names, out);
		String kh = headsOf(g, a, k, "k", hq, List.of(0L, 2L, 3L, 1L), names, out);
		String vh = headsOf(g, a, v, "v", hv, List.of(0L, 2L, 1L, 3L), names, out);
		String scores = g.uniqueName(a.output(0) + "_scores", names);
		// the layer keeps the contrib node's name: Attention's projection, else (MultiHeadAttention) the product Q·Kᵀ
		out.add(node(g, "MatMul", maskInput == 4 ? a.name() : a.name() + "/qk", List.of(qh, kh), scores));
		String scale = g.uniqueName(a.name() + "_scale", names);
		float s = a.floatAttribute("scale", 0f);
		// ONNX Runtime's default: 1/√(Q's head size); its CPU kernel takes a scale of 0 as not given
		if (s == 0f) {
			s = (float) (1 / Math.sqrt(hq));
		}
		g.putInitializer(Tensor.ofFloats(scale, new long[0], new float[] { s }));
		String scaled = g.uniqueName(a.output(0) + "_scaled", names);
		out.add(node(g, "Mul", a.name() + "/scale", List.of(scores, scale), scaled));
		if (present(a, maskInput)) {
			// [B, T] int32: 0 where above 0, mask_filter_value elsewhere, as [B, 1, 1, T] added to every head's scores
			String mask = a.input(maskInput);
			String zero = g.uniqueName(a.name() + "_mask_zero", names);
			g.putInitializer(Tensor.ofInts(zero, new long[0], new int[] { 0 }));
			String kept = g.uniqueName(a.output(0) + "_mask_kept", names);
			out.add(node(g, "Greater", a.name() + "/mask", List.of(mask, zero), kept));
			String none = g.uniqueName(a.name() + "_mask_none", names);
			g.putInitializer(Tensor.ofFloats(none, new long[0], new float[] { 0f }));
			String filter = g.uniqueName(a.name() + "_mask_filter", names);
			g.putInitializer(Tensor.ofFloats(filter, new long[0], new float[] { a.floatAttribute("mask_filter_value", -10000f) }));
			String additive = g.uniqueName(a.output(0) + "_mask_add", names);
			out.add(node(g, "Where", a.name() + "/mask_values", List.of(kept, none, filter), additive));
			String shaped = g.uniqueName(a.output(0) + "_mask_heads", names);
			out.add(node(g, "Reshape", a.name() + "/mask_heads", List.of(additive, constant(g, names, a.name() + "_mask_shape", new long[] { 0, 1, 1, -1 })), shaped));
			String masked = g.uniqueName(a.output(0) + "_masked", names);
			out.add(node(g, "Add", a.name() + "/mask_add", List.of(scaled, shaped), masked));
			scaled = masked;
		}
		String probs = g.uniqueName(a.output(0) + "_probs", names);
		Node softmax = node(g, "Softmax", a.name() + "/softmax", List.of(scaled), probs);
		softmax.setIntAttribute("axis", -1);
		out.add(softmax);
		String context = g.uniqueName(a.output(0) + "_context", names);
		out.add(node(g, "MatMul", a.name() + "/v", List.of(probs, vh), context));
		String back = g.uniqueName(a.output(0) + "_context_t", names);
		Node t = node(g, "Transpose", a.name() + "/context_t", List.of(context), back);
		t.setIntsAttribute("perm", List.of(0L, 2L, 1L, 3L));
		out.add(t);
		out.add(node(g, "Reshape", a.name() + "/context", List.of(back, constant(g, names, a.name() + "_out_shape", new long[] { 0, 0, -1 })), a.output(0)));
	}

	/** {@code x} [B, S, heads · h] as [B, S, heads, h] transposed by {@code perm}. */
	private static String headsOf(Graph g, Node a, String x, String part, long h, List<Long> perm, Set<String> names, List<Node> out) {
		long n = a.intAttribute("num_heads", 0);
		String split = g.uniqueName(a.output(0) + "_" + part + "_heads", names);
		out.add(node(g, "Reshape", a.name() + "/" + part + "_heads", List.of(x, constant(g, names, a.name() + "_" + part + "_shape", new long[] { 0, 0, n, h })),
				split));
		String t = g.uniqueName(split + "_t", names);
		Node transpose = node(g, "Transpose", a.name() + "/" + part + "_t", List.of(split), t);
		transpose.setIntsAttribute("perm", perm);
		out.add(transpose);
		return t;
	}

	private static Node node(Graph g, String op, String name, List<String> inputs, String output) {
		return g.newNode(NodeProto.newBuilder().setOpType(op).setName(name).addAllInput(inputs).addOutput(output).build());
	}

	private static String constant(Graph g, Set<String> names, String base, long[] values) {
		String c = g.uniqueName(base, names);
		g.putInitializer(Tensor.ofLongs(c, new long[] { values.length }, values));
		return c;
	}

}
