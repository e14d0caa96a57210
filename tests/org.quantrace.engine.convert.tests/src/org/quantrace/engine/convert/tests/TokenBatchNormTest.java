package org.quantrace.engine.convert.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.quantrace.engine.convert.tests.BatchNormAfterActivationTest.batchNorms;
import static org.quantrace.engine.convert.tests.BatchNormAfterActivationTest.ops;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.Test;
import org.quantrace.engine.convert.FreezeResult;
import org.quantrace.engine.onnx.OnnxModel;
import org.quantrace.engine.runtime.NdArray;
import org.quantrace.testing.FashionMnist;
import org.quantrace.testing.TestModels;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.TensorProto;

/**
 * A BatchNormalization over tokens after a MatMul, as LeViT exports its Linear + BatchNorm1d: `MatMul → Flatten →
 * BatchNormalization over [N·T, C] → Reshape`, or over [N, C, T] after a Transpose. Between them sits an op that keeps the
 * MatMul's output columns as the BatchNormalization's channels, so convert folds the BatchNormalization into the MatMul's
 * weights and a bias Add (round 17's levit: without the fold, quantize ran each as a QLinearMul and a QLinearAdd). Where the
 * op between puts other values on the channel axis (a Flatten that merges tokens into channels) it stays a Mul and an Add.
 * Each graph reads Fashion-MNIST test images as 49 tokens of 16 pixels and is checked in ONNX Runtime against the original.
 */
class TokenBatchNormTest {

	private static final int BATCH = 64;
	private static final int C = 8;

	@Test
	void aBatchNormAfterAMatMulAndAFlattenIsFoldedIntoTheMatMul() {
		FreezeResult r = freeze(model(C, List.of(node("Flatten", "flatten", "mm", "moved", ints("axis", 2))),
				List.of(TestModels.node("Reshape", "unflatten", List.of("bn", "tokens_shape"), "y")), BATCH, 49, C));
		// the model's Reshape to tokens merged with the product's 2-D view (MatrixProducts), the Reshape back before the Flatten
		assertEquals(List.of("Reshape", "MatMul", "Add", "Reshape", "Flatten", "Reshape"), ops(r));
		assertEquals(List.of("bn (folded into matmul across the Flatten flatten)"), batchNorms(r));
	}

	@Test
	void aBatchNormOverChannelsAndTokensAfterATransposeIsFoldedIntoTheMatMul() {
		FreezeResult r = freeze(model(C, List.of(node("Transpose", "transpose", "mm", "moved", ints("perm", 0, 2, 1))), List.of(), BATCH, C, 49));
		assertEquals(List.of("Reshape", "MatMul", "Add", "Reshape", "Transpose"), ops(r)); // the product on its 2-D view (MatrixProducts)
		assertEquals(List.of("bn (folded into matmul across the Transpose transpose)"), batchNorms(r));
	}

	@Test
	void aBatchNormAfterAReshapeToRowsOfColumnsIsFoldedIntoTheMatMul() {
		FreezeResult r = freeze(model(C, List.of(TestModels.node("Reshape", "rows", List.of("mm", "rows_shape"), "moved")), List.of(), BATCH * 49, C));
		assertEquals(List.of("Reshape", "MatMul", "Add", "Reshape"), ops(r));
	}

	@Test
	void aBatchNormWhoseChannelsAreNotTheMatMulColumnsStaysAMulAndAdd() {
		// Flatten at axis 1: the 49·8 channels are token × column, not the MatMul's 8 columns
		FreezeResult r = freeze(model(49 * C, List.of(node("Flatten", "flatten", "mm", "moved", ints("axis", 1))), List.of(), BATCH, 49 * C));
		assertEquals(List.of("Reshape", "MatMul", "Flatten", "Mul", "Add"), ops(r));
		assertEquals(List.of("bn (made a per-channel Mul and Add)"), batchNorms(r));
	}

	@Test
	void aTransposeThatKeepsTheTokensOnTheChannelAxisBlocksTheFold() {
		// [N, 49, 8] → Transpose (2, 1, 0) → [8, 49, N]: the BatchNormalization's channels are the 49 tokens
		FreezeResult r = freeze(model(49, List.of(node("Transpose", "transpose", "mm", "moved", ints("perm", 2, 1, 0))), List.of(), C, 49, BATCH));
		assertEquals(List.of("Reshape", "MatMul", "Transpose", "Mul", "Add"), ops(r));
	}

	// ------------------------------------------------------------------ helpers

	/** Freezes, and checks the result against the original in ONNX Runtime on the first 64 Fashion-MNIST test images. */
	private static FreezeResult freeze(OnnxModel model) {
		NdArray images = NdArray.ofFloats(new long[] { BATCH, 1, 28, 28 }, Arrays.copyOf(FashionMnist.testSet().pixels(), BATCH * 28 * 28));
		return BatchNormAfterActivationTest.frozenAsOriginal(model, "token_bn", images);
	}

	/**
	 * x [64, 1, 28, 28] → Reshape to 49 tokens of 16 pixels → MatMul by a [16, 8] matrix 'mm' → {@code between} (ending in
	 * 'moved') → BatchNormalization 'bn' over {@code channels} → {@code after} (ending in 'y'; none: 'bn' is y).
	 */
	private static OnnxModel model(int channels, List<NodeProto> between, List<NodeProto> after, long... outDims) {
		Random random = new Random(5);
		List<TensorProto> weights = new ArrayList<>(List.of(shape("tokens16", -1, 49, 16), shape("tokens_shape", -1, 49, C), shape("rows_shape", -1, C),
				TestModels.uniform("w", random, -0.5, 0.5, 16, C),
				TestModels.uniform("gamma", random, 0.5, 2, channels), TestModels.uniform("beta", random, -1, 1, channels),
				TestModels.uniform("mean", random, -0.5, 0.5, channels), TestModels.uniform("var", random, 0.1, 3, channels)));
		List<NodeProto> nodes = new ArrayList<>(List.of(TestModels.node("Reshape", "tokens", List.of("x", "tokens16"), "t"),
				TestModels.node("MatMul", "matmul", List.of("t", "w"), "mm")));
		nodes.addAll(between);
		nodes.add(TestModels.node("BatchNormalization", "bn", List.of("moved", "gamma", "beta", "mean", "var"), after.isEmpty() ? "y" : "bn"));
		nodes.addAll(after);
		return OnnxModel.of(TestModels.graph(nodes, weights, TestModels.tensor("x", BATCH, 1, 28, 28), TestModels.tensor("y", outDims)));
	}

	/** A Reshape's int64 target shape. */
	private static TensorProto shape(String name, long... dims) {
		TensorProto.Builder t = TensorProto.newBuilder().setName(name).setDataType(TensorProto.DataType.INT64_VALUE).addDims(dims.length);
		for (long d : dims) {
			t.addInt64Data(d);
		}
		return t.build();
	}

	private static NodeProto node(String op, String name, String input, String output, AttributeProto attribute) {
		return TestModels.node(op, name, List.of(input), output).toBuilder().addAttribute(attribute).build();
	}

	private static AttributeProto ints(String name, long... values) {
		AttributeProto.Builder a = AttributeProto.newBuilder().setName(name);
		if (values.length == 1 && !name.equals("perm")) {
			return a.setType(AttributeProto.AttributeType.INT).setI(values[0]).build();
		}
		a.setType(AttributeProto.AttributeType.INTS);
		for (long v : values) {
			a.addInts(v);
		}
		return a.build();
	}
}
