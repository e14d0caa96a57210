package org.quantrace.engine.quantize.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;
import org.quantrace.engine.quantize.QuantizationResult;
import org.quantrace.engine.quantize.tests.OpRulesTest.Checked;

/**
 * A Mul by a per-channel constant and the Add of a per-channel constant after it (a BatchNormalization that follows no Conv:
 * DenseNet's pre-activation BatchNorms after each Concat and transition pool, as convert writes them) between integer ops.
 * ONNX Runtime ran them as QLinearMul + QLinearAdd (tests/data/wild densenet: 47,536 µs of kernel time for nine pairs at
 * batch 64); full-integer schemes write them as one depthwise 1x1 Conv with the factors as weights and the terms as bias,
 * which it runs as a depthwise QLinearConv (14,126 µs); the network computes the same.
 */
class ChannelScaleAsConvTest {

	/** Conv 4 → 8, Relu, Mul by [8, 1, 1], (Add of [8, 1, 1]), then a 1x1 Conv 8 → out. */
	private static String scaled(TinyGraph t, boolean shift, int out) {
		String a = t.node("Relu", List.of(OpRulesTest.conv(t, "x", 4, 8)));
		String m = t.node("Mul", List.of(a, t.weight(1.0, 8, 1, 1)));
		String s = shift ? t.node("Add", List.of(m, t.weight(0.5, 8, 1, 1))) : m;
		return out == 4 ? OpRulesTest.pointwise(t, s, 8, 4) : OpRulesTest.conv(t, s, 8, out);
	}

	@Test
	void aPerChannelMulAndAddBetweenConvsRunAsOneDepthwiseQLinearConv() {
		TinyGraph t = new TinyGraph(4, 6, 6);
		Checked c = OpRulesTest.check(t, scaled(t, true, 4), -1, 1); // within the quantization error of the float model
		assertTrue(c.ops().stream().noneMatch(op -> op.endsWith("QLinearMul") || op.endsWith("QLinearAdd")), "no QLinearMul or QLinearAdd: " + c.ops());
		assertEquals(3, c.count("QLinearConv") + c.count("com.microsoft.QLinearConv"), c.ops().toString());
		assertTrue(!c.modelOps().contains("Mul") && !c.modelOps().contains("Add"), c.modelOps().toString());
		QuantizationResult.Layer mul = c.result().layers().stream().filter(l -> l.node().equals("mul5")).findFirst().orElseThrow();
		assertEquals("Conv", mul.opType());
		assertTrue(mul.quantized() && mul.reason().contains("Mul by a per-channel constant rewritten as a depthwise 1x1 Conv of weights its 8 factors"
				+ " and bias the 8 terms of Add 'add7'"), mul.reason());
		assertTrue(c.result().layers().stream().noneMatch(l -> l.node().equals("add7")), "the Add is the Conv's bias: " + c.result().layers());
		org.quantrace.engine.onnx.Node conv = c.result().model().graph().nodes().stream().filter(n -> n.name().equals("mul5")).findFirst().orElseThrow();
		assertEquals(8, conv.intAttribute("group", 1));
	}

	/** A Mul by a per-channel constant alone: the Conv without a bias. */
	@Test
	void aPerChannelMulAloneRunsAsADepthwiseQLinearConvWithoutBias() {
		TinyGraph t = new TinyGraph(4, 6, 6);
		Checked c = OpRulesTest.check(t, scaled(t, false, 4), -1, 1);
		assertTrue(c.ops().stream().noneMatch(op -> op.endsWith("QLinearMul")), "no QLinearMul: " + c.ops());
		QuantizationResult.Layer mul = c.result().layers().stream().filter(l -> l.node().equals("mul5")).findFirst().orElseThrow();
		assertTrue(mul.quantized() && mul.reason().contains("Mul by a per-channel constant rewritten as a depthwise 1x1 Conv of weights its 8 factors:"),
				mul.reason());
		org.quantrace.engine.onnx.Node conv = c.result().model().graph().nodes().stream().filter(n -> n.name().equals("mul5")).findFirst().orElseThrow();
		assertEquals(2, conv.inputs().size(), "no bias: " + conv.inputs());
	}

	/**
	 * float-slow-kernels keeps the narrow Convs float (the first 1 → 8, and the rewrite's 8-channel 1x1 Conv after the float
	 * ops before it): a float Conv would compute what the float Mul and Add do, so they are put back, their records saying
	 * nothing of a rewrite.
	 */
	@Test
	void aRewriteThatThePlanLeavesFloatIsPutBack() {
		TinyGraph t = new TinyGraph(1, 8, 8);
		String a = t.node("Relu", List.of(OpRulesTest.conv(t, "x", 1, 8)));
		String p = t.node("MaxPool", List.of(a), TinyGraph.ints("kernel_shape", 2, 2), TinyGraph.ints("strides", 1, 1));
		String m = t.node("Mul", List.of(p, t.weight(1.0, 8, 1, 1)));
		String s = t.node("Add", List.of(m, t.weight(0.5, 8, 1, 1)));
		Checked c = OpRulesTest.check(t, OpRulesTest.conv(t, s, 8, 16), 0, 1, OpRulesTest.FIQ.toBuilder().floatSlowKernels(true).build());
		assertTrue(c.modelOps().contains("Mul") && c.modelOps().contains("Add"), "put back: " + c.modelOps());
		assertTrue(c.result().layers().stream().noneMatch(l -> l.reason().contains("rewritten")), c.result().layers().toString());
		assertTrue(c.result().layers().stream().anyMatch(l -> l.node().equals("add8")), c.result().layers().toString());
	}

	/**
	 * Concat of a narrow (range ~0.2) and a wide (range ~4) Conv output, then a BatchNorm (Mul by factors 10 and 0.5, Add, Relu),
	 * as DenseNet's pre-activation BatchNorm after its Concat: the Concat's one scale is set by the wide channels, and the factor
	 * 10 multiplies the narrow channels' rounding at that scale (about 16 of the output's steps). Split over the Concat's
	 * inputs, each piece reads its input at its own producer's scale: the output within 3 of its steps of the float model's.
	 */
	@Test
	void aBatchNormAfterAConcatOfNarrowAndWideChannelsIsSplitOverTheConcatsInputs() {
		TinyGraph t = new TinyGraph(4, 6, 6);
		String narrow = t.node("Conv", List.of("x", t.weight(0.2 / 36, 4, 4, 3, 3), t.weight(0.01, 4)), TinyGraph.ints("pads", 1, 1, 1, 1));
		String wide = t.node("Conv", List.of("x", t.weight(4.0 / 36, 4, 4, 3, 3), t.weight(0.2, 4)), TinyGraph.ints("pads", 1, 1, 1, 1));
		String cat = t.node("Concat", List.of(narrow, wide), TinyGraph.attr("axis", 1L));
		String m = t.node("Mul", List.of(cat, t.floats(new float[] { 10, 9, 11, 10, 0.5f, 0.6f, 0.4f, 0.5f }, 8, 1, 1)));
		String y = t.node("Relu", List.of(t.node("Add", List.of(m, t.floats(new float[] { 0.5f, 0.4f, 0.6f, 0.5f, 0.5f, 0.4f, 0.6f, 0.5f }, 8, 1, 1)))));
		org.quantrace.engine.onnx.OnnxModel model = t.model(y);
		QuantizationResult r = TinyGraph.quantize(model, OpRulesTest.FIQ, t.calibration(-1, 1));
		org.quantrace.engine.runtime.NdArray x = t.batch(t.data(8, -1, 1));
		float[] expected = TinyGraph.run(model, x);
		float[] actual = TinyGraph.run(r.model(), x);
		double lo = 0;
		double hi = 0;
		double worst = 0;
		for (int i = 0; i < expected.length; i++) {
			lo = Math.min(lo, expected[i]);
			hi = Math.max(hi, expected[i]);
			worst = Math.max(worst, Math.abs(expected[i] - actual[i]));
		}
		double step = (hi - lo) / 255;
		assertTrue(worst <= 3 * step, "output within 3 steps (" + step + ") of float: worst " + worst + " (" + worst / step + " steps); layers " + r.layers());
		List<QuantizationResult.Layer> pieces = r.layers().stream().filter(l -> l.opType().equals("Conv") && l.node().startsWith("mul")).toList();
		assertEquals(2, pieces.size(), r.layers().toString());
		assertTrue(pieces.get(0).quantized() && pieces.get(0).reason().contains("Mul '" + m.substring(0, m.indexOf('_')) + "' split over its input's Concat: its"
				+ " channels 0-3 of 8 as a depthwise 1x1 Conv on '" + narrow + "' of weights their factors and bias their terms of Add"), pieces.get(0).reason());
		List<String> ops = TinyGraph.ops(TinyGraph.optimized(r.model()).getGraph());
		assertTrue(ops.stream().noneMatch(op -> op.equals("Mul") || op.equals("Add") || op.endsWith("QLinearMul")), ops.toString());
		assertEquals(1, r.model().graph().nodes().stream().filter(n -> n.opType().equals("Concat")).count(), "the Concat the split read through is gone: "
				+ r.model().graph().nodes().stream().map(n -> n.opType()).toList());
	}
}
