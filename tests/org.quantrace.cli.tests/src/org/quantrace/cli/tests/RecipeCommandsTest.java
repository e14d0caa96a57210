package org.quantrace.cli.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.quantrace.dsl.RecipeFiles;
import org.quantrace.model.recipe.QuantizationConfig;
import org.quantrace.model.recipe.Recipe;
import org.quantrace.testing.TestData;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

/** validate and import-config as a user runs them. */
class RecipeCommandsTest {

	private final Path dir = TestData.tempDir("recipe-cli");

	@Test
	void theExampleValidatesClean() {
		Cli cli = Cli.run("validate", TestData.example("fashion_cnn.qr").toString());
		assertEquals(0, cli.exitCode(), cli.out() + cli.err());
		assertEquals("", cli.out());
		assertTrue(cli.err().contains("1 recipe: 0 errors, 0 warnings"), cli.err());
	}

	@Test
	void diagnosticsPrintAsFileLineColumnAndExit2() throws IOException {
		Path recipe = dir.resolve("broken.qr");
		Files.writeString(recipe, "recipe r {\n\tmodel m \"nowhere.onnx\"\n\tschemes drq, fiq_int4\n\tdocument { approved-by \"B\" reviewed-by \"R\" }\n}\n");
		Cli cli = Cli.run("validate", recipe.toString());
		assertEquals(2, cli.exitCode());
		String[] lines = cli.out().split("\n");
		assertEquals(2, lines.length, cli.out());
		assertTrue(lines[0].startsWith(recipe + ":2:10: error [path-not-found] the model file \"nowhere.onnx\" does not exist"), lines[0]);
		assertTrue(lines[1].startsWith(recipe + ":3:15: error [unknown-scheme] scheme 'fiq_int4' is not defined"), lines[1]);
		assertTrue(cli.err().contains("2 errors, 0 warnings"), cli.err());

		Cli missing = Cli.run("validate", dir.resolve("none.qr").toString());
		assertEquals(2, missing.exitCode());
		assertTrue(missing.out().contains("none.qr:1:1: error [path-not-found] recipe file not found"), missing.out());
		// a path that is there but no file: "recipe file not found (looked for /dev/null)" said it was not there
		Cli device = Cli.run("validate", "/dev/null");
		assertEquals(2, device.exitCode());
		assertTrue(device.out().contains("/dev/null:1:1: error [not-a-file] not a regular file (a device, a named pipe or a socket), so not a recipe"),
				device.out());
	}

	/**
	 * A new user's first words: a word that is no command (check, as other tools call validate; a misspelt one), or a recipe
	 * given without run, is one line saying what to type, instead of picocli's "Unmatched arguments from index 0" and the usage.
	 */
	@Test
	void anUnknownCommandSaysWhatToType() {
		Cli check = Cli.run("check", TestData.example("fashion_cnn.qr").toString());
		assertEquals(2, check.exitCode());
		assertTrue(check.err().startsWith("quantrace: unknown command 'check': did you mean 'validate'? The commands are inspect, "), check.err());
		assertEquals(1, check.err().lines().count(), check.err());

		Cli typo = Cli.run("quantze", "m.onnx");
		assertEquals(2, typo.exitCode());
		assertTrue(typo.err().startsWith("quantrace: unknown command 'quantze': did you mean 'quantize'?"), typo.err());

		Cli recipe = Cli.run("fashion_cnn.qr");
		assertEquals(2, recipe.exitCode());
		assertEquals("quantrace: 'fashion_cnn.qr' is a recipe, not a command: run it with quantrace run fashion_cnn.qr"
				+ " (or check it with quantrace validate fashion_cnn.qr)", recipe.err().strip());
	}

	@Test
	void theSdkConfigurationOfTheExampleBecomesARecipeThatValidates() throws IOException {
		Path recipe = dir.resolve("imported.qr");
		Cli cli = Cli.run("import-config", TestData.example("configuration.json").toString(), "-o", recipe.toString(), "--name", "sdk");
		assertEquals(0, cli.exitCode(), cli.err());
		String text = Files.readString(recipe);
		assertTrue(text.contains("recipe sdk \"Imported from configuration.json"), text);
		assertTrue(text.contains("\tmodel source \"" + dir.toAbsolutePath().relativize(TestData.example("model/fashion_cnn.onnx").toAbsolutePath()) + "\""), text);
		assertTrue(text.contains("\t\tresize 28 x 28\n"), text);
		assertTrue(text.contains("\t\tgrayscale\n") && !text.contains("NHWC"), "from the model's input [N, 1, 28, 28]: " + text);
		assertTrue(text.contains("calibrate minmax batch 30 samples 300"), "batch_size x iteration_count images: " + text);
		assertTrue(text.contains("extensions \"png\""), text);
		assertTrue(text.contains("evaluate on evaluation_images metrics accuracy"), text);
		Cli validate = Cli.run("validate", recipe.toString());
		assertEquals(0, validate.exitCode(), validate.out());
		// the SDK's configuration names no approver: the one thing said is that the logs will name none (no document block)
		assertEquals(List.of(recipe + ":4:8: warning [missing-approver]"), validate.out().lines().map(l -> l.substring(0, l.indexOf("]") + 1)).toList(),
				validate.out());
		Recipe read = RecipeFiles.load(recipe).recipe().getRecipes().get(0);
		// the SDK's comparison: the original, the converted and the quantized model (a scheme may not be named after the converted stage)
		assertTrue(read.getConversion() != null, "the conversion gives the converted model: " + text);
		assertEquals(List.of("quantized"), read.getSchemes().stream().map(QuantizationConfig::getName).toList());

		Cli printed = Cli.run("import-config", TestData.example("configuration.json").toString());
		assertEquals(0, printed.exitCode(), printed.err());
		assertTrue(printed.out().contains("recipe configuration "), printed.out());
	}

	@Test
	void theSpecsErrorsStopTheImport() throws IOException {
		Cli none = Cli.run("import-config", dir.resolve("configuration.json").toString());
		assertEquals(2, none.exitCode());
		assertTrue(none.err().contains("configuration.json: configuration file not found"), none.err());

		ObjectNode config = (ObjectNode) new ObjectMapper().readTree(TestData.example("configuration.json").toFile());
		Path examples = TestData.example("").toAbsolutePath();
		config.put("source_onnx_model", examples.resolve("model/fashion_cnn.onnx").toString());
		config.put("dataset_image_dir", examples.resolve("data/calibration").toString());
		config.put("evaluate_image_dir", examples.resolve("data/evaluation").toString());
		config.put("evaluate_label_file", examples.resolve("data/labels.json").toString());

		ObjectNode noBatch = config.deepCopy();
		noBatch.remove("batch_size");
		Cli missingKey = Cli.run("import-config", write("no-batch.json", noBatch).toString());
		assertEquals(2, missingKey.exitCode());
		assertTrue(missingKey.err().contains("the required key batch_size is missing"), missingKey.err());
		assertEquals("", missingKey.out(), "nothing printed on failure");

		ObjectNode keras = config.deepCopy();
		keras.remove("source_onnx_model");
		keras.put("source_keras_model", "model.h5");
		Cli notOnnx = Cli.run("import-config", write("keras.json", keras).toString());
		assertEquals(2, notOnnx.exitCode());
		assertTrue(notOnnx.err().contains("is not an ONNX model"), notOnnx.err());

		ObjectNode size = config.deepCopy();
		size.put("input_tensor_size", 32);
		Path out = dir.resolve("never.qr");
		Cli wrongSize = Cli.run("import-config", write("size.json", size).toString(), "-o", out.toString());
		assertEquals(2, wrongSize.exitCode());
		assertTrue(wrongSize.err().contains("input_tensor_size 32 does not match the model's input 28 x 28"), wrongSize.err());
		assertFalse(Files.exists(out));
	}

	private Path write(String name, ObjectNode json) throws IOException {
		Path p = dir.resolve(name);
		new ObjectMapper().writeValue(p.toFile(), json);
		return p;
	}
}
