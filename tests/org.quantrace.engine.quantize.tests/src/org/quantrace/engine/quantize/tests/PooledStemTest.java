package org.quantrace.engine.quantize.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quantrace.engine.quantize.tests.OpRulesTest.conv;

import java.util.List;

import org.junit.jupiter.api.Test;
import org.quantrace.engine.onnx.DataType;
import org.quantrace.engine.onnx.Node;
import org.quantrace.engine.onnx.OnnxModel;
import org.quantrace.engine.quantize.QuantizationResult;
import org.quantrace.engine.quantize.Schemes;

/**
 * The classic small CNN's stem under fiq-int8: a Conv of one input channel on the int8 model input → Relu → MaxPool → Conv
 * (round 17's psp and noisy, the fashion example). Its QLinearConv 1 → 16 took 1,900 µs per batch of 64 against the float
 * Conv's 250 (one thread); computed in float on the input's codes, with its MaxPool on the stem's codes channels-last
 * (com.microsoft.NhwcMaxPool), the next Conv on integers. A MaxPool that shares the stem's activation with a Conv (the zoo's
 * bspc_gap), or whose output a non-Conv reads, leaves the stem integer.
 */
class PooledStemTest {

	private static String maxPool(TinyGraph t, String x) {
		return t.node("MaxPool", List.of(x), TinyGraph.ints("kernel_shape", 2, 2), TinyGraph.ints("strides", 2, 2));
	}

	/** The tiny stem → ACTIVATION → MaxPool → Conv → Relu graph, and its fiq-int8 result. */
	private record PooledStem(TinyGraph t, OnnxModel model, QuantizationResult r) {
		static PooledStem quantized(String activation) {
			TinyGraph t = new TinyGraph(1, 8, 8).opset(14);
			OnnxModel model = t.model(t.node("Relu", List.of(conv(t, maxPool(t, t.node(activation, List.of(conv(t, "x", 1, 16)))), 16, 32))));
			return new PooledStem(t, model, TinyGraph.quantize(model, Schemes.preset("fiq_int8"), t.calibration(0, 1)));
		}

		QuantizationResult.Layer first(String opType) {
			return r.layers().stream().filter(l -> l.opType().equals(opType)).findFirst().orElseThrow();
		}
	}

	@Test
	void aStemWhoseReluOneMaxPoolReadsForConvsIsComputedInFloatWithThePoolChannelsLast() {
		PooledStem q = PooledStem.quantized("Relu");
		TinyGraph t = q.t();
		OnnxModel model = q.model();
		QuantizationResult r = q.r();
		List<QuantizationResult.Layer> convs = r.layers().stream().filter(l -> l.opType().equals("Conv")).toList();
		assertFalse(convs.get(0).quantized(), convs.get(0).reason());
		assertTrue(convs.get(0).reason().startsWith("kept float: a Conv of one input channel on the int8 model input")
				&& convs.get(0).reason().contains("read by one MaxPool"), convs.get(0).reason());
		assertTrue(convs.get(1).quantized(), convs.get(1).reason());
		QuantizationResult.Layer pool = q.first("MaxPool");
		assertTrue(pool.quantized() && pool.reason().contains("NhwcMaxPool"), pool.reason());

		List<Node> nodes = r.model().graph().nodes();
		Node dq = nodes.stream().filter(n -> n.inputs().contains("x")).findFirst().orElseThrow();
		Node stem = nodes.stream().filter(n -> n.opType().equals("Conv")).findFirst().orElseThrow();
		assertEquals(dq.output(0), stem.input(0), "the stem reads the int8 input's DequantizeLinear: " + nodes.stream().map(n -> n.opType() + n.inputs()).toList());
		Node weights = r.model().graph().producer(stem.input(1)).orElseThrow();
		assertEquals(DataType.INT8, r.model().graph().initializer(weights.input(0)).dataType(), "its weights are int8 codes in the file");
		assertFalse(nodes.stream().anyMatch(n -> n.opType().equals("MaxPool")), "the pool written channels-last: " + nodes.stream().map(Node::opType).toList());

		List<String> ran = TinyGraph.ops(TinyGraph.optimized(r.model()).getGraph());
		assertEquals(List.of("Conv", "QLinearConv"), ran.stream().filter(op -> op.endsWith("Conv")).map(op -> op.replace("com.microsoft.", "")).toList(),
				"the stem computed in float, the next Conv on integers: " + ran);
		assertTrue(ran.contains("com.microsoft.NhwcMaxPool") && !ran.contains("MaxPool"), "ONNX Runtime pools the codes channels-last: " + ran);

		OpRulesTest.assertRunsAsWritten(t, r);
		OpRulesTest.assertWithinSteps(t, model, r);

		QuantizationResult uint8Io = TinyGraph.quantize(model, Schemes.preset("fiq_uint8"), t.calibration(0, 1));
		assertTrue(uint8Io.layers().stream().filter(l -> l.opType().equals("Conv")).allMatch(QuantizationResult.Layer::quantized),
				"uint8 input codes are the activations' type: the stem stays a QLinearConv, " + uint8Io.layers());
	}

	/**
	 * Round 18's specnorm: stem → LeakyRelu → MaxPool → Conv. The LeakyRelu does not fold into the stem's QuantizeLinear; as
	 * QLinearLeakyRelu it read the stem's codes and ONNX Runtime pooled its NCHW codes (1.98-2.02x fp32's CPU time). It
	 * computes in float after the float stem, and the pool runs channels-last on its codes.
	 */
	@Test
	void aStemWhoseLeakyReluOneMaxPoolReadsComputesTheActivationInFloatAndPoolsChannelsLast() {
		PooledStem q = PooledStem.quantized("LeakyRelu");
		QuantizationResult.Layer leaky = q.first("LeakyRelu");
		assertFalse(leaky.quantized(), leaky.reason());
		assertTrue(leaky.reason().startsWith("kept float: computed in float after '"), leaky.reason());
		QuantizationResult.Layer pool = q.first("MaxPool");
		assertTrue(pool.quantized() && pool.reason().contains("NhwcMaxPool"), pool.reason());

		List<String> ran = TinyGraph.ops(TinyGraph.optimized(q.r().model()).getGraph());
		assertEquals(List.of("FusedConv", "QLinearConv"), ran.stream().filter(op -> op.endsWith("Conv")).map(op -> op.replace("com.microsoft.", "")).toList(),
				"the stem and its LeakyRelu computed in float as one FusedConv, the next Conv on integers: " + ran);
		assertFalse(ran.stream().anyMatch(op -> op.endsWith("LeakyRelu")), "no QLinearLeakyRelu: " + ran);
		assertTrue(ran.contains("com.microsoft.NhwcMaxPool") && !ran.contains("MaxPool"), "ONNX Runtime pools the codes channels-last: " + ran);

		OpRulesTest.assertRunsAsWritten(q.t(), q.r());
		OpRulesTest.assertWithinSteps(q.t(), q.model(), q.r());
	}

	/**
	 * Round 20's invol: the pool's output read by a 1x1 Conv and by a Pad on its codes (the involution's nine shifts are
	 * Slices of it). Its QLinearConv stem took 955 µs per batch of 64 against 351 computed in float (Profile, medians).
	 */
	@Test
	void aStemWhosePoolAConvAndAPadOnItsCodesReadIsComputedInFloat() {
		TinyGraph t = new TinyGraph(1, 8, 8).opset(14);
		String pooled = maxPool(t, t.node("Relu", List.of(conv(t, "x", 1, 16))));
		String padded = t.node("Pad", List.of(pooled, t.longs(0, 0, 1, 1, 0, 0, 1, 1)));
		String shifted = t.node("Slice", List.of(padded, t.longs(0, 0), t.longs(4, 4), t.longs(2, 3)));
		OnnxModel model = t.model(t.node("Add", List.of(OpRulesTest.pointwise(t, pooled, 16, 16), shifted)));
		QuantizationResult r = TinyGraph.quantize(model, Schemes.preset("fiq_int8"), t.calibration(0, 1));
		QuantizationResult.Layer stem = r.layers().get(0);
		assertFalse(stem.quantized(), stem.reason());
		assertTrue(stem.reason().contains("read by one MaxPool") && stem.reason().contains("Pads on its codes"), stem.reason());
		assertTrue(r.layers().stream().filter(l -> l.opType().equals("Pad")).allMatch(QuantizationResult.Layer::quantized), r.layers().toString());
		List<String> ran = TinyGraph.ops(TinyGraph.optimized(r.model()).getGraph());
		assertEquals(List.of("Conv", "QLinearConv"), ran.stream().filter(op -> op.endsWith("Conv")).toList(), "the stem in float: " + ran);
		assertTrue(ran.contains("com.microsoft.NhwcMaxPool") && !ran.contains("MaxPool"), "ONNX Runtime pools the codes channels-last: " + ran);
		OpRulesTest.assertRunsAsWritten(t, r);
		OpRulesTest.assertWithinSteps(t, model, r);
	}

	@Test
	void aMaxPoolSharingTheStemOrReadByANonConvLeavesItInteger() {
		TinyGraph shared = new TinyGraph(1, 8, 8).opset(14); // bspc_gap: the stem's Relu read by a MaxPool and a Conv
		String r1 = shared.node("Relu", List.of(conv(shared, "x", 1, 16)));
		assertStemInteger(shared, shared.node("Add", List.of(conv(shared, maxPool(shared, r1), 16, 16), maxPool(shared, conv(shared, r1, 16, 16)))));
		TinyGraph flat = new TinyGraph(1, 8, 8).opset(14); // the pool's output read by a Flatten
		assertStemInteger(flat, flat.node("Flatten", List.of(maxPool(flat, flat.node("Relu", List.of(conv(flat, "x", 1, 16)))))));
	}

	private static void assertStemInteger(TinyGraph t, String y) {
		QuantizationResult r = TinyGraph.quantize(t.model(y), Schemes.preset("fiq_int8"), t.calibration(0, 1));
		QuantizationResult.Layer stem = r.layers().stream().filter(l -> l.opType().equals("Conv")).findFirst().orElseThrow();
		assertTrue(stem.quantized(), stem.reason());
	}
}
