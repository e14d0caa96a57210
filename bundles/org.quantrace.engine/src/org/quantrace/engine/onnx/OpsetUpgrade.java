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
 * <p>
 * From opset 7 and 8 (old exporters: PyTorch's opset_version 7/8, the early model zoo), the ops whose signature or
 * meaning changed before opset 9 are rewritten too: BatchNormalization-7's {@code spatial} attribute (removed at 9;
 * spatial = 0, per-activation statistics, becomes the same arithmetic in Sub/Div/Mul/Add), Upsample-7's {@code scales}
 * attribute (an input from 9), Dropout-7's mask (of the data's type; bool from 10), the experimental ImageScaler (gone at
 * 10; a Mul and an Add). The rest of what changed between 7 and 9 keeps the meaning of every model valid at 7:
 * Max/Min/Sum/Mean-8 only added broadcasting, MaxPool-8 an optional Indices output and {@code storage_order}, Cast-9,
 * Gemm-9, PRelu-9, Greater/Less-9, Flatten-9, MatMul-9 and Constant-9 only more types. Scan-8 (a batch axis, and
 * {@code sequence_lens}) is refused: Scan-9 has no batch axis. Before opset 7 ops still had {@code consumed_inputs},
 * {@code is_test} and the legacy {@code broadcast} and {@code axis} attributes: {@link LegacyOpset} raises such a model to 7 first.
 * <p>
 * Towards 21 (int16 activations), GroupNormalization-18's per-group scale and bias become 21's per-channel ones, and
 * GridSample-16's modes bilinear/bicubic are 20's linear/cubic.
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
			"Cosh", "IsNaN", "IsInf", "NonZero", "OneHot", "Round", "CumSum", "ScatterND", "EyeLike", "MeanVarianceNormalization",
			// recurrent layers: LSTM/GRU/RNN-7 to 22 added only the layout attribute (at 14), whose default is the old layout
			"LSTM", "GRU", "RNN",
			// what newer exporters (torch 2.x, onnxscript) write besides: unchanged since introduced, for the attributes they use
			"CastLike", "Gelu", "Trilu", "Celu", "ThresholdedRelu", "Shrink", "ScatterElements", "LpNormalization");

	/** The oldest opset this upgrade starts from: opsets 1 to 6 are raised to 7 by {@link LegacyOpset} first. */
	public static final int MIN_SOURCE = 1;

	/** The oldest opset ONNX Runtime runs (it has no kernel of an older op version). */
	public static final int OLDEST_RUNNABLE = LegacyOpset.TARGET;

	private static final Set<String> REDUCE_18 = Set.of("ReduceMax", "ReduceMin", "ReduceMean", "ReduceProd", "ReduceL1", "ReduceL2",
			"ReduceLogSum", "ReduceLogSumExp", "ReduceSumSquare");

	/**
	 * Models below this opset hold ops in forms ONNX has changed since (Upsample-7, BatchNormalization-7's spatial, Dropout-7's
	 * mask, ImageScaler): {@code convert} raises them to {@link #LEGACY_TARGET} first, so that its check of the outputs against
	 * the original covers the rewrite and nothing after it meets the old forms.
	 */
	public static final int LEGACY_BELOW = 9;

	/** What {@code convert} raises a model older than {@link #LEGACY_BELOW} to: per-channel QuantizeLinear's opset. */
	public static final int LEGACY_TARGET = 13;

	/** The newest opset this upgrade knows the changes up to. */
	public static final int MAX_TARGET = 21;

	private OpsetUpgrade() {
	}

	/**
	 * Rewrites {@code model} in place to default-domain opset {@code target} (and a matching IR version).
	 * Does nothing when the model is already at or above it.
	 *
	 * @param ranks known tensor ranks (for Softmax, whose axis semantics changed at 13), may be empty
	 * @return the nodes rewritten (in file order, subgraphs first)
	 * @throws InvalidInputException naming the op that cannot be upgraded
	 */
	public static List<RewrittenNode> upgrade(OnnxModel model, int target, String source, Map<String, Integer> ranks) {
		return upgrade(model, target, source, ranks, Map.of());
	}

	/**
	 * As {@link #upgrade(OnnxModel, int, String, Map)}, knowing the channel count (dimension 1) of some tensors: a
	 * GroupNormalization-18 whose input's channels are known and whose scale and bias are constants gets per-channel constants,
	 * rather than nodes that compute them from the input's shape at run time (Shape, Div, Concat, Reshape, Expand): those are no
	 * layers of the user's model, and the quantizer listed nine of them per GroupNormalization as float layers (A16W8).
	 */
	public static List<RewrittenNode> upgrade(OnnxModel model, int target, String source, Map<String, Integer> ranks, Map<String, Long> channels) {
		int from = model.opset();
		if (from >= target) {
			return List.of();
		}
		if (target > MAX_TARGET) {
			throw new InvalidInputException(source + ": cannot upgrade to opset " + target + ": Quantrace knows the changes of the ONNX ops up to opset "
					+ MAX_TARGET, "ask for opset " + MAX_TARGET + " or lower");
		}
		if (from < MIN_SOURCE) {
			throw new InvalidInputException(source + ": opset " + from + " is no ONNX opset (they start at " + MIN_SOURCE + ")",
					"check the model's opset_import (python -m onnx.checker)");
		}
		List<RewrittenNode> rewritten = new ArrayList<>();
		Set<String> names = new HashSet<>(model.graph().tensorNames());
		Set<Node> legacyWritten = Set.of();
		if (from < LegacyOpset.TARGET) {
			legacyWritten = LegacyOpset.to7(model.graph(), from, source, ranks, names, rewritten);
			from = LegacyOpset.TARGET;
		}
		if (target > from) {
			int before = rewritten.size();
			upgradeGraph(model.graph(), from, target, source, ranks, channels, names, rewritten);
			// the Unsqueezes the legacy broadcast wrote are no nodes of the source, though raised on the way
			Set<String> written = legacyWritten.stream().map(Node::name).collect(java.util.stream.Collectors.toSet());
			rewritten.subList(before, rewritten.size()).removeIf(r -> written.contains(r.name()));
		}
		model.setOpset("", target);
		model.setIrVersion(Math.max(model.irVersion(), target >= 21 ? 10 : target >= 19 ? 9 : target >= 15 ? 8 : 7));
		return List.copyOf(new java.util.LinkedHashSet<>(rewritten)); // a node rewritten on the way to 7 and after it is listed once
	}

	private static void upgradeGraph(Graph g, int from, int to, String source, Map<String, Integer> ranks, Map<String, Long> channels, Set<String> names,
			List<RewrittenNode> rewritten) {
		for (Node n : new ArrayList<>(g.nodes())) {
			for (Graph sub : n.subgraphs().values()) {
				upgradeGraph(sub, from, to, source, ranks, channels, names, rewritten);
			}
			if (!n.domain().isEmpty() && !n.domain().equals("ai.onnx")) {
				continue;
			}
			Upgrader u = new Upgrader(g, n, from, to, names);
			// a node holding subgraphs (If, Loop, Scan) is never rewritten itself (its body's nodes are, and are listed): comparing
			// it would serialize its whole body twice
			NodeProto before = n.subgraphs().isEmpty() ? n.toProto() : null;
			String problem = switch (n.opType()) {
			case "Clip" -> u.attributesToInputs(11, List.of("min", "max"), AttributeType.FLOAT);
			case "Pad" -> u.pad();
			case "Slice" -> u.attributesToInputs(10, List.of("starts", "ends", "axes"), AttributeType.INTS);
			case "TopK" -> u.attributesToInputs(10, List.of("k"), AttributeType.INTS);
			case "Dropout" -> u.dropout();
			case "Squeeze", "Unsqueeze", "ReduceSum" -> u.attributesToInputs(13, List.of("axes"), AttributeType.INTS);
			case "Split" -> u.attributesToInputs(13, List.of("split"), AttributeType.INTS);
			case "Upsample" -> u.upsampleToResize();
			case "Resize" -> from < 11 && to >= 11 ? u.resize10To11() : null;
			case "Softmax", "LogSoftmax", "Hardmax" -> u.softmax(ranks);
			case "BatchNormalization" -> to >= 14 && n.outputs().size() > 1 && from < 14
					? "BatchNormalization in training form (5 outputs) changed at opset 14: freeze the model first (quantrace convert)"
					: u.batchNormSpatial();
			case "ImageScaler" -> u.imageScaler();
			case "GroupNormalization" -> u.groupNormalization(channels.get(n.input(0)));
			case "GridSample" -> u.gridSample();
			case "Scan" -> from < 9 && to >= 9
					? "Scan-8 runs its body once per element of a leading batch axis (with an optional sequence_lens input); Scan-9 has no batch"
							+ " axis, and Quantrace does not rewrite one into the other"
					: null;
			default -> REDUCE_18.contains(n.opType()) ? u.attributesToInputs(18, List.of("axes"), AttributeType.INTS)
					: UNCHANGED.contains(n.opType()) ? null
							: "Quantrace does not know whether " + n.opType() + " changed between opset " + from + " and " + to;
			};
			if (problem != null) {
				throw new InvalidInputException(source + ": cannot upgrade node '" + n.name() + "' (" + n.opType() + ") from opset " + from
						+ " to " + to + ": " + problem, "re-export the model with opset " + to + " or newer");
			}
			if (!g.nodes().contains(n) || before != null && !n.toProto().equals(before)) {
				rewritten.add(new RewrittenNode(n.opType(), n.name()));
			}
		}
	}

	/** A node the upgrade rewrote (or replaced), as the source model named it; printed as PhIMT0002 lists it. */
	public record RewrittenNode(String opType, String name) {
		@Override
		public String toString() {
			return opType + " '" + name + "'";
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

		/**
		 * Dropout-7's mask is of the data's type, from Dropout-10 on it is bool, and an inference-mode mask holds zeros in
		 * ONNX Runtime's Dropout-7 but ones in Dropout-12: an unread mask is dropped, a read one refused.
		 */
		String dropout() {
			if (from < 10 && to >= 10 && !n.output(1).isEmpty()) {
				String mask = n.output(1);
				if (!g.consumers(mask).isEmpty() || g.isOutput(mask)) {
					return "its mask output '" + mask + "' is read, and what an inference-mode mask holds changed at opset 10 (type) and 12"
							+ " (values)";
				}
				n.setOutputs(List.of(n.output(0)));
			}
			return attributesToInputs(12, List.of("ratio"), AttributeType.FLOAT);
		}

		/**
		 * BatchNormalization-7's {@code spatial} attribute (default 1: statistics per channel) was removed at opset 9. With
		 * spatial = 0 the statistics are per activation ([C, D1, ...]); in inference form that is Y = X * s + (B - mean * s)
		 * with s = scale / sqrt(var + epsilon), the parameters broadcast over the batch (as ONNX Runtime computes it), written
		 * so: with constant parameters, constant folding leaves one Mul and one Add.
		 */
		String batchNormSpatial() {
			if (from >= 9 || to < 9 || n.attribute("spatial").isEmpty()) {
				return null;
			}
			long spatial = n.intAttribute("spatial", 1);
			n.removeAttribute("spatial");
			if (spatial != 0) {
				return null;
			}
			if (n.outputs().stream().skip(1).anyMatch(o -> !o.isEmpty())) {
				return "spatial = 0 (statistics per activation) in training form has no equivalent from opset 9 on: freeze the model first"
						+ " (quantrace convert --opset 8 keeps the opset)";
			}
			String base = n.name().isEmpty() ? n.output(0) : n.name();
			String eps = g.uniqueName(base + "_epsilon", names);
			g.putInitializer(Tensor.ofFloats(eps, new long[0], new float[] { n.floatAttribute("epsilon", 1e-5f) }));
			String variance = g.uniqueName(base + "_variance", names);
			String deviation = g.uniqueName(base + "_deviation", names);
			String s = g.uniqueName(base + "_multiplier", names);
			String shift = g.uniqueName(base + "_mean_scaled", names);
			String offset = g.uniqueName(base + "_offset", names);
			String scaled = g.uniqueName(base + "_scaled", names);
			replace(List.of(node("Add", base + "_add_epsilon", List.of(n.input(4), eps), variance),
					node("Sqrt", base + "_sqrt", List.of(variance), deviation), node("Div", base + "_div", List.of(n.input(1), deviation), s),
					node("Mul", base + "_mul_mean", List.of(n.input(3), s), shift), node("Sub", base + "_sub", List.of(n.input(2), shift), offset),
					node("Mul", base + "_mul", List.of(n.input(0), s), scaled), node("Add", base + "_add", List.of(scaled, offset), n.output(0))));
			return null;
		}

		/** The experimental ImageScaler (gone at opset 10): Y = X * scale + bias[c] on NCHW data, as a Mul and an Add. */
		String imageScaler() {
			if (to < 10) {
				return null;
			}
			var bias = n.attribute("bias");
			String base = n.name().isEmpty() ? n.output(0) : n.name();
			String scale = g.uniqueName(base + "_scale", names);
			g.putInitializer(Tensor.ofFloats(scale, new long[0], new float[] { n.floatAttribute("scale", 1f) }));
			String scaled = g.uniqueName(base + "_scaled", names);
			if (bias.isEmpty() || bias.get().getFloatsCount() == 0) {
				replace(List.of(node("Mul", base, List.of(n.input(0), scale), n.output(0))));
				return null;
			}
			float[] b = new float[bias.get().getFloatsCount()];
			for (int i = 0; i < b.length; i++) {
				b[i] = bias.get().getFloats(i);
			}
			String biasName = g.uniqueName(base + "_bias", names);
			g.putInitializer(Tensor.ofFloats(biasName, new long[] { b.length, 1, 1 }, b));
			replace(List.of(node("Mul", base + "_mul", List.of(n.input(0), scale), scaled), node("Add", base, List.of(scaled, biasName), n.output(0))));
			return null;
		}

		/**
		 * GroupNormalization-18's scale and bias are per group ([num_groups]); from 21 they are per channel ([C]) and 18's
		 * form is deprecated: each group's value repeated over the group's C / num_groups channels, computed from the
		 * input's shape (constant folding computes it once where the channels are known).
		 */
		String groupNormalization(Long known) {
			if (from >= 21 || to < 21) {
				return null;
			}
			var groups = n.attribute("num_groups");
			if (groups.isEmpty()) {
				return "GroupNormalization without num_groups";
			}
			String base = n.name().isEmpty() ? n.output(0) : n.name();
			long g1 = groups.get().getI();
			Tensor scale = g.initializer(n.input(1));
			Tensor bias = g.initializer(n.input(2));
			if (known != null && g1 > 0 && known > 0 && known % g1 == 0 && known <= Integer.MAX_VALUE && perGroup(scale, g1)
					&& perGroup(bias, g1)) { // the channels known: each group's value repeated over its channels, as constants
				List<String> inputs = new ArrayList<>(n.inputs());
				for (int i = 1; i <= 2; i++) {
					float[] values = (i == 1 ? scale : bias).toFloatArray();
					float[] repeated = new float[known.intValue()];
					for (int c = 0; c < repeated.length; c++) {
						repeated[c] = values[(int) (c / (known / g1))];
					}
					String name = g.uniqueName(base + "_" + (i == 1 ? "scale" : "bias") + "_per_channel", names);
					g.putInitializer(Tensor.ofFloats(name, new long[] { known }, repeated));
					inputs.set(i, name);
				}
				n.setInputs(inputs);
				for (String old : List.of(scale.name(), bias.name())) {
					if (g.consumers(old).isEmpty() && !g.isOutput(old) && !g.isInput(old)) {
						g.removeInitializer(old);
					}
				}
				return null;
			}
			String g0 = g.uniqueName(base + "_groups", names);
			g.putInitializer(Tensor.ofLongs(g0, new long[] { 1 }, new long[] { groups.get().getI() }));
			String column = g.uniqueName(base + "_group_column", names);
			g.putInitializer(Tensor.ofLongs(column, new long[] { 2 }, new long[] { groups.get().getI(), 1 }));
			String flat = g.uniqueName(base + "_flat", names);
			g.putInitializer(Tensor.ofLongs(flat, new long[] { 1 }, new long[] { -1 }));
			String channels = g.uniqueName(base + "_channels", names);
			String perGroup = g.uniqueName(base + "_channels_per_group", names);
			String target = g.uniqueName(base + "_group_shape", names);
			List<Node> added = new ArrayList<>();
			added.add(node("Shape", base + "_shape", List.of(n.input(0)), channels, intAttribute("start", 1), intAttribute("end", 2)));
			added.add(node("Div", base + "_div", List.of(channels, g0), perGroup));
			added.add(node("Concat", base + "_concat", List.of(g0, perGroup), target, intAttribute("axis", 0)));
			List<String> inputs = new ArrayList<>(n.inputs());
			for (int i = 1; i <= 2; i++) {
				String what = i == 1 ? "scale" : "bias";
				String column2 = g.uniqueName(base + "_" + what + "_column", names);
				String expanded = g.uniqueName(base + "_" + what + "_expanded", names);
				String perChannel = g.uniqueName(base + "_" + what + "_per_channel", names);
				added.add(node("Reshape", base + "_" + what + "_reshape", List.of(n.input(i), column), column2));
				added.add(node("Expand", base + "_" + what + "_expand", List.of(column2, target), expanded));
				added.add(node("Reshape", base + "_" + what + "_flatten", List.of(expanded, flat), perChannel));
				inputs.set(i, perChannel);
			}
			n.setInputs(inputs);
			int at = g.nodes().indexOf(n);
			g.nodes().addAll(at, added);
			return null;
		}

		/** A float constant of one value per group. */
		private static boolean perGroup(Tensor t, long groups) {
			return t != null && t.dataType() == DataType.FLOAT && t.elementCount() == groups;
		}

		/** GridSample-20 renamed the modes bilinear and bicubic (16's) to linear and cubic; the same interpolation. */
		String gridSample() {
			if (from >= 20 || to < 20 || n.attribute("mode").isEmpty()) {
				return null;
			}
			String mode = n.stringAttribute("mode", "bilinear");
			n.setAttribute(stringAttribute("mode", mode.equals("bilinear") ? "linear" : mode.equals("bicubic") ? "cubic" : mode));
			return null;
		}

		private Node node(String op, String name, List<String> inputs, String output, AttributeProto... attributes) {
			return g.newNode(NodeProto.newBuilder().setOpType(op).setName(name).addAllInput(inputs).addOutput(output).addAllAttribute(List.of(attributes))
					.build());
		}

		/** Puts {@code replacement} where {@link #n} was. */
		private void replace(List<Node> replacement) {
			int at = g.nodes().indexOf(n);
			g.nodes().remove(at);
			g.nodes().addAll(at, replacement);
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

		/**
		 * Upsample (deprecated at 10) computes what Resize does with asymmetric coordinates and floor rounding. Upsample-7's
		 * scales attribute becomes an input (Upsample-9) on the way.
		 */
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
			if (to < 10) { // Upsample-9: the same op, scales as its second input
				n.removeAttribute("scales");
				n.setInputs(List.of(n.input(0), scales));
				return null;
			}
			if (to < 11) { // Resize-10: Upsample-9's inputs and meaning
				replace(List.of(g.newNode(NodeProto.newBuilder().setOpType("Resize").setName(n.name()).addInput(n.input(0)).addInput(scales)
						.addAllOutput(n.outputs()).addAttribute(stringAttribute("mode", mode.equals("bilinear") ? "linear" : mode)).build())));
				return null;
			}
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

		/**
		 * Before 13 Softmax (LogSoftmax, Hardmax) flattened its input to 2-D at its axis and normalized over the second
		 * dimension; from 13 it works on that axis only: the same when it is the last. Otherwise it is written as ONNX's version
		 * converter writes it (Flatten at the axis, the op over the last axis, Reshape back to the input's shape): a Caffe2 or FCN
		 * export's Softmax at axis 1 of [N, C, H, W] normalizes over C*H*W, and keeps doing so.
		 */
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
			if (rank != null && (axis >= rank || axis < -rank)) {
				return "axis " + axis + " is outside its rank-" + rank + " input";
			}
			String base = n.name().isEmpty() ? n.output(0) : n.name();
			String shape = g.uniqueName(base + "_input_shape", names);
			String flat = g.uniqueName(base + "_2d_input", names);
			String normalized = g.uniqueName(base + "_2d", names);
			replace(List.of(node("Shape", base + "_shape", List.of(n.input(0)), shape),
					node("Flatten", base + "_flatten", List.of(n.input(0)), flat, intAttribute("axis", axis)),
					node(n.opType(), n.name(), List.of(flat), normalized, intAttribute("axis", 1)),
					node("Reshape", base + "_reshape", List.of(normalized, shape), n.output(0))));
			return null;
		}

		private static AttributeProto intAttribute(String name, long value) {
			return AttributeProto.newBuilder().setName(name).setType(AttributeType.INT).setI(value).build();
		}

		private static AttributeProto stringAttribute(String name, String value) {
			return AttributeProto.newBuilder().setName(name).setType(AttributeType.STRING).setS(com.google.protobuf.ByteString.copyFromUtf8(value))
					.build();
		}
	}
}
