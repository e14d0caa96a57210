package org.quantrace.engine.convert;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import org.quantrace.engine.onnx.Graph;
import org.quantrace.engine.onnx.Node;
import org.quantrace.engine.onnx.Tensor;

/**
 * Reshapes that only undo each other. An exporter's view of a Conv's output (p4cnn's BatchNorm3d over [N, C, 4, H, W],
 * make_unseen31.py) leaves `Reshape → Reshape back` once the BatchNormalization between them is folded; quantized, each pair
 * kept the Relu after it a float island (codes reshaped twice, dequantized, Relu, quantized again) instead of fused into the
 * QLinearConv. Two steps, main graph, constant targets, allowzero 0:
 * <ul>
 * <li>a Reshape of a Reshape reads the first one's input with its own target, made independent of the first's output (an
 * element 0, which copies a dimension of its input, becomes the first target's element there, or the inferred dimension);
 * the first goes when nothing else reads it ({@link GraphCleanup}: unread);</li>
 * <li>a Reshape to the shape its input already has (every element 0, equal to the known dimension, or one -1 with all the
 * others equal) is removed and its readers read its input; not when it writes a model output, whose name must stay.</li>
 * </ul>
 * Both keep every element in place (a Reshape never moves data), so the values are those of the original.
 */
final class ReshapeChains {

	private ReshapeChains() {
	}

	/** Merges and removes in the main graph; returns the Reshapes removed as no-ops (the merged ones are left to the clean-up). */
	static List<String> simplify(Graph g, StaticShapes shapes, List<Rewrite> rewrites) {
		return simplify(g, shapes, rewrites, false);
	}

	/**
	 * As above; with {@code computedFirst}, a Reshape whose constant target copies nothing (no 0) also reads the input of a
	 * Reshape before it whose target is computed at run time (a text model's 2-D view back, then the next product's view):
	 * its output does not depend on the first one's.
	 */
	static List<String> simplify(Graph g, StaticShapes shapes, List<Rewrite> rewrites, boolean computedFirst) {
		List<String> merged = new ArrayList<>();
		for (Node r : g.topologicalOrder()) {
			Node first = g.producer(r.input(0)).orElse(null);
			long[] target = target(g, r);
			long[] firstTarget = first == null ? null : target(g, first);
			if (computedFirst && firstTarget == null && target != null && Arrays.stream(target).noneMatch(d -> d == 0) && first != null
					&& first.opType().equals("Reshape") && first.domain().isEmpty() && first.outputs().size() == 1) {
				firstTarget = new long[0]; // nothing of it is read: independent() returns the target as it is
			}
			if (target == null || firstTarget == null) {
				continue;
			}
			long[] independent = independent(target, firstTarget, shapes.of(first.output(0)));
			if (independent == null) {
				continue;
			}
			if (!Arrays.equals(independent, target)) {
				String name = g.uniqueName(r.input(1) + "_merged", g.tensorNames());
				g.putInitializer(Tensor.ofLongs(name, new long[] { independent.length }, independent));
				r.setInput(1, name);
			}
			r.setInput(0, first.input(0));
			merged.add("'" + ConstantFolder.label(r) + "' of '" + ConstantFolder.label(first) + "'");
		}
		List<String> removed = new ArrayList<>();
		List<String> said = new ArrayList<>();
		for (Node r : List.copyOf(g.nodes())) {
			long[] target = target(g, r);
			if (target != null && !g.isOutput(r.output(0)) && keepsShape(target, shapes.of(r.input(0)))) {
				GraphCleanup.rewire(g, r.output(0), r.input(0));
				g.nodes().remove(r);
				removed.add(ConstantFolder.label(r));
				said.add("'" + ConstantFolder.label(r) + "' to " + Arrays.toString(target));
			}
		}
		if (!merged.isEmpty()) {
			rewrites.add(new Rewrite(Rewrite.SHAPES, merged.size() + " Reshape" + (merged.size() == 1 ? "" : "s") + " of a Reshape made one Reshape of the"
					+ " first one's input (a Reshape only views the elements in their order): " + list(merged)));
		}
		if (!said.isEmpty()) {
			rewrites.add(new Rewrite(Rewrite.SHAPES, said.size() + " Reshape" + (said.size() == 1 ? "" : "s") + " to the shape the input already has"
					+ " removed, its readers reading the input: " + list(said)));
		}
		return removed;
	}

	/** The constant target of a standard Reshape that copies zeros (allowzero 0), or null. */
	private static long[] target(Graph g, Node r) {
		if (!r.opType().equals("Reshape") || !r.domain().isEmpty() || r.inputs().size() < 2 || r.outputs().size() != 1
				|| r.intAttribute("allowzero", 0) != 0) {
			return null;
		}
		Tensor t = g.initializer(r.input(1));
		return t == null || t.dims().length != 1 ? null : t.toLongArray();
	}

	/**
	 * {@code second}'s target for the first Reshape's input: its elements 0 (a dimension of the first's output copied) replaced
	 * by the first target's element there when that is fixed or itself a copy, or by the first output's inferred dimension;
	 * null when one is not known.
	 */
	private static long[] independent(long[] second, long[] first, long[] firstOutput) {
		long[] out = second.clone();
		for (int i = 0; i < out.length; i++) {
			if (out[i] != 0) {
				continue;
			}
			if (i >= first.length) {
				return null;
			}
			if (first[i] >= 0) {
				out[i] = first[i]; // a fixed dimension, or 0: the same dimension of the first's input
			} else if (firstOutput != null && i < firstOutput.length && firstOutput[i] > 0) {
				out[i] = firstOutput[i];
			} else {
				return null;
			}
		}
		return out;
	}

	/** Whether a Reshape to {@code target} of a tensor of these dimensions (-1 unknown) leaves its shape as it is. */
	private static boolean keepsShape(long[] target, long[] input) {
		if (input == null || input.length != target.length) {
			return false;
		}
		int inferred = 0;
		for (int i = 0; i < target.length; i++) {
			if (target[i] == -1) {
				inferred++; // with every other dimension equal, the element count leaves it exactly input[i]
			} else if (target[i] != 0 && target[i] != input[i]) {
				return false;
			}
		}
		return inferred <= 1;
	}

	private static String list(List<String> items) {
		return String.join(", ", items.subList(0, Math.min(8, items.size()))) + (items.size() > 8 ? " and " + (items.size() - 8) + " more" : "");
	}
}
