package org.quantrace.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.quantrace.engine.data.NpyArray;
import org.quantrace.engine.runtime.NdArray;

import com.google.protobuf.ByteString;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.OperatorSetIdProto;
import ai.onnx.proto.OnnxMl.StringStringEntryProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnx.proto.OnnxMl.TensorShapeProto;
import ai.onnx.proto.OnnxMl.TypeProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;

/**
 * Damaged and hostile models, built in code so that each test says what is wrong with its file: a cycle,
 * dimensions that overflow, an op ONNX Runtime does not know, external data that points elsewhere.
 */
public final class TestModels {

	/** The example model's tensor that {@link #withExternalData} moves out of the .onnx file. */
	public static final String EXTERNAL_TENSOR = "classifier.1.weight";

	private TestModels() {
	}

	/** A one-input, one-output float graph at opset 13. */
	public static ModelProto graph(List<NodeProto> nodes, List<TensorProto> weights, ValueInfoProto input, ValueInfoProto output) {
		GraphProto g = GraphProto.newBuilder().setName("g").addAllNode(nodes).addAllInitializer(weights).addInput(input).addOutput(output).build();
		return ModelProto.newBuilder().setIrVersion(8).addOpsetImport(OperatorSetIdProto.newBuilder().setVersion(13)).setGraph(g).build();
	}

	public static NodeProto node(String op, String name, List<String> inputs, String output) {
		return NodeProto.newBuilder().setOpType(op).setName(name).addAllInput(inputs).addOutput(output).build();
	}

	/** A float tensor's name, type and shape. */
	public static ValueInfoProto tensor(String name, long... dims) {
		TensorShapeProto.Builder shape = TensorShapeProto.newBuilder();
		for (long d : dims) {
			shape.addDim(TensorShapeProto.Dimension.newBuilder().setDimValue(d));
		}
		return ValueInfoProto.newBuilder().setName(name)
				.setType(TypeProto.newBuilder().setTensorType(TypeProto.Tensor.newBuilder().setElemType(1).setShape(shape))).build();
	}

	/**
	 * A scripted loop over tensor pieces, as a TorchScript export of a loop over torch.split writes it (round 18's seqops), small:
	 * x [1, 4] -> Relu -> r -> SplitToSequence (axis 1) -> s; SequenceLength(s) -> n (int64); SequenceEmpty -> acc; Loop(n, true,
	 * acc) whose body takes piece i = SequenceAt(s, i) (read from the enclosing graph), negates it (q) and SequenceInserts it into
	 * its carried sequence, the condition passed on by an Identity (c2, bool) -> out; ConcatFromSequence(out, axis 1) -> y [1, 4].
	 * The body's carried input is a tensor sequence, which ONNX Runtime's Java API cannot feed: the body cannot run on its own.
	 */
	public static ModelProto loopOverSplit() {
		TypeProto floats = TypeProto.newBuilder().setTensorType(TypeProto.Tensor.newBuilder().setElemType(1)).build();
		TypeProto sequence = TypeProto.newBuilder().setSequenceType(TypeProto.Sequence.newBuilder().setElemType(floats)).build();
		GraphProto body = GraphProto.newBuilder().setName("body")
				.addInput(ValueInfoProto.newBuilder().setName("i").setType(TypeProto.newBuilder().setTensorType(TypeProto.Tensor.newBuilder().setElemType(7)
						.setShape(TensorShapeProto.getDefaultInstance()))))
				.addInput(ValueInfoProto.newBuilder().setName("c").setType(TypeProto.newBuilder().setTensorType(TypeProto.Tensor.newBuilder().setElemType(9)
						.setShape(TensorShapeProto.getDefaultInstance()))))
				.addInput(ValueInfoProto.newBuilder().setName("a").setType(sequence))
				.addNode(NodeProto.newBuilder().setOpType("SequenceAt").setName("at").addInput("s").addInput("i").addOutput("p"))
				.addNode(node("Neg", "neg", List.of("p"), "q"))
				.addNode(NodeProto.newBuilder().setOpType("SequenceInsert").setName("insert").addInput("a").addInput("q").addOutput("a2"))
				.addNode(node("Identity", "pass", List.of("c"), "c2"))
				.addOutput(ValueInfoProto.newBuilder().setName("c2").setType(TypeProto.newBuilder().setTensorType(TypeProto.Tensor.newBuilder().setElemType(9)
						.setShape(TensorShapeProto.getDefaultInstance()))))
				.addOutput(ValueInfoProto.newBuilder().setName("a2").setType(sequence)).build();
		AttributeProto axis1 = AttributeProto.newBuilder().setName("axis")
				.setType(AttributeProto.AttributeType.INT).setI(1).build();
		List<NodeProto> nodes = List.of(node("Relu", "relu", List.of("x"), "r"),
				NodeProto.newBuilder().setOpType("SplitToSequence").setName("split").addInput("r").addOutput("s").addAttribute(axis1).build(),
				node("SequenceLength", "length", List.of("s"), "n"),
				NodeProto.newBuilder().setOpType("SequenceEmpty").setName("empty").addOutput("acc").build(),
				NodeProto.newBuilder().setOpType("Loop").setName("loop").addInput("n").addInput("go").addInput("acc").addOutput("out")
						.addAttribute(AttributeProto.newBuilder().setName("body")
								.setType(AttributeProto.AttributeType.GRAPH).setG(body))
						.build(),
				NodeProto.newBuilder().setOpType("ConcatFromSequence").setName("join").addInput("out").addOutput("y").addAttribute(axis1).build());
		return graph(nodes, List.of(ints("go", 9, new long[0], 1)), tensor("x", 1, 4), tensor("y", 1, 4));
	}

	/**
	 * A SequenceMap, as make_seq2.py's "seqmap" (opset 17, small): x [1, 4] -> Relu -> r -> SplitToSequence (axis 1) -> s;
	 * SequenceMap(s) whose body negates each piece p (declared a float tensor) into q -> s2; ConcatFromSequence(s2, axis 1) ->
	 * j (declared nowhere); Relu -> y [1, 4] = 0.
	 */
	public static ModelProto sequenceMap() {
		TypeProto floats = TypeProto.newBuilder().setTensorType(TypeProto.Tensor.newBuilder().setElemType(1)).build();
		GraphProto body = GraphProto.newBuilder().setName("map_body").addInput(ValueInfoProto.newBuilder().setName("p").setType(floats))
				.addNode(node("Neg", "neg", List.of("p"), "q")).addOutput(ValueInfoProto.newBuilder().setName("q").setType(floats)).build();
		AttributeProto axis1 = AttributeProto.newBuilder().setName("axis").setType(AttributeProto.AttributeType.INT).setI(1).build();
		List<NodeProto> nodes = List.of(node("Relu", "relu", List.of("x"), "r"),
				NodeProto.newBuilder().setOpType("SplitToSequence").setName("split").addInput("r").addOutput("s").addAttribute(axis1).build(),
				NodeProto.newBuilder().setOpType("SequenceMap").setName("map").addInput("s").addOutput("s2")
						.addAttribute(AttributeProto.newBuilder().setName("body").setType(AttributeProto.AttributeType.GRAPH).setG(body)).build(),
				NodeProto.newBuilder().setOpType("ConcatFromSequence").setName("join").addInput("s2").addOutput("j").addAttribute(axis1).build(),
				node("Relu", "relu2", List.of("j"), "y"));
		ModelProto m = graph(nodes, List.of(), tensor("x", 1, 4), tensor("y", 1, 4));
		return m.toBuilder().setOpsetImport(0, OperatorSetIdProto.newBuilder().setVersion(17)).build();
	}

	/**
	 * An optional value into and out of an If, as make_seq2.py's "optional" (opset 16, small): x [1, 4] -> Relu -> r ->
	 * Optional -> o; If(OptionalHasElement(o)) whose then branch negates OptionalGetElement(o) and wraps it again, whose else
	 * branch builds an empty optional from no inputs (a node every input of which is "constant"); OptionalGetElement of the If's
	 * output -> y [1, 4] = -relu(x).
	 */
	public static ModelProto optionalThroughIf() {
		TypeProto floats = TypeProto.newBuilder().setTensorType(TypeProto.Tensor.newBuilder().setElemType(1)).build();
		TypeProto optional = TypeProto.newBuilder().setOptionalType(TypeProto.Optional.newBuilder().setElemType(floats)).build();
		GraphProto then = GraphProto.newBuilder().setName("then").addNode(node("OptionalGetElement", "get_in", List.of("o"), "g"))
				.addNode(node("Neg", "neg", List.of("g"), "m")).addNode(node("Optional", "wrap", List.of("m"), "om"))
				.addOutput(ValueInfoProto.newBuilder().setName("om").setType(optional)).build();
		GraphProto otherwise = GraphProto.newBuilder().setName("else")
				.addNode(NodeProto.newBuilder().setOpType("Optional").setName("none").addOutput("oe")
						.addAttribute(AttributeProto.newBuilder().setName("type").setType(AttributeProto.AttributeType.TYPE_PROTO).setTp(floats)))
				.addOutput(ValueInfoProto.newBuilder().setName("oe").setType(optional)).build();
		List<NodeProto> nodes = List.of(node("Relu", "relu", List.of("x"), "r"), node("Optional", "opt", List.of("r"), "o"),
				node("OptionalHasElement", "has", List.of("o"), "h"),
				NodeProto.newBuilder().setOpType("If").setName("branch").addInput("h").addOutput("oi")
						.addAttribute(AttributeProto.newBuilder().setName("then_branch").setType(AttributeProto.AttributeType.GRAPH).setG(then))
						.addAttribute(AttributeProto.newBuilder().setName("else_branch").setType(AttributeProto.AttributeType.GRAPH).setG(otherwise))
						.build(),
				node("OptionalGetElement", "get_out", List.of("oi"), "y"));
		ModelProto m = graph(nodes, List.of(), tensor("x", 1, 4), tensor("y", 1, 4));
		return m.toBuilder().setOpsetImport(0, OperatorSetIdProto.newBuilder().setVersion(16)).build();
	}

	/** A float initializer of seeded values, uniform in [lo, hi) (random.nextDouble() scaled, one per element in order). */
	public static TensorProto uniform(String name, java.util.Random random, double lo, double hi, long... dims) {
		TensorProto.Builder t = TensorProto.newBuilder().setName(name).setDataType(1);
		long n = 1;
		for (long d : dims) {
			t.addDims(d);
			n *= d;
		}
		for (long i = 0; i < n; i++) {
			t.addFloatData((float) (lo + random.nextDouble() * (hi - lo)));
		}
		return t.build();
	}

	/**
	 * A MatMul in ONNX Runtime's QOperator form, as its quantize_static(QuantFormat.QOperator) writes one (round 17's qop, small):
	 * x [1, 4] -> QuantizeLinear (uint8, scale 0.05, zero point 128) -> QLinearMatMul with int8 weights [4, 3] (scale 0.02) ->
	 * DequantizeLinear (scale 0.04, zero point 128) -> y [1, 3]; producer "onnx.quantize" 0.1.0 as ONNX Runtime's quantizer names itself.
	 */
	public static ModelProto qoperatorMatMul() {
		long[] scalar = {};
		List<TensorProto> weights = List.of(floats("xs", scalar, 0.05f), ints("xz", TensorProto.DataType.UINT8_VALUE, scalar, 128),
				ints("w", TensorProto.DataType.INT8_VALUE, new long[] { 4, 3 }, 10, -20, 30, -40, 50, -60, 70, -80, 90, -100, 110, -120),
				floats("ws", scalar, 0.02f), ints("wz", TensorProto.DataType.INT8_VALUE, scalar, 0), floats("ys", scalar, 0.04f),
				ints("yz", TensorProto.DataType.UINT8_VALUE, scalar, 128));
		ModelProto m = graph(List.of(node("QuantizeLinear", "x_QuantizeLinear", List.of("x", "xs", "xz"), "xq"),
				node("QLinearMatMul", "mm_quant", List.of("xq", "xs", "xz", "w", "ws", "wz", "ys", "yz"), "yq"),
				node("DequantizeLinear", "y_DequantizeLinear", List.of("yq", "ys", "yz"), "y")), weights, tensor("x", 1, 4), tensor("y", 1, 3));
		return m.toBuilder().setProducerName("onnx.quantize").setProducerVersion("0.1.0").build();
	}

	/**
	 * The same MatMul in ONNX Runtime's dynamic-range form, as its quantize_dynamic writes one (round 18's dynq, small): x [1, 4] ->
	 * DynamicQuantizeLinear (uint8 codes, their scale and zero point) -> MatMulInteger with int8 weights [4, 3] -> Cast to float ->
	 * Mul by the input's scale -> Mul by the weight's 0.02 -> y [1, 3]. No QuantizeLinear or DequantizeLinear in it.
	 */
	public static ModelProto dynamicMatMul() {
		long[] scalar = {};
		List<TensorProto> weights = List.of(ints("w", TensorProto.DataType.INT8_VALUE, new long[] { 4, 3 }, 10, -20, 30, -40, 50, -60, 70, -80, 90, -100,
				110, -120), ints("wz", TensorProto.DataType.INT8_VALUE, scalar, 0), floats("ws", scalar, 0.02f));
		NodeProto quantize = NodeProto.newBuilder().setOpType("DynamicQuantizeLinear").setName("x_QuantizeLinear").addInput("x").addOutput("xq")
				.addOutput("xs").addOutput("xz").build();
		NodeProto cast = node("Cast", "mm_cast", List.of("acc"), "accf").toBuilder()
				.addAttribute(AttributeProto.newBuilder().setName("to").setType(AttributeProto.AttributeType.INT).setI(1)).build();
		ModelProto m = graph(List.of(quantize, node("MatMulInteger", "mm_quant", List.of("xq", "w", "xz", "wz"), "acc"), cast,
				node("Mul", "mm_scales_mul", List.of("accf", "xs"), "t"), node("Mul", "mm_output_scale_mul", List.of("t", "ws"), "y")), weights,
				tensor("x", 1, 4), tensor("y", 1, 3));
		return m.toBuilder().setProducerName("onnx.quantize").setProducerVersion("0.1.0").build();
	}

	/** A float initializer holding {@code values}. */
	/**
	 * A MatMul in ONNX Runtime's int4 weight-only form, as its MatMul4BitsQuantizer writes one (make_unseen33's int4rows, small):
	 * x [N, 32] -> com.microsoft.MatMulNBits 'fc_Q4' (K 32, N 16, bits 4, block_size 16: packed codes [16, 2, 8], scales [32],
	 * packed zero points [16]) -> Relu -> MatMul 'head' on float weights [16, 4] -> y [N, 4]. Seeded random codes and weights.
	 */
	public static ModelProto nBitsMatMul() {
		java.util.Random r = new java.util.Random(33);
		byte[] codes = new byte[16 * 2 * 8];
		r.nextBytes(codes);
		byte[] zeroPoints = new byte[16];
		for (int i = 0; i < zeroPoints.length; i++) {
			zeroPoints[i] = (byte) (7 + r.nextInt(3) | (7 + r.nextInt(3)) << 4); // two blocks' zero points, low nibble first
		}
		float[] scales = new float[32];
		for (int i = 0; i < scales.length; i++) {
			scales[i] = 0.01f + 0.02f * r.nextFloat();
		}
		NodeProto nBits = NodeProto.newBuilder().setOpType("MatMulNBits").setDomain("com.microsoft").setName("fc_Q4").addInput("x").addInput("fc_Q4_B")
				.addInput("fc_Q4_scales").addInput("fc_Q4_zero_points").addOutput("h")
				.addAttribute(AttributeProto.newBuilder().setName("K").setType(AttributeProto.AttributeType.INT).setI(32))
				.addAttribute(AttributeProto.newBuilder().setName("N").setType(AttributeProto.AttributeType.INT).setI(16))
				.addAttribute(AttributeProto.newBuilder().setName("bits").setType(AttributeProto.AttributeType.INT).setI(4))
				.addAttribute(AttributeProto.newBuilder().setName("block_size").setType(AttributeProto.AttributeType.INT).setI(16)).build();
		List<TensorProto> weights = List.of(TensorProto.newBuilder().setName("fc_Q4_B").setDataType(TensorProto.DataType.UINT8_VALUE).addDims(16).addDims(2)
				.addDims(8).setRawData(com.google.protobuf.ByteString.copyFrom(codes)).build(), floats("fc_Q4_scales", new long[] { 32 }, scales),
				TensorProto.newBuilder().setName("fc_Q4_zero_points").setDataType(TensorProto.DataType.UINT8_VALUE).addDims(16)
						.setRawData(com.google.protobuf.ByteString.copyFrom(zeroPoints)).build(),
				uniform("head_w", r, -0.5, 0.5, 16, 4));
		ModelProto m = graph(List.of(nBits, node("Relu", "relu", List.of("h"), "hr"), node("MatMul", "head", List.of("hr", "head_w"), "y")), weights,
				tensor("x", 1, 32), tensor("y", 1, 4));
		ai.onnx.proto.OnnxMl.GraphProto.Builder g = m.getGraph().toBuilder();
		for (ValueInfoProto.Builder v : List.of(g.getInputBuilder(0), g.getOutputBuilder(0))) {
			v.getTypeBuilder().getTensorTypeBuilder().getShapeBuilder().getDimBuilder(0).clearDimValue().setDimParam("N");
		}
		return m.toBuilder().setGraph(g).addOpsetImport(ai.onnx.proto.OnnxMl.OperatorSetIdProto.newBuilder().setDomain("com.microsoft").setVersion(1))
				.setProducerName("onnxruntime.quantization").setProducerVersion("1.17").build();
	}

	public static TensorProto floats(String name, long[] dims, float... values) {
		TensorProto.Builder t = TensorProto.newBuilder().setName(name).setDataType(TensorProto.DataType.FLOAT_VALUE);
		for (long d : dims) {
			t.addDims(d);
		}
		for (float v : values) {
			t.addFloatData(v);
		}
		return t.build();
	}

	/** An integer initializer of type {@code dataType} (int8, uint8, int32...: stored as int32_data) holding {@code values}. */
	public static TensorProto ints(String name, int dataType, long[] dims, int... values) {
		TensorProto.Builder t = TensorProto.newBuilder().setName(name).setDataType(dataType);
		for (long d : dims) {
			t.addDims(d);
		}
		for (int v : values) {
			t.addInt32Data(v);
		}
		return t.build();
	}

	/** A float initializer whose raw data need not match its dimensions. */
	public static TensorProto weight(String name, byte[] raw, long... dims) {
		TensorProto.Builder t = TensorProto.newBuilder().setName(name).setDataType(1).setRawData(ByteString.copyFrom(raw));
		for (long d : dims) {
			t.addDims(d);
		}
		return t.build();
	}

	public static Path write(Path file, ModelProto model) {
		try {
			Files.createDirectories(file.toAbsolutePath().getParent());
			return Files.write(file, model.toByteArray());
		} catch (IOException e) {
			throw new UncheckedIOException(e);
		}
	}

	/** add(x, b) -> a, relu(a) -> b: each node waits for the other. Input x [1, 4]. */
	public static Path cycle(Path file) {
		return write(file, graph(List.of(node("Add", "add", List.of("x", "b"), "a"), node("Relu", "relu", List.of("a"), "b")), List.of(),
				tensor("x", 1, 4), tensor("b", 1, 4)));
	}

	/** An input declared [2^40, 2^40]: more elements than a long counts. */
	public static Path overflowingInput(Path file) {
		return write(file, graph(List.of(node("Relu", "relu", List.of("x"), "y")), List.of(), tensor("x", 1L << 40, 1L << 40), tensor("y", 1L << 40, 1L << 40)));
	}

	/** A well-formed file with an op nobody registered: ONNX Runtime refuses to load it. Input x [1, 4]. */
	public static Path unknownOp(Path file) {
		return write(file, graph(List.of(node("FrobnicateXYZ", "frob", List.of("x"), "y")), List.of(), tensor("x", 1, 4), tensor("y", 1, 4)));
	}

	/**
	 * A model ONNX Runtime loads but cannot run on its own declared input: x [1, 4] reshaped by node 'flat' to the constant [1, 8]
	 * (as a model exported for a larger input whose input was then declared smaller), then y = Relu [1, 8].
	 */
	public static Path reshapeContradictingInput(Path file) {
		TensorProto shape = TensorProto.newBuilder().setName("shape").setDataType(7).addDims(2).addInt64Data(1).addInt64Data(8).build();
		return write(file, graph(List.of(node("Reshape", "flat", List.of("x", "shape"), "r"), node("Relu", "relu", List.of("r"), "y")), List.of(shape),
				tensor("x", 1, 4), tensor("y", 1, 8)));
	}

	/**
	 * A model that declares a batch of any size but runs one sample only: x [N, 4] reshaped by node 'flat' to the constant [1, 4]
	 * (as an export that traced a batch of one into its Reshape), then y = Relu [N, 4]. A batch of two stops at 'flat'.
	 */
	public static Path reshapeFixingBatchOne(Path file) {
		TensorProto shape = TensorProto.newBuilder().setName("shape").setDataType(7).addDims(2).addInt64Data(1).addInt64Data(4).build();
		TensorShapeProto dims = TensorShapeProto.newBuilder().addDim(TensorShapeProto.Dimension.newBuilder().setDimParam("N"))
				.addDim(TensorShapeProto.Dimension.newBuilder().setDimValue(4)).build();
		TypeProto type = TypeProto.newBuilder().setTensorType(TypeProto.Tensor.newBuilder().setElemType(1).setShape(dims)).build();
		return write(file, graph(List.of(node("Reshape", "flat", List.of("x", "shape"), "r"), node("Relu", "relu", List.of("r"), "y")), List.of(shape),
				ValueInfoProto.newBuilder().setName("x").setType(type).build(), ValueInfoProto.newBuilder().setName("y").setType(type).build()));
	}

	/** y = Relu(x), x and y float [1, 4]: a model exported with a fixed batch of one, checked on one sample. */
	public static Path relu4BatchOne(Path file) {
		return write(file, graph(List.of(node("Relu", "relu", List.of("x"), "y")), List.of(), tensor("x", 1, 4), tensor("y", 1, 4)));
	}

	/** y = Relu(x), x and y float [N, 4]: a model any table of four features runs through. */
	public static Path relu4(Path file) {
		TensorShapeProto shape = TensorShapeProto.newBuilder().addDim(TensorShapeProto.Dimension.newBuilder().setDimParam("N"))
				.addDim(TensorShapeProto.Dimension.newBuilder().setDimValue(4)).build();
		TypeProto type = TypeProto.newBuilder().setTensorType(TypeProto.Tensor.newBuilder().setElemType(1).setShape(shape)).build();
		return write(file, graph(List.of(node("Relu", "relu", List.of("x"), "y")), List.of(), ValueInfoProto.newBuilder().setName("x").setType(type).build(),
				ValueInfoProto.newBuilder().setName("y").setType(type).build()));
	}

	/**
	 * An int8 input x [N, 4] read by two DequantizeLinear nodes, scales 0.1 and {@code secondScale} (zero points 0), whose float
	 * results are added: y = 0.1 x + secondScale x. With another second scale, the model states no one scale for its input.
	 */
	public static Path twoDequantizeLinearReaders(Path file, float secondScale) {
		TensorShapeProto shape = TensorShapeProto.newBuilder().addDim(TensorShapeProto.Dimension.newBuilder().setDimParam("N"))
				.addDim(TensorShapeProto.Dimension.newBuilder().setDimValue(4)).build();
		ValueInfoProto x = ValueInfoProto.newBuilder().setName("x")
				.setType(TypeProto.newBuilder().setTensorType(TypeProto.Tensor.newBuilder().setElemType(3).setShape(shape))).build();
		ValueInfoProto y = ValueInfoProto.newBuilder().setName("y")
				.setType(TypeProto.newBuilder().setTensorType(TypeProto.Tensor.newBuilder().setElemType(1).setShape(shape))).build();
		List<TensorProto> constants = List.of(TensorProto.newBuilder().setName("s_a").setDataType(1).addFloatData(0.1f).build(),
				TensorProto.newBuilder().setName("s_b").setDataType(1).addFloatData(secondScale).build(),
				TensorProto.newBuilder().setName("z").setDataType(3).addInt32Data(0).build());
		return write(file, graph(List.of(node("DequantizeLinear", "dq_a", List.of("x", "s_a", "z"), "a"),
				node("DequantizeLinear", "dq_b", List.of("x", "s_b", "z"), "b"), node("Add", "add", List.of("a", "b"), "y")), constants, x, y));
	}

	/** Eight samples of [4] with labels, the data {@link #cycle} and {@link #unknownOp} take: [inputs.npy, labels.npy]. */
	public static List<Path> fourFeatures(Path dir) {
		try {
			Files.createDirectories(dir);
			Path x = dir.resolve("x4.npy");
			Path y = dir.resolve("y4.npy");
			NpyArray.write(x, NdArray.ofFloats(new long[] { 8, 4 }, new float[32]));
			NpyArray.write(y, NdArray.ofLongs(new long[] { 8 }, new long[8]));
			return List.of(x, y);
		} catch (IOException e) {
			throw new UncheckedIOException(e);
		}
	}

	/** The example model with {@link #EXTERNAL_TENSOR} stored as external data at {@code location} (not written). */
	public static Path withExternalData(Path file, String location) {
		ModelProto.Builder b = example().toBuilder();
		var g = b.getGraphBuilder();
		for (int i = 0; i < g.getInitializerCount(); i++) {
			TensorProto t = g.getInitializer(i);
			if (t.getName().equals(EXTERNAL_TENSOR)) {
				g.setInitializer(i, t.toBuilder().clearRawData().setDataLocation(TensorProto.DataLocation.EXTERNAL)
						.addExternalData(entry("location", location)).addExternalData(entry("offset", "0"))
						.addExternalData(entry("length", Integer.toString(t.getRawData().size()))));
			}
		}
		return write(file, b.build());
	}

	/** The bytes {@link #EXTERNAL_TENSOR} holds in the example model. */
	public static byte[] externalTensorBytes() {
		return example().getGraph().getInitializerList().stream().filter(t -> t.getName().equals(EXTERNAL_TENSOR)).findFirst().orElseThrow()
				.getRawData().toByteArray();
	}

	private static ModelProto example() {
		try {
			return ModelProto.parseFrom(Files.readAllBytes(TestData.example("model/fashion_cnn.onnx")));
		} catch (IOException e) {
			throw new UncheckedIOException(e);
		}
	}

	private static StringStringEntryProto entry(String key, String value) {
		return StringStringEntryProto.newBuilder().setKey(key).setValue(value).build();
	}

	/**
	 * The model saved in float16, as {@code model.half()} exports it: every float32 initializer (rounded to nearest even),
	 * input and output; written here, independently of the engine's widening (FloatWidening) that reads it back.
	 */
	public static ModelProto toFloat16(ModelProto model) {
		GraphProto.Builder g = model.getGraph().toBuilder();
		for (int i = 0; i < g.getInitializerCount(); i++) {
			TensorProto t = g.getInitializer(i);
			if (t.getDataType() != TensorProto.DataType.FLOAT_VALUE) {
				continue;
			}
			float[] v = org.quantrace.engine.onnx.Tensor.of(t).toFloatArray();
			java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(2 * v.length).order(java.nio.ByteOrder.LITTLE_ENDIAN);
			for (float f : v) {
				b.putShort(Float.floatToFloat16(f));
			}
			g.setInitializer(i, t.toBuilder().clearFloatData().clearRawData().setDataType(TensorProto.DataType.FLOAT16_VALUE)
					.setRawData(ByteString.copyFrom(b.array())).build());
		}
		for (int i = 0; i < g.getInputCount(); i++) {
			g.setInput(i, float16(g.getInput(i)));
		}
		for (int i = 0; i < g.getOutputCount(); i++) {
			g.setOutput(i, float16(g.getOutput(i)));
		}
		g.clearValueInfo();
		return model.toBuilder().setGraph(g).build();
	}

	private static ValueInfoProto float16(ValueInfoProto v) {
		ValueInfoProto.Builder b = v.toBuilder();
		if (b.getType().hasTensorType() && b.getType().getTensorType().getElemType() == TensorProto.DataType.FLOAT_VALUE) {
			b.getTypeBuilder().getTensorTypeBuilder().setElemType(TensorProto.DataType.FLOAT16_VALUE);
		}
		return b.build();
	}
}
