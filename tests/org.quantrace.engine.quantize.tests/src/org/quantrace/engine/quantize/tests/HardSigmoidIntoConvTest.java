package org.quantrace.engine.quantize.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;
import org.quantrace.engine.onnx.Graph;
import org.quantrace.engine.onnx.Node;
import org.quantrace.engine.onnx.Tensor;
import org.quantrace.engine.quantize.QuantizationResult;
import org.quantrace.engine.quantize.QuantizationSpec;
import org.quantrace.engine.quantize.QuantizedTensor;
import org.quantrace.engine.quantize.tests.OpRulesTest.Checked;

/**
 * A squeeze-excitation gate, HardSigmoid(fc2(x)) (MobileNetV3): lowered, the HardSigmoid is a QLinearAdd of fc2's codes that
 * fp32 does not have (ONNX Runtime fuses the float pair into one FusedConv). Full-integer schemes fold it into fc2 (weights ×α,
 * bias ×α + β) and leave a Clip to [0, 1] that the Conv's output quantization does (tests/data/wild/README.md, speed25, speed26).
 */
class HardSigmoidIntoConvTest {

	private static final float ALPHA = 1f / 6;

	/** Conv 3 → 8, Relu, then the gate: GlobalAveragePool, 1x1 Conv 8 → 4, Relu, fc2 1x1 Conv 4 → 8 with bias, HardSigmoid, Mul; a 1x1 Conv 8 → 4. */
	private static String excited(TinyGraph t) {
		String a = t.node("Relu", List.of(OpRulesTest.conv(t, "x", 3, 8)));
		String squeezed = t.node("Relu", List.of(OpRulesTest.pointwise(t, t.node("GlobalAveragePool", List.of(a)), 8, 4)));
		String fc2 = t.node("Conv", List.of(squeezed, t.weight(2.0, 8, 4, 1, 1), t.weight(0.5, 8)));
		String gate = t.node("HardSigmoid", List.of(fc2), TinyGraph.attr("alpha", ALPHA), TinyGraph.attr("beta", 0.5f));
		return OpRulesTest.pointwise(t, t.node("Mul", List.of(a, gate)), 8, 4);
	}

	private static Node node(QuantizationResult r, String name) {
		return r.model().graph().nodes().stream().filter(n -> n.name().equals(name)).findFirst().orElse(null);
	}

	private static QuantizationResult.Layer layer(QuantizationResult r, String name) {
		return r.layers().stream().filter(l -> l.node().equals(name)).findFirst().orElseThrow(() -> new AssertionError(name + ": " + r.layers()));
	}

	@Test
	void theGateFoldsIntoFc2AndOnnxRuntimeRunsNoQLinearAddForIt() {
		TinyGraph t = new TinyGraph(3, 6, 6).opset(14);
		String y = excited(t);
		Graph before = t.model(y).graph();
		Node h = before.nodes().stream().filter(n -> n.opType().equals("HardSigmoid")).findFirst().orElseThrow();
		Node fc2 = before.producer(h.input(0)).orElseThrow();
		Checked c = OpRulesTest.check(t, y, -1, 1); // within the quantization error of the float model
		assertFalse(c.ops().contains("com.microsoft.QLinearAdd"), "no lowered HardSigmoid: " + c.ops());
		assertEquals(4, c.count("QLinearConv") + c.count("com.microsoft.QLinearConv"), c.ops().toString());
		QuantizationResult r = c.result();
		assertEquals(null, node(r, h.name()), "the Clip left is fused into fc2's output quantization: " + c.modelOps());
		Node conv = node(r, fc2.name());
		Node dq = r.model().graph().producer(conv.input(1)).orElseThrow();
		Tensor codes = r.model().graph().initializer(dq.input(0));
		float[] scales = r.model().graph().initializer(dq.input(1)).toFloatArray();
		float[] w = before.constant(fc2.input(1)).toFloatArray();
		long[] q = codes.toLongArray();
		for (int i = 0; i < w.length; i++) {
			assertEquals(ALPHA * w[i], q[i] * scales[i / 4], scales[i / 4] / 2 + 1e-7, "weight " + i + " is α·W within half a step");
		}
		QuantizationResult.Layer convLayer = layer(r, fc2.name());
		assertTrue(convLayer.quantized() && convLayer.reason().contains("HardSigmoid '" + h.name() + "' (α 0.16666667, β 0.5) folded into this Conv: weights ×α,"
				+ " bias ×α + β: no integer HardSigmoid kernel"), convLayer.reason());
		QuantizationResult.Layer gate = layer(r, h.name());
		assertTrue(gate.quantized() && gate.reason().contains("HardSigmoid rewritten as a Clip to [0, 1] after Conv '" + fc2.name() + "'"), gate.reason());
		assertTrue(gate.reason().contains("fused into the integer output of '" + fc2.name() + "'"), gate.reason());
		assertEquals(fc2.input(1), r.tensors().stream().filter(k -> k.node().equals(fc2.name()) && k.role() == QuantizedTensor.Role.WEIGHT).findFirst()
				.orElseThrow().tensor(), "the weights keep their name (depthwise padding widens them by it, verify reads the widening by it)");
	}

	/**
	 * A MobileNetV3 block of 24 channels (DepthwisePaddingTest's): the gate's Conv 8 → 24 is folded, then widened to 32 with
	 * the depthwise Conv it gates; two QLinearAdds are left, the two HardSwishes'.
	 */
	@Test
	void aGateWhoseConvDepthwisePaddingWidensIsFoldedToo() {
		TinyGraph t = new TinyGraph(4, 6, 6).opset(14);
		Checked c = OpRulesTest.check(t, DepthwisePaddingTest.mobileNetV3Block(t, 24), -1, 1);
		assertEquals(2, c.count("com.microsoft.QLinearAdd"), c.ops().toString());
		QuantizationResult.Layer gate = c.result().layers().stream().filter(l -> l.reason().contains("folded into this Conv")).findFirst()
				.orElseThrow(() -> new AssertionError(c.result().layers().toString()));
		assertTrue(gate.reason().contains("8 zero output channels added (24 → 32)"), gate.reason());
	}

	/**
	 * The gate's Conv given symmetric activations: its output quantization cannot clamp at 0, the plan leaves the Clip float and
	 * the fold is undone after depthwise padding widened the Conv: its float weights and bias come back in the widened shape (the
	 * added channels zero) and the HardSigmoid is quantized as before.
	 */
	@Test
	void aFoldThePlanCannotFuseIsPutBackInTheWidenedShape() {
		TinyGraph t = new TinyGraph(4, 6, 6).opset(14);
		String y = DepthwisePaddingTest.mobileNetV3Block(t, 24);
		Graph before = t.model(y).graph();
		Node h = before.nodes().stream().filter(n -> n.opType().equals("HardSigmoid")).findFirst().orElseThrow();
		Node fc2 = before.producer(h.input(0)).orElseThrow();
		QuantizationSpec symmetric = OpRulesTest.FIQ.toBuilder().override(new QuantizationSpec.Override(fc2.name(), null,
				new QuantizationSpec.TensorSpec(org.quantrace.engine.quantize.QuantType.INT8, QuantizationSpec.Symmetry.SYMMETRIC, null), null)).build();
		Checked c = OpRulesTest.check(t, y, -1, 1, symmetric); // within the quantization error: the float weights are back
		assertFalse(c.modelOps().contains("Clip"), "no Clip left: " + c.modelOps());
		QuantizationResult.Layer conv = layer(c.result(), fc2.name());
		assertTrue(conv.reason().contains("8 zero output channels added (24 → 32)") && !conv.reason().contains("folded"), conv.reason());
		assertEquals("HardSigmoid", layer(c.result(), h.name()).opType());
	}

	/** An excluded gate is not folded: it stays a float HardSigmoid, fc2 quantized on its own weights. */
	@Test
	void anExcludedHardSigmoidIsNotFolded() {
		TinyGraph t = new TinyGraph(3, 6, 6).opset(14);
		String y = excited(t);
		Node h = t.model(y).graph().nodes().stream().filter(n -> n.opType().equals("HardSigmoid")).findFirst().orElseThrow();
		QuantizationSpec excluding = OpRulesTest.FIQ.toBuilder().exclude(QuantizationSpec.Exclusion.Kind.NODE, h.name(), null).build();
		Checked c = OpRulesTest.check(t, y, -1, 1, excluding);
		assertEquals("HardSigmoid", node(c.result(), h.name()).opType(), c.modelOps().toString());
		assertTrue(c.result().layers().stream().noneMatch(l -> l.reason() != null && l.reason().contains("folded into this Conv")), c.result().layers().toString());
	}
}
