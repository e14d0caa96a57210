package org.quantrace.runner.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.quantrace.runner.Verification;

import com.google.protobuf.ByteString;

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
 * A float LayerNormalization no float sum reads is written as com.microsoft.SkipLayerNormalization of its input added to itself,
 * with 4 times the epsilon (ONNX Runtime's LayerNormalization kernel is 3-4x slower). verify holds the written node's epsilon
 * and scale against the float layer's, each hash recomputed by the forger (the model's size kept): before, its op alone was held.
 */
class VerifySkipNormalizationTest {

	private static Path copy;
	private static Path out;

	/**
	 * A linear classifier of the example's images (opset 17: Flatten, Gemm 784 → 10 with fixed weights) whose scores are normalized:
	 * Reshape to [N, 1, 10], LayerNormalization 'norm' (epsilon 1e-3), Reshape back. A model of its own: the example's CNN at
	 * opset 17 by its opset import alone gave the run's and verify's tensor inventories of the original model different counts.
	 */
	@BeforeAll
	static void run() throws IOException {
		copy = Runs.exampleCopy("skip-norm");
		GraphProto.Builder g = GraphProto.newBuilder().setName("normed");
		g.addInput(ValueInfoProto.newBuilder().setName("image").setType(floatType(dim("N"), dim(1), dim(28), dim(28))));
		float[] w = new float[784 * 10];
		for (int i = 0; i < w.length; i++) {
			w[i] = (float) Math.sin(i * 0.37) * 0.05f;
		}
		g.addInitializer(floats("w", w, 784, 10)).addInitializer(floats("b", new float[10], 10));
		g.addInitializer(longs("rows_shape", 0, 1, 10)).addInitializer(longs("flat_shape", 0, 10));
		float[] ones = new float[10];
		java.util.Arrays.fill(ones, 1f);
		g.addInitializer(floats("gamma", ones, 10)).addInitializer(floats("beta", new float[10], 10));
		g.addNode(NodeProto.newBuilder().setOpType("Flatten").setName("flatten").addInput("image").addOutput("pixels"));
		g.addNode(NodeProto.newBuilder().setOpType("Gemm").setName("fc").addInput("pixels").addInput("w").addInput("b").addOutput("logits"));
		g.addNode(NodeProto.newBuilder().setOpType("Reshape").setName("rows").addInput("logits").addInput("rows_shape").addOutput("rows3"));
		g.addNode(NodeProto.newBuilder().setOpType("LayerNormalization").setName("norm").addInput("rows3").addInput("gamma").addInput("beta")
				.addOutput("normed").addAttribute(AttributeProto.newBuilder().setName("axis").setType(AttributeProto.AttributeType.INT).setI(-1))
				.addAttribute(AttributeProto.newBuilder().setName("epsilon").setType(AttributeProto.AttributeType.FLOAT).setF(1e-3f)));
		g.addNode(NodeProto.newBuilder().setOpType("Reshape").setName("flat").addInput("normed").addInput("flat_shape").addOutput("scores"));
		g.addOutput(ValueInfoProto.newBuilder().setName("scores").setType(floatType(dim("N"), dim(10))));
		ModelProto cnn = ModelProto.newBuilder().setIrVersion(8).setProducerName("VerifySkipNormalizationTest").setGraph(g)
				.addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("").setVersion(17)).build();
		Files.write(copy.resolve("model/normed.onnx"), cnn.toByteArray());
		Path recipe = Runs.fiqInt8Recipe(copy, "normed.qr", "normed", "model/normed.onnx");
		out = copy.resolve("out");
		assertEquals(0, Runs.run(recipe, out).exitCode());
		Verification.Result honest = Verification.verify(out);
		assertTrue(honest.passed(), honest.problems().toString());
	}

	/** The epsilon left at the float layer's 1e-3 on x + x: it normalizes with 2.5e-4. */
	@Test
	void anEpsilonNotFourTimesTheLayersIsFound() throws IOException {
		Verification.Result r = forged("epsilon", n -> n.getAttributeBuilderList().stream().filter(a -> a.getName().equals("epsilon")).forEach(a -> a.setF(1e-3f)));
		assertTrue(r.problems().stream().anyMatch(p -> p.file().equals("trace.xmi") && p.what().contains("layer norm (LayerNormalization) epsilon: says 0.004"
				+ " (the float model's LayerNormalization epsilon times 4: the node adds its input to itself), re-derived 0.001")), r.problems().toString());
	}

	/** The written node made to read the bias as its scale (the same shape). */
	@Test
	void aScaleNotTheLayersIsFound() throws IOException {
		Verification.Result r = forged("scale", n -> n.setInput(2, n.getInput(3)));
		assertTrue(r.problems().stream().anyMatch(p -> p.file().equals("trace.xmi") && p.what().contains("layer norm (LayerNormalization) input 2: says gamma")),
				r.problems().toString());
	}

	/** A copy of the honest folder whose fiq_int8 model had {@code edit} applied to the written SkipLayerNormalization 'norm' (every hash recomputed); verified. */
	private static Verification.Result forged(String name, java.util.function.Consumer<NodeProto.Builder> edit) throws IOException {
		Path edited = Runs.copy(out, copy.resolve(name));
		Path model = edited.resolve("models/cnn/fiq_int8.onnx");
		ModelProto.Builder b = ModelProto.parseFrom(Files.readAllBytes(model)).toBuilder();
		NodeProto.Builder norm = b.getGraphBuilder().getNodeBuilderList().stream().filter(n -> n.getName().equals("norm")).findFirst().orElseThrow();
		assertEquals("SkipLayerNormalization", norm.getOpType(), "written as its input added to itself");
		assertEquals(norm.getInput(0), norm.getInput(1));
		edit.accept(norm);
		Tampering.replaceModel(edited, "models/cnn/fiq_int8.onnx", b.build().toByteArray());
		Verification.Result r = Verification.verify(edited);
		assertFalse(r.passed(), name + ": the forged folder passed");
		return r;
	}

	private static TensorProto longs(String name, long... values) {
		TensorProto.Builder t = TensorProto.newBuilder().setName(name).setDataType(TensorProto.DataType.INT64_VALUE).addDims(values.length);
		for (long v : values) {
			t.addInt64Data(v);
		}
		return t.build();
	}

	private static TensorProto floats(String name, float[] values, long... dims) {
		ByteBuffer b = ByteBuffer.allocate(4 * values.length).order(ByteOrder.LITTLE_ENDIAN);
		for (float v : values) {
			b.putFloat(v);
		}
		TensorProto.Builder t = TensorProto.newBuilder().setName(name).setDataType(TensorProto.DataType.FLOAT_VALUE).setRawData(ByteString.copyFrom(b.array()));
		for (long d : dims) {
			t.addDims(d);
		}
		return t.build();
	}

	private static TensorShapeProto.Dimension dim(Object d) {
		return d instanceof String s ? TensorShapeProto.Dimension.newBuilder().setDimParam(s).build()
				: TensorShapeProto.Dimension.newBuilder().setDimValue((Integer) d).build();
	}

	private static TypeProto floatType(TensorShapeProto.Dimension... dims) {
		return TypeProto.newBuilder().setTensorType(TypeProto.Tensor.newBuilder().setElemType(TensorProto.DataType.FLOAT_VALUE)
				.setShape(TensorShapeProto.newBuilder().addAllDim(java.util.List.of(dims)))).build();
	}
}
