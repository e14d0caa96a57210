package org.quantrace.engine.convert;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;

import org.quantrace.engine.onnx.DataType;
import org.quantrace.engine.onnx.Graph;
import org.quantrace.engine.onnx.Node;
import org.quantrace.engine.onnx.Tensor;

/**
 * An attention's scalar scale (the 1/√d of softmax(Q·Kᵀ/√d)) folded into the weights and bias of Q's projection and the Mul or
 * Div removed. Exporters write it as a float Mul (or Div by √d) after MatMul(Q, Kᵀ), or on Q before it (PyTorch's
 * nn.MultiheadAttention); quantized, ONNX Runtime runs it alone in float between a DequantizeLinear and a QuantizeLinear (fp32
 * fuses it into FusedMatMul): ~15 % of a small BERT's int8 time. c·(Q·Kᵀ) = (c·Q)·Kᵀ, and Q = x·W + b moved only by Reshape,
 * Transpose, Gather, Slice, Split, Squeeze, Unsqueeze or Identity, so c·Q is x·(c·W) + c·b: exact up to float rounding.
 * <p>
 * Which columns of the projection reach Q is tracked through those moves ({@link Columns}): a fused QKV projection has only
 * Q's columns scaled, and the fold is made only where no other reader of the projection (K, V, a residual, a graph output)
 * reads a scaled column. The tensors whose values change take new names (the weights "_scaled", the moved tensors
 * "_scaled"), so that no tensor name of the original holds other values in the converted model.
 */
final class AttentionScales {

	/** Ops that only move or select elements of their input 0: a uniform scale passes through them. */
	private static final Set<String> MOVES = Set.of("Reshape", "Transpose", "Gather", "Slice", "Split", "Squeeze", "Unsqueeze", "Identity", "Flatten");
	private static final int MAX_PATH = 16;

	private AttentionScales() {
	}

	/** The projection found: its MatMul or Gemm, the bias Add after a MatMul (or null), and the tensor it writes. */
	private record Projection(Node product, Node biasAdd, String output, int columns) {
	}

	/** A fold found: scale {@code tensor} (read by {@code reader} at {@code input}) through {@code path} back to the projection. */
	private record Target(Node reader, int input, String tensor, List<Node> path, Projection projection, BitSet columns) {
	}

	/**
	 * Folds every scalar Mul/Div of the {@code original} model's nodes on an attention's scores or Q into Q's projection (K's when
	 * Q's is read elsewhere); returns the removed nodes. {@code shapes} is asked only when a candidate is found (a session load).
	 */
	static List<String> fold(Graph g, Set<String> original, Supplier<StaticShapes> shapes, List<Rewrite> rewrites) {
		List<String> removed = new ArrayList<>();
		List<String> said = new ArrayList<>();
		StaticShapes[] known = new StaticShapes[1];
		Supplier<StaticShapes> once = () -> known[0] != null ? known[0] : (known[0] = shapes.get());
		for (Node op : List.copyOf(g.nodes())) {
			Double factor = scalarFactor(g, op);
			// a Mul another rewrite wrote (an ONNX Runtime Attention as standard ops, whose op list verify holds) is left
			if (factor == null || !g.nodes().contains(op) || !original.contains(op.name())) {
				continue;
			}
			String x = op.input(op.opType().equals("Div") || g.constant(op.input(1)) != null ? 0 : 1);
			Target t = target(g, op, x, once);
			if (t == null) {
				continue;
			}
			apply(g, op, x, t, factor);
			removed.add(op.name());
			said.add("'" + ConstantFolder.label(op) + "' (" + op.opType() + " by "
					+ String.format(java.util.Locale.ROOT, "%.6g", op.opType().equals("Div") ? 1 / factor : factor) + ") into '"
					+ ConstantFolder.label(t.projection().product()) + "'"
					+ (t.columns().cardinality() < t.projection().columns() ? ", " + t.columns().cardinality() + " of its " + t.projection().columns() + " columns" : ""));
		}
		if (!said.isEmpty()) {
			rewrites.add(new Rewrite(Rewrite.ATTENTION_SCALES, "scalar Mul/Div of an attention's Q or scores (1/√d) folded into the weights and bias of Q's"
					+ " projection, which reaches it only through element moves (Reshape, Transpose, Gather, Slice, Split), so that no float Mul runs"
					+ " between the quantized products, " + said.size() + (said.size() == 1 ? " time" : " times") + ": " + String.join("; ", said)));
		}
		return removed;
	}

	/** c of a Mul by a float scalar constant, 1/c of a Div by one; null for any other node. */
	private static Double scalarFactor(Graph g, Node op) {
		boolean mul = op.opType().equals("Mul");
		if (!op.isStandard() || !(mul || op.opType().equals("Div")) || op.inputs().size() != 2) {
			return null;
		}
		Tensor c = g.constant(op.input(1));
		if (c == null && mul) {
			c = g.constant(op.input(0));
			if (c != null && g.constant(op.input(1)) != null) {
				return null;
			}
		} else if (c != null && g.constant(op.input(0)) != null) {
			return null;
		}
		// rank 0 or 1 only: a constant of higher rank would broadcast the output to more axes than Q·Kᵀ has
		if (c == null || c.dataType() != DataType.FLOAT || c.elementCount() != 1 || c.dims().length > 1) {
			return null;
		}
		double v = c.toFloatArray()[0];
		return v == 0 || !Double.isFinite(v) ? null : mul ? v : 1 / v;
	}

	/** Q's tensor, its path and projection: Q·Kᵀ's first (else second) input when {@code x} is that product's, else {@code x} itself. */
	private static Target target(Graph g, Node op, String x, Supplier<StaticShapes> shapes) {
		Node product = g.producer(x).orElse(null);
		if (product != null && product.opType().equals("MatMul") && product.isStandard() && g.constant(product.input(0)) == null
				&& g.constant(product.input(1)) == null && g.consumers(x).size() == 1 && !g.isOutput(x)) {
			for (int i = 0; i < 2; i++) {
				Target t = target(g, product, i, shapes);
				if (t != null) {
					return t;
				}
			}
			return null;
		}
		// on Q itself only when the scaled Q goes on to Q·Kᵀ: a scalar Mul after any other Linear is no attention's 1/√d
		return feedsScores(g, op.output(0)) ? target(g, op, op.inputs().indexOf(x), shapes) : null;
	}

	/** Whether {@code t}, moved only by {@link #MOVES} with no other reader, is an input of a MatMul of two computed tensors. */
	private static boolean feedsScores(Graph g, String t) {
		String at = t;
		for (int steps = 0; steps < MAX_PATH && !g.isOutput(at) && g.consumers(at).size() == 1; steps++) {
			Node next = g.consumers(at).get(0);
			if (next.isStandard() && next.opType().equals("MatMul")) {
				return g.constant(next.input(0)) == null && g.constant(next.input(1)) == null;
			}
			if (!next.isStandard() || !MOVES.contains(next.opType()) || !next.input(0).equals(at)) {
				return false;
			}
			at = next.output(0);
		}
		return false;
	}

	private static Target target(Graph g, Node reader, int input, Supplier<StaticShapes> shapes) {
		String tensor = reader.input(input);
		List<Node> path = new ArrayList<>();
		String at = tensor;
		for (int steps = 0; steps < MAX_PATH; steps++) {
			Projection p = projection(g, at);
			if (p != null) {
				java.util.Collections.reverse(path);
				BitSet q = Columns.reaching(g, p, reader, input, shapes.get());
				return q == null || q.isEmpty() ? null : new Target(reader, input, tensor, path, p, q);
			}
			Node move = g.producer(at).orElse(null);
			if (move == null || !move.isStandard() || !MOVES.contains(move.opType())) {
				return null;
			}
			path.add(move);
			at = move.input(0);
		}
		return null;
	}

	/** The projection writing {@code t}: x·W (+ b) by a MatMul of 2-D float weights with its bias Add, or a Gemm of constant weights. */
	private static Projection projection(Graph g, String t) {
		Node p = g.producer(t).orElse(null);
		if (p == null || !p.isStandard()) {
			return null;
		}
		if (p.opType().equals("Add")) {
			int b = g.constant(p.input(0)) != null ? 0 : g.constant(p.input(1)) != null ? 1 : -1;
			Node mm = b < 0 ? null : g.producer(p.input(1 - b)).orElse(null);
			Projection inner = mm == null || !mm.opType().equals("MatMul") || g.consumers(mm.output(0)).size() != 1 || g.isOutput(mm.output(0)) ? null
					: projection(g, mm.output(0));
			Tensor bias = b < 0 ? null : g.constant(p.input(b));
			if (inner == null || bias.dataType() != DataType.FLOAT || bias.elementCount() != inner.columns()
					|| bias.dims().length == 0 || bias.dims()[bias.dims().length - 1] != inner.columns()) {
				return null;
			}
			return new Projection(mm, p, t, inner.columns());
		}
		Tensor w = p.inputs().size() > 1 ? g.constant(p.input(1)) : null;
		if (w == null || w.dataType() != DataType.FLOAT || w.dims().length != 2 || g.constant(p.input(0)) != null) {
			return null;
		}
		if (p.opType().equals("MatMul")) {
			return new Projection(p, null, t, (int) w.dims()[1]);
		}
		if (p.opType().equals("Gemm") && p.intAttribute("transA", 0) == 0) {
			int m = (int) w.dims()[p.intAttribute("transB", 0) == 1 ? 0 : 1];
			Tensor c = p.inputs().size() > 2 && !p.input(2).isEmpty() ? g.constant(p.input(2)) : null;
			boolean biasOk = p.inputs().size() < 3 || p.input(2).isEmpty()
					|| c != null && c.dataType() == DataType.FLOAT && c.elementCount() == m && c.dims()[c.dims().length - 1] == m;
			return biasOk ? new Projection(p, null, t, m) : null;
		}
		return null;
	}

	/** Scales the projection's columns, gives the changed tensors new names and removes {@code op}. */
	private static void apply(Graph g, Node op, String x, Target t, double factor) {
		Set<String> names = g.tensorNames();
		Projection p = t.projection();
		Node product = p.product();
		boolean transposed = product.opType().equals("Gemm") && product.intAttribute("transB", 0) == 1;
		product.setInput(1, scaled(g, product.input(1), t.columns(), factor, transposed, names));
		Node bias = p.biasAdd();
		if (bias != null) {
			int b = g.constant(bias.input(0)) != null ? 0 : 1;
			bias.setInput(b, scaled(g, bias.input(b), t.columns(), factor, false, names));
			rename(g, product.output(0), g.uniqueName(product.output(0) + "_scaled", names), names);
		} else if (product.opType().equals("Gemm") && product.inputs().size() > 2 && !product.input(2).isEmpty()) {
			product.setInput(2, scaled(g, product.input(2), t.columns(), factor, false, names));
		}
		List<String> moved = new ArrayList<>();
		moved.add(p.output());
		for (Node n : t.path()) {
			moved.add(n.output(n.outputs().indexOf(next(t, n))));
		}
		boolean onScores = t.reader() != op;
		for (String m : moved) {
			// the tensor Q·Kᵀ reads is renamed like the rest; where the op read Q itself, Q takes the op's output name
			rename(g, m, !onScores && m.equals(t.tensor()) ? op.output(0) : g.uniqueName(m + "_scaled", names), names);
		}
		if (onScores) {
			t.reader().setOutput(0, op.output(0));
		}
		g.nodes().remove(op);
	}

	/** The tensor of the path that {@code n} writes towards Q (its output read next on the path, or Q itself). */
	private static String next(Target t, Node n) {
		int i = t.path().indexOf(n);
		return i + 1 < t.path().size() ? t.path().get(i + 1).input(0) : t.tensor();
	}

	/** A new initializer: {@code name}'s values with the {@code columns} of its last axis (rows when transposed) times the factor. */
	private static String scaled(Graph g, String name, BitSet columns, double factor, boolean transposed, Set<String> names) {
		Tensor w = g.constant(name);
		float[] v = w.toFloatArray();
		long[] d = w.dims();
		int cols = (int) d[d.length - 1];
		for (int i = 0; i < v.length; i++) {
			int column = transposed ? i / cols : i % cols;
			if (columns.get(column)) {
				v[i] = (float) (v[i] * factor);
			}
		}
		String fresh = g.uniqueName(name + "_scaled", names);
		names.add(fresh);
		g.putInitializer(Tensor.ofFloats(fresh, d, v));
		return fresh;
	}

	/** Every read and the write of tensor {@code from} in {@code g} (its nodes and their bodies) made of {@code to}. */
	private static void rename(Graph g, String from, String to, Set<String> names) {
		names.add(to);
		for (Node n : g.allNodes()) {
			for (int i = 0; i < n.inputs().size(); i++) {
				if (n.input(i).equals(from)) {
					n.setInput(i, to);
				}
			}
			for (int i = 0; i < n.outputs().size(); i++) {
				if (n.output(i).equals(from)) {
					n.setOutput(i, to);
				}
			}
		}
	}

	/**
	 * Which of a projection's output columns each reader of its output reaches, through the element moves: every element of a
	 * moved tensor is base + Σ index·stride over its column axes (the axes that came from the projection's last axis); the other
	 * axes are rows. A move it cannot follow leaves the columns as they were (all it may read): never fewer than read.
	 */
	static final class Columns {

		/** One axis: of rows, or of columns with its stride and size. */
		private record Axis(boolean column, long stride, long size) {
			static final Axis ROW = new Axis(false, 0, 0);
		}

		/** A tensor's columns: the axes (null when not followed) with the base, and the set they span. */
		private record State(List<Axis> axes, long base, BitSet mask) {
		}

		private Columns() {
		}

		/**
		 * The columns the reader's input reaches, or null when another reader (a node not a move, a graph output, the same tensor read
		 * elsewhere) reaches any of them.
		 */
		static BitSet reaching(Graph g, Projection p, Node reader, int input, StaticShapes shapes) {
			int m = p.columns();
			BitSet all = new BitSet(m);
			all.set(0, m);
			int rank = shapes.rank(p.output());
			List<Axis> start = null;
			if (rank >= 1) {
				start = new ArrayList<>();
				for (int i = 0; i < rank - 1; i++) {
					start.add(Axis.ROW);
				}
				start.add(new Axis(true, 1, m));
			}
			Map<String, State> states = new HashMap<>();
			List<String> todo = new ArrayList<>(List.of(p.output()));
			states.put(p.output(), new State(start, 0, all));
			BitSet others = new BitSet(m);
			BitSet q = null;
			while (!todo.isEmpty()) {
				String t = todo.remove(todo.size() - 1);
				State s = states.get(t);
				if (g.isOutput(t)) {
					others.or(s.mask());
				}
				for (Node n : g.consumers(t)) {
					boolean read = false;
					for (int i = 0; i < n.inputs().size(); i++) {
						if (!n.input(i).equals(t)) {
							continue;
						}
						read = true;
						if (n == reader && i == input) {
							q = s.mask();
						} else if (i == 0 && n.isStandard() && MOVES.contains(n.opType()) && !n.inputs().subList(1, n.inputs().size()).contains(t)) {
							List<State> out = moved(g, n, s, shapes);
							for (int o = 0; o < n.outputs().size(); o++) {
								if (!n.output(o).isEmpty() && states.putIfAbsent(n.output(o), out.get(o)) == null) {
									todo.add(n.output(o));
								}
							}
						} else if (!(i == 0 && (n.opType().equals("Shape") || n.opType().equals("Size")))) {
							others.or(s.mask()); // its values read by a node that is not a move
						}
					}
					if (!read) {
						others.or(s.mask()); // read in a body
					}
				}
			}
			return q == null || q.intersects(others) ? null : q;
		}

		/** The columns of each output of move {@code n} of a tensor of state {@code s}. */
		private static List<State> moved(Graph g, Node n, State s, StaticShapes shapes) {
			List<List<Axis>> axes = null;
			List<Long> bases = null;
			if (s.axes() != null) {
				try {
					Moved r = switch (n.opType()) {
					case "Identity" -> new Moved(List.of(s.axes()), List.of(s.base()));
					case "Transpose" -> transpose(n, s);
					case "Reshape" -> reshape(g, n, s, shapes);
					case "Gather" -> gather(g, n, s);
					case "Slice" -> slice(g, n, s);
					case "Split" -> split(g, n, s);
					case "Squeeze" -> squeeze(g, n, s);
					case "Unsqueeze" -> unsqueeze(g, n, s);
					default -> null;
					};
					if (r != null) {
						axes = r.axes();
						bases = r.bases();
					}
				} catch (RuntimeException e) {
					axes = null; // an attribute or input not as expected: not followed
				}
			}
			List<State> out = new ArrayList<>();
			for (int o = 0; o < n.outputs().size(); o++) {
				if (axes == null) {
					out.add(new State(null, 0, s.mask()));
				} else {
					out.add(new State(axes.get(o), bases.get(o), mask(axes.get(o), bases.get(o), s.mask().size())));
				}
			}
			return out;
		}

		/** Per output, its axes and base. */
		private record Moved(List<List<Axis>> axes, List<Long> bases) {
			static Moved one(List<Axis> axes, long base) {
				return new Moved(List.of(axes), List.of(base));
			}
		}

		private static BitSet mask(List<Axis> axes, long base, int size) {
			BitSet m = new BitSet(size);
			List<Axis> cols = axes.stream().filter(Axis::column).toList();
			long count = 1;
			for (Axis a : cols) {
				count *= a.size();
			}
			for (long k = 0; k < count; k++) {
				long c = base;
				long rest = k;
				for (int i = cols.size() - 1; i >= 0; i--) {
					c += (rest % cols.get(i).size()) * cols.get(i).stride();
					rest /= cols.get(i).size();
				}
				m.set((int) c);
			}
			return m;
		}

		private static int axis(long a, int rank) {
			int r = (int) (a < 0 ? a + rank : a);
			if (r < 0 || r >= rank) {
				throw new IllegalArgumentException("axis " + a);
			}
			return r;
		}

		private static Moved transpose(Node n, State s) {
			List<Long> perm = n.intsAttribute("perm");
			int rank = s.axes().size();
			List<Axis> out = new ArrayList<>();
			for (int i = 0; i < rank; i++) {
				out.add(s.axes().get(perm.isEmpty() ? rank - 1 - i : axis(perm.get(i), rank)));
			}
			return Moved.one(out, s.base());
		}

		/**
		 * A Reshape that splits or merges the trailing run of contiguous column axes (all axes before it rows) into trailing target
		 * dimensions of the same product: the element order is kept, so each trailing index keeps its column.
		 */
		private static Moved reshape(Graph g, Node n, State s, StaticShapes shapes) {
			List<Axis> in = s.axes();
			int first = in.size();
			while (first > 0 && in.get(first - 1).column()) {
				first--;
			}
			if (first == in.size() || in.subList(0, first).stream().anyMatch(Axis::column)) {
				return null;
			}
			long n0 = 1;
			for (int i = in.size() - 1; i >= first; i--) {
				if (i < in.size() - 1 && in.get(i).stride() != in.get(i + 1).stride() * in.get(i + 1).size()) {
					return null; // not contiguous: a Transpose between
				}
				n0 *= in.get(i).size();
			}
			long stride = in.get(in.size() - 1).stride();
			List<Long> tail = trailingTarget(g, n.input(1));
			int rank = shapes.rank(n.output(0));
			long[] target = shapes.of(n.input(1));
			if (g.constant(n.input(1)) != null) {
				rank = tail.size();
			} else if (rank < 0 && target != null && target.length == 1 && target[0] > 0) {
				rank = (int) target[0]; // a computed target of known length
			}
			long product = 1;
			for (int k = 1; k <= tail.size() && k <= rank; k++) {
				long d = tail.get(tail.size() - k);
				if (d <= 0) {
					return null;
				}
				product *= d;
				if (product == n0) {
					List<Axis> out = new ArrayList<>();
					for (int i = 0; i < rank - k; i++) {
						out.add(Axis.ROW);
					}
					long st = stride * n0;
					for (int i = tail.size() - k; i < tail.size(); i++) {
						st /= tail.get(i);
						out.add(new Axis(true, st, tail.get(i)));
					}
					return Moved.one(out, s.base());
				}
			}
			return null;
		}

		/** The target's trailing dimensions known without running: all of a constant, the constant tail of a Concat. */
		private static List<Long> trailingTarget(Graph g, String target) {
			Tensor c = g.constant(target);
			List<Long> tail = new ArrayList<>();
			if (c != null) {
				for (long d : c.toLongArray()) {
					tail.add(d);
				}
				return tail;
			}
			Node concat = g.producer(target).orElse(null);
			if (concat == null || !concat.opType().equals("Concat")) {
				return tail;
			}
			for (int i = concat.inputs().size() - 1; i >= 0 && g.constant(concat.input(i)) != null; i--) {
				long[] v = g.constant(concat.input(i)).toLongArray();
				for (int j = v.length - 1; j >= 0; j--) {
					tail.add(0, v[j]);
				}
			}
			return tail;
		}

		private static Moved gather(Graph g, Node n, State s) {
			Tensor idx = g.constant(n.input(1));
			int a = axis(n.intAttribute("axis", 0), s.axes().size());
			Axis at = s.axes().get(a);
			List<Axis> out = new ArrayList<>(s.axes());
			if (idx == null) {
				return null;
			}
			if (!at.column()) {
				out.remove(a);
				for (int i = 0; i < idx.dims().length; i++) {
					out.add(a, Axis.ROW);
				}
				return Moved.one(out, s.base());
			}
			if (idx.elementCount() != 1 || idx.dims().length > 1) {
				return null;
			}
			long k = idx.toLongArray()[0];
			k = k < 0 ? k + at.size() : k;
			if (idx.dims().length == 0) {
				out.remove(a);
			} else {
				out.set(a, new Axis(true, at.stride(), 1));
			}
			return Moved.one(out, s.base() + k * at.stride());
		}

		private static Moved slice(Graph g, Node n, State s) {
			if (n.inputs().size() < 3) {
				return null; // opset < 10: attributes; not followed
			}
			long[] starts = g.constant(n.input(1)).toLongArray();
			long[] ends = g.constant(n.input(2)).toLongArray();
			long[] axes = n.inputs().size() > 3 && !n.input(3).isEmpty() ? g.constant(n.input(3)).toLongArray() : null;
			long[] steps = n.inputs().size() > 4 && !n.input(4).isEmpty() ? g.constant(n.input(4)).toLongArray() : null;
			List<Axis> out = new ArrayList<>(s.axes());
			long base = s.base();
			for (int i = 0; i < starts.length; i++) {
				int a = axis(axes == null ? i : axes[i], out.size());
				Axis at = out.get(a);
				if (!at.column()) {
					continue;
				}
				long step = steps == null ? 1 : steps[i];
				if (step <= 0) {
					return null;
				}
				long from = Math.clamp(starts[i] < 0 ? starts[i] + at.size() : starts[i], 0, at.size());
				long to = Math.clamp(ends[i] < 0 ? ends[i] + at.size() : ends[i], 0, at.size());
				long count = Math.max(0, (to - from + step - 1) / step);
				base += from * at.stride();
				out.set(a, new Axis(true, at.stride() * step, count));
			}
			return Moved.one(out, base);
		}

		private static Moved split(Graph g, Node n, State s) {
			int a = axis(n.intAttribute("axis", 0), s.axes().size());
			Axis at = s.axes().get(a);
			int parts = n.outputs().size();
			long[] sizes;
			if (n.inputs().size() > 1 && !n.input(1).isEmpty()) {
				sizes = g.constant(n.input(1)).toLongArray();
			} else if (!n.intsAttribute("split").isEmpty()) {
				sizes = n.intsAttribute("split").stream().mapToLong(Long::longValue).toArray();
			} else {
				if (!at.column() || at.size() % parts != 0) {
					return at.column() ? null : new Moved(java.util.Collections.nCopies(parts, s.axes()), java.util.Collections.nCopies(parts, s.base()));
				}
				sizes = new long[parts];
				java.util.Arrays.fill(sizes, at.size() / parts);
			}
			List<List<Axis>> axes = new ArrayList<>();
			List<Long> bases = new ArrayList<>();
			long offset = 0;
			for (long size : sizes) {
				List<Axis> out = new ArrayList<>(s.axes());
				if (at.column()) {
					out.set(a, new Axis(true, at.stride(), size));
				}
				axes.add(out);
				bases.add(s.base() + (at.column() ? offset * at.stride() : 0));
				offset += size;
			}
			return new Moved(axes, bases);
		}

		private static List<Long> axesOf(Graph g, Node n) {
			if (n.inputs().size() > 1 && !n.input(1).isEmpty()) {
				List<Long> l = new ArrayList<>();
				for (long v : g.constant(n.input(1)).toLongArray()) {
					l.add(v);
				}
				return l;
			}
			return n.intsAttribute("axes");
		}

		private static Moved squeeze(Graph g, Node n, State s) {
			List<Long> axes = axesOf(g, n);
			if (axes.isEmpty()) {
				return null; // every axis of size 1: which, the shapes would say
			}
			List<Axis> out = new ArrayList<>(s.axes());
			axes.stream().map(a -> axis(a, s.axes().size())).sorted(java.util.Comparator.reverseOrder()).forEach(a -> out.remove((int) a));
			return Moved.one(out, s.base());
		}

		private static Moved unsqueeze(Graph g, Node n, State s) {
			List<Long> axes = axesOf(g, n);
			int rank = s.axes().size() + axes.size();
			List<Axis> out = new ArrayList<>(s.axes());
			axes.stream().map(a -> axis(a, rank)).sorted().forEach(a -> out.add(a, Axis.ROW));
			return Moved.one(out, s.base());
		}
	}
}
