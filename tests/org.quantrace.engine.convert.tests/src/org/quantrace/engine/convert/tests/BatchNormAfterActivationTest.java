package org.quantrace.engine.convert.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.Test;
import org.quantrace.engine.convert.FreezeOptions;
import org.quantrace.engine.convert.FreezeResult;
import org.quantrace.engine.convert.Freezer;
import org.quantrace.engine.onnx.Node;
import org.quantrace.engine.onnx.OnnxModel;
import org.quantrace.engine.runtime.InferenceSession;
import org.quantrace.engine.runtime.NdArray;
import org.quantrace.engine.runtime.SessionSettings;
import org.quantrace.model.recipe.TrainingOperation;

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
 * A BatchNormalization after an activation (ConvMixer's GELU → BatchNorm) has no layer before it to fold into. Where the
 * one layer that reads it computes on it exactly, convert folds it into that layer's weights and bias: an unpadded Conv
 * (plain, grouped, strided), a Gemm, also behind GlobalAveragePool and Flatten. A padded Conv reads zeros at the border where
 * the normalized input would be b, and a second reader needs the normalized tensor: there it stays a per-channel Mul and Add.
 * Each graph is checked in ONNX Runtime against the original (BatchNormalization in inference mode) on inputs in [-2, 2).
 */
class BatchNormAfterActivationTest {

	private static final int C = 4;

	@Test
	void aBatchNormBeforeAnUnpaddedConvIsFoldedIntoIt() {
		FreezeResult r = freeze(model(g -> conv(g, "bn", 8, 3, 1, 0, 1, true), 8, 4, 4));
		assertEquals(List.of("Relu", "Conv"), ops(r));
		assertEquals(List.of("bn (folded into the following conv)"), batchNorms(r));
		assertTrue(r.eliminations().get(TrainingOperation.BATCH_NORMALIZATION).details().contains("into the following unpadded Conv or Gemm's"),
				r.eliminations().get(TrainingOperation.BATCH_NORMALIZATION).details());
	}

	@Test
	void aBatchNormBeforeAGroupedStridedConvWithoutBiasIsFoldedIntoIt() {
		FreezeResult r = freeze(model(g -> conv(g, "bn", 6, 2, 2, 0, 2, false), 6, 3, 3));
		assertEquals(List.of("Relu", "Conv"), ops(r));
		assertEquals(3, r.model().graph().nodes().get(1).inputs().size(), "the shift became the Conv's new bias");
	}

	@Test
	void aBatchNormBeforeAPaddedConvStaysAMulAndAdd() {
		FreezeResult r = freeze(model(g -> conv(g, "bn", 8, 3, 1, 1, 1, true), 8, 6, 6));
		assertEquals(List.of("Relu", "Mul", "Add", "Conv"), ops(r));
		assertEquals(List.of("bn (made a per-channel Mul and Add)"), batchNorms(r));
	}

	@Test
	void aBatchNormBeforeAPoolFlattenAndGemmIsFoldedIntoTheGemm() {
		FreezeResult r = freeze(model(g -> {
			g.addNode(node("GlobalAveragePool", "pool", List.of("bn"), "pooled"));
			g.addNode(node("Flatten", "flatten", List.of("pooled"), "flat"));
			g.addInitializer(tensor("fc_w", values(3 * C, 5), 3, C));
			g.addInitializer(tensor("fc_b", values(3, 6), 3));
			g.addNode(node("Gemm", "fc", List.of("flat", "fc_w", "fc_b"), "y", attr("transB", 1), floatAttr("alpha", 0.5f), floatAttr("beta", 2f)));
		}, 3));
		assertEquals(List.of("Relu", "GlobalAveragePool", "Flatten", "Gemm"), ops(r));
		assertEquals(List.of("bn (folded into the following fc)"), batchNorms(r));
	}

	@Test
	void aBatchNormWithASecondReaderStaysAMulAndAdd() {
		FreezeResult r = freeze(model(g -> {
			g.addInitializer(tensor("w", values(C * C, 7), C, C, 1, 1));
			g.addNode(node("Conv", "conv", List.of("bn", "w"), "conv"));
			g.addNode(node("Add", "residual", List.of("conv", "bn"), "y"));
		}, C, 6, 6));
		// the BatchNorm stays a Mul and an Add; the residual conv + bn, a Conv of bn plus bn itself, is merged into the Conv (ParallelConvs)
		assertEquals(List.of("Relu", "Mul", "Add", "Conv"), ops(r));
	}

	/**
	 * ConvMixer's block: GELU → BatchNorm → residual Add → pointwise Conv. The scale cannot pass the Add (the residual is not
	 * scaled) but the shift can: Conv(a·x + b + r) = Conv(a·x + r) + W·b, so the BatchNorm becomes one Mul and the Conv's
	 * bias takes W·b. Before a padded Conv the shift stays an Add.
	 */
	@Test
	void theShiftOfABatchNormBeforeAResidualAddGoesIntoTheUnpaddedConvAfterIt() {
		java.util.function.IntFunction<OnnxModel> residual = pad -> model(g -> {
			g.addNode(node("Add", "residual", List.of("bn", "x"), "sum"));
			conv(g, "sum", 8, 2 * pad + 1, 1, pad, 1, true); // 1x1, or 3x3 padded by 1
		}, 8, 6, 6);
		FreezeResult r = freeze(residual.apply(0));
		assertEquals(List.of("Relu", "Mul", "Add", "Conv"), ops(r));
		assertEquals(List.of("bn (made a per-channel Mul, its shift folded into the bias of the following conv through the Add residual)"), batchNorms(r));
		assertEquals(List.of("Relu", "Mul", "Add", "Add", "Conv"), ops(freeze(residual.apply(1))), "a padded 3x3 Conv");
	}

	// ------------------------------------------------------------------ helpers

	/** Freezes, and checks the result against the original in ONNX Runtime on inputs in [-2, 2). */
	private static FreezeResult freeze(OnnxModel model) {
		Random random = new Random(3);
		float[] x = new float[2 * C * 6 * 6];
		for (int i = 0; i < x.length; i++) {
			x[i] = random.nextFloat() * 4 - 2;
		}
		return frozenAsOriginal(model, "bn_after_relu", NdArray.ofFloats(new long[] { 2, C, 6, 6 }, x));
	}

	/** Freezes {@code model}, and checks that the result computes what the original computes on {@code input} in ONNX Runtime. */
	static FreezeResult frozenAsOriginal(OnnxModel model, String name, NdArray input) {
		FreezeResult r = Freezer.freeze(model, name, FreezeOptions.defaults(), null);
		assertTrue(r.maxAbsDifference() <= 1e-5, "the conversion's own check: " + r.maxAbsDifference());
		float[] expected = run(model, input);
		float[] actual = run(r.model(), input);
		assertEquals(expected.length, actual.length);
		for (int i = 0; i < expected.length; i++) {
			assertEquals(expected[i], actual[i], 1e-5 * Math.max(1, Math.abs(expected[i])), "output " + i);
		}
		return r;
	}

	private static float[] run(OnnxModel model, NdArray x) {
		try (InferenceSession s = InferenceSession.open(model, SessionSettings.defaults(), "model")) {
			return s.run(x).floats();
		}
	}

	static List<String> ops(FreezeResult r) {
		return r.model().graph().nodes().stream().map(Node::opType).toList();
	}

	static List<String> batchNorms(FreezeResult r) {
		return r.eliminations().get(TrainingOperation.BATCH_NORMALIZATION).nodes();
	}

	/** x [N, 4, 6, 6] → Relu → BatchNormalization 'bn' → what {@code tail} adds, ending in y of shape [N, outDims...]. */
	private static OnnxModel model(java.util.function.Consumer<GraphProto.Builder> tail, long... outDims) {
		GraphProto.Builder g = GraphProto.newBuilder().setName("bn_after_relu");
		g.addInput(value("x", C, 6, 6));
		g.addOutput(value("y", outDims));
		g.addNode(node("Relu", "relu", List.of("x"), "r"));
		g.addInitializer(tensor("gamma", new float[] { 1, 0.5f, 2, 1.5f }, C));
		g.addInitializer(tensor("beta", new float[] { 0, 0.25f, -0.75f, 0.5f }, C));
		g.addInitializer(tensor("mean", new float[] { 0.5f, -0.25f, 0, 1 }, C));
		g.addInitializer(tensor("var", new float[] { 1, 2, 0.5f, 4 }, C));
		g.addNode(node("BatchNormalization", "bn", List.of("r", "gamma", "beta", "mean", "var"), "bn"));
		tail.accept(g);
		return OnnxModel.of(ModelProto.newBuilder().setIrVersion(8).addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("").setVersion(13))
				.setProducerName("test").setGraph(g).build());
	}

	private static void conv(GraphProto.Builder g, String x, int out, int k, int stride, int pad, int group, boolean bias) {
		g.addInitializer(tensor("w", values(out * (C / group) * k * k, 1), out, C / group, k, k));
		List<String> inputs = new ArrayList<>(List.of(x, "w"));
		if (bias) {
			g.addInitializer(tensor("b", values(out, 2), out));
			inputs.add("b");
		}
		g.addNode(node("Conv", "conv", inputs, "y", ints("pads", pad, pad, pad, pad), ints("strides", stride, stride), attr("group", group)));
	}

	/** n values uniform in [-0.5, 0.5), seeded (ExpertWeightsTest reads them too). */
	static float[] values(int n, int seed) {
		Random random = new Random(seed);
		float[] v = new float[n];
		for (int i = 0; i < n; i++) {
			v[i] = random.nextFloat() - 0.5f;
		}
		return v;
	}

	private static NodeProto node(String op, String name, List<String> inputs, String output, AttributeProto... attributes) {
		return NodeProto.newBuilder().setOpType(op).setName(name).addAllInput(inputs).addOutput(output).addAllAttribute(List.of(attributes)).build();
	}

	private static AttributeProto attr(String name, long value) {
		return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INT).setI(value).build();
	}

	private static AttributeProto floatAttr(String name, float value) {
		return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.FLOAT).setF(value).build();
	}

	private static AttributeProto ints(String name, long... values) {
		AttributeProto.Builder a = AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INTS);
		for (long v : values) {
			a.addInts(v);
		}
		return a.build();
	}

	private static ValueInfoProto value(String name, long... sample) {
		TensorShapeProto.Builder shape = TensorShapeProto.newBuilder().addDim(TensorShapeProto.Dimension.newBuilder().setDimParam("N"));
		for (long d : sample) {
			shape.addDim(TensorShapeProto.Dimension.newBuilder().setDimValue(d));
		}
		return ValueInfoProto.newBuilder().setName(name).setType(TypeProto.newBuilder().setTensorType(TypeProto.Tensor.newBuilder()
				.setElemType(TensorProto.DataType.FLOAT_VALUE).setShape(shape))).build();
	}

	private static TensorProto tensor(String name, float[] values, long... dims) {
		return org.quantrace.testing.TestModels.floats(name, dims, values);
	}
}
