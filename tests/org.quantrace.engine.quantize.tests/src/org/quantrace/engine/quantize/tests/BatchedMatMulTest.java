package org.quantrace.engine.quantize.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;
import org.quantrace.engine.onnx.DataType;
import org.quantrace.engine.onnx.OnnxModel;
import org.quantrace.engine.quantize.QuantizationResult;
import org.quantrace.engine.quantize.QuantizationSpec.Kernels;
import org.quantrace.engine.quantize.QuantizedTensor;
import org.quantrace.engine.quantize.Schemes;

/**
 * A MatMul by constant weights of rank 3, a product batched over a feature axis ([f, N, i] x [f, i, o]), as convert writes the
 * per-feature einsums 'bfi,fio->bfo' of a Neural Additive Model (make_unseen31.py's nam: every one was left float, "MatMul weights of
 * rank 3 (only 2-D weights are quantized)", drq 0 of 15 layers). Dynamic-range schemes store its weights as int8, per tensor (ONNX
 * Runtime 1.29 fuses a per-axis DequantizeLinear of a 3-D B into QLinearMatMul and then refuses to run it); full-integer schemes keep
 * the products float, which ran faster (OpRules.batchedWeightsSlower).
 */
class BatchedMatMulTest {

	/** nam's two layers: x [N, 4, 8] → Transpose → [4, N, 8] · W1 [4, 8, 6] + b [4, 1, 6] → Relu → · W2 [4, 6, 5] → Transpose → [N, 4, 5]. */
	private static String batched(TinyGraph t) {
		String features = t.node("Transpose", List.of("x"), TinyGraph.ints("perm", 1, 0, 2));
		String hidden = t.node("Relu", List.of(t.node("Add", List.of(t.node("MatMul", List.of(features, t.weight(0.35, 4, 8, 6))), t.weight(0.1, 4, 1, 6)))));
		return t.node("Transpose", List.of(t.node("MatMul", List.of(hidden, t.weight(0.4, 4, 6, 5)))), TinyGraph.ints("perm", 1, 0, 2));
	}

	/**
	 * Full-integer schemes keep the batched products float, with the measured reason: quantized per tensor they ran as
	 * QLinearMatMul, yet nam's and crossnet's fiq-int8 became 1.5-1.7x slower than float (drq40), the QuantizeLinear and
	 * DequantizeLinear around each short integer stretch costing more than the integer products save.
	 */
	@Test
	void fullIntegerKeepsTheBatchedProductFloatAndSaysWhy() {
		for (String scheme : List.of("fiq_float32")) {
			TinyGraph t = new TinyGraph(4, 8);
			OpRulesTest.Checked c = OpRulesTest.check(t, batched(t), -1, 1, Schemes.preset(scheme));
			List<QuantizationResult.Layer> products = c.result().layers().stream().filter(l -> l.opType().equals("MatMul")).toList();
			assertEquals(2, products.size());
			for (QuantizationResult.Layer l : products) {
				assertTrue(!l.quantized() && l.reason().contains("MatMul weights of rank 3 (a batched product)"), scheme + ": " + l.reason());
			}
			assertEquals(2, c.count("MatMul"), scheme + ": " + c.ops());
			assertEquals(0, c.count("QLinearMatMul") + c.count("com.microsoft.MatMulIntegerToFloat"), scheme + ": " + c.ops());
			assertTrue(c.result().tensors().stream().noneMatch(q -> q.role() == QuantizedTensor.Role.WEIGHT), scheme + ": no weight quantized");
		}
	}

	@Test
	void dynamicRangeStoresTheBatchedWeightsAsInt8() {
		TinyGraph t = new TinyGraph(4, 8);
		OnnxModel model = t.model(batched(t));
		QuantizationResult r = TinyGraph.quantize(model, DynamicRangeTest.DRQ, null);
		assertEquals(2, r.weightOnlyLayers().size(), r.layers().toString());
		assertEquals(List.of(4L * 8 * 6, 4L * 6 * 5), r.model().graph().initializers().stream().filter(i -> i.dataType() == DataType.INT8).map(i -> i.elementCount())
				.sorted(java.util.Comparator.reverseOrder()).toList(), "int8 codes stored");
		assertEquals(TinyGraph.optimizedOps(model), TinyGraph.optimizedOps(r.model()), "folded at load: the float model's kernels");
		assertTrue(DynamicRangeTest.worst(t, model, r.model()) < 0.02, "int8 weights: " + DynamicRangeTest.worst(t, model, r.model()));
		// asked for, the dynamic kernel: MatMulInteger on the 3-D codes, one weight scale, fused with its rescaling
		QuantizationResult dynamic = TinyGraph.quantize(model, DynamicRangeTest.DRQ.toBuilder().kernels(Kernels.DYNAMIC).build(), null);
		assertTrue(dynamic.layers().stream().filter(l -> l.opType().equals("MatMul")).allMatch(l -> l.quantized()), dynamic.layers().toString());
		assertTrue(TinyGraph.optimizedOps(dynamic.model()).contains("com.microsoft.DynamicQuantizeMatMul"), TinyGraph.optimizedOps(dynamic.model()).toString());
		assertTrue(DynamicRangeTest.worst(t, model, dynamic.model()) < 0.05, "int8 weights and activations: " + DynamicRangeTest.worst(t, model, dynamic.model()));
	}

	/** A weight vector (MatMul [N, 8] · [8]) has no integer MatMul kernel: still refused, and said so. */
	@Test
	void aVectorOfWeightsStaysFloat() {
		TinyGraph t = new TinyGraph(8);
		OnnxModel model = t.model(t.node("MatMul", List.of("x", t.weight(0.3, 8))));
		QuantizationResult r = TinyGraph.quantize(model, DynamicRangeTest.DRQ, null);
		assertTrue(r.layers().get(0).reason().contains("MatMul weights of rank 1"), r.layers().get(0).reason());
		assertEquals(0, r.weightOnlyLayers().size());
	}
}
