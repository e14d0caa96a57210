package org.quantrace.engine.quantize;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;

import org.quantrace.engine.onnx.Graph;
import org.quantrace.engine.onnx.Node;
import org.quantrace.engine.onnx.Tensor;

/**
 * Folds, before a full-integer model is planned and calibrated, each HardSigmoid that the op table says to fold
 * ({@link OpRules#hardSigmoidIntoConv}: it alone reads a Conv's output, a squeeze-excitation gate) into that Conv:
 * HardSigmoid(W·x + b) = clamp(α·W·x + α·b + β, 0, 1), so the Conv (under its name) gets weights α·W and bias α·b + β, and
 * the HardSigmoid becomes a Clip to [0, 1] under its name, which the plan fuses into the Conv's output quantization (zero
 * point at 0, the calibrated top at most 1: the QuantizeLinear saturates where the HardSigmoid clamped). In float the Conv may
 * round α·W·x + α·b + β once where the two ops rounded twice (one float32 rounding step). The lowered HardSigmoid it replaces
 * was a QLinearAdd of the Conv's codes read at scale·α plus β, rounded twice; fp32 fuses the same pair into one FusedConv.
 * <p>
 * A fold the plan then leaves float (the Conv or the Clip) is undone: nothing is gained and verify would have to read a float
 * Conv's weights as α·W. The Conv's and the Clip's layers say what was done ({@link #folded}, {@link #clipped}); verify
 * re-derives both from the two models.
 */
final class HardSigmoidIntoConv {

	private HardSigmoidIntoConv() {
	}

	/**
	 * What {@link #apply} did. Its rule: a fold is undone when the plan leaves the Conv or the Clip float ({@link #putBack}, which
	 * also puts the float weights and bias back).
	 */
	static final class Rewrites extends ExactRewrites {
		/** Per folded Conv its float weights (and bias) as they were, under their names, which the fold kept. */
		private final Map<String, List<Tensor>> originals = new HashMap<>();

		@Override
		boolean undoes(Graph graph, Rewrite r, Predicate<String> leftFloat) {
			return r.written().stream().anyMatch(n -> leftFloat.test(n.name()));
		}

		/** Undoes the folds the plan leaves float ({@link #undo}) and puts their Convs' float weights and bias back; returns the Convs' names. */
		Set<String> putBack(Graph graph, Predicate<String> leftFloat) {
			Set<String> undone = undo(graph, leftFloat);
			undone.forEach(conv -> originals.remove(conv).forEach(t -> graph.putInitializer(restored(t, graph.initializer(t.name())))));
			return undone;
		}
	}

	/**
	 * Folds the HardSigmoids the op table says to fold whose Conv and which {@code eligible} accepts (both will run on 8-bit
	 * integers) and whose Conv {@code skip} does not hold (a Conv another rewrite wrote, whose weights verify reads as that
	 * rewrite's). The Conv's weights and bias keep their names (depthwise padding may widen them after, and verify reads a
	 * widening by the name); a Conv without a bias gets one. {@code clipInputs}: the model's opset takes Clip's bounds as inputs
	 * (11 and later).
	 */
	static Rewrites apply(Graph graph, Predicate<Node> eligible, Predicate<String> skip, boolean clipInputs) {
		Rewrites rewrites = new Rewrites();
		GraphEditor ed = new GraphEditor(graph);
		for (Node h : List.copyOf(graph.nodes())) {
			String why = "HardSigmoid".equals(h.opType()) ? OpRules.rewriteOf(h) : null;
			Node conv = why == null ? null : graph.producer(h.input(0)).orElse(null);
			boolean biased = conv != null && conv.inputs().size() > 2 && !conv.input(2).isEmpty();
			if (conv == null || skip.test(conv.name()) || !eligible.test(h) || !eligible.test(conv) || graph.initializer(conv.input(1)) == null
					|| biased && graph.initializer(conv.input(2)) == null) {
				continue;
			}
			float alpha = h.floatAttribute("alpha", 0.2f);
			float beta = h.floatAttribute("beta", 0.5f);
			Tensor w = graph.initializer(conv.input(1));
			Tensor b = biased ? graph.initializer(conv.input(2)) : null;
			float[] weights = w.toFloatArray();
			for (int i = 0; i < weights.length; i++) {
				weights[i] *= alpha;
			}
			float[] bias = new float[(int) w.dims()[0]];
			float[] old = b == null ? bias : b.toFloatArray();
			for (int o = 0; o < bias.length; o++) {
				bias[o] = alpha * old[o] + beta;
			}
			rewrites.originals.put(conv.name(), b == null ? List.of(w) : List.of(w, b));
			graph.putInitializer(Tensor.ofFloats(w.name(), w.dims(), weights));
			List<String> constants = new ArrayList<>();
			String biasName = biased ? b.name() : ed.constant(conv.name() + "_hardsigmoid_bias", Tensor.ofFloats("b", new long[] { bias.length }, bias));
			if (biased) {
				graph.putInitializer(Tensor.ofFloats(b.name(), b.dims(), bias));
			} else {
				constants.add(biasName);
			}
			Node folded = graph.newNode(conv.toProto());
			folded.setInputs(List.of(conv.input(0), conv.input(1), biasName));
			List<String> clipIn = new ArrayList<>(List.of(h.input(0)));
			if (clipInputs) {
				clipIn.add(ed.scalarFloat(h.name() + "_min", 0f));
				clipIn.add(ed.scalarFloat(h.name() + "_max", 1f));
				constants.addAll(clipIn.subList(1, 3));
			}
			Node clip = graph.newNode(ai.onnx.proto.OnnxMl.NodeProto.newBuilder().setOpType("Clip").setName(h.name()).addAllInput(clipIn).addOutput(h.output(0)).build());
			if (!clipInputs) {
				clip.setFloatAttribute("min", 0f);
				clip.setFloatAttribute("max", 1f);
			}
			int at = graph.nodes().indexOf(h);
			graph.nodes().set(graph.nodes().indexOf(conv), folded);
			graph.nodes().set(at, clip);
			rewrites.done(new ExactRewrites.Rewrite(conv, List.of(folded, clip), List.of(folded), constants, List.of(new ExactRewrites.Removed(h, at))));
			rewrites.notes().put(conv.name(), folded(h.name(), alpha, beta) + ": " + why);
			rewrites.notes().put(h.name(), clipped(conv.name()));
		}
		return rewrites;
	}

	/**
	 * The float tensor {@code original} in the shape of {@code current}, which depthwise padding may have widened along one axis
	 * since (its added channels zero, as the padding wrote them).
	 */
	static Tensor restored(Tensor original, Tensor current) {
		long[] from = original.dims();
		long[] to = current.dims();
		if (java.util.Arrays.equals(from, to)) {
			return original;
		}
		int axis = 0;
		while (from[axis] == to[axis]) {
			axis++;
		}
		long inner = 1;
		for (int d = axis + 1; d < to.length; d++) {
			inner *= to[d];
		}
		float[] v = original.toFloatArray();
		float[] widened = new float[(int) current.elementCount()];
		long block = from[axis] * inner; // one outer slice of the original
		for (int i = 0; i < v.length; i++) {
			long outer = i / block;
			widened[(int) (outer * to[axis] * inner + i % block)] = v[i];
		}
		return Tensor.ofFloats(original.name(), to, widened);
	}

	/** What the Conv's layer says; verify re-derives the same words from the two models. */
	static String folded(String hardSigmoid, float alpha, float beta) {
		return "HardSigmoid '" + hardSigmoid + "' (α " + alpha + ", β " + beta + ") folded into this Conv: weights ×α, bias ×α + β";
	}

	/** What the HardSigmoid's layer, now the Clip, says. */
	static String clipped(String conv) {
		return "HardSigmoid rewritten as a Clip to [0, 1] after Conv '" + conv + "', its α and β folded into that Conv";
	}
}
