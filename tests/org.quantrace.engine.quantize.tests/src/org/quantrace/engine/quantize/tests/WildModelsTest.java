package org.quantrace.engine.quantize.tests;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.Random;

import org.junit.jupiter.api.Test;
import org.quantrace.engine.InvalidInputException;
import org.quantrace.engine.Progress;
import org.quantrace.engine.data.ArrayDataset;
import org.quantrace.engine.onnx.IoQuantization;
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
		// the one-channel stem (→ Relu → MaxPool → Conv) and its Relu compute in float on the int8 input's codes (PooledStemTest)
		assertEquals(List.of("/features/features.0/Conv", "/features/features.2/Relu"), r.floatLayers().stream().map(QuantizationResult.Layer::node).toList());
		assertTrue(r.floatLayers().stream().allMatch(l -> l.reason().startsWith("kept float: ")), r.floatLayers().toString());
		assertTrue(r.model().graph().nodes().stream().filter(n -> n.opType().equals("Conv") || n.opType().equals("Gemm"))
				.allMatch(n -> r.model().graph().producer(n.input(1)).map(p -> p.opType().equals("DequantizeLinear")).orElse(false)),
				"every Constant weight, the float stem's too, is stored quantized and read through a DequantizeLinear");
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
		// its ConvTranspose runs as a sub-pixel QLinearConv under its name (SubPixelConvsTest)
		QuantizationResult.Layer up = r.layers().stream().filter(l -> l.reason() != null && l.reason().contains("rewritten as a sub-pixel Conv")).findFirst()
				.orElseThrow(() -> new AssertionError("the ConvTranspose rewritten: " + r.layers()));
		assertTrue(up.quantized() && up.opType().equals("Conv"), up.reason());
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
		// the opset problem whole, as the recipe validator words it: it was cut at its "; ", the fix left to the hint line alone
		InvalidInputException opset = assertThrows(InvalidInputException.class,
				() -> Quantizer.quantize(Fixtures.CNN, "cnn", Schemes.preset("drq").toBuilder().opset(11).build(), null, Progress.NONE));
		assertEquals("scheme 'drq': opset 11 is too old for quantization: per-channel QuantizeLinear/DequantizeLinear need opset 13; ask for opset 13"
				+ " or newer, or leave opset out", opset.getMessage());
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

	/**
	 * An MLP (Flatten first) or a Conv1d model (Squeeze, Transpose first) with uint8 I/O of the activations' own type: the
	 * data-movement op used to read the integer input's codes directly, its DequantizeLinear then went unread and was
	 * removed, so nothing in the model held the input's scale and zero point any more: `evaluate` refused the model
	 * ("reads UINT8 input but the data is FLOAT32") and the logs had no input scale. Every integer input keeps a
	 * DequantizeLinear reader; ONNX Runtime still runs the data-movement op on the codes.
	 */
	@Test
	void anIntegerInputReadFirstByADataMovementOpKeepsItsScale() {
		TinyGraph t = new TinyGraph(1, 4, 4);
		String flat = t.node("Flatten", List.of("x"), TinyGraph.attr("axis", 1L));
		String y = t.node("Gemm", List.of(flat, t.weight(0.5, 10, 16), t.weight(0.1, 10)), TinyGraph.attr("transB", 1L));
		OnnxModel model = t.model(y);
		for (String scheme : List.of("fiq_uint8", "fiq_int8")) {
			QuantizationResult r = TinyGraph.quantize(model, Schemes.preset(scheme), t.calibration(0, 1));
			IoQuantization.Io in = IoQuantization.inputs(r.model()).get("x");
			assertNotNull(in, scheme + ": the integer input's scale is in the model: " + r.model().graph().nodes());
			assertEquals(in, r.integerInputs().get("x"), scheme);
			assertEquals(1 / 255f, in.scale(), 1e-4f, scheme + ": calibrated on [0, 1)");
			// fed its codes, the quantized model computes what the float model computes
			float[] x = t.data(8, 0, 1);
			IoQuantization.Io out = IoQuantization.outputs(r.model()).get(y);
			float[] expected = TinyGraph.run(model, t.batch(x));
			float[] actual = TinyGraph.runOnCodes(r.model(), in, x, new long[] { 8, 1, 4, 4 });
			for (int i = 0; i < expected.length; i++) {
				assertEquals(expected[i], out.dequantize((long) actual[i]), 0.15, scheme + " output " + i);
			}
		}
	}

	/**
	 * An image-to-image model that pads its input by reflection first (make_wild5.py "restore"), with uint8 I/O: the Pad read
	 * the dequantized input and got a QuantizeLinear after it, which ONNX Runtime keeps (it drops the pair around a MaxPool
	 * or a Flatten, not around a Pad) and runs the Pad in float, while the record said integer (verify: 13 mismatches). The
	 * Pad now reads the input's codes; the input keeps the DequantizeLinear that states its scale.
	 */
	@Test
	void aReflectPadOnAUint8InputRunsOnTheCodes() {
		TinyGraph t = new TinyGraph(1, 4, 4);
		String padded = t.node("Pad", List.of("x", t.longs(0, 0, 1, 1, 0, 0, 1, 1)), TinyGraph.attr("mode", "reflect"));
		String y = t.node("Conv", List.of(padded, t.weight(1.0 / 9, 4, 1, 3, 3), t.weight(0.05, 4)));
		OnnxModel model = t.model(y);
		QuantizationResult r = TinyGraph.quantize(model, Schemes.preset("fiq_uint8"), t.calibration(0, 1));
		assertNotNull(IoQuantization.inputs(r.model()).get("x"), "the input's scale is in the model: " + r.model().graph().nodes());
		ai.onnx.proto.OnnxMl.GraphProto optimized = TinyGraph.optimized(r.model()).getGraph();
		ai.onnx.proto.OnnxMl.NodeProto pad = optimized.getNodeList().stream().filter(n -> n.getOpType().equals("Pad")).findFirst().orElseThrow();
		boolean floatPad = optimized.getNodeList().stream().anyMatch(n -> n.getOpType().equals("DequantizeLinear") && n.getOutput(0).equals(pad.getInput(0)));
		QuantizationResult.Layer layer = r.layers().stream().filter(l -> l.opType().equals("Pad")).findFirst().orElseThrow();
		assertTrue(layer.quantized() && !floatPad, "recorded " + layer + "; ONNX Runtime runs " + TinyGraph.ops(optimized));
	}

	/**
	 * A model exported with a static batch of 1 (no dynamic batch axis, as tf2onnx and many exporters write it): calibration
	 * fed it batches of 32 and ONNX Runtime refused the input (exit 3). It is now run one sample at a time, and a fixed
	 * batch the calibration samples cannot be split into is refused as bad input, saying what to change.
	 */
	@Test
	void aModelWithAFixedBatchIsCalibratedInBatchesOfThatSize() {
		OnnxModel batchOne = withBatch(Fixtures.CNN, 1);
		QuantizationResult fixed = Fixtures.quantize(batchOne, Schemes.preset("fiq_float32"));
		QuantizationResult reference = Fixtures.quantize(Fixtures.CNN, Schemes.preset("fiq_float32"));
		assertEquals(reference.quantizedLayers(), fixed.quantizedLayers(), fixed.floatLayers().toString());
		NdArray one = randomImages(1);
		assertArrayEquals(run(reference.model(), one), run(fixed.model(), one), 0f, "the same ranges, one sample at a time");

		InvalidInputException e = assertThrows(InvalidInputException.class, () -> Fixtures.quantize(withBatch(Fixtures.CNN, 7), Schemes.preset("fiq_float32")));
		assertTrue(e.getMessage().contains("fixed batch of 7"), e.getMessage());
	}

	private static NdArray randomImages(int n) {
		Random random = new Random(5);
		float[] v = new float[n * 28 * 28];
		for (int i = 0; i < v.length; i++) {
			v[i] = random.nextFloat();
		}
		return NdArray.ofFloats(new long[] { n, 1, 28, 28 }, v);
	}

	/**
	 * SqueezeNet ends in Conv, GlobalAveragePool, Flatten: the model's output is written by a data-movement op. With int8
	 * I/O over uint8 activations, the output holds int8 codes, but the record (and so the logs, report and trace) said
	 * uint8 with the activations' zero point: `verify` reported 28 mismatches on a clean run. With uint8 I/O the Flatten
	 * wrote the output's codes itself, and no QuantizeLinear held the output's scale for evaluate and the logs.
	 */
	@Test
	void anOutputWrittenByADataMovementOpIsRecordedWithTheTypeTheModelHolds() {
		TinyGraph t = new TinyGraph(2, 6, 6);
		String pooled = t.node("GlobalAveragePool", List.of(OpRulesTest.pointwise(t, "x", 2, 8)));
		String y = t.node("Flatten", List.of(pooled), TinyGraph.attr("axis", 1L));
		for (String scheme : List.of("fiq_int8", "fiq_uint8", "fiq_float32")) {
			QuantizationResult r = TinyGraph.quantize(t.model(y), Schemes.preset(scheme), t.calibration(-1, 1));
			org.quantrace.engine.quantize.QuantizedTensor out = r.tensors().stream()
					.filter(q -> q.tensor().equals(y) && q.role() == org.quantrace.engine.quantize.QuantizedTensor.Role.OUTPUT).findFirst().orElseThrow();
			IoQuantization.Io held = IoQuantization.outputs(r.model()).get(y);
			if (scheme.equals("fiq_float32")) {
				assertEquals(null, held, "float output");
				assertEquals("UINT8", out.params().type().name(), "the activations' codes before the output's DequantizeLinear");
				continue;
			}
			assertEquals(held.type().name(), out.params().type().name(), scheme);
			assertEquals(held.zeroPoint(), out.params().zeroPoint(), scheme);
			assertEquals(held.scale(), out.params().scale(), 0f, scheme);
		}
	}

	/**
	 * An ESPCN super-resolution model (make_wild5.py "superres") ends in Conv then DepthToSpace (PixelShuffle), its output an
	 * image. With int8 I/O over uint8 activations the DepthToSpace read the Conv's dequantized uint8 codes and a QuantizeLinear
	 * to int8 followed: ONNX Runtime drops a DequantizeLinear/QuantizeLinear pair only when both have the same type, scale and
	 * zero point, so it ran DequantizeLinear → DepthToSpace → QuantizeLinear in float while the record said it moves integer
	 * codes. It now moves the uint8 codes and the output is requantized to int8 after it; with uint8 I/O (the pair of equal
	 * parameters, dropped) it moved codes already.
	 */
	@Test
	void aDepthToSpaceWritingAnInt8OutputMovesTheCodesInOnnxRuntime() {
		TinyGraph t = new TinyGraph(1, 6, 6);
		String conv = t.node("Conv", List.of("x", t.weight(0.5, 4, 1, 3, 3), t.weight(0.05, 4)), TinyGraph.ints("pads", 1, 1, 1, 1));
		String y = t.node("DepthToSpace", List.of(conv), TinyGraph.attr("blocksize", 2L));
		OnnxModel model = t.model(y);
		for (String scheme : List.of("fiq_int8", "fiq_uint8")) {
			QuantizationResult r = TinyGraph.quantize(model, Schemes.preset(scheme), t.calibration(-1, 1));
			QuantizationResult.Layer layer = r.layers().stream().filter(l -> l.opType().equals("DepthToSpace")).findFirst().orElseThrow();
			ai.onnx.proto.OnnxMl.GraphProto optimized = TinyGraph.optimized(r.model()).getGraph();
			ai.onnx.proto.OnnxMl.NodeProto d2s = optimized.getNodeList().stream().filter(n -> n.getOpType().equals("DepthToSpace")).findFirst().orElseThrow();
			boolean floatD2s = optimized.getNodeList().stream().anyMatch(n -> n.getOpType().equals("DequantizeLinear") && n.getOutput(0).equals(d2s.getInput(0)));
			assertTrue(layer.quantized() && !floatD2s, scheme + ": recorded " + layer + "; ONNX Runtime runs " + TinyGraph.ops(optimized));
			IoQuantization.Io held = IoQuantization.outputs(r.model()).get(y);
			assertEquals(scheme.equals("fiq_int8") ? "INT8" : "UINT8", held.type().name(), scheme + ": the output's type");
			IoQuantization.Io in = IoQuantization.inputs(r.model()).get("x");
			float[] x = t.data(8, -1, 1);
			float[] expected = TinyGraph.run(model, t.batch(x));
			float[] actual = TinyGraph.runOnCodes(r.model(), in, x, new long[] { 8, 1, 6, 6 });
			for (int i = 0; i < expected.length; i++) {
				assertEquals(expected[i], held.dequantize((long) actual[i]), 0.15, scheme + " output " + i);
			}
		}
	}

	/**
	 * A classifier's last Gemm (or a Conv writing the model output) of a fiq_int8 model reads uint8 activations and writes
	 * the int8 output. Quantized straight to int8, ONNX Runtime did not fuse it (mixed types) and ran DequantizeLinear →
	 * Gemm → QuantizeLinear in float, while the record said integer: every fiq_int8 classifier (make_unseen6.py effnet's
	 * optimized graph ended "DequantizeLinear DequantizeLinear DequantizeLinear Gemm QuantizeLinear"). The op now writes
	 * uint8 codes and the output is requantized to int8 after it; the outputs still match the float model.
	 */
	@Test
	void theLastLayerOfAnInt8OutputModelRunsAnIntegerKernel() {
		for (String last : List.of("Gemm", "Conv")) {
			TinyGraph t = new TinyGraph(2, 6, 6);
			String conv = t.node("Conv", List.of("x", t.weight(0.3, 4, 2, 3, 3), t.weight(0.05, 4)), TinyGraph.ints("pads", 1, 1, 1, 1));
			String relu = t.node("Relu", List.of(conv));
			String y = last.equals("Gemm")
					? t.node("Gemm", List.of(t.node("Flatten", List.of(relu)), t.weight(0.1, 5, 144), t.weight(0.05, 5)), TinyGraph.attr("transB", 1L))
					: t.node("Conv", List.of(relu, t.weight(0.3, 3, 4, 1, 1), t.weight(0.05, 3)));
			OnnxModel model = t.model(y);
			QuantizationResult r = TinyGraph.quantize(model, Schemes.preset("fiq_int8"), t.calibration(0, 1));
			ai.onnx.proto.OnnxMl.GraphProto optimized = TinyGraph.optimized(r.model()).getGraph();
			List<String> ops = optimized.getNodeList().stream().map(ai.onnx.proto.OnnxMl.NodeProto::getOpType).toList();
			assertTrue(r.layers().stream().filter(l -> l.opType().equals(last)).allMatch(QuantizationResult.Layer::quantized), last + ": recorded integer");
			assertTrue(!ops.contains(last) && !ops.contains("Fused" + last), last + ": ONNX Runtime runs " + ops);
			IoQuantization.Io held = IoQuantization.outputs(r.model()).get(y);
			assertEquals("INT8", held.type().name(), last + ": the output's type");
			IoQuantization.Io in = IoQuantization.inputs(r.model()).get("x");
			float[] x = t.data(4, 0, 1);
			float[] expected = TinyGraph.run(model, t.batch(x));
			float[] actual = TinyGraph.runOnCodes(r.model(), in, x, new long[] { 4, 2, 6, 6 });
			double step = held.scale();
			for (int i = 0; i < expected.length; i++) {
				assertEquals(expected[i], held.dequantize((long) actual[i]), Math.max(0.15, 3 * step), last + " output " + i);
			}
		}
	}

	/**
	 * DenseNet's pre-activation blocks (BatchNormalization after a Concat, no Conv to fold it into) become Mul and Add by
	 * per-channel constants, quantized with the activations' type and recorded as activations by name. The constants' float
	 * tensors were gone from the model, so the records named tensors the model does not hold: `verify` reported 228
	 * mismatches on a clean run of a small DenseNet. Every activation record names a tensor of the model, and a quantized
	 * constant operand is written by its DequantizeLinear. (Per-channel constants [1, C, 1, 1] now make a depthwise 1x1 Conv
	 * of the pair, {@code ChannelScaleAsConvTest}: here constants per position [1, 1, H, W] keep them a Mul and an Add.)
	 */
	@Test
	void everyActivationRecordNamesATensorTheModelHolds() {
		TinyGraph t = new TinyGraph(2, 6, 6);
		String c = OpRulesTest.pointwise(t, "x", 2, 8);
		String scaled = t.node("Mul", List.of(c, t.weight(1.5, 1, 1, 6, 6)));
		String y = t.node("Relu", List.of(t.node("Add", List.of(scaled, t.weight(0.5, 1, 1, 6, 6)))));
		QuantizationResult r = TinyGraph.quantize(t.model(y), Schemes.preset("fiq_float32"), t.calibration(-1, 1));
		java.util.Set<String> held = new java.util.HashSet<>();
		r.model().graph().nodes().forEach(n -> held.addAll(n.outputs()));
		r.model().graph().inputs().forEach(v -> held.add(v.getName()));
		List<org.quantrace.engine.quantize.QuantizedTensor> constants = r.tensors().stream()
				.filter(q -> q.role() == org.quantrace.engine.quantize.QuantizedTensor.Role.ACTIVATION && q.tensor().matches("c\\d+")).toList();
		assertEquals(2, constants.size(), "the Mul's and the Add's constants: " + r.tensors());
		for (org.quantrace.engine.quantize.QuantizedTensor q : r.tensors()) {
			assertTrue(held.contains(q.tensor()) || q.role() != org.quantrace.engine.quantize.QuantizedTensor.Role.ACTIVATION, q.tensor() + " is in the model");
		}
		for (org.quantrace.engine.quantize.QuantizedTensor q : constants) {
			assertEquals("DequantizeLinear", r.model().graph().producer(q.tensor()).orElseThrow().opType(), q.tensor());
		}
		NdArray x = NdArray.ofFloats(new long[] { 4, 2, 6, 6 }, t.data(4, -1, 1));
		float[] expected = TinyGraph.run(t.model(y), x);
		float[] actual = TinyGraph.run(r.model(), x);
		for (int i = 0; i < expected.length; i++) {
			assertEquals(expected[i], actual[i], 0.1, "output " + i);
		}
	}

	private static OnnxModel withBatch(OnnxModel model, long batch) {
		ai.onnx.proto.OnnxMl.ModelProto.Builder b = model.toProto().toBuilder();
		b.getGraphBuilder().getInputBuilder(0).getTypeBuilder().getTensorTypeBuilder().getShapeBuilder().setDim(0,
				ai.onnx.proto.OnnxMl.TensorShapeProto.Dimension.newBuilder().setDimValue(batch));
		return OnnxModel.of(b.build());
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
