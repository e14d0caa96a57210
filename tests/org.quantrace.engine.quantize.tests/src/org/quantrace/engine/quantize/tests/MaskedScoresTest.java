package org.quantrace.engine.quantize.tests;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import java.util.function.Predicate;

import org.junit.jupiter.api.Test;
import org.quantrace.engine.onnx.OnnxModel;
import org.quantrace.engine.quantize.QuantType;
import org.quantrace.engine.quantize.QuantizationResult;
import org.quantrace.engine.quantize.QuantizationSpec;
import org.quantrace.engine.quantize.QuantizationSpec.TensorSpec;
import org.quantrace.engine.quantize.QuantizedTensor;
import org.quantrace.engine.quantize.Schemes;

/**
 * Graph attention as round 27's gat writes it: scores from a float op (there LeakyRelu of a float sum), masked by
 * Where(adjacency, scores, −9e15), Softmax, then the weights times the values. The float Softmax computes the exp of every
 * masked entry as a denormal, many times slower; QLinearSoftmax reads a table of the codes. So that Softmax runs on integers,
 * the scores quantized over their own range widened 16 below, where the fill saturates; a Softmax over scores masked with a
 * fill whose exp is a normal float stays float (tests/data/wild/README.md, speed31).
 */
class MaskedScoresTest {

	private static final int NODES = 16;

	/** x [N, 16, 16] → Elu(x · W) as the scores → Where(band, scores, fill) → Softmax → · (x · V); returns the graph's output. */
	private static String attention(TinyGraph t, float fill) {
		String scores = t.node("Elu", List.of(t.node("MatMul", List.of("x", t.weight(0.5, NODES, NODES)))));
		boolean[] band = new boolean[NODES * NODES];
		for (int i = 0; i < NODES; i++) {
			for (int j = 0; j < NODES; j++) {
				band[i * NODES + j] = Math.abs(i - j) <= 1;
			}
		}
		String masked = t.node("Where", List.of(t.bools(new long[] { NODES, NODES }, band), scores, t.scalar(fill)));
		return weighted(t, masked);
	}

	/**
	 * The same band as an additive mask, as transformer exporters write it: Add(scores, M), M 0 inside the band and
	 * {@code fill} outside (BERT's extended mask −1e4, a causal mask's −1e9); scores from x · W alone when
	 * {@code integerScores} (BERT's Q · Kᵀ, an integer MatMul), else Elu(x · W) as above.
	 */
	private static String additive(TinyGraph t, float fill, boolean integerScores) {
		String product = t.node("MatMul", List.of("x", t.weight(0.5, NODES, NODES)));
		String scores = integerScores ? product : t.node("Elu", List.of(product));
		float[] mask = new float[NODES * NODES];
		for (int i = 0; i < NODES; i++) {
			for (int j = 0; j < NODES; j++) {
				mask[i * NODES + j] = Math.abs(i - j) <= 1 ? 0 : fill;
			}
		}
		return weighted(t, t.node("Add", List.of(scores, t.floats(mask, NODES, NODES))));
	}

	/**
	 * The band as Hugging Face's BERT computes its mask at run time: a 0/1 tensor (here the band And a comparison of x that
	 * holds everywhere, so that it is computed, not folded) → Cast to float → Sub(1, ·) → Mul(·, {@code fill}) → Add to x · W.
	 */
	private static String computed(TinyGraph t, float fill) {
		return computed(t, fill, false);
	}

	/**
	 * As above; {@code filled}: as newer Hugging Face exports write it, (1 − m).masked_fill((1 − m).bool(), fill):
	 * Where(Cast(1 − m, BOOL), fill, 1 − m), whose 1 − m is read only where it is 0.
	 */
	private static String computed(TinyGraph t, float fill, boolean filled) {
		String scores = t.node("MatMul", List.of("x", t.weight(0.5, NODES, NODES)));
		boolean[] band = new boolean[NODES * NODES];
		for (int i = 0; i < NODES; i++) {
			for (int j = 0; j < NODES; j++) {
				band[i * NODES + j] = Math.abs(i - j) <= 1;
			}
		}
		String ones = t.node("And", List.of(t.bools(new long[] { NODES, NODES }, band), t.node("Greater", List.of("x", t.scalar(-1f)))));
		String cast = t.node("Cast", List.of(ones), TinyGraph.attr("to", 1L));
		String inverted = t.node("Sub", List.of(t.scalar(1f), cast));
		String mask = filled ? t.node("Where", List.of(t.node("Cast", List.of(inverted), TinyGraph.attr("to", 9L)), t.scalar(fill), inverted))
				: t.node("Mul", List.of(inverted, t.scalar(fill)));
		return weighted(t, t.node("Add", List.of(scores, mask)));
	}

	/** Where(Not(Cast(1 − m, BOOL)), −1e4, 1 − m): filled where 1 − m is 0, its 1s kept (not a mask). */
	private static String notFilled(TinyGraph t) {
		String ones = t.node("And", List.of(t.bools(new long[] { NODES, NODES }, new boolean[NODES * NODES]), t.node("Greater", List.of("x", t.scalar(-1f)))));
		String inverted = t.node("Sub", List.of(t.scalar(1f), t.node("Cast", List.of(ones), TinyGraph.attr("to", 1L))));
		String cond = t.node("Not", List.of(t.node("Cast", List.of(inverted), TinyGraph.attr("to", 9L))));
		String mask = t.node("Where", List.of(cond, t.scalar(-1e4f), inverted));
		return weighted(t, t.node("Add", List.of(t.node("MatMul", List.of("x", t.weight(0.5, NODES, NODES))), mask)));
	}

	/** Softmax(masked) · (x · V). */
	private static String weighted(TinyGraph t, String masked) {
		String weights = t.node("Softmax", List.of(masked), TinyGraph.attr("axis", -1L));
		return t.node("MatMul", List.of(weights, t.node("MatMul", List.of("x", t.weight(0.5, NODES, 8)))));
	}

	/**
	 * The Softmax on codes: the masked sum ({@code sum}) quantized over the scores' range widened 16 below (not the mask's), QLinearSoftmax
	 * and no Softmax in ONNX Runtime's graph, running as written and within the quantization steps of float; returns the sum's record.
	 */
	private static QuantizedTensor assertOnCodes(String which, TinyGraph t, OnnxModel model, QuantizationResult r, Predicate<QuantizedTensor> sum) {
		QuantizedTensor s = r.tensors().stream().filter(sum).findFirst().orElseThrow();
		assertTrue(s.range().min() > -20 && s.params().scale() < 0.1, which + "the scores' own range widened 16 below: " + s);
		List<String> ran = TinyGraph.optimizedOps(r.model());
		assertTrue(ran.contains("com.microsoft.QLinearSoftmax") && !ran.contains("Softmax"), which + ran);
		try {
			OpRulesTest.assertRunsAsWritten(t, r, 0.2);
			OpRulesTest.assertWithinSteps(t, model, r); // the masked entries weigh ~0 as in float
		} catch (AssertionError e) {
			throw new AssertionError(which + e.getMessage() + " " + r.layers() + " " + r.tensors(), e);
		}
		return s;
	}

	/** The Softmax quantized, its record holding each of {@code words}. */
	private static void assertSoftmaxOnCodes(String which, QuantizationResult r, String... words) {
		QuantizationResult.Layer softmax = layer(r, "Softmax");
		assertTrue(softmax.quantized() && Arrays.stream(words).allMatch(softmax.reason()::contains), which + softmax.reason());
	}

	private static QuantizationResult.Layer layer(QuantizationResult r, String op) {
		return r.layers().stream().filter(l -> l.opType().equals(op)).findFirst().orElseThrow();
	}

	@Test
	void aSoftmaxOfScoresMaskedFarBelowRunsOnCodesWithTheFillSaturated() {
		TinyGraph t = new TinyGraph(NODES, NODES);
		OnnxModel model = t.model(attention(t, -9e15f));
		QuantizationResult r = TinyGraph.quantize(model, Schemes.preset("fiq_int8"), t.calibration(0, 1));

		QuantizationResult.Layer softmax = layer(r, "Softmax");
		assertTrue(softmax.quantized(), softmax.reason());
		assertTrue(softmax.reason().contains("ONNX Runtime runs it as QLinearSoftmax") && softmax.reason().contains("masked by the Where")
				&& softmax.reason().contains("widened by 16 below"), softmax.reason());
		QuantizedTensor scores = r.tensors().stream().filter(q -> q.node() != null && q.node().startsWith("where")).findFirst().orElseThrow();
		assertTrue(scores.range().min() > -20 && scores.observed().min() < -1e15 && scores.params().scale() < 0.1,
				"the scores quantized over their own range widened 16 below, not the fill's: " + scores);

		List<String> ran = TinyGraph.optimizedOps(r.model());
		assertTrue(ran.contains("com.microsoft.QLinearSoftmax") && !ran.contains("Softmax"), ran.toString());
		// QLinearSoftmax reads its exps from a table and rounds its own way: 271 of 2,048 output codes one apart from DequantizeLinear →
		// Softmax → QuantizeLinear in float, none further
		OpRulesTest.assertRunsAsWritten(t, r, 0.2);
		OpRulesTest.assertWithinSteps(t, model, r);
	}

	@Test
	void aSoftmaxOfScoresWithAnAdditiveMaskFarBelowRunsOnCodesWithTheMaskedEntriesSaturated() {
		for (float fill : new float[] { -1e4f, -1e9f }) {
			for (boolean integerScores : new boolean[] { false, true }) {
				TinyGraph t = new TinyGraph(NODES, NODES);
				OnnxModel model = t.model(additive(t, fill, integerScores));
				QuantizationResult r = TinyGraph.quantize(model, Schemes.preset("fiq_int8"), t.calibration(0, 1));
				String which = "fill " + fill + (integerScores ? ", scores x · W" : ", scores Elu(x · W)") + ": ";

				assertSoftmaxOnCodes(which, r, "masked by the Add", "masked entries saturate", "widened by 16 below");
				QuantizationResult.Layer add = layer(r, "Add"); // QLinearAdd of the mask quantized over [−1e9, 0] added codes several apart
				assertTrue(!add.quantized() && add.reason().contains("constant attention mask"), which + add.reason());
				assertOnCodes(which, t, model, r, q -> q.tensor().startsWith("add")); // the Add's output
			}
		}
	}

	@Test
	void aSoftmaxOfScoresPlusABiasOrAMildMaskStaysFloat() {
		// exp(−60) is a normal float; 0.5 is a bias, not a mask
		for (float fill : new float[] { -60f, 0.5f }) {
			TinyGraph t = new TinyGraph(NODES, NODES);
			QuantizationResult r = TinyGraph.quantize(t.model(additive(t, fill, true)), Schemes.preset("fiq_int8"), t.calibration(0, 1));
			QuantizationResult.Layer softmax = layer(r, "Softmax");
			assertFalse(softmax.quantized(), fill + ": " + softmax.reason());
		}
	}

	/**
	 * QLinearSoftmax is 8-bit: with int16 activations the masked Softmax stays float, and the masking Add's record (float: its
	 * QLinearAdd would be inexact) says the Softmax runs on codes only with 8-bit activations; it said the Softmax quantizes its sum.
	 */
	@Test
	void withInt16ActivationsTheMaskedSoftmaxStaysFloatAndTheAddSaysWhen() {
		TinyGraph t = new TinyGraph(NODES, NODES);
		QuantizationSpec a16 = Schemes.preset("fiq_float32").toBuilder().activations(new TensorSpec(QuantType.INT16, null, null)).build();
		QuantizationResult r = TinyGraph.quantize(t.model(additive(t, -1e4f, true)), a16, t.calibration(0, 1));
		assertFalse(layer(r, "Softmax").quantized(), layer(r, "Softmax").reason());
		QuantizationResult.Layer add = layer(r, "Add");
		assertTrue(!add.quantized() && add.reason().contains("with 8-bit activations the Softmax reading it runs on codes"), add.reason());
	}

	/**
	 * A mask computed at run time from a 0/1 tensor (BERT's (1 − mask) · −10000, or · float's lowest as newer exports write it) is
	 * a mask as a constant one is: the Softmax runs on codes, the Add stays float (it adds exactly), the sum quantized over the
	 * scores' range widened; the record says where the 0/1 came from. Main left this Softmax float (its mask not constant).
	 */
	@Test
	void aSoftmaxOfScoresWithAMaskComputedFromZeroOneRunsOnCodes() {
		float[] fills = { -1e4f, -Float.MAX_VALUE, -Float.MAX_VALUE };
		for (int k = 0; k < fills.length; k++) {
			float fill = fills[k];
			boolean filled = k == 2; // float's lowest by Mul, then by Where as newer exports write it
			TinyGraph t = new TinyGraph(NODES, NODES);
			OnnxModel model = t.model(computed(t, fill, filled));
			QuantizationResult r = TinyGraph.quantize(model, Schemes.preset("fiq_int8"), t.calibration(0, 1));
			String which = "fill " + fill + (filled ? " by Where" : "") + ": ";

			assertSoftmaxOnCodes(which, r, "of a mask computed at run time from the BOOL output of And", "as 0 and −", "widened by 16 below");
			QuantizationResult.Layer add = layer(r, "Add");
			assertTrue(!add.quantized() && add.reason().contains("an attention mask computed from 0/1"), which + add.reason());
			assertOnCodes(which, t, model, r, q -> add.node().equals(q.node()));
		}
	}

	/**
	 * A computed "mask" whose values are not 0 and far below (· −60, or 1 − m without the factor, or a Where filling −1e4 where
	 * 1 − m is 0, keeping its 1s) is a bias: the Softmax stays float.
	 */
	@Test
	void aComputedMaskOfNormalExpStaysFloat() {
		for (float fill : new float[] { -60f, 1f, 0f }) {
			TinyGraph t = new TinyGraph(NODES, NODES);
			String y = fill == 0 ? notFilled(t) : computed(t, fill);
			QuantizationResult r = TinyGraph.quantize(t.model(y), Schemes.preset("fiq_int8"), t.calibration(0, 1));
			assertFalse(layer(r, "Softmax").quantized(), fill + ": " + layer(r, "Softmax").reason());
		}
	}

	/**
	 * A −inf mask (torch's generate_square_subsequent_mask, masked_fill(−inf)), added or as a Where's fill: calibration would refuse
	 * the masked scores (infinite values), so they are left out of it and their range is the scores' widened, as for a finite mask;
	 * ONNX Runtime's QuantizeLinear saturates −inf to the lowest code, so the Softmax on codes computes what float does.
	 * Main kept that Softmax float.
	 */
	@Test
	void aSoftmaxOfScoresMaskedWithMinusInfinityRunsOnCodes() {
		for (boolean where : new boolean[] { false, true }) {
			TinyGraph t = new TinyGraph(NODES, NODES);
			OnnxModel model = t.model(where ? attention(t, Float.NEGATIVE_INFINITY) : additive(t, Float.NEGATIVE_INFINITY, true));
			QuantizationResult r = TinyGraph.quantize(model, Schemes.preset("fiq_int8"), t.calibration(0, 1));
			String which = (where ? "Where" : "Add") + ": ";

			assertSoftmaxOnCodes(which, r, "the masked entries are −inf, which calibration cannot measure");
			// −inf on codes: the lowest, weighing ~0 as exp(−inf) = 0 in float
			QuantizedTensor sum = assertOnCodes(which, t, model, r, q -> q.node() != null && q.node().startsWith(where ? "where" : "add"));
			assertTrue(sum.observed() == null, which + "not calibrated: " + sum);
		}
	}

	@Test
	void aSoftmaxOfScoresMaskedWithANormalExpStaysFloat() {
		TinyGraph t = new TinyGraph(NODES, NODES);
		QuantizationResult r = TinyGraph.quantize(t.model(attention(t, -60f)), Schemes.preset("fiq_int8"), t.calibration(0, 1));
		QuantizationResult.Layer softmax = layer(r, "Softmax");
		assertFalse(softmax.quantized(), softmax.reason());
		assertTrue(softmax.reason().contains("QLinearSoftmax ran at 0.26-0.31x"), softmax.reason());
	}
}
