package org.quantrace.engine.onnx;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.quantrace.engine.InvalidInputException;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.AttributeProto.AttributeType;
import ai.onnx.proto.OnnxMl.NodeProto;

/**
 * Raises a model's default-domain opset (e.g. to 13 for per-channel QuantizeLinear, to 21 for int16),
 * rewriting the ops whose signature changed on the way: attributes that became inputs (Clip, Pad, Slice,
 * TopK, Dropout, Squeeze, Unsqueeze, Split, Reduce*), Upsample and Resize-10 to Resize. Ops known to keep
 * their meaning are left alone; any other op makes the upgrade fail with a message naming it, rather
 * than producing a model that computes something else.
 */
public final class OpsetUpgrade {

	/** Ops whose meaning is unchanged from opset 9 to 21 for the attributes they use. */
	private static final Set<String> UNCHANGED = Set.of("Abs", "Acos", "Add", "And", "ArgMax", "ArgMin", "Asin", "Atan", "AveragePool",
			"Cast", "Ceil", "Concat", "Constant", "ConstantOfShape", "Conv", "ConvTranspose", "Cos", "DepthToSpace", "DequantizeLinear", "Div",
			"Einsum", "Elu", "Equal", "Erf", "Exp", "Expand", "Flatten", "Floor", "Gather", "GatherElements", "GatherND", "Gemm",
			"GlobalAveragePool", "GlobalMaxPool", "Greater", "GreaterOrEqual", "HardSigmoid", "HardSwish", "Identity", "If",
			"InstanceNormalization", "LeakyRelu", "Less", "LessOrEqual", "Log", "Loop", "LRN", "MatMul", "MatMulInteger", "ConvInteger", "Max",
			"MaxPool", "Mean", "Min", "Mod", "Mul", "Neg", "Not", "Or", "Pow", "PRelu", "QuantizeLinear", "QLinearConv", "QLinearMatMul", "Range",
			"Reciprocal", "Relu", "Reshape", "Selu", "Shape", "Sigmoid", "Sign", "Sin", "Size", "Softplus", "Softsign", "SpaceToDepth", "Sqrt",
			"Sub", "Sum", "Tanh", "Tile", "Transpose", "Where", "Xor", "DynamicQuantizeLinear", "LayerNormalization", "Mish", "Tan", "Sinh",
			"Cosh", "IsNaN", "IsInf", "NonZero", "OneHot", "Round", "CumSum", "ScatterND", "EyeLike", "MeanVarianceNormalization");

	private static final Set<String> REDUCE_18 = Set.of("ReduceMax", "ReduceMin", "ReduceMean", "ReduceProd", "ReduceL1", "ReduceL2",
			"ReduceLogSum", "ReduceLogSumExp", "ReduceSumSquare");

	/** The newest opset this upgrade knows the changes up to. */
	public static final int MAX_TARGET = 21;

	private OpsetUpgrade() {
	}

	/**
	 * Rewrites {@code model} in place to default-domain opset {@code target} (and a matching IR version).
	 * Does nothing when the model is already at or above it.
	 *
	 * @param ranks known tensor ranks (for Softmax, whose axis semantics changed at 13), may be empty
	 * @throws InvalidInputException naming the op that cannot be upgraded
	 */
	public static void upgrade(OnnxModel model, int target, String source, Map<String, Integer> ranks) {
		int from = model.opset();
		if (from >= target) {
			return;
		}
		if (target > MAX_TARGET) {
			throw new InvalidInputException(source + ": cannot upgrade to opset " + target + ": Quantrace knows the changes of the ONNX ops up to opset "
					+ MAX_TARGET, "ask for opset " + MAX_TARGET + " or lower");
		}
		if (from < 9) {
			throw new InvalidInputException(source + ": opset " + from + " is too old to upgrade (Quantrace upgrades from opset 9)",
					"re-export the model with opset 13 or newer");
		}
		upgradeGraph(model.graph(), from, target, source, ranks, new HashSet<>(model.graph().tensorNames()));
		model.setOpset("", target);
		model.setIrVersion(Math.max(model.irVersion(), target >= 21 ? 10 : target >= 19 ? 9 : target >= 15 ? 8 : 7));
	}

	private static void upgradeGraph(Graph g, int from, int to, String source, Map<String, Integer> ranks, Set<String> names) {
		for (Node n : new ArrayList<>(g.nodes())) {
			for (Graph sub : n.subgraphs().values()) {
				upgradeGraph(sub, from, to, source, ranks, names);
			}
			if (!n.domain().isEmpty() && !n.domain().equals("ai.onnx")) {
				continue;
			}
			Upgrader u = new Upgrader(g, n, from, to, names);
			String problem = switch (n.opType()) {
			case "Clip" -> u.attributesToInputs(11, List.of("min", "max"), AttributeType.FLOAT);
			case "Pad" -> u.pad();
			case "Slice" -> u.attributesToInputs(10, List.of("starts", "ends", "axes"), AttributeType.INTS);
			case "TopK" -> u.attributesToInputs(10, List.of("k"), AttributeType.INTS);
			case "Dropout" -> u.attributesToInputs(12, List.of("ratio"), AttributeType.FLOAT);
			case "Squeeze", "Unsqueeze", "ReduceSum" -> u.attributesToInputs(13, List.of("axes"), AttributeType.INTS);
			case "Split" -> u.attributesToInputs(13, List.of("split"), AttributeType.INTS);
			case "Upsample" -> u.upsampleToResize();
			case "Resize" -> from < 11 && to >= 11 ? u.resize10To11() : null;
			case "Softmax", "LogSoftmax", "Hardmax" -> u.softmax(ranks);
			case "BatchNormalization" -> to >= 14 && n.outputs().size() > 1 && from < 14
					? "BatchNormalization in training form (5 outputs) changed at opset 14: freeze the model first (quantrace convert)"
					: null;
			default -> REDUCE_18.contains(n.opType()) ? u.attributesToInputs(18, List.of("axes"), AttributeType.INTS)
					: UNCHANGED.contains(n.opType()) ? null
							: "Quantrace does not know whether " + n.opType() + " changed between opset " + from + " and " + to;
			};
			if (problem != null) {
				throw new InvalidInputException(source + ": cannot upgrade node '" + n.name() + "' (" + n.opType() + ") from opset " + from
						+ " to " + to + ": " + problem, "re-export the model with opset " + to + " or newer");
			}
		}
	}

	/** Rewrites one node. Methods return null on success or say why they cannot. */
	private static final class Upgrader {
		final Graph g;
		final Node n;
		final int from;
		final int to;
		final Set<String> names;

		Upgrader(Graph g, Node n, int from, int to, Set<String> names) {
			this.g = g;
			this.n = n;
			this.from = from;
			this.to = to;
			this.names = names;
		}

		/** Attributes that became inputs (in this order, after the existing ones) at opset {@code version}. */
		String attributesToInputs(int version, List<String> attributes, AttributeType type) {
			if (from >= version || to < version) {
				return null;
			}
			List<String> inputs = new ArrayList<>(n.inputs());
			int trailingEmpty = 0;
			for (String a : attributes) {
				var attr = n.attribute(a);
				if (attr.isEmpty()) {
					inputs.add("");
					trailingEmpty++;
					continue;
				}
				trailingEmpty = 0;
				inputs.add(constant(a, attr.get(), type));
				n.removeAttribute(a);
			}
			while (trailingEmpty-- > 0) {
				inputs.remove(inputs.size() - 1);
			}
			n.setInputs(inputs);
			return null;
		}

		private String constant(String attribute, AttributeProto a, AttributeType type) {
			String name = g.uniqueName(n.name() + "_" + attribute, names);
			Tensor t = switch (type) {
			case FLOAT -> Tensor.ofFloats(name, new long[0], new float[] { a.getF() });
			default -> a.getIntsCount() > 0 || a.getType() == AttributeType.INTS
					? Tensor.ofLongs(name, new long[] { a.getIntsCount() }, a.getIntsList().stream().mapToLong(Long::longValue).toArray())
					: Tensor.ofLongs(name, new long[] { 1 }, new long[] { a.getI() });
			};
			g.putInitializer(t);
			return name;
		}

		String pad() {
			if (from >= 11 || to < 11) {
				return null;
			}
			var pads = n.attribute("pads");
			if (pads.isEmpty()) {
				return "Pad without pads attribute";
			}
			List<String> inputs = new ArrayList<>(n.inputs());
			inputs.add(constant("pads", pads.get(), AttributeType.INTS));
			n.removeAttribute("pads");
			var value = n.attribute("value");
			if (value.isPresent()) {
				inputs.add(constant("value", value.get(), AttributeType.FLOAT));
				n.removeAttribute("value");
			}
			n.setInputs(inputs);
			return null;
		}

		/** Upsample (deprecated at 10) computes what Resize does with asymmetric coordinates and floor rounding. */
		String upsampleToResize() {
			String scales = n.input(1);
			if (scales.isEmpty()) { // Upsample-7: scales attribute
				var attr = n.attribute("scales");
				if (attr.isEmpty()) {
					return "Upsample without scales";
				}
				float[] s = new float[attr.get().getFloatsCount()];
				for (int i = 0; i < s.length; i++) {
					s[i] = attr.get().getFloats(i);
				}
				scales = g.uniqueName(n.name() + "_scales", names);
				g.putInitializer(Tensor.ofFloats(scales, new long[] { s.length }, s));
			}
			String mode = n.stringAttribute("mode", "nearest");
			NodeProto.Builder b = NodeProto.newBuilder().setOpType("Resize").setName(n.name()).addInput(n.input(0)).addInput("").addInput(scales)
					.addAllOutput(n.outputs());
			b.addAttribute(stringAttribute("mode", mode.equals("bilinear") ? "linear" : mode));
			b.addAttribute(stringAttribute("coordinate_transformation_mode", "asymmetric"));
			if (!mode.equals("bilinear") && !mode.equals("linear")) {
				b.addAttribute(stringAttribute("nearest_mode", "floor"));
			}
			g.nodes().set(g.nodes().indexOf(n), g.newNode(b.build()));
			return null;
		}

		String resize10To11() {
			List<String> inputs = new ArrayList<>(n.inputs());
			inputs.add(1, "");
			n.setInputs(inputs);
			n.setAttribute(stringAttribute("coordinate_transformation_mode", "asymmetric"));
			if (n.stringAttribute("mode", "nearest").equals("nearest")) {
				n.setAttribute(stringAttribute("nearest_mode", "floor"));
			}
			return null;
		}

		/** Before 13 Softmax flattened to 2-D at its axis; from 13 it works on that axis only: the same when it is the last. */
		String softmax(Map<String, Integer> ranks) {
			if (from >= 13 || to < 13) {
				return null;
			}
			long axis = n.intAttribute("axis", 1);
			Integer rank = ranks.get(n.input(0));
			if (rank != null && (axis == rank - 1 || axis == -1)) {
				n.setIntAttribute("axis", axis);
				return null;
			}
			return rank == null ? "the rank of its input is unknown, and its axis semantics changed at opset 13"
					: "axis " + axis + " of a rank-" + rank + " input means something else from opset 13 on";
		}

		private static AttributeProto stringAttribute(String name, String value) {
			return AttributeProto.newBuilder().setName(name).setType(AttributeType.STRING).setS(com.google.protobuf.ByteString.copyFromUtf8(value))
					.build();
		}
	}
}
