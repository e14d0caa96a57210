package org.quantrace.runner.tests;

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
import org.quantrace.testing.TestData;

import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;

/**
 * A node's name is any text its exporter gave (hostile16): with a comma and a line break in the iris MLP's node names, debug.csv
 * wrote the line break into an unquoted cell and verify, reading line by line and splitting at every comma, found 9 mismatches in an
 * honest run. The table holds such a name in one quoted cell (RFC 4180) and verify reads it so.
 */
class DebugNodeNamesRunTest {

	@Test
	void nodeNamesWithCommasAndLineBreaksKeepTheDebugTableOneRowPerTensorAndVerifyHoldsIt() throws IOException {
		Path dir = TestData.tempDir("debug-node-names");
		ModelProto iris = ModelProto.parseFrom(Files.readAllBytes(TestData.data("wild/hostile12/iris_mlp.onnx")));
		GraphProto.Builder g = iris.getGraph().toBuilder();
		for (int i = 0; i < g.getNodeCount(); i++) {
			// a line break alone (written unquoted before), or a comma and quotes (quoted, but split by verify)
			g.setNode(i, g.getNode(i).toBuilder().setName(i == 0 ? "layer_" + i + "\nx" : "layer," + i + "\"x\""));
		}
		Files.write(dir.resolve("names.onnx"), iris.toBuilder().setGraph(g).build().toByteArray());
		Files.copy(TestData.data("wild/hostile12/iris.csv"), dir.resolve("iris.csv"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
		Path recipe = Files.writeString(dir.resolve("names.qr"), """
				recipe names "node names a CSV must quote" {
					responsible "hostile16"
					model mlp "names.onnx"
					dataset d "iris.csv" role calibration format csv label-columns "species"
					schemes fiq_int8
					evaluate on d metrics accuracy tolerance 0.5 pt
					debug fiq_int8 threshold rmse/scale > 0.5
				}
				""");
		Path out = dir.resolve("out");
		StringWriter log = new StringWriter();
		RunOptions options = new RunOptions(out, Set.of(), Shard.ALL, Runs.TIME, true, Progress.NONE, new PrintWriter(log));
		RecipeRunner.run(recipe, options);

		String csv = Files.readString(out.resolve("debug/mlp/fiq_int8/debug.csv"));
		// each line of the table is a row, or the rest of a quoted cell: a line break outside quotes began a row of its own
		assertTrue(csv.lines().skip(1).allMatch(l -> l.matches("-?\\d+,.*") || l.matches("x\",.*")), csv);
		assertTrue(csv.contains("\"layer_0\nx\",") && csv.contains("\"layer,2\"\"x\"\"\","), "each name in one quoted cell: " + csv);
		List<Problem> problems = Verification.verify(out).problems();
		assertTrue(problems.isEmpty(), problems.size() + " mismatches: " + problems);
	}
}
