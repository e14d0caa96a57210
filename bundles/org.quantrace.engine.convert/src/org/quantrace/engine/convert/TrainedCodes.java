package org.quantrace.engine.convert;

import java.util.ArrayList;
import java.util.List;

import org.quantrace.engine.onnx.DataType;
import org.quantrace.engine.onnx.Graph;
import org.quantrace.engine.onnx.Node;
import org.quantrace.engine.onnx.Tensor;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.NodeProto;

/**
 * A quantization-aware-trained export's Conv made the form ONNX Runtime runs as QLinearConv, with the codes its training
 * chose. torch's QAT export of Conv-BN writes DequantizeLinear(weight) → Conv → Div → BatchNormalization → Relu →
 * QuantizeLinear: ONNX Runtime fuses a QDQ Conv only when a QuantizeLinear reads it, so these Convs ran in float. What
 * follows the Conv up to the QuantizeLinear is a per-output-channel affine map y = A·conv + B (a Div or Mul by a constant,
 * a BatchNormalization, an Add of a constant); it is folded into the weight's per-channel scales (s'[c] = s[c]·|A[c]|, the
 * codes kept: exact up to the float product; a negative A[c] mirrors the channel's codes about its zero point) and the
 * bias (A·bias + B, as int32 at scale s_x·s'[c] through a DequantizeLinear: the form ONNX Runtime's QDQ Conv fusion needs).
 * A Relu before a QuantizeLinear whose zero point is its type's minimum is removed: that QuantizeLinear clamps the same.
 * A Conv where any of this does not hold is named with the reason ({@link Folded#left}): the freeze refuses the model, since
 * the user converts a QAT export to run it on integer kernels and that layer would stay float without a word.
 */
final class TrainedCodes {

	private TrainedCodes() {
	}

	/**
	 * What was done: the Convs folded (words for the log), the types of their codes, the BatchNormalizations they took, the
	 * nodes removed, the Convs left and why.
	 */
	record Folded(List<Layer> convs, java.util.Set<String> types, List<String> batchNorms, List<String> removed, List<Layer> left) {
	}

	/**
	 * Folds every such layer of the main graph; nothing when the model's opset has no per-channel DequantizeLinear (13).
	 * {@code rank} gives a tensor's rank (-1 when unknown): a MatMul on a matrix whose shift needs a bias becomes a Gemm.
	 */
	static Folded fold(Graph g, int opset, java.util.function.ToIntFunction<String> rank) {
		Folded f = new Folded(new ArrayList<>(), new java.util.TreeSet<>(), new ArrayList<>(), new ArrayList<>(), new ArrayList<>());
		for (Node conv : List.copyOf(g.nodes())) {
			if (!LAYERS.contains(conv.opType()) || !conv.domain().isEmpty() || !g.nodes().contains(conv)) {
				continue;
			}
			Node wdq = dequantize(g, conv, 1);
			if (wdq == null || dequantize(g, conv, 0) == null) {
				continue; // not a QDQ layer: the float folds apply
			}
			String why = opset < 13 ? "opset " + opset + " has no per-channel DequantizeLinear (13 has)" : fold(g, conv, wdq, f, rank);
			if (why != null && !why.isEmpty()) {
				f.left().add(new Layer(conv.opType(), "'" + ConstantFolder.label(conv) + "': " + why));
			}
		}
		return f;
	}

	/** The layers whose QDQ form ONNX Runtime runs on an integer kernel when a QuantizeLinear reads their output. */
	static final List<String> LAYERS = List.of("Conv", "ConvTranspose", "Gemm", "MatMul");

	/**
	 * The kernel ONNX Runtime runs a QDQ layer of {@code opType} as (words for the log). ONNX Runtime 1.29's CPU provider
	 * fuses no QDQ ConvTranspose (measured, qat2: per tensor or per channel, uint8 or int8, with or without an int32 bias), so
	 * a folded one runs in float on its trained codes' values: the function the export computed, its BatchNormalization gone.
	 */
	static String kernel(String opType) {
		return switch (opType) {
		case "ConvTranspose" -> "ConvTranspose in float on its trained codes (ONNX Runtime 1.29 fuses no QDQ ConvTranspose)";
		case "Gemm" -> "QGemm";
		case "MatMul" -> "QLinearMatMul";
		default -> "QLinearConv";
		};
	}

	/**
	 * The axis of the layer's weight that holds its output channels (Conv [M, C/g, k...]: 0; ConvTranspose [C, M/g, k...]: 1;
	 * Gemm: 0 with transB, else 1; MatMul [K, N]: 1), or why the layer's form has none one scale per channel can take.
	 */
	private static Object outputAxis(Node layer, Tensor weight) {
		if (weight == null || weight.dims().length < (layer.opType().startsWith("Conv") ? 3 : 2)) {
			return "its weight is not a constant of a " + layer.opType() + "'s rank";
		}
		return switch (layer.opType()) {
		case "ConvTranspose" -> layer.intAttribute("group", 1) != 1 ? "a grouped ConvTranspose's output channels are not one weight axis" : (Object) 1;
		case "Gemm" -> layer.intAttribute("transA", 0) != 0 || layer.floatAttribute("alpha", 1f) != 1f || layer.floatAttribute("beta", 1f) != 1f
				? "a Gemm with transA, alpha or beta is not the form its integer kernel reads"
				: (Object) (layer.intAttribute("transB", 0) != 0 ? 0 : 1);
		case "MatMul" -> weight.dims().length != 2 ? "its weight is not a matrix" : (Object) 1;
		default -> 0;
		};
	}

	/** The output channel of element {@code i} of a tensor of {@code dims} whose channels lie on {@code axis}. */
	static int channelOf(long[] dims, int axis, int i) {
		long inner = 1;
		for (int d = axis + 1; d < dims.length; d++) {
			inner *= dims[d];
		}
		return (int) (i / inner % dims[axis]);
	}

	/** The DequantizeLinear (default domain) that writes input {@code i} of {@code layer}, or null. */
	private static Node dequantize(Graph g, Node layer, int i) {
		Node dq = layer.inputs().size() > i ? g.producer(layer.input(i)).orElse(null) : null;
		return dq != null && dq.opType().equals("DequantizeLinear") && dq.domain().isEmpty() ? dq : null;
	}

	/** Folds one Conv; null or "" (nothing to fold) when done or when there is nothing after it, else why it is left. */
	private static String fold(Graph g, Node conv, Node wdq, Folded f, java.util.function.ToIntFunction<String> rank) {
		List<Node> chain = new ArrayList<>();
		Node reader = onlyReader(g, conv.output(0));
		Tensor weight = g.constant(weightSource(g, wdq));
		while (reader != null && affine(g, reader) && chain.size() < 4) {
			chain.add(reader);
			reader = onlyReader(g, reader.output(0));
		}
		if (chain.isEmpty()) {
			return "";
		}
		Object axisOrWhy = outputAxis(conv, weight);
		if (axisOrWhy instanceof String why) {
			return why;
		}
		int axis = (Integer) axisOrWhy;
		int channels = (int) weight.dims()[axis];
		Node relu = reader != null && reader.opType().equals("Relu") && reader.domain().isEmpty() ? reader : null;
		Node q = relu != null ? onlyReader(g, relu.output(0)) : reader;
		if (q == null || !q.opType().equals("QuantizeLinear") || !q.domain().isEmpty()) {
			return "no QuantizeLinear reads what follows it, so ONNX Runtime would run it in float all the same";
		}
		if (relu != null && !clampsAtZero(g, q)) {
			return "its Relu's QuantizeLinear does not clamp at zero (zero point above its type's minimum)";
		}
		Tensor xScale = g.constant(dequantize(g, conv, 0).input(1));
		if (xScale == null || xScale.elementCount() != 1) {
			return "its input's scale is not one constant";
		}
		Codes codes = codes(g, wdq, channels, axis);
		if (codes.why() != null) {
			return codes.why();
		}
		double[] a = new double[channels];
		double[] b = new double[channels];
		java.util.Arrays.fill(a, 1);
		for (Node op : chain) {
			String why = compose(g, op, a, b, (int) codes.weight().dims().length);
			if (why != null) {
				return why;
			}
		}
		float[] bias = new float[channels];
		boolean asGemm = conv.opType().equals("MatMul") && java.util.Arrays.stream(b).anyMatch(v -> v != 0);
		if (asGemm && rank.applyAsInt(conv.input(0)) != 2) {
			return "a MatMul has no bias input to take the shift of what follows it, and its input is not a matrix (rank "
					+ rank.applyAsInt(conv.input(0)) + ", -1: unknown), which a Gemm would need (export the layer as a Gemm)";
		}
		if (conv.inputs().size() > 2 && !conv.input(2).isEmpty()) {
			Tensor t = g.constant(conv.input(2));
			if (t == null || t.elementCount() != channels) {
				return "its bias is not a constant of one value per output channel";
			}
			bias = t.toFloatArray();
		}
		long[] values = codes.weight().toLongArray();
		long[] dims = codes.weight().dims();
		float[] scales = new float[channels];
		int[] biasCodes = new int[channels];
		float[] biasScales = new float[channels];
		float sx = xScale.toFloatArray()[0];
		for (int c = 0; c < channels; c++) {
			if (!(a[c] != 0 && Double.isFinite(a[c]) && Double.isFinite(b[c]))) {
				return "channel " + c + "'s factor is " + a[c] + " (zero or not finite)";
			}
			scales[c] = (float) (codes.scales()[c] * Math.abs(a[c]));
			biasScales[c] = sx * scales[c];
			double code = Math.rint((a[c] * bias[c] + b[c]) / biasScales[c]);
			if (!(Math.abs(code) <= Integer.MAX_VALUE) || biasScales[c] == 0f) {
				return "channel " + c + "'s bias does not fit int32 at scale s_x·s_w (" + biasScales[c] + ")";
			}
			biasCodes[c] = (int) code;
		}
		for (int i = 0; i < values.length; i++) {
			int c = channelOf(dims, axis, i);
			if (a[c] < 0) { // mirror the channel's codes about its zero point: q' − z = −(q − z)
				values[i] = 2L * codes.zeroPoints()[c] - values[i];
				if (values[i] < codes.type().min() || values[i] > codes.type().max()) {
					return "channel " + c + "'s factor is negative and its mirrored codes leave " + codes.type().name();
				}
			}
		}
		if (asGemm) { // a MatMul of a matrix by [K, N] is a Gemm without transB (output channels on the weight's axis 1, as before)
			Node gemm = g.newNode(NodeProto.newBuilder().setOpType("Gemm").setName(conv.name()).addAllInput(conv.inputs()).addAllOutput(conv.outputs()).build());
			g.nodes().set(g.nodes().indexOf(conv), gemm);
			conv = gemm;
		} else if (conv.opType().equals("MatMul")) {
			biasCodes = null; // every shift is zero: a MatMul takes no bias
		}
		write(g, conv, wdq, codes, values, scales, biasCodes, biasScales, axis);
		Node last = relu != null ? relu : chain.get(chain.size() - 1);
		conv.setOutput(0, last.output(0));
		List<String> what = new ArrayList<>(asGemm ? List.of("a MatMul of a matrix made a Gemm for the shift's bias") : List.of());
		for (Node op : chain) {
			what.add(op.opType());
			f.removed().add(ConstantFolder.label(op));
			if (op.opType().equals("BatchNormalization")) {
				f.batchNorms().add(ConstantFolder.label(op) + " (folded into the per-channel weight scales and int32 bias of " + ConstantFolder.label(conv)
						+ ", its trained " + codes.type().name() + " codes kept)");
			}
			g.nodes().remove(op);
		}
		if (relu != null) {
			what.add("Relu at the QuantizeLinear's zero");
			f.removed().add(ConstantFolder.label(relu));
			g.nodes().remove(relu);
		}
		f.convs().add(new Layer(conv.opType(), "'" + ConstantFolder.label(conv) + "' (" + String.join(", ", what) + ")"));
		f.types().add(codes.type().name());
		return null;
	}

	/** A layer folded or left: its op and the words for the log. */
	record Layer(String opType, String words) {
	}

	/**
	 * "1 QDQ Conv", "5 QDQ Convs", "3 QDQ layers (2 Conv, 1 Gemm)", {@code possessive} with an apostrophe; and the kernels
	 * ONNX Runtime runs them as ("QLinearConv", "QLinearConv/QGemm").
	 */
	static String[] words(java.util.Collection<Layer> layers, boolean possessive) {
		java.util.Map<String, Long> byOp = new java.util.TreeMap<>(java.util.Comparator.comparing(LAYERS::indexOf));
		layers.forEach(l -> byOp.merge(l.opType(), 1L, Long::sum));
		int n = layers.size();
		String noun = byOp.size() == 1 ? byOp.keySet().iterator().next() + (n == 1 ? "" : "s")
				: "layers (" + String.join(", ", byOp.entrySet().stream().map(e -> e.getValue() + " " + e.getKey()).toList()) + ")";
		String count = n + " QDQ " + noun;
		if (possessive) {
			count = byOp.size() == 1 ? count + (n == 1 ? "'s" : "'") : n + " QDQ layers' (" + noun.substring("layers (".length());
		}
		List<String> kernels = byOp.keySet().stream().filter(op -> !op.equals("ConvTranspose")).map(TrainedCodes::kernel).toList();
		String floats = byOp.containsKey("ConvTranspose") ? kernel("ConvTranspose") : "";
		return new String[] { count, kernels.isEmpty() ? floats : String.join("/", kernels) + (floats.isEmpty() ? "" : "; a " + floats) };
	}

	/** Whether {@code op} is y = k·x + t per channel with constants: Div, Mul or Add by one, or a BatchNormalization. */
	private static boolean affine(Graph g, Node op) {
		if (!op.domain().isEmpty()) {
			return false;
		}
		return switch (op.opType()) {
		case "Div" -> op.inputs().size() == 2 && isFloatConstant(g, op.input(1)) && !isFloatConstant(g, op.input(0));
		case "Mul", "Add" -> op.inputs().size() == 2 && isFloatConstant(g, op.input(0)) != isFloatConstant(g, op.input(1));
		case "BatchNormalization" -> op.outputs().size() == 1 && op.inputs().size() == 5 && op.inputs().subList(1, 5).stream().allMatch(t -> isFloatConstant(g, t));
		default -> false;
		};
	}

	private static boolean isFloatConstant(Graph g, String tensor) {
		Tensor t = g.constant(tensor);
		return t != null && t.dataType() == DataType.FLOAT;
	}

	/** Applies op's y = k·x + t to (a, b); null, or why its constants are not one value per channel (or one for all). */
	private static String compose(Graph g, Node op, double[] a, double[] b, int rank) {
		int c = a.length;
		double[] k = new double[c];
		double[] t = new double[c];
		java.util.Arrays.fill(k, 1);
		if (op.opType().equals("BatchNormalization")) {
			float[] gamma = perChannel(g.constant(op.input(1)), c);
			float[] beta = perChannel(g.constant(op.input(2)), c);
			float[] mean = perChannel(g.constant(op.input(3)), c);
			float[] var = perChannel(g.constant(op.input(4)), c);
			if (gamma == null || beta == null || mean == null || var == null) {
				return "'" + ConstantFolder.label(op) + "' does not have one parameter per output channel";
			}
			double eps = op.floatAttribute("epsilon", 1e-5f);
			for (int i = 0; i < c; i++) {
				k[i] = gamma[i] / Math.sqrt(var[i] + eps);
				t[i] = beta[i] - k[i] * mean[i];
			}
		} else {
			String constant = isFloatConstant(g, op.input(1)) ? op.input(1) : op.input(0);
			float[] v = g.constant(constant).channelValues(c, rank);
			if (v == null) {
				return "'" + ConstantFolder.label(op) + "' does not read one value per output channel";
			}
			for (int i = 0; i < c; i++) {
				switch (op.opType()) {
				case "Div" -> k[i] = 1.0 / v[i];
				case "Mul" -> k[i] = v[i];
				default -> t[i] = v[i];
				}
			}
		}
		for (int i = 0; i < c; i++) {
			a[i] *= k[i];
			b[i] = k[i] * b[i] + t[i];
		}
		return null;
	}

	/** A BatchNormalization's parameter: one value per channel ([C]), else null. */
	private static float[] perChannel(Tensor t, int channels) {
		return t.dims().length == 1 && t.elementCount() == channels ? t.toFloatArray() : null;
	}

	/** Whether a QuantizeLinear's zero point is its type's minimum (uint8 0 without one): it clamps what a Relu clamps. */
	private static boolean clampsAtZero(Graph g, Node q) {
		if (q.inputs().size() < 3 || q.input(2).isEmpty()) {
			return true;
		}
		Tensor z = g.constant(q.input(2));
		IntType type = z == null ? null : IntType.of(z.dataType());
		return type != null && z.elementCount() == 1 && z.toLongArray()[0] == type.min();
	}

	/** An integer type codes can take, with its range. */
	record IntType(String name, DataType dataType, long min, long max) {
		static IntType of(DataType t) {
			return switch (t) {
			case INT8 -> new IntType("int8", t, -128, 127);
			case UINT8 -> new IntType("uint8", t, 0, 255);
			default -> null;
			};
		}
	}

	/** A weight's codes (int8/uint8, as stored or as its QuantizeLinear makes them) and per-channel scales and zero points. */
	private record Codes(Tensor weight, IntType type, float[] scales, long[] zeroPoints, String why) {
		static Codes refused(String why) {
			return new Codes(null, null, null, null, why);
		}
	}

	/** The tensor the weight's codes come from: the DequantizeLinear's input, or its QuantizeLinear's float input. */
	private static String weightSource(Graph g, Node wdq) {
		Node wq = g.producer(wdq.input(0)).orElse(null);
		return wq != null && wq.opType().equals("QuantizeLinear") && wq.domain().isEmpty() ? wq.input(0) : wdq.input(0);
	}

	/**
	 * The codes the weight's DequantizeLinear reads: a constant int8/uint8 tensor, or what its QuantizeLinear makes of a
	 * float constant with the same scale and zero point (ONNX's rule: saturate(round_half_even(w / s) + z), in float).
	 */
	private static Codes codes(Graph g, Node wdq, int channels, int axis) {
		Tensor scale = g.constant(wdq.input(1));
		Tensor zero = wdq.inputs().size() > 2 && !wdq.input(2).isEmpty() ? g.constant(wdq.input(2)) : null;
		boolean hasZero = wdq.inputs().size() > 2 && !wdq.input(2).isEmpty();
		if (scale == null || hasZero && zero == null) {
			return Codes.refused("its weight's scale or zero point is not constant");
		}
		if (scale.elementCount() != 1 && (scale.elementCount() != channels || wdq.intAttribute("axis", 1) != axis)) {
			return Codes.refused("its weight is not quantized per tensor or per output channel (axis " + axis + ")");
		}
		float[] s = spread(scale.toFloatArray(), channels);
		long[] zl = zero == null ? new long[1] : zero.toLongArray();
		long[] z = new long[channels];
		for (int c = 0; c < channels; c++) {
			z[c] = zl[zl.length == 1 ? 0 : c];
		}
		Tensor stored = g.constant(wdq.input(0));
		if (stored != null) {
			IntType type = IntType.of(stored.dataType());
			return type == null ? Codes.refused("its weight's codes are " + stored.dataType() + ", not int8 or uint8") : new Codes(stored, type, s, z, null);
		}
		Node wq = g.producer(wdq.input(0)).orElse(null);
		Tensor w = wq == null || !wq.opType().equals("QuantizeLinear") ? null : g.constant(wq.input(0));
		if (w == null || w.dataType() != DataType.FLOAT || onlyReader(g, wq.output(0)) != wdq) {
			return Codes.refused("its weight is neither stored codes nor a constant float weight quantized for it alone");
		}
		if (!wq.inputs().subList(1, wq.inputs().size()).equals(wdq.inputs().subList(1, wdq.inputs().size()))
				|| wq.intAttribute("axis", 1) != wdq.intAttribute("axis", 1)) {
			return Codes.refused("its weight's QuantizeLinear and DequantizeLinear do not share their scale and zero point");
		}
		IntType type = zero == null ? IntType.of(DataType.UINT8) : IntType.of(zero.dataType());
		if (type == null) {
			return Codes.refused("its weight is quantized to " + zero.dataType() + ", not int8 or uint8");
		}
		float[] values = w.toFloatArray();
		byte[] q = new byte[values.length];
		for (int i = 0; i < values.length; i++) {
			int c = channelOf(w.dims(), axis, i);
			double code = Math.rint(values[i] / s[c]) + z[c]; // float division, as ONNX Runtime's QuantizeLinear
			q[i] = (byte) Math.max(type.min(), Math.min(type.max(), code));
		}
		return new Codes(Tensor.ofBytes(wq.input(0) + "_codes", type.dataType(), w.dims(), q), type, s, z, null);
	}

	private static float[] spread(float[] v, int channels) {
		float[] out = new float[channels];
		for (int c = 0; c < channels; c++) {
			out[c] = v[v.length == 1 ? 0 : c];
		}
		return out;
	}

	/** The weight's DequantizeLinear rewritten to the codes and folded scales, and an int32 bias through one of its own. */
	private static void write(Graph g, Node conv, Node wdq, Codes codes, long[] values, float[] scales, int[] biasCodes, float[] biasScales, int channelAxis) {
		java.util.Set<String> names = BatchNormFolding.root(g).tensorNames();
		String base = ConstantFolder.label(conv);
		int c = scales.length;
		byte[] bytes = new byte[values.length];
		for (int i = 0; i < values.length; i++) {
			bytes[i] = (byte) values[i];
		}
		String w = g.uniqueName(base + "_trained_codes", names);
		g.putInitializer(Tensor.ofBytes(w, codes.type().dataType(), codes.weight().dims(), bytes));
		String s = g.uniqueName(base + "_folded_scales", names);
		g.putInitializer(Tensor.ofFloats(s, new long[] { c }, scales));
		String z = g.uniqueName(base + "_zero_points", names);
		byte[] zeros = new byte[c];
		for (int i = 0; i < c; i++) {
			zeros[i] = (byte) codes.zeroPoints()[i];
		}
		g.putInitializer(Tensor.ofBytes(z, codes.type().dataType(), new long[] { c }, zeros));
		String wOut = g.uniqueName(base + "_weight_dequantized", names);
		AttributeProto axis = AttributeProto.newBuilder().setName("axis").setType(AttributeProto.AttributeType.INT).setI(0).build();
		AttributeProto weightAxis = axis.toBuilder().setI(channelAxis).build();
		int at = g.nodes().indexOf(conv);
		g.nodes().add(at, g.newNode(NodeProto.newBuilder().setOpType("DequantizeLinear").setName(base + "_weight_DequantizeLinear")
				.addInput(w).addInput(s).addInput(z).addOutput(wOut).addAttribute(weightAxis).build()));
		conv.setInput(1, wOut);
		if (biasCodes == null) {
			return;
		}
		String bq = g.uniqueName(base + "_bias_int32", names);
		g.putInitializer(Tensor.ofInts(bq, new long[] { c }, biasCodes));
		String bs = g.uniqueName(base + "_bias_scales", names);
		g.putInitializer(Tensor.ofFloats(bs, new long[] { c }, biasScales));
		String bOut = g.uniqueName(base + "_bias_dequantized", names);
		g.nodes().add(at + 1, g.newNode(NodeProto.newBuilder().setOpType("DequantizeLinear").setName(base + "_bias_DequantizeLinear")
				.addInput(bq).addInput(bs).addOutput(bOut).addAttribute(axis).build()));
		if (conv.inputs().size() > 2) {
			conv.setInput(2, bOut);
		} else {
			List<String> inputs = new ArrayList<>(conv.inputs());
			inputs.add(bOut);
			conv.setInputs(inputs);
		}
	}

	/** The one node that reads {@code tensor} (once), when it is not also a graph output; else null. */
	private static Node onlyReader(Graph g, String tensor) {
		List<Node> readers = g.consumers(tensor);
		if (readers.size() != 1 || g.isOutput(tensor) || readers.get(0).inputs().stream().filter(tensor::equals).count() != 1) {
			return null;
		}
		return readers.get(0);
	}
}
