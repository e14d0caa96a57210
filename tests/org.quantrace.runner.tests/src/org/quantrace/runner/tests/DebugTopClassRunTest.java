package org.quantrace.runner.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.Test;
import org.quantrace.engine.Progress;
import org.quantrace.runner.RecipeRunner;
import org.quantrace.runner.RunOptions;
import org.quantrace.runner.Shard;
import org.quantrace.runner.Verification;
import org.quantrace.runner.Verification.Problem;

import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.TensorProto;

/**
 * Round 20's centernet (tests/data/wild/README.md): int8 class scores after a Sigmoid tie and change the top class whatever the
 * model computes inside. The debug step says so with the figures of debug.csv's top_tied and top_changed columns, which the
 * trace records and verify compares. Built from the example's CNN: its logits + 4 through a Sigmoid as the output "scores".
 */
class DebugTopClassRunTest {

	@Test
	void theDebugStepSaysTheOutputCodesLoseTheTopClassAndVerifyHoldsTheFigures() throws IOException {
		Path dir = Runs.exampleCopy("debug-top-class");
		ModelProto example = ModelProto.parseFrom(Files.readAllBytes(dir.resolve("model/fashion_cnn_trained.onnx")));
		GraphProto.Builder g = example.getGraph().toBuilder();
		String logits = g.getOutput(0).getName();
		g.addInitializer(TensorProto.newBuilder().setName("four").setDataType(1).addFloatData(4f));
		g.addNode(NodeProto.newBuilder().setOpType("Add").setName("shift").addInput(logits).addInput("four").addOutput("shifted"));
		g.addNode(NodeProto.newBuilder().setOpType("Sigmoid").setName("sigmoid").addInput("shifted").addOutput("scores"));
		g.setOutput(0, g.getOutput(0).toBuilder().setName("scores"));
		Files.write(dir.resolve("model/scores.onnx"), example.toBuilder().setGraph(g).build().toByteArray());
		Path out = dir.resolve("out");
		StringWriter log = new StringWriter();
		RunOptions options = new RunOptions(out, Set.of(), Shard.ALL, Runs.TIME, true, Progress.NONE, new PrintWriter(log));
		// exit 1: the lost top classes fail the example's accuracy criterion, as centernet's would; the evidence is written all the same
		assertEquals(1, RecipeRunner.run(Runs.recipe(dir, "scores.qr", Runs.exampleRecipe(dir, "scores", "model/scores.onnx", "fiq_int8")), options).exitCode(),
				log.toString());

		String csv = Files.readString(out.resolve("debug/scores/fiq_int8/debug.csv"));
		List<String> header = List.of(csv.lines().findFirst().orElseThrow().split(",", -1));
		String row = csv.lines().filter(l -> l.contains(",scores,") && l.contains(",isolated,")).findFirst().orElseThrow(() -> new AssertionError(csv));
		String changed = row.split(",", -1)[header.indexOf("top_changed")];
		assertTrue(Integer.parseInt(changed) > 0, "fp32's scores as int8 codes lose the top class: " + row);
		String trace = Files.readString(out.resolve("trace.xmi"));
		assertTrue(trace.contains("topChanged=\"" + changed + "\""), "the trace records the figure");
		assertTrue(log.toString().contains("loses fp32's top class even from fp32's own values: another class first in " + changed + " of ")
				&& log.toString().contains("fiq-float32"), log.toString());
		List<Problem> problems = Verification.verify(out).problems();
		assertTrue(problems.isEmpty(), problems.size() + " mismatches: " + problems);

		String[] cells = row.split(",", -1);
		cells[header.indexOf("top_changed")] = Integer.toString(Integer.parseInt(changed) + 1);
		Path forged = Tampering.edited(out, dir.resolve("forged"), "debug/scores/fiq_int8/debug.csv", row, String.join(",", cells));
		List<Problem> caught = Verification.verify(forged).problems();
		assertTrue(caught.stream().anyMatch(p -> p.file().endsWith("debug.csv") && p.what().contains("isolated) top_changed")), "a forged figure: " + caught);
	}
}
