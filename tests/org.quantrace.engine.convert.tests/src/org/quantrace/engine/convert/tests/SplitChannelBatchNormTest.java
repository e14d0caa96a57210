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
 * A BatchNormalization over a view of a Conv's output that splits its channels, as a p4 group-equivariant CNN exports its
 * BatchNorm3d (make_unseen31.py p4cnn): `Conv [N, C·k, H, W] → Reshape [0, C, k, H, W] → BatchNormalization over C →
 * Reshape back`. Each channel of the view holds k whole channels of the Conv, so convert folds the BatchNormalization into the
 * Conv (factor and term repeated k times); without it the map ran as a Mul and an Add on the 5-D view. Where a channel of
 * the view holds part of a Conv channel (the view has more channels than the Conv) it stays a Mul and an Add. Each graph
 * reads the first 64 Fashion-MNIST test images and is checked in ONNX Runtime against the original.
 */
class SplitChannelBatchNormTest {

	private static final int BATCH = 64;
	private static final int CONV_CHANNELS = 8;

	@Test
	void aBatchNormOverAViewSplittingTheConvChannelsIsFoldedIntoTheConv() {
		FreezeResult r = freeze(model(2, 0, 2, 4, 28, 28));
		assertEquals(List.of("Conv", "Reshape"), ops(r), "the view and the Reshape back, left alone, are one Reshape (ReshapeChainsTest)");
		assertEquals(List.of("bn (folded into conv across the Reshape view)"), batchNorms(r));
	}

	@Test
	void aViewWithOneChannelPerConvChannelAndTheRestFlattenedFolds() {
		// [N, 8, 28, 28] → [0, 8, 784]: still every view channel is one whole Conv channel
		FreezeResult r = freeze(model(CONV_CHANNELS, 0, CONV_CHANNELS, 784));
		assertEquals(List.of("Conv", "Reshape"), ops(r));
	}

	@Test
	void aViewWhoseChannelsCutTheConvChannelsStaysAMulAndAdd() {
		// [N, 8, 28, 28] → [0, 16, 14, 28]: view channel 2o is the top half of Conv channel o, 2o + 1 the bottom half
		FreezeResult r = freeze(model(16, 0, 16, 14, 28));
		assertEquals(List.of("Conv", "Reshape", "Mul", "Add", "Reshape"), ops(r));
		assertEquals(List.of("bn (made a per-channel Mul and Add)"), batchNorms(r));
	}

	@Test
	void aViewThatDoesNotCopyTheBatchAxisStaysAMulAndAdd() {
		// [-1, 2, 4, 28, 28] gives the same view here, but the batch axis is not copied by the target itself
		FreezeResult r = freeze(model(2, -1, 2, 4, 28, 28));
		assertEquals(List.of("Conv", "Reshape", "Mul", "Add", "Reshape"), ops(r));
	}

	// ------------------------------------------------------------------ helpers

	private static FreezeResult freeze(OnnxModel model) {
		NdArray images = NdArray.ofFloats(new long[] { BATCH, 1, 28, 28 }, Arrays.copyOf(FashionMnist.testSet().pixels(), BATCH * 28 * 28));
		return BatchNormAfterActivationTest.frozenAsOriginal(model, "split_bn", images);
	}

	/**
	 * x [64, 1, 28, 28] → Conv 'conv' (8 channels, 3x3, padded) → Reshape 'view' to {@code view} → BatchNormalization 'bn'
	 * over {@code channels} → Reshape 'back' to [-1, 8, 28, 28] → y.
	 */
	private static OnnxModel model(int channels, long... view) {
		Random random = new Random(7);
		List<TensorProto> weights = new ArrayList<>(List.of(TestModels.uniform("w", random, -0.5, 0.5, CONV_CHANNELS, 1, 3, 3),
				TestModels.uniform("bias", random, -0.2, 0.2, CONV_CHANNELS), shape("view_shape", view), shape("back_shape", -1, CONV_CHANNELS, 28, 28),
				TestModels.uniform("gamma", random, 0.5, 2, channels), TestModels.uniform("beta", random, -1, 1, channels),
				TestModels.uniform("mean", random, -0.5, 0.5, channels), TestModels.uniform("var", random, 0.1, 3, channels)));
		NodeProto conv = TestModels.node("Conv", "conv", List.of("x", "w", "bias"), "c").toBuilder()
				.addAttribute(AttributeProto.newBuilder().setName("pads").setType(AttributeProto.AttributeType.INTS).addAllInts(List.of(1L, 1L, 1L, 1L))).build();
		List<NodeProto> nodes = List.of(conv, TestModels.node("Reshape", "view", List.of("c", "view_shape"), "v"),
				TestModels.node("BatchNormalization", "bn", List.of("v", "gamma", "beta", "mean", "var"), "n"),
				TestModels.node("Reshape", "back", List.of("n", "back_shape"), "y"));
		return OnnxModel.of(TestModels.graph(nodes, weights, TestModels.tensor("x", BATCH, 1, 28, 28), TestModels.tensor("y", BATCH, CONV_CHANNELS, 28, 28)));
	}

	private static TensorProto shape(String name, long... dims) {
		TensorProto.Builder t = TensorProto.newBuilder().setName(name).setDataType(TensorProto.DataType.INT64_VALUE).addDims(dims.length);
		for (long d : dims) {
			t.addInt64Data(d);
		}
		return t.build();
	}
}
