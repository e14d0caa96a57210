package org.quantrace.engine.quantize.tests;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;
import org.quantrace.engine.data.ArrayDataset;
import org.quantrace.engine.onnx.Graph;
import org.quantrace.engine.onnx.Node;
import org.quantrace.engine.onnx.OnnxModel;
import org.quantrace.engine.quantize.BiasCorrection;
import org.quantrace.engine.quantize.QuantizationResult;
import org.quantrace.engine.quantize.QuantizationSpec;
import org.quantrace.engine.quantize.QuantizedTensor;
import org.quantrace.engine.quantize.Schemes;

/**
 * Bias correction on one layer per op (1x1 Conv, Gemm, MatMul + Add) whose int8 weights all round the same way: in each
 * output channel one weight of ±1 sets the per-channel scale s = 1/127 and the others are ±0.49 s, which round to 0. On
 * inputs in [0, 1) (mean 0.5) the layer's output is then off by a steady −(sum of the rounded-away weights) · 0.5 per
 * channel, several output steps. The correction is derived here by hand from the stored scales (the inputs' codes and the
 * weights' rounding, in double) and held against the recorded one; the corrected model's mean output error per channel
 * must fall to a fraction of the uncorrected one's on other samples.
 */
class BiasCorrectionTest {

	private static final int IN = 16;
	private static final int OUT = 3;

	/** w[c][k]: ±1 at k = c, ±0.49/127 elsewhere, the sign alternating by channel so that the offsets differ. */
	private static float[][] weights() {
		float[][] w = new float[OUT][IN];
		for (int c = 0; c < OUT; c++) {
			for (int k = 0; k < IN; k++) {
				w[c][k] = k == c ? (c % 2 == 0 ? 1f : -1f) : (c % 2 == 0 ? 0.49f : -0.49f) / 127f * (c + 1) / OUT;
			}
		}
		return w;
	}

	private static final float[] BIAS = { 0.1f, -0.2f, 0.05f };

	@Test
	void aOneByOneConvsBiasIsCorrectedByItsMeanError() {
		TinyGraph t = new TinyGraph(IN, 4, 4);
		float[][] w = weights();
		float[] flat = new float[OUT * IN];
		for (int c = 0; c < OUT; c++) {
			System.arraycopy(w[c], 0, flat, c * IN, IN);
		}
		String conv = t.node("Conv", List.of("x", t.floats(flat, OUT, IN, 1, 1), t.floats(BIAS, OUT)));
		check(t, t.model(conv), "conv", 16);
	}

	@Test
	void aGemmsBiasIsCorrectedByItsMeanError() {
		TinyGraph t = new TinyGraph(IN);
		float[][] w = weights();
		float[] flat = new float[OUT * IN];
		for (int c = 0; c < OUT; c++) {
			System.arraycopy(w[c], 0, flat, c * IN, IN);
		}
		String gemm = t.node("Gemm", List.of("x", t.floats(flat, OUT, IN), t.floats(BIAS, OUT)), TinyGraph.attr("transB", 1));
		check(t, t.model(gemm), "gemm", 1);
	}

	@Test
	void aMatMulsAddIsCorrectedByItsMeanError() {
		TinyGraph t = new TinyGraph(IN);
		float[][] w = weights();
		float[] kc = new float[IN * OUT]; // MatMul's weight is [K, C]
		for (int c = 0; c < OUT; c++) {
			for (int k = 0; k < IN; k++) {
				kc[k * OUT + c] = w[c][k];
			}
		}
		String mm = t.node("MatMul", List.of("x", t.floats(kc, IN, OUT)));
		String add = t.node("Add", List.of(mm, t.floats(BIAS, OUT)));
		check(t, t.model(add), "add", 1);
	}

	/**
	 * A Conv without a bias (and so a model with no int32 bias at all, as zoo's if_cnn's main graph, whose Convs are all inside
	 * If branches): nothing to correct. The quantize command stopped with exit 3 ("Unexpected number of requestedOutputs") as
	 * the float pass ran with no output; now the model is the uncorrected one and the layer's line says why it was left.
	 */
	@Test
	void aConvWithoutABiasIsLeftAsItIsAndSaysSo() {
		TinyGraph t = new TinyGraph(IN, 4, 4);
		String conv = t.node("Conv", List.of("x", t.weight(0.3, OUT, IN, 1, 1)));
		OnnxModel model = t.model(conv);
		ArrayDataset calibration = new ArrayDataset("uniform01", t.data(64, 0, 1), sampleOf(t), null);
		QuantizationSpec plain = Schemes.preset("fiq_float32");
		QuantizationResult on = TinyGraph.quantize(model, plain.toBuilder().biasCorrection(true).build(), calibration);
		assertTrue(on.biasCorrections().isEmpty(), on.biasCorrections().toString());
		assertTrue(on.layers().stream().anyMatch(l -> l.opType().equals("Conv") && l.reason().contains("bias not corrected")), on.layers().toString());
		assertArrayEquals(TinyGraph.quantize(model, plain, calibration).model().toBytes(), on.model().toBytes(), "nothing else changes");
	}

	/** Quantizes with and without bias correction and holds the correction of {@code layer} against the hand derivation. */
	private static void check(TinyGraph t, OnnxModel model, String layer, int positions) {
		ArrayDataset calibration = new ArrayDataset("uniform01", t.data(64, 0, 1), sampleOf(t), null);
		QuantizationSpec plain = Schemes.preset("fiq_float32");
		QuantizationResult off = TinyGraph.quantize(model, plain, calibration);
		QuantizationResult on = TinyGraph.quantize(model, plain.toBuilder().biasCorrection(true).build(), calibration);
		assertTrue(off.biasCorrections().isEmpty(), "off by default");
		assertEquals(1, on.biasCorrections().size(), on.biasCorrections().toString());
		BiasCorrection.Corrected c = on.biasCorrections().get(0);
		assertTrue(c.node().startsWith(layer), c.node());
		assertEquals(64, c.samples());
		assertEquals("uniform01", c.data());

		// by hand: mean over the calibration samples of Σk (x̂k ŵck − xk wck) + (b̂c − bc), x̂ = x's codes dequantized
		QuantizedTensor x = on.tensors().stream().filter(q -> q.tensor().equals("x")).findFirst().orElseThrow();
		float sx = x.params().scale();
		long zx = x.params().zeroPoint();
		float[][] w = weights();
		float[] sws = on.tensors().stream().filter(q -> q.role() == QuantizedTensor.Role.WEIGHT && q.node().equals(c.weightNode())).findFirst()
				.orElseThrow().params().scales();
		float[] cal = calibrationValues(calibration);
		double[] expected = new double[OUT];
		int samples = 64;
		for (int n = 0; n < samples; n++) {
			for (int p = 0; p < positions; p++) {
				for (int o = 0; o < OUT; o++) {
					float sw = sws[sws.length == 1 ? 0 : o];
					double err = 0;
					for (int k = 0; k < IN; k++) {
						float xv = cal[(n * IN + k) * positions + p];
						long q = Math.max(0, Math.min(255, Math.round(Math.rint(xv / sx)) + zx));
						double xq = (q - zx) * (double) sx;
						double wq = Math.max(-127, Math.min(127, Math.rint(w[o][k] / sw))) * sw;
						err += xq * wq - (double) xv * w[o][k];
					}
					expected[o] += err;
				}
			}
		}
		for (int o = 0; o < OUT; o++) {
			float sb = sx * sws[sws.length == 1 ? 0 : o];
			expected[o] = expected[o] / (samples * positions) + (Math.rint(BIAS[o] / sb) * sb - BIAS[o]);
			assertEquals(expected[o], c.correction()[o], 2e-5 + 1e-3 * Math.abs(expected[o]), "channel " + o + ": " + java.util.Arrays.toString(c.correction()));
			assertTrue(Math.abs(expected[o]) > 0.005, "the weights' rounding makes a steady error: " + expected[o]);
		}

		// the codes written are the corrected bias's at the bias's own scale
		int[] codes = biasCodes(on.model(), c.node());
		int[] uncorrected = biasCodes(off.model(), c.node());
		for (int o = 0; o < OUT; o++) {
			float sb = sx * sws[sws.length == 1 ? 0 : o];
			assertEquals((int) Math.rint((BIAS[o] - c.correction()[o]) / sb), codes[o], "channel " + o);
		}
		assertTrue(!java.util.Arrays.equals(codes, uncorrected), "the codes changed");
		assertTrue(on.layers().stream().anyMatch(l -> l.node().equals(c.node()) && l.reason().contains("bias corrected: the per-channel mean error over 64"
				+ " calibration samples of uniform01")), on.layers().toString());

		// on other samples, the model's mean output error per channel falls to a fraction of the uncorrected one's
		float[] eval = t.data(128, 0, 1);
		double[] before = meanError(model, off.model(), t, eval, positions);
		double[] after = meanError(model, on.model(), t, eval, positions);
		for (int o = 0; o < OUT; o++) {
			assertTrue(Math.abs(after[o]) < 0.25 * Math.abs(before[o]), "channel " + o + ": mean error " + after[o] + " with, " + before[o] + " without");
		}
		assertArrayEquals(codes, biasCodes(TinyGraph.quantize(model, plain.toBuilder().biasCorrection(true).build(), calibration).model(), c.node()),
				"deterministic");
	}

	private static long[] sampleOf(TinyGraph t) {
		long[] b = t.batchShape(1);
		return java.util.Arrays.copyOfRange(b, 1, b.length);
	}

	private static float[] calibrationValues(ArrayDataset d) {
		return d.read(0, d.size()).inputs().floats();
	}

	/** The int32 codes of the bias {@code node} reads through a DequantizeLinear. */
	private static int[] biasCodes(OnnxModel m, String node) {
		Graph g = m.graph();
		Node n = g.nodes().stream().filter(x -> x.name().equals(node)).findFirst().orElseThrow();
		for (String in : n.inputs()) {
			Node dq = g.producer(in).orElse(null);
			if (dq != null && dq.opType().equals("DequantizeLinear") && g.initializer(dq.input(0)) != null
					&& g.initializer(dq.input(0)).dataType() == org.quantrace.engine.onnx.DataType.INT32) {
				return java.util.Arrays.stream(g.initializer(dq.input(0)).toLongArray()).mapToInt(v -> (int) v).toArray();
			}
		}
		throw new AssertionError("no int32 bias read by " + node);
	}

	/** Per output channel, the mean of (quantized − float) output over {@code x}. */
	private static double[] meanError(OnnxModel floatModel, OnnxModel quantized, TinyGraph t, float[] x, int positions) {
		float[] f = TinyGraph.run(floatModel, t.batch(x));
		float[] q = TinyGraph.run(quantized, t.batch(x));
		double[] mean = new double[OUT];
		for (int i = 0; i < f.length; i++) {
			mean[(i / positions) % OUT] += q[i] - f[i];
		}
		for (int o = 0; o < OUT; o++) {
			mean[o] /= f.length / OUT;
		}
		return mean;
	}
}
