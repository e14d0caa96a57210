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
}
