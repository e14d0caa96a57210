package org.quantrace.cli.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/**
 * {@code --data=~/iris.csv} (no shell expands a '~' after '=') and a model path quoted with its '~' reached Quantrace as written and
 * were "not found" with the hint "check the data path" or "check the path (relative paths start at ...)" (hostile14): the '~' is
 * said, with the full path to write.
 */
class HomeFolderCommandsTest {

	private static final String HINT = "quantrace: hint: '~' stands for a home folder only where a shell expands it, at the start of a word (not after"
			+ " --option= nor inside quotes or a recipe): write the full path (" + System.getProperty("user.home");

	@Test
	void aTildeAfterAnEqualsSignIsSaid() {
		Cli cli = Cli.run("evaluate", org.quantrace.testing.TestData.data("wild/hostile12/iris_mlp.onnx").toString(), "--data=~/no-such-h14/iris.csv",
				"--label-columns", "species");
		assertEquals(2, cli.exitCode(), cli.err());
		assertEquals("quantrace: error: ~/no-such-h14/iris.csv: not found\n" + HINT + "/no-such-h14/iris.csv)\n", cli.err());
	}

	@Test
	void aQuotedTildeInAModelPathIsSaid(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) {
		Cli quantize = Cli.run("quantize", "~/no-such-h14/m.onnx", "--scheme", "drq", "-o", dir.resolve("q.onnx").toString());
		assertEquals(2, quantize.exitCode(), quantize.err());
		assertEquals("quantrace: error: ~/no-such-h14/m.onnx: file not found\n" + HINT + "/no-such-h14/m.onnx)\n", quantize.err());
	}
}
