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

/**
 * Ops the op table has move codes although ONNX Runtime keeps the DequantizeLinear → op → QuantizeLinear around them
 * (OpRules.pairKeptByOnnxRuntime): the quantizer writes them on the codes, and verify reads the same fact of the table.
 */
class VerifyCodesMovingOpsTest {

	/**
	 * A SpaceToDepth on the model input (make_unseen20.py's s2d, TF's space_to_depth as tf2onnx writes it): under fiq_uint8,
	 * where it reads the uint8 model input of the activations' own type, the quantizer wrote DequantizeLinear → SpaceToDepth →
	 * QuantizeLinear (whose pair ONNX Runtime drops for a Transpose, but not for a SpaceToDepth) and recorded it quantized:
	 * verify re-derived it float (s2d: 13 mismatches). It now reads the input's codes through a QuantizeLinear of the input's
	 * own parameters, as a Pad does. Built from the example's model: SpaceToDepth then its inverse DepthToSpace (DCR) in
	 * front of the first Conv.
	 */
	@Test
	void aSpaceToDepthOnTheIntegerInputMovesCodesAndVerifiesClean() throws IOException {
		Path dir = Runs.exampleCopy("verify-space-to-depth");
		ModelProto example = ModelProto.parseFrom(Files.readAllBytes(dir.resolve("model/fashion_cnn_trained.onnx")));
		GraphProto.Builder g = example.getGraph().toBuilder().clearNode();
		AttributeProto block = AttributeProto.newBuilder().setName("blocksize").setType(AttributeProto.AttributeType.INT).setI(2).build();
		g.addNode(NodeProto.newBuilder().setOpType("SpaceToDepth").setName("s2d").addInput("input").addOutput("folded").addAttribute(block));
		g.addNode(NodeProto.newBuilder().setOpType("DepthToSpace").setName("d2s").addInput("folded").addOutput("unfolded").addAttribute(block));
		for (NodeProto n : example.getGraph().getNodeList()) {
			g.addNode(n.getInputList().contains("input") ? n.toBuilder().setInput(n.getInputList().indexOf("input"), "unfolded").build() : n);
		}
		Files.write(dir.resolve("model/s2d.onnx"), example.toBuilder().setGraph(g).build().toByteArray());
		Path out = dir.resolve("out");
		assertEquals(0, Runs.run(Runs.recipe(dir, "s2d.qr", Runs.exampleRecipe(dir, "s2d", "model/s2d.onnx", "fiq_int8, fiq_uint8")), out).exitCode());

		for (String scheme : List.of("fiq_int8", "fiq_uint8")) {
			GraphProto q = ModelProto.parseFrom(Files.readAllBytes(out.resolve("models/s2d/" + scheme + ".onnx"))).getGraph();
			NodeProto s2d = q.getNodeList().stream().filter(n -> n.getName().equals("s2d")).findFirst().orElseThrow();
			NodeProto before = q.getNodeList().stream().filter(n -> n.getOutputList().contains(s2d.getInput(0))).findFirst().orElse(null);
			assertTrue(before != null && before.getOpType().equals("QuantizeLinear"), scheme + ": the SpaceToDepth reads codes: " + before);
		}
		String trace = Files.readString(out.resolve("trace.xmi"));
		assertTrue(trace.contains("node=\"s2d\" opType=\"SpaceToDepth\""), "the SpaceToDepth is recorded");
		List<Problem> problems = Verification.verify(out).problems();
		assertTrue(problems.isEmpty(), problems.size() + " mismatches: " + problems);
	}
}
