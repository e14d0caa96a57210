package org.quantrace.engine.quantize.tests;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;
import org.quantrace.engine.onnx.OnnxModel;
import org.quantrace.engine.quantize.QuantizationResult;
import org.quantrace.engine.quantize.Schemes;

/**
 * A float constant no quantization scale can represent (inf, NaN, or finfo(float32).min, whose range overflows float) is never
 * quantized: the op reading it stays float with the reason, and a masking fill before a Softmax still lets the Softmax run on
 * codes. Found by debugmask (tests/data/wild/README.md): a causal mask Where(band, x · W, −inf) over an integer MatMul's scores
 * stopped quantize with an internal error ("scales must be positive and finite: [Infinity]", the fill taken as QLinearWhere's
 * constant input); with Elu(x · W) as the scores (MaskedScoresTest) the Where was float already.
 */
class UnrepresentableConstantsTest {

	private static final int NODES = 16;

	private static boolean[] band(boolean inside) {
		boolean[] band = new boolean[NODES * NODES];
		for (int i = 0; i < NODES; i++) {
			for (int j = 0; j < NODES; j++) {
				band[i * NODES + j] = (Math.abs(i - j) <= 1) == inside;
			}
		}
		return band;
	}

	/** x [N, 16, 16] → x · W → Where masking it with {@code fill} (as input 2, or input 1 when {@code swapped}) → Softmax → · (x · V). */
	private static String causal(TinyGraph t, float fill, boolean swapped) {
		String scores = t.node("MatMul", List.of("x", t.weight(0.5, NODES, NODES)));
		long[] dims = { NODES, NODES };
		String masked = swapped ? t.node("Where", List.of(t.bools(dims, band(false)), t.scalar(fill), scores))
				: t.node("Where", List.of(t.bools(dims, band(true)), scores, t.scalar(fill)));
		String weights = t.node("Softmax", List.of(masked), TinyGraph.attr("axis", -1L));
		return t.node("MatMul", List.of(weights, t.node("MatMul", List.of("x", t.weight(0.5, NODES, 8)))));
	}

	private static QuantizationResult.Layer layer(QuantizationResult r, String op) {
		return r.layers().stream().filter(l -> l.opType().equals(op)).findFirst().orElseThrow();
	}

	@Test
	void aWhereFillingIntegerScoresWithMinusInfinityOrFinfoMinStaysFloatAndTheSoftmaxRunsOnCodes() {
		for (float fill : new float[] { Float.NEGATIVE_INFINITY, -Float.MAX_VALUE }) {
			for (boolean swapped : new boolean[] { false, true }) {
				String which = "fill " + fill + (swapped ? ", Where(cond, fill, scores): " : ", Where(cond, scores, fill): ");
				TinyGraph t = new TinyGraph(NODES, NODES);
				OnnxModel model = t.model(causal(t, fill, swapped));
				QuantizationResult r = TinyGraph.quantize(model, Schemes.preset("fiq_int8"), t.calibration(0, 1));

				QuantizationResult.Layer where = layer(r, "Where");
				assertFalse(where.quantized(), which + where.reason());
				assertTrue(where.reason().contains("which no quantization scale can represent") && where.reason().contains("masks the scores of a Softmax"),
						which + where.reason());
				QuantizationResult.Layer softmax = layer(r, "Softmax");
				assertTrue(softmax.quantized() && softmax.reason().contains("masked by the Where") && softmax.reason().contains("widened by 16 below"),
						which + softmax.reason());
				List<String> ran = TinyGraph.optimizedOps(r.model());
				assertTrue(ran.contains("com.microsoft.QLinearSoftmax") && !ran.contains("Softmax"), which + ran);
				try {
					OpRulesTest.assertRunsAsWritten(t, r, 0.2);
					OpRulesTest.assertWithinSteps(t, model, r); // the masked entries weigh ~0 as in float
				} catch (AssertionError e) {
					throw new AssertionError(which + e.getMessage(), e);
				}
			}
		}
	}

	@Test
	void anAddOfAConstantMinusInfinityBandOverIntegerScoresStaysFloatAndTheSoftmaxRunsOnCodes() {
		TinyGraph t = new TinyGraph(NODES, NODES);
		String scores = t.node("MatMul", List.of("x", t.weight(0.5, NODES, NODES)));
		float[] mask = new float[NODES * NODES];
		boolean[] inside = band(true);
		for (int i = 0; i < mask.length; i++) {
			mask[i] = inside[i] ? 0 : Float.NEGATIVE_INFINITY;
		}
		String weights = t.node("Softmax", List.of(t.node("Add", List.of(scores, t.floats(mask, NODES, NODES)))), TinyGraph.attr("axis", -1L));
		OnnxModel model = t.model(t.node("MatMul", List.of(weights, t.node("MatMul", List.of("x", t.weight(0.5, NODES, 8))))));
		QuantizationResult r = TinyGraph.quantize(model, Schemes.preset("fiq_int8"), t.calibration(0, 1));

		assertFalse(layer(r, "Add").quantized(), layer(r, "Add").reason());
		assertTrue(layer(r, "Softmax").quantized(), layer(r, "Softmax").reason());
		OpRulesTest.assertWithinSteps(t, model, r);
	}

	@Test
	void aWhereWhoseUnselectedConstantHoldsInfinityOrNaNStaysFloatWithTheReason() {
		// a constant the Where never selects (its condition all true) and no Softmax reads: no mask, finite outputs, so calibration
		// measures every tensor; the constant itself still has no scale
		for (float bad : new float[] { Float.POSITIVE_INFINITY, Float.NaN }) {
			TinyGraph t = new TinyGraph(NODES, NODES);
			boolean[] all = new boolean[NODES * NODES];
			java.util.Arrays.fill(all, true);
			float[] other = new float[NODES * NODES];
			other[5] = bad;
			String scores = t.node("MatMul", List.of("x", t.weight(0.5, NODES, NODES)));
			String picked = t.node("Where", List.of(t.bools(new long[] { NODES, NODES }, all), scores, t.floats(other, NODES, NODES)));
			QuantizationResult r = TinyGraph.quantize(t.model(t.node("MatMul", List.of(picked, t.weight(0.5, NODES, 8)))), Schemes.preset("fiq_int8"),
					t.calibration(0, 1));

			String what = Float.isNaN(bad) ? "NaN" : "+inf";
			QuantizationResult.Layer where = layer(r, "Where");
			assertTrue(!where.quantized() && where.reason().contains("holds " + what + ", which no quantization scale can represent")
					&& !where.reason().contains("masks the scores"), what + ": " + where.reason());
			assertTrue(r.layers().stream().filter(l -> l.opType().equals("MatMul")).allMatch(QuantizationResult.Layer::quantized), what + ": " + r.layers());
		}
	}

	@Test
	void aMatMulWhoseWeightsHoldInfinityIsNotQuantizedByDynamicRange() {
		// without calibration nothing measures the infinite output first (with it, calibration refuses it as bad input)
		TinyGraph t = new TinyGraph(NODES, NODES);
		float[] w = new float[NODES * NODES];
		w[5] = Float.NEGATIVE_INFINITY;
		QuantizationResult r = TinyGraph.quantize(t.model(t.node("MatMul", List.of("x", t.floats(w, NODES, NODES)))), Schemes.preset("drq"), null);
		QuantizationResult.Layer matmul = layer(r, "MatMul");
		assertTrue(!matmul.quantized() && matmul.reason().contains("holds −inf, which no quantization scale can represent"), matmul.reason());
	}
}
