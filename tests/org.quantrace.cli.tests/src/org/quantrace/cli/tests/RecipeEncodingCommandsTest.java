package org.quantrace.cli.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.quantrace.testing.TestData;

/**
 * Recipes are UTF-8 text. The example recipe saved as Latin-1 with an accented responsible (hostile8, main 22b45ed5): validate
 * and run ended with exit 3, "latin1.qr: cannot be read (Input length = 1)", naming neither the line nor what to do; saved as
 * UTF-16, validate said "unexpected '\uFFFD' after the end of the recipe"; a Latin-1 file it imports was read without a word,
 * its 'é' a U+FFFD in every log. Now an error on the line and column of the first such byte (code file-encoding, on the import's
 * line for an imported file), exit 2, nothing written.
 */
class RecipeEncodingCommandsTest {

	private static final Path EXAMPLE = TestData.exampleCopy("encoding");

	private static String accented() throws IOException {
		String text = Files.readString(EXAMPLE.resolve("fashion_cnn.qr"));
		assertTrue(text.contains("responsible \"Quantrace example\""), text);
		return text.replace("responsible \"Quantrace example\"", "responsible \"Quantrace exémple\"");
	}

	@Test
	void aLatin1RecipeIsAnErrorOnTheLineOfItsFirstByteThatIsNotUtf8() throws IOException {
		String text = accented();
		Path latin = Files.write(EXAMPLE.resolve("latin1.qr"), text.getBytes(StandardCharsets.ISO_8859_1));
		List<String> lines = text.lines().toList();
		int line = 1 + (int) lines.stream().takeWhile(l -> !l.contains("é")).count();
		int column = 1 + lines.get(line - 1).indexOf('é');
		Cli validate = Cli.run("validate", latin.toString());
		assertEquals(2, validate.exitCode(), validate.out() + validate.err());
		assertTrue(validate.out().contains(latin + ":" + line + ":" + column + ": error [file-encoding] the bytes on line " + line + ", column " + column
				+ " are not UTF-8 text"), validate.out());
		assertTrue(validate.out().contains("save the file as UTF-8"), validate.out());
		Path out = EXAMPLE.resolve("out-latin1");
		Cli run = Cli.run("run", latin.toString(), "-o", out.toString());
		assertEquals(2, run.exitCode(), run.out() + run.err());
		assertTrue(run.out().contains(latin + ":" + line + ":" + column + ": error [file-encoding]"), run.out() + run.err());
		assertFalse((run.out() + run.err()).contains("Input length"), run.err());
		assertFalse(Files.exists(out), "nothing run, nothing written");
		// the same text saved as UTF-8 is a recipe
		Path utf8 = Files.writeString(EXAMPLE.resolve("utf8.qr"), text);
		Cli fine = Cli.run("validate", utf8.toString());
		assertEquals(0, fine.exitCode(), fine.out() + fine.err());
		assertFalse(fine.out().contains("file-encoding"), fine.out());
	}

	@Test
	void aUtf16RecipeIsSaidToBeUtf16() throws IOException {
		Path utf16 = Files.write(EXAMPLE.resolve("utf16.qr"), accented().getBytes(StandardCharsets.UTF_16));
		Cli validate = Cli.run("validate", utf16.toString());
		assertEquals(2, validate.exitCode(), validate.out() + validate.err());
		assertTrue(validate.out().contains(utf16 + ":1:1: error [file-encoding] the file holds NUL characters (the first on line 1, column 3): it is"
				+ " likely UTF-16 text, and recipes are UTF-8: save it as UTF-8"), validate.out());
	}

	@Test
	void aLatin1FileTheRecipeImportsIsAnErrorOnTheImportsLine() throws IOException {
		Path project = EXAMPLE.resolve("project.qr");
		String shared = Files.readString(project);
		assertTrue(shared.contains("author \"Quantrace example\""), shared);
		Files.write(project, shared.replace("author \"Quantrace example\"", "author \"J. Fernández\"").getBytes(StandardCharsets.ISO_8859_1));
		Path recipe = EXAMPLE.resolve("fashion_cnn.qr");
		int line = 1 + (int) Files.readString(recipe).lines().takeWhile(l -> !l.startsWith("import ")).count();
		Cli validate = Cli.run("validate", recipe.toString());
		assertEquals(2, validate.exitCode(), validate.out() + validate.err());
		assertTrue(validate.out().contains(recipe + ":" + line + ":8: error [import-broken] import \"project.qr\": project.qr: the bytes on line "), validate.out());
		assertTrue(validate.out().contains("are not UTF-8 text"), validate.out());
		Files.writeString(project, shared);
	}
}
