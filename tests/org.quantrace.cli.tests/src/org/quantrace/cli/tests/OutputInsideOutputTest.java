package org.quantrace.cli.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.quantrace.testing.TestData;

/**
 * An output written inside a folder quantrace wrote (hostile14): {@code quantize iris_mlp.onnx --scheme drq -o
 * out/models/mlp/drq.onnx} replaced the run's own model, exit 0, and the run's trace, logs and report went on describing the file
 * that was gone (verify: 218 mismatches); {@code evaluate -o out/e.json} added a file SHA256SUMS does not list. Refused, exit 2,
 * the folder as the run left it. The iris MLP and its table are hostile12's (make_iris.py).
 */
class OutputInsideOutputTest {

	@TempDir
	Path dir;

	@Test
	void noCommandWritesIntoARunsFolder() throws IOException {
		Path model = Files.copy(TestData.data("wild/hostile12/iris_mlp.onnx"), dir.resolve("iris_mlp.onnx"));
		Files.copy(TestData.data("wild/hostile12/iris.csv"), dir.resolve("iris.csv"));
		Path recipe = Files.writeString(dir.resolve("iris.qr"), """
				recipe iris "iris MLP" {
					responsible "hostile14"
					model mlp "iris_mlp.onnx"
					dataset data "iris.csv" label-columns "species"
					schemes unquantized, drq
					evaluate on data metrics accuracy
				}
				""");
		Path out = dir.resolve("out");
		Cli run = Cli.run("run", recipe.toString(), "-o", out.toString());
		assertEquals(0, run.exitCode(), run.err());
		Map<String, String> before = TestData.hashes(out);
		String inside = ": lies inside " + out.toRealPath() + ", an output folder quantrace wrote (its .quantrace-output says so): its SHA256SUMS vouches"
				+ " for every file there, so ";

		Path drq = out.resolve("models/mlp/drq.onnx");
		Cli quantize = Cli.run("quantize", model.toString(), "--scheme", "drq", "-o", drq.toString());
		assertEquals(2, quantize.exitCode(), quantize.err());
		assertTrue(quantize.err().startsWith("quantrace: error: " + drq + inside + "replacing drq.onnx would destroy that evidence (verify reports it)\n"
				+ "quantrace: hint: write the output outside " + out.toRealPath()), quantize.err());
		Cli evaluate = Cli.run("evaluate", model.toString(), "--data", dir.resolve("iris.csv").toString(), "--label-columns", "species", "-o",
				out.resolve("logs/e.json").toString());
		assertEquals(2, evaluate.exitCode(), evaluate.err());
		assertTrue(evaluate.err().startsWith("quantrace: error: " + out.resolve("logs/e.json") + inside + "a file added there would break that evidence"),
				evaluate.err());
		Cli nested = Cli.run("run", recipe.toString(), "-o", out.resolve("again").toString());
		assertEquals(2, nested.exitCode(), nested.err());
		assertEquals(before, TestData.hashes(out), "the run's folder as the run left it");
		assertEquals(0, Cli.run("verify", out.toString()).exitCode());
	}
}
