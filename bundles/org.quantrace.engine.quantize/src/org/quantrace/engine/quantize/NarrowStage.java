package org.quantrace.engine.quantize;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.quantrace.engine.onnx.DataType;
import org.quantrace.engine.onnx.Graph;
import org.quantrace.engine.onnx.Node;
import org.quantrace.engine.onnx.Tensor;

/**
 * The narrow stage a model input feeds: a Conv of one input channel (a grayscale stem, {@link OpRules#narrowConv narrow})
 * that alone reads the input (directly or through a Transpose that only it reads: an NHWC input), and every op after it that reads only what the stage computes, as long as it is a narrow
 * Conv or an element-wise op or pool between them: the zoo MobileNetV3's stem → HardSwish → 16-channel depthwise Conv →
 * Relu → squeeze-excitation → 1x1 Conv 16 → 16 → residual Add, MobileNetV2's stem → Clip → depthwise → Clip → 1x1 → Add.
 * It ends where a wider op reads it (the 1x1 Conv 16 → 64). Only a stage with a narrow Conv after the stem counts: a stem
 * alone has its own rules. The op table keeps such a stage float on an int8 input ({@link OpRules#narrowStage}); this class
 * only finds it.
 */
final class NarrowStage {

	/** The ops a stage holds beside narrow Convs: per element or per channel, float where the Convs around them are. */
	static final Set<String> BETWEEN = Set.of("Relu", "Clip", "HardSwish", "HardSigmoid", "Sigmoid", "GlobalAveragePool", "Mul", "Add");

	private NarrowStage() {
	}

	/** The stage of {@code g} (a model's main graph) in graph order, its stem first, or an empty list. */
	static List<Node> of(Graph g) {
		Node stem = g.parent() != null ? null : g.runtimeInputs().stream().map(v -> g.consumers(v.getName())).map(c -> throughLayout(g, c))
				.filter(c -> c.size() == 1 && stem(g, c.get(0))).map(c -> c.get(0)).findFirst().orElse(null);
		if (stem == null) {
			return List.of();
		}
		// forward from the stem through the readers of what the stage computes (one index of the readers, then only the stage's
		// neighbours asked), not every node asked again until nothing joins: the op table asks once per Conv and element-wise op
		Map<String, List<Node>> readersOf = new HashMap<>();
		g.nodes().forEach(n -> n.inputs().forEach(t -> readersOf.computeIfAbsent(t, k -> new ArrayList<>()).add(n)));
		Set<Node> members = new HashSet<>(List.of(stem));
		Set<String> computed = new HashSet<>(stem.outputs());
		ArrayDeque<Node> readers = new ArrayDeque<>();
		stem.outputs().forEach(t -> readers.addAll(readersOf.getOrDefault(t, List.of())));
		while (!readers.isEmpty()) {
			Node n = readers.poll();
			if (!members.contains(n) && joins(g, n, computed)) { // an Add joins once both its inputs have: it is asked again then
				members.add(n);
				computed.addAll(n.outputs());
				n.outputs().forEach(t -> readers.addAll(readersOf.getOrDefault(t, List.of())));
			}
		}
		List<Node> stage = g.nodes().stream().filter(members::contains).toList(); // graph order, the stem first
		return stage.stream().skip(1).anyMatch(n -> n.opType().equals("Conv")) ? stage : List.of();
	}

	/**
	 * The readers of a model input, or, when its one reader is a Transpose that one node reads (tf2onnx's NHWC input put
	 * into NCHW for the stem, make_exporters30.py tf9cls), that node: the Transpose moves the input's codes, the stage
	 * after it is the same. tf9cls fiq-int8 (its ZeroPadding2D Pads folded into the Convs, so that the stage reaches its
	 * 1x1 Convs) with the stage float: 0.67-0.79x the original fp32's CPU time against 1.06-1.16x with it integer (one
	 * thread, batch 64; tests/data/wild/README.md, speed37).
	 */
	private static List<Node> throughLayout(Graph g, List<Node> readers) {
		if (readers.size() != 1 || !readers.get(0).isStandard() || !readers.get(0).opType().equals("Transpose") || g.isOutput(readers.get(0).output(0))) {
			return readers;
		}
		return g.consumers(readers.get(0).output(0));
	}

	private static boolean stem(Graph g, Node n) {
		Tensor w = n.inputs().size() > 1 ? g.constant(n.input(1)) : null;
		return n.isStandard() && n.opType().equals("Conv") && w != null && w.dataType() == DataType.FLOAT && w.dims().length == 4 && w.dims()[1] == 1 && n.intAttribute("group", 1) == 1
				&& OpRules.narrowConv(n) != null && !g.isOutput(n.output(0));
	}

	/** Whether {@code n} reads only tensors of the stage (and constants) and is a narrow Conv or one of {@link #BETWEEN}. */
	private static boolean joins(Graph g, Node n, Set<String> computed) {
		if (!n.isStandard() || n.outputs().size() != 1 || g.isOutput(n.output(0))) {
			return false;
		}
		List<String> data = n.inputs().stream().filter(t -> !t.isEmpty() && g.constant(t) == null).toList();
		if (data.isEmpty() || !computed.containsAll(data)) {
			return false;
		}
		if (n.opType().equals("Conv")) {
			Tensor w = n.inputs().size() > 1 ? g.constant(n.input(1)) : null;
			return w != null && w.dataType() == DataType.FLOAT && OpRules.narrowConv(n) != null;
		}
		return BETWEEN.contains(n.opType());
	}
}
