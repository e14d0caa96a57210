package org.quantrace.engine.quantize;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;

import org.quantrace.engine.onnx.DataType;
import org.quantrace.engine.onnx.Graph;
import org.quantrace.engine.onnx.Node;
import org.quantrace.engine.onnx.Tensor;

/**
 * Widens depthwise convolutions to the channel count ONNX Runtime's fast integer depthwise kernel needs
 * ({@link OpRules#DEPTHWISE_CHANNEL_ALIGNMENT}), before a full-integer model is planned and calibrated. The
 * channels are added to the whole channel region around the depthwise Conv: the Conv that makes its input gets
 * extra output channels with zero weights and bias, the depthwise Conv extra groups with zero weights, the ops
 * between them act per channel, and every Conv that reads the region gets extra input channels with zero
 * weights. No op in the region mixes channels, and the added channels enter the real ones only through zero
 * weights, so the network computes exactly what it did (the added channels hold zeros, or HardSigmoid(0) in a
 * squeeze-excitation gate, which calibration sees and the ranges already contain).
 * <p>
 * A region is left alone when anything else touches it (a graph input or output, a Reshape, Concat, Gemm,
 * a shared or non-float weight, a per-channel constant): then the Conv keeps its width and ONNX Runtime its slower kernel.
 * <p>
 * On by default for full-integer schemes ({@link QuantizationSpec.Builder#alignDepthwise}); each widened Conv's layer
 * reason says so, and verify re-derives the widening from the files (the added channels' weights and bias are zero
 * and only per-channel ops and zero weights read them).
 */
public final class DepthwisePadding {

	/** Ops that compute each channel from the same channel only, one activation in (constant scalars aside). */
	private static final Set<String> PER_CHANNEL = Set.of("Relu", "Clip", "HardSwish", "HardSigmoid", "Sigmoid", "LeakyRelu", "Identity",
			"GlobalAveragePool");

	/** One padded region: its depthwise Convs, the Convs that make it and those that read it. */
	private record Region(Set<String> tensors, Set<Node> producers, Set<Node> depthwise, Set<Node> readers) {
	}

	private final Graph graph;

	private DepthwisePadding(Graph graph) {
		this.graph = graph;
	}

	/**
	 * Pads the regions whose Convs {@code eligible} all accepts; returns, per Conv that changed, what was
	 * done (for the layer's log line).
	 */
	static Map<String, String> pad(Graph graph, Predicate<Node> eligible) {
		return new DepthwisePadding(graph).padAll(eligible);
	}

	private Map<String, String> padAll(Predicate<Node> eligible) {
		int align = OpRules.DEPTHWISE_CHANNEL_ALIGNMENT;
		Map<String, String> notes = new LinkedHashMap<>();
		for (Node n : List.copyOf(graph.nodes())) {
			int c = depthwiseChannels(n);
			if (c <= 0 || c % align == 0 || !eligible.test(n)) {
				continue;
			}
			Region r = region(n, c);
			// every Conv of the region quantized as the kernel needs: a float one (excluded) would hold widened float weights no quantization record describes
			if (r == null || !java.util.stream.Stream.of(r.producers(), r.depthwise(), r.readers()).flatMap(Set::stream).allMatch(eligible)) {
				continue;
			}
			int padded = (c + align - 1) / align * align;
			String why = added(padded - c, c, padded) + ": ONNX Runtime runs its int8 depthwise kernel only for multiples of " + align
					+ " channels, and only zero weights read the added channels, so the network computes the same";
			for (Node p : r.producers()) {
				padWeights(p, 0, padded, true);
				notes.merge(p.name(), why.replace("zero channels", "zero output channels"), DepthwisePadding::both);
			}
			for (Node d : r.depthwise()) {
				padWeights(d, 0, padded, true);
				d.setIntAttribute("group", padded);
				notes.merge(d.name(), why, DepthwisePadding::both);
			}
			for (Node q : r.readers()) {
				padWeights(q, 1, padded, false);
				notes.merge(q.name(), why.replace("zero channels", "zero input channels"), DepthwisePadding::both);
			}
			// the region's shapes recorded before the padding are stale: ONNX Runtime infers them again
			graph.valueInfos().removeIf(v -> r.tensors().contains(v.getName()));
		}
		return notes;
	}

	/** A Conv widened on both sides (reading one padded region, making another): both statements. */
	private static String both(String a, String b) {
		return a + "; " + b;
	}

	/**
	 * What a layer's log line says of its widening ("8 zero channels added (72 → 80)", with "output" or "input"
	 * before "channels" for the Convs around the depthwise one); verify re-derives the same words from the files.
	 */
	static String added(int zeros, int from, int to) {
		return zeros + " zero channels added (" + from + " → " + to + ")";
	}

	/** The channel count of a depthwise Conv (group = channels, one input channel per group, float weights), else 0. */
	private int depthwiseChannels(Node n) {
		if (!isConv(n)) {
			return 0;
		}
		Tensor w = weight(n);
		long group = n.intAttribute("group", 1);
		return group > 1 && w.dims()[1] == 1 && w.dims()[0] == group ? (int) group : 0;
	}

	private boolean isConv(Node n) {
		if (!n.opType().equals("Conv") || !n.domain().isEmpty() && !n.domain().equals("ai.onnx") || n.inputs().size() < 2) {
			return false;
		}
		Tensor w = weight(n);
		if (w == null || w.dataType() != DataType.FLOAT || w.dims().length < 3 || graph.consumers(n.input(1)).size() != 1) {
			return false;
		}
		if (n.inputs().size() > 2 && !n.input(2).isEmpty()) {
			Tensor b = graph.initializer(n.input(2));
			return b != null && b.dataType() == DataType.FLOAT && graph.consumers(n.input(2)).size() == 1;
		}
		return true;
	}

	private boolean isDense(Node n) {
		return isConv(n) && n.intAttribute("group", 1) == 1;
	}

	private Tensor weight(Node n) {
		return graph.initializer(n.input(1));
	}

	/** The channel region around the input of depthwise Conv {@code seed}, or null when something outside the per-channel ops touches it. */
	private Region region(Node seed, int channels) {
		Set<String> tensors = new LinkedHashSet<>();
		Deque<String> todo = new ArrayDeque<>();
		Set<Node> producers = new LinkedHashSet<>();
		Set<Node> depthwise = new LinkedHashSet<>();
		Set<Node> readers = new LinkedHashSet<>();
		tensors.add(seed.input(0));
		todo.add(seed.input(0));
		Set<String> outputs = new java.util.HashSet<>();
		graph.outputs().forEach(o -> outputs.add(o.getName()));
		while (!todo.isEmpty()) {
			String t = todo.poll();
			if (outputs.contains(t) || graph.initializer(t) != null) {
				return null;
			}
			Node p = graph.producer(t).orElse(null);
			if (p == null) {
				return null; // a graph input
			}
			if (isDense(p) && p.output(0).equals(t)) {
				producers.add(p);
			} else if (depthwiseChannels(p) > 0) {
				depthwise.add(p);
				enqueue(p.input(0), tensors, todo);
			} else if (perChannel(p)) {
				enqueue(p.input(0), tensors, todo);
			} else if (activationProduct(p)) {
				p.inputs().forEach(i -> enqueue(i, tensors, todo));
			} else {
				return null;
			}
			for (Node c : graph.consumers(t)) {
				if (isDense(c) && c.input(0).equals(t) && !c.inputs().subList(1, c.inputs().size()).contains(t)) {
					readers.add(c);
				} else if (depthwiseChannels(c) > 0 && c.input(0).equals(t)) {
					depthwise.add(c);
					enqueue(c.output(0), tensors, todo);
				} else if (perChannel(c) && c.input(0).equals(t)) {
					enqueue(c.output(0), tensors, todo);
				} else if (activationProduct(c)) {
					c.inputs().forEach(i -> enqueue(i, tensors, todo));
					enqueue(c.output(0), tensors, todo);
				} else {
					return null;
				}
			}
		}
		for (Node p : producers) {
			if (weight(p).dims()[0] != channels || readers.contains(p)) {
				return null;
			}
		}
		for (Node d : depthwise) {
			if (depthwiseChannels(d) != channels) {
				return null;
			}
		}
		for (Node q : readers) {
			if (weight(q).dims()[1] != channels) {
				return null;
			}
		}
		return producers.isEmpty() ? null : new Region(tensors, producers, depthwise, readers);
	}

	private static void enqueue(String t, Set<String> tensors, Deque<String> todo) {
		if (tensors.add(t)) {
			todo.add(t);
		}
	}

	/** A per-channel op whose other inputs (Clip's bounds) are scalar constants. */
	private boolean perChannel(Node n) {
		if (!PER_CHANNEL.contains(n.opType()) || !n.domain().isEmpty() && !n.domain().equals("ai.onnx") || n.outputs().size() != 1) {
			return false;
		}
		for (int i = 1; i < n.inputs().size(); i++) {
			Tensor b = n.input(i).isEmpty() ? null : graph.constant(n.input(i));
			if (!n.input(i).isEmpty() && (b == null || b.elementCount() != 1)) {
				return false;
			}
		}
		return true;
	}

	/** Mul or Add of two activations (squeeze-excitation's gate, a residual inside the region): per channel when both are in the region. */
	private boolean activationProduct(Node n) {
		return (n.opType().equals("Mul") || n.opType().equals("Add")) && n.isStandard() && n.inputs().size() == 2
				&& n.inputs().stream().allMatch(i -> graph.constant(i) == null);
	}

	/** Zero-pads the Conv's weight along {@code axis} (0: output channels, 1: input channels) to {@code size}, and its bias when asked. */
	private void padWeights(Node conv, int axis, int size, boolean bias) {
		graph.putInitializer(padded(weight(conv), axis, size));
		if (bias && conv.inputs().size() > 2 && !conv.input(2).isEmpty()) {
			graph.putInitializer(padded(graph.initializer(conv.input(2)), 0, size));
		}
	}

	static Tensor padded(Tensor t, int axis, int size) {
		long[] dims = t.dims();
		float[] v = t.toFloatArray();
		long outer = 1;
		for (int i = 0; i < axis; i++) {
			outer *= dims[i];
		}
		long inner = 1;
		for (int i = axis + 1; i < dims.length; i++) {
			inner *= dims[i];
		}
		long[] newDims = dims.clone();
		newDims[axis] = size;
		float[] out = new float[(int) (outer * size * inner)];
		int block = (int) (dims[axis] * inner);
		for (int o = 0; o < outer; o++) {
			System.arraycopy(v, o * block, out, (int) (o * size * inner), block);
		}
		return Tensor.ofFloats(t.name(), newDims, out);
	}
}
