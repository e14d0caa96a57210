package org.quantrace.engine.quantize.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;
import org.quantrace.engine.onnx.Node;
import org.quantrace.engine.onnx.OnnxModel;
import org.quantrace.engine.quantize.QuantizationResult;
import org.quantrace.engine.quantize.QuantizationResult.Layer;
import org.quantrace.engine.quantize.Schemes;
import org.quantrace.engine.runtime.NdArray;

/**
 * A SegNet-style MaxPool that also writes its int64 indices, read by a MaxUnpool (make_unseen18.py "unpool": torch's
 * MaxPool2d(return_indices=True) and MaxUnpool2d). The data-movement rule wrote Q/DQ on every output of the MaxPool, a
 * DequantizeLinear on the indices among them: `quantize --scheme fiq-int8` stopped with "does not load in ONNX Runtime ...
 * Type 'tensor(int64)' of input parameter (/pool/MaxPool_1_output_1) of operator (DequantizeLinear)", exit 3.
 */
class MaxPoolIndicesTest {

	@Test
	void aMaxPoolWithIndicesStaysFloatAndTheConvsAroundItAreQuantized() {
		TinyGraph t = new TinyGraph(4, 8, 8);
		String h = t.node("Relu", List.of(OpRulesTest.conv(t, "x", 4, 8)));
		List<String> pooled = t.nodeOutputs("MaxPool", List.of(h), 2, TinyGraph.ints("kernel_shape", 2, 2), TinyGraph.ints("strides", 2, 2));
		String mid = t.node("Relu", List.of(OpRulesTest.conv(t, pooled.get(0), 8, 8)));
		String unpooled = t.node("MaxUnpool", List.of(mid, pooled.get(1)), TinyGraph.ints("kernel_shape", 2, 2), TinyGraph.ints("strides", 2, 2));
		OnnxModel model = t.model(OpRulesTest.conv(t, unpooled, 8, 4));

		QuantizationResult q = TinyGraph.quantize(model, Schemes.preset("fiq_int8"), t.calibration(-1, 1));

		Layer pool = q.layers().stream().filter(l -> l.opType().equals("MaxPool")).findFirst().orElseThrow();
		assertTrue(!pool.quantized() && pool.reason().startsWith("MaxPool that also writes its indices (for a MaxUnpool)"), pool.toString());
		assertEquals(3, q.layers().stream().filter(l -> l.opType().equals("Conv") && l.quantized()).count(), q.layers().toString());
		// the same plan with float I/O, run against the float model
		NdArray x = t.batch(t.data(8, -1, 1));
		float[] expected = TinyGraph.run(model, x);
		float[] actual = TinyGraph.run(TinyGraph.quantize(model, Schemes.preset("fiq_float32"), t.calibration(-1, 1)).model(), x);
		double err = 0, ref = 0;
		for (int i = 0; i < expected.length; i++) {
			err += (expected[i] - actual[i]) * (expected[i] - actual[i]);
			ref += expected[i] * expected[i];
		}
		assertTrue(err < 0.01 * ref, "relative squared error " + err / ref);
	}

	/**
	 * unpool's stem: a Conv of one input channel on the int8 model input → Relu → MaxPool that writes its indices (float).
	 * The stem stayed a QLinearConv 1 → 16 (5,321 µs per batch of 64 against the float Conv's 2,106), its codes dequantized for
	 * the float pool. It is computed in float on the input's codes, its Relu folded into its output quantization, which the pool
	 * reads dequantized as before (ONNX Runtime moves the pool's QuantizeLinear back over it anyway); the Convs after it stay integer.
	 */
	@Test
	void aOneChannelStemWhoseReluOnlyAMaxPoolWithIndicesReadsIsComputedInFloat() {
		TinyGraph t = new TinyGraph(1, 8, 8).opset(14);
		String h = t.node("Relu", List.of(OpRulesTest.conv(t, "x", 1, 8)));
		List<String> pooled = t.nodeOutputs("MaxPool", List.of(h), 2, TinyGraph.ints("kernel_shape", 2, 2), TinyGraph.ints("strides", 2, 2));
		String mid = t.node("Relu", List.of(OpRulesTest.conv(t, pooled.get(0), 8, 8)));
		String unpooled = t.node("MaxUnpool", List.of(mid, pooled.get(1)), TinyGraph.ints("kernel_shape", 2, 2), TinyGraph.ints("strides", 2, 2));
		OnnxModel model = t.model(OpRulesTest.conv(t, unpooled, 8, 4));

		QuantizationResult q = TinyGraph.quantize(model, Schemes.preset("fiq_int8"), t.calibration(0, 1));

		List<Layer> convs = q.layers().stream().filter(l -> l.opType().equals("Conv")).toList();
		assertFalse(convs.get(0).quantized(), convs.get(0).reason());
		assertTrue(convs.get(0).reason().startsWith("kept float: a Conv of one input channel on the int8 model input")
				&& convs.get(0).reason().contains("only float ops read its Relu"), convs.get(0).reason());
		assertTrue(convs.get(1).quantized() && convs.get(2).quantized(), q.layers().toString());

		List<Node> nodes = q.model().graph().nodes();
		Node stem = nodes.stream().filter(n -> n.opType().equals("Conv")).findFirst().orElseThrow();
		Node dq = nodes.stream().filter(n -> n.inputs().contains("x")).findFirst().orElseThrow();
		assertEquals(dq.output(0), stem.input(0), "the stem reads the int8 input's DequantizeLinear: " + nodes.stream().map(n -> n.opType() + n.inputs()).toList());
		List<String> ran = TinyGraph.ops(TinyGraph.optimized(q.model()).getGraph());
		assertEquals(List.of("Conv", "QLinearConv", "QLinearConv"), ran.stream().filter(op -> op.endsWith("Conv")).map(op -> op.replace("com.microsoft.", ""))
				.toList(), "the stem computed in float, the Convs after the pool on integers: " + ran);
		OpRulesTest.assertRunsAsWritten(t, q);
		OpRulesTest.assertWithinSteps(t, model, q);
	}
}
