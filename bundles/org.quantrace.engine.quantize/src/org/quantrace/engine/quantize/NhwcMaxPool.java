package org.quantrace.engine.quantize;

import java.util.ArrayList;
import java.util.List;
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
 */
final class NhwcMaxPool {

	static final String DOMAIN = "com.microsoft";
	static final String OP = "NhwcMaxPool";

	/** Ops that pass codes on unchanged in value; a Reshape or Transpose among them hides the layout from ONNX Runtime. */
	private static final Set<String> MOVES = Set.of("Reshape", "Transpose", "Squeeze", "Unsqueeze", "Flatten", "Identity");

	/** The trace's words for what the file holds instead of a rewritten MaxPool, given what the plan said of it. */
	static String reason(String planned) {
		return planned + "; written as Transpose → " + DOMAIN + "." + OP + " → Transpose: behind a Reshape/Transpose ONNX Runtime cannot move it to NHWC"
				+ " and its 8-bit NCHW MaxPool ran 10-20x slower than the float one (ShuffleNet, batch 64)";
	}

	private NhwcMaxPool() {
	}

	/** Rewrites every eligible MaxPool of the main graph; returns the MaxPool nodes replaced. */
	static List<Node> apply(OnnxModel model) {
		Graph graph = model.graph();
		GraphEditor ed = new GraphEditor(graph);
		List<Node> rewritten = new ArrayList<>();
		for (Node mp : List.copyOf(graph.nodes())) {
			if (!eligible(graph, mp)) {
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
			rewritten.add(mp);
		}
		if (!rewritten.isEmpty()) {
			model.setOpset(DOMAIN, 1);
			ed.sort();
		}
		return rewritten;
	}

	/** A 2-D MaxPool (one output, row-major) reading codes written by a QuantizeLinear through a Reshape or Transpose. */
	static boolean eligible(Graph graph, Node mp) {
		if (!mp.opType().equals("MaxPool") || !mp.isStandard() || mp.outputs().size() > 1 && !mp.output(1).isEmpty()
				|| mp.intAttribute("storage_order", 0) != 0 || mp.intsAttribute("kernel_shape").size() != 2) {
			return false;
		}
		boolean hidden = false;
		Node p = graph.producer(mp.input(0)).orElse(null);
		while (p != null && p.isStandard() && MOVES.contains(p.opType())) {
			hidden |= p.opType().equals("Reshape") || p.opType().equals("Transpose");
			p = graph.producer(p.input(0)).orElse(null);
		}
		return hidden && p != null && p.isStandard() && p.opType().equals("QuantizeLinear") && eightBit(graph, p);
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
