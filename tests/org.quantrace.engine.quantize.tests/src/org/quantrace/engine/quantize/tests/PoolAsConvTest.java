package org.quantrace.engine.quantize.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;
import org.quantrace.engine.quantize.QuantizationResult;
import org.quantrace.engine.quantize.QuantizationSpec;
import org.quantrace.engine.quantize.tests.OpRulesTest.Checked;

/**
 * A 3x3 AveragePool with padding left out of its count (count_include_pad = 0) between two Convs: ONNX Runtime fuses it
 * into QLinearAveragePool whatever the plan says, which ran 16x slower than the float pool (tests/data/wild factinc, int8
 * 1.43x the float model's time). Full-integer schemes write it as a depthwise Conv of weights 1/9 and a Mul by the constant
 * map 9/count, which ONNX Runtime runs as a depthwise QLinearConv and a QLinearMul; the network computes the same.
 */
class PoolAsConvTest {

	private static String pooled(TinyGraph t) {
		String a = t.node("Relu", List.of(OpRulesTest.conv(t, "x", 4, 8)));
		String p = t.node("AveragePool", List.of(a), TinyGraph.ints("kernel_shape", 3, 3), TinyGraph.ints("pads", 1, 1, 1, 1));
		return OpRulesTest.pointwise(t, p, 8, 4);
	}

	@Test
	void aPaddedAveragePoolBetweenConvsRunsAsADepthwiseQLinearConvAndAQLinearMul() {
		TinyGraph t = new TinyGraph(4, 6, 6);
		Checked c = OpRulesTest.check(t, pooled(t), -1, 1); // within the quantization error of the float model
		assertTrue(c.ops().stream().noneMatch(op -> op.endsWith("AveragePool")), "no QLinearAveragePool: " + c.ops());
		assertTrue(c.ops().contains("com.microsoft.QLinearMul") && c.count("QLinearConv") + c.count("com.microsoft.QLinearConv") == 3, c.ops().toString());
		QuantizationResult.Layer mul = c.result().layers().stream().filter(l -> l.node().equals("averagepool4")).findFirst().orElseThrow();
		assertEquals("Mul", mul.opType());
		assertTrue(mul.quantized() && mul.reason().contains("AveragePool rewritten as a depthwise Conv 'averagepool4_sums' of weights 1/9 and a Mul by the map 9/count"),
				mul.reason());
		QuantizationResult.Layer sums = c.result().layers().stream().filter(l -> l.node().equals("averagepool4_sums")).findFirst().orElseThrow();
		assertTrue(sums.quantized() && sums.reason().contains("added by the rewrite of AveragePool 'averagepool4': the window sums divided by 9"), sums.reason());
		// numbered as the float model (Conv 0, Relu 1, AveragePool 2, Conv 3): the rewrite's Conv takes the pool's index, not a place of its own
		assertEquals(List.of(0, 1, 2, 2, 3), c.result().layers().stream().map(QuantizationResult.Layer::index).toList(), c.result().layers().toString());
		assertEquals("averagepool4", sums.rewriteOf());
		assertEquals(null, mul.rewriteOf(), "the Mul holds the pool's name: the float model's node");
	}

	/**
	 * Padded [2, 2, 0, 0], the pool's corner window counts one value: as a Conv and a Mul by the map 9/count, the sums' rounding
	 * error there was multiplied by 9 (a tiny graph, 200 random images: accumulated rmse/scale 0.597 at the pool against 0.401
	 * with the pool left as it is; tests/data/wild/README.md, trust7). A map whose largest factor exceeds 4 is not made: the pool
	 * stays as it is (ONNX Runtime runs it as QLinearAveragePool between integer ops, one rounding), and its layer says why.
	 */
	@Test
	void aPoolWhoseCountMapWouldMultiplyTheErrorMoreThanFourTimesIsNotRewritten() {
		TinyGraph t = new TinyGraph(4, 6, 6);
		String a = t.node("Relu", List.of(OpRulesTest.conv(t, "x", 4, 8)));
		String p = t.node("AveragePool", List.of(a), TinyGraph.ints("kernel_shape", 3, 3), TinyGraph.ints("pads", 2, 2, 0, 0));
		Checked c = OpRulesTest.check(t, OpRulesTest.pointwise(t, p, 8, 4), -1, 1);
		assertTrue(c.modelOps().contains("AveragePool") && !c.modelOps().contains("Mul"), c.modelOps().toString());
		QuantizationResult.Layer pool = c.result().layers().stream().filter(l -> l.opType().equals("AveragePool")).findFirst().orElseThrow();
		assertTrue(pool.reason().contains("its largest factor would be 9 (more than 4), multiplying the window sums' rounding error by that much"),
				pool.reason());
	}

	/** Excluded, the pool is left as it is. */
	@Test
	void anExcludedPoolIsNotRewritten() {
		TinyGraph t = new TinyGraph(4, 6, 6);
		String y = pooled(t);
		QuantizationSpec excluding = OpRulesTest.FIQ.toBuilder().exclude(QuantizationSpec.Exclusion.Kind.OP, "AveragePool", null).build();
		Checked c = OpRulesTest.check(t, y, -1, 1, excluding);
		assertTrue(c.modelOps().contains("AveragePool") && !c.modelOps().contains("Mul"), c.modelOps().toString());
	}

	/**
	 * A 3x3 AveragePool of stride 2 without padding between integer ops (make_unseen8.py shufflev1's stride-2 shortcut, after
	 * its explicit Pad): every window counts 9 values, so it is the depthwise Conv of weights 1/9 and stride 2 alone, under the
	 * pool's name. Left as a pool, ONNX Runtime fused it into QLinearAveragePool (or, float, it cost a Q/DQ pair and NHWC
	 * Transposes: shufflev1 int8 1.73x fp32, 1.31x with the pool as a Conv).
	 */
	@Test
	void aStridedPoolWithoutPaddingRunsAsADepthwiseQLinearConvAlone() {
		TinyGraph t = new TinyGraph(4, 7, 7);
		String a = t.node("Relu", List.of(OpRulesTest.conv(t, "x", 4, 8)));
		String p = t.node("AveragePool", List.of(a), TinyGraph.ints("kernel_shape", 3, 3), TinyGraph.ints("strides", 2, 2));
		Checked c = OpRulesTest.check(t, OpRulesTest.pointwise(t, p, 8, 4), -1, 1); // within the quantization error of the float model
		assertTrue(c.ops().stream().noneMatch(op -> op.endsWith("AveragePool")), "no QLinearAveragePool: " + c.ops());
		assertTrue(c.count("QLinearConv") + c.count("com.microsoft.QLinearConv") == 3 && !c.modelOps().contains("Mul"), c.ops() + " " + c.modelOps());
		QuantizationResult.Layer pool = c.result().layers().stream().filter(l -> l.node().equals("averagepool4")).findFirst().orElseThrow();
		assertEquals("Conv", pool.opType());
		assertTrue(pool.quantized() && pool.reason().contains("AveragePool rewritten as a depthwise Conv of weights 1/9 (every window counts 9 values)"),
				pool.reason());
	}

	/** A padded pool that counts the padding (count_include_pad = 1, torch's default), stride 2: the Conv alone, with the pool's pads. */
	@Test
	void aPaddedStridedPoolThatCountsThePaddingRunsAsADepthwiseQLinearConvAlone() {
		TinyGraph t = new TinyGraph(4, 7, 7);
		String a = t.node("Relu", List.of(OpRulesTest.conv(t, "x", 4, 8)));
		String p = t.node("AveragePool", List.of(a), TinyGraph.ints("kernel_shape", 3, 3), TinyGraph.ints("strides", 2, 2), TinyGraph.ints("pads", 1, 1, 1, 1),
				TinyGraph.attr("count_include_pad", 1));
		Checked c = OpRulesTest.check(t, OpRulesTest.pointwise(t, p, 8, 4), -1, 1);
		assertTrue(c.ops().stream().noneMatch(op -> op.endsWith("AveragePool")) && !c.modelOps().contains("Mul"), c.ops() + " " + c.modelOps());
		org.quantrace.engine.onnx.Node conv = c.result().model().graph().nodes().stream().filter(n -> n.name().equals("averagepool4")).findFirst().orElseThrow();
		assertEquals(List.of(1L, 1L, 1L, 1L), conv.intsAttribute("pads"));
		assertEquals(List.of(2L, 2L), conv.intsAttribute("strides"));
	}

	/**
	 * A rewritten pool the plan leaves float computes a float depthwise Conv and a float Mul where the float AveragePool would
	 * do: float-slow-kernels keeps the narrow Convs float (the first 1 → 8, the window sums' 8-channel Conv) and the pool
	 * between them, read by a wide Conv, is not rewritten in the end: the model holds the AveragePool, its record says nothing of a rewrite.
	 */
	@Test
	void aRewrittenPoolThatThePlanLeavesFloatIsPutBack() {
		TinyGraph t = new TinyGraph(1, 8, 8);
		String a = t.node("Relu", List.of(OpRulesTest.conv(t, "x", 1, 8)));
		String m = t.node("MaxPool", List.of(a), TinyGraph.ints("kernel_shape", 2, 2), TinyGraph.ints("strides", 1, 1));
		String p = t.node("AveragePool", List.of(m), TinyGraph.ints("kernel_shape", 3, 3), TinyGraph.ints("pads", 1, 1, 1, 1));
		Checked c = OpRulesTest.check(t, OpRulesTest.conv(t, p, 8, 16), 0, 1, OpRulesTest.FIQ.toBuilder().floatSlowKernels(true).build());
		assertTrue(c.modelOps().contains("AveragePool") && !c.modelOps().contains("Mul"), "the pool put back: " + c.modelOps());
		QuantizationResult.Layer pool = c.result().layers().stream().filter(l -> l.node().equals("averagepool5")).findFirst().orElseThrow();
		assertEquals("AveragePool", pool.opType());
		assertTrue(!pool.quantized() && !pool.reason().contains("rewritten"), pool.reason());
		assertTrue(c.result().layers().stream().noneMatch(l -> l.node().endsWith("_sums") || l.reason().contains("rewrite")), c.result().layers().toString());
	}
}
