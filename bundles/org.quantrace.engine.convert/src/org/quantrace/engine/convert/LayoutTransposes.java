package org.quantrace.engine.convert;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.quantrace.engine.onnx.DataType;
import org.quantrace.engine.onnx.Graph;
import org.quantrace.engine.onnx.Node;
import org.quantrace.engine.onnx.Pads;
import org.quantrace.engine.onnx.Tensor;

/**
 * Cancels the model's own layout Transposes in inverse pairs, as tf2onnx's transpose optimizer does when it runs (an NHWC
 * Keras model exported without it wraps every Conv, pool and BatchNormalization in Transpose(0,3,1,2) ... Transpose(0,2,3,1)):
 * <ul>
 * <li>a Transpose reading a Transpose whose perm it undoes: its readers read the first one's input (the first is removed
 * when nothing else reads it);</li>
 * <li>a Transpose read only by a chain of elementwise ops that ends in a Transpose undoing it moves past the chain and the
 * two are removed: unary ops and Clip with constant bounds as they are, Add/Mul/Sub/Div with a constant operand (stored in the
 * other layout, so that a per-channel [C] over NHWC becomes [C, 1, 1] over NCHW), and Add/Mul/Sub/Div of two tensors each
 * written by a Transpose of the same perm read only there (one Transpose after the op instead of two before it), and a Pad
 * whose pads are constant (attribute or input; its pads permuted onto the other layout: tf2onnx's ZeroPadding2D in NHWC
 * between a Conv's Transpose pair), a Slice or a reduction with keepdims 1 of constant axes (its axes permuted).</li>
 * <li>a Transpose read only by such a chain that ends in a Squeeze (or a reduction with keepdims 0) dropping axes so that those
 * left are in the same order in both layouts (tf2onnx's NHWC head: Transpose(0,2,3,1), Relu6, ReduceMean over H and W,
 * Squeeze of H and W): it is removed, the chain works on its input with the axes permuted (the ReduceMean then over NCHW's
 * H and W, which the pattern step writes as GlobalAveragePool).</li>
 * </ul>
 * A Transpose is moved only when the move ends in such a pair or end, so a model whose Transposes do not cancel is left as it is.
 * Afterwards a BatchNormalization that sat between the two Transposes of a pair reads its layer directly and is folded
 * into it. The conversion is then checked against the original in ONNX Runtime as every rewrite is.
 */
final class LayoutTransposes {

	/** Ops a Transpose commutes with as they are: one input, elementwise. */
	private static final Set<String> UNARY = Set.of("Relu", "LeakyRelu", "Sigmoid", "Tanh", "Elu", "Selu", "Celu", "HardSigmoid", "HardSwish",
			"Softplus", "Softsign", "Neg", "Abs", "Exp", "Log", "Sqrt", "Erf", "Reciprocal", "Identity");
	private static final Set<String> BINARY = Set.of("Add", "Mul", "Sub", "Div");
	/** Ops of constant axes that keep the rank (a Slice; a reduction with keepdims 1): a Transpose moves past them with their axes permuted. */
	private static final Set<String> AXES_OPS = Set.of("Slice", "ReduceMean", "ReduceMax", "ReduceMin", "ReduceSum");
	/** Longest elementwise chain followed between two Transposes. */
	private static final int MAX_CHAIN = 32;

	private final Graph g;
	private final Set<String> taken;
	private final List<String> removed = new ArrayList<>();
	private final List<String> pairs = new ArrayList<>();
	private int moved;
	private int merged;
	private int stored;
	private int padded;
	private int split;
	private final List<String> sunk = new ArrayList<>();

	private LayoutTransposes(Graph g) {
		this.g = g;
		this.taken = new HashSet<>(g.tensorNames());
		g.nodes().forEach(n -> taken.add(n.name()));
	}

	/**
	 * Cancels what it can in the main graph; returns the names of the removed Transposes and adds one rewrite when any
	 * were (none when nothing cancels).
	 */
	static List<String> cancel(Graph main, List<Rewrite> rewrites) {
		if (main.nodes().stream().filter(n -> n.isStandard() && n.opType().equals("Transpose")).count() < 2) {
			return List.of();
		}
		LayoutTransposes l = new LayoutTransposes(main);
		for (boolean changed = true; changed;) {
			changed = false;
			for (Node t : List.copyOf(main.nodes())) {
				if (main.nodes().contains(t) && isTranspose(t) && (l.undoesProducer(t) || l.sinkToInverse(t) || l.sinkToLayoutFreeEnd(t))) {
					changed = true;
				}
			}
		}
		if (!l.pairs.isEmpty() || !l.sunk.isEmpty()) {
			List<String> parts = new ArrayList<>();
			if (l.moved > 0) {
				parts.add(l.moved + (l.moved == 1 ? " move" : " moves") + " of a Transpose past an elementwise op"
						+ (l.stored > 0 ? " (" + l.stored + (l.stored == 1 ? " constant operand" : " constant operands") + " stored in the other layout)" : "")
						+ (l.merged > 0 ? ", " + l.merged + " of them two same-perm Transposes into one after the op" : "")
						+ (l.padded > 0 ? ", " + l.padded + " of them past a Pad (its pads permuted)" : "")
						+ (l.split > 0 ? ", " + l.split + " of them past a Split and the Concat of its pieces (their axis permuted)" : ""));
			}
			List<String> what = new ArrayList<>();
			if (!l.pairs.isEmpty()) {
				what.add(l.pairs.size() + (l.pairs.size() == 1 ? " pair" : " pairs") + " of Transposes that undo each other removed ("
						+ String.join("; ", l.pairs.subList(0, Math.min(8, l.pairs.size()))) + (l.pairs.size() > 8 ? " and " + (l.pairs.size() - 8) + " more" : "") + ")");
			}
			if (!l.sunk.isEmpty()) {
				what.add(l.sunk.size() + (l.sunk.size() == 1 ? " Transpose" : " Transposes") + " moved down to a Squeeze or reduction that removes the axes it"
						+ " moved, after which the layout is the same, and removed (" + String.join("; ", l.sunk) + ")");
			}
			rewrites.add(new Rewrite(Rewrite.LAYOUT, String.join("; ", what) + (parts.isEmpty() ? "" : "; " + String.join("; ", parts))));
		}
		return l.removed;
	}

	/** A Transpose whose input is a Transpose it undoes: its readers read that one's input. */
	private boolean undoesProducer(Node t) {
		Node p = g.producer(t.input(0)).orElse(null);
		if (p == null || !isTranspose(p) || g.isOutput(t.output(0)) || !isIdentity(compose(perm(p), perm(t)))) {
			return false;
		}
		GraphCleanup.rewire(g, t.output(0), p.input(0));
		g.nodes().remove(t);
		removed.add(ConstantFolder.label(t));
		String pair = "'" + ConstantFolder.label(p) + "' then '" + ConstantFolder.label(t) + "'";
		if (g.consumers(p.output(0)).isEmpty() && !g.isOutput(p.output(0))) {
			g.nodes().remove(p);
			removed.add(ConstantFolder.label(p));
		} else {
			pair += " (the first kept for its other readers)";
		}
		pairs.add(pair);
		return true;
	}

	/** Moves {@code t} down a chain of elementwise ops to a Transpose that undoes it and removes both; false (nothing changed) when there is none. */
	private boolean sinkToInverse(Node t) {
		int[] p = perm(t);
		List<Node> chain = new ArrayList<>();
		String cur = t.output(0);
		Node end = null;
		for (int i = 0; i <= MAX_CHAIN && end == null; i++) {
			List<Node> readers = g.consumers(cur);
			if (g.isOutput(cur) || readers.size() != 1 || !readers.get(0).isStandard()) {
				return false;
			}
			Node c = readers.get(0);
			if (isTranspose(c)) {
				if (!isIdentity(compose(p, perm(c))) || g.isOutput(c.output(0))) {
					return false;
				}
				end = c;
			} else if (movable(c, cur, p)) {
				chain.add(c);
				cur = c.output(0);
			} else if (c.opType().equals("Split") && c.inputs().indexOf(cur) == 0 && (cur = splitToConcat(c, p, chain)) != null) {
				split++;
			} else {
				return false;
			}
		}
		if (end == null) {
			return false;
		}
		Map<String, String> untransposedOf = moveBefore(t, p, chain);
		String in = untransposedOf.get(end.input(0));
		// end reads Transpose(in) by the perm p and undoes it: end's readers read in
		GraphCleanup.rewire(g, end.output(0), in);
		g.nodes().remove(end);
		g.nodes().remove(t);
		removed.add(ConstantFolder.label(t));
		removed.add(ConstantFolder.label(end));
		pairs.add("'" + ConstantFolder.label(t) + "' and '" + ConstantFolder.label(end) + "'" + (chain.isEmpty() ? "" : " across " + chain.size()
				+ (chain.size() == 1 ? " elementwise op" : " elementwise ops")));
		return true;
	}

	/**
	 * Moves {@code t} down a chain of ops it commutes with to a Squeeze (or a reduction with keepdims 0) that removes the axes
	 * it moves, so that the axes left are in the same order in both layouts (tf2onnx's NHWC head: Transpose(0,2,3,1), Relu6,
	 * ReduceMean over H and W, Squeeze of them: [N, C] either way), and removes it: the chain then works on the untransposed
	 * tensor with its axes permuted, and the end writes the same tensor as before. False (nothing changed) when there is none.
	 */
	private boolean sinkToLayoutFreeEnd(Node t) {
		int[] p = perm(t);
		List<Node> chain = new ArrayList<>();
		String cur = t.output(0);
		for (int i = 0; i <= MAX_CHAIN; i++) {
			List<Node> readers = g.consumers(cur);
			if (g.isOutput(cur) || readers.size() != 1 || !readers.get(0).isStandard()) {
				return false;
			}
			Node c = readers.get(0);
			if (removesMovedAxes(c, cur, p)) {
				if (chain.isEmpty() && !c.opType().equals("Squeeze") && g.producer(t.input(0)).filter(r -> r.opType().equals("Reshape")).isPresent()) {
					return false; // a mean over an image's tokens (Reshape, Transpose, ReduceMean): the pattern step pools the image itself (Patterns#tokenMean)
				}
				Map<String, String> untransposedOf = moveBefore(t, p, chain);
				permuteAxes(c, p);
				c.setInput(0, untransposedOf.get(c.input(0)));
				g.nodes().remove(t);
				removed.add(ConstantFolder.label(t));
				sunk.add("'" + ConstantFolder.label(t) + "' to '" + ConstantFolder.label(c) + "'");
				return true;
			}
			if (!movable(c, cur, p)) {
				return false;
			}
			chain.add(c);
			cur = c.output(0);
		}
		return false;
	}

	/**
	 * Whether {@code c}, reading {@code via} (a Transpose by {@code p}) as its data, drops axes so that those left keep their
	 * order when the Transpose is taken away: a Squeeze or a reduction with keepdims 0 of constant axes S, where p[i] for the
	 * axes i not in S increases.
	 */
	private boolean removesMovedAxes(Node c, String via, int[] p) {
		boolean drops = c.opType().equals("Squeeze") || (AXES_OPS.contains(c.opType()) && !c.opType().equals("Slice") && c.intAttribute("keepdims", 1) == 0);
		long[] axes = drops && c.inputs().indexOf(via) == 0 && c.outputs().size() == 1 ? axes(c, p.length) : null;
		if (axes == null) {
			return false;
		}
		Set<Long> dropped = new HashSet<>();
		Arrays.stream(axes).forEach(dropped::add);
		int last = -1;
		for (int i = 0; i < p.length; i++) {
			if (!dropped.contains((long) i)) {
				if (p[i] < last) {
					return false;
				}
				last = p[i];
			}
		}
		return true;
	}

	/**
	 * The op's axes, non-negative, from its attribute or its constant int64 input (a Slice's input 3, a Squeeze's or a
	 * reduction's input 1; a Slice without them has the axes 0 .. starts - 1); null when they are computed, absent from a
	 * Squeeze or reduction (every axis), or out of the rank.
	 */
	private long[] axes(Node c, int rank) {
		boolean slice = c.opType().equals("Slice");
		int at = slice ? 3 : 1;
		long[] axes;
		if (c.attribute("axes").isPresent()) {
			axes = c.intsAttribute("axes").stream().mapToLong(Long::longValue).toArray();
		} else if (c.inputs().size() > at && !c.input(at).isEmpty()) {
			Tensor t = g.constant(c.input(at));
			axes = t == null || t.dataType() != DataType.INT64 ? null : t.toLongArray();
		} else if (slice) {
			List<Long> starts = c.intsAttribute("starts");
			Tensor t = starts.isEmpty() && c.inputs().size() > 1 ? g.constant(c.input(1)) : null;
			int n = !starts.isEmpty() ? starts.size() : t != null ? (int) t.elementCount() : -1;
			axes = n < 0 ? null : java.util.stream.LongStream.range(0, n).toArray();
		} else {
			axes = null;
		}
		if (axes == null) {
			return null;
		}
		for (int i = 0; i < axes.length; i++) {
			axes[i] = axes[i] < 0 ? axes[i] + rank : axes[i];
			if (axes[i] < 0 || axes[i] >= rank) {
				return null;
			}
		}
		return axes;
	}

	/**
	 * Puts the op's axes onto the untransposed tensor: the Transpose's axis a is its input's axis perm[a]. In the form the op
	 * had (attribute or input; a Slice without axes gets them as an input, or attribute before opset 10's inputs).
	 */
	private void permuteAxes(Node c, int[] perm) {
		long[] axes = axes(c, perm.length);
		List<Long> moved = Arrays.stream(axes).map(a -> perm[(int) a]).boxed().toList();
		boolean slice = c.opType().equals("Slice");
		int at = slice ? 3 : 1;
		if (c.attribute("axes").isPresent() || (slice && !c.intsAttribute("starts").isEmpty())) {
			c.setIntsAttribute("axes", moved);
			return;
		}
		String old = c.inputs().size() > at ? c.input(at) : "";
		String name = g.uniqueName((old.isEmpty() ? c.output(0) + "_axes" : old) + "_untransposed", taken);
		taken.add(name);
		g.putInitializer(Tensor.ofLongs(name, new long[] { moved.size() }, moved.stream().mapToLong(Long::longValue).toArray()));
		List<String> inputs = new ArrayList<>(c.inputs());
		while (inputs.size() <= at) {
			inputs.add("");
		}
		inputs.set(at, name);
		c.setInputs(inputs);
		if (!old.isEmpty() && g.initializer(old) != null && g.consumers(old).isEmpty() && !g.isOutput(old)) {
			g.removeInitializer(old);
		}
	}

	/**
	 * Rewrites {@code chain}, the ops after {@code t}, to read {@code t}'s input instead: each op's transposed inputs are
	 * replaced by their untransposed values, its constant operands, pads and axes are put onto the other layout, and its
	 * outputs are renamed (they hold the untransposed values now). Returns each tensor the chain read or wrote in the
	 * transposed layout -> its untransposed name.
	 */
	private Map<String, String> moveBefore(Node t, int[] p, List<Node> chain) {
		// each tensor the chain read in the transposed layout -> the same values in the untransposed layout
		Map<String, String> untransposedOf = new HashMap<>();
		untransposedOf.put(t.output(0), t.input(0));
		for (Node c : chain) {
			int k = firstIndexIn(c.inputs(), untransposedOf);
			if (c.opType().equals("Pad")) {
				permutePads(c, p);
				padded++;
			} else if (c.opType().equals("Split") || c.opType().equals("Concat")) {
				c.setIntAttribute("axis", p[axis(c, p.length)]);
			} else if (AXES_OPS.contains(c.opType())) {
				permuteAxes(c, p);
			} else if (BINARY.contains(c.opType())) {
				String other = c.input(1 - k);
				Tensor constant = g.constant(other);
				if (constant != null) {
					c.setInput(1 - k, storedInverse(constant, p));
					stored++;
					if (g.initializer(other) != null && g.consumers(other).isEmpty() && !g.isOutput(other)) {
						g.removeInitializer(other);
					}
				} else { // written by a Transpose of the same perm read only here
					Node o = g.producer(other).orElseThrow();
					c.setInput(1 - k, o.input(0));
					g.nodes().remove(o);
					removed.add(ConstantFolder.label(o));
					merged++;
				}
			}
			for (int i = 0; i < c.inputs().size(); i++) {
				if (untransposedOf.containsKey(c.input(i))) {
					c.setInput(i, untransposedOf.get(c.input(i)));
				}
			}
			// the op's readers read what Transpose(untransposed) would write; the chain's next op is rewired the same way
			for (int o = 0; o < c.outputs().size(); o++) {
				String out = c.output(o);
				String untransposed = g.uniqueName(out + "_untransposed", taken);
				taken.add(untransposed);
				c.setOutput(o, untransposed);
				untransposedOf.put(out, untransposed);
			}
			moved++;
		}
		return untransposedOf;
	}

	/**
	 * A Split whose outputs each reach, through movable ops read only once, one Concat that reads exactly them (tf2onnx's
	 * Split of the channels, an activation per piece, Concat): adds the Split, the branches' ops and the Concat to
	 * {@code chain} and returns the Concat's output; null (chain unchanged) otherwise.
	 */
	private String splitToConcat(Node split, int[] p, List<Node> chain) {
		if (split.inputs().size() > 2 || (split.inputs().size() == 2 && !split.input(1).isEmpty() && g.constant(split.input(1)) == null)) {
			return null;
		}
		List<Node> branches = new ArrayList<>();
		List<String> ends = new ArrayList<>();
		Node concat = null;
		for (String cur : split.outputs()) {
			for (int i = 0; i <= MAX_CHAIN; i++) {
				List<Node> readers = g.consumers(cur);
				if (g.isOutput(cur) || readers.size() != 1 || !readers.get(0).isStandard()) {
					return null;
				}
				Node c = readers.get(0);
				if (c.opType().equals("Concat")) {
					if (concat != null && concat != c) {
						return null;
					}
					concat = c;
					ends.add(cur);
					break;
				}
				if (!movable(c, cur, p) || c.opType().equals("Pad")) {
					return null;
				}
				branches.add(c);
				cur = c.output(0);
			}
		}
		if (concat == null || !new HashSet<>(concat.inputs()).equals(new HashSet<>(ends)) || concat.inputs().size() != ends.size()
				|| axis(split, p.length) != axis(concat, p.length)) {
			return null;
		}
		chain.add(split);
		chain.addAll(branches);
		chain.add(concat);
		return concat.output(0);
	}

	/** The Split's or Concat's axis, non-negative. */
	private static int axis(Node n, int rank) {
		int a = (int) n.intAttribute("axis", 0);
		return a < 0 ? a + rank : a;
	}

	private static int firstIndexIn(List<String> inputs, Map<String, String> names) {
		for (int i = 0; i < inputs.size(); i++) {
			if (names.containsKey(inputs.get(i))) {
				return i;
			}
		}
		return -1;
	}

	/** Whether a Transpose by {@code p} writing {@code via} can move past {@code c}, {@code via}'s only reader. */
	private boolean movable(Node c, String via, int[] p) {
		if (c.outputs().size() != 1) {
			return false;
		}
		int k = c.inputs().indexOf(via);
		if (UNARY.contains(c.opType())) {
			return c.inputs().size() == 1;
		}
		if (c.opType().equals("Pad")) {
			long[] pads = k == 0 && c.inputs().size() <= 3 ? Pads.of(g, c) : null;
			return pads != null && pads.length == 2 * p.length;
		}
		if (AXES_OPS.contains(c.opType())) {
			long[] axes = axes(c, p.length);
			return k == 0 && axes != null && (c.opType().equals("Slice") || c.intAttribute("keepdims", 1) == 1);
		}
		if (c.opType().equals("Clip")) {
			return k == 0 && c.inputs().subList(1, c.inputs().size()).stream().allMatch(i -> i.isEmpty() || scalar(g.constant(i)));
		}
		if (!BINARY.contains(c.opType()) || c.inputs().size() != 2 || c.inputs().lastIndexOf(via) != k) {
			return false;
		}
		String other = c.input(1 - k);
		Tensor constant = g.constant(other);
		if (constant != null) {
			return constant.dataType() == DataType.FLOAT && constant.dims().length <= p.length;
		}
		Node o = g.producer(other).orElse(null);
		return o != null && isTranspose(o) && Arrays.equals(perm(o), p) && g.consumers(other).size() == 1 && !g.isOutput(other);
	}

	/** The constant operand {@code c} stored as {@link MatrixProducts#untransposed}; returns its name. */
	private String storedInverse(Tensor c, int[] perm) {
		String name = g.uniqueName(c.name() + "_untransposed", taken);
		taken.add(name);
		g.putInitializer(MatrixProducts.untransposed(c, perm, name));
		return name;
	}


	/**
	 * Pads {@code pad}'s input instead of its Transpose by {@code perm}: the Transpose's axis i is its input's axis perm[i],
	 * so the begin and end pads of axis i move to axis perm[i].
	 */
	private void permutePads(Node pad, int[] perm) {
		long[] pads = Pads.of(g, pad);
		int r = perm.length;
		long[] moved = new long[2 * r];
		for (int i = 0; i < r; i++) {
			moved[perm[i]] = pads[i];
			moved[r + perm[i]] = pads[r + i];
		}
		if (pad.inputs().size() < 2 || pad.input(1).isEmpty()) {
			pad.setIntsAttribute("pads", Arrays.stream(moved).boxed().toList());
			return;
		}
		String old = pad.input(1);
		String name = g.uniqueName(old + "_untransposed", taken);
		taken.add(name);
		g.putInitializer(Tensor.ofLongs(name, new long[] { 2 * r }, moved));
		pad.setInput(1, name);
		if (g.initializer(old) != null && g.consumers(old).isEmpty() && !g.isOutput(old)) {
			g.removeInitializer(old);
		}
	}

	private static boolean isTranspose(Node n) {
		return n.isStandard() && n.opType().equals("Transpose") && n.inputs().size() == 1 && perm(n) != null;
	}

	/** The perm of Transpose(Transpose(x, inner), outer). */
	private static int[] compose(int[] inner, int[] outer) {
		if (inner.length != outer.length) {
			return null;
		}
		int[] composed = new int[outer.length];
		for (int i = 0; i < outer.length; i++) {
			composed[i] = inner[outer[i]];
		}
		return composed;
	}

	private static boolean isIdentity(int[] p) {
		if (p == null) {
			return false;
		}
		for (int i = 0; i < p.length; i++) {
			if (p[i] != i) {
				return false;
			}
		}
		return true;
	}

	private static boolean scalar(Tensor t) {
		return t != null && t.elementCount() == 1;
	}

	private static int[] perm(Node t) {
		List<Long> p = t.intsAttribute("perm");
		return p.isEmpty() ? null : p.stream().mapToInt(Long::intValue).toArray();
	}
}
