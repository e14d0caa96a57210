package org.quantrace.engine.quantize.tests;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import java.util.Random;

import org.junit.jupiter.api.Test;
import org.quantrace.engine.InvalidInputException;
import org.quantrace.engine.Progress;
import org.quantrace.engine.data.ArrayDataset;
import org.quantrace.engine.onnx.OnnxModel;
import org.quantrace.engine.onnx.OpsetUpgrade;
import org.quantrace.engine.quantize.QuantizationResult;
import org.quantrace.engine.quantize.QuantizationSpec;
import org.quantrace.engine.quantize.Quantizer;
import org.quantrace.engine.quantize.Schemes;
import org.quantrace.engine.runtime.InferenceSession;
import org.quantrace.engine.runtime.NdArray;
import org.quantrace.engine.runtime.SessionSettings;
import org.quantrace.testing.ModelAccuracy;
import org.quantrace.testing.TestData;

/** Models as found in the wild: Constant weights, old opsets, subgraphs, BatchNorm, Clip, HardSigmoid, ConvTranspose, Upsample. */
class WildModelsTest {

	@Test
	void constantWeightsAtOpset11AreQuantizedLikeInitializers() {
		OnnxModel model = OnnxModel.load(TestData.data("models/cnn_constant_weights.onnx"));
		QuantizationResult r = Fixtures.quantize(model, Schemes.preset("fiq_int8"));
		assertEquals(13, r.model().opset());
		assertEquals(r.layers().size(), r.quantizedLayers(), r.floatLayers().toString());
		double fp32 = ModelAccuracy.top1(OnnxModel.load(TestData.example("model/fashion_cnn.onnx")), Fixtures.TEST_SET);
		assertEquals(fp32, ModelAccuracy.top1(r.model(), Fixtures.TEST_SET), 0.005);
	}

	@Test
	void opset9ModelIsUpgradedWithTheSameOutputs() {
		OnnxModel original = OnnxModel.load(TestData.data("models/wild_opset9.onnx"));
		OnnxModel upgraded = original.copy();
		OpsetUpgrade.upgrade(upgraded, 13, "wild_opset9", Map.of());
		assertEquals(13, upgraded.opset());
		assertTrue(upgraded.graph().nodes().stream().noneMatch(n -> n.opType().equals("Upsample")));
		NdArray x = randomInput(16, 7);
		assertArrayEquals(run(original, x), run(upgraded, x), 1e-5f);
	}

	@Test
	void opset9ModelQuantizesWithReasonsForWhatStaysFloat() {
		OnnxModel model = OnnxModel.load(TestData.data("models/wild_opset9.onnx"));
		ArrayDataset calibration = new ArrayDataset("random", randomInput(64, 1).floats(), new long[] { 1, 8, 8 }, null);
		QuantizationResult r = Quantizer.quantize(model, "wild_opset9", Schemes.preset("fiq_float32"), calibration, Progress.NONE);
		Map<String, QuantizationResult.Layer> byOp = new java.util.HashMap<>();
		r.layers().forEach(l -> byOp.put(l.opType(), l));
		assertFalse(byOp.get("BatchNormalization").quantized());
		assertTrue(byOp.get("BatchNormalization").reason().contains("quantrace convert"));
		assertFalse(byOp.get("HardSigmoid").quantized());
		assertTrue(byOp.get("HardSigmoid").reason().contains("no integer HardSigmoid kernel"));
		assertTrue(byOp.get("ConvTranspose").quantized(), byOp.get("ConvTranspose").reason());
		assertTrue(byOp.get("Resize").quantized(), "Upsample became a nearest Resize that moves integer data");
		NdArray x = randomInput(16, 3);
		float[] expected = run(model, x);
		float[] actual = run(r.model(), x);
		double maxAbs = 0;
		double scale = 0;
		for (int i = 0; i < expected.length; i++) {
			maxAbs = Math.max(maxAbs, Math.abs(expected[i] - actual[i]));
			scale = Math.max(scale, Math.abs(expected[i]));
		}
		assertTrue(maxAbs < 0.1 * scale, "quantized outputs follow the float ones: max error " + maxAbs + " of " + scale);
	}

	@Test
	void controlFlowStaysFloatAndTheModelStillRuns() {
		OnnxModel model = OnnxModel.load(TestData.data("models/if_subgraph.onnx"));
		ArrayDataset calibration = new ArrayDataset("random", randomInput(8, 2).floats(), new long[] { 4 }, null);
		QuantizationResult r = Quantizer.quantize(model, "if_subgraph", Schemes.preset("fiq_float32"), calibration, Progress.NONE);
		QuantizationResult.Layer branch = r.layers().stream().filter(l -> l.opType().equals("If")).findFirst().orElseThrow();
		assertFalse(branch.quantized());
		assertTrue(branch.reason().contains("control flow"), branch.reason());
		float[] x = { 1, 2, 3, 4 };
		assertArrayEquals(run(model, NdArray.ofFloats(new long[] { 1, 4 }, x)), run(r.model(), NdArray.ofFloats(new long[] { 1, 4 }, x)), 1e-6f);
	}

	@Test
	void impossibleCombinationsAreRefusedClearly() {
		QuantizationSpec drqInt8 = Schemes.preset("drq").toBuilder().io(QuantizationSpec.IoType.INT8).build();
		InvalidInputException e = assertThrows(InvalidInputException.class,
				() -> Quantizer.quantize(Fixtures.CNN, "cnn", drqInt8, null, Progress.NONE));
		assertTrue(e.getMessage().contains("dynamic-range quantization with int8 inputs/outputs is not possible"), e.getMessage());
		InvalidInputException noData = assertThrows(InvalidInputException.class,
				() -> Quantizer.quantize(Fixtures.CNN, "cnn", Schemes.preset("fiq_int8"), null, Progress.NONE));
		assertTrue(noData.getMessage().contains("needs calibration data"), noData.getMessage());
		ArrayDataset wrongShape = new ArrayDataset("32x32 images", new float[2 * 3 * 32 * 32], new long[] { 3, 32, 32 }, null);
		InvalidInputException shape = assertThrows(InvalidInputException.class,
				() -> Quantizer.quantize(Fixtures.CNN, "cnn", Schemes.preset("fiq_int8"), wrongShape, Progress.NONE));
		assertTrue(shape.getMessage().startsWith("32x32 images: samples of shape [3, 32, 32] do not fit input 'input'"), shape.getMessage());
	}

	/**
	 * Issue 16, item 7: a model that does not run on zeros of its declared input shape (an image size left
	 * dynamic: the probe runs 1 x 1 images, which Flatten/Gemm refuse) is quantized all the same, its
	 * calibration reducing whole tensors instead of pooling per channel first.
	 */
	@Test
	void aModelTheShapeProbeCannotRunIsStillQuantized() {
		ai.onnx.proto.OnnxMl.ModelProto.Builder b = Fixtures.CNN.toProto().toBuilder();
		var shape = b.getGraphBuilder().getInputBuilder(0).getTypeBuilder().getTensorTypeBuilder().getShapeBuilder();
		shape.setDim(2, ai.onnx.proto.OnnxMl.TensorShapeProto.Dimension.newBuilder().setDimParam("height"));
		shape.setDim(3, ai.onnx.proto.OnnxMl.TensorShapeProto.Dimension.newBuilder().setDimParam("width"));
		OnnxModel dynamic = OnnxModel.of(b.build());
		assertThrows(org.quantrace.engine.QuantraceException.class, () -> org.quantrace.engine.runtime.ShapeProbe.probe(dynamic, "dynamic"),
				"1 x 1 zeros do not run through the model");
		QuantizationResult r = Fixtures.quantize(dynamic, Schemes.preset("fiq_float32"));
		assertEquals(r.layers().size(), r.quantizedLayers(), r.floatLayers().toString());
		assertEquals(Fixtures.FP32_TOP1, ModelAccuracy.top1(r.model(), Fixtures.TEST_SET), 0.005);
	}

	static NdArray randomInput(int n, long seed) {
		Random random = new Random(seed);
		int size = n * 64;
		float[] v = new float[size];
		for (int i = 0; i < size; i++) {
			v[i] = random.nextFloat();
		}
		return NdArray.ofFloats(new long[] { n, 1, 8, 8 }, v);
	}

	static float[] run(OnnxModel model, NdArray x) {
		try (InferenceSession s = InferenceSession.open(model, SessionSettings.defaults(), "model")) {
			return s.run(x).toFloats();
		}
	}
}
