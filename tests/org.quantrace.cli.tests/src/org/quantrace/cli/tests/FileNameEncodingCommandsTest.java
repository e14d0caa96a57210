package org.quantrace.cli.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.quantrace.testing.TestData;

/**
 * A recipe's path the system cannot name: under LANG=C Java names files in ASCII, and a recipe's "modèle.onnx" stopped validate
 * and run with "internal error (please report it ...)", exit 70 and an InvalidPathException's trace (hostile15); a NUL escaped
 * into a path (the case this JVM can hold, whatever its locale) went the same way. Now an error on the recipe's line, exit 2.
 */
class FileNameEncodingCommandsTest {

	@Test
	void aRecipePathTheSystemCannotNameIsBadInputOnItsLine() throws IOException {
		Path dir = TestData.tempDir("file-name-encoding");
		Files.copy(TestData.data("wild/hostile12/iris_mlp.onnx"), dir.resolve("iris_mlp.onnx"));
		Path recipe = Files.writeString(dir.resolve("nul.qr"), "recipe nul {\n\tresponsible \"me\"\n\tmodel mlp \"iris\\u0000mlp.onnx\"\n\tschemes drq\n}\n");
		for (String[] args : new String[][] { { "validate", recipe.toString() }, { "run", recipe.toString(), "-o", dir.resolve("out").toString() } }) {
			Cli cli = Cli.run(args);
			String said = cli.out() + cli.err();
			assertEquals(2, cli.exitCode(), said);
			assertTrue(said.contains(recipe + ":3:12: error [path-encoding] the model file \"iris\\u0000mlp.onnx\" cannot be a file name on this system (Nul"
					+ " character not allowed): write the path without it"), said);
			assertFalse(said.contains("internal error"), said);
		}
		assertFalse(Files.exists(dir.resolve("out")));
	}
}
