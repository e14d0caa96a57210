package org.quantrace.engine.quantize.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.Test;
import org.quantrace.engine.data.ArrayDataset;
import org.quantrace.engine.onnx.IoQuantization;
import org.quantrace.engine.onnx.OnnxModel;
import org.quantrace.engine.quantize.QuantizationResult;
import org.quantrace.engine.quantize.Schemes;
import org.quantrace.engine.runtime.NdArray;

/**
 * Tabular features of very different spans under one integer input scale (newuser52's sklwine: fiq-int8 0.9861 → 0.5278, 8 of
 * 13 features below one input step). A StandardScaler as convert writes skl2onnx's Scaler (Sub by the means, Mul by 1/std) before a
 * Gemm: one feature spans 0-1000, three span less than one step of the scale that covers it.
 */
class InputResolutionTest {

	private static final float[] MEANS = { 500f, 1f, 0f, 0.05f };
	private static final float[] HALF_SPANS = { 500f, 0.5f, 1f, 0.05f };

	/** Under integer I/O the input read by the Scaler's Sub stays float, the Sub and Mul with it, and the Gemm stays integer. */
	@Test
	void aScaledTabularInputStaysFloatAndKeepsItsOutputs() {
		for (String scheme : List.of("fiq_int8", "fiq_uint8")) {
			TinyGraph t = new TinyGraph(4);
			String y = t.node("Gemm", List.of(scaler(t), t.weight(0.5, 3, 4), t.weight(0.5, 3)), TinyGraph.attr("transB", 1L));
			OnnxModel model = t.model(y);

			QuantizationResult q = TinyGraph.quantize(model, Schemes.preset(scheme), features(64, 1));

			assertFalse(IoQuantization.inputs(q.model()).containsKey("x"), scheme + ": the input is read as float");
			assertTrue(q.integerInputs().isEmpty(), q.integerInputs().toString());
			QuantizationResult.Layer sub = q.layers().stream().filter(x -> x.opType().equals("Sub")).findFirst().orElseThrow();
			assertTrue(!sub.quantized() && sub.reason().startsWith("reads the model input 'x', kept float32: 3 of its 4 features span fewer than 4 steps"), sub.toString());
			assertTrue(q.layers().stream().filter(x -> x.opType().equals("Mul")).noneMatch(QuantizationResult.Layer::quantized), q.layers().toString());
			assertTrue(q.layers().stream().anyMatch(l -> l.opType().equals("Gemm") && l.quantized()), q.layers().toString());
			String w = q.warnings().stream().filter(s -> s.startsWith("input 'x': 3 of its 4 features")).findFirst().orElseThrow(() -> new AssertionError(q.warnings()));
			assertTrue(w.contains("the input stays float32") && w.contains("'sub"), w);
			// the outputs: on average within 3 % of the float model's spread (rounded to one scale, features 1-3 were flattened to 0-1
			// codes); samples beyond the calibration's range clip at the output's ends
			float[] x = features(256, 2).readInputs(0, 256, null).toFloats();
			float[] f = TinyGraph.run(model, NdArray.ofFloats(new long[] { 256, 4 }, x));
			float[] qq = TinyGraph.run(q.model(), NdArray.ofFloats(new long[] { 256, 4 }, x)); // the output's codes
			IoQuantization.Io out = IoQuantization.outputs(q.model()).get(y);
			for (int i = 0; i < qq.length; i++) {
				qq[i] = out.scale() * (qq[i] - out.zeroPoint());
			}
			assertTrue(meanDifference(f, qq) < 0.03, scheme + ": mean difference " + meanDifference(f, qq) + " of the float outputs' spread");
		}
	}

	/** A Gemm reading the raw features: the input is rounded as before (integer I/O), and the warning says what to do. */
	@Test
	void aRawTabularInputReadByAGemmIsSaid() {
		TinyGraph t = new TinyGraph(4);
		String y = t.node("Gemm", List.of("x", t.weight(0.5, 3, 4), t.weight(0.5, 3)), TinyGraph.attr("transB", 1L));
		QuantizationResult q = TinyGraph.quantize(t.model(y), Schemes.preset("fiq_int8"), features(64, 1));

		assertTrue(IoQuantization.inputs(q.model()).containsKey("x"));
		assertTrue(q.warnings().stream().anyMatch(s -> s.startsWith("input 'x': 3 of its 4 features") && s.contains("scale the features before the model")
				&& s.contains("quantize with float32 I/O and exclude the layers reading it")), q.warnings().toString());
	}

	/**
	 * The same Gemm under float32 I/O: the Gemm's QuantizeLinear rounds the raw features at one uint8 scale all the same
	 * (newuser60's tabraw: fiq-float32 0.9708 → 0.6667), so it is said, with the scale the file holds.
	 */
	@Test
	void aRawTabularInputQuantizedInsideUnderFloatIoIsSaid() {
		TinyGraph t = new TinyGraph(4);
		String y = t.node("Gemm", List.of("x", t.weight(0.5, 3, 4), t.weight(0.5, 3)), TinyGraph.attr("transB", 1L));
		QuantizationResult q = TinyGraph.quantize(t.model(y), Schemes.preset("fiq_float32"), features(64, 1));

		assertFalse(IoQuantization.inputs(q.model()).containsKey("x"), "float32 I/O");
		var g = q.model().graph();
		var quantize = g.consumers("x").stream().filter(n -> n.opType().equals("QuantizeLinear")).findFirst().orElseThrow();
		float scale = g.initializer(quantize.input(1)).toFloatArray()[0];
		String said = "input 'x': 3 of its 4 features span fewer than 4 steps of the input's one uint8 scale "
				+ String.format(java.util.Locale.ROOT, "%.6g", scale) + " its integer layers quantize it with (float32 I/O)";
		assertTrue(q.warnings().stream().anyMatch(s -> s.startsWith(said) && s.contains("or exclude the layers reading it")), said + " in " + q.warnings());
	}

	/** Features of one spread (an image's pixels, features scaled already), float I/O: nothing said, nothing kept float. */
	@Test
	void featuresOfOneSpreadAndFloatIoAreLeftAlone() {
		TinyGraph t = new TinyGraph(4);
		String y = t.node("Gemm", List.of(scaler(t), t.weight(0.5, 3, 4), t.weight(0.5, 3)), TinyGraph.attr("transB", 1L));
		QuantizationResult even = TinyGraph.quantize(t.model(y), Schemes.preset("fiq_int8"), t.calibration(0, 1));
		assertTrue(IoQuantization.inputs(even.model()).containsKey("x"));
		assertTrue(even.warnings().stream().noneMatch(s -> s.startsWith("input 'x'")), even.warnings().toString());

		QuantizationResult floatIo = TinyGraph.quantize(t.model(y), Schemes.preset("fiq_float32"), features(64, 1));
		assertTrue(floatIo.warnings().stream().noneMatch(s -> s.startsWith("input 'x'")), floatIo.warnings().toString());
		assertEquals(0, floatIo.layers().stream().filter(l -> l.reason().contains("kept float32")).count());
	}

	/** Sub by the means and Mul by 1/std, as MlLinearOps writes a Scaler. */
	private static String scaler(TinyGraph t) {
		float[] inv = new float[4];
		for (int i = 0; i < 4; i++) {
			inv[i] = 1.7f / HALF_SPANS[i];
		}
		String c = t.node("Sub", List.of("x", t.floats(MEANS, 4)));
		return t.node("Mul", List.of(c, t.floats(inv, 4)));
	}

	/** {@code n} samples, feature i uniform in MEANS[i] ± HALF_SPANS[i]. */
	private static ArrayDataset features(int n, long seed) {
		Random r = new Random(seed);
		float[] v = new float[n * 4];
		for (int i = 0; i < v.length; i++) {
			v[i] = (float) (MEANS[i % 4] + (r.nextDouble() * 2 - 1) * HALF_SPANS[i % 4]);
		}
		return new ArrayDataset("tabular", v, new long[] { 4 }, null);
	}

	/** The mean |a − b| over the spread of {@code a}. */
	private static double meanDifference(float[] a, float[] b) {
		double lo = Double.MAX_VALUE;
		double hi = -Double.MAX_VALUE;
		double d = 0;
		for (int i = 0; i < a.length; i++) {
			lo = Math.min(lo, a[i]);
			hi = Math.max(hi, a[i]);
			d += Math.abs(a[i] - b[i]);
		}
		return d / a.length / (hi - lo);
	}
}
