package org.quantrace.engine.convert.tests;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quantrace.engine.convert.tests.BatchNormAfterActivationTest.ops;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.Test;
import org.quantrace.engine.Progress;
import org.quantrace.engine.convert.FreezeResult;
import org.quantrace.engine.data.ArrayDataset;
import org.quantrace.engine.onnx.OnnxModel;
import org.quantrace.engine.quantize.QuantizationResult;
import org.quantrace.engine.quantize.Quantizer;
import org.quantrace.engine.quantize.Schemes;
import org.quantrace.engine.runtime.NdArray;
import org.quantrace.testing.FashionMnist;
import org.quantrace.testing.TestModels;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnx.proto.OnnxMl.TensorShapeProto;
import ai.onnx.proto.OnnxMl.TypeProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;

/**
 * Reshapes that only undo each other (make_unseen31.py p4cnn): once its BatchNorm3d over the [N, C, 4, H, W] view is folded
 * into the Conv, `Conv → Reshape view → Reshape back → Relu` is left, and quantized the Relu ran as a float island between the
 * two Reshapes of codes (p4cnn's fiq-int8 0.67-0.71 of the original's CPU time against 0.39-0.41 with the pairs gone by hand).
 * A Reshape of a Reshape is now one Reshape of the first one's input, and a Reshape to the shape its input has is removed.
 * Each graph reads 64 Fashion-MNIST test images (two channels) and is checked in ONNX Runtime against the original.
 */
class ReshapeChainsTest {

	private static final int BATCH = 64;
	private static final long CHANNELS = 8;

	@Test
	void aViewAndTheReshapeBackAroundAFoldedBatchNormGo() {
		FreezeResult r = freeze(p4View());
		assertEquals(List.of("Conv", "Relu", "Conv"), ops(r));
		assertEquals("reshape-removed", r.removalReasons().get("back").code());
		assertEquals("unread: bn", r.removalReasons().get("view").code(), "the view went because its one reader, the BatchNorm, went");
		assertTrue(r.rewrites().stream().anyMatch(w -> w.description().contains("1 Reshape of a Reshape made one Reshape of the first one's input")
				&& w.description().contains("'back' of 'view'")), r.rewrites().toString());
		assertTrue(r.rewrites().stream().anyMatch(w -> w.description().contains("1 Reshape to the shape the input already has removed")
				&& w.description().contains("'back' to [-1, 8, 28, 28]")), r.rewrites().toString());
	}

	@Test
	void aSecondTargetCopyingDimensionsOfTheFirstsOutputIsMadeIndependentOfIt() {
		// [N, 8, 28, 28] → [0, 8, 784] → [0, 0, 28, 28]: the second 0 is the first target's 8, so the pair keeps the shape
		FreezeResult r = freeze(model(List.of(0L, 8L, 784L), List.of(0L, 0L, 28L, 28L), true, CHANNELS, 28, 28));
		assertEquals(List.of("Conv", "Relu", "Conv"), ops(r));
		assertEquals("reshape-removed", r.removalReasons().get("back").code());
	}

	@Test
	void aPairThatChangesTheShapeBecomesOneReshape() {
		// [N, 8, 28, 28] → [0, 2, 4, 784] → [0, 0, -1]: one Reshape of the Conv's output to [0, 2, -1]
		FreezeResult r = freeze(model(List.of(0L, 2L, 4L, 784L), List.of(0L, 0L, -1L), false, 2, 4 * 784));
		assertEquals(List.of("Conv", "Reshape", "Relu"), ops(r));
		var back = r.model().graph().nodes().get(1);
		assertEquals("back", back.name());
		assertEquals("c", back.input(0), "reads the Conv's output");
		assertArrayEquals(new long[] { 0, 2, -1 }, r.model().graph().initializer(back.input(1)).toLongArray());
	}

	@Test
	void aReshapeWritingTheModelOutputKeepsItsName() {
		// the same pair with the Reshape back writing y: merged, not removed (y must stay y)
		FreezeResult r = freeze(model(List.of(0L, 2L, 4L, 28L, 28L), List.of(-1L, 8L, 28L, 28L), false, CHANNELS, 28, 28));
		assertEquals(List.of("Conv", "Reshape"), ops(r));
		assertEquals("c", r.model().graph().nodes().get(1).input(0), "reads the Conv's output");
	}

	@Test
	void quantizedTheReluRunsInTheIntegerConv() {
		FreezeResult r = freeze(p4View());
		QuantizationResult q = Quantizer.quantize(r.model(), "p4_view", Schemes.preset("fiq_int8"),
				new ArrayDataset("fashion-mnist", images().floats(), new long[] { 2, 28, 28 }, null), Progress.NONE);
		List<String> kernels = MatrixProductsTest.optimizedOps(q.model());
		assertEquals(2, kernels.stream().filter(k -> k.endsWith("QLinearConv")).count(), kernels.toString());
		assertTrue(kernels.stream().noneMatch(k -> k.equals("Relu") || k.equals("Reshape")), "no float Relu, no Reshape of codes: " + kernels);
	}

	// ------------------------------------------------------------------ helpers

	private static FreezeResult freeze(OnnxModel model) {
		return BatchNormAfterActivationTest.frozenAsOriginal(model, "reshape_chains", images());
	}

	/**
	 * The first 64 Fashion-MNIST test images as two channels, the image and its negative: the Conv reads two channels, so the
	 * quantizer's rule for a one-channel stem (kept float on an int8 input) leaves it integer.
	 */
	private static NdArray images() {
		float[] pixels = FashionMnist.testSet().pixels();
		int plane = 28 * 28;
		float[] x = new float[BATCH * 2 * plane];
		for (int i = 0; i < BATCH; i++) {
			for (int p = 0; p < plane; p++) {
				x[(2 * i) * plane + p] = pixels[i * plane + p];
				x[(2 * i + 1) * plane + p] = 1 - pixels[i * plane + p];
			}
		}
		return NdArray.ofFloats(new long[] { BATCH, 2, 28, 28 }, x);
	}

	/**
	 * p4cnn's form: x [N, 2, 28, 28] → Conv 'conv' (8 channels, 3x3, padded) → Reshape 'view' [0, 2, 4, 28, 28] →
	 * BatchNormalization 'bn' over 2 → Reshape 'back' [-1, 8, 28, 28] → Relu 'relu' → Conv 'head' (4 channels, 1x1) → y.
	 */
	private static OnnxModel p4View() {
		Random random = new Random(11);
		List<TensorProto> weights = new ArrayList<>(List.of(TestModels.uniform("gamma", random, 0.5, 2, 2), TestModels.uniform("beta", random, -1, 1, 2),
				TestModels.uniform("mean", random, -0.5, 0.5, 2), TestModels.uniform("var", random, 0.1, 3, 2)));
		List<NodeProto> nodes = new ArrayList<>();
		nodes.add(TestModels.node("BatchNormalization", "bn", List.of("v", "gamma", "beta", "mean", "var"), "n"));
		return around(nodes, weights, List.of(0L, 2L, 4L, 28L, 28L), "n", List.of(-1L, CHANNELS, 28L, 28L), true, CHANNELS, 28, 28);
	}

	/**
	 * x → Conv 'conv' → Reshape 'view' to {@code view} → Reshape 'back' to {@code back} → Relu (→ Conv 'head' when {@code head})
	 * → y; without a head and with a 4-D output the Reshape back writes y.
	 */
	private static OnnxModel model(List<Long> view, List<Long> back, boolean head, long... outDims) {
		return around(new ArrayList<>(), new ArrayList<>(), view, "v", back, head, outDims);
	}

	private static OnnxModel around(List<NodeProto> between, List<TensorProto> weights, List<Long> view, String viewed, List<Long> back, boolean head,
			long... outDims) {
		Random random = new Random(7);
		weights.addAll(List.of(TestModels.uniform("w", random, -0.5, 0.5, CHANNELS, 2, 3, 3), TestModels.uniform("bias", random, -0.2, 0.2, CHANNELS),
				shape("view_shape", view), shape("back_shape", back)));
		List<NodeProto> nodes = new ArrayList<>();
		nodes.add(TestModels.node("Conv", "conv", List.of("x", "w", "bias"), "c").toBuilder()
				.addAttribute(AttributeProto.newBuilder().setName("pads").setType(AttributeProto.AttributeType.INTS).addAllInts(List.of(1L, 1L, 1L, 1L))).build());
		nodes.add(TestModels.node("Reshape", "view", List.of("c", "view_shape"), "v"));
		nodes.addAll(between);
		String relu = head ? "r" : "y";
		String reshaped = head || outDims.length != 3 ? "b" : "y";
		if (reshaped.equals("y")) { // the Reshape back writes the model output
			nodes.add(TestModels.node("Reshape", "back", List.of(viewed, "back_shape"), "y"));
			return OnnxModel.of(TestModels.graph(nodes, weights, batched("x", 2, 28, 28), batched("y", outDims)));
		}
		nodes.add(TestModels.node("Reshape", "back", List.of(viewed, "back_shape"), "b"));
		nodes.add(TestModels.node("Relu", "relu", List.of("b"), relu));
		if (head) {
			weights.add(TestModels.uniform("w2", random, -0.5, 0.5, 4, CHANNELS, 1, 1));
			nodes.add(TestModels.node("Conv", "head", List.of("r", "w2"), "y"));
			return OnnxModel.of(TestModels.graph(nodes, weights, batched("x", 2, 28, 28), batched("y", 4, 28, 28)));
		}
		return OnnxModel.of(TestModels.graph(nodes, weights, batched("x", 2, 28, 28), batched("y", outDims)));
	}

	/** A float tensor of these dimensions after a batch axis 'N' of any size, as exporters declare it. */
	private static ValueInfoProto batched(String name, long... dims) {
		TensorShapeProto.Builder shape = TensorShapeProto.newBuilder().addDim(TensorShapeProto.Dimension.newBuilder().setDimParam("N"));
		for (long d : dims) {
			shape.addDim(TensorShapeProto.Dimension.newBuilder().setDimValue(d));
		}
		return ValueInfoProto.newBuilder().setName(name)
				.setType(TypeProto.newBuilder().setTensorType(TypeProto.Tensor.newBuilder().setElemType(1).setShape(shape))).build();
	}

	private static TensorProto shape(String name, List<Long> dims) {
		return TensorProto.newBuilder().setName(name).setDataType(TensorProto.DataType.INT64_VALUE).addDims(dims.size()).addAllInt64Data(dims).build();
	}
}
