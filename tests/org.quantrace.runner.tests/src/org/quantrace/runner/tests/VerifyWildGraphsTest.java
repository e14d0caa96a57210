package org.quantrace.runner.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
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
import ai.onnx.proto.OnnxMl.TypeProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;

/**
 * Attention's scaling as PyTorch's nn.TransformerEncoderLayer exports it (tests/data/wild, make_wild2.py "encoder"):
 * the head Transpose of K moves integer codes and a Div by √d follows, which the quantizer folds into the scale of a
 * DequantizeLinear reading those codes. verify took that DequantizeLinear's (divided) scale for the Transpose output's
 * own (8 mismatches in the trace, more in the logs and debug.csv on a fresh run; before the fix this model gave 2 in the
 * trace and 2 in debug.csv). Built from the example's model: Transpose → Div by √8 after its first MaxPool, read by the second Conv.
 */
class VerifyWildGraphsTest {

	@Test
	void aDivFoldedIntoTheScaleAfterATransposeOfCodesVerifiesClean() throws IOException {
		Path dir = Runs.exampleCopy("verify-rescaled-codes");
		ModelProto example = ModelProto.parseFrom(Files.readAllBytes(dir.resolve("model/fashion_cnn_trained.onnx")));
		Files.write(dir.resolve("model/scaled.onnx"), withScaledTranspose(example).toByteArray());
		String recipe = Files.readString(dir.resolve("fashion_cnn.qr"))
				.replace("\tmodel cnn \"model/fashion_cnn_trained.onnx\" id FASHION-CNN version 1 framework \"PyTorch 1.13.1\"",
						"\tmodel scaled \"model/scaled.onnx\" id SCALED version 1")
				.replace("\tschemes unquantized, drq, fiq_float32, fiq_int8, fiq_uint8", "\tschemes fiq_int8, fiq_uint8")
				.replace("for drq, fiq_float32, fiq_int8, fiq_uint8", "for fiq_int8, fiq_uint8");
		assertTrue(recipe.contains("model scaled") && recipe.contains("schemes fiq_int8, fiq_uint8"), recipe);
		Path out = dir.resolve("out");
		assertEquals(0, Runs.run(Runs.recipe(dir, "scaled.qr", recipe), out).exitCode());

		String model = Files.readString(out.resolve("trace.xmi"));
		assertTrue(model.contains("tensor=\"t_a\"") && model.contains("tensor=\"scaled\""), "the Transpose's codes and the Div's output are both recorded");
		List<Problem> problems = Verification.verify(out).problems();
		assertTrue(problems.isEmpty(), problems.size() + " mismatches: " + problems);
	}

	/**
	 * Two more habits of hand-built and multi-output models (make_wild2.py "nested_if", "multiout"): nodes without names,
	 * which the trace and the logs listed as "" and verify could not find (289 mismatches), and a second, int64 output (the
	 * ArgMax label), which verify held to the scheme's I/O type (int8). Built from the example's model with every node's
	 * name cleared and its logits' ArgMax as a second output.
	 */
	@Test
	void unnamedNodesAndAnInt64LabelOutputVerifyClean() throws IOException {
		Path dir = Runs.exampleCopy("verify-unnamed");
		ModelProto example = ModelProto.parseFrom(Files.readAllBytes(dir.resolve("model/fashion_cnn_trained.onnx")));
		GraphProto.Builder g = example.getGraph().toBuilder();
		for (int i = 0; i < g.getNodeCount(); i++) {
			g.setNode(i, g.getNode(i).toBuilder().clearName());
		}
		g.addNode(NodeProto.newBuilder().setOpType("ArgMax").addInput("logits").addOutput("label")
				.addAttribute(AttributeProto.newBuilder().setName("axis").setType(AttributeProto.AttributeType.INT).setI(1))
				.addAttribute(AttributeProto.newBuilder().setName("keepdims").setType(AttributeProto.AttributeType.INT).setI(0)));
		g.addOutput(ValueInfoProto.newBuilder().setName("label").setType(TypeProto.newBuilder().setTensorType(TypeProto.Tensor.newBuilder().setElemType(7))));
		Files.write(dir.resolve("model/unnamed.onnx"), example.toBuilder().setGraph(g).build().toByteArray());
		String recipe = Files.readString(dir.resolve("fashion_cnn.qr"))
				.replace("\tmodel cnn \"model/fashion_cnn_trained.onnx\" id FASHION-CNN version 1 framework \"PyTorch 1.13.1\"",
						"\tmodel unnamed \"model/unnamed.onnx\" id UNNAMED version 1")
				.replace("\tschemes unquantized, drq, fiq_float32, fiq_int8, fiq_uint8", "\tschemes drq, fiq_int8")
				.replace("for drq, fiq_float32, fiq_int8, fiq_uint8", "for drq, fiq_int8");
		assertTrue(recipe.contains("model unnamed") && recipe.contains("schemes drq, fiq_int8"), recipe);
		Path out = dir.resolve("out");
		assertEquals(0, Runs.run(Runs.recipe(dir, "unnamed.qr", recipe), out).exitCode());

		List<Problem> problems = Verification.verify(out).problems();
		assertTrue(problems.isEmpty(), problems.size() + " mismatches: " + problems);
	}

	/** After the first MaxPool: Transpose 't_a' (H and W swapped) → Div by √8 'scaled', which the second Conv reads. */
	private static ModelProto withScaledTranspose(ModelProto m) {
		String pooled = "/features/features.3/MaxPool_output_0";
		AttributeProto perm = AttributeProto.newBuilder().setName("perm").setType(AttributeProto.AttributeType.INTS).addAllInts(List.of(0L, 1L, 3L, 2L)).build();
		GraphProto.Builder b = m.getGraph().toBuilder().clearNode();
		for (NodeProto n : m.getGraph().getNodeList()) {
			if (n.getInputList().contains(pooled)) {
				n = n.toBuilder().setInput(n.getInputList().indexOf(pooled), "scaled").build();
			}
			b.addNode(n);
			if (n.getOutputList().contains(pooled)) {
				b.addNode(NodeProto.newBuilder().setOpType("Transpose").setName("transpose_a").addInput(pooled).addOutput("t_a").addAttribute(perm));
				b.addNode(NodeProto.newBuilder().setOpType("Div").setName("div_sqrt_d").addInput("t_a").addInput("sqrt_d").addOutput("scaled"));
			}
		}
		b.addInitializer(TensorProto.newBuilder().setName("sqrt_d").setDataType(TensorProto.DataType.FLOAT_VALUE).addFloatData((float) Math.sqrt(8)));
		return m.toBuilder().setGraph(b).build();
	}
}
