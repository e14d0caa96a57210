package org.quantrace.runner.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.quantrace.runner.Verification;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;

/**
 * report.html's tensors-by-type table of a model holding a tensor sequence had a column "UNKNOWN" that nothing explained
 * (hostile10's left open; inspect's note alone said what it counts). Now the column is named for what it holds, a note under
 * the table says it, and verify reads the column back to the inventory's count.
 */
class UntypedValuesReportTest {

	@Test
	void theReportNamesTheValuesOfNoElementTypeAndVerifyReadsThem() throws IOException {
		Path copy = Runs.exampleCopy("untyped-values");
		ModelProto.Builder cnn = ModelProto.parseFrom(Files.readAllBytes(copy.resolve("model/fashion_cnn_trained.onnx"))).toBuilder();
		GraphProto.Builder g = cnn.getGraphBuilder();
		String logits = g.getOutput(0).getName();
		AttributeProto axis1 = AttributeProto.newBuilder().setName("axis").setType(AttributeProto.AttributeType.INT).setI(1).build();
		// the logits split into a sequence of their columns and joined again: the same [N, 10], through one value that is no tensor
		g.addNode(NodeProto.newBuilder().setOpType("SplitToSequence").setName("split").addInput(logits).addOutput("columns").addAttribute(axis1));
		g.addNode(NodeProto.newBuilder().setOpType("ConcatFromSequence").setName("join").addInput("columns").addOutput("joined").addAttribute(axis1));
		g.setOutput(0, g.getOutput(0).toBuilder().setName("joined"));
		Files.write(copy.resolve("model/untyped.onnx"), cnn.build().toByteArray());
		Path recipe = Runs.recipe(copy, "untyped.qr", Files.readString(Runs.fiqInt8Recipe(copy, "untyped.qr", "untyped", "model/untyped.onnx"))
				.replace("schemes fiq_int8", "schemes unquantized"));
		Path out = copy.resolve("out");
		assertEquals(0, Runs.run(recipe, out).exitCode());

		String report = Files.readString(out.resolve("report.html"));
		assertTrue(report.contains("<th>no element type</th>"), report);
		assertFalse(report.contains("<th>UNKNOWN</th>"), report);
		assertTrue(report.contains("<p class=\"untyped-values\">no element type: tensor sequences and optional values, which are no tensors,"), report);
		// the trace keeps the inventories' key, which inspect prints
		assertTrue(Files.readString(out.resolve("trace.xmi")).contains("elementType=\"UNKNOWN\" tensors=\"1\""), "the sequence counted in the trace");
		Verification.Result verified = Verification.verify(out);
		assertTrue(verified.passed(), verified.problems().toString());
	}
}
