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
 * between a Conv's Transpose pair).</li>
 * </ul>
 * A Transpose is moved only when the move ends in such a pair, so a model whose Transposes do not cancel is left as it is.
 * Afterwards a BatchNormalization that sat between the two Transposes of a pair reads its layer directly and is folded
 * into it. The conversion is then checked against the original in ONNX Runtime as every rewrite is.
 */
final class LayoutTransposes {

	/** Ops a Transpose commutes with as they are: one input, elementwise. */
	private static final Set<String> UNARY = Set.of("Relu", "LeakyRelu", "Sigmoid", "Tanh", "Elu", "Selu", "Celu", "HardSigmoid", "HardSwish",
			"Softplus", "Softsign", "Neg", "Abs", "Exp", "Log", "Sqrt", "Erf", "Reciprocal", "Identity");
	private static final Set<String> BINARY = Set.of("Add", "Mul", "Sub", "Div");
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
				if (main.nodes().contains(t) && isTranspose(t) && (l.undoesProducer(t) || l.sinkToInverse(t))) {
					changed = true;
				}
			}
		}
		if (!l.pairs.isEmpty()) {
			List<String> parts = new ArrayList<>();
			if (l.moved > 0) {
				parts.add(l.moved + (l.moved == 1 ? " move" : " moves") + " of a Transpose past an elementwise op"
						+ (l.stored > 0 ? " (" + l.stored + (l.stored == 1 ? " constant operand" : " constant operands") + " stored in the other layout)" : "")
						+ (l.merged > 0 ? ", " + l.merged + " of them two same-perm Transposes into one after the op" : "")
						+ (l.padded > 0 ? ", " + l.padded + " of them past a Pad (its pads permuted)" : "")
						+ (l.split > 0 ? ", " + l.split + " of them past a Split and the Concat of its pieces (their axis permuted)" : ""));
			}
			rewrites.add(new Rewrite(Rewrite.LAYOUT, l.pairs.size() + (l.pairs.size() == 1 ? " pair" : " pairs")
					+ " of Transposes that undo each other removed (" + String.join("; ", l.pairs.subList(0, Math.min(8, l.pairs.size())))
					+ (l.pairs.size() > 8 ? " and " + (l.pairs.size() - 8) + " more" : "") + ")" + (parts.isEmpty() ? "" : "; " + String.join("; ", parts))));
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
			return k == 0 && c.inputs().size() <= 3 && pads(c) != null && pads(c).length == 2 * p.length;
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

	/** The Pad's pads, from its attribute (opset <= 10) or its constant int64 input; null when they are computed. */
	private long[] pads(Node pad) {
		if (pad.inputs().size() < 2 || pad.input(1).isEmpty()) {
			List<Long> a = pad.intsAttribute("pads");
			return a.isEmpty() ? null : a.stream().mapToLong(Long::longValue).toArray();
		}
		Tensor t = g.constant(pad.input(1));
		return t == null || t.dataType() != DataType.INT64 ? null : t.toLongArray();
	}

	/**
	 * Pads {@code pad}'s input instead of its Transpose by {@code perm}: the Transpose's axis i is its input's axis perm[i],
	 * so the begin and end pads of axis i move to axis perm[i].
	 */
	private void permutePads(Node pad, int[] perm) {
		long[] pads = pads(pad);
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
