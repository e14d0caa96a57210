package org.quantrace.engine.quantize.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

import org.junit.jupiter.api.Test;
import org.quantrace.engine.onnx.Node;
import org.quantrace.engine.onnx.OnnxModel;
import org.quantrace.engine.quantize.QuantizationResult;
import org.quantrace.engine.quantize.Schemes;
import org.quantrace.engine.runtime.NdArray;

/**
 * A GroupNorm as PyTorch exports nn.GroupNorm below opset 18 (Reshape → InstanceNormalization → Reshape → Mul → Add) with a
 * SiLU x·sigmoid(x) after it, as in the lead's GroupNorm model (tests/data/wild make_gn.py) and diffusion U-Nets. The
 * InstanceNormalization has no integer kernel; the tail after it ran as a QuantizeLinear, a Reshape of codes, a depthwise
 * QLinearConv 1x1 with layout Transposes, QLinearSigmoid and QLinearMul, and that model's fiq-int8 at 1.4-2.0x fp32's CPU
 * time. The tail and the SiLU now stay float with the normalization (one island, one QuantizeLinear after the SiLU), which
 * ONNX Runtime runs as in fp32 (the SiLU fused into QuickGelu): 1.1-1.4x (tests/data/wild/README.md, speed28).
 */
class GroupNormTailTest {

	/**
	 * Conv 4 → 8, GroupNorm(2) spelled as torch writes it, then {@code activation} applied to it, MaxPool, a 1x1 Conv 8 → 8; the
	 * nodes' names (TinyGraph's, the op and a number) by role in {@code names}.
	 */
	private static String block(TinyGraph t, Function<String, String> activation, Map<String, String> names) {
		String c = OpRulesTest.conv(t, "x", 4, 8);
		String grouped = t.node("Reshape", List.of(c, t.longs(0, 2, -1)));
		String normed = t.node("InstanceNormalization", List.of(grouped, t.floats(new float[] { 1f, 1f }, 2), t.floats(new float[] { 0f, 0f }, 2)));
		String back = t.node("Reshape", List.of(normed, t.longs(0, 8, 8, 8)));
		String scaled = t.node("Mul", List.of(back, t.floats(new float[] { 0.9f, 1.1f, 0.8f, 1.2f, 1f, 0.7f, 1.3f, 0.95f }, 8, 1, 1)));
		String shifted = t.node("Add", List.of(scaled, t.weight(0.3, 8, 1, 1)));
		String pooled = t.node("MaxPool", List.of(activation.apply(shifted)), TinyGraph.ints("kernel_shape", 2, 2), TinyGraph.ints("strides", 2, 2));
		String y = OpRulesTest.pointwise(t, pooled, 8, 8);
		List<String> roles = List.of("conv", "grouped", "norm", "back", "scaled", "shifted", "pooled", "y");
		List<String> outputs = List.of(c, grouped, normed, back, scaled, shifted, pooled, y);
		for (int i = 0; i < roles.size(); i++) {
			names.put(roles.get(i), node(outputs.get(i)));
		}
		return y;
	}

	/** The node of a TinyGraph output ("mul3_out0" → "mul3"). */
	private static String node(String output) {
		return output.substring(0, output.length() - "_out0".length());
	}

	private static Map<String, QuantizationResult.Layer> byNode(QuantizationResult r) {
		return r.layers().stream().collect(Collectors.toMap(QuantizationResult.Layer::node, Function.identity()));
	}

	@Test
	void theTailOfAGroupNormBeforeASiluStaysFloatWithItAndOnnxRuntimeFusesTheSilu() {
		TinyGraph t = new TinyGraph(4, 8, 8);
		Map<String, String> names = new java.util.HashMap<>();
		String[] silu = new String[2];
		String y = block(t, x -> {
			silu[0] = t.node("Sigmoid", List.of(x));
			silu[1] = t.node("Mul", List.of(x, silu[0]));
			return silu[1];
		}, names);
		String sigmoid = node(silu[0]);
		String product = node(silu[1]);
		OnnxModel model = t.model(y);
		// float I/O, so that the float samples feed both models (the rule is the same for int8 and uint8 I/O)
		QuantizationResult r = TinyGraph.quantize(model, Schemes.preset("fiq_float32"), t.calibration(-1, 1));
		Map<String, QuantizationResult.Layer> layers = byNode(r);
		for (String tail : List.of(names.get("back"), names.get("scaled"), names.get("shifted"), sigmoid, product)) {
			QuantizationResult.Layer l = layers.get(tail);
			assertFalse(l.quantized(), tail + ": " + l.reason());
			assertTrue(l.reason().contains("float tail of the GroupNorm whose InstanceNormalization '" + names.get("norm") + "'")
					&& l.reason().contains("SiLU x·sigmoid(x) after it ('" + sigmoid + "' and '" + product + "')"), tail + ": " + l.reason());
		}
		assertEquals("Mul", layers.get(names.get("scaled")).opType(), "the affine is not rewritten as a depthwise Conv between float ops");
		for (String integer : List.of(names.get("conv"), names.get("grouped"), names.get("pooled"), names.get("y"))) {
			assertTrue(layers.get(integer).quantized(), integer + ": " + layers.get(integer).reason());
		}
		List<String> ops = TinyGraph.ops(TinyGraph.laidOut(r.model()).getGraph());
		assertTrue(ops.contains("com.microsoft.QuickGelu"), "ONNX Runtime fuses the float SiLU as in fp32: " + ops);
		assertTrue(ops.stream().noneMatch(op -> op.endsWith("QLinearSigmoid") || op.endsWith("QLinearMul")), ops.toString());
		assertEquals(2, ops.stream().filter(op -> op.endsWith("QLinearConv")).count(), "the two Convs only: " + ops);
		assertEquals(1, r.model().graph().nodes().stream().filter(n -> n.opType().equals("QuantizeLinear") && n.input(0).equals(outputOf(r, product)))
				.count(), "one QuantizeLinear after the SiLU");
		assertFollowsFloat(t, model, r);
	}

	/**
	 * GroupNorm(affine=False) has no Mul and Add, and an exporter may write the SiLU as sigmoid(x)·x: the rule finds the
	 * tail all the same (from the Mul through its Sigmoid). Without an affine these nodes stayed float before too (they read
	 * the float normalization's output); their records now say which GroupNorm and SiLU they are kept float with.
	 */
	@Test
	void anUnscaledGroupNormBeforeASiluWrittenSigmoidFirstStaysFloat() {
		TinyGraph t = new TinyGraph(4, 8, 8);
		String grouped = t.node("Reshape", List.of(OpRulesTest.conv(t, "x", 4, 8), t.longs(0, 2, -1)));
		String normed = t.node("InstanceNormalization", List.of(grouped, t.floats(new float[] { 1f, 1f }, 2), t.floats(new float[] { 0f, 0f }, 2)));
		String back = t.node("Reshape", List.of(normed, t.longs(0, 8, 8, 8)));
		String sigmoid = t.node("Sigmoid", List.of(back));
		String product = t.node("Mul", List.of(sigmoid, back));
		String y = OpRulesTest.pointwise(t, product, 8, 8);
		QuantizationResult r = TinyGraph.quantize(t.model(y), Schemes.preset("fiq_int8"), t.calibration(-1, 1));
		Map<String, QuantizationResult.Layer> layers = byNode(r);
		for (String tail : List.of(node(back), node(sigmoid), node(product))) {
			assertFalse(layers.get(tail).quantized(), tail + ": " + layers.get(tail).reason());
			assertTrue(layers.get(tail).reason().contains("float tail of the GroupNorm whose InstanceNormalization '" + node(normed) + "'"),
					layers.get(tail).reason());
		}
		assertTrue(layers.get(node(y)).quantized(), layers.get(node(y)).reason());
	}

	/** Without a SiLU after it (a Relu), the tail keeps its integer form: the rule is the island measured, nothing wider. */
	@Test
	void aGroupNormBeforeAnotherActivationKeepsItsIntegerTail() {
		TinyGraph t = new TinyGraph(4, 8, 8);
		Map<String, String> names = new java.util.HashMap<>();
		String y = block(t, x -> t.node("Relu", List.of(x)), names);
		QuantizationResult r = TinyGraph.quantize(t.model(y), Schemes.preset("fiq_int8"), t.calibration(-1, 1));
		Map<String, QuantizationResult.Layer> layers = byNode(r);
		assertTrue(layers.get(names.get("back")).quantized(), layers.get(names.get("back")).reason());
		assertEquals("Conv", layers.get(names.get("scaled")).opType(), "the affine as a depthwise 1x1 Conv: " + layers.get(names.get("scaled")).reason());
		assertTrue(r.layers().stream().noneMatch(l -> l.reason() != null && l.reason().contains("float tail of the GroupNorm")), r.layers().toString());
	}

	/**
	 * The GroupNorm model's first block (tests/data/models/gn_groupnorm.onnx) under fiq-int8: the narrow stage on the int8
	 * input (stem 1 → 16, Relu, depthwise 16) stays float, and the 1x1 Conv 16 → 32 after it feeds only a GroupNorm whose
	 * tail stays float. Integer, that Conv was an island of one QLinearConv between a QuantizeLinear, two layout Transposes
	 * and a DequantizeLinear (the model 1.15-1.20x fp32's CPU time at batch 1); it now stays float with its float weights
	 * (1.09-1.11x; tests/data/wild/README.md, speed33). Under fiq-uint8 the stage is integer, and so is the Conv.
	 */
	@Test
	void aConvBetweenTheFloatNarrowStageAndAFloatGroupNormStaysFloat() {
		TinyGraph t = new TinyGraph(1, 8, 8).opset(14);
		String dw = OpRulesTest.depthwise(t, t.node("Relu", List.of(OpRulesTest.conv(t, "x", 1, 16))), 16, 3);
		String pw = OpRulesTest.pointwise(t, dw, 16, 32);
		String grouped = t.node("Reshape", List.of(pw, t.longs(0, 4, -1)));
		String normed = t.node("InstanceNormalization", List.of(grouped, t.floats(new float[] { 1f, 1f, 1f, 1f }, 4), t.floats(new float[4], 4)));
		String back = t.node("Reshape", List.of(normed, t.longs(0, 32, 8, 8)));
		String shifted = t.node("Add", List.of(t.node("Mul", List.of(back, t.weight(1.0, 32, 1, 1))), t.weight(0.3, 32, 1, 1)));
		String silu = t.node("Mul", List.of(shifted, t.node("Sigmoid", List.of(shifted))));
		String pooled = t.node("MaxPool", List.of(silu), TinyGraph.ints("kernel_shape", 2, 2), TinyGraph.ints("strides", 2, 2));
		String y = OpRulesTest.pointwise(t, pooled, 32, 32);
		OnnxModel model = t.model(y);
		QuantizationResult r = TinyGraph.quantize(model, Schemes.preset("fiq_int8"), t.calibration(0, 1));
		Map<String, QuantizationResult.Layer> layers = byNode(r);

		QuantizationResult.Layer between = layers.get(node(pw));
		assertFalse(between.quantized(), between.reason());
		assertTrue(between.reason().startsWith("a Conv between two float islands: its input comes from '" + node(dw) + "', which stays float")
				&& between.reason().contains("InstanceNormalization '" + node(normed) + "'"), between.reason());
		assertFalse(layers.get(node(grouped)).quantized(), "the Reshape to groups moves float values: " + layers.get(node(grouped)).reason());
		assertTrue(layers.get(node(y)).quantized(), layers.get(node(y)).reason());
		List<String> ran = TinyGraph.ops(TinyGraph.laidOut(r.model()).getGraph());
		assertEquals(1, ran.stream().filter(op -> op.endsWith("QLinearConv")).count(), "only the last Conv on integers: " + ran);
		OpRulesTest.assertRunsAsWritten(t, r);
		OpRulesTest.assertWithinSteps(t, model, r);

		QuantizationResult uint8Io = TinyGraph.quantize(model, Schemes.preset("fiq_uint8"), t.calibration(0, 1));
		assertTrue(byNode(uint8Io).get(node(pw)).quantized(), "after the integer stage of uint8 input codes it stays integer: " + byNode(uint8Io).get(node(pw)).reason());
	}

	private static String outputOf(QuantizationResult r, String node) {
		return r.model().graph().nodes().stream().filter(n -> n.name().equals(node)).map(Node::outputs).findFirst().orElseThrow().get(0);
	}

	/** The quantized model's outputs on new samples within 5 % rms of the float model's. */
	private static void assertFollowsFloat(TinyGraph t, OnnxModel model, QuantizationResult r) {
		NdArray x = t.batch(t.data(8, -1, 1));
		float[] expected = TinyGraph.run(model, x);
		float[] actual = TinyGraph.run(r.model(), x);
		double err = 0;
		double ref = 0;
		for (int i = 0; i < expected.length; i++) {
			err += (expected[i] - actual[i]) * (double) (expected[i] - actual[i]);
			ref += expected[i] * (double) expected[i];
		}
		assertTrue(Math.sqrt(err) < 0.05 * Math.sqrt(ref), "rms error " + Math.sqrt(err / expected.length) + " of " + Math.sqrt(ref / expected.length));
	}
}
