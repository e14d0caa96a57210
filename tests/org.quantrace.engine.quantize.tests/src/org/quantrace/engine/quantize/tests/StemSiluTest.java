package org.quantrace.engine.quantize.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quantrace.engine.quantize.tests.OpRulesTest.conv;

import java.util.List;

import org.junit.jupiter.api.Test;
import org.quantrace.engine.onnx.OnnxModel;
import org.quantrace.engine.quantize.QuantizationResult;
import org.quantrace.engine.quantize.Schemes;

/**
 * EfficientNet's and EfficientDet's stem under fiq-int8: a Conv of one input channel on the int8 model input, then a SiLU
 * x·sigmoid(x) (Sigmoid and Mul), then Convs. Integer, the stem ran as ONNX Runtime's one-input-channel QLinearConv and the SiLU
 * as QLinearSigmoid + QLinearMul; round 26's bifpn took 1.30-1.31x fp32's CPU time at batch 1 so. The stem now computes in float
 * on the input's codes and the SiLU with it, which ONNX Runtime fuses into QuickGelu as in fp32 (1.17-1.21x;
 * tests/data/wild/README.md, speed29).
 */
class StemSiluTest {

	private static QuantizationResult.Layer layer(QuantizationResult r, String node) {
		return r.layers().stream().filter(l -> l.node().equals(node)).findFirst().orElseThrow();
	}

	/** The node of a TinyGraph output ("mul3_out0" → "mul3"). */
	private static String node(String output) {
		return output.substring(0, output.length() - "_out0".length());
	}

	@Test
	void aOneChannelStemBeforeASiluComputesInFloatWithItAndOnnxRuntimeFusesTheSilu() {
		TinyGraph t = new TinyGraph(1, 8, 8).opset(14);
		String stem = conv(t, "x", 1, 16);
		String sigmoid = t.node("Sigmoid", List.of(stem));
		String product = t.node("Mul", List.of(stem, sigmoid));
		String next = conv(t, product, 16, 32);
		OnnxModel model = t.model(t.node("Relu", List.of(next)));
		QuantizationResult r = TinyGraph.quantize(model, Schemes.preset("fiq_int8"), t.calibration(0, 1));

		QuantizationResult.Layer first = layer(r, node(stem));
		assertFalse(first.quantized(), first.reason());
		assertTrue(first.reason().startsWith("kept float: a Conv of one input channel on the int8 model input")
				&& first.reason().contains("a SiLU x·sigmoid(x) alone reads its output ('" + node(sigmoid) + "' and '" + node(product) + "')"), first.reason());
		for (String silu : List.of(node(sigmoid), node(product))) {
			QuantizationResult.Layer l = layer(r, silu);
			assertFalse(l.quantized(), silu + ": " + l.reason());
			assertTrue(l.reason().contains("part of the SiLU x·sigmoid(x) that alone reads the one-channel stem '" + node(stem) + "'"), l.reason());
		}
		assertTrue(layer(r, node(next)).quantized(), layer(r, node(next)).reason());

		List<String> ran = TinyGraph.ops(TinyGraph.optimized(r.model()).getGraph());
		assertTrue(ran.contains("com.microsoft.QuickGelu"), "ONNX Runtime fuses the float SiLU as in fp32: " + ran);
		assertTrue(ran.stream().noneMatch(op -> op.endsWith("QLinearSigmoid") || op.endsWith("QLinearMul")), ran.toString());
		assertEquals(List.of("Conv", "QLinearConv"), ran.stream().filter(op -> op.endsWith("Conv")).map(op -> op.replace("com.microsoft.", "")).toList(),
				"the stem computed in float, the next Conv on integers: " + ran);
		assertEquals(1, r.model().graph().nodes().stream().filter(n -> n.opType().equals("QuantizeLinear")
				&& r.model().graph().producer(n.input(0)).map(p -> p.name().equals(node(product))).orElse(false)).count(), "one QuantizeLinear after the SiLU");
		OpRulesTest.assertRunsAsWritten(t, r);
		OpRulesTest.assertWithinSteps(t, model, r);

		QuantizationResult uint8Io = TinyGraph.quantize(model, Schemes.preset("fiq_uint8"), t.calibration(0, 1));
		assertTrue(layer(uint8Io, node(stem)).quantized() && layer(uint8Io, node(sigmoid)).quantized(),
				"uint8 input codes are the activations' type: the stem and the SiLU stay integer, " + uint8Io.layers());
	}
}
