package org.quantrace.engine.quantize;

import java.util.List;
import java.util.Set;

import org.quantrace.engine.onnx.Graph;
import org.quantrace.engine.onnx.Node;

/**
 * A one-channel model input that a pool path reads beside its stem (round 17's octave: the image read by h0's 3x3 Conv 1 → 8
 * and by a Pad → AveragePool 2x2 whose half-size image l0's 3x3 Conv 1 → 8 reads). Quantized, the two stems ran as
 * one-input-channel QLinearConvs and the pool as PoolAsConv's 2x2 QLinearConv 1 → 1: 19,921 and 1,783 µs per batch of 64
 * against the float Conv's 235 and the float pool's 1,359 (ONNX Runtime's profile, two threads), and the whole fiq-int8 model
 * took 1.14-1.18x fp32's CPU time. With the pool path float (the pool and its Pad read the input's DequantizeLinear, the Conv
 * after the pool keeps its float weights: {@code QuantizationPlan}'s floatFedStem) and the stem on the input computed in
 * float (floatStem), 0.76-0.81x (tests/data/wild/README.md, branch stems3). The island's structure only; the planner checks
 * the scheme (an 8-bit input type other than the activations'). Round 29's crossnet is the other form: its [N, 1, 28, 28] input
 * read only by a Pad → AveragePool 2x2 whose output a Flatten feeds to a cross network and an MLP; integer, the input was
 * requantized to uint8 and the pool ran as PoolAsConv's 2x2 QLinearConv 1 → 1 between layout Transposes (int8 1.21-1.25x the
 * converted fp32's CPU time at batch 64), float 0.93-1.08x (tests/data/wild/README.md, branch speed36).
 */
final class OneChannelInput {

	/** The pools a path may hold: AveragePool as the model has it (not rewritten by {@link PoolAsConv}), MaxPool. */
	private static final Set<String> POOLS = Set.of("AveragePool", "MaxPool");

	private OneChannelInput() {
	}

	/**
	 * Whether graph input {@code x} is such an island: at least one pool path reads it, and every other reader is a Conv of one
	 * input channel or an op that computes in float whatever it reads ({@code floatOp}).
	 */
	static boolean island(Graph g, String x, java.util.function.Predicate<Node> floatOp) {
		if (!g.isInput(x)) {
			return false;
		}
		List<Node> readers = g.consumers(x);
		return readers.stream().anyMatch(r -> pathStart(g, r)) && readers.stream().allMatch(r -> pathStart(g, r) || OpRules.oneChannelConv(r) || floatOp.test(r));
	}

	/** Whether {@code n} is the Pad or the pool of a pool path on a graph input (the path's structure, not yet the island's). */
	static boolean onPath(Graph g, Node n) {
		if (pathStart(g, n)) {
			return true;
		}
		Node pad = POOLS.contains(n.opType()) ? g.producer(n.input(0)).orElse(null) : null;
		return pad != null && pathStart(g, pad);
	}

	/** The graph input a node {@link #onPath} reads, directly or through its Pad. */
	static String input(Graph g, Node n) {
		Node pad = g.producer(n.input(0)).orElse(null);
		return pad == null ? n.input(0) : pad.input(0);
	}

	/**
	 * Whether reader {@code r} of a graph input starts a pool path: a pool, or a Pad whose only reader is a pool, on that input;
	 * the pool's output is read by Convs of one input channel only (octave), or by no Conv (round 29's crossnet: the 2x2-pooled
	 * image flattened into a cross network and an MLP). Float, the path costs one DequantizeLinear of the input and a
	 * QuantizeLinear of the smaller pooled map for integer readers; integer, the whole int8 input was requantized to the
	 * activations' uint8 codes (a DequantizeLinear and a QuantizeLinear) and the pool ran as a 1 → 1 QLinearConv
	 * ({@link OpRules#oneChannelInputPool}).
	 */
	static boolean pathStart(Graph g, Node r) {
		if (!g.isInput(r.input(0)) || r.outputs().size() != 1 || g.isOutput(r.output(0))) {
			return false;
		}
		Node pool = r;
		if (r.opType().equals("Pad")) {
			List<Node> next = g.consumers(r.output(0));
			pool = next.size() == 1 ? next.get(0) : null;
		}
		if (pool == null || !POOLS.contains(pool.opType()) || pool.outputs().size() != 1 || g.isOutput(pool.output(0))) {
			return false;
		}
		List<Node> readers = g.consumers(pool.output(0));
		return !readers.isEmpty() && (readers.stream().allMatch(OpRules::oneChannelConv) || readers.stream().noneMatch(OneChannelInput::conv) && oneChannel(g, r.input(0)));
	}

	/** Whether graph input {@code x} declares a 4-D shape of one channel ([N, 1, H, W]). */
	private static boolean oneChannel(Graph g, String x) {
		return g.inputs().stream().filter(v -> v.getName().equals(x)).anyMatch(v -> v.getType().getTensorType().getShape().getDimCount() == 4
				&& v.getType().getTensorType().getShape().getDim(1).hasDimValue() && v.getType().getTensorType().getShape().getDim(1).getDimValue() == 1);
	}

	/** Whether the pool path's readers are the one-channel Convs of octave's form (else ops that are no Conv: crossnet's). */
	static boolean readByConvs(Graph g, Node n) {
		Node pool = POOLS.contains(n.opType()) ? n : g.consumers(n.output(0)).get(0);
		return g.consumers(pool.output(0)).stream().allMatch(OpRules::oneChannelConv);
	}

	private static boolean conv(Node n) {
		return n.opType().startsWith("Conv");
	}
}
