package org.quantrace.engine.quantize.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;
import org.quantrace.engine.onnx.OnnxModel;
import org.quantrace.engine.quantize.QuantizationResult;
import org.quantrace.engine.quantize.QuantizationResult.Layer;
import org.quantrace.engine.quantize.Schemes;

/**
 * Round 19's lista (make_unseen19.py): LISTA unrolled, z = soft(We·x + S·z) with torch's softshrink exported as
 * Greater/Sub/Where (the positive half) and Less/Add/Where (the negative half) summed by an Add. Sub has no integer
 * kernel, so the positive half ran in float while x + λ and its Where were QLinearAdd → QLinearWhere → DequantizeLinear
 * beside it, and the residual We·x + S·z a QLinearAdd that only the float threshold read: 18 DequantizeLinear and 6
 * QuantizeLinear per batch, fiq-int8 at 1.8-2.4x fp32's CPU time. The element-wise ops that only float ops read and
 * whose inputs exist in float anyway are computed in float; the MatMul S·z, whose one reader is then a float Add of
 * another activation, keeps its output quantized (a QLinearMatMul): left in float, ONNX Runtime fuses MatMul and Add into
 * one float Gemm on weights it dequantizes at every run (1.16-1.25x fp32 on lista; with the QLinearMatMul 0.73-0.77x).
 */
class SoftThresholdTest {

	private static final float LAMBDA = 0.1f;

	@Test
	void aSoftThresholdBetweenMatMulsIsOneFloatIslandAndTheSharedMatMulStaysInteger() {
		TinyGraph t = new TinyGraph(16);
		String b = t.node("MatMul", List.of("x", t.weight(1.0 / 16, 16, 16)));
		String s = t.weight(1.0 / 16, 16, 16); // one S read by both iterations, as lista's
		String z = softThreshold(t, b);
		z = softThreshold(t, t.node("Add", List.of(b, t.node("MatMul", List.of(z, s)))));
		z = softThreshold(t, t.node("Add", List.of(b, t.node("MatMul", List.of(z, s)))));
		OnnxModel model = t.model(t.node("MatMul", List.of(z, t.weight(1.0 / 16, 16, 4))));

		QuantizationResult q = TinyGraph.quantize(model, Schemes.preset("fiq_int8"), t.calibration(-1, 1));

		List<Layer> adds = q.layers().stream().filter(l -> l.opType().equals("Add") || l.opType().equals("Where")).toList();
		assertTrue(adds.stream().noneMatch(Layer::quantized), "every Add and Where of the thresholds in float: " + adds);
		assertTrue(adds.stream().filter(l -> l.reason().startsWith("only float ops read its output")).count() >= 5,
				"x + λ, its Where and the residual sums computed in float for their float readers: " + adds);
		assertEquals(4, q.layers().stream().filter(l -> l.opType().equals("MatMul") && l.quantized()).count(), q.layers().toString());

		List<String> ran = TinyGraph.optimizedOps(q.model());
		assertEquals(3, ran.stream().filter("QLinearMatMul"::equals).count(), "S·z on integers in both iterations, and the output MatMul: " + ran);
		assertTrue(ran.contains("com.microsoft.MatMulIntegerToFloat"), "We·x ends in float for the thresholds and the residual sums: " + ran);
		assertFalse(ran.contains("Gemm") || ran.contains("MatMul") || ran.contains("com.microsoft.FusedGemm"),
				"no MatMul fused with its Add into a float Gemm on dequantized weights: " + ran);
		assertFalse(ran.contains("com.microsoft.QLinearAdd") || ran.contains("com.microsoft.QLinearWhere"), "no integer hop inside the thresholds: " + ran);
		OpRulesTest.assertRunsAsWritten(t, q);
		OpRulesTest.assertWithinSteps(t, model, q);
	}

	/** torch.nn.functional.softshrink as torch 1.13 exports it: where(x > λ, x - λ, where(x < -λ, x + λ, 0)). */
	private static String softThreshold(TinyGraph t, String x) {
		String positive = t.node("Where", List.of(t.node("Greater", List.of(x, t.scalar(LAMBDA))), t.node("Sub", List.of(x, t.scalar(LAMBDA))), t.scalar(0)));
		String negative = t.node("Where", List.of(t.node("Less", List.of(x, t.scalar(-LAMBDA))), t.node("Add", List.of(x, t.scalar(LAMBDA))), t.scalar(0)));
		return t.node("Add", List.of(positive, negative));
	}
}
