package org.quantrace.runner.tests;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.quantrace.runner.Verification;
import org.quantrace.runner.Verification.Problem;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.TensorProto;

/**
 * PhIMT0003's "weights by axis" line names each per-channel weight, and verify holds each against the model it was quantized
 * from. A pool that full-integer quantization writes as a depthwise Conv reads its window, a tensor the float model does not
 * hold (PoolAsConv): round 29's crossnet under fiq_uint8, its pool's window on axis 0 beside MatMul weights on axis 1, verified
 * with 4 mismatches on an honest run ("weights by axis, /AveragePool_window: says a tensor of /AveragePool, re-derived no
 * tensor /AveragePool_window in the model it was quantized from", in the md, html, docx and pdf; main 88ce38b4). Built from the
 * example's model: a 3x3 AveragePool counting its padding after its first MaxPool (the Conv alone) and its last Gemm with its
 * weight stored transposed (transB 0: weights on axis 1).
 */
class VerifyRewrittenWeightsByAxisTest {

	@Test
	void aRewrittenPoolsWindowBesideWeightsOnAnotherAxisVerifiesClean() throws IOException {
		Path dir = Runs.exampleCopy("verify-rewritten-by-axis");
		ModelProto example = ModelProto.parseFrom(Files.readAllBytes(dir.resolve("model/fashion_cnn_trained.onnx")));
		GraphProto.Builder g = example.getGraph().toBuilder().clearNode();
		for (NodeProto n : example.getGraph().getNodeList()) {
			if (n.getName().equals("/features/features.4/Conv")) {
				g.addNode(n.toBuilder().setInput(0, "pooled"));
			} else if (n.getName().equals("/classifier/classifier.4/Gemm")) {
				g.addNode(n.toBuilder().setInput(1, "classifier.4.weight_t").clearAttribute()
						.addAttribute(AttributeProto.newBuilder().setName("transB").setType(AttributeProto.AttributeType.INT).setI(0)));
			} else {
				g.addNode(n);
			}
			if (n.getName().equals("/features/features.3/MaxPool")) {
				g.addNode(NodeProto.newBuilder().setOpType("AveragePool").setName("/pool/AveragePool").addInput(n.getOutput(0)).addOutput("pooled")
						.addAttribute(AttributeProto.newBuilder().setName("kernel_shape").setType(AttributeProto.AttributeType.INTS).addAllInts(List.of(3L, 3L)))
						.addAttribute(AttributeProto.newBuilder().setName("pads").setType(AttributeProto.AttributeType.INTS).addAllInts(List.of(1L, 1L, 1L, 1L)))
						.addAttribute(AttributeProto.newBuilder().setName("count_include_pad").setType(AttributeProto.AttributeType.INT).setI(1)));
			}
		}
		TensorProto w = example.getGraph().getInitializerList().stream().filter(t -> t.getName().equals("classifier.4.weight")).findFirst().orElseThrow();
		g.addInitializer(transposed(w, "classifier.4.weight_t"));
		Files.write(dir.resolve("model/byaxis.onnx"), example.toBuilder().setGraph(g).build().toByteArray());

		Path out = dir.resolve("out");
		int exit = Runs.run(Runs.recipe(dir, "byaxis.qr", Runs.exampleRecipe(dir, "m", "model/byaxis.onnx", "fiq_int8")), out).exitCode();
		assertTrue(exit == 0 || exit == 1, "written (its accuracy is no matter here): exit " + exit);
		String log = Files.readString(out.resolve("logs/PhIMT0003-m.md"));
		assertTrue(log.contains("AveragePool rewritten as a depthwise Conv of weights 1/9"), "the pool is rewritten");
		assertTrue(log.contains("/pool/AveragePool_window (/pool/AveragePool)") && log.contains("axis 1: classifier.4.weight_t"),
				"the window and the transposed weight on their axes");
		List<Problem> problems = Verification.verify(out).problems();
		assertTrue(problems.isEmpty(), problems.size() + " mismatches: " + problems);
	}

	/** {@code w} [R, C] as [C, R], float32. */
	private static TensorProto transposed(TensorProto w, String name) {
		int rows = (int) w.getDims(0);
		int cols = (int) w.getDims(1);
		float[] v = new float[rows * cols];
		if (w.getFloatDataCount() > 0) {
			for (int i = 0; i < v.length; i++) {
				v[i] = w.getFloatData(i);
			}
		} else {
			w.getRawData().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(v);
		}
		TensorProto.Builder t = TensorProto.newBuilder().setName(name).setDataType(1).addDims(cols).addDims(rows);
		for (int c = 0; c < cols; c++) {
			for (int r = 0; r < rows; r++) {
				t.addFloatData(v[r * cols + c]);
			}
		}
		return t.build();
	}
}
