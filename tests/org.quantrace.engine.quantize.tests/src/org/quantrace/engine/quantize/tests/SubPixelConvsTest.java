package org.quantrace.engine.quantize.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;
import org.quantrace.engine.onnx.OnnxModel;
import org.quantrace.engine.quantize.QuantizationResult;
import org.quantrace.engine.quantize.QuantizationSpec;
import org.quantrace.engine.quantize.SubPixelConvs;
import org.quantrace.engine.quantize.tests.OpRulesTest.Checked;
import org.quantrace.engine.runtime.NdArray;

import ai.onnx.proto.OnnxMl.AttributeProto;

/**
 * ONNX Runtime 1.29 (CPU) has no integer ConvTranspose: its QDQ form computes in float between DequantizeLinear and
 * QuantizeLinear. Full-integer schemes write a 2-D ConvTranspose as a sub-pixel Conv (each phase's taps, flipped) and an
 * interleave of the phases that moves codes (branch speed14; speed13 measured the form by hand). The float form must compute
 * what ONNX Runtime's ConvTranspose computes, for every kernel, stride, pad and output_padding the rule accepts; the forms it
 * does not accept stay ConvTranspose and say why.
 */
class SubPixelConvsTest {

	/** Conv 2 → 3 (so the ConvTranspose reads an integer op), then the ConvTranspose 3 → 4 with a bias. */
	private static String upsampled(TinyGraph t, int kh, int kw, AttributeProto... attributes) {
		String a = t.node("Relu", List.of(OpRulesTest.conv(t, "x", 2, 3)));
		List<AttributeProto> all = new ArrayList<>(List.of(attributes));
		all.add(TinyGraph.ints("kernel_shape", kh, kw));
		return t.node("ConvTranspose", List.of(a, t.weight(0.4, 3, 4, kh, kw), t.weight(0.1, 4)), all.toArray(AttributeProto[]::new));
	}

	@ParameterizedTest(name = "kernel {0}x{1}, strides {2}x{3}, pads {4}, output_padding {5}")
	@CsvSource(delimiter = ';', value = { //
			"2; 2; 2; 2; 0 0 0 0; 0 0", // dae's and unet's
			"3; 3; 2; 2; 1 1 1 1; 1 1", // the usual "same" upsampling
			"4; 4; 2; 2; 1 1 1 1; 0 0", // DCGAN's
			"3; 3; 1; 1; 1 1 1 1; 0 0", // stride 1: a Conv with flipped taps, no interleave
			"5; 3; 3; 2; 2 0 1 1; 2 1", // unequal strides, asymmetric pads, the kernel no multiple of the stride
			"1; 1; 2; 2; 0 0 0 0; 1 1", // output_padding past every tap: the bias alone
			"3; 2; 2; 3; 0 1 2 0; 0 2" })
	void theFloatFormComputesWhatOnnxRuntimesConvTransposeComputes(int kh, int kw, int sh, int sw, String pads, String extra) {
		TinyGraph t = new TinyGraph(2, 5, 6);
		String y = upsampled(t, kh, kw, TinyGraph.ints("strides", sh, sw), TinyGraph.ints("pads", longs(pads)),
				TinyGraph.ints("output_padding", longs(extra)));
		OnnxModel model = t.model(y);
		OnnxModel written = SubPixelConvs.floatForm(model, "tiny");
		List<String> ops = written.graph().nodes().stream().map(n -> n.opType()).toList();
		assertFalse(ops.contains("ConvTranspose"), "rewritten: " + ops);
		NdArray x = t.batch(t.data(3, -1, 1));
		float[] expected = TinyGraph.run(model, x);
		float[] actual = TinyGraph.run(written, x);
		assertEquals(expected.length, actual.length, "the output's size");
		for (int i = 0; i < expected.length; i++) {
			assertEquals(expected[i], actual[i], 1e-5, "output " + i + " of " + expected.length + " (" + ops + ")");
		}
	}

	private static long[] longs(String spaced) {
		return java.util.Arrays.stream(spaced.trim().split(" +")).mapToLong(Long::parseLong).toArray();
	}

	@Test
	void aQuantizedConvTransposeRunsAsQLinearConvAndSaysSo() {
		TinyGraph t = new TinyGraph(2, 5, 6);
		String y = t.node("Relu", List.of(upsampled(t, 3, 3, TinyGraph.ints("strides", 2, 2), TinyGraph.ints("pads", 1, 1, 1, 1),
				TinyGraph.ints("output_padding", 1, 1))));
		Checked c = OpRulesTest.check(t, y, -1, 1, OpRulesTest.FIQ);
		assertFalse(c.ops().contains("ConvTranspose"), "no float ConvTranspose left: " + c.ops());
		assertEquals(2, c.count("QLinearConv"), "the Conv before and the sub-pixel Conv: " + c.ops());
		QuantizationResult.Layer layer = c.result().layers().stream().filter(l -> l.node().equals("convtranspose6")).findFirst().orElseThrow();
		assertTrue(layer.quantized() && layer.reason().contains("ConvTranspose (stride 2x2) rewritten as a sub-pixel Conv 3 → 16 of its 4 phases' taps and an"
				+ " interleave of the phases: ONNX Runtime has no integer ConvTranspose"), layer.reason());
	}

	@ParameterizedTest(name = "{0}")
	@CsvSource(delimiter = ';', value = { //
			"dilations; it is dilated [2, 2] (only dilations 1 are rewritten)", //
			"auto_pad; its pads are auto_pad SAME_UPPER (only explicit pads are rewritten)", //
			"output_shape; it states an output_shape (only explicit pads are rewritten)", //
			"group; it has 3 groups (only one group is rewritten)" })
	void aFormTheRuleDoesNotCoverStaysAConvTransposeAndSaysWhy(String what, String why) {
		TinyGraph t = new TinyGraph(2, 5, 6);
		String a = t.node("Relu", List.of(OpRulesTest.conv(t, "x", 2, 3)));
		AttributeProto form = switch (what) {
		case "dilations" -> TinyGraph.ints("dilations", 2, 2);
		case "auto_pad" -> TinyGraph.attr("auto_pad", "SAME_UPPER");
		case "output_shape" -> TinyGraph.ints("output_shape", 10, 12);
		default -> TinyGraph.attr("group", 3L);
		};
		String w = what.equals("group") ? t.weight(0.4, 3, 1, 2, 2) : t.weight(0.4, 3, 4, 2, 2);
		String y = t.node("ConvTranspose", List.of(a, w), TinyGraph.ints("kernel_shape", 2, 2), TinyGraph.ints("strides", 2, 2), form);
		Checked c = OpRulesTest.check(t, y, -1, 1, OpRulesTest.FIQ);
		assertTrue(c.result().model().graph().nodes().stream().anyMatch(n -> n.opType().equals("ConvTranspose")), "left as it is");
		QuantizationResult.Layer layer = c.result().layers().stream().filter(l -> l.opType().equals("ConvTranspose")).findFirst().orElseThrow();
		assertTrue(layer.reason().contains("not rewritten as a sub-pixel Conv (" + why + ")"), layer.reason());
	}

	/** An excluded ConvTranspose stays float as it is (a float sub-pixel Conv ran slower than the float ConvTranspose). */
	@Test
	void anExcludedConvTransposeIsNotRewritten() {
		TinyGraph t = new TinyGraph(2, 5, 6);
		String y = upsampled(t, 2, 2, TinyGraph.ints("strides", 2, 2));
		QuantizationSpec excluding = OpRulesTest.FIQ.toBuilder().exclude(QuantizationSpec.Exclusion.Kind.NODE, "convtranspose6", null).build();
		Checked c = OpRulesTest.check(t, y, -1, 1, excluding);
		assertEquals(List.of("ConvTranspose"), c.result().model().graph().nodes().stream().filter(n -> n.name().equals("convtranspose6"))
				.map(n -> n.opType()).toList());
	}
}
