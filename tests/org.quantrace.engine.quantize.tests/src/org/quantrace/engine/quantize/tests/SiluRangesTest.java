package org.quantrace.engine.quantize.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.Random;

import org.junit.jupiter.api.Test;
import org.quantrace.engine.calibrate.CalibrationSettings;
import org.quantrace.engine.calibrate.Range;
import org.quantrace.engine.data.ArrayDataset;
import org.quantrace.engine.onnx.OnnxModel;
import org.quantrace.engine.quantize.QuantizationResult;
import org.quantrace.engine.quantize.QuantizationSpec;
import org.quantrace.engine.quantize.Schemes;

/**
 * SiLU spelled x·sigmoid(x) (EfficientNet; tests/data/wild make_unseen6.py effnet): under the default min-max calibration its input
 * and its product take the L2 range (torch's HistogramObserver) instead of the extremes, which a few of many values set. On the wild
 * EfficientNet fiq-int8 lost 0.90 pt against fp32 with min-max (0.8248 against 0.8338 on the 10,000 test images) and meets both
 * targets with this (tests/data/wild/README.md, branch silu).
 */
class SiluRangesTest {

	private static final int FEATURES = 64;

	/** Laplace-distributed values (scale 0.5): a dense middle and a long tail, as BatchNorm-folded Conv outputs without a ReLU. */
	private static float[] laplace(Random random, int samples) {
		float[] v = new float[samples * FEATURES];
		for (int i = 0; i < v.length; i++) {
			double u = random.nextDouble() - 0.5;
			v[i] = (float) (-0.5 * Math.signum(u) * Math.log(1 - 2 * Math.abs(u)));
		}
		return v;
	}

	/**
	 * What a SiLU reads in a trained network, roughly: 45 % negative values around -2 (they all land in [-0.28, 0] after SiLU, a
	 * dense pile in the product's histogram) and a positive Laplace tail (scale 1).
	 */
	private static float[] siluInputs(Random random, int samples) {
		float[] v = new float[samples * FEATURES];
		for (int i = 0; i < v.length; i++) {
			v[i] = random.nextDouble() < 0.45 ? (float) (random.nextGaussian() - 2) : (float) -Math.log(1 - random.nextDouble());
		}
		return v;
	}

	/** The node of a TinyGraph output ("mul3_out0" → "mul3"). */
	private static String node(String output) {
		return output.substring(0, output.length() - "_out0".length());
	}

	@Test
	void theInputAndProductOfXSigmoidXTakeTheL2RangeAndTheModelFollowsOnnxRuntimeCloser() {
		TinyGraph t = new TinyGraph(FEATURES);
		String h = t.node("MatMul", List.of("x", identity(t))); // keeps the Laplace tail (a sum of many would be near-Gaussian)
		String s = t.node("Sigmoid", List.of(h));
		String y = t.node("Mul", List.of(h, s));
		OnnxModel model = t.model(y);
		Random random = new Random(11);
		ArrayDataset calibration = new ArrayDataset("laplace", laplace(random, 4096), new long[] { FEATURES }, null);
		QuantizationSpec spec = Schemes.preset("fiq_float32");
		assertEquals(CalibrationSettings.Method.MINMAX, spec.calibration().method(), "the default is min-max");

		QuantizationResult r = TinyGraph.quantize(model, spec, calibration);
		assertEquals(Map.of(h, CalibrationSettings.Method.L2), r.calibration().methods(), "the SiLU's input is read by l2");
		Range chosen = r.calibration().ranges().get(h);
		Range seen = r.calibration().observed().get(h);
		assertTrue(chosen.max() < 0.9 * seen.max() && chosen.min() > 0.9 * seen.min(), "the L2 range " + chosen + " clips the tails min-max keeps, " + seen);
		assertImage(chosen, r.calibration().ranges().get(y));
		assertEquals(r.calibration().observed().get(s), r.calibration().ranges().get(s), "the Sigmoid's output keeps min-max");

		// ONNX Runtime runs it and follows its float result on held-out values (L2 is no closer than min-max in rms on this Laplace
		// data: its gain on the wild EfficientNet is in accuracy, averaged over six calibration sets, see the wild README)
		float[] x = laplace(random, 512);
		float[] expected = TinyGraph.run(model, t.batch(x));
		float[] actual = TinyGraph.run(r.model(), t.batch(x));
		assertTrue(rms(expected, actual) < 0.05 * rms(expected, new float[expected.length]),
				"rms error " + rms(expected, actual) + " of " + rms(expected, new float[expected.length]));
	}

	/**
	 * Entropy calibration (TensorRT's KL search) clipped the product at a fraction of its values (the wild EfficientNet's first
	 * expand SiLU at 0.68 while its values reach 10.9: 0.7450 against 0.8338 fp32): the product's histogram is a dense pile near 0,
	 * where every negative x lands, and a sparse tail. Its range is now the image of x's, whatever the method.
	 */
	@Test
	void underEntropyTheProductTakesTheImageOfItsInputsRange() {
		TinyGraph t = new TinyGraph(FEATURES);
		String h = t.node("MatMul", List.of("x", identity(t)));
		String y = t.node("Mul", List.of(h, t.node("Sigmoid", List.of(h))));
		ArrayDataset calibration = new ArrayDataset("silu inputs", siluInputs(new Random(5), 1024), new long[] { FEATURES }, null);
		QuantizationSpec entropy = Schemes.preset("fiq_float32").toBuilder()
				.calibration(Schemes.preset("fiq_float32").calibration().with(CalibrationSettings.Method.ENTROPY)).build();
		QuantizationResult r = TinyGraph.quantize(t.model(y), entropy, calibration);
		assertEquals(Map.of(), r.calibration().methods(), "a method the user chose reads every tensor");
		Range x = r.calibration().ranges().get(h);
		assertTrue(r.calibration().ranges().get(y).max() > 0.9 * x.max(), "the product keeps what x keeps: " + r.calibration().ranges().get(y) + " of " + x);
		assertImage(x, r.calibration().ranges().get(y));
		// in ONNX Runtime, the quantized product reaches as far as the float one where x's range holds it
		float[] v = siluInputs(new Random(6), 256);
		float[] expected = TinyGraph.run(t.model(y), t.batch(v));
		float[] actual = TinyGraph.run(r.model(), t.batch(v));
		float top = 0;
		float reached = 0;
		for (int i = 0; i < expected.length; i++) {
			if (v[i] < x.max()) { // identity weights: the product of element i is silu(v[i])
				top = Math.max(top, expected[i]);
				reached = Math.max(reached, actual[i]);
			}
		}
		assertEquals(top, reached, 0.05 * top, "the largest product within x's range, float and quantized");
	}

	@Test
	void aGateIsNoSilu() {
		TinyGraph t = new TinyGraph(FEATURES);
		String h = t.node("MatMul", List.of("x", identity(t)));
		String g = t.node("Sigmoid", List.of(t.node("MatMul", List.of("x", t.weight(0.5, FEATURES, FEATURES)))));
		String y = t.node("Mul", List.of(h, g)); // a gate: the Sigmoid of another tensor (squeeze-excitation), not a SiLU
		ArrayDataset calibration = new ArrayDataset("laplace", laplace(new Random(3), 256), new long[] { FEATURES }, null);
		QuantizationResult gate = TinyGraph.quantize(t.model(y), Schemes.preset("fiq_float32"), calibration);
		assertEquals(Map.of(), gate.calibration().methods(), "a gating product is no SiLU");
		assertEquals(gate.calibration().observed().get(y), gate.calibration().ranges().get(y), "its product keeps min-max");
		assertEquals(gate.calibration().observed().get(h), gate.calibration().ranges().get(h), "its input keeps min-max");
	}

	/** {@code product} is silu({@code x}): from silu's minimum −0.2785 (x reaches below −1.2785 here) to silu(x's maximum). */
	private static void assertImage(Range x, Range product) {
		assertTrue(x.min() < -1.2785, "x reaches below silu's argmin: " + x);
		assertEquals(-0.2784645427610738, product.min(), 1e-9, "the product's minimum is silu's: " + product);
		assertEquals(x.max() / (1 + Math.exp(-x.max())), product.max(), 1e-9, "the product's maximum is silu(x's maximum): " + product + " of " + x);
	}

	/** A FEATURES x FEATURES identity weight. */
	private static String identity(TinyGraph t) {
		float[] w = new float[FEATURES * FEATURES];
		for (int i = 0; i < FEATURES; i++) {
			w[i * FEATURES + i] = 1;
		}
		return t.floats(w, FEATURES, FEATURES);
	}

	private static double rms(float[] a, float[] b) {
		double s = 0;
		for (int i = 0; i < a.length; i++) {
			s += (a[i] - b[i]) * (double) (a[i] - b[i]);
		}
		return Math.sqrt(s / a.length);
	}
}
