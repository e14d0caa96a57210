package org.quantrace.engine.quantize;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.quantrace.engine.onnx.Graph;
import org.quantrace.engine.onnx.Node;
import org.quantrace.engine.onnx.OnnxModel;
import org.quantrace.engine.onnx.TensorInfo;

/**
 * The codes of an integer GlobalAveragePool that a Flatten reads (a classifier head: pool → Flatten → Gemm) reach the
 * Flatten through a Transpose [N, C, 1, 1] → [N, 1, 1, C]: it moves only axes of size 1, so the Flatten's [N, C] holds the
 * same values in the same order. ONNX Runtime 1.29 pushes the Transposes it puts after an NHWC QLinearConv only towards
 * another Transpose (its cost check counts a pushed Transpose that meets none as a new one); a pool that ends in the
 * Flatten meets none, so where an op of one activation input sits between the last QLinearConv and the pool (MobileNetV3's
 * lowered HardSwish, a QLinearAdd and a QLinearMul) the Transpose stays before that op: the op and the pool run channel
 * first, a whole-tensor Transpose and ONNX Runtime's NCHW QLinearGlobalAveragePool, 10x slower than its NHWC one. The
 * Transpose written here is one to meet: the layout Transposes cancel and the pool runs channels-last. Measured on the
 * zoo's MobileNetV3 (batch 64, one thread, tests/data/wild/README.md, branch mbv3speed2): the pool and its Transpose
 * 425 + 159 µs → 27 µs in a profile at load 11, the model 1-3 % less CPU time in 9 of 9 passes.
 */
final class PooledCodesChannelsLast {

	/** What the pool's record adds. */
	static final String REASON = "its codes reach the Flatten through a Transpose [N, C, 1, 1] → [N, 1, 1, C] (axes of size 1 only: the same values in"
			+ " the same order), so ONNX Runtime cancels its layout Transposes and runs this pool, and the ops between it and the last QLinearConv,"
			+ " channels-last (without it its NCHW QLinearGlobalAveragePool and a Transpose of the whole input ran 10-20x the NHWC pool's time,"
			+ " MobileNetV3 batch 64)";

	private PooledCodesChannelsLast() {
	}

	/**
	 * Writes the Transpose before every Flatten (axis 1) of the main graph that reads, as its only reader, the 8-bit codes of a
	 * quantized GlobalAveragePool of a 4-D input; returns the pools whose codes now go through one.
	 *
	 * @param types the float model's tensor types and shapes, by name
	 * @param floatNodes the nodes the plan left float (their outputs are not codes)
	 */
	static Set<Node> apply(OnnxModel model, Map<String, TensorInfo> types, Set<Node> floatNodes) {
		Graph graph = model.graph();
		GraphEditor ed = new GraphEditor(graph);
		Map<Node, Node> pools = new LinkedHashMap<>();
		for (Node flatten : List.copyOf(graph.nodes())) {
			Node pool = pooled(graph, flatten, types, floatNodes);
			if (pool == null) {
				continue;
			}
			String nhwc = ed.fresh(flatten.input(0) + "_nhwc");
			ed.add("Transpose", null, List.of(flatten.input(0)), List.of(nhwc)).setIntsAttribute("perm", List.of(0L, 2L, 3L, 1L));
			flatten.setInput(0, nhwc);
			pools.put(pool, flatten);
		}
		if (!pools.isEmpty()) {
			ed.sort();
		}
		return pools.keySet();
	}

	/** The quantized GlobalAveragePool whose codes (QuantizeLinear) {@code flatten} alone reads, or null. */
	private static Node pooled(Graph graph, Node flatten, Map<String, TensorInfo> types, Set<Node> floatNodes) {
		if (!flatten.opType().equals("Flatten") || !flatten.isStandard() || flatten.intAttribute("axis", 1) != 1) {
			return null;
		}
		Node q = graph.producer(flatten.input(0)).orElse(null);
		if (q == null || !q.isStandard() || !q.opType().equals("QuantizeLinear") || graph.consumers(q.output(0)).size() != 1 || graph.isOutput(q.output(0))) {
			return null;
		}
		Node pool = graph.producer(q.input(0)).orElse(null);
		if (pool == null || !pool.isStandard() || !pool.opType().equals("GlobalAveragePool") || floatNodes.contains(pool)) {
			return null;
		}
		// [N, C, 1, 1]: the pool of a 2-D image (the float model's name for the tensor the QuantizeLinear quantizes)
		TensorInfo pooled = types.get(q.input(0));
		return pooled != null && pooled.shape() != null && pooled.shape().size() == 4 ? pool : null;
	}
}
