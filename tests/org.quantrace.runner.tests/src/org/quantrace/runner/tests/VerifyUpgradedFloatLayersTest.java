package org.quantrace.runner.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.quantrace.runner.Verification;

import com.google.protobuf.ByteString;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;

/**
 * A model of opset 11 whose float layers the quantizer's opset upgrade (to 13) rewrites: a Squeeze's and an Unsqueeze's
 * {@code axes} attribute became a constant input. Round 10's lrnnet (opset 11, its LocalResponseNorm's Unsqueeze/Squeeze left
 * float) failed its own honest run's verify with 8 mismatches ("attributes: says [axes=ints: 1 type: INTS] ..., re-derived []"),
 * main 31ee061. The moved attribute is held in the input it became: the honest run verifies, a changed axes is still found.
 */
class VerifyUpgradedFloatLayersTest {

	private static Path copy;
	private static Path out;

	/** The example's CNN at opset 11 (its Dropout of one input), its logits unsqueezed at axis 1 and squeezed back; drq, run once. */
	@BeforeAll
	static void run() throws IOException {
		copy = Runs.exampleCopy("upgraded-float-layers");
		ModelProto.Builder cnn = ModelProto.parseFrom(Files.readAllBytes(copy.resolve("model/fashion_cnn_trained.onnx"))).toBuilder();
		cnn.getOpsetImportBuilder(0).setVersion(11);
		GraphProto.Builder g = cnn.getGraphBuilder();
		for (NodeProto.Builder n : g.getNodeBuilderList()) {
			if (n.getOpType().equals("Dropout")) { // Dropout-11: ratio an attribute, no training_mode
				String data = n.getInput(0);
				n.clearInput().addInput(data);
			}
		}
		String logits = g.getOutput(0).getName();
		g.addNode(NodeProto.newBuilder().setOpType("Unsqueeze").setName("unsqueeze").addInput(logits).addOutput("wide").addAttribute(axes(1)));
		g.addNode(NodeProto.newBuilder().setOpType("Squeeze").setName("squeeze").addInput("wide").addOutput("scores").addAttribute(axes(1)));
		g.setOutput(0, g.getOutput(0).toBuilder().setName("scores"));
		Files.write(copy.resolve("model/opset11.onnx"), cnn.build().toByteArray());
		Path recipe = Runs.recipe(copy, "opset11.qr", """
				recipe opset11 {
					model cnn "model/opset11.onnx"
					dataset eval "data/evaluation" role evaluation format folder labels "data/labels.json" samples 50
					preprocess { grayscale scale 1/255 layout NCHW dtype float32 }
					convert { eliminate dropout, batch-normalization }
					schemes drq
					evaluate on eval metrics accuracy
				}
				""");
		out = copy.resolve("out");
		assertEquals(0, Runs.run(recipe, out).exitCode());
	}

	private static AttributeProto axes(long axis) {
		return AttributeProto.newBuilder().setName("axes").setType(AttributeProto.AttributeType.INTS).addInts(axis).build();
	}

	@Test
	void anHonestRunVerifiesCleanWithTheAxesMovedToInputs() throws IOException {
		ModelProto drq = ModelProto.parseFrom(Files.readAllBytes(out.resolve("models/cnn/drq.onnx")));
		NodeProto squeeze = drq.getGraph().getNodeList().stream().filter(n -> n.getName().equals("squeeze")).findFirst().orElseThrow();
		assertEquals(0, squeeze.getAttributeCount(), "the upgrade moved axes into an input: " + squeeze);
		assertEquals(2, squeeze.getInputCount());
		Verification.Result honest = Verification.verify(out);
		assertTrue(honest.passed(), honest.problems().toString());
	}

	/** Both axes made 2 (x [N, 10] → [N, 10, 1] → [N, 10]: the same output), every hash recomputed, the model's size kept. */
	@Test
	void anAxisChangedInTheInputItBecameIsFound() throws IOException {
		Path edited = Runs.copy(out, copy.resolve("axes"));
		String model = "models/cnn/drq.onnx";
		long size = Files.size(edited.resolve(model));
		for (String node : new String[] { "unsqueeze", "squeeze" }) {
			String name = ModelProto.parseFrom(Files.readAllBytes(edited.resolve(model))).getGraph().getNodeList().stream()
					.filter(n -> n.getName().equals(node)).findFirst().orElseThrow().getInput(1);
			Tampering.editInitializer(edited, model, name, t -> t.getRawData().size() == 8
					? t.toBuilder().setRawData(ByteString.copyFrom(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(0, 2).array())).build()
					: t.toBuilder().setInt64Data(0, 2).build());
		}
		assertEquals(size, Files.size(edited.resolve(model)), "the edit keeps the model's size");
		Verification.Result r = Verification.verify(edited);
		assertFalse(r.passed(), "the axes edited");
		assertTrue(r.problems().stream().anyMatch(p -> p.file().equals("trace.xmi") && p.what().contains("layer squeeze (Squeeze) attributes: says [axes=ints: 1")),
				r.problems().toString());
		assertTrue(r.problems().stream().anyMatch(p -> p.what().contains("layer unsqueeze (Unsqueeze) attributes")), r.problems().toString());
	}
}
