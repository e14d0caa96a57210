package org.quantrace.engine.quantize.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quantrace.engine.quantize.tests.OpRulesTest.conv;
import static org.quantrace.engine.quantize.tests.OpRulesTest.depthwise;
import static org.quantrace.engine.quantize.tests.OpRulesTest.pointwise;

import java.util.List;

import org.junit.jupiter.api.Test;
import org.quantrace.engine.onnx.DataType;
import org.quantrace.engine.onnx.Node;
import org.quantrace.engine.onnx.OnnxModel;
import org.quantrace.engine.quantize.QuantizationResult;
import org.quantrace.engine.quantize.QuantizedTensor;
import org.quantrace.engine.quantize.Schemes;
import org.quantrace.engine.runtime.InferenceSession;
import org.quantrace.engine.runtime.NdArray;
import org.quantrace.engine.runtime.SessionSettings;

/**
 * MobileNetV3's narrow first stage under fiq-int8: a one-channel stem 1 → 16 on the int8 model input, HardSwish, a 16-channel
 * depthwise Conv, Relu, a 1x1 Conv 16 → 16 and the residual Add, before the first wider Conv (16 → 32). Integer, it ran as the
 * one-input-channel QLinearConv, a lowered HardSwish and narrow QLinearConvs; as one float island from the input's
 * DequantizeLinear, the zoo MobileNetV3 took 4-8 % less CPU time at batch 64 (tests/data/wild/README.md, speed30).
 */
class NarrowStageTest {

	private static QuantizationResult.Layer layer(QuantizationResult r, String output) {
		String node = output.substring(0, output.length() - "_out0".length());
		return r.layers().stream().filter(l -> l.node().equals(node)).findFirst().orElseThrow();
	}

	@Test
	void theNarrowStageOnTheInt8InputIsOneFloatIslandAndItsStemKeepsFloatWeights() {
		TinyGraph t = new TinyGraph(1, 8, 8).opset(14);
		String stem = conv(t, "x", 1, 16);
		String swish = t.node("HardSwish", List.of(stem));
		String dw = depthwise(t, swish, 16, 3);
		String relu = t.node("Relu", List.of(dw));
		String project = pointwise(t, relu, 16, 16);
		String sum = t.node("Add", List.of(swish, project));
		String wide = conv(t, sum, 16, 32);
		OnnxModel model = t.model(t.node("Relu", List.of(wide)));
		QuantizationResult r = TinyGraph.quantize(model, Schemes.preset("fiq_int8"), t.calibration(0, 1));

		QuantizationResult.Layer first = layer(r, stem);
		assertFalse(first.quantized(), first.reason());
		assertTrue(first.reason().startsWith("the one-channel stem of the narrow stage the int8 model input feeds (6 ops up to '"
				+ layer(r, sum).node() + "'") && first.reason().contains("computed in float with its float weights"), first.reason());
		for (String op : List.of(swish, dw, relu, project, sum)) {
			QuantizationResult.Layer l = layer(r, op);
			assertFalse(l.quantized(), l.node() + ": " + l.reason());
			assertTrue(l.reason().startsWith("part of the narrow stage the int8 model input feeds from the one-channel stem '" + first.node() + "'"),
					l.reason());
		}
		assertTrue(layer(r, wide).quantized(), layer(r, wide).reason());

		Node written = r.model().graph().nodes().stream().filter(n -> n.name().equals(first.node())).findFirst().orElseThrow();
		assertEquals(DataType.FLOAT, r.model().graph().initializer(written.input(1)).dataType(), "the stem's float weights in the file");
		assertEquals(1, r.model().graph().nodes().stream().filter(n -> n.opType().equals("QuantizeLinear")
				&& r.model().graph().producer(n.input(0)).map(p -> p.name().equals(layer(r, sum).node())).orElse(false)).count(),
				"one QuantizeLinear where the wider Conv reads the stage");
		List<String> ran = TinyGraph.ops(TinyGraph.laidOut(r.model()).getGraph());
		assertEquals(1, ran.stream().filter(op -> op.endsWith("QLinearConv")).count(), "only the wider Conv on integers: " + ran);
		assertTrue(ran.stream().noneMatch(op -> op.endsWith("QLinearAdd") || op.endsWith("QLinearMul")), "no lowered HardSwish: " + ran);
		assertTrue(ran.contains("com.microsoft.nchwc.Conv"), "the float stage runs as ONNX Runtime's NCHWc Convs: " + ran);
		OpRulesTest.assertRunsAsWritten(t, r);
		OpRulesTest.assertWithinSteps(t, model, r);

		QuantizationResult uint8Io = TinyGraph.quantize(model, Schemes.preset("fiq_uint8"), t.calibration(0, 1));
		assertTrue(layer(uint8Io, stem).quantized() && layer(uint8Io, dw).quantized(),
				"uint8 input codes are the activations' type: no DequantizeLinear starts an island, the stage stays integer, " + uint8Io.layers());
	}

	/**
	 * The same stage under fiq-float32: the float model input starts the island itself (no DequantizeLinear). Integer, the stage
	 * was the input's QuantizeLinear, the one-input-channel QLinearConv and the narrow QLinearConvs; as the island the zoo
	 * MobileNets ran 1.04-1.23x faster at batch 64 with two threads (tests/data/wild/README.md, mnv67).
	 */
	@Test
	void theNarrowStageOnAFloatInputIsOneFloatIslandToo() {
		TinyGraph t = new TinyGraph(1, 8, 8).opset(14);
		String stem = conv(t, "x", 1, 16);
		String swish = t.node("HardSwish", List.of(stem));
		String dw = depthwise(t, swish, 16, 3);
		String relu = t.node("Relu", List.of(dw));
		String project = pointwise(t, relu, 16, 16);
		String sum = t.node("Add", List.of(swish, project));
		String wide = conv(t, sum, 16, 32);
		OnnxModel model = t.model(t.node("Relu", List.of(wide)));
		QuantizationResult r = TinyGraph.quantize(model, Schemes.preset("fiq_float32"), t.calibration(0, 1));

		QuantizationResult.Layer first = layer(r, stem);
		assertFalse(first.quantized(), first.reason());
		assertTrue(first.reason().startsWith("the one-channel stem of the narrow stage the float32 model input feeds (6 ops up to '"
				+ layer(r, sum).node() + "'") && first.reason().contains("one float island from the float32 model input"), first.reason());
		for (String op : List.of(swish, dw, relu, project, sum)) {
			QuantizationResult.Layer l = layer(r, op);
			assertFalse(l.quantized(), l.node() + ": " + l.reason());
			assertTrue(l.reason().startsWith("part of the narrow stage the float32 model input feeds from the one-channel stem '" + first.node() + "'"),
					l.reason());
		}
		assertTrue(layer(r, wide).quantized(), layer(r, wide).reason());
		assertTrue(r.model().graph().consumers("x").stream().noneMatch(n -> n.opType().equals("QuantizeLinear")),
				"the stem reads the float input itself: " + r.model().graph().consumers("x"));

		List<String> ran = TinyGraph.ops(TinyGraph.laidOut(r.model()).getGraph());
		assertEquals(1, ran.stream().filter(op -> op.endsWith("QLinearConv")).count(), "only the wider Conv on integers: " + ran);
		assertTrue(ran.stream().noneMatch(op -> op.endsWith("QLinearAdd") || op.endsWith("QLinearMul")), "no lowered HardSwish: " + ran);
		assertTrue(ran.contains("com.microsoft.nchwc.Conv"), "the float stage runs as ONNX Runtime's NCHWc Convs: " + ran);

		// float I/O: the file's outputs under full optimization are those without it within one code of the coarsest activation,
		// and within two codes of every activation of the float model's
		NdArray batch = t.batch(t.data(16, 0, 1));
		float[] full = TinyGraph.run(r.model(), batch);
		float[] none;
		try (InferenceSession s = InferenceSession.open(r.model(), SessionSettings.defaults().withThreads(1).withOptimization(SessionSettings.Optimization.NONE),
				"tiny")) {
			none = s.run(batch).toFloats();
		}
		float[] expected = TinyGraph.run(model, batch);
		List<QuantizedTensor> activations = r.tensors().stream().filter(q -> q.role() != QuantizedTensor.Role.WEIGHT && q.role() != QuantizedTensor.Role.BIAS)
				.toList();
		double code = activations.stream().mapToDouble(q -> q.params().scale()).max().orElseThrow();
		double steps = 2 * activations.stream().mapToDouble(q -> q.params().scale()).sum();
		for (int i = 0; i < full.length; i++) {
			assertTrue(Math.abs(full[i] - none[i]) <= code * 1.0001, "output " + i + ": " + full[i] + " optimized, " + none[i] + " as written");
			assertTrue(Math.abs(full[i] - expected[i]) <= steps, "output " + i + ": " + full[i] + " against the float model's " + expected[i]);
		}
	}

	/**
	 * tf2onnx's NHWC input (make_exporters30.py tf9cls): x [N, 8, 8, 1] → Transpose(0,3,1,2) → the stem 1 → 16 → Clip (Relu6)
	 * → depthwise 16 → Clip → 1x1 16 → 16 → Clip, then a wider Conv. The stage was not found behind the Transpose, so it ran as
	 * the one-input-channel QLinearConv and narrow QLinearConvs (tf9cls fiq-int8, its Pads folded into the Convs: 1.06-1.16x
	 * the original fp32's CPU time); as the float island MobileNets have, 0.67-0.79x (one thread, batch 64).
	 */
	@Test
	void theNarrowStageBehindTheNhwcInputsTransposeIsOneFloatIsland() {
		TinyGraph t = new TinyGraph(8, 8, 1).opset(13);
		String nchw = t.node("Transpose", List.of("x"), TinyGraph.ints("perm", 0, 3, 1, 2));
		String stem = conv(t, nchw, 1, 16);
		String relu6 = t.node("Clip", List.of(stem, t.scalar(0f), t.scalar(6f)));
		String dw = depthwise(t, relu6, 16, 3);
		String project = pointwise(t, t.node("Clip", List.of(dw, t.scalar(0f), t.scalar(6f))), 16, 16);
		String wide = conv(t, t.node("Clip", List.of(project, t.scalar(0f), t.scalar(6f))), 16, 32);
		OnnxModel model = t.model(t.node("Relu", List.of(wide)));
		QuantizationResult r = TinyGraph.quantize(model, Schemes.preset("fiq_int8"), t.calibration(0, 1));

		QuantizationResult.Layer first = layer(r, stem);
		assertFalse(first.quantized(), first.reason());
		assertTrue(first.reason().startsWith("the one-channel stem of the narrow stage the int8 model input feeds (6 ops"), first.reason());
		for (String op : List.of(dw, project)) {
			assertFalse(layer(r, op).quantized(), layer(r, op).reason());
		}
		assertTrue(layer(r, wide).quantized(), layer(r, wide).reason());
		List<String> ran = TinyGraph.ops(TinyGraph.laidOut(r.model()).getGraph());
		assertEquals(1, ran.stream().filter(op -> op.endsWith("QLinearConv")).count(), "only the wider Conv on integers: " + ran);
		assertTrue(ran.contains("com.microsoft.nchwc.Conv"), "the float stage runs as ONNX Runtime's NCHWc Convs: " + ran);
		OpRulesTest.assertRunsAsWritten(t, r);
		OpRulesTest.assertWithinSteps(t, model, r);
	}
}
