package org.quantrace.cli.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.quantrace.testing.TestData;

/**
 * A recipe's first mistakes on the command line (issue 16, items 9 and 14): validate and run read a recipe by the
 * same rules, so what validate calls an error run refuses, and the other way round.
 */
class RecipeMistakesCommandsTest {

	private static final Path EXAMPLE = TestData.exampleCopy("mistakes");

	private static Path recipe(String name, String text) throws IOException {
		return Files.writeString(EXAMPLE.resolve(name), text);
	}

	private static String example() throws IOException {
		return Files.readString(EXAMPLE.resolve("fashion_cnn.qr"));
	}

	@Test
	void aMisspeltKeywordIsOneErrorWithDidYouMean() throws IOException {
		Path typo = recipe("typo.qr", example().replace("schemes unquantized", "schemse unquantized"));
		Cli cli = Cli.run("validate", typo.toString());
		assertEquals(2, cli.exitCode());
		assertEquals(List.of(typo + ":27:2: error [syntax] 'schemse' is not a word of the recipe language here: did you mean 'schemes'?"),
				cli.out().lines().toList(), "one error, not the parser's recovery:\n" + cli.out());
		assertTrue(cli.err().contains("1 recipe: 1 error, 0 warnings"), cli.err());
	}

	@Test
	void importsThatCannotBeUsedStopValidateAndRunAlike() throws IOException {
		Files.writeString(EXAMPLE.resolve("broken.qr"), "model shared \"model/fashion_cnn.onnx\" version\n");
		Files.writeString(EXAMPLE.resolve("loop.qr"), "import \"cycle.qr\"\n");
		for (String path : List.of("broken.qr", "/etc/passwd", "model/fashion_cnn.onnx", "data/labels.json", "cycle.qr")) {
			Path bad = recipe("cycle.qr", "import \"" + (path.equals("cycle.qr") ? "loop.qr" : path) + "\"\n" + example());
			Cli validate = Cli.run("validate", bad.toString());
			assertEquals(2, validate.exitCode(), path + ": " + validate.out());
			assertTrue(validate.out().startsWith(bad + ":1:8: error [import-"), path + ": " + validate.out());
			Path out = EXAMPLE.resolve("out-" + path.replaceAll("\\W", "_"));
			Cli run = Cli.run("run", bad.toString(), "-o", out.toString());
			assertEquals(2, run.exitCode(), path + ": " + run.err());
			assertTrue(run.err().contains("nothing was run"), run.err());
			assertFalse(Files.exists(out), "nothing written for " + path);
		}
	}

	/**
	 * The quantization specification forbids symbolic links to files and folders: a dataset through one was refused on its line,
	 * a model through one accepted (run, verify clean; hostile pass 2). Now both are a symbolic-link error on the recipe's line,
	 * validate and run alike, and the run writes nothing.
	 */
	@Test
	void aModelThroughASymbolicLinkIsRefusedAsDataIs() throws IOException {
		Path link = EXAMPLE.resolve("model/linked.onnx");
		Files.deleteIfExists(link);
		Files.createSymbolicLink(link, EXAMPLE.resolve("model/fashion_cnn_trained.onnx").toAbsolutePath());
		Path linked = recipe("linked.qr", example().replace("\"model/fashion_cnn_trained.onnx\"", "\"model/linked.onnx\""));
		assertTrue(Files.readString(linked).contains("\"model/linked.onnx\""));
		String expected = linked + ":14:12: error [symbolic-link] \"model/linked.onnx\" goes through the symbolic link " + link.toAbsolutePath().normalize()
				+ ": the quantization specification forbids symbolic links to files and folders (models and data alike); give the real path";
		Cli validate = Cli.run("validate", linked.toString());
		assertEquals(2, validate.exitCode(), validate.out() + validate.err());
		assertTrue(validate.out().lines().anyMatch(expected::equals), validate.out());
		Path out = EXAMPLE.resolve("out-linked");
		Cli run = Cli.run("run", linked.toString(), "-o", out.toString());
		assertEquals(2, run.exitCode(), run.out() + run.err());
		assertTrue(run.out().lines().anyMatch(expected::equals), run.out());
		assertFalse(Files.exists(out), "nothing written");
	}

	/**
	 * The one-off commands read a model through a symbolic link the recipe run refuses (quantize, convert, evaluate, debug,
	 * prune, factorize and inspect ran on it). Now each refuses it as the recipe does (exit 2, the link named, nothing written);
	 * a folder link on the way counts too.
	 */
	@Test
	void theOneOffCommandsRefuseAModelThroughASymbolicLinkAsTheRecipeRunDoes() throws IOException {
		Path real = EXAMPLE.resolve("model/fashion_cnn_trained.onnx").toAbsolutePath();
		Path link = EXAMPLE.resolve("model/linked-once.onnx");
		Files.deleteIfExists(link);
		Files.createSymbolicLink(link, real);
		Path folderLink = EXAMPLE.resolve("model-link");
		Files.deleteIfExists(folderLink);
		Files.createSymbolicLink(folderLink, real.getParent());
		Path data = EXAMPLE.resolve("data/calibration");
		Path labels = EXAMPLE.resolve("data/labels.json");
		Path out = EXAMPLE.resolve("out-oneoff");
		for (Path model : List.of(link, folderLink.resolve("fashion_cnn_trained.onnx"))) {
			Path through = model.equals(link) ? link : folderLink;
			List<List<String>> commands = List.of(
					List.of("quantize", model.toString(), "--scheme", "drq", "-o", out.resolve("q.onnx").toString()),
					List.of("convert", model.toString(), "-o", out.resolve("c.onnx").toString()),
					List.of("evaluate", model.toString(), "--data", data.toString(), "--labels", labels.toString(), "--preprocess", "grayscale,scale=1/255,layout=NCHW"),
					List.of("debug", real.toString(), model.toString(), "--data", data.toString(), "--labels", labels.toString(), "--preprocess",
							"grayscale,scale=1/255,layout=NCHW", "-o", out.toString()),
					List.of("prune", model.toString(), "--pattern", "element", "--sparsity", "0.5", "-o", out.resolve("p.onnx").toString()),
					List.of("factorize", model.toString(), "--rank", "4", "-o", out.resolve("f.onnx").toString()),
					List.of("inspect", model.toString(), "--no-run"));
			for (List<String> command : commands) {
				Cli c = Cli.run(command.toArray(String[]::new));
				assertEquals(2, c.exitCode(), command + ": " + c.out() + c.err());
				assertTrue(c.err().contains("quantrace: error: " + model + " goes through the symbolic link " + through.toAbsolutePath().normalize()
						+ ": the quantization specification forbids symbolic links to files and folders (models and data alike)"), command + ": " + c.err());
				assertFalse(Files.exists(out), command + ": nothing written");
			}
		}
		Cli direct = Cli.run("inspect", real.toString(), "--no-run");
		assertEquals(0, direct.exitCode(), "the real path is read: " + direct.err());
	}

	@Test
	void anEmptyFileFailsValidateAsRunRefusesIt() throws IOException {
		Path empty = recipe("empty.qr", "// a recipe, one day\n");
		Cli validate = Cli.run("validate", empty.toString());
		assertEquals(2, validate.exitCode(), validate.out());
		assertTrue(validate.out().contains("error [empty-file]"), validate.out());
		Cli run = Cli.run("run", empty.toString(), "-o", EXAMPLE.resolve("out-empty").toString());
		assertEquals(2, run.exitCode(), run.err());
		Cli shared = Cli.run("validate", EXAMPLE.resolve("project.qr").toString());
		assertEquals(0, shared.exitCode(), "a file of shared declarations is fine: " + shared.out());
	}

	/** validate said "0 errors" for a file of two recipes, which run refuses (hostile pass 2): now an error on the second's line. */
	@Test
	void aFileOfTwoRecipesFailsValidateAsRunRefusesIt() throws IOException {
		String second = example().replace("import \"project.qr\"", "").replace("recipe fashion_cnn ", "recipe fashion_cnn_again ");
		Path two = recipe("two.qr", example() + second);
		long line = example().lines().count() + second.lines().takeWhile(l -> !l.startsWith("recipe ")).count() + 1;
		Cli validate = Cli.run("validate", two.toString());
		assertEquals(2, validate.exitCode(), validate.out() + validate.err());
		assertEquals(List.of(two + ":" + line + ":1: error [several-recipes] holds 2 recipes; a run takes a file with one: put each recipe in its own"
				+ " file (shared declarations can be imported)"), validate.out().lines().toList());
		Cli run = Cli.run("run", two.toString(), "-o", EXAMPLE.resolve("out-two").toString());
		assertEquals(2, run.exitCode(), run.err());
		assertTrue(run.err().contains("holds 2 recipes; a run takes a file with one"), run.err());
	}
}
