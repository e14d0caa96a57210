package org.quantrace.engine.quantize.tests;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
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

	@Test
	void calibratingAnUnseededRandomOpIsRefusedBeforeAnyWork() {
		TinyGraph t = new TinyGraph(3, 6, 6);
		OnnxModel model = noisy(t, false);

		InvalidInputException e = assertThrows(InvalidInputException.class,
				() -> TinyGraph.quantize(model, Schemes.preset("fiq_int8"), t.calibration(0, 1)));

		assertTrue(e.getMessage().startsWith("tiny holds 1 random op without a seed (the first: RandomNormalLike 'randomnormallike"), e.getMessage());
		assertTrue(e.getMessage().endsWith("'): ONNX Runtime seeds it from the clock, so the model's outputs differ from process to process, and so"
				+ " would its calibrated ranges and so the quantized file"), e.getMessage());
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
}
