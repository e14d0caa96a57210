package org.quantrace.runner.verify;

import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.quantrace.engine.onnx.DataType;
import org.quantrace.engine.onnx.Tensor;
import org.quantrace.engine.quantize.OpRules;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.TensorProto;

/**
 * How a model quantizes its tensors and runs its layers, read from the graph's structure: QuantizeLinear and
 * DequantizeLinear nodes with their scale and zero-point initializers (QDQ models), and integer kernels with
 * their weights and rescaling (dynamic-range models). Remembers which quantizations a document accounted for,
 * so that one the model applies but no document lists is found too.
 */
final class Quantizations {

	/**
	 * One quantization the model applies: integer type, scales and zero points, the channel axis (null: per
	 * tensor), and for stored data (weights, biases) the initializer holding the integer codes.
	 */
	record Params(DataType type, List<Float> scales, List<Long> zeroPoints, Integer axis, String codes, boolean asymmetricAtMid) {

		Params(DataType type, List<Float> scales, List<Long> zeroPoints, Integer axis, String codes) {
			this(type, scales, zeroPoints, axis, codes, false);
		}

		/**
		 * These parameters, known to come from the asymmetric formula although the zero point sits at the middle of the type
		 * (a range about as far below 0 as above: 128 for uint8), which the file alone cannot tell (see SchemeFacts).
		 */
		Params atMidByTheAsymmetricFormula() {
			return new Params(type, scales, zeroPoints, axis, codes, true);
		}

		/** Zero points at the middle of the type (0, or 128 for uint8): symmetric, unless known to be {@link #atMidByTheAsymmetricFormula()}. */
		boolean symmetric() {
			if (asymmetricAtMid) {
				return false;
			}
			long mid = switch (type) {
			case UINT8 -> 128;
			case UINT16 -> 32768;
			case UINT4 -> 8;
			default -> 0;
			};
			return zeroPoints.stream().allMatch(z -> z == mid);
		}

		@Override
		public String toString() {
			return type.displayName() + (axis == null ? " per tensor" : " per channel (axis " + axis + ")") + ", scale " + scales + ", zero point " + zeroPoints;
		}
	}

	private static final Set<String> INTEGER_KERNELS = Set.of("ConvInteger", "MatMulInteger", "QLinearConv", "QLinearMatMul", "QGemm", "QLinearAdd",
			"QLinearMul", "QLinearAveragePool", "QLinearGlobalAveragePool", "QLinearConcat", "QLinearSigmoid", "QLinearLeakyRelu", "QLinearSoftmax",
			"DynamicQuantizeLSTM");
	/** Ops ONNX Runtime runs on integers when every computed input is dequantized, whether or not a QuantizeLinear follows (MatMulIntegerToFloat, QGemm). */
	private static final Set<String> FLOAT_OUTPUT_KERNELS = Set.of("MatMul", "Gemm");
	/** Ops ONNX Runtime has no integer form of, not even inside a QDQ group: Cast converts values, never codes. */
	private static final Set<String> NO_INTEGER_FORM = Set.of("Cast");
	/**
	 * Ops whose DequantizeLinear → op → QuantizeLinear group ONNX Runtime 1.29 (CPU) turns into an integer kernel (QLinear*)
	 * or removes (Relu, Clip, Identity); with those it drops the pair around ({@link #dropsPair}: ops that move codes,
	 * Resize only nearest). Any other op without integer weights computes in float between the two (Tanh, Erf, Sub,
	 * ReduceMean, the normalizations, SpaceToDepth, Pad...).
	 */
	private static final Set<String> QDQ_GROUPS = Set.of("Conv", "MatMul", "Gemm", "Add", "Mul", "Concat", "Where", "Sigmoid", "LeakyRelu",
			"GlobalAveragePool", "AveragePool", "Softmax", "Relu", "Clip", "Identity");

	/**
	 * Whether ONNX Runtime runs {@code op} on the codes by dropping the DequantizeLinear before and the QuantizeLinear after it
	 * (its DropQDQNodes rules) when the two have the same type, scale and zero point; else it computes in float between them
	 * (make_wild5.py "superres": DepthToSpace between the uint8 activations' DequantizeLinear and the int8 output's
	 * QuantizeLinear, re-derived integer, run in float). The op table's fact ({@link OpRules#pairDroppedByOnnxRuntime}): the
	 * quantizer writes by it, and a file is read by it here.
	 */
	private static boolean dropsPair(String op) {
		return OpRules.pairDroppedByOnnxRuntime(op);
	}

	/** Whether {@code op} moves or selects codes, computing none, when written on them (the op table's data-movement rule). */
	static boolean movesCodes(String op) {
		return OpRules.movesCodes(op);
	}

	private final ModelFacts m;
	/** The model it was quantized from, or null (verify --outputs-only): where a node folded away is found. */
	private final ModelFacts original;
	private final Set<NodeProto> accounted = Collections.newSetFromMap(new IdentityHashMap<>());

	/**
	 * Tensors the model quantized from held as integers already (a raw uint8 image input, what a Transpose of it moves):
	 * the model's own data, computed on as it was, no codes of a quantization; empty without that model.
	 */
	private final Set<String> ownIntegers;

	Quantizations(ModelFacts m) {
		this(m, null);
	}

	Quantizations(ModelFacts m, ModelFacts original) {
		this.m = m;
		this.original = original;
		this.ownIntegers = original == null ? Set.of()
				: original.types.entrySet().stream().filter(e -> ElementTypes.isInteger(e.getValue())).map(Map.Entry::getKey)
						.collect(java.util.stream.Collectors.toUnmodifiableSet());
	}

	/**
	 * Quantizations of an activation, input or output: Q/DQ reading or writing it, or the parameters of the
	 * QuantizeLinear whose integer codes it carries. An integer model input is read by a DequantizeLinear with
	 * the input's own parameters ({@code edge}) and then requantized to the activations' type (not edge).
	 */
	List<Params> ofTensor(String tensor, boolean edge) {
		List<Params> found = new ArrayList<>();
		boolean integerInput = m.graph.getInputList().stream().anyMatch(v -> v.getName().equals(tensor)) && ElementTypes.isInteger(m.types.get(tensor));
		for (NodeProto n : m.consumers(tensor)) {
			if (n.getOpType().equals("QuantizeLinear")) {
				add(n, found);
				m.consumers(n.getOutput(0)).stream().filter(d -> d.getOpType().equals("DequantizeLinear")).forEach(d -> {
					add(d, found);
					requantized(d, found);
				});
			} else if (n.getOpType().equals("DequantizeLinear") && (edge || !integerInput)) {
				add(n, found);
			} else if (n.getOpType().equals("DequantizeLinear") && integerInput) {
				m.consumers(n.getOutput(0)).stream().filter(q -> q.getOpType().equals("QuantizeLinear")).forEach(q -> {
					add(q, found);
					m.consumers(q.getOutput(0)).stream().filter(d -> d.getOpType().equals("DequantizeLinear")).forEach(d -> {
						add(d, found);
						requantized(d, found);
					});
				});
			}
		}
		NodeProto writer = m.producer(tensor);
		if (writer != null && (writer.getOpType().equals("QuantizeLinear") || writer.getOpType().equals("DequantizeLinear"))) {
			add(writer, found);
			NodeProto quantizer = writer.getOpType().equals("DequantizeLinear") ? m.producer(writer.getInput(0)) : null;
			if (quantizer != null && quantizer.getOpType().equals("QuantizeLinear")) {
				add(quantizer, found); // a float output quantized and dequantized again
			}
			NodeProto moved = writer.getOpType().equals("QuantizeLinear") ? m.producer(writer.getInput(0)) : null;
			NodeProto codes = moved != null && moved.getOpType().equals("DequantizeLinear") && !m.stored.containsKey(moved.getInput(0))
					? m.producer(moved.getInput(0)) : null;
			if (codes != null && !codes.getOpType().equals("QuantizeLinear")) {
				accounted.add(moved); // codes a data-movement op wrote, requantized to the model's integer output type: that output's record
			} else if (codes != null && !m.graph.getInputList().stream().anyMatch(v -> v.getName().equals(codes.getInput(0)))) {
				// a layer's result quantized to the activations' type and requantized to the model's integer output type
				// (fiq_int8's last layer over uint8 activations, so that ONNX Runtime fuses it): that output's record
				add(codes, found);
				add(moved, found);
			}
		} else if (ElementTypes.isInteger(m.types.get(tensor))) {
			// integer codes moved by MaxPool, Flatten...: the parameters of the QuantizeLinear that made them. Also when a
			// DequantizeLinear reads them: that may be a Mul/Div by a constant folded into the scale (attention's Q/√d after the
			// head Transpose), whose parameters are those of the Div's output, not of these codes
			for (NodeProto p = writer; p != null && p.getInputCount() > 0; p = m.producer(p.getInput(0))) {
				if (p.getOpType().equals("QuantizeLinear")) {
					accounted.add(p); // these codes are that QuantizeLinear's (an integer input's codes quantized again for a Pad)
					Params source = params(p);
					if (source != null && !found.contains(source)) {
						found.add(source);
					}
					break;
				}
				if (!ElementTypes.isInteger(m.types.get(p.getInput(0)))) {
					break;
				}
			}
		}
		for (String moved : found.isEmpty() ? foldedIntoReaders(tensor) : List.<String>of()) {
			ofTensor(moved, edge).stream().filter(p -> !found.contains(p)).forEach(found::add);
		}
		if (found.isEmpty() && foldedIntoRescale(tensor) != null) {
			NodeProto op = original.producer(tensor);
			float factor = op.getOpType().equals("Div") ? 1 / constantOf(op) : constantOf(op);
			ofTensor(activationOf(op), edge).stream().map(p -> new Params(p.type(), p.scales().stream().map(s -> s * factor).toList(), p.zeroPoints(), p.axis(), p.codes(), p.asymmetricAtMid()))
					.filter(p -> !found.contains(p)).forEach(found::add);
		}
		return found;
	}

	/**
	 * A Mul or Div by a positive scalar constant the quantizer folded into a scale, whose every reader is such a Mul/Div
	 * folded in turn, in the model as a DequantizeLinear under its own name (make_unseen23.py's NF-ResNet: relu(x) · γ · β):
	 * that DequantizeLinear reads the codes of this op's input with both constants in its scale, and the one written in
	 * this op's place is read by nothing and is gone. Its quantization is its input's with the scale times its constant.
	 * The op, or null when the tensor is in the model or made otherwise (the original model says how).
	 */
	private NodeProto foldedIntoRescale(String tensor) {
		NodeProto op = original == null || m.producer(tensor) != null || !m.consumers(tensor).isEmpty() ? null : original.producer(tensor);
		if (op == null || op.getName().isEmpty() || m.node(op.getName()) != null || !byPositiveConstant(op)) {
			return null;
		}
		List<NodeProto> readers = original.consumers(tensor);
		boolean allRescale = !readers.isEmpty() && readers.stream().allMatch(r -> byPositiveConstant(r) && !r.getName().isEmpty()
				&& m.node(r.getName()) != null && m.node(r.getName()).getOpType().equals("DequantizeLinear"));
		return allRescale ? op : null;
	}

	/**
	 * A Mul or Div by a positive scalar constant the quantizer folded into a scale, whose every reader moves codes
	 * (make_unseen21.py's TabNet: (h + glu) · √0.5, then a Slice): the readers move the codes of its input, so the
	 * DequantizeLinear written in its place is read by nothing and is gone, and its scale is the one the DequantizeLinear
	 * after each reader applies to the codes moved. The readers' outputs in this model, or none when the tensor is in the
	 * model, its op is there under its name, or it was made otherwise (the original model says how).
	 */
	private List<String> foldedIntoReaders(String tensor) {
		NodeProto op = original == null || m.producer(tensor) != null || !m.consumers(tensor).isEmpty() ? null : original.producer(tensor);
		if (op == null || op.getName().isEmpty() || m.node(op.getName()) != null || !byPositiveConstant(op)) {
			return List.of();
		}
		List<NodeProto> readers = original.consumers(tensor);
		boolean allMove = !readers.isEmpty() && readers.stream().allMatch(r -> movesCodes(r.getOpType()) && !r.getName().isEmpty() && m.node(r.getName()) != null
				&& ElementTypes.isInteger(m.types.get(m.node(r.getName()).getOutput(0))));
		return allMove ? readers.stream().map(r -> m.node(r.getName()).getOutput(0)).toList() : List.of();
	}

	/** A Mul (either side) or Div (the divisor) of one activation by a stored positive scalar. */
	private boolean byPositiveConstant(NodeProto op) {
		if (op.getInputCount() != 2 || !(op.getOpType().equals("Mul") || op.getOpType().equals("Div"))) {
			return false;
		}
		int c = constantInput(op);
		Tensor k = c < 0 ? null : original.value(op.getInput(c));
		if (k == null || original.value(op.getInput(1 - c)) != null || !k.dataType().isFloatingPoint()) {
			return false;
		}
		float[] v = k.toFloatArray();
		return v.length == 1 && v[0] > 0 && Float.isFinite(v[0]);
	}

	/** Which input of a Mul/Div {@link #byPositiveConstant} is its stored constant: 1, 0 (a Mul's first), or -1. */
	private int constantInput(NodeProto op) {
		return original.value(op.getInput(1)) != null ? 1 : op.getOpType().equals("Mul") ? 0 : -1;
	}

	/** The stored constant of a Mul/Div {@link #byPositiveConstant}. */
	private float constantOf(NodeProto op) {
		return original.value(op.getInput(constantInput(op))).toFloatArray()[0];
	}

	/** The activation a Mul/Div {@link #byPositiveConstant} scales. */
	private String activationOf(NodeProto op) {
		return op.getInput(1 - constantInput(op));
	}

	/**
	 * A dequantized value quantized again with parameters of its own: an If/Loop branch quantized as a graph of its
	 * own reads the enclosing graph's dequantized value and quantizes it for its first layer.
	 */
	private void requantized(NodeProto dq, List<Params> found) {
		m.consumers(dq.getOutput(0)).stream().filter(q -> q.getOpType().equals("QuantizeLinear") && m.scope.get(q) != m.scope.get(dq)).forEach(q -> {
			add(q, found);
			m.consumers(q.getOutput(0)).stream().filter(d -> d.getOpType().equals("DequantizeLinear")).forEach(d -> {
				add(d, found);
				requantized(d, found); // an If nested in a branch quantizes it once more for its own first layer
			});
		});
	}

	/**
	 * Quantizations of a layer's weights or bias: a DequantizeLinear of a stored integer tensor feeding the node
	 * (QDQ; biases are the INT32 ones), or the weight of the integer kernel that replaced it, with the scale its
	 * rescaling multiplies by (dynamic range). {@code floatOutput} is the layer's output in the model it was made from.
	 */
	List<Params> ofWeight(String node, String floatOutput, boolean bias) {
		List<Params> found = new ArrayList<>();
		NodeProto n = m.node(node);
		if (n != null && n.getOpType().equals("DynamicQuantizeLSTM")) {
			accounted.add(n);
			for (int i = 1; i <= 2 && !bias; i++) { // W and R, their scales and zero points at inputs 8-11
				Tensor s = m.value(n.getInput(6 + 2 * i));
				Tensor z = m.value(n.getInput(7 + 2 * i));
				Tensor w = m.value(n.getInput(i));
				if (s != null && z != null && w != null) { // codes stored transposed ([dirs, in, 4H]): their order is not the float weight's
					found.add(new Params(w.dataType(), floats(s), longs(z), s.dims().length > 1 ? 1 : 0, null));
				}
			}
			return found;
		}
		if (n != null && !INTEGER_KERNELS.contains(n.getOpType())) {
			for (String in : n.getInputList()) {
				NodeProto dq = m.producer(in);
				if (dq != null && dq.getOpType().equals("DequantizeLinear") && m.stored.containsKey(dq.getInput(0))
						&& (m.types.get(dq.getInput(0)) == DataType.INT32) == bias) {
					add(dq, found);
				}
				Params folded = bias ? null : folded(in);
				if (folded != null) {
					found.add(folded);
				}
			}
			return found;
		}
		NodeProto kernel = n != null ? n : kernelBehind(floatOutput);
		if (kernel != null && !bias && kernel.getInputCount() > 1 && m.stored.containsKey(kernel.getInput(1))) {
			Params p = dynamicWeight(kernel);
			if (p != null) {
				accounted.add(kernel);
				found.add(p);
			}
		}
		return found;
	}

	/**
	 * Int8 weights a layer computes with in float: {@code Mul(Cast(codes), scale)}, with a {@code Sub} of the
	 * zero points between when they are not 0 (constants ONNX Runtime folds at load). The scale's one dimension
	 * that is not 1 is the channel axis.
	 */
	private Params folded(String tensor) {
		NodeProto mul = m.producer(tensor);
		if (mul == null || !mul.getOpType().equals("Mul") || mul.getInputCount() != 2) {
			return null;
		}
		Tensor scale = m.value(mul.getInput(1));
		NodeProto p = m.producer(mul.getInput(0));
		Tensor zero = null;
		if (p != null && p.getOpType().equals("Sub")) {
			zero = m.value(p.getInput(1));
			p = m.producer(p.getInput(0));
		}
		if (scale == null || p == null || !p.getOpType().equals("Cast") || !m.stored.containsKey(p.getInput(0))) {
			return null;
		}
		Tensor codes = m.value(p.getInput(0));
		if (!ElementTypes.isInteger(codes.dataType())) {
			return null;
		}
		List<Float> sv = floats(scale);
		List<Long> zv = new ArrayList<>();
		if (zero == null) {
			zv.addAll(Collections.nCopies(sv.size(), 0L));
		} else {
			for (float f : zero.toFloatArray()) {
				zv.add((long) f);
			}
		}
		Integer axis = null;
		long[] dims = scale.dims();
		for (int d = 0; d < dims.length && sv.size() > 1; d++) {
			if (dims[d] != 1) {
				axis = d;
			}
		}
		if (sv.size() == 1 && dims.length > 0 && dims.length == codes.dims().length) {
			// per channel over a single channel: a per-tensor scale is a scalar, a per-channel one has the weight's rank
			// ([1, 1, 1, 1] for a Conv with one output channel); the axis is the weight's first dimension of size 1
			for (int d = 0; d < dims.length && axis == null; d++) {
				if (codes.dims()[d] == 1) {
					axis = d;
				}
			}
		}
		return new Params(codes.dataType(), sv, zv, axis, p.getInput(0));
	}

	/** The dynamic-range kernel a layer's output comes from: Add(bias) after Mul(scale) after Cast after ConvInteger/MatMulInteger. */
	private NodeProto kernelBehind(String output) {
		NodeProto p = output == null ? null : m.producer(output);
		if (p != null && p.getOpType().equals("Add") && p.getInputList().stream().anyMatch(m.stored::containsKey)) {
			p = p.getInputList().stream().filter(i -> !m.stored.containsKey(i)).map(m::producer).findFirst().orElse(null);
		}
		if (p != null && p.getOpType().equals("Mul")) {
			p = p.getInputList().stream().map(m::producer).filter(x -> x != null && x.getOpType().equals("Cast")).findFirst().orElse(null);
		}
		if (p != null && p.getOpType().equals("Cast")) {
			p = m.producer(p.getInput(0));
		}
		return p != null && INTEGER_KERNELS.contains(p.getOpType()) ? p : null;
	}

	/** A ConvInteger/MatMulInteger's weight: type and zero point from its inputs, scale from the rescaling Cast → Mul(scale_x × scale_w). */
	private Params dynamicWeight(NodeProto kernel) {
		Tensor w = m.value(kernel.getInput(1));
		Tensor zero = kernel.getInputCount() > 3 && !kernel.getInput(3).isEmpty() ? m.value(kernel.getInput(3)) : null;
		NodeProto cast = m.consumers(kernel.getOutput(0)).stream().filter(c -> c.getOpType().equals("Cast")).findFirst().orElse(null);
		NodeProto rescale = cast == null ? null
				: m.consumers(cast.getOutput(0)).stream().filter(c -> c.getOpType().equals("Mul")).findFirst().orElse(null);
		if (w == null || rescale == null) {
			return null;
		}
		String product = rescale.getInput(0).equals(cast.getOutput(0)) ? rescale.getInput(1) : rescale.getInput(0);
		NodeProto scales = m.producer(product);
		Tensor s = scales == null || !scales.getOpType().equals("Mul") ? null
				: scales.getInputList().stream().map(m::value).filter(t -> t != null).findFirst().orElse(null);
		if (s == null) {
			return null;
		}
		List<Float> sv = floats(s);
		List<Long> zv = zero == null ? Collections.nCopies(sv.size(), 0L) : longs(zero);
		Integer axis = sv.size() > 1 ? (kernel.getOpType().equals("ConvInteger") ? 0 : w.dims().length - 1) : null;
		return new Params(w.dataType(), sv, zv, axis, kernel.getInput(1));
	}

	private void add(NodeProto qdq, List<Params> found) {
		accounted.add(qdq);
		Params p = params(qdq);
		if (p != null && !found.contains(p)) {
			found.add(p);
		}
	}

	/** Type, scale, zero point and axis of a QuantizeLinear or DequantizeLinear. */
	private Params params(NodeProto qdq) {
		Tensor scale = m.value(qdq.getInput(1));
		if (scale == null) {
			return null;
		}
		Tensor zero = qdq.getInputCount() > 2 && !qdq.getInput(2).isEmpty() ? m.value(qdq.getInput(2)) : null;
		DataType type = qdq.getOpType().equals("QuantizeLinear") ? (zero != null ? zero.dataType() : DataType.UINT8) : m.types.get(qdq.getInput(0));
		List<Float> sv = floats(scale);
		List<Long> zv = zero == null ? Collections.nCopies(sv.size(), 0L) : longs(zero);
		Integer axis = null;
		if (scale.dims().length > 0) {
			long a = qdq.getAttributeList().stream().filter(x -> x.getName().equals("axis")).mapToLong(AttributeProto::getI).findFirst().orElse(1);
			Tensor data = m.value(qdq.getInput(0));
			axis = (int) (a < 0 && data != null ? a + data.dims().length : a);
		}
		String codes = qdq.getOpType().equals("DequantizeLinear") && m.stored.containsKey(qdq.getInput(0)) ? qdq.getInput(0) : null;
		return new Params(type == null ? DataType.UNDEFINED : type, sv, zv, axis, codes);
	}

	/**
	 * Whether the model runs a layer on integers: an integer kernel; a node reading integer codes (MaxPool,
	 * Flatten on quantized data); a node all of whose computed inputs are dequantized and whose outputs are
	 * all quantized (a QDQ group ONNX Runtime runs as one integer kernel); or the rescaling behind an integer
	 * kernel. The layer is found by name, else by its output (fused into its producer, or replaced). Null when
	 * the model has neither.
	 */
	Boolean layerQuantized(String node, String floatOutput) {
		NodeProto n = m.node(node);
		if (n == null && floatOutput != null) {
			if (kernelBehind(floatOutput) != null) {
				return true;
			}
			n = m.producer(floatOutput);
			NodeProto codes = n != null && n.getOpType().equals("QuantizeLinear")
					&& m.graph.getOutputList().stream().anyMatch(v -> v.getName().equals(floatOutput)) ? m.producer(n.getInput(0)) : null;
			if (codes != null && codes.getOpType().equals("DequantizeLinear")) {
				n = codes; // an integer model output requantized from the layer's codes to the output's type: the layer is in those codes
			}
		}
		if (n == null && floatOutput != null && m.producer(floatOutput) == null
				&& (!foldedIntoReaders(floatOutput).isEmpty() || foldedIntoRescale(floatOutput) != null)) {
			return true; // folded into the scale of the codes its readers move, or of the DequantizeLinear of the Mul/Div after it
		}
		if (n == null) {
			return null;
		}
		if (INTEGER_KERNELS.contains(n.getOpType())) {
			return true;
		}
		if ((n.getOpType().equals("Relu") || n.getOpType().equals("Clip")) && n.getOutputCount() == 1) {
			NodeProto q = quantizeAfter(n.getOutput(0), new ArrayList<>());
			if (q != null && clampRemoved(n, q)) {
				return true; // removed whatever computes its input (ReluQuantFusion, ClipQuantFusion, the QuantizeLinear moved before MaxPools)
			}
		}
		if (weightsQuantizedAtLoad(n)) {
			return true;
		}
		// indices, ids and conditions (a Gather's int64 positions, a Where's bool) are no data the layer computes on, nor
		// are the original model's own integers codes (the quantizer records an op on them float, as on indices)
		List<String> computed = n.getInputList().stream()
				.filter(i -> !i.isEmpty() && !m.stored.containsKey(i) && !indices(m.types.get(i)) && !ownIntegers.contains(i)).toList();
		if (!computed.isEmpty() && ElementTypes.isInteger(m.types.get(computed.get(0)))) {
			return true;
		}
		boolean floatWeights = n.getInputList().stream().map(m.stored::get)
				.anyMatch(t -> t != null && DataType.of(t.getDataType()).isFloatingPoint() && ModelFacts.elements(t) > 1);
		if (n.getOpType().equals("Gemm") && n.getAttributeList().stream().anyMatch(a -> a.getName().equals("alpha") && a.getF() != 1f)) {
			return false; // ONNX Runtime 1.29 fuses a QDQ Gemm into QGemm only at alpha = 1
		}
		if (!computed.isEmpty() && computed.stream().allMatch(this::dequantized) && !oneActivationType(n, computed)) {
			return false;
		}
		if (!floatWeights && FLOAT_OUTPUT_KERNELS.contains(n.getOpType()) && !computed.isEmpty() && computed.stream().allMatch(this::dequantized)) {
			return true;
		}
		if (n.getOpType().equals("Add") && computed.size() == 2 && computed.stream().anyMatch(this::int32Bias)
				&& computed.stream().anyMatch(i -> m.producer(i) != null && FLOAT_OUTPUT_KERNELS.contains(m.producer(i).getOpType())
						&& m.producer(i).getInputList().stream().filter(x -> !x.isEmpty() && !m.stored.containsKey(x)).allMatch(this::dequantized))) {
			return true; // the int32 bias of a MatMul on integers: ONNX Runtime fuses both into QGemm
		}
		if (NO_INTEGER_FORM.contains(n.getOpType())) {
			return false; // between a DequantizeLinear and a QuantizeLinear it still runs in float (a float Cast is removed, not fused)
		}
		boolean linearResize = n.getOpType().equals("Resize")
				&& n.getAttributeList().stream().anyMatch(a -> a.getName().equals("mode") && !a.getS().toStringUtf8().equals("nearest"));
		if ((!QDQ_GROUPS.contains(n.getOpType()) && !dropsPair(n.getOpType()) || linearResize) && n.getInputList().stream().noneMatch(this::integerWeight)) {
			return false; // no QDQ form: ONNX Runtime computes it in float between the DequantizeLinear and the QuantizeLinear
		}
		boolean dequantized = !floatWeights && !computed.isEmpty() && computed.stream().allMatch(i -> m.producer(i) != null && m.producer(i).getOpType().equals("DequantizeLinear"));
		boolean quantized = n.getOutputList().stream().allMatch(o -> !m.consumers(o).isEmpty()
				&& m.consumers(o).stream().allMatch(c -> c.getOpType().equals("QuantizeLinear")));
		if (dequantized && quantized && (n.getOpType().equals("Relu") || n.getOpType().equals("Clip"))) {
			return clampRemoved(n, m.consumers(n.getOutput(0)).get(0));
		}
		if (dequantized && quantized && dropsPair(n.getOpType())) {
			return pairDropped(n, computed);
		}
		return dequantized && quantized;
	}

	/**
	 * Whether the op writes codes of the type it reads: ONNX Runtime fuses a QDQ group only then. A last Gemm reading uint8
	 * activations and quantized straight to an int8 model output ran DequantizeLinear → Gemm → QuantizeLinear in float.
	 */
	private boolean oneActivationType(NodeProto n, List<String> computed) {
		String activation = computed.stream().filter(i -> !integerWeight(i)).findFirst().orElse(null);
		Params in = activation == null ? null : params(m.producer(activation));
		if (in == null) {
			return true;
		}
		// a Relu/Clip the QuantizeLinear after it removes (ReluQuantFusion) leaves that QuantizeLinear the op's reader: an excluded
		// Gemm on the int8 model input whose Relu a uint8 QuantizeLinear reads ran in float (branch evidence, its optimized graph)
		for (String o : n.getOutputList()) {
			List<NodeProto> clamps = new ArrayList<>();
			NodeProto q = quantizeAfter(o, clamps);
			Params out = q == null || clamps.isEmpty() || !clamps.stream().allMatch(c -> clampRemoved(c, q)) ? null : params(q);
			if (out != null && out.type() != in.type()) {
				return false;
			}
		}
		return n.getOutputList().stream().flatMap(o -> m.consumers(o).stream())
				.filter(c -> c.getOpType().equals("QuantizeLinear")).map(this::params)
				.allMatch(out -> out == null || out.type() == in.type());
	}

	/**
	 * Whether ONNX Runtime drops the DequantizeLinear before a data-movement op and the QuantizeLinear after it: each
	 * QuantizeLinear of the same element type, scale and zero point as the DequantizeLinear (one value each).
	 */
	private boolean pairDropped(NodeProto n, List<String> computed) {
		Params in = params(m.producer(computed.get(0)));
		if (in == null || in.scales().size() != 1) {
			return false;
		}
		for (String o : n.getOutputList()) {
			for (NodeProto q : m.consumers(o)) {
				Params out = params(q);
				if (out == null || out.type() != in.type() || !out.scales().equals(in.scales()) || !out.zeroPoints().equals(in.zeroPoints())) {
					return false;
				}
			}
		}
		return true;
	}

	/**
	 * Whether ONNX Runtime removes a Relu/Clip before a QuantizeLinear (ReluQuantFusion, ClipQuantFusion): only when the
	 * QuantizeLinear's range [scale × (qmin - z), scale × (qmax - z)] lies within the clamp's [min, max] (a Relu before a
	 * zero point at qmin); otherwise the clamp computes in float between the DequantizeLinear and the QuantizeLinear.
	 */
	private boolean clampRemoved(NodeProto n, NodeProto q) {
		Params p = params(q);
		if (p == null || p.scales().size() != 1 || p.type() != DataType.UINT8 && p.type() != DataType.INT8) {
			return false;
		}
		long[] codes = Ranges.bounds(p.type(), false);
		float lower = p.scales().get(0) * (codes[0] - p.zeroPoints().get(0));
		float upper = p.scales().get(0) * (codes[1] - p.zeroPoints().get(0));
		float min = n.getOpType().equals("Relu") ? 0 : clipBound(n, 1, "min", -Float.MAX_VALUE);
		float max = n.getOpType().equals("Relu") ? Float.MAX_VALUE : clipBound(n, 2, "max", Float.MAX_VALUE);
		float epsilon = Math.ulp(1f);
		return min - lower <= epsilon && upper - max <= epsilon;
	}

	/**
	 * Whether ONNX Runtime 1.29 runs a Conv or Gemm with float weights as an integer kernel all the same: its input is
	 * dequantized per tensor, its weights a float initializer (its bias a 1-D one), and its result reaches a QuantizeLinear
	 * of the input's type through Relus/Clips that QuantizeLinear removes and MaxPools. WeightBiasQuantization quantizes
	 * the weights (int8, per tensor) when the model is loaded, and the QDQ fusion makes it a QLinearConv or QGemm (the
	 * example CNN with its second Conv excluded: QLinearConv → MaxPool → QLinearConv, recorded float).
	 */
	private boolean weightsQuantizedAtLoad(NodeProto n) {
		boolean gemm = n.getOpType().equals("Gemm");
		if (!gemm && !n.getOpType().equals("Conv") || n.getInputCount() < 2 || n.getOutputCount() != 1) {
			return false;
		}
		NodeProto dq = m.producer(n.getInput(0));
		TensorProto w = m.stored.get(n.getInput(1));
		if (dq == null || !dq.getOpType().equals("DequantizeLinear") || w == null || DataType.of(w.getDataType()) != DataType.FLOAT) {
			return false;
		}
		if (n.getInputCount() > 2 && !n.getInput(2).isEmpty() && (!m.stored.containsKey(n.getInput(2)) || m.stored.get(n.getInput(2)).getDimsCount() != 1)) {
			return false;
		}
		if (gemm && n.getAttributeList().stream().anyMatch(a -> a.getName().equals("alpha") && a.getF() != 1f)) {
			return false;
		}
		Params in = params(dq);
		if (in == null || in.scales().size() != 1) {
			return false;
		}
		List<NodeProto> clamps = new ArrayList<>();
		NodeProto q = quantizeAfter(n.getOutput(0), clamps);
		Params out = q == null ? null : params(q);
		return out != null && runType(dq, in) == runType(q, out) && clamps.stream().allMatch(c -> clampRemoved(c, q));
	}

	/**
	 * What ONNX Runtime 1.29 runs instead of a float layer's float32 weights, or null when it runs them: a Conv, ConvTranspose or
	 * Gemm reading the int8 model input's DequantizeLinear (one scale), with a float weight initializer and a float 1-D bias (or
	 * none), is given int8 per-tensor weights and an int32 bias by WeightBiasQuantization when the model is loaded, and computed
	 * in float on those (measured with the LoadRewrites client: dae's excluded stem Conv, 38,730 of 235,200 outputs changed by
	 * the optimization; an excluded Gemm and ConvTranspose, branch evidence). Since branch wbq the quantizer writes such a layer
	 * with the scheme's int8 weights and int32 bias, which is what runs; a model written before says float32 weights that do not
	 * run. After a uint8 input or a uint8 QuantizeLinear/DequantizeLinear pair the weights were measured to stay float (wbq), and
	 * where no QuantizeLinear reads the layer's result (through Relus/Clips and MaxPools) too: ONNX Runtime 1.29's optimized graph
	 * kept the float weights of Conv → Relu → MaxPool → Sigmoid and of Conv → Add → QuantizeLinear and ran its NCHWc Conv on them,
	 * and rounded those of Conv → QuantizeLinear and Conv → Relu → QuantizeLinear (probe models, branch speed24; round 22's
	 * loopconv, whose stem's pool a float Loop reads, is written so).
	 */
	String weightsRoundedAtLoad(String node) {
		NodeProto n = m.node(node);
		if (n == null || !Set.of("Conv", "ConvTranspose", "Gemm").contains(n.getOpType()) || n.getInputCount() < 2) {
			return null;
		}
		NodeProto dq = m.producer(n.getInput(0));
		TensorProto w = m.stored.get(n.getInput(1));
		boolean int8Input = dq != null && dq.getOpType().equals("DequantizeLinear")
				&& m.graph.getInputList().stream().anyMatch(v -> v.getName().equals(dq.getInput(0))) && m.types.get(dq.getInput(0)) == DataType.INT8;
		if (!int8Input || w == null || DataType.of(w.getDataType()) != DataType.FLOAT || quantizeAfter(n.getOutput(0), new ArrayList<>()) == null) {
			return null;
		}
		String bias = n.getInputCount() > 2 ? n.getInput(2) : "";
		TensorProto b = bias.isEmpty() ? null : m.stored.get(bias);
		if (!bias.isEmpty() && (b == null || b.getDimsCount() != 1 || DataType.of(b.getDataType()) != DataType.FLOAT)) {
			return null;
		}
		Params in = params(dq);
		if (in == null || in.scales().size() != 1) {
			return null;
		}
		return "int8 per-tensor weights" + (bias.isEmpty() ? "" : " and an int32 bias") + " that ONNX Runtime 1.29 makes of its float32 ones when it loads"
				+ " the model (WeightBiasQuantization: a float weight after the int8 model input's DequantizeLinear), computed in float: the"
				+ " float32 weights in the file do not run; quantize again with this version, which writes the int8 weights that run";
	}

	/**
	 * The QuantizeLinear that ONNX Runtime moves up to {@code tensor}: the only reader, through single-reader Relus/Clips
	 * (collected in {@code clamps}) and MaxPools; null when there is none.
	 */
	private NodeProto quantizeAfter(String tensor, List<NodeProto> clamps) {
		String t = tensor;
		for (int hops = 0; hops < 8 && !graphOutput(t) && m.consumers(t).size() == 1; hops++) {
			NodeProto next = m.consumers(t).get(0);
			if (next.getOpType().equals("QuantizeLinear")) {
				return next;
			}
			if (next.getOpType().equals("Relu") || next.getOpType().equals("Clip")) {
				clamps.add(next);
			} else if (!next.getOpType().equals("MaxPool") || next.getOutputCount() != 1) {
				return null;
			}
			t = next.getOutput(0);
		}
		return null;
	}

	/**
	 * The codes' type as ONNX Runtime runs a quantization node (x86-64): an int8 QuantizeLinear → DequantizeLinear pair it makes
	 * uint8 (QDQS8ToU8), so an int8 DequantizeLinear of a QuantizeLinear's output, or an int8 QuantizeLinear read only by
	 * DequantizeLinears, runs uint8; an int8 model input or output stays int8. Measured: a float Conv between such an int8
	 * pair and a uint8 QuantizeLinear ran as QLinearConv, between an int8 model input's DequantizeLinear and it in float.
	 */
	private DataType runType(NodeProto qdq, Params p) {
		DataType type = p.type();
		if (type == DataType.UNDEFINED && qdq.getInputCount() > 2 && m.stored.containsKey(qdq.getInput(2))) {
			type = DataType.of(m.stored.get(qdq.getInput(2)).getDataType()); // a model that does not type its tensors: the zero point's
		}
		if (type != DataType.INT8) {
			return type;
		}
		boolean paired = qdq.getOpType().equals("DequantizeLinear")
				? m.producer(qdq.getInput(0)) != null && m.producer(qdq.getInput(0)).getOpType().equals("QuantizeLinear")
				: !graphOutput(qdq.getOutput(0)) && !m.consumers(qdq.getOutput(0)).isEmpty()
						&& m.consumers(qdq.getOutput(0)).stream().allMatch(c -> c.getOpType().equals("DequantizeLinear"));
		return paired ? DataType.UINT8 : type;
	}

	/**
	 * The depthwise Convs whose int8 kernel ONNX Runtime 1.29 ran slower than float (measured for the quantizer's
	 * OpRules.SLOW_DEPTHWISE_TAPS and _CHANNELS, docs/zoo-bench.md): at least this many taps per output, fewer channels than this.
	 */
	static final int SLOW_DEPTHWISE_TAPS = 25;
	static final int SLOW_DEPTHWISE_CHANNELS = 128;

	/**
	 * Whether the model holds {@code node} as a depthwise Conv (QLinearConv, or Conv between DequantizeLinear and
	 * QuantizeLinear) of one weight per channel, group = channels, at least {@link #SLOW_DEPTHWISE_TAPS} taps and fewer than
	 * {@link #SLOW_DEPTHWISE_CHANNELS} channels as the model holds them (zero channels added included: ONNX Runtime runs
	 * them, and the quantizer judges the widened Conv).
	 */
	boolean slowDepthwise(String node) {
		NodeProto n = m.node(node);
		if (n == null || !n.getOpType().equals("QLinearConv") && !n.getOpType().equals("Conv")) {
			return false;
		}
		String weight = n.getOpType().equals("QLinearConv") ? n.getInput(3) : n.getInput(1);
		NodeProto dq = m.producer(weight);
		TensorProto w = m.stored.get(dq != null && dq.getOpType().equals("DequantizeLinear") ? dq.getInput(0) : weight);
		if (w == null || w.getDimsCount() != 4) {
			return false;
		}
		long group = n.getAttributeList().stream().filter(a -> a.getName().equals("group")).mapToLong(AttributeProto::getI).findFirst().orElse(1);
		long channels = w.getDims(0);
		long taps = w.getDims(2) * w.getDims(3);
		return group > 1 && group == channels && w.getDims(1) == 1 && taps >= SLOW_DEPTHWISE_TAPS && channels < SLOW_DEPTHWISE_CHANNELS;
	}

	private boolean graphOutput(String tensor) {
		return m.outputs().stream().anyMatch(o -> o.name().equals(tensor));
	}

	/** A Clip's bound: its input (opset 11+), its attribute (older), or the default. */
	private float clipBound(NodeProto clip, int input, String attribute, float otherwise) {
		if (clip.getInputCount() > input && !clip.getInput(input).isEmpty()) {
			Tensor t = m.value(clip.getInput(input));
			return t == null ? Float.NaN : t.toFloatArray()[0];
		}
		return clip.getAttributeList().stream().filter(a -> a.getName().equals(attribute)).map(AttributeProto::getF).findFirst().orElse(otherwise);
	}

	private static boolean indices(DataType t) {
		return t == DataType.INT64 || t == DataType.INT32 || t == DataType.BOOL;
	}

	/**
	 * How the model quantizes a layer's result: the QuantizeLinear reading an output of the node, or an output
	 * that is integer codes already (an integer kernel's); null when every output stays float. The layer is
	 * found by name, else by its output in the model it was made from.
	 */
	String outputQuantization(String node, String floatOutput) {
		NodeProto n = m.node(node);
		if (n == null && floatOutput != null) {
			n = m.producer(floatOutput);
		}
		for (String o : n == null ? List.<String>of() : n.getOutputList()) {
			NodeProto q = m.consumers(o).stream().filter(c -> c.getOpType().equals("QuantizeLinear")).findFirst().orElse(null);
			if (q != null) {
				Params p = params(q);
				return o + " (QuantizeLinear" + (p == null ? "" : ": " + p) + ")";
			}
			if (ElementTypes.isInteger(m.types.get(o))) {
				return o + " (" + m.types.get(o).displayName() + " codes)";
			}
		}
		return null;
	}

	private boolean dequantized(String tensor) {
		NodeProto p = m.producer(tensor);
		return p != null && p.getOpType().equals("DequantizeLinear");
	}

	/** A weight stored as integer codes and dequantized for the layer (ConvTranspose's, a recurrent layer's). */
	private boolean integerWeight(String tensor) {
		NodeProto p = m.producer(tensor);
		return p != null && p.getOpType().equals("DequantizeLinear") && m.stored.containsKey(p.getInput(0)) && ElementTypes.isInteger(m.types.get(p.getInput(0)));
	}

	private boolean int32Bias(String tensor) {
		NodeProto p = m.producer(tensor);
		return p != null && p.getOpType().equals("DequantizeLinear") && m.stored.containsKey(p.getInput(0)) && m.types.get(p.getInput(0)) == DataType.INT32;
	}

	/** Quantization nodes and integer kernels no call so far accounted for, named by what they quantize. */
	List<String> unaccounted() {
		List<String> left = new ArrayList<>();
		for (NodeProto n : m.nodes()) {
			boolean qdq = n.getOpType().equals("QuantizeLinear") || n.getOpType().equals("DequantizeLinear");
			boolean weighted = (n.getOpType().equals("ConvInteger") || n.getOpType().equals("MatMulInteger")) && m.stored.containsKey(n.getInput(1));
			if ((qdq || weighted) && !accounted.contains(n)) {
				Params p = qdq ? params(n) : dynamicWeight(n);
				left.add((weighted ? n.getInput(1) : n.getInput(0)) + " (" + n.getOpType() + (n.getName().isEmpty() ? "" : " " + n.getName()) + ": "
						+ (p == null ? "no constant scale" : p) + ")");
			}
		}
		return left;
	}

	private static List<Float> floats(Tensor t) {
		List<Float> v = new ArrayList<>();
		for (float f : t.toFloatArray()) {
			v.add(f);
		}
		return v;
	}

	private static List<Long> longs(Tensor t) {
		List<Long> v = new ArrayList<>();
		for (long l : t.toLongArray()) {
			v.add(l);
		}
		return v;
	}
}
