package org.quantrace.engine.convert;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
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
 * Which columns of the projection reach Q is tracked through those moves ({@link AttentionColumns}): a fused QKV projection has only
 * Q's columns scaled, and the fold is made only where no other reader of the projection (K, V, a residual, a graph output)
 * reads a scaled column. The tensors whose values change take new names (the weights "_scaled", the moved tensors
 * "_scaled"), so that no tensor name of the original holds other values in the converted model.
 */
final class AttentionScales {

	/** Ops that only move or select elements of their input 0: a uniform scale passes through them. */
	static final Set<String> MOVES = Set.of("Reshape", "Transpose", "Gather", "Slice", "Split", "Squeeze", "Unsqueeze", "Identity", "Flatten");
	private static final int MAX_PATH = 16;

	private AttentionScales() {
	}

	/** The projection found: its MatMul or Gemm, the bias Add after a MatMul (or null), and the tensor it writes. */
	record Projection(Node product, Node biasAdd, String output, int columns) {
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
				BitSet q = AttentionColumns.reaching(g, p, reader, input, shapes.get());
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
}
