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

		// the codes are the export's own (ONNX's QuantizeLinear of the float weight), channel 2 mirrored; the scales s·|γ/√(σ²+ε)/d|
		Node wdq = f.model().graph().producer(conv(f.model()).input(1)).orElseThrow();
		long[] codes = f.model().graph().constant(wdq.input(0)).toLongArray();
		float[] scales = f.model().graph().constant(wdq.input(1)).toFloatArray();
		for (int i = 0; i < w.length; i++) {
			int c = i / 27;
			long trained = Math.max(-128, Math.min(127, (long) Math.rint(w[i] / WEIGHT_SCALES[c])));
			assertEquals(GAMMA[c] < 0 ? -trained : trained, codes[i], "code " + i);
		}
		for (int c = 0; c < C; c++) {
			double factor = GAMMA[c] / Math.sqrt(VAR[c] + 1e-5) / DIV[c];
			assertEquals(WEIGHT_SCALES[c] * Math.abs(factor), scales[c], 1e-6 * scales[c], "scale " + c);
		}

		// ONNX Runtime runs it as an integer Conv ...
		List<String> before = MatrixProductsTest.optimizedOps(model);
		List<String> after = MatrixProductsTest.optimizedOps(f.model());
		assertTrue(before.contains("Conv") && !before.contains("QLinearConv"), "the export runs a float Conv: " + before);
		assertTrue(after.contains("QLinearConv") && !after.contains("Conv"), "converted, a QLinearConv: " + after);

		// ... and computes what the export computed: the same codes but where the int32 bias's rounding moves one by one step
		NdArray x = input(r, 16);
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

	private static Node conv(OnnxModel m) {
		return m.graph().nodes().stream().filter(n -> n.opType().equals("Conv")).findFirst().orElseThrow();
	}

	/** x [N, 3, 6, 6] → QDQ (uint8) → Conv 3x3 pad 1 (QDQ int8 weight per channel, float bias) → Div → BN → Relu [→ QDQ uint8]. */
	private static OnnxModel qatConv(float[] w, boolean quantizedOutput) {
		WildConversionTest.Tiny t = new WildConversionTest.Tiny(3, 6, 6);
		String xs = t.floats(new long[] { 1 }, 0.02f);
		String xz = t.ints(TensorProto.DataType.UINT8_VALUE, new long[] { 1 }, 128);
		String xq = t.node("DequantizeLinear", List.of(t.node("QuantizeLinear", List.of("x", xs, xz)), xs, xz));
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
			y = t.node("DequantizeLinear", List.of(t.node("QuantizeLinear", List.of(y, ys, yz)), ys, yz));
		}
		return t.model(y);
	}

	private static NdArray input(Random r, int batch) {
		float[] v = new float[batch * 3 * 6 * 6];
		for (int i = 0; i < v.length; i++) {
			v[i] = (float) (r.nextDouble() * 4 - 2);
		}
		return NdArray.ofFloats(new long[] { batch, 3, 6, 6 }, v);
	}

	private static AttributeProto axis() {
		return AttributeProto.newBuilder().setName("axis").setType(AttributeProto.AttributeType.INT).setI(0).build();
	}

	private static AttributeProto pads() {
		return AttributeProto.newBuilder().setName("pads").setType(AttributeProto.AttributeType.INTS).addAllInts(List.of(1L, 1L, 1L, 1L)).build();
	}
}
