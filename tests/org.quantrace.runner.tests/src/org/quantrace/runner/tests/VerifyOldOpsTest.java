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
import ai.onnx.proto.OnnxMl.OperatorSetIdProto;

/**
 * Two export habits of models in the wild that verify re-derived wrongly on clean runs (tests/data/wild): a float-to-float
 * Cast at the input (ONNX Runtime has no integer Cast; the planner leaves it float, verify called its Q/DQ neighbours an
 * integer group: 24 mismatches), and Dropout at opset 9, whose mask is of the data's type (Dropout-7; BOOL only from
 * Dropout-10 on), which the trace's inventory counts as ONNX Runtime typed it and verify counted as BOOL. Both are built
 * from the example's model, so the run is the example's with those two changes.
 */
class VerifyOldOpsTest {

	@Test
	void aFloatCastAndAnOpset9DropoutVerifyClean() throws IOException {
		Path dir = Runs.exampleCopy("verify-old-ops");
		ModelProto example = ModelProto.parseFrom(Files.readAllBytes(dir.resolve("model/fashion_cnn_trained.onnx")));
		Files.write(dir.resolve("model/casts.onnx"), withInputCast(example).toByteArray());
		Files.write(dir.resolve("model/dropout9.onnx"), atOpset9(example).toByteArray());
		String recipe = Files.readString(dir.resolve("fashion_cnn.qr"))
				.replace("\tmodel cnn \"model/fashion_cnn_trained.onnx\" id FASHION-CNN version 1 framework \"PyTorch 1.13.0\"",
						"\tmodel casts \"model/casts.onnx\" id CASTS version 1\n\tmodel dropout9 \"model/dropout9.onnx\" id DROPOUT9 version 1")
				.replace("\tschemes unquantized, drq, fiq_float32, fiq_int8, fiq_uint8", "\tschemes fiq_int8, fiq_uint8")
				.replace("for drq, fiq_float32, fiq_int8, fiq_uint8", "for fiq_int8, fiq_uint8");
		assertTrue(recipe.contains("model casts") && recipe.contains("schemes fiq_int8, fiq_uint8"), recipe);
		Path out = dir.resolve("out");
		assertEquals(0, Runs.run(Runs.recipe(dir, "old_ops.qr", recipe), out).exitCode());

		List<Problem> problems = Verification.verify(out).problems();
		assertTrue(problems.isEmpty(), problems.size() + " mismatches: " + problems);
	}

	/** The graph input renamed input_raw and read by Cast(to FLOAT) 'cast_in', which writes the old input. */
	private static ModelProto withInputCast(ModelProto m) {
		GraphProto g = m.getGraph();
		String input = g.getInput(0).getName();
		NodeProto cast = NodeProto.newBuilder().setOpType("Cast").setName("cast_in").addInput("input_raw").addOutput(input)
				.addAttribute(AttributeProto.newBuilder().setName("to").setType(AttributeProto.AttributeType.INT).setI(1)).build();
		GraphProto.Builder b = g.toBuilder().setInput(0, g.getInput(0).toBuilder().setName("input_raw")).clearNode().addNode(cast).addAllNode(g.getNodeList());
		return m.toBuilder().setGraph(b).build();
	}

	/** The model at opset 9: Dropout-7 takes its ratio as an attribute and writes a mask of the data's type. */
	private static ModelProto atOpset9(ModelProto m) {
		GraphProto.Builder b = m.getGraph().toBuilder().clearNode();
		for (NodeProto n : m.getGraph().getNodeList()) {
			if (n.getOpType().equals("Constant") && n.getOutput(0).startsWith("/classifier/classifier.2/")) {
				continue; // Dropout-12's ratio and training_mode inputs
			}
			if (n.getOpType().equals("Dropout")) {
				n = n.toBuilder().clearInput().addInput(n.getInput(0))
						.addAttribute(AttributeProto.newBuilder().setName("ratio").setType(AttributeProto.AttributeType.FLOAT).setF(0.5f)).build();
			}
			if (n.getOpType().equals("MaxPool")) { // MaxPool-8 has no ceil_mode (the export's is 0, the default)
				NodeProto.Builder pool = n.toBuilder().clearAttribute();
				n.getAttributeList().stream().filter(x -> !x.getName().equals("ceil_mode")).forEach(pool::addAttribute);
				n = pool.build();
			}
			b.addNode(n);
		}
		return m.toBuilder().clearOpsetImport().addOpsetImport(OperatorSetIdProto.newBuilder().setVersion(9)).setGraph(b).build();
	}
}
