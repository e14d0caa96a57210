package org.quantrace.cli.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.quantrace.testing.TestData;

/**
 * {@code verify} of a folder {@code quantrace debug} wrote (hostile14) said "not a Quantrace output folder (it has no trace.xmi)
 * ... give the folder quantrace run wrote": it is one, debug's, with its own SHA256SUMS. Said as debug's, with how to check it.
 */
class VerifyDebugFolderTest {

	@TempDir
	Path dir;

	@Test
	void aDebugFolderIsSaidToBeDebugs() {
		String model = TestData.data("wild/hostile12/iris_mlp.onnx").toString();
		String csv = TestData.data("wild/hostile12/iris.csv").toString();
		Path q = dir.resolve("q.onnx");
		assertEquals(0, Cli.run("quantize", model, "--scheme", "fiq-int8", "--data", csv, "--label-columns", "species", "-o", q.toString()).exitCode());
		Path debug = dir.resolve("dbg");
		Cli made = Cli.run("debug", model, q.toString(), "--data", csv, "--label-columns", "species", "-o", debug.toString());
		assertEquals(0, made.exitCode(), made.err());
		Cli cli = Cli.run("verify", debug.toString());
		assertEquals(2, cli.exitCode(), cli.err());
		assertEquals("quantrace: error: " + debug + ": is an output folder of quantrace debug (its .quantrace-output says so), which records no run: verify"
				+ " checks the folder of a run (its trace.xmi)\nquantrace: hint: check debug's files against its list: (cd " + debug
				+ " && sha256sum -c SHA256SUMS); a recipe's debug step is verified with its run's folder\n", cli.err());
	}
}
