package org.quantrace.engine.quantize;

import java.util.ArrayList;
import java.util.List;
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

	/** What {@link #apply} did. Its rule: a fold is undone when the plan leaves the Conv or the Clip float. */
	static final class Rewrites extends ExactRewrites {
		/** The folded Convs' float weights and biases, which no node reads once the fold is kept. */
		private final List<String> originals = new ArrayList<>();

		/** Removes the folded Convs' float weights and biases that no node reads any more (a fold undone reads them again). */
		void dropOriginals(Graph graph) {
			originals.stream().filter(t -> graph.consumers(t).isEmpty() && !graph.isOutput(t)).forEach(graph::removeInitializer);
		}

		@Override
		boolean undoes(Graph graph, Rewrite r, Predicate<String> leftFloat) {
			return r.written().stream().anyMatch(n -> leftFloat.test(n.name()));
		}
	}

	/**
	 * Folds the HardSigmoids the op table says to fold whose Conv and which {@code eligible} accepts (both will run on 8-bit
	 * integers) and whose Conv {@code skip} does not hold (a Conv another rewrite wrote or padding widened, whose weights verify
	 * reads as that rewrite's). {@code clipInputs}: the model's opset takes Clip's bounds as inputs (11 and later).
	 */
	static Rewrites apply(Graph graph, Predicate<Node> eligible, Predicate<String> skip, boolean clipInputs) {
		Rewrites rewrites = new Rewrites();
		GraphEditor ed = new GraphEditor(graph);
		for (Node h : List.copyOf(graph.nodes())) {
			String why = "HardSigmoid".equals(h.opType()) ? OpRules.rewriteOf(h) : null;
			Node conv = why == null ? null : graph.producer(h.input(0)).orElse(null);
			if (conv == null || skip.test(conv.name()) || !eligible.test(h) || !eligible.test(conv)) {
				continue;
			}
			float alpha = h.floatAttribute("alpha", 0.2f);
			float beta = h.floatAttribute("beta", 0.5f);
			Tensor w = graph.constant(conv.input(1));
			Tensor b = conv.inputs().size() > 2 && !conv.input(2).isEmpty() ? graph.constant(conv.input(2)) : null;
			float[] weights = w.toFloatArray();
			for (int i = 0; i < weights.length; i++) {
				weights[i] *= alpha;
			}
			float[] bias = new float[(int) w.dims()[0]];
			float[] old = b == null ? bias : b.toFloatArray();
			for (int o = 0; o < bias.length; o++) {
				bias[o] = alpha * old[o] + beta;
			}
			List<String> constants = new ArrayList<>();
			constants.add(ed.constant(conv.name() + "_hardsigmoid_weights", Tensor.ofFloats("w", w.dims(), weights)));
			constants.add(ed.constant(conv.name() + "_hardsigmoid_bias", Tensor.ofFloats("b", new long[] { bias.length }, bias)));
			Node folded = graph.newNode(conv.toProto());
			folded.setInputs(List.of(conv.input(0), constants.get(0), constants.get(1)));
			List<String> clipIn = new ArrayList<>(List.of(h.input(0)));
			if (clipInputs) {
				constants.add(ed.scalarFloat(h.name() + "_min", 0f));
				constants.add(ed.scalarFloat(h.name() + "_max", 1f));
				clipIn.addAll(constants.subList(2, 4));
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
			conv.inputs().stream().skip(1).filter(t -> !t.isEmpty()).forEach(rewrites.originals::add);
			rewrites.notes().put(conv.name(), folded(h.name(), alpha, beta) + ": " + why);
			rewrites.notes().put(h.name(), clipped(conv.name()));
		}
		return rewrites;
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
