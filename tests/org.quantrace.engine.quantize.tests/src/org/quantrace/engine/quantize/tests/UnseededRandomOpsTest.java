package org.quantrace.engine.quantize.tests;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;
import org.quantrace.engine.InvalidInputException;
import org.quantrace.engine.onnx.OnnxModel;
import org.quantrace.engine.quantize.QuantizationResult;
import org.quantrace.engine.quantize.Schemes;

/**
 * A model that draws random numbers at inference (make_unseen17.py "noisy": a Gaussian-noise layer left on, exported as
 * RandomNormalLike). ONNX Runtime seeds an unseeded generator from the clock once per process, so the calibration saw
 * other values in every process: two `quantize --scheme fiq-int8` runs of noisy.onnx wrote two different files (SHA-256
 * d49ac2a5... and fbc8c17a...), and the recipe run's figures could not be derived again. Calibrating it is refused now;
 * with a seed attribute every session draws the same values and the model is quantized as any other.
 */
class UnseededRandomOpsTest {

	/** x + 0.1 RandomNormalLike(Conv(x)) after a Conv and Relu: the noise layer of "noisy", with or without a seed. */
	private static OnnxModel noisy(TinyGraph t, boolean seeded) {
		String h = t.node("Relu", List.of(OpRulesTest.conv(t, "x", 3, 4)));
		String draw = seeded ? t.node("RandomNormalLike", List.of(h), TinyGraph.attr("seed", 7f)) : t.node("RandomNormalLike", List.of(h));
		return t.model(OpRulesTest.pointwise(t, t.node("Add", List.of(h, t.node("Mul", List.of(draw, t.scalar(0.1f))))), 4, 4));
	}

	/** The fiq-int8 refusal of {@code model}, whose first unseeded random op is named {@code first...}, in the words every refusal uses. */
	private static InvalidInputException refusedNaming(OnnxModel model, TinyGraph t, String first) {
		InvalidInputException e = assertThrows(InvalidInputException.class,
				() -> TinyGraph.quantize(model, Schemes.preset("fiq_int8"), t.calibration(0, 1)));
		assertTrue(e.getMessage().startsWith("tiny holds 1 random op without a seed (the first: " + first), e.getMessage());
		assertTrue(e.getMessage().endsWith("'): ONNX Runtime seeds it from the clock, so the model's outputs differ from process to process, and so"
				+ " would its calibrated ranges and so the quantized file"), e.getMessage());
		return e;
	}

	@Test
	void calibratingAnUnseededRandomOpIsRefusedBeforeAnyWork() {
		TinyGraph t = new TinyGraph(3, 6, 6);
		OnnxModel model = noisy(t, false);

		InvalidInputException e = refusedNaming(model, t, "RandomNormalLike 'randomnormallike");
		assertTrue(e.hint().contains("seed attribute"), e.hint());
		// dynamic-range quantization runs no model: its file is the same in every process
		assertDoesNotThrow(() -> TinyGraph.quantize(model, Schemes.preset("drq"), null));
	}

	/**
	 * A seed is what makes the draws repeatable across processes (through the CLI: noisy.onnx with the noise scaled to 3 and
	 * seed 7 quantized in two processes, the same SHA-256 e80075c2..., without the seed two files): such a model is not refused.
	 */
	@Test
	void aSeededRandomOpIsQuantized() {
		TinyGraph t = new TinyGraph(3, 6, 6);
		OnnxModel model = noisy(t, true);
		org.quantrace.engine.data.ArrayDataset calibration = t.calibration(0, 1);

		QuantizationResult first = TinyGraph.quantize(model, Schemes.preset("fiq_int8"), calibration);

		assertTrue(first.layers().stream().anyMatch(l -> l.opType().equals("Conv") && l.quantized()), first.layers().toString());
		assertArrayEquals(first.model().toBytes(), TinyGraph.quantize(model, Schemes.preset("fiq_int8"), calibration).model().toBytes());
	}

	/** Conv, Relu, Dropout(h, 0.5, training_mode), pointwise Conv: round 17's dropt.onnx in small (noisy's noise swapped for a Dropout). */
	private static OnnxModel dropout(TinyGraph t, boolean trainingMode, boolean seeded, boolean dropoutOutput) {
		String h = t.node("Relu", List.of(OpRulesTest.conv(t, "x", 3, 4)));
		List<String> in = List.of(h, t.floats(new float[] { 0.5f }), t.bool(trainingMode));
		String d = seeded ? t.node("Dropout", in, TinyGraph.attr("seed", 7L)) : t.node("Dropout", in);
		return t.model(dropoutOutput ? d : OpRulesTest.pointwise(t, d, 4, 4));
	}

	/**
	 * A Dropout whose training_mode input is true draws its mask at run time wherever ONNX Runtime keeps it (its Dropout kernel,
	 * clock-seeded without a seed attribute): two runs of one batch differ where its output is read, as calibration and the debugger
	 * read every tensor. Where nothing reads its output but the next node, ONNX Runtime's optimizer removes it (EliminateDropout
	 * ignores training_mode outside training builds), so a plain run is repeatable. RandomOps did not count it: its calibration was
	 * taken as repeatable and inspect, evaluate and debug said nothing. Now it is refused as the generators are, with the same
	 * words; in inference mode (training_mode false) or with a seed it is not.
	 */
	@Test
	void aDropoutInTrainingModeIsRandomAndRefusedAsTheGeneratorsAre() {
		TinyGraph t = new TinyGraph(3, 6, 6);
		org.quantrace.engine.runtime.NdArray x = t.batch(t.data(2, 0, 1));
		OnnxModel read = dropout(t, true, false, true);
		assertFalse(java.util.Arrays.equals(TinyGraph.run(read, x), TinyGraph.run(read, x)), "two runs draw two masks where its output is read");
		TinyGraph p = new TinyGraph(3, 6, 6);
		OnnxModel training = dropout(p, true, false, false);
		assertArrayEquals(TinyGraph.run(training, x), TinyGraph.run(training, x), "removed by ONNX Runtime's optimizer where only the next node reads it");
		// what evaluate warns of: the ops that draw in a session reading the outputs only
		assertEquals(1, org.quantrace.engine.onnx.RandomOps.unseededInEvaluation(read).size());
		assertEquals(List.of(), org.quantrace.engine.onnx.RandomOps.unseededInEvaluation(training));

		InvalidInputException e = refusedNaming(training, p, "Dropout in training mode 'dropout");
		assertTrue(e.hint().contains("`quantrace convert` (a recipe's convert step) sets it to inference mode"), e.hint());
		TinyGraph u = new TinyGraph(3, 6, 6);
		OnnxModel inference = dropout(u, false, false, false);
		assertEquals(List.of(), org.quantrace.engine.onnx.RandomOps.unseeded(inference));
		assertEquals(List.of(), org.quantrace.engine.onnx.RandomOps.unseeded(dropout(new TinyGraph(3, 6, 6), true, true, false)));
		assertDoesNotThrow(() -> TinyGraph.quantize(inference, Schemes.preset("fiq_int8"), u.calibration(0, 1)));
	}
}
