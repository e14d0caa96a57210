package org.quantrace.engine.convert;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.quantrace.engine.onnx.Graph;
import org.quantrace.engine.onnx.Node;
import org.quantrace.engine.onnx.Tensor;

/**
 * Which of a projection's output columns each reader of its output reaches, through the element moves: every element of a
 * moved tensor is base + Σ index·stride over its column axes (the axes that came from the projection's last axis); the other
 * axes are rows. A move it cannot follow leaves the columns as they were (all it may read): never fewer than read.
 */
final class AttentionColumns {

	/** One axis: of rows, or of columns with its stride and size. */
	private record Axis(boolean column, long stride, long size) {
		static final Axis ROW = new Axis(false, 0, 0);
	}

	/** A tensor's columns: the axes (null when not followed) with the base, and the set they span. */
	private record State(List<Axis> axes, long base, BitSet mask) {
	}

	private AttentionColumns() {
	}

	/**
	 * The columns the reader's input reaches, or null when another reader (a node not a move, a graph output, the same tensor read
	 * elsewhere) reaches any of them.
	 */
	static BitSet reaching(Graph g, AttentionScales.Projection p, Node reader, int input, StaticShapes shapes) {
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
					} else if (i == 0 && n.isStandard() && AttentionScales.MOVES.contains(n.opType()) && !n.inputs().subList(1, n.inputs().size()).contains(t)) {
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
