package org.quantrace.engine.convert.tests;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quantrace.engine.convert.tests.WildConversionTest.random;
import static org.quantrace.engine.convert.tests.WildConversionTest.run;

import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.Test;
import org.quantrace.engine.Progress;
import org.quantrace.engine.convert.FreezeOptions;
import org.quantrace.engine.convert.FreezeResult;
import org.quantrace.engine.convert.Freezer;
import org.quantrace.engine.convert.Preprocessing;
import org.quantrace.engine.data.ArrayDataset;
import org.quantrace.engine.onnx.Node;
import org.quantrace.engine.onnx.OnnxModel;
import org.quantrace.engine.quantize.Quantizer;
import org.quantrace.engine.quantize.Schemes;

/**
 * make_unseen35's caffe6 and seg9 (old Caffe2/zoo exporters): a Sum of the block and a skip, of skip features. ONNX Runtime has
 * no integer Sum, so the quantized model ran each Sum in float between DequantizeLinear and QuantizeLinear, and the layer before
 * it was left in float too: caffe6's fiq-int8 took 2.1-2.3x fp32's CPU time. A Sum of n inputs is written as n - 1 Adds (the
 * same sum), which the quantized model runs as QLinearAdd; the Sum is listed as removed, "sum-as-adds".
 */
class SumAsAddsTest {

	/** x [N, 4, 5, 5] through two Conv branches, Relu and Sigmoid, summed (with a per-channel constant, for three), then a Conv. */
	private static OnnxModel branches(boolean three) {
		WildConversionTest.Tiny t = new WildConversionTest.Tiny(4, 5, 5);
		Random r = new Random(5);
		String a = t.node("Relu", t.node("Conv", List.of("x", t.floats(new long[] { 4, 4, 1, 1 }, values(r, 16)))));
		String b = t.node("Sigmoid", t.node("Conv", List.of("x", t.floats(new long[] { 4, 4, 1, 1 }, values(r, 16)))));
		List<String> summed = three ? List.of(a, b, t.floats(new long[] { 4, 1, 1 }, values(r, 4))) : List.of(a, b);
		String s = t.node("Sum", summed);
		return t.model(t.node("Conv", List.of(s, t.floats(new long[] { 3, 4, 1, 1 }, values(r, 12)))));
	}

	private static float[] values(Random r, int n) {
		float[] v = new float[n];
		for (int i = 0; i < n; i++) {
			v[i] = r.nextFloat() * 2 - 1;
		}
		return v;
	}

	@Test
	void aSumOfTwoIsOneAddComputingTheSame() {
		OnnxModel model = branches(false);
		FreezeResult r = Freezer.freeze(model, "caffe6", FreezeOptions.defaults(), null);
		List<Node> nodes = r.model().graph().nodes();
		assertEquals(List.of("Conv", "Relu", "Conv", "Sigmoid", "Add", "Conv"), nodes.stream().map(Node::opType).toList());
		Node sum = model.graph().nodes().get(4);
		assertEquals(sum.output(0), nodes.get(4).output(0), "the Sum's output keeps its name");
		assertEquals("sum-as-adds", r.removalReasons().get(sum.name()).code());
		assertArrayEquals(run(model, random(3, 4, 5, 5)), run(r.model(), random(3, 4, 5, 5)), 1e-6f);
		assertTrue(r.rewrites().stream().anyMatch(w -> w.made() && w.kind().equals("sums") && w.description().startsWith("1 Sum of n inputs written as n - 1 Adds")),
				r.rewrites().toString());
	}

	@Test
	void aSumOfThreeIsTwoAddsInOrderBroadcastingAsTheSumDid() {
		OnnxModel model = branches(true);
		FreezeResult r = Freezer.freeze(model, "seg9", FreezeOptions.defaults(), null);
		List<Node> nodes = r.model().graph().nodes();
		assertEquals(List.of("Conv", "Relu", "Conv", "Sigmoid", "Add", "Add", "Conv"), nodes.stream().map(Node::opType).toList());
		Node sum = model.graph().nodes().get(4);
		assertEquals(List.of(sum.input(0), sum.input(1)), nodes.get(4).inputs());
		assertEquals(List.of(nodes.get(4).output(0), sum.input(2)), nodes.get(5).inputs());
		assertEquals(sum.output(0), nodes.get(5).output(0));
		assertEquals(List.of(sum.name()), r.removedNodes());
		assertArrayEquals(run(model, random(3, 4, 5, 5)), run(r.model(), random(3, 4, 5, 5)), 1e-6f);
	}

	/** What it is for: quantized, ONNX Runtime runs the sum on codes (QLinearAdd), and no float Sum is left between Q/DQ pairs. */
	@Test
	void quantizedTheSumRunsAsQLinearAdds() {
		OnnxModel model = branches(true);
		FreezeResult r = Freezer.freeze(model, "seg9", FreezeOptions.defaults(), null);
		OnnxModel int8 = Quantizer.quantize(r.model(), "seg9", Schemes.preset("fiq_int8"), calibration(), Progress.NONE).model();
		List<String> kernels = MatrixProductsTest.optimizedOps(int8);
		assertFalse(kernels.contains("Sum"), kernels.toString());
		assertEquals(2, kernels.stream().filter(k -> k.equals("com.microsoft.QLinearAdd")).count(), kernels.toString());
	}

	/** quantize without a convert step: its pre-processing writes the Sum as Adds too, and says so among its gains. */
	@Test
	void quantizePreprocessingWritesTheSumAsAdds() {
		OnnxModel model = branches(false);
		Preprocessing.Outcome o = Preprocessing.of(model, "caffe6", calibration(), true);
		assertTrue(o.applied(), o.reason());
		assertTrue(o.gains().stream().anyMatch(g -> g.startsWith("sums: 1 Sum of n inputs written as n - 1 Adds")), o.gains().toString());
		assertTrue(o.model(model).graph().nodes().stream().noneMatch(n -> n.opType().equals("Sum")));
	}

	/** 64 samples of x [4, 5, 5] uniform in [-1, 1). */
	private static ArrayDataset calibration() {
		return new ArrayDataset("random", values(new Random(7), 64 * 100), new long[] { 4, 5, 5 }, null);
	}
}
