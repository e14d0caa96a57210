package org.quantrace.engine.quantize;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

import org.quantrace.engine.onnx.Graph;
import org.quantrace.engine.onnx.Node;
import org.quantrace.engine.onnx.Tensor;
import org.quantrace.engine.onnx.TensorInfo;

/**
 * Rewrites, before a full-integer model is planned and calibrated, each Mul of a 4-D activation by a per-channel constant
 * that the op table says to rewrite ({@link OpRules#channelScaleAsConv}) and that sits between integer ops as a depthwise
 * 1x1 Conv (group = C) whose weights [C, 1, 1, 1] are the Mul's factors, under the Mul's name. When the Mul's only reader is
 * an Add of a per-channel constant (a BatchNormalization that follows no Conv, as {@code convert} writes it: x·scale +
 * shift), the Add's constant becomes the Conv's bias [C] and the Conv writes the Add's output: the Add is gone. Output
 * channel c computes x_c·s_c (+ b_c), what the Mul (and the Add) computed; in float the Conv may round x·s + b once where
 * the two ops rounded twice (one float32 rounding step).
 * <p>
 * The bias is stored as int32 codes of scale s_x·s_w, s_w = |s_c|/127: a term large against its factor (|b_c| &gt; 10⁴·|s_c|)
 * could saturate them, so such a pair is left as it is. A rewrite the plan then leaves float (float-slow-kernels keeping a
 * Conv of at most 16 channels float), or whose neighbours it leaves float (a channels-first LayerNorm's Mul after its
 * float Div), is undone ({@link Rewrites#undo}): a float Conv would compute what the float Mul and Add do, and an integer
 * one between float ops adds a DequantizeLinear and a QuantizeLinear.
 */
final class ChannelScaleAsConv {

	/** The largest |term / factor| rewritten into a bias (see the class comment). */
	static final double MAX_TERM_PER_FACTOR = 1e4;

	private ChannelScaleAsConv() {
	}

	/** Whether {@code graph} holds a Mul the op table would rewrite (so that the caller finds the shapes first). */
	static boolean any(Graph graph) {
		return graph.nodes().stream().anyMatch(n -> "Mul".equals(n.opType()) && OpRules.rewriteOf(n) != null);
	}

	/**
	 * What {@link #apply} did. Its rule: a rewrite is undone when the plan leaves its Conv, or an op before or after it, float
	 * (by name): a float Conv computes what the float Mul and Add do, and an integer Conv between float ops costs a
	 * DequantizeLinear and a QuantizeLinear where the float pair ran inside its float island (tests/data/wild gatedmix:
	 * 8,318 → 9,044 µs per batch with its two normalization Muls so).
	 */
	static final class Rewrites extends ExactRewrites {
		@Override
		boolean undoes(Graph graph, Rewrite r, Predicate<String> leftFloat) {
			Node before = graph.producer(r.conv().input(0)).orElse(null);
			boolean island = before != null && leftFloat.test(before.name())
					|| graph.consumers(r.conv().output(0)).stream().anyMatch(n -> leftFloat.test(n.name()));
			return leftFloat.test(r.conv().name()) || island;
		}
	}

	/**
	 * Rewrites the Muls the op table says to rewrite whose input shape {@code types} knows (rank 4, C channels), whose
	 * neighbours all {@code integer} accepts and which (with the Add folded in) {@code eligible} accepts.
	 */
	static Rewrites apply(Graph graph, Map<String, TensorInfo> types, Predicate<Node> integer, Predicate<Node> eligible) {
		Rewrites rewrites = new Rewrites();
		GraphEditor ed = new GraphEditor(graph);
		for (Node mul : List.copyOf(graph.nodes())) {
			String why = "Mul".equals(mul.opType()) ? OpRules.rewriteOf(mul) : null;
			if (why == null || !eligible.test(mul)) {
				continue;
			}
			float[] factors = OpRules.channelConstant(mul);
			String x = graph.constant(mul.input(0)) == null ? mul.input(0) : mul.input(1);
			TensorInfo in = types.get(x);
			if (in == null || in.shape() == null || in.shape().size() != 4 || !in.shape().get(1).equals(String.valueOf(factors.length))) {
				continue;
			}
			List<Node> readers = graph.consumers(mul.output(0));
			Node add = readers.size() == 1 && !graph.isOutput(mul.output(0)) && "Add".equals(readers.get(0).opType()) && readers.get(0).isStandard()
					&& readers.get(0).outputs().size() == 1 ? readers.get(0) : null;
			float[] terms = add == null ? null : OpRules.channelConstant(add);
			if (terms == null || terms.length != factors.length || !eligible.test(add) || !small(terms, factors)) {
				add = null;
				terms = null;
			}
			String out = add != null ? add.output(0) : mul.output(0);
			Node producer = graph.producer(x).orElse(null);
			List<Node> after = graph.consumers(out);
			if (producer == null || !integer.test(producer) || after.isEmpty() || !after.stream().allMatch(integer) || graph.isOutput(out)) {
				continue;
			}
			int c = factors.length;
			List<String> constants = new ArrayList<>();
			String weights = ed.constant(mul.name() + "_factors", Tensor.ofFloats("w", new long[] { c, 1, 1, 1 }, factors));
			constants.add(weights);
			List<String> inputs = new ArrayList<>(List.of(x, weights));
			if (add != null) {
				String bias = ed.constant(mul.name() + "_terms", Tensor.ofFloats("b", new long[] { c }, terms));
				constants.add(bias);
				inputs.add(bias);
			}
			Node conv = graph.newNode(ai.onnx.proto.OnnxMl.NodeProto.newBuilder().setOpType("Conv").setName(mul.name()).addAllInput(inputs).addOutput(out).build());
			conv.setIntsAttribute("kernel_shape", List.of(1L, 1L));
			conv.setIntAttribute("group", c);
			graph.nodes().set(graph.nodes().indexOf(mul), conv);
			int addAt = -1;
			if (add != null) {
				addAt = graph.nodes().indexOf(add);
				graph.nodes().remove(add);
			}
			rewrites.done(new ExactRewrites.Rewrite(mul, List.of(conv), conv, constants, add, addAt));
			rewrites.notes().put(mul.name(), rewritten(c, add == null ? null : add.name()) + ": " + why);
		}
		if (!rewrites.notes().isEmpty()) {
			ed.sort();
		}
		return rewrites;
	}

	/** Whether every term is small enough against its factor for an int32 bias ({@link #MAX_TERM_PER_FACTOR}). */
	private static boolean small(float[] terms, float[] factors) {
		for (int i = 0; i < terms.length; i++) {
			if (!Float.isFinite(terms[i]) || Math.abs(terms[i]) > MAX_TERM_PER_FACTOR * Math.abs(factors[i])) {
				return false;
			}
		}
		return true;
	}

	/** What the Mul's layer (now the Conv) says; verify re-derives the same words from the two models. */
	static String rewritten(int channels, String add) {
		return "Mul by a per-channel constant rewritten as a depthwise 1x1 Conv of weights its " + channels + " factors"
				+ (add == null ? "" : " and bias the " + channels + " terms of Add '" + add + "'");
	}
}
