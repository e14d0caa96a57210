package org.quantrace.engine.quantize;

import java.util.List;
import java.util.function.Predicate;

import org.quantrace.engine.onnx.Graph;
import org.quantrace.engine.onnx.Node;
import org.quantrace.engine.onnx.Tensor;

/**
 * Rewrites, before a full-integer model is planned and calibrated, each grouped Conv the op table says to rewrite
 * ({@link OpRules#groupedAsDenseConv}: g &gt; 1 groups of 2-16 input channels each) as one dense Conv of the same kernel,
 * padding and strides whose weights [O, C, kh, kw] are block-diagonal: output channel o (of group o / (O/g)) holds the
 * group's weights on its group's C/g input channels and 0 on every other one. Output channel o sums the same products as
 * before plus zeros, so the network computes exactly the same; per-channel weight scales (each output channel's largest
 * |weight|) are the grouped Conv's, so the integer weights are its codes with zeros between the groups. ONNX Runtime runs
 * the dense QLinearConv as one GEMM per image where the grouped one ran a small GEMM per group and image.
 * <p>
 * A rewrite the plan then leaves float (an exclusion, float-slow-kernels, a recovery trial) is undone: the float dense Conv
 * would do g times the grouped Conv's MACs ({@link Rewrites}). The Conv's layer says so ({@link #rewritten}); verify
 * re-derives it from the two models (the group, the weight shape, the zeros between the groups).
 */
final class GroupedAsDense {

	private GroupedAsDense() {
	}

	/** Whether {@code graph} holds a Conv the op table would rewrite this way. */
	static boolean any(Graph graph) {
		return graph.nodes().stream().anyMatch(n -> "Conv".equals(n.opType()) && OpRules.groupedAsDenseConv(n) != null);
	}

	/** What {@link #apply} did. Its rule: a rewrite is undone when the plan leaves the dense Conv float. */
	static final class Rewrites extends ExactRewrites {
		@Override
		boolean undoes(Graph graph, Rewrite r, Predicate<String> leftFloat) {
			return leftFloat.test(r.convs().get(0).name());
		}
	}

	/** Rewrites the Convs the op table says to rewrite that {@code eligible} accepts (they will run on 8-bit integers). */
	static Rewrites apply(Graph graph, Predicate<Node> eligible) {
		Rewrites rewrites = new Rewrites();
		GraphEditor ed = new GraphEditor(graph);
		for (Node conv : List.copyOf(graph.nodes())) {
			String why = "Conv".equals(conv.opType()) ? OpRules.groupedAsDenseConv(conv) : null;
			if (why == null || !eligible.test(conv)) {
				continue;
			}
			Tensor w = graph.constant(conv.input(1));
			int groups = (int) conv.intAttribute("group", 1);
			long[] d = w.dims();
			int out = (int) d[0];
			int per = (int) d[1];
			int inputs = per * groups;
			int taps = (int) (d[2] * d[3]);
			float[] grouped = w.toFloatArray();
			float[] dense = new float[out * inputs * taps];
			for (int o = 0; o < out; o++) {
				int first = o / (out / groups) * per; // the first input channel of output channel o's group
				System.arraycopy(grouped, o * per * taps, dense, (o * inputs + first) * taps, per * taps);
			}
			String weights = ed.constant(conv.name() + "_dense", Tensor.ofFloats("w", new long[] { out, inputs, d[2], d[3] }, dense));
			Node written = graph.newNode(conv.toProto());
			written.setInput(1, weights);
			written.removeAttribute("group");
			graph.nodes().set(graph.nodes().indexOf(conv), written);
			rewrites.done(ExactRewrites.Rewrite.of(conv, List.of(written), written, List.of(weights)));
			rewrites.notes().put(conv.name(), rewritten(groups, inputs, out) + ": " + why);
		}
		return rewrites;
	}

	/** What the Conv's layer says; verify re-derives the same words from the two models. */
	static String rewritten(int groups, int inputs, int outputs) {
		return "grouped Conv (" + groups + " groups) rewritten as one dense Conv " + inputs + " → " + outputs
				+ " with block-diagonal weights (zero between the groups)";
	}
}
