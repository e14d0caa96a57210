package org.quantrace.engine.convert.tests;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.Test;
import org.quantrace.engine.InvalidInputException;
import org.quantrace.engine.convert.FreezeOptions;
import org.quantrace.engine.convert.FreezeResult;
import org.quantrace.engine.convert.Freezer;
import org.quantrace.engine.convert.Rewrite;
import org.quantrace.engine.onnx.Node;
import org.quantrace.engine.onnx.OnnxModel;
import org.quantrace.engine.runtime.NdArray;
import org.quantrace.model.recipe.TrainingOperation;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.TensorProto;

/**
 * A quantization-aware-trained export's Conv (torch's QAT export of Conv-BN: DequantizeLinear(QuantizeLinear(float weight))
 * → Conv → Div → BatchNormalization → Relu → QuantizeLinear) ran in float in ONNX Runtime: its QDQ fusion needs the Conv read
 * by the QuantizeLinear. Converted, what follows the Conv is in the weight's per-channel scales and an int32 bias, the codes
 * the training chose are kept, and ONNX Runtime runs a QLinearConv that computes what the export computed.
 */
class TrainedCodesTest {

	private static final int C = 4;
	private static final float[] WEIGHT_SCALES = { 0.011f, 0.012f, 0.014f, 0.013f };
	private static final float[] DIV = { 0.9f, 1.1f, 1.25f, 0.8f };
	/** Channel 2's γ is negative: its codes are mirrored (q → −q at zero point 0), its scale stays positive. */
	private static final float[] GAMMA = { 1.2f, 0.8f, -0.7f, 1.05f };
	private static final float[] BETA = { 0.1f, -0.2f, 0.05f, 0.3f };
	private static final float[] MEAN = { 0.02f, -0.1f, 0.15f, 0.0f };
	private static final float[] VAR = { 0.5f, 1.3f, 0.9f, 2.0f };
	private static final float OUT_SCALE = 0.02f;

	@Test
	void aQatConvDivBatchNormReluBecomesAQLinearConvWithItsTrainedCodes() {
		Random r = new Random(5);
		float[] w = new float[C * 3 * 3 * 3];
		for (int i = 0; i < w.length; i++) {
			w[i] = (float) Math.max(-1.3, Math.min(1.3, r.nextGaussian() * 0.4)); // codes within ±118: channel 2's mirror stays int8
		}
		OnnxModel model = qatConv(w, true);
		FreezeResult f = Freezer.freeze(model, "qat", FreezeOptions.defaults(), null);
		Rewrite made = f.rewrites().stream().filter(x -> x.kind().equals(Rewrite.TRAINED_CODES)).findFirst().orElseThrow(() -> new AssertionError(f.rewrites().toString()));
		assertTrue(made.made() && made.description().contains("1 QDQ Conv's int8 codes unchanged") && made.description().contains("(Div, BatchNormalization, Relu"),
				made.description());
		List<String> ops = f.model().graph().nodes().stream().map(Node::opType).toList();
		assertFalse(ops.contains("Div") || ops.contains("BatchNormalization") || ops.contains("Relu") || ops.contains("Mul"), ops.toString());

		// the codes are the export's own, channel 2 mirrored; the scales s·|γ/√(σ²+ε)/d|; ONNX Runtime runs a QLinearConv that
		// computes what the export computed: the same codes but where the int32 bias's rounding moves one by one step
		assertTrainedCodesKept(model, f, "Conv", "QLinearConv", new long[] { C, 3, 3, 3 }, 0, w, r);
		assertTrue(f.maxAbsDifference() <= OUT_SCALE * 1.001f, "the conversion's own check: " + f.maxAbsDifference());
	}

	/**
	 * The same Conv whose BatchNormalization's output is the model's (no QuantizeLinear after it) would run in float all the
	 * same: the conversion is refused, naming the Conv and why, with the way out (keep the BatchNormalizations), which then
	 * converts the rest and leaves that layer as it was.
	 */
	@Test
	void aQatConvNoQuantizeLinearReadsIsRefusedWithTheReason() {
		float[] w = new float[C * 3 * 3 * 3];
		java.util.Arrays.fill(w, 0.05f);
		OnnxModel model = qatConv(w, false);
		InvalidInputException e = assertThrows(InvalidInputException.class, () -> Freezer.freeze(model, "qat", FreezeOptions.defaults(), null));
		assertTrue(e.getMessage().startsWith("qat: 1 QDQ Conv of this quantization-aware-trained export cannot run as QLinearConv")
				&& e.getMessage().contains("'conv10': no QuantizeLinear reads what follows it"), e.getMessage());
		assertTrue(e.hint().contains("--keep batch-normalization"), e.hint());
		FreezeOptions keep = new FreezeOptions(java.util.EnumSet.of(TrainingOperation.DROPOUT), true, 0, true);
		FreezeResult f = Freezer.freeze(model, "qat", keep, null);
		assertTrue(f.model().graph().nodes().stream().anyMatch(n -> n.opType().equals("BatchNormalization")), "kept as it was");
		assertTrue(f.maxAbsDifference() <= 1e-5, "unchanged function: " + f.maxAbsDifference());
	}

	/**
	 * A channel whose factor is negative and that holds a code at int8's minimum cannot be mirrored (−(−128) is no int8) and
	 * a new scale would re-round the trained codes: refused, naming the channel and why.
	 */
	@Test
	void aNegativeFactorOnAChannelHoldingTheMinimumCodeIsRefusedWithTheReason() {
		float[] w = new float[C * 3 * 3 * 3];
		java.util.Arrays.fill(w, 0.05f);
		w[2 * 27 + 4] = -5f; // channel 2 (γ < 0): saturates to -128
		OnnxModel model = qatConv(w, true);
		InvalidInputException e = assertThrows(InvalidInputException.class, () -> Freezer.freeze(model, "qat", FreezeOptions.defaults(), null));
		assertTrue(e.getMessage().contains("'conv10': channel 2's factor is negative and its mirrored codes leave int8"), e.getMessage());
	}

	/**
	 * torch's QAT Linear-BN (nniqat.LinearBn1d) exports Gemm (transB, weight per output channel on axis 0) → Div → Add →
	 * BatchNormalization → Relu → QuantizeLinear: ONNX Runtime ran the Gemm in float. Converted, a QGemm with the trained codes.
	 */
	@Test
	void aQatGemmDivAddBatchNormReluBecomesAQGemmWithItsTrainedCodes() {
		Random r = new Random(7);
		float[] w = weights(r, C * 6);
		OnnxModel model = qatLayer("Gemm", new long[] { 6 }, new long[] { C, 6 }, 0, w, true);
		assertFoldedWithTrainedCodes(model, "Gemm", "com.microsoft.QGemm", new long[] { C, 6 }, 0, w, r);
	}

	/**
	 * A QAT ConvTranspose (weight [C_in, C_out, k, k], quantized per output channel on axis 1) followed by Div → Add →
	 * BatchNormalization → Relu → QuantizeLinear, the form torch's Conv-BN QAT writes: converted, the trained codes (channel 2
	 * mirrored along axis 1) at folded scales and an int32 bias. ONNX Runtime 1.29 fuses no QDQ ConvTranspose, so it stays a
	 * ConvTranspose in float (the log says so), computing what the export computed without the Div, Add, BN and Relu.
	 */
	@Test
	void aQatConvTransposeDivAddBatchNormReluIsFoldedIntoItsTrainedCodesAndStaysFloatInOnnxRuntime() {
		Random r = new Random(9);
		float[] w = weights(r, 3 * C * 2 * 2);
		OnnxModel model = qatLayer("ConvTranspose", new long[] { 3, 4, 4 }, new long[] { 3, C, 2, 2 }, 1, w, true);
		assertFoldedWithTrainedCodes(model, "ConvTranspose", null, new long[] { 3, C, 2, 2 }, 1, w, r);
	}

	/**
	 * A QAT MatMul of a matrix followed by Div → Add → BatchNormalization (a Linear-BN exported as MatMul): a MatMul has no
	 * bias input for the shift, but on a matrix it is a Gemm without transB (output channels on the weight's axis 1): made
	 * one, with the trained codes and an int32 bias, which ONNX Runtime runs as QGemm.
	 */
	@Test
	void aQatMatMulOfAMatrixWithABatchNormShiftBecomesAQGemmWithItsTrainedCodes() {
		Random r = new Random(3);
		float[] w = weights(r, 6 * C);
		OnnxModel model = qatLayer("MatMul", new long[] { 6 }, new long[] { 6, C }, 1, w, true);
		FreezeResult f = Freezer.freeze(model, "qat", FreezeOptions.defaults(), null);
		Rewrite made = f.rewrites().stream().filter(x -> x.kind().equals(Rewrite.TRAINED_CODES)).findFirst().orElseThrow(() -> new AssertionError(f.rewrites().toString()));
		assertTrue(made.made() && made.description().contains("1 QDQ Gemm's int8 codes unchanged")
				&& made.description().contains("(a MatMul of a matrix made a Gemm for the shift's bias, Div, Add, BatchNormalization, Relu"), made.description());
		assertTrainedCodesKept(model, f, "MatMul", "Gemm", "com.microsoft.QGemm", new long[] { 6, C }, 1, w, r);
	}

	/**
	 * The same MatMul on a tensor of rank 3 ([N, 5, 6] × [6, C] → Add of a per-channel shift → Relu → QDQ): no Gemm takes it,
	 * and a MatMul has no bias input for the shift: refused with the reason.
	 */
	@Test
	void aQatMatMulOfRank3WithAShiftIsRefusedWithTheReason() {
		WildConversionTest.Tiny t = new WildConversionTest.Tiny(5, 6);
		String xs = t.floats(new long[] { 1 }, 0.02f);
		String xz = t.ints(TensorProto.DataType.UINT8_VALUE, new long[] { 1 }, 128);
		String xq = t.node("DequantizeLinear", List.of(t.node("QuantizeLinear", List.of("x", xs, xz)), xs, xz));
		String ws = t.floats(new long[] { C }, WEIGHT_SCALES);
		String wz = t.ints(TensorProto.DataType.INT8_VALUE, new long[] { C }, 0, 0, 0, 0);
		AttributeProto ax = axis().toBuilder().setI(1).build();
		String wq = t.node("DequantizeLinear", List.of(t.node("QuantizeLinear", List.of(t.floats(new long[] { 6, C }, weights(new Random(4), 6 * C)), ws, wz), ax), ws, wz), ax);
		String y = t.node("Add", List.of(t.node("MatMul", List.of(xq, wq)), t.floats(new long[] { C }, new float[] { 0.02f, 0.04f, -0.01f, 0.03f })));
		String ys = t.floats(new long[] { 1 }, OUT_SCALE);
		String yz = t.ints(TensorProto.DataType.UINT8_VALUE, new long[] { 1 }, 0);
		OnnxModel model = t.model(t.node("DequantizeLinear", List.of(t.node("QuantizeLinear", List.of(t.node("Relu", y), ys, yz)), ys, yz)));
		InvalidInputException e = assertThrows(InvalidInputException.class, () -> Freezer.freeze(model, "qat", FreezeOptions.defaults(), null));
		assertTrue(e.getMessage().startsWith("qat: 1 QDQ MatMul of this quantization-aware-trained export cannot run as QLinearMatMul")
				&& e.getMessage().contains("a MatMul has no bias input to take the shift of what follows it, and its input is not a matrix (rank 3"), e.getMessage());
	}

	/**
	 * torch 1.13's default QAT qconfig (the fused observer, fbgemm) quantizes activations to uint8 0..127 (reduce_range):
	 * torch writes each activation QuantizeLinear → Clip(0, 127) on the uint8 codes → DequantizeLinear (qat3). The fold reads
	 * the Conv's QuantizeLinear all the same, and ONNX Runtime still fuses the QDQ Conv (the Clip runs on the codes between
	 * two QLinearConvs). Passes on main fa9559cd as well: it keeps this export's form converted.
	 */
	@Test
	void aReducedRangeExportsClipOnTheCodesKeepsTheFoldAndTheQLinearConv() {
		float[] w = weights(new Random(11), C * 3 * 3 * 3);
		OnnxModel model = qatConv(w, true, true);
		assertTrue(model.graph().nodes().stream().filter(n -> n.opType().equals("Clip")).count() == 2, "the export's two Clips on codes");
		FreezeResult f = Freezer.freeze(model, "qat", FreezeOptions.defaults(), null);
		assertTrue(f.rewrites().stream().anyMatch(x -> x.kind().equals(Rewrite.TRAINED_CODES) && x.made()), f.rewrites().toString());
		assertTrainedCodesKept(model, f, "Conv", "QLinearConv", new long[] { C, 3, 3, 3 }, 0, w, new Random(12));
		assertTrue(MatrixProductsTest.optimizedOps(f.model()).contains("Clip"), "the codes' Clip stays");
	}

	/**
	 * The fused observer cannot be exported by torch 1.13 but as an ATen fallback node (operator_export_type
	 * ONNX_ATEN_FALLBACK), which no ONNX runtime runs: refused (exit 2) with a hint that names the torch op and how to export
	 * it as QuantizeLinear/DequantizeLinear, not "a newer opset".
	 */
	@Test
	void anAtenFallbackExportOfTheFusedObserverIsRefusedNamingTheTorchOpAndTheWayOut() {
		ai.onnx.proto.OnnxMl.GraphProto.Builder g = qatConv(new float[C * 27], true).toProto().getGraph().toBuilder();
		ai.onnx.proto.OnnxMl.NodeProto.Builder first = g.getNodeBuilder(0); // the input's QuantizeLinear becomes torch's ATen node
		first.setOpType("ATen").setDomain("org.pytorch.aten").clearInput().addInput("x").addAttribute(AttributeProto.newBuilder().setName("operator")
				.setType(AttributeProto.AttributeType.STRING).setS(com.google.protobuf.ByteString.copyFromUtf8("fused_moving_avg_obs_fake_quant")));
		g.getNodeBuilder(1).setOpType("Identity").clearInput().addInput(first.getOutput(0));
		OnnxModel model = OnnxModel.of(qatConv(new float[C * 27], true).toProto().toBuilder().setGraph(g)
				.addOpsetImport(ai.onnx.proto.OnnxMl.OperatorSetIdProto.newBuilder().setDomain("org.pytorch.aten").setVersion(1)).build());
		InvalidInputException e = assertThrows(InvalidInputException.class, () -> Freezer.freeze(model, "qat3_aten", FreezeOptions.defaults(), null));
		assertTrue(e.getMessage().contains("cannot load the original model"), e.getMessage());
		assertTrue(e.hint().contains("ATen fallback nodes (domain org.pytorch.aten: fused_moving_avg_obs_fake_quant x1)")
				&& e.hint().contains("get_default_qat_qconfig(backend, version=0)") && e.hint().contains("torch.fake_quantize_per_tensor_affine"), e.hint());
	}

	/** Codes within ±118 of the weight scales below: channel 2's mirror stays int8. */
	private static float[] weights(Random r, int n) {
		float[] w = new float[n];
		for (int i = 0; i < n; i++) {
			w[i] = (float) Math.max(-1.3, Math.min(1.3, r.nextGaussian() * 0.4));
		}
		return w;
	}

	/** The layer's rewrite is made, what followed it gone, and {@link #assertTrainedCodesKept}. */
	private static void assertFoldedWithTrainedCodes(OnnxModel model, String op, String kernel, long[] dims, int axis, float[] w, Random r) {
		FreezeResult f = Freezer.freeze(model, "qat", FreezeOptions.defaults(), null);
		Rewrite made = f.rewrites().stream().filter(x -> x.kind().equals(Rewrite.TRAINED_CODES)).findFirst().orElseThrow(() -> new AssertionError(f.rewrites().toString()));
		assertTrue(made.made() && made.description().contains("1 QDQ " + op + "'s int8 codes unchanged") && made.description().contains("(Div, Add, BatchNormalization, Relu")
				&& made.description().contains(kernel != null ? "runs as " + kernel.substring(kernel.lastIndexOf('.') + 1) : "in float on its trained codes (ONNX Runtime 1.29 fuses no QDQ ConvTranspose)"),
				made.description());
		List<String> ops = f.model().graph().nodes().stream().map(Node::opType).toList();
		assertFalse(ops.contains("Div") || ops.contains("Add") || ops.contains("BatchNormalization") || ops.contains("Relu"), ops.toString());
		assertTrainedCodesKept(model, f, op, kernel, dims, axis, w, r);
	}

	/**
	 * The converted layer's codes are the export's own (ONNX's QuantizeLinear of the float weight, mirrored where γ < 0) on the
	 * weight's output-channel axis, its scales s·|γ/√(σ²+ε)/d|; ONNX Runtime runs {@code kernel} (null: the float op alone) and
	 * the outputs are the export's within one output step, 99 % of them equal.
	 */
	private static void assertTrainedCodesKept(OnnxModel model, FreezeResult f, String op, String kernel, long[] dims, int axis, float[] w, Random r) {
		assertTrainedCodesKept(model, f, op, op, kernel, dims, axis, w, r);
	}

	/** {@code exported} the export's op, {@code op} the converted one's. */
	private static void assertTrainedCodesKept(OnnxModel model, FreezeResult f, String exported, String op, String kernel, long[] dims, int axis, float[] w, Random r) {
		Node layer = f.model().graph().nodes().stream().filter(n -> n.opType().equals(op)).findFirst().orElseThrow();
		Node wdq = f.model().graph().producer(layer.input(1)).orElseThrow();
		assertEquals(axis, wdq.intAttribute("axis", 1), "the weight's scales stay on its output channels");
		long[] codes = f.model().graph().constant(wdq.input(0)).toLongArray();
		float[] scales = f.model().graph().constant(wdq.input(1)).toFloatArray();
		long inner = 1;
		for (int d = axis + 1; d < dims.length; d++) {
			inner *= dims[d];
		}
		for (int i = 0; i < w.length; i++) {
			int c = (int) (i / inner % C);
			long trained = Math.max(-128, Math.min(127, (long) Math.rint(w[i] / WEIGHT_SCALES[c])));
			assertEquals(GAMMA[c] < 0 ? -trained : trained, codes[i], "code " + i);
		}
		for (int c = 0; c < C; c++) {
			double factor = GAMMA[c] / Math.sqrt(VAR[c] + 1e-5) / DIV[c];
			assertEquals(WEIGHT_SCALES[c] * Math.abs(factor), scales[c], 1e-6 * scales[c], "scale " + c);
		}
		List<String> before = MatrixProductsTest.optimizedOps(model);
		List<String> after = MatrixProductsTest.optimizedOps(f.model());
		// a QDQ MatMul that no QuantizeLinear reads runs as MatMulIntegerToFloat (float output, what follows it in float)
		assertTrue((before.contains(exported) || exported.equals("MatMul") && before.contains("com.microsoft.MatMulIntegerToFloat")) && !before.contains(kernel),
				"the export runs no " + kernel + ": " + before);
		if (kernel != null) {
			assertTrue(after.contains(kernel) && !after.contains(op) && !after.contains(exported), "converted, " + kernel + ": " + after);
		} else {
			assertEquals(List.of(op), after.stream().filter(o -> !o.equals("QuantizeLinear") && !o.equals("DequantizeLinear")).toList(), "converted, the float " + op + " alone: " + after);
		}
		long[] in = model.graph().inputs().get(0).getType().getTensorType().getShape().getDimList().stream().skip(1).mapToLong(d -> d.getDimValue()).toArray();
		int n = 16;
		for (long d : in) {
			n *= d;
		}
		float[] v = new float[n];
		for (int i = 0; i < n; i++) {
			v[i] = (float) (r.nextDouble() * 4 - 2);
		}
		long[] shape = new long[in.length + 1];
		shape[0] = 16;
		System.arraycopy(in, 0, shape, 1, in.length);
		NdArray x = NdArray.ofFloats(shape, v);
		float[] expected = WildConversionTest.run(model, x);
		float[] actual = WildConversionTest.run(f.model(), x);
		int same = 0;
		for (int i = 0; i < expected.length; i++) {
			assertTrue(Math.abs(expected[i] - actual[i]) <= OUT_SCALE * 1.001f, "output " + i + ": " + expected[i] + " against " + actual[i]);
			same += expected[i] == actual[i] ? 1 : 0;
		}
		assertTrue(same >= 0.99 * expected.length, same + " of " + expected.length + " outputs the same");
		assertTrue(f.maxAbsDifference() <= OUT_SCALE * 1.001f, "the conversion's own check: " + f.maxAbsDifference());
	}

	/**
	 * x [N, sample] → QDQ (uint8) → {@code op} (QDQ int8 weight of {@code dims} per channel on {@code axis}, a float bias but
	 * for MatMul) → Div → Add → BN → Relu → QDQ uint8, the form torch's QAT Linear-BN and Conv-BN write.
	 */
	private static OnnxModel qatLayer(String op, long[] sample, long[] dims, int axis, float[] w, boolean quantizedOutput) {
		WildConversionTest.Tiny t = new WildConversionTest.Tiny(sample);
		String xs = t.floats(new long[] { 1 }, 0.02f);
		String xz = t.ints(TensorProto.DataType.UINT8_VALUE, new long[] { 1 }, 128);
		String xq = t.node("DequantizeLinear", List.of(t.node("QuantizeLinear", List.of("x", xs, xz)), xs, xz));
		String ws = t.floats(new long[] { C }, WEIGHT_SCALES);
		String wz = t.ints(TensorProto.DataType.INT8_VALUE, new long[] { C }, 0, 0, 0, 0);
		String wf = t.floats(dims, w);
		AttributeProto ax = axis().toBuilder().setI(axis).build();
		String wq = t.node("DequantizeLinear", List.of(t.node("QuantizeLinear", List.of(wf, ws, wz), ax), ws, wz), ax);
		String bias = t.floats(new long[] { C }, new float[] { 0.05f, -0.03f, 0f, 0.1f });
		String y = switch (op) {
		case "Gemm" -> t.node("Gemm", List.of(xq, wq, bias), AttributeProto.newBuilder().setName("transB").setType(AttributeProto.AttributeType.INT).setI(1).build());
		case "ConvTranspose" -> t.node("ConvTranspose", List.of(xq, wq, bias),
				AttributeProto.newBuilder().setName("strides").setType(AttributeProto.AttributeType.INTS).addAllInts(List.of(2L, 2L)).build());
		default -> t.node(op, List.of(xq, wq));
		};
		long[] perChannel = sample.length == 1 ? new long[] { C } : new long[] { 1, C, 1, 1 };
		y = t.node("Div", List.of(y, t.floats(perChannel, DIV)));
		y = t.node("Add", List.of(y, t.floats(perChannel, new float[] { 0.02f, 0.04f, -0.01f, 0.03f })));
		y = t.node("BatchNormalization", List.of(y, t.floats(new long[] { C }, GAMMA), t.floats(new long[] { C }, BETA), t.floats(new long[] { C }, MEAN),
				t.floats(new long[] { C }, VAR)));
		if (quantizedOutput) {
			y = t.node("Relu", y);
			String ys = t.floats(new long[] { 1 }, OUT_SCALE);
			String yz = t.ints(TensorProto.DataType.UINT8_VALUE, new long[] { 1 }, 0);
			y = t.node("DequantizeLinear", List.of(t.node("QuantizeLinear", List.of(y, ys, yz)), ys, yz));
		}
		return t.model(y);
	}

	/** x [N, 3, 6, 6] → QDQ (uint8) → Conv 3x3 pad 1 (QDQ int8 weight per channel, float bias) → Div → BN → Relu [→ QDQ uint8]. */
	private static OnnxModel qatConv(float[] w, boolean quantizedOutput) {
		return qatConv(w, quantizedOutput, false);
	}

	/** With {@code reducedRange} each activation's codes are clipped to 0..127 between its QuantizeLinear and DequantizeLinear, as torch writes uint8 0..127. */
	private static OnnxModel qatConv(float[] w, boolean quantizedOutput, boolean reducedRange) {
		WildConversionTest.Tiny t = new WildConversionTest.Tiny(3, 6, 6);
		String xs = t.floats(new long[] { 1 }, 0.02f);
		String xz = t.ints(TensorProto.DataType.UINT8_VALUE, new long[] { 1 }, reducedRange ? 64 : 128);
		String codes127 = reducedRange ? t.ints(TensorProto.DataType.UINT8_VALUE, new long[0], 127) : null;
		java.util.function.UnaryOperator<String> clip = q -> reducedRange ? t.node("Clip", List.of(q, "", codes127)) : q;
		String xq = t.node("DequantizeLinear", List.of(clip.apply(t.node("QuantizeLinear", List.of("x", xs, xz))), xs, xz));
		String ws = t.floats(new long[] { C }, WEIGHT_SCALES);
		String wz = t.ints(TensorProto.DataType.INT8_VALUE, new long[] { C }, 0, 0, 0, 0);
		String wf = t.floats(new long[] { C, 3, 3, 3 }, w);
		String wq = t.node("DequantizeLinear", List.of(t.node("QuantizeLinear", List.of(wf, ws, wz), axis()), ws, wz), axis());
		String y = t.node("Conv", List.of(xq, wq, t.floats(new long[] { C }, new float[] { 0.05f, -0.03f, 0f, 0.1f })), pads());
		y = t.node("Div", List.of(y, t.floats(new long[] { 1, C, 1, 1 }, DIV)));
		y = t.node("BatchNormalization", List.of(y, t.floats(new long[] { C }, GAMMA), t.floats(new long[] { C }, BETA), t.floats(new long[] { C }, MEAN),
				t.floats(new long[] { C }, VAR)));
		if (quantizedOutput) {
			y = t.node("Relu", y);
			String ys = t.floats(new long[] { 1 }, OUT_SCALE);
			String yz = t.ints(TensorProto.DataType.UINT8_VALUE, new long[] { 1 }, 0);
			y = t.node("DequantizeLinear", List.of(clip.apply(t.node("QuantizeLinear", List.of(y, ys, yz))), ys, yz));
		}
		return t.model(y);
	}

	private static AttributeProto axis() {
		return AttributeProto.newBuilder().setName("axis").setType(AttributeProto.AttributeType.INT).setI(0).build();
	}

	private static AttributeProto pads() {
		return AttributeProto.newBuilder().setName("pads").setType(AttributeProto.AttributeType.INTS).addAllInts(List.of(1L, 1L, 1L, 1L)).build();
	}
}
