package org.quantrace.engine.quantize;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
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
 * <p>
 * A Mul whose factors span more than the table's spread and which reads a Concat of channels ({@link OpRules#channelScaleSplit})
 * is split over the Concat's inputs instead: one such Conv per input (its slice of the factors and terms) reading the input at its
 * own producer's scale, the Relu that read the Add taken along per piece, and a Concat of the pieces writing what the Relu (Add,
 * Mul) wrote; an input that is itself such a Concat, its slice still spanning more, is split again. Concats left without a reader
 * are removed after planning ({@link Rewrites#prune}); a split the plan leaves float is undone whole, back to the float Mul.
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
	 * What {@link #apply} did. Its rule: a rewrite is undone when the plan leaves one of its nodes (a Conv, or a split's Relu or
	 * Concat), an op before one of its Convs or an op reading what it writes float (by name): a float Conv computes what the
	 * float Mul and Add do, and an integer Conv between float ops costs a DequantizeLinear and a QuantizeLinear where the float
	 * pair ran inside its float island (tests/data/wild gatedmix: 8,318 → 9,044 µs per batch with its two normalization Muls
	 * so). A split is undone whole, back to the float Mul (and Add and Relu).
	 */
	static final class Rewrites extends ExactRewrites {
		private final Set<Node> through = new LinkedHashSet<>();

		@Override
		boolean undoes(Graph graph, Rewrite r, Predicate<String> leftFloat) {
			// the last node a rewrite writes writes what the Mul (Add, Relu) wrote: the Conv, or the split's outermost Concat
			String output = r.written().get(r.written().size() - 1).output(0);
			boolean island = graph.consumers(output).stream().anyMatch(n -> leftFloat.test(n.name()));
			for (Node conv : r.convs()) {
				Node before = graph.producer(conv.input(0)).orElse(null);
				island |= before != null && leftFloat.test(before.name());
			}
			return island || r.written().stream().anyMatch(n -> leftFloat.test(n.name()));
		}

		/**
		 * Removes the Concats the splits read through that no node reads any more and the graph does not output (DenseNet's
		 * Concats are read only by the next Concat and a BatchNorm, so once every BatchNorm is split they compute nothing
		 * anybody reads), the last first; returns their names. Called after {@link #undo}, which may give one a reader back.
		 */
		Set<String> prune(Graph graph) {
			Set<String> pruned = new LinkedHashSet<>();
			boolean more = true;
			while (more) {
				more = false;
				for (Node c : List.copyOf(through)) {
					if (graph.nodes().contains(c) && graph.consumers(c.output(0)).isEmpty() && !graph.isOutput(c.output(0))) {
						graph.nodes().remove(c);
						through.remove(c);
						pruned.add(c.name());
						more = true;
					}
				}
			}
			return pruned;
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
			String split = OpRules.channelScaleSplit(factors);
			Node concat = split == null ? null : producer;
			if (concat != null && widths(graph, types, concat, c) != null && integer.test(concat)) {
				List<Node> readers2 = graph.consumers(out);
				Node relu = readers2.size() == 1 && !graph.isOutput(out) && "Relu".equals(readers2.get(0).opType()) && readers2.get(0).isStandard()
						&& readers2.get(0).outputs().size() == 1 && eligible.test(readers2.get(0)) ? readers2.get(0) : null;
				Split s = new Split(graph, types, ed, mul.name(), add == null ? null : add.name(), relu == null ? null : relu.name(),
						why + "; " + split);
				String output = relu != null ? relu.output(0) : out;
				s.piece(x, factors, terms, 0, c, "", output);
				List<ExactRewrites.Removed> removed = new ArrayList<>();
				graph.nodes().remove(mul);
				for (Node n : java.util.Arrays.asList(add, relu)) {
					if (n != null) {
						removed.add(new ExactRewrites.Removed(n, graph.nodes().indexOf(n)));
						graph.nodes().remove(n);
					}
				}
				rewrites.done(new ExactRewrites.Rewrite(mul, s.nodes, s.convs, s.constants, removed));
				rewrites.notes().putAll(s.notes);
				rewrites.through.addAll(s.through);
				continue;
			}
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
			rewrites.done(new ExactRewrites.Rewrite(mul, List.of(conv), List.of(conv), constants,
					add == null ? List.of() : List.of(new ExactRewrites.Removed(add, addAt))));
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

	/**
	 * The channel count of each input of {@code concat} when it joins 4-D tensors along their channels (axis 1) into the
	 * {@code channels} a per-channel Mul reads, every input an activation of known channel count; else null.
	 */
	static int[] widths(Graph graph, Map<String, TensorInfo> types, Node concat, int channels) {
		if (!"Concat".equals(concat.opType()) || !concat.isStandard() || concat.inputs().size() < 2 || concat.outputs().size() != 1) {
			return null;
		}
		long axis = concat.intAttribute("axis", 0);
		if (axis != 1 && axis != -3) {
			return null;
		}
		int[] widths = new int[concat.inputs().size()];
		int sum = 0;
		for (int i = 0; i < widths.length; i++) {
			TensorInfo in = types.get(concat.input(i));
			if (graph.constant(concat.input(i)) != null || in == null || in.shape() == null || in.shape().size() != 4
					|| !in.shape().get(1).matches("\\d{1,9}")) {
				return null;
			}
			widths[i] = Integer.parseInt(in.shape().get(1));
			sum += widths[i];
		}
		return sum == channels ? widths : null;
	}

	/** Whether the factors' magnitudes span more than {@link OpRules#MAX_FACTOR_SPREAD} (the op table's split rule). */
	static boolean spread(float[] factors) {
		double lo = Double.MAX_VALUE;
		double hi = 0;
		for (float f : factors) {
			lo = Math.min(lo, Math.abs(f));
			hi = Math.max(hi, Math.abs(f));
		}
		return hi > OpRules.MAX_FACTOR_SPREAD * lo;
	}

	/**
	 * A per-channel Mul (with its Add and Relu) split over the Concat it reads: per input of the Concat a depthwise 1x1 Conv
	 * of that input's slice of the factors (and terms), reading the input as its producer quantized it, then the Relu, and a
	 * Concat of the pieces writing what the Mul (Add, Relu) wrote. An input that is itself a Concat whose slice of the factors
	 * still spans more than the table's spread is split again.
	 */
	private static final class Split {
		private final Graph graph;
		private final Map<String, TensorInfo> types;
		private final GraphEditor ed;
		private final String mul;
		private final String add;
		private final String relu;
		private final String why;
		final List<Node> nodes = new ArrayList<>();
		final List<Node> convs = new ArrayList<>();
		final List<String> constants = new ArrayList<>();
		final Map<String, String> notes = new LinkedHashMap<>();
		final Set<Node> through = new LinkedHashSet<>();
		private int total;

		Split(Graph graph, Map<String, TensorInfo> types, GraphEditor ed, String mul, String add, String relu, String why) {
			this.graph = graph;
			this.types = types;
			this.ed = ed;
			this.mul = mul;
			this.add = add;
			this.relu = relu;
			this.why = why;
		}

		/** Writes the piece of channels [from, to) read from {@code tensor}; returns its output ({@code output} when given). */
		String piece(String tensor, float[] factors, float[] terms, int from, int to, String path, String output) {
			if (path.isEmpty()) {
				total = to;
			}
			Node concat = graph.producer(tensor).orElse(null);
			int[] widths = concat == null ? null : widths(graph, types, concat, to - from);
			if (widths != null && (path.isEmpty() || spread(java.util.Arrays.copyOfRange(factors, from, to)))) {
				through.add(concat);
				List<String> parts = new ArrayList<>();
				int at = from;
				for (int i = 0; i < widths.length; i++) {
					parts.add(piece(concat.input(i), factors, terms, at, at + widths[i], path + "#" + i, null));
					at += widths[i];
				}
				String name = ed.fresh(mul + path + "_concat");
				String out = output != null ? output : ed.fresh(name + "_out");
				Node joined = graph.newNode(ai.onnx.proto.OnnxMl.NodeProto.newBuilder().setOpType("Concat").setName(name).addAllInput(parts).addOutput(out).build());
				joined.setIntAttribute("axis", 1);
				graph.nodes().add(joined);
				nodes.add(joined);
				notes.put(name, splitConcat(mul, from, to, total) + ": " + why);
				return out;
			}
			int c = to - from;
			String name = ed.fresh(mul + path);
			String weights = ed.constant(name + "_factors", Tensor.ofFloats("w", new long[] { c, 1, 1, 1 }, java.util.Arrays.copyOfRange(factors, from, to)));
			constants.add(weights);
			List<String> inputs = new ArrayList<>(List.of(tensor, weights));
			if (terms != null) {
				String bias = ed.constant(name + "_terms", Tensor.ofFloats("b", new long[] { c }, java.util.Arrays.copyOfRange(terms, from, to)));
				constants.add(bias);
				inputs.add(bias);
			}
			String convOut = relu == null && output != null ? output : ed.fresh(name + "_out");
			Node conv = graph.newNode(ai.onnx.proto.OnnxMl.NodeProto.newBuilder().setOpType("Conv").setName(name).addAllInput(inputs).addOutput(convOut).build());
			conv.setIntsAttribute("kernel_shape", List.of(1L, 1L));
			conv.setIntAttribute("group", c);
			graph.nodes().add(conv);
			nodes.add(conv);
			convs.add(conv);
			notes.put(name, splitConv(mul, from, to, total, tensor, add) + ": " + why);
			if (relu == null) {
				return convOut;
			}
			String reluName = ed.fresh(name + "_relu");
			String reluOut = output != null ? output : ed.fresh(reluName + "_out");
			Node r = graph.newNode(ai.onnx.proto.OnnxMl.NodeProto.newBuilder().setOpType("Relu").setName(reluName).addInput(convOut).addOutput(reluOut).build());
			graph.nodes().add(r);
			nodes.add(r);
			notes.put(reluName, splitRelu(mul, relu, from, to, total) + ": " + why);
			return reluOut;
		}
	}

	/** What a split's Conv says (verify re-derives the same words): "Mul 'm' split over its input's Concat: its channels 0-15 of 40 …". */
	static String splitConv(String mul, int from, int to, int of, String tensor, String add) {
		return "Mul '" + mul + "' split over its input's Concat: its channels " + from + "-" + (to - 1) + " of " + of + " as a depthwise 1x1 Conv on '"
				+ tensor + "' of weights their factors" + (add == null ? "" : " and bias their terms of Add '" + add + "'");
	}

	/** What a split's Relu says. */
	static String splitRelu(String mul, String relu, int from, int to, int of) {
		return "added by the split of Mul '" + mul + "' over its input's Concat: Relu '" + relu + "' of its channels " + from + "-" + (to - 1) + " of " + of;
	}

	/** What a split's Concat says. */
	static String splitConcat(String mul, int from, int to, int of) {
		return "added by the split of Mul '" + mul + "' over its input's Concat: joins its channels " + from + "-" + (to - 1) + " of " + of;
	}
}
