package org.quantrace.runner.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.quantrace.model.QuantraceModel;
import org.quantrace.model.trace.LayerQuantizationRecord;
import org.quantrace.model.trace.TraceModel;
import org.quantrace.runner.Verification;
import org.quantrace.runner.Verification.Problem;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.TensorProto;

/**
 * A one-channel stem kept float for the float island that reads it (make_unseen31.py's dyrelu, Dynamic ReLU-B): the example's
 * model with a dynamic activation after its stem's BatchNormalization, a hyper branch GlobalAveragePool → Gemm → Sigmoid → 2σ − 1
 * whose per-channel coefficient a Mul applies, then a Max of that and the stem's output before the Relu. Under fiq_int8 the stem
 * computes in float and writes no QuantizeLinear; its record names the ops that read its float output, which verify derives from
 * the quantized model: a record naming other readers, or a model that quantizes the stem's output, is a mismatch.
 */
class VerifyStemIntoFloatIslandTest {

	private static final String STEM_OUT = "/features/features.1/BatchNormalization_output_0";
	private static final String STEM = "/features/features.0/Conv";

	private static Path out;

	private static synchronized Path out() throws IOException {
		if (out == null) {
			Path dir = Runs.exampleCopy("verify-stem-island");
			ModelProto example = ModelProto.parseFrom(Files.readAllBytes(dir.resolve("model/fashion_cnn_trained.onnx")));
			Files.write(dir.resolve("model/dyrelu.onnx"), withDynamicRelu(example).toByteArray());
			out = dir.resolve("out");
			assertEquals(0, Runs.run(Runs.fiqInt8Recipe(dir, "dyrelu.qr", "dyrelu", "model/dyrelu.onnx"), out).exitCode());
		}
		return out;
	}

	private static LayerQuantizationRecord stem(TraceModel t) {
		return t.getOptimizations().stream().filter(o -> "fiq_int8".equals(o.getScheme())).findFirst().orElseThrow().getQuantization().getLayers().stream()
				.filter(l -> l.getNode().equals(STEM)).findFirst().orElseThrow();
	}

	@Test
	void theHonestRunVerifiesClean() throws IOException {
		LayerQuantizationRecord stem = stem(QuantraceModel.loadTrace(out().resolve("trace.xmi")));
		assertFalse(stem.isQuantized(), stem.getReason());
		assertTrue(stem.getReason().contains("only ops that compute in float read its output ('dy_mul', 'dy_max'), and global pools that reduce it to one"
				+ " value per channel ('dy_gap')"), stem.getReason());
		List<Problem> problems = Verification.verify(out()).problems();
		assertTrue(problems.isEmpty(), problems.size() + " mismatches: " + problems);
	}

	/** The record forged to name one float reader fewer: the model's readers of the stem's output are derived again. */
	@Test
	void aReaderLeftOutOfTheRecordIsFound() throws IOException {
		List<Problem> problems = Tampering.traceForged(out(), "one-reader", t -> {
			LayerQuantizationRecord l = stem(t);
			l.setReason(l.getReason().replace("('dy_mul', 'dy_max')", "('dy_mul')"));
		});
		Tampering.foundInTrace(problems, "layer " + STEM + " (Conv) readers of its float output", "float: dy_mul; pools: dy_gap",
				"float: dy_max, dy_mul; pools: dy_gap");
	}

	/** The model edited so that the Max reads the stem's output quantized and dequantized, the record left as it was. */
	@Test
	void aQuantizedStemOutputUnderTheRecordIsFound() throws IOException {
		Path forged = Runs.copy(out(), out().resolveSibling("out-quantized-stem"));
		String relative = QuantraceModel.loadTrace(forged.resolve("trace.xmi")).getOptimizations().stream().filter(o -> "fiq_int8".equals(o.getScheme()))
				.findFirst().orElseThrow().getOutput().getPath();
		ModelProto m = ModelProto.parseFrom(Files.readAllBytes(forged.resolve(relative)));
		String stemOut = m.getGraph().getNodeList().stream().filter(n -> n.getName().equals(STEM)).findFirst().orElseThrow().getOutput(0);
		GraphProto.Builder g = m.getGraph().toBuilder().clearNode();
		for (NodeProto n : m.getGraph().getNodeList()) {
			if (n.getName().equals("dy_max")) {
				g.addNode(NodeProto.newBuilder().setOpType("QuantizeLinear").setName("forged_q").addInput(stemOut).addInput("forged_scale").addInput("forged_zero")
						.addOutput("forged_codes"));
				g.addNode(NodeProto.newBuilder().setOpType("DequantizeLinear").setName("forged_dq").addInput("forged_codes").addInput("forged_scale")
						.addInput("forged_zero").addOutput("forged_values"));
				n = n.toBuilder().setInput(n.getInputList().indexOf(stemOut), "forged_values").build();
			}
			g.addNode(n);
		}
		g.addInitializer(TensorProto.newBuilder().setName("forged_scale").setDataType(TensorProto.DataType.FLOAT_VALUE).addFloatData(0.05f));
		g.addInitializer(TensorProto.newBuilder().setName("forged_zero").setDataType(TensorProto.DataType.UINT8_VALUE).addInt32Data(128));
		Tampering.replaceModel(forged, relative, m.toBuilder().setGraph(g).build().toByteArray());
		Tampering.foundInTrace(Verification.verify(forged).problems(), "layer " + STEM + " (Conv) readers of its float output",
				"float: a QuantizeLinear of its output, dy_mul; pools: dy_gap");
	}

	/** The example's model with the dynamic activation between its stem's BatchNormalization and Relu. */
	private static ModelProto withDynamicRelu(ModelProto m) {
		GraphProto.Builder b = m.getGraph().toBuilder().clearNode();
		for (NodeProto n : m.getGraph().getNodeList()) {
			if (n.getOpType().equals("Relu") && n.getInput(0).equals(STEM_OUT)) {
				b.addNode(node("GlobalAveragePool", "dy_gap", STEM_OUT));
				b.addNode(node("Flatten", "dy_flat", "dy_gap_out"));
				b.addNode(node("Gemm", "dy_fc", "dy_flat_out", "dy_w", "dy_b").toBuilder()
						.addAttribute(AttributeProto.newBuilder().setName("transB").setType(AttributeProto.AttributeType.INT).setI(1)));
				b.addNode(node("Sigmoid", "dy_sig", "dy_fc_out"));
				b.addNode(node("Mul", "dy_two", "dy_sig_out", "dy_2"));
				b.addNode(node("Sub", "dy_sub", "dy_two_out", "dy_1"));
				b.addNode(node("Reshape", "dy_shape", "dy_sub_out", "dy_dims"));
				b.addNode(node("Mul", "dy_mul", STEM_OUT, "dy_shape_out"));
				b.addNode(node("Max", "dy_max", "dy_mul_out", STEM_OUT));
				n = n.toBuilder().setInput(0, "dy_max_out").build();
			}
			b.addNode(n);
		}
		float[] w = new float[16 * 16];
		float[] bias = new float[16];
		for (int i = 0; i < w.length; i++) {
			w[i] = (float) (0.3 * Math.sin(i * 0.7));
		}
		for (int i = 0; i < bias.length; i++) {
			bias[i] = (float) (0.1 * Math.cos(i));
		}
		b.addInitializer(floats("dy_w", w, 16, 16)).addInitializer(floats("dy_b", bias, 16)).addInitializer(floats("dy_2", new float[] { 2f }))
				.addInitializer(floats("dy_1", new float[] { 1f })).addInitializer(TensorProto.newBuilder().setName("dy_dims")
						.setDataType(TensorProto.DataType.INT64_VALUE).addDims(4).addInt64Data(-1).addInt64Data(16).addInt64Data(1).addInt64Data(1));
		return m.toBuilder().setGraph(b).build();
	}

	private static NodeProto node(String op, String name, String... inputs) {
		return NodeProto.newBuilder().setOpType(op).setName(name).addAllInput(List.of(inputs)).addOutput(name + "_out").build();
	}

	private static TensorProto floats(String name, float[] values, long... dims) {
		TensorProto.Builder t = TensorProto.newBuilder().setName(name).setDataType(TensorProto.DataType.FLOAT_VALUE);
		for (long d : dims) {
			t.addDims(d);
		}
		for (float v : values) {
			t.addFloatData(v);
		}
		return t.build();
	}
}
