package org.quantrace.engine.quantize;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

import org.quantrace.engine.onnx.Graph;
import org.quantrace.engine.onnx.Node;
import org.quantrace.engine.onnx.Tensor;
import org.quantrace.engine.onnx.TensorInfo;

/**
 * Rewrites, before a full-integer model is planned and calibrated, each 2-D AveragePool the op table says to rewrite
 * ({@link OpRules#averagePoolAsConv}) that sits between integer ops, in one of two forms, both exact in float:
 * <ul>
 * <li>a pool whose every window counts all its kh·kw values (no padding, or the padding counted), at any stride: a depthwise
 * Conv of weights 1/(kh·kw) with the pool's window, padding and strides, under the pool's name and output. A float pool
 * between integer ops costs a DequantizeLinear, a QuantizeLinear and ONNX Runtime's layout Transposes; the Conv runs as a
 * depthwise QLinearConv on the codes (shufflev1's stride-2 shortcut);</li>
 * <li>a pool that excludes the padding from its count (count_include_pad = 0, padded, stride 1, output as large as the
 * input, the map's largest factor at most {@link OpRules#POOL_MAP_LIMIT}: beyond it the Mul would multiply the sums' rounding error
 * at the image's edge by that much): a depthwise Conv '&lt;pool&gt;_sums' of weights 1/(kh·kw) (the window sums, divided by the full window) followed,
 * under the pool's name and output, by a Mul by the constant map [1, 1, H, W] of kh·kw / (the window's count inside the
 * image). ONNX Runtime would fuse the pool into QLinearAveragePool, which ran 30-50x slower than float in this form; it runs
 * the Conv as a depthwise QLinearConv and the Mul as QLinearMul.</li>
 * </ul>
 * A rewrite the plan then leaves float (float-slow-kernels keeping the narrow Conv float, a recovery trial excluding it)
 * would compute a float Conv (and Mul) where the float AveragePool does: it is undone ({@link Rewrites#undo}).
 */
final class PoolAsConv {

	private PoolAsConv() {
	}

	/** Whether {@code graph} holds a pool the op table would rewrite (so that the caller finds the shapes first). */
	static boolean any(Graph graph) {
		return graph.nodes().stream().anyMatch(n -> "AveragePool".equals(n.opType()) && OpRules.rewriteOf(n) != null);
	}

	/**
	 * What {@link #apply} did. Its rule: a rewrite is undone when the plan leaves its Conv or its Mul float (then a float Conv,
	 * and Mul, would compute what the float pool does, only slower).
	 */
	static final class Rewrites extends ExactRewrites {
		@Override
		boolean undoes(Graph graph, Rewrite r, Predicate<String> leftFloat) {
			return r.written().stream().anyMatch(n -> leftFloat.test(n.name()));
		}
	}

	/**
	 * Rewrites the pools the op table says to rewrite whose input shape {@code types} knows and whose neighbours all
	 * {@code integer} accepts (the pool is not excluded either); returns what was done, per node name for its log line.
	 */
	static Rewrites apply(Graph graph, Map<String, TensorInfo> types, Predicate<Node> integer, Predicate<Node> eligible) {
		Rewrites rewrites = new Rewrites();
		Map<String, String> notes = rewrites.notes();
		GraphEditor ed = new GraphEditor(graph);
		for (Node pool : List.copyOf(graph.nodes())) {
			String why = "AveragePool".equals(pool.opType()) ? OpRules.rewriteOf(pool) : null;
			TensorInfo in = why == null ? null : types.get(pool.input(0));
			if (why == null || in == null || in.shape() == null || in.shape().size() != 4 || !in.shape().subList(1, 4).stream().allMatch(d -> d.matches("\\d{1,9}"))
					|| !eligible.test(pool)) {
				continue;
			}
			Node producer = graph.producer(pool.input(0)).orElse(null);
			List<Node> readers = graph.consumers(pool.output(0));
			if (producer == null || !integer.test(producer) || readers.isEmpty() || !readers.stream().allMatch(integer) || graph.isOutput(pool.output(0))) {
				continue;
			}
			int c = Integer.parseInt(in.shape().get(1));
			int h = Integer.parseInt(in.shape().get(2));
			int w = Integer.parseInt(in.shape().get(3));
			List<Long> k = pool.intsAttribute("kernel_shape");
			List<Long> pads = pool.intsAttribute("pads");
			List<Long> strides = pool.intsAttribute("strides");
			int taps = (int) (k.get(0) * k.get(1));
			float[] ones = new float[c * taps];
			Arrays.fill(ones, 1f / taps);
			String weights = ed.constant(pool.name() + "_window", Tensor.ofFloats("w", new long[] { c, 1, k.get(0), k.get(1) }, ones));
			String name = pool.name();
			int at = graph.nodes().indexOf(pool);
			if (OpRules.poolCountsWholeWindows(pool)) {
				// every window counts all its values: the Conv alone, under the pool's name and output
				Node conv = graph.newNode(ai.onnx.proto.OnnxMl.NodeProto.newBuilder().setOpType("Conv").setName(name).addInput(pool.input(0)).addInput(weights)
						.addOutput(pool.output(0)).build());
				conv.setIntsAttribute("kernel_shape", k);
				if (!pads.isEmpty() && pads.stream().anyMatch(p -> p != 0)) {
					conv.setIntsAttribute("pads", pads);
				}
				if (!strides.isEmpty()) {
					conv.setIntsAttribute("strides", strides);
				}
				conv.setIntAttribute("group", c);
				graph.nodes().set(at, conv);
				rewrites.done(ExactRewrites.Rewrite.of(pool, List.of(conv), conv, List.of(weights)));
				notes.put(name, alone(taps) + ": " + why);
				continue;
			}
			String map = ed.constant(pool.name() + "_count", Tensor.ofFloats("m", new long[] { 1, 1, h, w }, countMap(h, w, k, pads)));
			String sums = ed.fresh(pool.output(0) + "_sums");
			Node conv = ed.add("Conv", pool.name() + "_sums", List.of(pool.input(0), weights), List.of(sums));
			conv.setIntsAttribute("kernel_shape", k);
			conv.setIntsAttribute("pads", pads);
			conv.setIntAttribute("group", c);
			graph.nodes().remove(pool);
			Node mul = graph.newNode(ai.onnx.proto.OnnxMl.NodeProto.newBuilder().setOpType("Mul").setName(name).addInput(sums).addInput(map)
					.addOutput(pool.output(0)).build());
			graph.nodes().add(at, mul);
			rewrites.done(ExactRewrites.Rewrite.of(pool, List.of(mul, conv), conv, List.of(weights, map)));
			notes.put(name, rewritten(conv.name(), taps) + ": " + why);
			notes.put(conv.name(), added(name, taps));
		}
		if (!notes.isEmpty()) {
			ed.sort();
		}
		return rewrites;
	}

	/** kh·kw / (the count of window positions inside the image) for each output position of a stride-1 window. */
	static float[] countMap(int h, int w, List<Long> k, List<Long> pads) {
		float[] map = new float[h * w];
		for (int i = 0; i < h; i++) {
			long rows = Math.min(i - pads.get(0) + k.get(0) - 1, h - 1) - Math.max(i - pads.get(0), 0) + 1;
			for (int j = 0; j < w; j++) {
				long cols = Math.min(j - pads.get(1) + k.get(1) - 1, w - 1) - Math.max(j - pads.get(1), 0) + 1;
				map[i * w + j] = (float) (k.get(0) * k.get(1)) / (rows * cols);
			}
		}
		return map;
	}

	/** What the pool's layer says when it is now a depthwise Conv alone (every window counts {@code taps} values). */
	static String alone(int taps) {
		return "AveragePool rewritten as a depthwise Conv of weights 1/" + taps + " (every window counts " + taps + " values)";
	}

	/** What the pool's layer (now the Mul) says. */
	static String rewritten(String conv, int taps) {
		return "AveragePool rewritten as a depthwise Conv '" + conv + "' of weights 1/" + taps + " and a Mul by the map " + taps + "/count";
	}

	/** What the added Conv's layer says. */
	static String added(String pool, int taps) {
		return "added by the rewrite of AveragePool '" + pool + "': the window sums divided by " + taps;
	}
}
