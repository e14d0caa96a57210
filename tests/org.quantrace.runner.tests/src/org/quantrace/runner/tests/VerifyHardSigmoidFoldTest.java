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

/**
 * A squeeze-excitation gate HardSigmoid(fc2(x)) (MobileNetV3's) is folded by full-integer quantization into fc2: weights ×α,
 * bias ×α + β, the HardSigmoid a Clip to [0, 1] that fc2's output quantization does (as a lowered QLinearAdd it cost the zoo's
 * MobileNetV3 what fp32's FusedConv does not; tests/data/wild/README.md speed25, speed26). The run says so in both layers'
 * records and cells; verify re-derives the folded weights, bias and clamp from the two models: an honest run verifies clean,
 * a weight code moved is found.
 */
class VerifyHardSigmoidFoldTest {

	/**
	 * The example's trained model with a gate after its first MaxPool (16 channels, 14x14): GlobalAveragePool, 'se_fc2' (1x1 Conv
	 * 16 → 16 with a bias), 'se_gate' (HardSigmoid α 1/6, β 1/2), 'se_mul' (the MaxPool's output times the gate).
	 */
	private static void excitedModel(Path dir) throws IOException {
		ModelProto example = ModelProto.parseFrom(Files.readAllBytes(dir.resolve("model/fashion_cnn_trained.onnx")));
		GraphProto.Builder g = example.getGraph().toBuilder().clearNode();
		TensorProto.Builder w = TensorProto.newBuilder().setName("se_w").setDataType(1).addAllDims(List.of(16L, 16L, 1L, 1L));
		TensorProto.Builder b = TensorProto.newBuilder().setName("se_b").setDataType(1).addDims(16);
		for (int i = 0; i < 256; i++) {
			w.addFloatData(i % 16 == 0 ? 0.9f : 0.2f + 0.01f * (i % 7) - (i % 3 == 0 ? 0.45f : 0f)); // each channel's largest first
		}
		for (int i = 0; i < 16; i++) {
			b.addFloatData(-1f + 0.15f * i);
		}
		g.addInitializer(w).addInitializer(b);
		for (NodeProto n : example.getGraph().getNodeList()) {
			g.addNode(n.getName().equals("/features/features.4/Conv") ? n.toBuilder().setInput(0, "excited").build() : n);
			if (n.getName().equals("/features/features.3/MaxPool")) {
				g.addNode(NodeProto.newBuilder().setOpType("GlobalAveragePool").setName("se_pool").addInput(n.getOutput(0)).addOutput("pooled"));
				g.addNode(NodeProto.newBuilder().setOpType("Conv").setName("se_fc2").addInput("pooled").addInput("se_w").addInput("se_b").addOutput("fc2"));
				g.addNode(NodeProto.newBuilder().setOpType("HardSigmoid").setName("se_gate").addInput("fc2").addOutput("gate")
						.addAttribute(AttributeProto.newBuilder().setName("alpha").setF(1f / 6).setType(AttributeProto.AttributeType.FLOAT))
						.addAttribute(AttributeProto.newBuilder().setName("beta").setF(0.5f).setType(AttributeProto.AttributeType.FLOAT)));
				g.addNode(NodeProto.newBuilder().setOpType("Mul").setName("se_mul").addInput(n.getOutput(0)).addInput("gate").addOutput("excited"));
			}
		}
		Files.write(dir.resolve("model/excited.onnx"), example.toBuilder().setGraph(g).build().toByteArray());
	}

	@Test
	void aGateFoldedIntoItsConvVerifiesCleanAndAWeightMovedIsFound() throws IOException {
		Path dir = Runs.exampleCopy("verify-hardsigmoid-fold");
		excitedModel(dir);
		Path out = VerifyWildGraphsTest.verifiedRewrite(dir, "excited", "HardSigmoid 'se_gate' (α 0.16666667, β 0.5) folded into this Conv: weights ×α, bias ×α + β");
		String clipped = "HardSigmoid rewritten as a Clip to [0, 1] after Conv 'se_fc2', its α and β folded into that Conv";
		assertTrue(Files.readString(out.resolve("trace.xmi")).contains(clipped), "the HardSigmoid's record says what became of it");
		assertTrue(Files.readString(out.resolve("logs/PhIMT0003-excited.md")).contains(clipped), "so does its cell");
		ModelProto q = ModelProto.parseFrom(Files.readAllBytes(out.resolve("models/excited/fiq_int8.onnx")));
		assertTrue(q.getGraph().getNodeList().stream().noneMatch(n -> n.getName().equals("se_gate")), "no HardSigmoid, Clip or lowered Add runs for the gate");
		String codes = VerifyWildGraphsTest.convWeightCodes(q, "se_fc2");
		List<Problem> found = Verification.verify(VerifyWildGraphsTest.withCode(dir, out, "models/excited/fiq_int8.onnx", codes, 0)).problems();
		assertTrue(found.stream().anyMatch(p -> p.toString().contains("rewrite") && p.toString().contains("whose weights are not α times the float Conv's")),
				"the weight moved (127 → 5) is found: " + found);
		assertEquals(List.of(), found.stream().filter(p -> p.toString().contains("se_gate") && !p.toString().contains("α times")).toList(),
				"nothing else said of the gate");
	}
}
