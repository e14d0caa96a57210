package org.quantrace.engine.quantize.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quantrace.engine.quantize.tests.OpRulesTest.conv;

import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.Test;
import org.quantrace.engine.onnx.DataType;
import org.quantrace.engine.onnx.Node;
import org.quantrace.engine.onnx.OnnxModel;
import org.quantrace.engine.quantize.QuantizationResult;
import org.quantrace.engine.quantize.Schemes;

import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnx.proto.OnnxMl.TensorShapeProto;
import ai.onnx.proto.OnnxMl.TypeProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;

/**
 * Round 22's loopconv under fiq-int8: stem Conv 1 → 16 → Relu → MaxPool → a Loop whose body holds its own Conv (h = Relu(Conv(h)
 * + h), three trips) → MaxPool → Flatten → Gemm. The Loop runs in float; main's file ran at 1.71-1.82x fp32's CPU time (one
 * thread, batch 64): the stem a QLinearConv whose codes only the float Loop read (30.5 ms against 3.9 in float), and the pool
 * after the Loop on NCHW codes (ONNX Runtime moved the Gemm's QuantizeLinear over it: 16.8 ms against 2.5) while the log
 * said float. Now 1.00x: the stem float with its float weights, the pool on codes channels-last.
 */
class LoopStemTest {

	private static final int TRIPS = 3;

	/** The tiny loopconv on 8x8 images, and its fiq-int8 result. */
	private record LoopConv(TinyGraph t, OnnxModel model, QuantizationResult r) {
		static LoopConv quantized() {
			TinyGraph t = new TinyGraph(1, 8, 8).opset(13);
			String pooled = maxPool(t, t.node("Relu", List.of(conv(t, "x", 1, 16))));
			String refined = t.node("Loop", List.of(t.scalarLong(TRIPS), "", pooled), TinyGraph.graph("body", body()));
			String flat = t.node("Flatten", List.of(maxPool(t, refined)));
			OnnxModel model = t.model(t.node("Gemm", List.of(flat, t.weight(1.0 / 64, 10, 64), t.weight(0.05, 10)), TinyGraph.attr("transB", 1L)));
			return new LoopConv(t, model, TinyGraph.quantize(model, Schemes.preset("fiq_int8"), t.calibration(0, 1)));
		}

		/** The {@code i}-th layer of {@code opType}. */
		QuantizationResult.Layer layer(String opType, int i) {
			return r.layers().stream().filter(l -> l.opType().equals(opType)).toList().get(i);
		}

		List<String> ran() {
			return TinyGraph.ops(TinyGraph.optimized(r.model()).getGraph());
		}
	}

	private static String maxPool(TinyGraph t, String x) {
		return t.node("MaxPool", List.of(x), TinyGraph.ints("kernel_shape", 2, 2), TinyGraph.ints("strides", 2, 2));
	}

	/** The Loop's body: h_out = Relu(Conv(h_in) + h_in), its Conv's weight and bias the body's own initializers (as tf2onnx writes them). */
	private static GraphProto body() {
		Random random = new Random(11);
		TensorProto.Builder w = TensorProto.newBuilder().setName("body_w").setDataType(1).addAllDims(List.of(16L, 16L, 3L, 3L));
		for (int i = 0; i < 16 * 16 * 9; i++) {
			w.addFloatData((float) ((random.nextDouble() * 2 - 1) / (16 * 9)));
		}
		TensorProto.Builder b = TensorProto.newBuilder().setName("body_b").setDataType(1).addDims(16);
		for (int i = 0; i < 16; i++) {
			b.addFloatData((float) ((random.nextDouble() * 2 - 1) * 0.05));
		}
		return GraphProto.newBuilder().setName("refine").addInitializer(w).addInitializer(b)
				.addInput(scalar("iter", 7)).addInput(scalar("cond_in", 9)).addInput(value("h_in", 1))
				.addNode(NodeProto.newBuilder().setOpType("Conv").setName("body_conv").addInput("h_in").addInput("body_w").addInput("body_b").addOutput("c")
						.addAttribute(TinyGraph.ints("pads", 1, 1, 1, 1)))
				.addNode(NodeProto.newBuilder().setOpType("Add").setName("body_add").addInput("c").addInput("h_in").addOutput("s"))
				.addNode(NodeProto.newBuilder().setOpType("Relu").setName("body_relu").addInput("s").addOutput("h_out"))
				.addNode(NodeProto.newBuilder().setOpType("Identity").setName("body_cond").addInput("cond_in").addOutput("cond_out"))
				.addOutput(scalar("cond_out", 9)).addOutput(value("h_out", 1)).build();
	}

	private static ValueInfoProto scalar(String name, int elemType) {
		return ValueInfoProto.newBuilder().setName(name)
				.setType(TypeProto.newBuilder().setTensorType(TypeProto.Tensor.newBuilder().setElemType(elemType).setShape(TensorShapeProto.newBuilder()))).build();
	}

	private static ValueInfoProto value(String name, int elemType) {
		return ValueInfoProto.newBuilder().setName(name).setType(TypeProto.newBuilder().setTensorType(TypeProto.Tensor.newBuilder().setElemType(elemType))).build();
	}

	@Test
	void aStemWhosePoolOnlyAFloatLoopReadsIsComputedInFloatWithItsFloatWeights() {
		LoopConv q = LoopConv.quantized();
		QuantizationResult.Layer stem = q.r().layers().get(0);
		assertFalse(stem.quantized(), stem.reason());
		assertTrue(stem.reason().startsWith("kept float: a Conv of one input channel on the model input whose pooled activation only float ops read"),
				stem.reason());

		List<Node> nodes = q.r().model().graph().nodes();
		Node conv = nodes.stream().filter(n -> n.opType().equals("Conv")).findFirst().orElseThrow();
		assertEquals(DataType.FLOAT, q.r().model().graph().initializer(conv.input(1)).dataType(),
				"its float weights in the file (after a DequantizeLinear, ONNX Runtime runs a plain Conv, not its NCHWc one): " + conv.inputs());

		List<String> ran = q.ran();
		assertFalse(ran.contains("com.microsoft.QLinearConv") || ran.contains("QLinearConv"), "no QLinearConv 1 → 16 whose codes only the Loop reads: " + ran);
		List<String> laidOut = TinyGraph.ops(TinyGraph.laidOut(q.r().model()).getGraph());
		assertTrue(laidOut.contains("com.microsoft.nchwc.Conv"), "ONNX Runtime runs the float stem as its NCHWc Conv: " + laidOut);
		OpRulesTest.assertRunsAsWritten(q.t(), q.r());
		OpRulesTest.assertWithinSteps(q.t(), q.model(), q.r());
	}

	@Test
	void aPoolAfterAFloatLoopReadThroughAFlattenByAnIntegerGemmPoolsCodesChannelsLast() {
		LoopConv q = LoopConv.quantized();
		QuantizationResult.Layer pool = q.layer("MaxPool", 1);
		assertTrue(pool.quantized() && pool.reason().contains("NhwcMaxPool"), pool.reason());
		assertTrue(q.layer("Gemm", 0).quantized(), q.layer("Gemm", 0).reason());

		List<String> ran = q.ran();
		assertTrue(ran.contains("com.microsoft.NhwcMaxPool"), "the pool after the Loop on codes channels-last: " + ran);
		assertTrue(ran.contains("com.microsoft.QGemm"), "the Gemm on integers: " + ran);
		ModelProto optimized = TinyGraph.optimized(q.r().model());
		for (NodeProto n : optimized.getGraph().getNodeList()) {
			if (n.getOpType().equals("MaxPool")) { // the stem's pool: after the float Relu, on floats
				assertTrue(optimized.getGraph().getNodeList().stream().noneMatch(p -> p.getOutputList().contains(n.getInput(0)) && p.getOpType().equals("QuantizeLinear")),
						"ONNX Runtime runs no MaxPool on NCHW codes: " + ran);
			}
		}
		OpRulesTest.assertRunsAsWritten(q.t(), q.r());
		OpRulesTest.assertWithinSteps(q.t(), q.model(), q.r());
	}
}
