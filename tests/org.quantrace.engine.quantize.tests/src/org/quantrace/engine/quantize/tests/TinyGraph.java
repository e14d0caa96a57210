package org.quantrace.engine.quantize.tests;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import org.quantrace.engine.Progress;
import org.quantrace.engine.data.ArrayDataset;
import org.quantrace.engine.onnx.OnnxModel;
import org.quantrace.engine.quantize.QuantizationResult;
import org.quantrace.engine.quantize.QuantizationSpec;
import org.quantrace.engine.quantize.Quantizer;
import org.quantrace.engine.runtime.InferenceSession;
import org.quantrace.engine.runtime.NdArray;
import org.quantrace.engine.runtime.SessionSettings;
import org.quantrace.testing.TestData;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.OperatorSetIdProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnx.proto.OnnxMl.TensorShapeProto;
import ai.onnx.proto.OnnxMl.TypeProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;

/**
 * A tiny graph of one op family (and what it needs around it), built in code, as ONNX Runtime's quantization
 * tests build one per op: one float input x [N, ...] fed with random values in [-1, 1) or [0, 1), one float
 * output. Quantizes it, runs float and quantized models in ONNX Runtime, and reads the graph ONNX Runtime
 * optimizes from the quantized one.
 */
final class TinyGraph {

	private final GraphProto.Builder g = GraphProto.newBuilder().setName("tiny");
	private final long[] sample;
	private final Random random = new Random(7);
	private int opset = 13;
	private int names;

	/** The input's shape for a batch of {@code n}: n, then the per-sample shape. */
	long[] batchShape(int n) {
		long[] shape = new long[sample.length + 1];
		shape[0] = n;
		System.arraycopy(sample, 0, shape, 1, sample.length);
		return shape;
	}

	/** A graph whose input x has the per-sample shape {@code sample} (a dynamic batch axis in front). */
	TinyGraph(long... sample) {
		this.sample = sample;
		TensorShapeProto.Builder shape = TensorShapeProto.newBuilder().addDim(TensorShapeProto.Dimension.newBuilder().setDimParam("N"));
		for (long d : sample) {
			shape.addDim(TensorShapeProto.Dimension.newBuilder().setDimValue(d));
		}
		g.addInput(ValueInfoProto.newBuilder().setName("x")
				.setType(TypeProto.newBuilder().setTensorType(TypeProto.Tensor.newBuilder().setElemType(1).setShape(shape))));
	}

	TinyGraph opset(int version) {
		opset = version;
		return this;
	}

	/** Adds a node named after its op; returns its (first) output. */
	String node(String op, List<String> inputs, AttributeProto... attributes) {
		return nodeOutputs(op, inputs, 1, attributes).get(0);
	}

	List<String> nodeOutputs(String op, List<String> inputs, int outputs, AttributeProto... attributes) {
		String name = op.toLowerCase() + (names++);
		NodeProto.Builder n = NodeProto.newBuilder().setOpType(op).setName(name).addAllInput(inputs);
		List<String> outs = new ArrayList<>();
		for (int i = 0; i < outputs; i++) {
			outs.add(name + "_out" + i);
		}
		n.addAllOutput(outs);
		for (AttributeProto a : attributes) {
			n.addAttribute(a);
		}
		g.addNode(n);
		return outs;
	}

	/** A float constant of random values in [-scale, scale). */
	String weight(double scale, long... dims) {
		int n = 1;
		for (long d : dims) {
			n *= (int) d;
		}
		float[] v = new float[n];
		for (int i = 0; i < n; i++) {
			v[i] = (float) ((random.nextDouble() * 2 - 1) * scale);
		}
		return floats(v, dims);
	}

	String floats(float[] values, long... dims) {
		TensorProto.Builder t = tensor("c", 1, dims);
		for (float f : values) {
			t.addFloatData(f);
		}
		return add(t);
	}

	/** An initializer named {@code prefix} and the next number, of ONNX element type {@code type} and shape {@code dims}, without values. */
	private TensorProto.Builder tensor(String prefix, int type, long... dims) {
		TensorProto.Builder t = TensorProto.newBuilder().setName(prefix + (names++)).setDataType(type);
		for (long d : dims) {
			t.addDims(d);
		}
		return t;
	}

	private String add(TensorProto.Builder t) {
		g.addInitializer(t);
		return t.getName();
	}

	String longs(long... values) {
		String name = "i" + (names++);
		TensorProto.Builder t = TensorProto.newBuilder().setName(name).setDataType(7).addDims(values.length);
		for (long v : values) {
			t.addInt64Data(v);
		}
		g.addInitializer(t);
		return name;
	}

	/** A 0-D int64 constant (a CumSum's axis). */
	String scalarLong(long value) {
		String name = "i" + (names++);
		g.addInitializer(TensorProto.newBuilder().setName(name).setDataType(7).addInt64Data(value));
		return name;
	}

	/** A bool constant of shape [1, n, 1, 1] (one per channel). */
	String bools(boolean... values) {
		return bools(new long[] { 1, values.length, 1, 1 }, values);
	}

	/** A bool constant of shape {@code dims} (row-major {@code values}: an attention mask). */
	String bools(long[] dims, boolean... values) {
		TensorProto.Builder t = tensor("b", 9, dims);
		for (boolean v : values) {
			t.addInt32Data(v ? 1 : 0);
		}
		return add(t);
	}

	/** A scalar bool constant (a Dropout's training_mode). */
	String bool(boolean value) {
		String name = "b" + (names++);
		g.addInitializer(TensorProto.newBuilder().setName(name).setDataType(9).addInt32Data(value ? 1 : 0));
		return name;
	}

	String scalar(float value) {
		String name = "s" + (names++);
		g.addInitializer(TensorProto.newBuilder().setName(name).setDataType(1).addFloatData(value));
		return name;
	}

	static AttributeProto attr(String name, long value) {
		return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INT).setI(value).build();
	}

	static AttributeProto attr(String name, float value) {
		return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.FLOAT).setF(value).build();
	}

	static AttributeProto attr(String name, String value) {
		return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.STRING).setS(com.google.protobuf.ByteString.copyFromUtf8(value))
				.build();
	}

	static AttributeProto ints(String name, long... values) {
		AttributeProto.Builder a = AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INTS);
		for (long v : values) {
			a.addInts(v);
		}
		return a.build();
	}

	static AttributeProto graph(String name, GraphProto body) {
		return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.GRAPH).setG(body).build();
	}

	/** Declares {@code tensor} a float tensor of unknown shape in the graph's value_info (as shape inference writes it). */
	TinyGraph declaredFloat(String tensor) {
		g.addValueInfo(ValueInfoProto.newBuilder().setName(tensor)
				.setType(TypeProto.newBuilder().setTensorType(TypeProto.Tensor.newBuilder().setElemType(1))));
		return this;
	}

	/** The model with {@code y} (and {@code more}) as its outputs. */
	OnnxModel model(String y, String... more) {
		GraphProto.Builder b = g.clone();
		for (String out : java.util.stream.Stream.concat(java.util.stream.Stream.of(y), java.util.Arrays.stream(more)).toList()) {
			b.addOutput(ValueInfoProto.newBuilder().setName(out).setType(TypeProto.newBuilder().setTensorType(TypeProto.Tensor.newBuilder().setElemType(1))));
		}
		return OnnxModel.of(ModelProto.newBuilder().setIrVersion(opset >= 21 ? 10 : 8).addOpsetImport(OperatorSetIdProto.newBuilder().setVersion(opset))
				.setGraph(b).build());
	}

	/** {@code n} random samples, uniform in [lo, hi). */
	float[] data(int n, double lo, double hi) {
		int size = n;
		for (long d : sample) {
			size *= (int) d;
		}
		float[] v = new float[size];
		for (int i = 0; i < size; i++) {
			v[i] = (float) (lo + random.nextDouble() * (hi - lo));
		}
		return v;
	}

	ArrayDataset calibration(double lo, double hi) {
		return new ArrayDataset("random", data(64, lo, hi), sample, null);
	}

	NdArray batch(float[] values) {
		long[] shape = new long[sample.length + 1];
		shape[0] = values.length / java.util.Arrays.stream(sample).reduce(1, (a, b) -> a * b);
		System.arraycopy(sample, 0, shape, 1, sample.length);
		return NdArray.ofFloats(shape, values);
	}

	static QuantizationResult quantize(OnnxModel model, QuantizationSpec spec, ArrayDataset data) {
		return Quantizer.quantize(model, "tiny", spec, data, Progress.NONE);
	}

	static float[] run(OnnxModel model, NdArray x) {
		try (InferenceSession s = InferenceSession.open(model, SessionSettings.defaults().withThreads(1), "tiny")) {
			return s.run(x).toFloats();
		}
	}

	/** {@code quantized}'s outputs for float samples {@code x} of {@code shape}, fed as the integer input's codes ({@code in}). */
	static float[] runOnCodes(OnnxModel quantized, org.quantrace.engine.onnx.IoQuantization.Io in, float[] x, long[] shape) {
		byte[] q = new byte[x.length];
		for (int i = 0; i < x.length; i++) {
			q[i] = (byte) in.quantize(x[i]);
		}
		return run(quantized, NdArray.ofBytes(in.type(), shape, q));
	}

	/** The op types of the graph ONNX Runtime makes of {@code model} (level EXTENDED: its QDQ fusions), domain-qualified outside ai.onnx. */
	static List<String> optimizedOps(OnnxModel model) {
		return ops(optimized(model).getGraph());
	}

	static List<String> ops(GraphProto graph) {
		return graph.getNodeList().stream().map(n -> n.getDomain().isEmpty() ? n.getOpType() : n.getDomain() + "." + n.getOpType()).toList();
	}

	/** The graph ONNX Runtime makes of {@code model} at level EXTENDED (its QDQ fusions), as it saves it. */
	static ModelProto optimized(OnnxModel model) {
		return optimized(model, SessionSettings.Optimization.EXTENDED);
	}

	/** The graph ONNX Runtime runs {@code model} as on this CPU (level ALL: its layout passes too, NHWC integer kernels and their Transposes). */
	static ModelProto laidOut(OnnxModel model) {
		return optimized(model, SessionSettings.Optimization.ALL);
	}

	private static ModelProto optimized(OnnxModel model, SessionSettings.Optimization level) {
		Path file = TestData.tempDir("optimized").resolve("optimized.onnx");
		try (InferenceSession s = InferenceSession.open(model,
				SessionSettings.defaults().withThreads(1).withOptimization(level).withOptimizedModelPath(file), "tiny")) {
			s.inputs();
		}
		try {
			return ModelProto.parseFrom(Files.readAllBytes(file));
		} catch (IOException e) {
			throw new UncheckedIOException(e);
		}
	}
}
