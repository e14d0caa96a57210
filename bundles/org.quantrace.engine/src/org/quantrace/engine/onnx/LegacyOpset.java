package org.quantrace.engine.onnx;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.quantrace.engine.InvalidInputException;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;

/**
 * Opsets 1 to 6 raised to 7, as ONNX's version converter does: the early model zoo's Caffe2 and CNTK files (bvlc_alexnet,
 * the first SqueezeNet and ResNet files at opset 3 and 6) hold forms ONNX Runtime no longer runs (it has no kernel older than
 * opset 7) and Quantrace refused them ("re-export the model", which a zoo user cannot). Rewritten:
 * <ul>
 * <li>{@code consumed_inputs} (every op, removed at 6) is a memory hint of the exporter, without arithmetic meaning: dropped;</li>
 * <li>{@code is_test} of BatchNormalization and Dropout (removed at 7): dropped; from 7 an op is in inference form by its outputs,
 * and conversion views a model in inference form anyway;</li>
 * <li>the legacy broadcast of Add, Sub, Mul, Div, Pow and the logical ops ({@code broadcast = 1}, {@code axis}: the second input
 * aligned with the first's axes from {@code axis} on, Caffe2's bias Add of [C] at axis 1 of [N, C, H, W]): from 7 broadcasting is
 * numpy's (trailing axes aligned), so the second input gets an Unsqueeze to its trailing axes where the two differ;</li>
 * <li>Gemm's {@code broadcast} (7 always broadcasts C): dropped;</li>
 * <li>Reshape-1's {@code shape} attribute (an input from 5) and Concat-1's default axis 1 (required from 4).</li>
 * </ul>
 * Any other op must be one whose only changes up to 7 are those; one that changed otherwise (Pad-1's paddings, Cast-1's type
 * names, Split-1, Tile-1, PRelu-6's slope, the experimental ops but ImageScaler, recurrent layers) is refused naming it.
 */
final class LegacyOpset {

	static final int TARGET = 7;

	/** Ops of opsets 1-6 whose meaning at 7 differs at most by the attributes rewritten here. */
	private static final Set<String> KNOWN = Set.of("Abs", "Add", "And", "ArgMax", "ArgMin", "AveragePool", "BatchNormalization", "Ceil", "Clip",
			"Concat", "Constant", "Conv", "ConvTranspose", "DepthToSpace", "Div", "Dropout", "Elu", "Equal", "Exp", "Flatten", "Floor", "Gather", "Gemm",
			"GlobalAveragePool", "GlobalMaxPool", "Greater", "HardSigmoid", "Hardmax", "Identity", "ImageScaler", "InstanceNormalization", "LRN",
			"LeakyRelu", "Less", "Log", "LogSoftmax", "MatMul", "Max", "MaxPool", "Mean", "Min", "Mul", "Neg", "Not", "Or", "Pow", "Reciprocal",
			"ReduceL1", "ReduceL2", "ReduceLogSum", "ReduceLogSumExp", "ReduceMax", "ReduceMean", "ReduceMin", "ReduceProd", "ReduceSum",
			"ReduceSumSquare", "Relu", "Reshape", "Selu", "Shape", "Sigmoid", "Size", "Slice", "Softmax", "Softplus", "Softsign", "SpaceToDepth",
			"Sqrt", "Squeeze", "Sub", "Sum", "Tanh", "Transpose", "Unsqueeze", "Xor");

	/** The ops with the legacy broadcast (broadcast, axis) up to opset 6. */
	private static final Set<String> LEGACY_BROADCAST = Set.of("Add", "Sub", "Mul", "Div", "Pow", "And", "Or", "Xor", "Equal", "Greater", "Less");

	/** Ops whose output 0 has the rank of their input 0. */
	private static final Set<String> SAME_RANK = Set.of("Abs", "AveragePool", "BatchNormalization", "Ceil", "Clip", "Concat", "Conv", "ConvTranspose",
			"DepthToSpace", "Dropout", "Elu", "Exp", "Floor", "GlobalAveragePool", "GlobalMaxPool", "HardSigmoid", "Hardmax", "Identity", "ImageScaler",
			"InstanceNormalization", "LRN", "LeakyRelu", "Log", "LogSoftmax", "MaxPool", "Neg", "Not", "Reciprocal", "Relu", "Selu", "Sigmoid", "Softmax",
			"Softplus", "Softsign", "SpaceToDepth", "Sqrt", "Tanh", "Transpose", "Add", "Sub", "Mul", "Div", "Pow", "And", "Or", "Xor", "Equal",
			"Greater", "Less");

	private LegacyOpset() {
	}

	/**
	 * Rewrites {@code g} (opset {@code from} &lt; 7) to opset 7's forms, adding each node it changed to {@code rewritten}.
	 *
	 * @param known tensor ranks known from elsewhere (may be empty); the graph's declared shapes and initializers add to them
	 * @return the nodes it added (no nodes of the source model)
	 */
	static Set<Node> to7(Graph g, int from, String source, Map<String, Integer> known, Set<String> names, List<OpsetUpgrade.RewrittenNode> rewritten) {
		Map<String, Integer> ranks = ranks(g, known);
		Set<Node> added = new java.util.HashSet<>();
		for (Node n : new java.util.ArrayList<>(g.nodes())) {
			if (!n.domain().isEmpty() && !n.domain().equals("ai.onnx")) {
				continue;
			}
			if (!KNOWN.contains(n.opType())) {
				throw refusal(source, n, from, "Quantrace does not know how " + n.opType() + " changed between opset " + from + " and " + TARGET);
			}
			NodeProto before = n.toProto();
			n.removeAttribute("consumed_inputs");
			switch (n.opType()) {
			case "BatchNormalization", "Dropout" -> n.removeAttribute("is_test");
			case "Gemm" -> n.removeAttribute("broadcast");
			case "Concat" -> {
				if (n.attribute("axis").isEmpty()) {
					n.setIntAttribute("axis", 1);
				}
			}
			case "Reshape" -> reshapeShapeToInput(g, n, names);
			default -> {
				if (LEGACY_BROADCAST.contains(n.opType())) {
					String problem = legacyBroadcast(g, n, ranks, names, added);
					if (problem != null) {
						throw refusal(source, n, from, problem);
					}
				}
			}
			}
			if (!g.nodes().contains(n) || !n.toProto().equals(before)) {
				rewritten.add(new OpsetUpgrade.RewrittenNode(n.opType(), n.name()));
			}
		}
		return added;
	}

	private static InvalidInputException refusal(String source, Node n, int from, String problem) {
		return new InvalidInputException(source + ": cannot upgrade node '" + n.name() + "' (" + n.opType() + ") from opset " + from + " to "
				+ TARGET + ": " + problem, "re-export the model with opset 13 or newer, or convert it with ONNX's version converter"
						+ " (onnx.version_converter.convert_version) and give Quantrace that file");
	}

	/** Reshape-1's shape attribute as Reshape-5's second input. */
	private static void reshapeShapeToInput(Graph g, Node n, Set<String> names) {
		var shape = n.attribute("shape");
		if (shape.isEmpty()) {
			return;
		}
		String name = g.uniqueName((n.name().isEmpty() ? n.output(0) : n.name()) + "_shape", names);
		g.putInitializer(Tensor.ofLongs(name, new long[] { shape.get().getIntsCount() }, shape.get().getIntsList().stream().mapToLong(Long::longValue).toArray()));
		n.removeAttribute("shape");
		n.setInputs(List.of(n.input(0), name));
	}

	/**
	 * {@code broadcast = 1} with an {@code axis}: B's axes line up with A's from {@code axis} on. Numpy broadcasting lines up
	 * the trailing axes, so B gets rank(A) - axis - rank(B) trailing axes of 1 (an Unsqueeze) where that is not 0. Without an
	 * axis, the legacy broadcast lined up the trailing axes already; without broadcast, both shapes are equal.
	 */
	private static String legacyBroadcast(Graph g, Node n, Map<String, Integer> ranks, Set<String> names, Set<Node> added) {
		boolean broadcast = n.intAttribute("broadcast", 0) != 0;
		var axisAttribute = n.attribute("axis");
		n.removeAttribute("broadcast");
		n.removeAttribute("axis");
		if (!broadcast || axisAttribute.isEmpty() || n.inputs().size() < 2) {
			return null;
		}
		Integer a = ranks.get(n.input(0));
		Integer b = ranks.get(n.input(1));
		if (a == null || b == null) {
			return "its broadcast = 1 with axis " + axisAttribute.get().getI() + " lines its second input up with the first's axes from that axis on,"
					+ " and the rank of " + (a == null ? "its first input '" + n.input(0) + "'" : "its second input '" + n.input(1) + "'")
					+ " is not known from the file (declare the graph's input shapes)";
		}
		long axis = axisAttribute.get().getI() < 0 ? axisAttribute.get().getI() + a : axisAttribute.get().getI();
		long trailing = a - axis - b;
		if (axis < 0 || trailing < 0) {
			return "axis " + axisAttribute.get().getI() + " does not line a rank-" + b + " input up with a rank-" + a + " one";
		}
		if (trailing == 0) {
			return null;
		}
		String base = n.name().isEmpty() ? n.output(0) : n.name();
		String aligned = g.uniqueName(n.input(1) + "_aligned", names);
		AttributeProto.Builder axes = AttributeProto.newBuilder().setName("axes").setType(AttributeProto.AttributeType.INTS);
		for (long i = 0; i < trailing; i++) {
			axes.addInts(b + i);
		}
		Node unsqueeze = g.newNode(NodeProto.newBuilder().setOpType("Unsqueeze").setName(base + "_align").addInput(n.input(1)).addOutput(aligned)
				.addAttribute(axes).build());
		g.nodes().add(g.nodes().indexOf(n), unsqueeze);
		added.add(unsqueeze);
		n.setInput(1, aligned);
		ranks.put(aligned, a - (int) axis);
		return null;
	}

	/** Ranks from the graph's declared shapes, its initializers and Constant nodes, carried forward through the ops old graphs hold. */
	private static Map<String, Integer> ranks(Graph g, Map<String, Integer> known) {
		Map<String, Integer> ranks = new HashMap<>(known);
		for (ValueInfoProto v : concat(g.inputs(), g.valueInfos())) {
			if (v.getType().hasTensorType() && v.getType().getTensorType().hasShape()) {
				ranks.putIfAbsent(v.getName(), v.getType().getTensorType().getShape().getDimCount());
			}
		}
		for (String name : g.tensorNames()) {
			Tensor t = g.initializer(name);
			if (t != null) {
				ranks.put(name, t.dims().length);
			}
		}
		for (Node n : g.nodes()) {
			if (n.outputs().isEmpty() || ranks.containsKey(n.output(0))) {
				continue;
			}
			Integer first = n.inputs().isEmpty() ? null : ranks.get(n.input(0));
			Integer rank = switch (n.opType()) {
			case "Constant" -> n.tensorAttribute("value").map(t -> t.dims().length).orElse(null);
			case "Flatten", "Gemm" -> 2;
			case "Shape" -> 1;
			case "Size" -> 0;
			case "Reshape" -> n.attribute("shape").map(AttributeProto::getIntsCount)
					.orElseGet(() -> n.inputs().size() > 1 && g.initializer(n.input(1)) != null ? (int) g.initializer(n.input(1)).elementCount() : null);
			case "Sum", "Max", "Min", "Mean", "MatMul" -> n.inputs().stream().map(ranks::get).reduce((x, y) -> x == null || y == null ? null : Math.max(x, y))
					.orElse(null);
			default -> SAME_RANK.contains(n.opType()) ? first : null;
			};
			if (rank != null) {
				ranks.put(n.output(0), rank);
			}
		}
		return ranks;
	}

	private static List<ValueInfoProto> concat(List<ValueInfoProto> a, List<ValueInfoProto> b) {
		List<ValueInfoProto> all = new java.util.ArrayList<>(a);
		all.addAll(b);
		return all;
	}
}
