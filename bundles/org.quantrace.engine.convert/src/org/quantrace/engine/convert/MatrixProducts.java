package org.quantrace.engine.convert;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import org.quantrace.engine.onnx.DataType;
import org.quantrace.engine.onnx.Graph;
import org.quantrace.engine.onnx.Node;
import org.quantrace.engine.onnx.OnnxModel;
import org.quantrace.engine.onnx.Tensor;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.NodeProto;

/**
 * Rewrites matrix products other exporters write in forms no integer kernel reads into the forms the quantizers read
 * (ONNX Runtime's QLinearMatMul, QGemm and DynamicQuantizeMatMul take the weights as the second operand; Quantrace's op
 * table quantizes a Gemm only with transA=0):
 * <ul>
 * <li>an Einsum that is a (batched) matrix product ({@link EinsumProduct}) becomes Transpose (where an operand's axes are in
 * another order; a constant operand is stored transposed) + MatMul (+ Transpose of the product); one whose constant operand
 * has several indices of its own in the output ({@link EinsumOwnAxes}) the same with them merged in the stored constant, then a
 * Reshape splitting them (+ a Transpose);</li>
 * <li>a MatMul with its 2-D constant weight W first, MatMul(W, x), becomes Transpose(MatMul(xᵀ, Wᵀ)), Wᵀ stored (xᵀ and the
 * product's transpose swap the last two axes; a 1-D x needs neither);</li>
 * <li>a Gemm with its constant weight as A computes Yᵀ = op(B)ᵀ·op(A)ᵀ + Cᵀ: Gemm(B, A) with the flags swapped and Cᵀ
 * stored, then a Transpose; a Gemm with transA=1 on an activation reads a Transpose of it with transA=0;</li>
 * <li>a MatMul of an activation [N, ..., K] of rank 3 or more by a 2-D constant W [K, M], whose only reader is an Add of a
 * constant bias [M] (a transformer's projections), computes on a 2-D view: Reshape to [-1, K], the MatMul and the Add there,
 * Reshape back, to a constant target or, where a middle axis is of any length (a text model's tokens), to one computed from
 * the activation's Shape ({@link #twoDimensional}). ONNX Runtime fuses a MatMul and
 * Add only in 2-D (into a Gemm; once quantized a QGemm with its int32 bias and requantized output): on the rank-3 tokens
 * of a batch of any size it ran the integer product as MatMulIntegerToFloat, then the bias Add and a QuantizeLinear in
 * float (the zoo ViT's int8: 0.77 of fp32's CPU time, 0.64 with the views).</li>
 * </ul>
 * The Transposes this writes are then moved towards each other and cancelled: one that reads a Transpose is composed with it,
 * one that feeds a single Transpose is composed into it, one before a single elementwise reader (Relu, or an Add, Mul,
 * Sub or Div with a constant, stored transposed) moves after it, and one before a Gemm's A with transA=1 clears the flag.
 * The whole conversion is then checked against the original in ONNX Runtime as every rewrite is.
 */
final class MatrixProducts {

	/** Ops a Transpose commutes with as they are: one input, elementwise. */
	private static final Set<String> UNARY = Set.of("Relu", "LeakyRelu", "Sigmoid", "Tanh", "Elu", "Selu", "Celu", "HardSigmoid", "HardSwish",
			"Softplus", "Softsign", "Neg", "Abs", "Exp", "Log", "Sqrt", "Erf", "Reciprocal", "Identity");
	/** Binary elementwise ops a Transpose commutes with when the other operand is a constant (stored transposed). */
	private static final Set<String> BINARY = Set.of("Add", "Mul", "Sub", "Div");

	private final Graph g;
	private final OnnxModel model;
	private final String source;
	/** Inferred when a rank is first needed (one ONNX Runtime session): most models have no product to rewrite. */
	private StaticShapes shapes;
	private final Map<String, Integer> ranks;
	private final Set<String> taken;
	/** Ranks of the tensors this pass wrote (the shapes were inferred before). */
	private final Map<String, Integer> writtenRanks = new java.util.HashMap<>();
	/** Transposes this pass wrote (by node identity). */
	private final Set<Node> written = new HashSet<>();
	private final List<String> removed = new ArrayList<>();
	private final Map<String, List<String>> made = new LinkedHashMap<>();
	private final List<String> refused = new ArrayList<>();
	private int composedAway;
	private final List<String> modelsGone = new ArrayList<>();
	private final List<String> modelsKept = new ArrayList<>();
	private final List<String> flagsCleared = new ArrayList<>();
	private int moved;
	private int wrote;
	/** The transposed copies of constants this pass stored, by the constant's name and the perm. */
	private final Map<String, String> transposedCopies = new java.util.HashMap<>();
	/** The experts' weights [E, d, r] this pass stored side by side as [d, E·r], by the weights' name (shared by several products). */
	private final Map<String, String> expertsSideBySide = new java.util.HashMap<>();

	private MatrixProducts(OnnxModel model, String source, Map<String, Integer> ranks) {
		this.g = model.graph();
		this.model = model;
		this.source = source;
		this.ranks = ranks;
		this.taken = new HashSet<>(g.tensorNames());
		g.nodes().forEach(n -> taken.add(n.name()));
	}

	/**
	 * Rewrites the main graph's products; returns the names of the model's nodes it removed (Transposes cancelled) and adds
	 * one rewrite per kind made and one per product left as it is.
	 */
	static List<String> rewrite(OnnxModel model, String source, Map<String, Integer> ranks, List<Rewrite> rewrites) {
		return rewrite(model, source, ranks, rewrites, Set.of());
	}

	/**
	 * As above; {@code contribNames} are the original's nodes of ONNX Runtime's contrib domain: a product written in place of one
	 * (an Attention's projection keeps its name) gets no 2-D view, since its conversion line lists the standard ops it became.
	 */
	static List<String> rewrite(OnnxModel model, String source, Map<String, Integer> ranks, List<Rewrite> rewrites, Set<String> contribNames) {
		Graph main = model.graph();
		boolean any = main.nodes().stream().anyMatch(n -> n.isStandard() && (n.opType().equals("Einsum")
				|| (n.opType().equals("MatMul") || n.opType().equals("Gemm")) && main.constant(n.input(0)) != null && main.constant(n.input(1)) == null
				|| n.opType().equals("Gemm") && n.intAttribute("transA", 0) != 0
				|| n.opType().equals("MatMul") && main.constant(n.input(0)) == null && main.constant(n.input(1)) != null
						&& main.constant(n.input(1)).dims().length == 3
				|| biasAdd(main, n) != null));
		if (!any) {
			return List.of();
		}
		MatrixProducts p = new MatrixProducts(model, source, ranks);
		for (Node n : List.copyOf(p.g.nodes())) {
			if (n.isStandard() && n.opType().equals("Einsum")) {
				p.einsum(n);
			}
		}
		for (Node n : List.copyOf(p.g.nodes())) { // after the Einsums: one with a constant first operand is a MatMul(W, x) now
			if (n.isStandard() && n.opType().equals("MatMul")) {
				p.weightFirst(n);
				p.expertWeights(n);
			} else if (n.isStandard() && n.opType().equals("Gemm")) {
				p.gemm(n);
			}
		}
		if (!p.made.isEmpty()) {
			p.cancelTransposes();
			p.removed.addAll(GraphCleanup.removeDead(p.g));
		}
		for (Node n : List.copyOf(p.g.nodes())) { // last: a product the rewrites above wrote is in its final form, its Transposes cancelled
			Node add = biasAdd(p.g, n);
			if (add != null && !contribNames.contains(n.name())) {
				p.twoDimensional(n, add);
			}
		}
		p.made.forEach((what, nodes) -> rewrites.add(new Rewrite(Rewrite.MATRIX_PRODUCTS, what + ", " + nodes.size() + " time" + (nodes.size() == 1 ? "" : "s")
				+ " (" + String.join("; ", nodes) + ")")));
		if (p.moved + p.composedAway + p.modelsGone.size() + p.modelsKept.size() > 0) { // else the records above say where each Transpose is
			List<String> parts = new ArrayList<>();
			if (p.moved > 0) {
				parts.add(p.moved + (p.moved == 1 ? " move" : " moves") + " past an elementwise op (a constant operand of one stored transposed)");
			}
			if (p.composedAway > 0) {
				parts.add(p.composedAway + " gone, composed with the Transposes next to " + (p.composedAway == 1 ? "it" : "them"));
			}
			if (!p.modelsGone.isEmpty()) {
				parts.add("the model's " + quoted(p.modelsGone) + " cancelled with them and removed");
			}
			if (!p.modelsKept.isEmpty()) {
				parts.add("the model's " + quoted(p.modelsKept) + " composed with one (a new perm)");
			}
			if (!p.flagsCleared.isEmpty()) {
				parts.add("read as A with transA=1 by " + quoted(p.flagsCleared) + ", whose flag is cleared instead");
			}
			long left = p.g.nodes().stream().filter(p.written::contains).count();
			rewrites.add(new Rewrite(Rewrite.MATRIX_PRODUCTS, "Transposes these rewrites wrote: " + p.wrote + (parts.isEmpty() ? "" : "; " + String.join("; ", parts))
					+ "; " + left + " left"));
		}
		p.refused.forEach(r -> rewrites.add(Rewrite.notMade(Rewrite.MATRIX_PRODUCTS, r)));
		return p.removed;
	}

	// ------------------------------------------------------------------ Einsum

	private void einsum(Node e) {
		String equation = e.stringAttribute("equation", "");
		String what = "Einsum '" + ConstantFolder.label(e) + "' (" + equation + ")";
		if (e.inputs().size() != 2 || !isFloat(e.input(0)) || !isFloat(e.input(1))) {
			refused.add(what + " left as it is: " + (e.inputs().size() != 2 ? (e.inputs().size() == 1 ? "one operand (a transpose, diagonal or sum)"
					: e.inputs().size() + " operands") + ", only a product of two is a MatMul"
					: "an operand is not float, and only float products are quantized"));
			return;
		}
		boolean constantA = g.constant(e.input(0)) != null;
		boolean constantB = g.constant(e.input(1)) != null;
		EinsumProduct.Outcome o = EinsumProduct.of(equation, rank(e.input(0)), rank(e.input(1)), constantA, constantB);
		if (o.plan() != null) {
			product(e, equation, e.input(0), e.input(1), e.output(0), List.of(), null);
		} else if (constantA == constantB || !ownAxesMerged(e, equation, constantA ? 0 : 1)) {
			refused.add(what + " left as it is (it stays float, Einsum has no integer kernel): " + o.refusal());
		}
	}

	/**
	 * An Einsum whose constant operand {@code c} has several indices of its own in the output ({@link EinsumOwnAxes}): the
	 * constant stored with them merged into its last axis, the product of the rewritten equation, then a Reshape that splits
	 * the merged axis (+ a Transpose into the output's order). False where there is none to make (the refusal stands).
	 */
	private boolean ownAxesMerged(Node e, String equation, int c) {
		EinsumOwnAxes.Merge m = EinsumOwnAxes.of(equation, c);
		Tensor w = g.constant(e.input(c));
		if (m == null || w.dataType() != DataType.FLOAT || w.dims().length != m.permConstant().length) {
			return false;
		}
		int[] p = m.permConstant();
		int keep = p.length - m.own();
		long[] storedDims = new long[keep + 1];
		long[] ownDims = new long[m.own()];
		storedDims[keep] = 1;
		for (int i = 0; i < p.length; i++) {
			long d = w.dims()[p[i]];
			if (i < keep) {
				storedDims[i] = d;
			} else {
				ownDims[i - keep] = d;
				storedDims[keep] *= d;
			}
		}
		int rankOther = rank(e.input(1 - c));
		boolean first = c == 0;
		if (EinsumProduct.of(m.equation(), first ? keep + 1 : rankOther, first ? rankOther : keep + 1, first, !first).plan() == null) {
			return false;
		}
		String stored = fresh(w.name() + "_merged");
		g.putInitializer(Tensor.ofFloats(stored, storedDims, permute(w.toFloatArray(), w.dims(), p)));
		int productRank = m.equation().length() - m.equation().indexOf("->") - 2;
		long[] target = new long[productRank - 1 + m.own()]; // 0: every other axis as it is; the merged one split
		System.arraycopy(ownDims, 0, target, productRank - 1, m.own());
		String shape = fresh(e.name() + "/split_shape");
		g.putInitializer(Tensor.ofLongs(shape, new long[] { target.length }, target));
		String y = e.output(0);
		String product = fresh(y + "_merged");
		String split = m.permOut() == null ? y : fresh(y + "_split");
		List<Node> tail = new ArrayList<>();
		tail.add(g.newNode(NodeProto.newBuilder().setOpType("Reshape").setName(fresh(e.name() + "/split")).addInput(product).addInput(shape).addOutput(split)
				.build()));
		if (m.permOut() != null) {
			tail.add(transpose(e.name() + "/transpose_split", split, y, m.permOut()));
		}
		writtenRanks.put(split, target.length);
		writtenRanks.put(y, target.length);
		product(e, m.equation(), first ? stored : e.input(0), first ? e.input(1) : stored, product, tail,
				"operand " + (c + 1) + "'s " + m.own() + " own indices merged into one (" + m.equation() + ", stored so), the product's merged axis split by a"
						+ " Reshape" + (m.permOut() == null ? "" : " and transposed " + perm(m.permOut())));
		removeIfUnused(w.name());
		return true;
	}

	/**
	 * The Einsum {@code e} as the product {@code equation} of {@code in0} and {@code in1} (a plain one, {@link EinsumProduct})
	 * written to {@code y}, then the {@code tail} nodes; {@code merge} says how the equation was made of e's (null: it is e's).
	 */
	private void product(Node e, String equation, String in0, String in1, String y, List<Node> tail, String merge) {
		boolean constantA = g.constant(in0) != null;
		boolean constantB = g.constant(in1) != null;
		EinsumProduct.Plan plan = EinsumProduct.of(equation, rank(in0), rank(in1), constantA, constantB).plan();
		// the operands the other way round when that puts a constant second (where the quantizers read weights) or needs fewer Transposes
		EinsumProduct.Plan other = EinsumProduct.of(EinsumProduct.swapped(equation), rank(in1), rank(in0), constantB, constantA).plan();
		boolean swap = other != null && (constantA && !constantB || constantA == constantB && other.cost() < plan.cost());
		EinsumProduct.Plan p = swap ? other : plan;
		String inA = swap ? in1 : in0;
		String inB = swap ? in0 : in1;
		int rankA = p.permA() == null ? rank(inA) : p.permA().length;
		int rankB = p.permB() == null ? rank(inB) : p.permB().length;
		int at = g.nodes().indexOf(e);
		List<Node> before = new ArrayList<>();
		String a = transposed(e, inA, p.permA(), "a", before);
		String b = transposed(e, inB, p.permB(), "b", before);
		if (p.merged() > 1) { // the contracted axes, last in both, merged into one; B's then swapped before its own axis
			a = merged(e, a, p.rankA(), p.merged(), "a", before);
			b = merged(e, b, p.rankB(), p.merged(), "b", before);
			rankA = p.rankA() - p.merged() + 1;
			rankB = p.rankB() - p.merged() + 1;
			b = transposed(e, b, swapLast(rankB), "b_merged", before);
		}
		List<Node> after = new ArrayList<>();
		String product = p.permOut() == null ? y : fresh(y + "_product");
		if (rankA >= 0 && rankB >= 0) {
			writtenRanks.put(a, rankA);
			writtenRanks.put(b, rankB);
			writtenRanks.put(product, Math.max(rankA, rankB));
			writtenRanks.put(y, Math.max(rankA, rankB));
		}
		Node mm = g.newNode(NodeProto.newBuilder().setOpType("MatMul").setName(e.name()).addInput(a).addInput(b).addOutput(product).build());
		if (p.permOut() != null) {
			after.add(transpose(e.name() + "/transpose_product", product, y, p.permOut()));
		}
		after.addAll(tail);
		replace(at, e, before, mm, after);
		List<String> steps = new ArrayList<>();
		if (merge != null) {
			steps.add(merge);
		}
		if (swap) {
			steps.add("operands swapped (" + EinsumProduct.swapped(equation) + ")");
		}
		if (p.permA() != null) {
			steps.add("operand " + (swap ? 2 : 1) + " transposed " + perm(p.permA()) + (g.initializer(a) != null ? " (stored so)" : ""));
		}
		if (p.permB() != null) {
			steps.add("operand " + (swap ? 1 : 2) + " transposed " + perm(p.permB()) + (g.initializer(b) != null ? " (stored so)" : ""));
		}
		if (p.merged() > 1) {
			steps.add("the " + p.merged() + " contracted axes of each operand merged into one (Reshape" + (g.initializer(b) != null ? ", stored so" : "")
					+ "), operand " + (swap ? 1 : 2) + "'s last two axes swapped");
		}
		if (p.permOut() != null) {
			steps.add("the product transposed " + perm(p.permOut()));
		}
		String kind = merge != null ? "Einsum whose constant operand has several indices of its own in the output -> MatMul of the constant stored with them"
				+ " merged into one axis + Reshape splitting it" : "Einsum that is a matrix product -> " + (steps.isEmpty() ? "" : p.merged() > 1 ? "Transpose + Reshape + " : "Transpose + ")
						+ "MatMul";
		made.computeIfAbsent(kind + ", which has integer kernels (Einsum has none)", k -> new ArrayList<>())
				.add("'" + ConstantFolder.label(e) + "' " + e.stringAttribute("equation", "") + ": " + p.reading() + (steps.isEmpty() ? "" : "; " + String.join(", ", steps)));
	}

	// ------------------------------------------------------------------ MatMul(W, x)

	private void weightFirst(Node mm) {
		Tensor w = g.constant(mm.input(0));
		if (w == null || g.constant(mm.input(1)) != null || w.dataType() != DataType.FLOAT) {
			return;
		}
		String what = "MatMul '" + ConstantFolder.label(mm) + "' with its weight '" + mm.input(0) + "' " + w.shape() + " as the first operand";
		if (w.dims().length != 2) {
			refused.add(what + " left as it is: weights of rank " + w.dims().length + " (the rewrite takes 2-D weights only)");
			return;
		}
		int rx = rank(mm.input(1));
		if (rx < 1) {
			refused.add(what + " left as it is: the rank of '" + mm.input(1) + "' is not known");
			return;
		}
		int at = g.nodes().indexOf(mm);
		String wt = storedTransposed(w, new int[] { 1, 0 });
		String y = mm.output(0);
		List<Node> before = new ArrayList<>();
		List<Node> after = new ArrayList<>();
		Node product;
		if (rx == 1) { // W·x of a vector x is x·Wᵀ
			product = g.newNode(NodeProto.newBuilder().setOpType("MatMul").setName(mm.name()).addInput(mm.input(1)).addInput(wt).addOutput(y).build());
		} else {
			int[] swap = swapLast(rx);
			String xt = fresh(mm.input(1) + "_t");
			before.add(transpose(mm.name() + "/transpose_x", mm.input(1), xt, swap));
			String yt = fresh(y + "_t");
			product = g.newNode(NodeProto.newBuilder().setOpType("MatMul").setName(mm.name()).addInput(xt).addInput(wt).addOutput(yt).build());
			after.add(transpose(mm.name() + "/transpose_product", yt, y, swap));
		}
		replace(at, mm, before, product, after);
		removeIfUnused(w.name());
		made.computeIfAbsent("MatMul(W, x) with the weight first -> " + (rx == 1 ? "MatMul(x, Wᵀ)" : "Transpose(MatMul(xᵀ, Wᵀ))") + ", Wᵀ stored, so that the"
				+ " quantizers read W as weights (per output channel)", k -> new ArrayList<>())
				.add("'" + ConstantFolder.label(mm) + "', W '" + w.name() + "' " + w.shape() + " stored as '" + wt + "'");
	}

	// ------------------------------------------------------------------ MatMul(x, W) + bias on a 2-D view

	/**
	 * The Add of a constant bias that alone reads MatMul {@code n}'s output, where {@code n} multiplies an activation by a 2-D
	 * float constant W [K, M] and the bias holds M values on its last axis of rank 1 or 2 (it broadcasts over a 2-D view as
	 * over the tokens); else null.
	 */
	private static Node biasAdd(Graph g, Node n) {
		if (!n.isStandard() || !n.opType().equals("MatMul") || g.constant(n.input(0)) != null) {
			return null;
		}
		Tensor w = g.constant(n.input(1));
		if (w == null || w.dataType() != DataType.FLOAT || w.dims().length != 2 || g.isOutput(n.output(0))) {
			return null;
		}
		List<Node> readers = g.consumers(n.output(0));
		if (readers.size() != 1 || !readers.get(0).isStandard() || !readers.get(0).opType().equals("Add") || readers.get(0).inputs().size() != 2) {
			return null;
		}
		Node add = readers.get(0);
		Tensor b = g.constant(add.input(add.input(0).equals(n.output(0)) ? 1 : 0));
		long m = w.dims()[1];
		if (b == null || b.dataType() != DataType.FLOAT || b.dims().length == 0 || b.dims().length > 2 || b.dims()[b.dims().length - 1] != m
				|| b.elementCount() != m) {
			return null;
		}
		return add;
	}

	/**
	 * MatMul {@code mm} (x [N, d1, ..., K] · W [K, M]) and its bias {@code add} on a 2-D view of x: Reshape to [-1, K], the
	 * two nodes as they are, then Reshape of the sum back to x's shape with M last. Every element stays in place and each row
	 * is the same dot products plus the same bias, so the values are the original's. Only where x has rank 3 or more; a
	 * product of a 2-D x is a Gemm for ONNX Runtime already. The target back is a constant [-1, d1, ..., M] where every axis
	 * but the first is known (a ViT's tokens); where another is of any length too (a text model's sequence axis), it is
	 * computed at run time from x's shape ({@link #shapeBack}).
	 */
	private void twoDimensional(Node mm, Node add) {
		if (shapes == null) {
			shapes = StaticShapes.infer(model, source);
		}
		long[] x = shapes.of(mm.input(0));
		long k = g.constant(mm.input(1)).dims()[0];
		long m = g.constant(mm.input(1)).dims()[1];
		if (x == null || x.length < 3 || x[x.length - 1] != k) {
			return;
		}
		long[] back = new long[x.length];
		back[0] = -1;
		back[x.length - 1] = m;
		boolean known = true;
		for (int i = 1; i < x.length - 1; i++) {
			known &= x[i] > 0;
			back[i] = x[i];
		}
		if (!known && model.opset() < 10) {
			return; // Slice takes its bounds as attributes there: no target computed
		}
		String flat = fresh(mm.name() + "/view_2d_shape");
		g.putInitializer(Tensor.ofLongs(flat, new long[] { 2 }, new long[] { -1, k }));
		String unflat;
		if (known) {
			unflat = fresh(add.name() + "/view_back_shape");
			g.putInitializer(Tensor.ofLongs(unflat, new long[] { back.length }, back));
		} else {
			unflat = shapeBack(mm, mm.input(0), m);
		}
		String y0 = (clampAfter(add) == null ? add : clampAfter(add)).output(0);
		if (!known) {
			leadingOf.put(y0, leadings.get(unflat)); // the next product's view back reads the same leading axes, not this Reshape's output
		}
		String x2 = fresh(mm.input(0) + "_2d");
		Node in = g.newNode(NodeProto.newBuilder().setOpType("Reshape").setName(fresh(mm.name() + "/view_2d")).addInput(mm.input(0)).addInput(flat)
				.addOutput(x2).build());
		Node clamp = clampAfter(add);
		String y = (clamp == null ? add : clamp).output(0);
		String y2 = fresh(y + "_2d");
		Node out = g.newNode(NodeProto.newBuilder().setOpType("Reshape").setName(fresh(add.name() + "/view_back")).addInput(y2).addInput(unflat)
				.addOutput(y).build());
		mm.setInput(0, x2);
		if (clamp != null) { // the sum, now 2-D, under a name of its own: a tensor of the original's name keeps its shape
			String sum = fresh(add.output(0) + "_2d");
			add.setOutput(0, sum);
			clamp.setInput(0, sum);
		}
		(clamp == null ? add : clamp).setOutput(0, y2);
		g.nodes().add(g.nodes().indexOf(mm), in);
		g.nodes().add(g.nodes().indexOf(clamp == null ? add : clamp) + 1, out);
		String how = known ? "Reshape back" : "Reshape back to the activation's leading axes as Shape reads them at run time, an axis being of any length";
		made.computeIfAbsent("MatMul of a rank-" + x.length + " activation by 2-D weights with its bias Add computed on a 2-D view (Reshape to [-1, K],"
				+ " MatMul, Add, " + how + "), which ONNX Runtime runs as one Gemm (QGemm once quantized)", key -> new ArrayList<>())
				.add("'" + ConstantFolder.label(mm) + "' + '" + ConstantFolder.label(add) + "'");
	}

	/**
	 * The Relu, or Clip of constant bounds, that alone reads the bias Add's sum (a feed-forward layer's first projection), or
	 * null: it stays on the 2-D view, elementwise it computes the same there, so that it still follows the product directly
	 * and the quantizer leaves the clamping to the product's output quantization (a Reshape between them kept a float Relu:
	 * text65_tel's int8, 1.2 ms of 14.8 per batch of 64).
	 */
	private Node clampAfter(Node add) {
		String sum = add.output(0);
		List<Node> readers = g.consumers(sum);
		if (g.isOutput(sum) || readers.size() != 1 || !readers.get(0).isStandard() || readers.get(0).outputs().size() != 1
				|| !readers.get(0).input(0).equals(sum)) {
			return null;
		}
		Node c = readers.get(0);
		boolean relu = c.opType().equals("Relu");
		boolean clip = c.opType().equals("Clip") && c.inputs().subList(1, c.inputs().size()).stream().allMatch(i -> i.isEmpty() || scalar(g.constant(i)));
		return relu || clip ? c : null;
	}

	/** The run-time targets back this pass computed, by the activation's name and M: the projections of one input share one. */
	private final Map<String, String> shapesBack = new java.util.HashMap<>();
	/** The leading axes (Shape without its last element) each computed target is made of, by the target's name. */
	private final Map<String, String> leadings = new java.util.HashMap<>();
	/**
	 * The leading axes of each viewed product's output whose Reshape back has a computed target, by the output's name: a
	 * product reading it takes them from there, so that nothing but its view reads that Reshape and the two cancel.
	 */
	private final Map<String, String> leadingOf = new java.util.HashMap<>();

	/**
	 * The target [d0, ..., d(r-2), M] computed from activation {@code x}'s shape, written before {@code mm}: Shape(x) without its
	 * last element (Shape's end attribute from opset 15, a Slice before), then Concat with M. Its int64 nodes read x's shape, not
	 * its values (the quantizers leave them as they are). From opset 10 (a Slice of inputs).
	 */
	private String shapeBack(Node mm, String x, long m) {
		String key = x + "|" + m;
		String known = shapesBack.get(key);
		if (known != null) {
			return known;
		}
		int opset = model.opset();
		List<Node> nodes = new ArrayList<>();
		String lead = leadingOf.containsKey(x) ? leadingOf.get(x) : fresh(x + "_leading_shape");
		if (leadingOf.containsKey(x)) {
			// read from the product before: x is its Reshape back
		} else if (opset >= 15) {
			nodes.add(g.newNode(NodeProto.newBuilder().setOpType("Shape").setName(fresh(mm.name() + "/view_back_shape_of")).addInput(x).addOutput(lead)
					.addAttribute(AttributeProto.newBuilder().setName("end").setType(AttributeProto.AttributeType.INT).setI(-1)).build()));
		} else {
			String whole = fresh(x + "_shape");
			nodes.add(g.newNode(NodeProto.newBuilder().setOpType("Shape").setName(fresh(mm.name() + "/view_back_shape_of")).addInput(x).addOutput(whole)
					.build()));
			String starts = fresh(mm.name() + "/view_back_starts");
			g.putInitializer(Tensor.ofLongs(starts, new long[] { 1 }, new long[] { 0 }));
			String ends = fresh(mm.name() + "/view_back_ends");
			g.putInitializer(Tensor.ofLongs(ends, new long[] { 1 }, new long[] { -1 }));
			nodes.add(g.newNode(NodeProto.newBuilder().setOpType("Slice").setName(fresh(mm.name() + "/view_back_leading")).addInput(whole).addInput(starts)
					.addInput(ends).addOutput(lead).build()));
		}
		String last = fresh(mm.name() + "/view_back_last");
		g.putInitializer(Tensor.ofLongs(last, new long[] { 1 }, new long[] { m }));
		String target = fresh(mm.name() + "/view_back_shape");
		nodes.add(g.newNode(NodeProto.newBuilder().setOpType("Concat").setName(fresh(mm.name() + "/view_back_target")).addInput(lead).addInput(last)
				.addOutput(target).addAttribute(AttributeProto.newBuilder().setName("axis").setType(AttributeProto.AttributeType.INT).setI(0)).build()));
		g.nodes().addAll(g.nodes().indexOf(mm), nodes);
		shapesBack.put(key, target);
		leadings.put(target, lead);
		return target;
	}

	// ------------------------------------------------------------------ MatMul(x, W) of E experts' weights [E, d, r]

	/**
	 * A MatMul of an activation x [..., 1, M, d] broadcast over E experts by their constant weights W [E, d, r] (make_unseen29's
	 * crossnet: DCN-V2 low-rank experts) is one 2-D product by the weights side by side: x · W' with W' [d, E·r] (column e·r + j
	 * is W[e, :, j]) gives [..., 1, M, E·r], whose last axis read as [E, r] is each expert's product. Stored so, the quantizers
	 * read W' as a 2-D weight (per channel; weights of rank 3 are quantized per tensor only), and ONNX Runtime runs one matrix product instead of
	 * E broadcast ones. The product is reshaped to [..., E, 1, r] (M = 1), or to [..., M, E, r] and transposed (any M).
	 */
	private void expertWeights(Node mm) {
		Tensor w = g.constant(mm.input(1));
		String x = mm.input(0);
		if (w == null || w.dims().length != 3 || w.dataType() != DataType.FLOAT || g.constant(x) != null || rank(x) < 3) {
			return;
		}
		long[] dx = shapes.of(x);
		int rx = dx == null ? -1 : dx.length;
		if (rx < 3 || dx[rx - 3] != 1 || w.dims()[0] < 2) {
			return; // not broadcast over the experts: each expert reads its own rows (a block-diagonal weight would be E times the products)
		}
		long experts = w.dims()[0];
		long r = w.dims()[2];
		boolean oneRow = dx[rx - 2] == 1;
		String side = expertsSideBySide.computeIfAbsent(w.name(), k -> {
			String name = fresh(w.name() + "_side_by_side");
			g.putInitializer(Tensor.ofFloats(name, new long[] { w.dims()[1], experts * r }, permute(w.toFloatArray(), w.dims(), new int[] { 1, 0, 2 })));
			return name;
		});
		long[] target = new long[rx];
		target[rx - 3] = oneRow ? experts : -1;
		target[rx - 2] = oneRow ? 1 : experts;
		target[rx - 1] = r;
		String shape = fresh(mm.name() + "/experts_shape");
		g.putInitializer(Tensor.ofLongs(shape, new long[] { rx }, target));
		String y = mm.output(0);
		String product = fresh(y + "_side_by_side");
		String split = oneRow ? y : fresh(y + "_experts");
		int at = g.nodes().indexOf(mm);
		Node merged = g.newNode(NodeProto.newBuilder().setOpType("MatMul").setName(mm.name()).addInput(x).addInput(side).addOutput(product).build());
		List<Node> after = new ArrayList<>();
		after.add(g.newNode(NodeProto.newBuilder().setOpType("Reshape").setName(fresh(mm.name() + "/experts")).addInput(product).addInput(shape).addOutput(split)
				.build()));
		if (!oneRow) {
			int[] swap = swapLast(rx - 1);
			int[] perm = java.util.Arrays.copyOf(swap, rx);
			perm[rx - 1] = rx - 1;
			after.add(transpose(mm.name() + "/transpose_experts", split, y, perm));
		}
		writtenRanks.put(product, rx);
		writtenRanks.put(split, rx);
		replace(at, mm, List.of(), merged, after);
		removeIfUnused(w.name());
		made.computeIfAbsent("MatMul of an activation broadcast over E experts by their weights [E, d, r] -> one MatMul by the weights side by side [d, E·r]"
				+ " + Reshape" + (oneRow ? "" : " + Transpose") + " to the experts' axis, a 2-D weight the quantizers read per channel (weights of rank 3 per tensor only)",
				k -> new ArrayList<>()).add("'" + ConstantFolder.label(mm) + "', W '" + w.name() + "' " + w.shape() + " stored as '" + side + "' "
						+ g.initializer(side).shape());
	}

	// ------------------------------------------------------------------ Gemm

	private void gemm(Node gm) {
		boolean constA = g.constant(gm.input(0)) != null;
		boolean constB = g.constant(gm.input(1)) != null;
		boolean transA = gm.intAttribute("transA", 0) != 0;
		boolean transB = gm.intAttribute("transB", 0) != 0;
		String label = "Gemm '" + ConstantFolder.label(gm) + "'";
		if (constA && !constB) {
			Tensor a = g.constant(gm.input(0));
			boolean hasC = gm.inputs().size() > 2 && !gm.input(2).isEmpty();
			Tensor c = hasC ? g.constant(gm.input(2)) : null;
			if (a.dataType() != DataType.FLOAT || hasC && (c == null || c.dataType() != DataType.FLOAT)) {
				refused.add(label + " with its weight as A left as it is: " + (a.dataType() != DataType.FLOAT ? "A is not float"
						: "its C is computed at run time or not float"));
				return;
			}
			int at = g.nodes().indexOf(gm);
			List<Node> before = new ArrayList<>();
			String x = gm.input(1);
			boolean activationTransposed = !transB; // op(B)ᵀ = B when transB = 1, else Bᵀ
			if (activationTransposed) {
				String xt = fresh(x + "_t");
				before.add(transpose(gm.name() + "/transpose_a", x, xt, new int[] { 1, 0 }));
				x = xt;
			}
			String y = gm.output(0);
			String yt = fresh(y + "_t");
			NodeProto.Builder b = gm.toProto().toBuilder().clearInput().clearOutput().clearAttribute().addInput(x).addInput(gm.input(0)).addOutput(yt);
			for (AttributeProto attr : gm.attributes()) {
				if (!attr.getName().equals("transA") && !attr.getName().equals("transB")) {
					b.addAttribute(attr);
				}
			}
			if (!transA) { // op(A)ᵀ = Aᵀ: B' = A read transposed
				b.addAttribute(AttributeProto.newBuilder().setName("transB").setType(AttributeProto.AttributeType.INT).setI(1));
			}
			String cNote = "";
			if (c != null) {
				String ct = storedTransposedBias(c);
				b.addInput(ct);
				cNote = ", C " + c.shape() + " stored as '" + ct + "' " + g.initializer(ct).shape();
			}
			Node swapped = g.newNode(b.build());
			List<Node> after = List.of(transpose(gm.name() + "/transpose_product", yt, y, new int[] { 1, 0 }));
			replace(at, gm, before, swapped, after);
			if (c != null) {
				removeIfUnused(c.name());
			}
			made.computeIfAbsent("Gemm with its weight as A -> Gemm(" + "x, W)ᵀ (Gemm(A, B)ᵀ = Gemm(Bᵀ, Aᵀ)): the weight becomes B, which QGemm and"
					+ " DynamicQuantizeMatMul read as weights", k -> new ArrayList<>())
					.add("'" + ConstantFolder.label(gm) + "', W '" + a.name() + "' " + a.shape() + " now B with transB=" + (transA ? 0 : 1)
							+ (activationTransposed ? ", the activation read through a Transpose (it was B with transB=0)" : "") + cNote);
		} else if (constB && !constA && transA) {
			int at = g.nodes().indexOf(gm);
			String x = gm.input(0);
			String xt = fresh(x + "_t");
			Node t = transpose(gm.name() + "/transpose_a", x, xt, new int[] { 1, 0 });
			gm.setInput(0, xt);
			gm.removeAttribute("transA");
			g.nodes().add(at, t);
			written.add(t);
			wrote++;
			made.computeIfAbsent("Gemm with transA=1 on an activation -> Transpose + Gemm (transA=0), the form both quantizers read (dynamic-range"
					+ " quantization leaves a Gemm with transA=1 float)",
					k -> new ArrayList<>()).add("'" + ConstantFolder.label(gm) + "'");
		}
	}

	// ------------------------------------------------------------------ Transposes

	/**
	 * Moves and cancels the Transposes this pass wrote until nothing changes: a Transpose of a Transpose is one (none when
	 * the perms cancel), a Transpose read only by a Transpose is composed into it, one read only by an elementwise op moves
	 * after it, one read only as a Gemm's A with transA=1 clears the flag.
	 */
	private void cancelTransposes() {
		for (boolean changed = true; changed;) {
			changed = false;
			for (Node t : List.copyOf(written)) {
				if (!g.nodes().contains(t)) {
					written.remove(t);
					continue;
				}
				if (composeWithProducer(t) || sink(t)) {
					changed = true;
					break;
				}
			}
		}
	}

	private boolean composeWithProducer(Node t) {
		Node p = g.producer(t.input(0)).orElse(null);
		if (p == null || !p.opType().equals("Transpose") || !p.isStandard() || perm(p) == null) {
			return false;
		}
		int[] inner = perm(p);
		int[] outer = perm(t);
		int[] composed = new int[outer.length];
		for (int i = 0; i < outer.length; i++) {
			composed[i] = inner[outer[i]];
		}
		t.setInput(0, p.input(0));
		t.setIntsAttribute("perm", Arrays.stream(composed).mapToLong(i -> i).boxed().toList());
		boolean mine = written.contains(p);
		if (g.consumers(p.output(0)).isEmpty() && !g.isOutput(p.output(0))) {
			g.nodes().remove(p);
			written.remove(p);
			composedAway += mine ? 1 : 0;
			if (!mine) {
				modelsGone.add(ConstantFolder.label(p));
				removed.add(ConstantFolder.label(p));
			}
		} else if (!mine) {
			modelsKept.add(ConstantFolder.label(p));
		}
		if (isIdentity(composed) && dropIdentity(t)) {
			composedAway++;
		}
		return true;
	}

	private boolean sink(Node t) {
		String out = t.output(0);
		List<Node> readers = g.consumers(out);
		if (g.isOutput(out) || readers.size() != 1) {
			return false;
		}
		Node c = readers.get(0);
		int[] p = perm(t);
		if (p == null || isIdentity(p)) {
			return p != null && dropIdentity(t);
		}
		if (!c.isStandard()) {
			return false;
		}
		if (c.opType().equals("Transpose") && perm(c) != null) {
			int[] outer = perm(c);
			int[] composed = new int[outer.length];
			for (int i = 0; i < outer.length; i++) {
				composed[i] = p[outer[i]];
			}
			c.setInput(0, t.input(0));
			c.setIntsAttribute("perm", Arrays.stream(composed).mapToLong(i -> i).boxed().toList());
			g.nodes().remove(t);
			written.remove(t);
			composedAway++;
			boolean mine = written.contains(c);
			String name = ConstantFolder.label(c);
			if (isIdentity(composed) && dropIdentity(c)) {
				composedAway += mine ? 1 : 0;
				if (!mine) {
					modelsGone.add(name);
					removed.add(name);
				}
			} else if (!mine) {
				modelsKept.add(name);
			}
			return true;
		}
		if (c.opType().equals("Gemm") && c.input(0).equals(out) && !c.input(1).equals(out) && c.intAttribute("transA", 0) != 0
				&& Arrays.equals(p, new int[] { 1, 0 })) {
			c.setInput(0, t.input(0));
			c.removeAttribute("transA");
			g.nodes().remove(t);
			written.remove(t);
			composedAway++;
			flagsCleared.add(ConstantFolder.label(c));
			return true;
		}
		int k = c.inputs().indexOf(out);
		boolean unary = UNARY.contains(c.opType()) && c.inputs().size() == 1 && c.outputs().size() == 1;
		boolean clip = c.opType().equals("Clip") && c.outputs().size() == 1 && k == 0
				&& c.inputs().subList(1, c.inputs().size()).stream().allMatch(i -> i.isEmpty() || scalar(g.constant(i)));
		Tensor other = null;
		if (BINARY.contains(c.opType()) && c.inputs().size() == 2 && c.inputs().lastIndexOf(out) == k) {
			other = g.constant(c.input(1 - k));
			if (other == null || other.dataType() != DataType.FLOAT || other.dims().length > p.length) {
				return false;
			}
		} else if (!unary && !clip) {
			return false;
		}
		if (other != null) {
			c.setInput(1 - k, storedInverse(other, p));
			removeIfUnused(other.name());
		}
		String z = c.output(0);
		String before = fresh(z + "_t");
		c.setInput(k, t.input(0));
		c.setOutput(0, before);
		t.setInput(0, before);
		t.setOutput(0, z);
		g.nodes().remove(t);
		g.nodes().add(g.nodes().indexOf(c) + 1, t);
		moved++;
		return true;
	}

	/** Removes a Transpose whose perm is the identity: its readers read its input. False when it writes a graph output it cannot hand on. */
	private boolean dropIdentity(Node t) {
		String in = t.input(0);
		String out = t.output(0);
		if (!g.isOutput(out)) {
			GraphCleanup.rewire(g, out, in);
			g.nodes().remove(t);
			written.remove(t);
			return true;
		}
		Node producer = g.producer(in).orElse(null);
		if (producer == null || g.isOutput(in) || g.consumers(in).size() != 1) {
			return false;
		}
		producer.setOutput(producer.outputs().indexOf(in), out); // the product writes the graph output itself
		g.nodes().remove(t);
		written.remove(t);
		return true;
	}

	// ------------------------------------------------------------------ helpers

	/** Replaces {@code old} at {@code at} by the nodes before, the product, the nodes after; the Transposes are this pass's. */
	private void replace(int at, Node old, List<Node> before, Node product, List<Node> after) {
		g.nodes().remove(at);
		List<Node> all = new ArrayList<>(before);
		all.add(product);
		all.addAll(after);
		g.nodes().addAll(at, all);
		for (Node n : all) { // the Transposes (an Einsum's merging Reshapes are no Transpose to move or cancel)
			if (n != product && n.opType().equals("Transpose")) {
				written.add(n);
				wrote++;
			}
		}
	}

	private static String quoted(List<String> names) {
		return names.stream().map(n -> "'" + n + "'").collect(Collectors.joining(", "));
	}

	/** {@code tensor} transposed by {@code perm} for the product {@code owner}: itself (null perm), a stored constant, or a new Transpose in {@code nodes}. */
	private String transposed(Node owner, String tensor, int[] perm, String which, List<Node> nodes) {
		if (perm == null) {
			return tensor;
		}
		Tensor c = g.constant(tensor);
		if (c != null && c.dataType() == DataType.FLOAT) {
			String name = storedTransposed(c, perm);
			removeIfUnused(c.name());
			return name;
		}
		String out = fresh(tensor + "_t");
		nodes.add(transpose(owner.name() + "/transpose_" + which, tensor, out, perm));
		return out;
	}

	/**
	 * {@code tensor} of rank {@code rank} with its last {@code count} axes merged into one: a stored constant, or a new
	 * Reshape in {@code nodes} whose target keeps every other axis (0) and infers the merged one (-1).
	 */
	private String merged(Node owner, String tensor, int rank, int count, String which, List<Node> nodes) {
		Tensor c = g.constant(tensor);
		if (c != null && c.dataType() == DataType.FLOAT) {
			long[] d = c.dims();
			long[] out = java.util.Arrays.copyOf(d, rank - count + 1);
			for (int i = rank - count + 1; i < rank; i++) {
				out[rank - count] *= d[i];
			}
			String name = fresh(c.name() + "_merged");
			g.putInitializer(Tensor.ofFloats(name, out, c.toFloatArray()));
			removeIfUnused(c.name());
			return name;
		}
		long[] target = new long[rank - count + 1];
		target[rank - count] = -1;
		String shape = fresh(owner.name() + "/merge_" + which + "_shape");
		g.putInitializer(Tensor.ofLongs(shape, new long[] { target.length }, target));
		String out = fresh(tensor + "_merged");
		nodes.add(g.newNode(NodeProto.newBuilder().setOpType("Reshape").setName(fresh(owner.name() + "/merge_" + which)).addInput(tensor).addInput(shape)
				.addOutput(out).build()));
		return out;
	}

	private Node transpose(String name, String in, String out, int[] perm) {
		NodeProto.Builder b = NodeProto.newBuilder().setOpType("Transpose").setName(fresh(name)).addInput(in).addOutput(out);
		AttributeProto.Builder a = AttributeProto.newBuilder().setName("perm").setType(AttributeProto.AttributeType.INTS);
		for (int p : perm) {
			a.addInts(p);
		}
		return g.newNode(b.addAttribute(a).build());
	}

	/**
	 * Stores {@code t} transposed by {@code perm} as a new initializer, once: a weight several products read (a GCN's
	 * adjacency under every layer, make_unseen16's gcn) is stored transposed once and shared, as the original was; returns
	 * its name.
	 */
	private String storedTransposed(Tensor t, int[] perm) {
		return transposedCopies.computeIfAbsent(t.name() + Arrays.toString(perm), k -> storeTransposed(t, perm));
	}

	private String storeTransposed(Tensor t, int[] perm) {
		long[] dims = t.dims();
		long[] out = new long[perm.length];
		for (int i = 0; i < perm.length; i++) {
			out[i] = dims[perm[i]];
		}
		String name = fresh(t.name() + "_t");
		g.putInitializer(Tensor.ofFloats(name, out, permute(t.toFloatArray(), dims, perm)));
		return name;
	}

	/**
	 * A Gemm's C for the swapped product: Cᵀ, C read as 2-D first (a vector [N] is the row [1, N], a scalar stays), and a
	 * transposed [1, M] stored as the vector [M] QGemm takes as its bias.
	 */
	private String storedTransposedBias(Tensor c) {
		long[] d = c.dims();
		if (d.length == 0 || c.elementCount() == 1 && d.length <= 1) {
			return c.name();
		}
		long[] two = d.length == 1 ? new long[] { 1, d[0] } : d;
		float[] v = permute(c.toFloatArray(), two, new int[] { 1, 0 });
		long[] t = { two[1], two[0] };
		String name = fresh(c.name() + "_t");
		g.putInitializer(Tensor.ofFloats(name, t[0] == 1 ? new long[] { t[1] } : t, v));
		return name;
	}

	/** The constant operand {@code c} of an elementwise op a Transpose moves past, stored as {@link #untransposed}; returns its name. */
	private String storedInverse(Tensor c, int[] perm) {
		String name = fresh(c.name() + "_t");
		g.putInitializer(untransposed(c, perm, name));
		return name;
	}

	/**
	 * The constant operand of an elementwise op a Transpose with {@code perm} moves past (here and in {@link LayoutTransposes}):
	 * C' with Transpose(C', perm) = C (C's shape right-aligned to the perm's rank), its leading 1s dropped (broadcasting adds
	 * them back), named {@code name}.
	 */
	static Tensor untransposed(Tensor c, int[] perm, String name) {
		int r = perm.length;
		long[] d = new long[r];
		Arrays.fill(d, 1);
		System.arraycopy(c.dims(), 0, d, r - c.dims().length, c.dims().length);
		int[] inverse = new int[r];
		for (int i = 0; i < r; i++) {
			inverse[perm[i]] = i;
		}
		long[] out = new long[r];
		for (int i = 0; i < r; i++) {
			out[i] = d[inverse[i]];
		}
		float[] v = permute(c.toFloatArray(), d, inverse);
		int lead = 0;
		while (lead < r - 1 && out[lead] == 1) {
			lead++;
		}
		return Tensor.ofFloats(name, Arrays.copyOfRange(out, lead, r), v);
	}

	/** Row-major values of shape {@code dims} transposed by {@code perm} (output axis i is input axis perm[i]). */
	static float[] permute(float[] v, long[] dims, int[] perm) {
		int r = dims.length;
		long[] outDims = new long[r];
		for (int i = 0; i < r; i++) {
			outDims[i] = dims[perm[i]];
		}
		long[] inStrides = new long[r];
		for (int i = r - 1, s = 1; i >= 0; s *= (int) dims[i], i--) {
			inStrides[i] = s;
		}
		float[] out = new float[v.length];
		int[] idx = new int[r];
		for (int o = 0; o < out.length; o++) {
			long src = 0;
			for (int i = 0; i < r; i++) {
				src += idx[i] * inStrides[perm[i]];
			}
			out[o] = v[(int) src];
			for (int i = r - 1; i >= 0; i--) {
				if (++idx[i] < outDims[i]) {
					break;
				}
				idx[i] = 0;
			}
		}
		return out;
	}

	private void removeIfUnused(String initializer) {
		if (g.initializer(initializer) != null && g.consumers(initializer).isEmpty() && !g.isOutput(initializer)) {
			g.removeInitializer(initializer);
		}
	}

	private boolean isFloat(String tensor) {
		Tensor c = g.constant(tensor);
		return c == null || c.dataType() == DataType.FLOAT; // activations: the whole model is float32 by now
	}

	private int rank(String tensor) {
		Tensor c = g.constant(tensor);
		if (c != null) {
			return c.dims().length;
		}
		if (shapes == null) {
			shapes = StaticShapes.infer(model, source);
		}
		int r = shapes.rank(tensor);
		return r >= 0 ? r : writtenRanks.getOrDefault(tensor, ranks.getOrDefault(tensor, -1));
	}

	private static boolean scalar(Tensor t) {
		return t != null && t.elementCount() == 1;
	}

	private static int[] perm(Node t) {
		List<Long> p = t.intsAttribute("perm");
		return p.isEmpty() ? null : p.stream().mapToInt(Long::intValue).toArray();
	}

	private static int[] swapLast(int rank) {
		int[] p = new int[rank];
		for (int i = 0; i < rank; i++) {
			p[i] = i;
		}
		p[rank - 1] = rank - 2;
		p[rank - 2] = rank - 1;
		return p;
	}

	private static boolean isIdentity(int[] p) {
		for (int i = 0; i < p.length; i++) {
			if (p[i] != i) {
				return false;
			}
		}
		return true;
	}

	private static String perm(int[] p) {
		return "perm " + Arrays.stream(p).mapToObj(Integer::toString).collect(Collectors.joining(","));
	}

	private String fresh(String base) {
		return g.uniqueName(base, taken);
	}
}
