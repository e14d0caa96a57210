package org.quantrace.engine.quantize.tests;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.Test;
import org.quantrace.engine.data.ArrayDataset;
import org.quantrace.engine.onnx.Graph;
import org.quantrace.engine.onnx.Node;
import org.quantrace.engine.onnx.OnnxModel;
import org.quantrace.engine.quantize.InputResolution;
import org.quantrace.engine.quantize.QuantType;
import org.quantrace.engine.quantize.QuantizationResult;
import org.quantrace.engine.quantize.QuantizationSpec;
import org.quantrace.engine.quantize.QuantizationSpec.TensorSpec;
import org.quantrace.engine.quantize.Schemes;
import org.quantrace.engine.runtime.NdArray;

/**
 * Dynamic-range quantization of a layer reading raw tabular features of different units (newuser60's tabraw: a Gemm on
 * breast-cancer's features from 0.001 to 4,254, drq 0.9708 → 0.5556 with no word). Eight features of magnitude 1e-3 to 4e3, each
 * weighted by about the inverse of its magnitude so that each contributes alike: per output channel, the step the weights of the
 * small-valued features set rounds the weights of the large-valued ones to zero, and each error is multiplied by the feature.
 */
class DrqRawFeaturesTest {

	private static final int F = 8;
	private static final int OUT = 4;
	private static final float[] MAGNITUDE = { 1e-3f, 1e-2f, 0.1f, 1f, 10f, 100f, 1000f, 4000f };

	/** Gemm (transB = 1, weights [out, in]) on the input, then a hidden Gemm: the first per input feature, the second per output channel. */
	@Test
	void aGemmOnRawFeaturesGetsOneWeightScalePerFeature() {
		TinyGraph t = new TinyGraph(F);
		String h = t.node("Gemm", List.of("x", t.floats(weights(OUT, F, true), OUT, F), t.weight(0.5, OUT)), TinyGraph.attr("transB", 1L));
		String y = t.node("Gemm", List.of(h, t.weight(0.5, 2, OUT), t.weight(0.5, 2)), TinyGraph.attr("transB", 1L));
		OnnxModel model = t.model(y);

		QuantizationResult q = TinyGraph.quantize(model, Schemes.preset("drq"), features(16, 1));

		QuantizationResult.Layer first = q.layers().get(0);
		QuantizationResult.Layer hidden = q.layers().get(1);
		assertTrue(first.reason().contains(InputResolution.PER_FEATURE + " (the columns of model input 'x'"), first.toString());
		assertTrue(first.reason().matches(".*its weight columns' largest magnitudes spread [0-9.]+x, at least 10x, as raw features.*"), first.reason());
		assertTrue(!hidden.reason().contains(InputResolution.PER_FEATURE), hidden.toString());
		assertArrayEquals(new long[] { 1, F }, scaleDims(q.model(), first.node()), "one scale per input feature (axis 1 of [out, in])");
		assertArrayEquals(new long[] { 2, 1 }, scaleDims(q.model(), hidden.node()), "one scale per output channel (axis 0)");
		assertTrue(q.tensors().stream().anyMatch(w -> w.node().equals(first.node()) && w.params().axis() == 1), q.tensors().toString());
		assertClose(model, q.model(), 0.01);
	}

	/** A MatMul on the input (weights [in, out]): per input feature is axis 0. */
	@Test
	void aMatMulOnRawFeaturesGetsOneWeightScalePerFeature() {
		TinyGraph t = new TinyGraph(F);
		String y = t.node("MatMul", List.of("x", t.floats(weights(OUT, F, false), F, OUT)));
		OnnxModel model = t.model(y);

		QuantizationResult q = TinyGraph.quantize(model, Schemes.preset("drq"), features(16, 1));

		assertArrayEquals(new long[] { F, 1 }, scaleDims(q.model(), q.layers().get(0).node()));
		assertClose(model, q.model(), 0.01);
	}

	/**
	 * A first layer large enough for the dynamic kernel (8 x 4,096 weights, over the 32,768 elements where it beats float): under
	 * kernels auto it stays weight-only, per input feature, since DynamicQuantizeLinear would round the features at one scale;
	 * under kernels dynamic, asked, it runs the dynamic kernel and a warning names the layer.
	 */
	@Test
	void aLargeFirstLayerStaysWeightOnlyUnlessDynamicIsAsked() {
		TinyGraph t = new TinyGraph(F);
		int wide = 4096;
		float[] w = new float[F * wide];
		float[] column = weights(wide, F, false);
		System.arraycopy(column, 0, w, 0, w.length);
		String y = t.node("MatMul", List.of("x", t.floats(w, F, wide)));
		OnnxModel model = t.model(y);

		QuantizationResult auto = TinyGraph.quantize(model, Schemes.preset("drq"), features(16, 1));
		QuantizationResult.Layer layer = auto.layers().get(0);
		assertTrue(!layer.quantized() && layer.reason().contains("a dynamic kernel would round the model input's features at one uint8 scale")
				&& layer.reason().contains(InputResolution.PER_FEATURE), layer.toString());
		assertArrayEquals(new long[] { F, 1 }, scaleDims(auto.model(), layer.node()));
		assertTrue(auto.warnings().isEmpty(), auto.warnings().toString());

		QuantizationResult dynamic = TinyGraph.quantize(model, Schemes.preset("drq").toBuilder().kernels(QuantizationSpec.Kernels.DYNAMIC).build(), features(16, 1));
		assertTrue(dynamic.layers().get(0).quantized(), dynamic.layers().toString());
		assertTrue(dynamic.warnings().stream().anyMatch(x -> x.startsWith("layer '" + layer.node() + "' reads model input 'x' ([N, F] features) through a dynamic kernel")),
				dynamic.warnings().toString());
		assertTrue(dynamic.quantizerWarnings().stream().anyMatch(x -> x.subject().equals(layer.node()) && org.quantrace.engine.quantize.QuantizerWarning.OTHER.equals(x.code())),
				"about the layer, with its code (warn67): " + dynamic.quantizerWarnings());
	}

	/**
	 * An MLP over flattened images or standardized features (make_drqmlp65's mlpflat: [N, 784] pixels into a 784 → 512 Gemm): its
	 * features are of one unit, its weight columns alike (spread well under 10x), so its large first layer keeps the dynamic kernel
	 * (DynamicQuantizeLinear → MatMulInteger, fused by ONNX Runtime) with weights per output channel, and its reason says why;
	 * drqtab63's rule made every such layer weight-only.
	 */
	@Test
	void aLargeFirstLayerOnFeaturesOfOneUnitKeepsTheDynamicKernel() {
		int features = 64;
		int out = 1024; // 64 x 1,024 weights, over the 32,768 where the dynamic kernel beats float
		TinyGraph t = new TinyGraph(features);
		String y = t.node("Gemm", List.of("x", t.weight(0.05, out, features), t.weight(0.1, out)), TinyGraph.attr("transB", 1L));
		OnnxModel model = t.model(y);

		QuantizationResult q = TinyGraph.quantize(model, Schemes.preset("drq"), null);

		QuantizationResult.Layer layer = q.layers().get(0);
		assertTrue(layer.quantized(), layer.toString());
		assertTrue(layer.reason().contains("model input 'x' read as features of one unit (its weight columns' largest magnitudes spread ")
				&& layer.reason().contains("x, under 10x): weights per output channel") && !layer.reason().contains(InputResolution.PER_FEATURE), layer.reason());
		assertTrue(TinyGraph.optimizedOps(q.model()).stream().anyMatch(o -> o.endsWith("DynamicQuantizeMatMul")), TinyGraph.optimizedOps(q.model()).toString());
		assertTrue(q.warnings().isEmpty(), q.warnings().toString());
	}

	/** The spread, largest column magnitude over the smallest non-zero one, along either axis; no weight at all is 1. */
	@Test
	void theColumnSpreadIsTakenOverTheFeatureAxis() {
		org.quantrace.engine.onnx.Tensor w = org.quantrace.engine.onnx.Tensor.ofFloats("w", new long[] { 2, 3 }, new float[] { 1, -0.5f, 0, -4, 0.25f, 0 });
		assertEquals(4 / 0.5, InputResolution.columnSpread(w, 1), 1e-12, "columns (1, 4), (0.5, 0.25), (0, 0): 4 / 0.5, the zero column left out");
		assertEquals(4 / 1.0, InputResolution.columnSpread(w, 0), 1e-12, "rows: 1 and 4");
		assertEquals(1, InputResolution.columnSpread(org.quantrace.engine.onnx.Tensor.ofFloats("z", new long[] { 2, 2 }, new float[4]), 1));
	}

	/** Per tensor asked: kept per tensor (the user's choice), nothing said of features. */
	@Test
	void perTensorAskedIsKept() {
		TinyGraph t = new TinyGraph(F);
		String y = t.node("MatMul", List.of("x", t.floats(weights(OUT, F, false), F, OUT)));
		QuantizationResult q = TinyGraph.quantize(t.model(y), Schemes.preset("drq").toBuilder()
				.weights(new TensorSpec(QuantType.INT8, QuantizationSpec.Symmetry.SYMMETRIC, QuantizationSpec.Granularity.PER_TENSOR)).build(),
				features(16, 1));
		assertTrue(!q.layers().get(0).reason().contains(InputResolution.PER_FEATURE), q.layers().get(0).toString());
		assertArrayEquals(new long[0], scaleDims(q.model(), q.layers().get(0).node()));
	}

	/** The dims of the scale its weight is dequantized with (Mul(Cast(codes), scale) feeding input 1 of {@code node}). */
	private static long[] scaleDims(OnnxModel m, String node) {
		Graph g = m.graph();
		Node n = g.nodes().stream().filter(x -> x.name().equals(node)).findFirst().orElseThrow();
		Node mul = g.producer(n.input(1)).orElse(null);
		assertTrue(mul != null && mul.opType().equals("Mul"), node + "'s weights are not dequantized through a Mul: " + mul);
		return g.initializer(mul.input(1)).dims();
	}

	/** The quantized outputs on fresh samples, on average within {@code bound} of the float outputs' spread. */
	private static void assertClose(OnnxModel model, OnnxModel quantized, double bound) {
		float[] x = features(256, 2).readInputs(0, 256, null).toFloats();
		float[] f = TinyGraph.run(model, NdArray.ofFloats(new long[] { 256, F }, x));
		float[] q = TinyGraph.run(quantized, NdArray.ofFloats(new long[] { 256, F }, x));
		double lo = Double.MAX_VALUE;
		double hi = -Double.MAX_VALUE;
		double d = 0;
		for (int i = 0; i < f.length; i++) {
			lo = Math.min(lo, f[i]);
			hi = Math.max(hi, f[i]);
			d += Math.abs(f[i] - q[i]);
		}
		double mean = d / f.length / (hi - lo);
		assertTrue(mean < bound, "mean difference " + mean + " of the float outputs' spread");
	}

	/** Weights about 1 / the feature's magnitude, [out, in] row-major, or [in, out] when {@code outFirst} is false. */
	private static float[] weights(int out, int in, boolean outFirst) {
		Random r = new Random(3);
		float[] w = new float[out * in];
		for (int o = 0; o < out; o++) {
			for (int i = 0; i < in; i++) {
				w[outFirst ? o * in + i : i * out + o] = (float) ((r.nextDouble() + 0.5) * (r.nextBoolean() ? 1 : -1) / MAGNITUDE[i]);
			}
		}
		return w;
	}

	/** {@code n} samples, feature i uniform in [0, 2 · MAGNITUDE[i]). */
	private static ArrayDataset features(int n, long seed) {
		Random r = new Random(seed);
		float[] v = new float[n * F];
		for (int i = 0; i < v.length; i++) {
			v[i] = (float) (r.nextDouble() * 2 * MAGNITUDE[i % F]);
		}
		return new ArrayDataset("tabular", v, new long[] { F }, null);
	}
}
