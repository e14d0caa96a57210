package org.quantrace.engine.quantize;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.quantrace.engine.onnx.DataType;
import org.quantrace.engine.onnx.Graph;
import org.quantrace.engine.onnx.Node;
import org.quantrace.engine.onnx.OnnxModel;

import ai.onnx.proto.OnnxMl.AttributeProto;

/**
 * A MaxPool on 8-bit codes that reach it through a Reshape or Transpose (ShuffleNet's channel shuffle) is written
 * as Transpose → {@code com.microsoft.NhwcMaxPool} → Transpose. ONNX Runtime 1.29 moves such a MaxPool to NHWC only
 * where it can push the layout Transposes through its neighbours; behind a Reshape it cannot, and it then runs its
 * generic 8-bit NCHW MaxPool: 749-2,486 µs per batch of 64 against 33-219 in float on tests/data/wild's ShuffleNet
 * (2 threads). Left float, ONNX Runtime propagates the Q/DQ pair through it and drops it again. Written on NHWC codes,
 * the model ran at 0.77x fp32 against 0.41x (batch 64, load 4-5; tests/data/wild/README.md).
 *
 * <p>The same holds for a MaxPool on the codes of a float op's output (the QuantizeLinear an integer reader of that
 * output needs, e.g. after the stem {@code --float-slow-kernels} leaves float): the QuantizeLinear's producer runs in
 * NCHW, so ONNX Runtime keeps the MaxPool there too, 3,427 µs per batch of 64 on the BSPC-GAP's stem against ~300 for
 * its NhwcMaxPools after QLinearConv (one thread; docs/zoo-bench.md, branch speed). Written float before that
 * QuantizeLinear it does not help: ONNX Runtime propagates the QuantizeLinear back over it and merges it with the
 * other reader's.
 */
final class NhwcMaxPool {

	static final String DOMAIN = ContribForms.DOMAIN;
	static final String OP = "NhwcMaxPool";

	/**
	 * Ops that pass codes on unchanged in value; a Reshape or Transpose among them hides the layout from ONNX Runtime.
	 * ReduceMax picks one of its input codes: maxout's Conv → Reshape to channel groups → ReduceMax → MaxPool (round 20's
	 * maxout) ran its two MaxPools as 8-bit NCHW ones, 1,234 and 1,379 µs per batch of 64 against 95 and 43 in float.
	 */
	private static final Set<String> MOVES = Set.of("Reshape", "Transpose", "Squeeze", "Unsqueeze", "Flatten", "Identity", "ReduceMax");

	/** Why ONNX Runtime cannot move a MaxPool to NHWC itself. */
	static final String BEHIND_RESHAPE = "behind a Reshape/Transpose";
	static final String AFTER_FLOAT_OP = "on the codes of a float op's output";

	/** The trace's words for what the file holds instead of a rewritten MaxPool, given what the plan said of it and why it was rewritten. */
	static String reason(String planned, String cause) {
		return planned + "; written as Transpose → " + DOMAIN + "." + OP + " → Transpose: " + cause + " ONNX Runtime cannot move it to NHWC"
				+ " and its 8-bit NCHW MaxPool ran 10-20x slower than the float one (ShuffleNet, batch 64)";
	}

	private NhwcMaxPool() {
	}

	/**
	 * Rewrites every eligible MaxPool of the main graph; returns the MaxPool nodes replaced, each with why.
	 *
	 * @param floatNodes the nodes the plan left float (they stay in the file as they are)
	 */
	static Map<Node, String> apply(OnnxModel model, Set<Node> floatNodes) {
		Graph graph = model.graph();
		GraphEditor ed = new GraphEditor(graph);
		Map<Node, String> rewritten = new LinkedHashMap<>();
		for (Node mp : List.copyOf(graph.nodes())) {
			String cause = eligible(graph, mp, floatNodes);
			if (cause == null) {
				continue;
			}
			String x = mp.input(0);
			String y = mp.output(0);
			String xNhwc = ed.fresh(x + "_nhwc");
			String yNhwc = ed.fresh(y + "_nhwc");
			ed.add("Transpose", null, List.of(x), List.of(xNhwc)).setIntsAttribute("perm", List.of(0L, 2L, 3L, 1L));
			List<AttributeProto> attrs = mp.attributes().stream().filter(a -> !a.getName().equals("storage_order")).toList();
			Node pool = ed.add(DOMAIN, OP, null, List.of(xNhwc), List.of(yNhwc), attrs.toArray(AttributeProto[]::new));
			pool.setName(mp.name()); // the layer keeps its name: the trace's row names the node that does its work
			ed.add("Transpose", null, List.of(yNhwc), List.of(y)).setIntsAttribute("perm", List.of(0L, 3L, 1L, 2L));
			graph.nodes().remove(mp);
			rewritten.put(mp, cause);
		}
		if (!rewritten.isEmpty()) {
			model.setOpset(DOMAIN, 1);
			ed.sort();
		}
		return rewritten;
	}

	/**
	 * Why a 2-D MaxPool (one output, row-major) reading 8-bit codes written by a QuantizeLinear is to be rewritten: the codes
	 * reach it through a Reshape or Transpose, or the QuantizeLinear quantizes a float op's output; null when neither.
	 */
	static String eligible(Graph graph, Node mp, Set<Node> floatNodes) {
		if (!mp.opType().equals("MaxPool") || !mp.isStandard() || mp.outputs().size() > 1 && !mp.output(1).isEmpty()
				|| mp.intAttribute("storage_order", 0) != 0 || mp.intsAttribute("kernel_shape").size() != 2) {
			return null;
		}
		boolean hidden = false;
		Node p = graph.producer(mp.input(0)).orElse(null);
		while (p != null && p.isStandard() && MOVES.contains(p.opType())) {
			hidden |= p.opType().equals("Reshape") || p.opType().equals("Transpose");
			p = graph.producer(p.input(0)).orElse(null);
		}
		if (p == null || !p.isStandard() || !p.opType().equals("QuantizeLinear") || !eightBit(graph, p)) {
			return null;
		}
		Node quantized = graph.producer(p.input(0)).orElse(null);
		return hidden ? BEHIND_RESHAPE : quantized != null && floatNodes.contains(quantized) ? AFTER_FLOAT_OP : null;
	}

	/** Whether the QuantizeLinear writes 8-bit codes (its zero point's type; none: uint8). */
	private static boolean eightBit(Graph graph, Node q) {
		if (q.inputs().size() < 3 || q.input(2).isEmpty()) {
			return true;
		}
		var zp = graph.constant(q.input(2));
		return zp != null && (zp.dataType() == DataType.UINT8 || zp.dataType() == DataType.INT8);
	}
}
