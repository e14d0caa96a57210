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
 * Data of the wrong shape is found before any work (issue 16, item 8): a recipe run refuses it in seconds, on the
 * dataset's line, naming the preprocessing that fixes it, instead of after every scheme was quantized.
 */
class DataCheckTest {

	@Test
	void wrongImageSizeIsARecipeErrorFoundBeforeAnyWork() throws IOException {
		Path example = TestData.exampleCopy("shape");
		Path recipe = example.resolve("fashion_cnn.qr");
		Files.writeString(recipe, Files.readString(recipe).replace("\t\tgrayscale\n", "\t\tgrayscale\n\t\tresize 32 x 32\n"));
		Path out = example.resolve("out");
		long start = System.nanoTime();
		Cli run = Cli.run("run", recipe.toString(), "-o", out.toString());
		double seconds = (System.nanoTime() - start) / 1e9;
		assertEquals(2, run.exitCode(), run.err());
		assertFalse(run.err().contains("quantizing"), "nothing quantized: " + run.err());
		assertFalse(run.err().contains("converting"), "nothing converted: " + run.err());
		assertTrue(run.out().contains(recipe + ":15:2: error [data-shape] dataset calib (\"data/calibration\", it checks the conversion) gives samples"
				+ " of shape [1, 32, 32], but model cnn reads 'input' [N, 1, 28, 28]: add 'resize 28 x 28' to the preprocess block on line 17"),
				run.out());
		assertTrue(run.out().contains(recipe + ":16:2: error [data-shape] dataset eval"), run.out());
		assertFalse(Files.exists(out));
		assertTrue(seconds < 20, "found before any work: " + seconds + " s");
	}

	/** dtype uint8 for a float model: ONNX Runtime's "Unexpected input data type" after the work had started, exit 2 without a line. */
	@Test
	void samplesOfAnotherTypeAreARecipeErrorOnTheDatasetsLine() throws IOException {
		Path example = TestData.exampleCopy("dtype");
		Path recipe = example.resolve("fashion_cnn.qr");
		Files.writeString(recipe, Files.readString(recipe).replace("dtype float32", "dtype uint8"));
		Path out = example.resolve("out");
		Cli run = Cli.run("run", recipe.toString(), "-o", out.toString());
		assertEquals(2, run.exitCode(), run.err());
		assertFalse(run.err().contains("converting"), "nothing converted: " + run.err());
		String diagnostic = recipe + ":15:2: error [data-type] dataset calib (\"data/calibration\", it checks the conversion) gives uint8"
				+ " samples, but model cnn reads 'input' as float32: write 'dtype float32' in the preprocess block on line 17";
		assertTrue(run.out().contains(diagnostic), run.out());
		assertFalse(Files.exists(out));
		// validate said "0 errors" (it read no model and no data): now the run's own checks, the same words on the same line
		Cli validate = Cli.run("validate", recipe.toString());
		assertEquals(2, validate.exitCode(), validate.out() + validate.err());
		assertTrue(validate.out().contains(diagnostic), validate.out());
		assertFalse(Files.exists(out));
	}

	@Test
	void aLabelMapBeyondTheModelsOutputsIsARecipeError() throws IOException {
		Path example = TestData.exampleCopy("labels");
		Path labels = example.resolve("data/labels.json");
		Files.writeString(labels, Files.readString(labels).replace("\"bag\": 8", "\"bag\": 100000000"));
		long start = System.nanoTime();
		Cli run = Cli.run("run", example.resolve("fashion_cnn.qr").toString(), "-o", example.resolve("out").toString());
		assertEquals(2, run.exitCode(), run.err());
		assertTrue(run.out().contains("error [label-range]") && run.out().contains("'bag' the index 100000000, but cnn has 10 outputs"), run.out());
		assertTrue((System.nanoTime() - start) / 1e9 < 20, "at once, not after a pass over the data");
	}

	/**
	 * An integer-input model converted, on the float images its evaluation reads: the conversion's check feeds them as
	 * q = r / S + Z with the model's own S and Z, as the evaluation does. Its check fed samples as they are and refused float
	 * data ("write 'scale 1 mean 128 dtype int8'") while the recipe's warning said convert keeps the model's codes; before that,
	 * the hint "write 'dtype int8'" rounded the preprocessed pixels (0..1) to 0 and 1 (hostile pass 2). The run is accepted at
	 * the accuracy quantrace evaluate gives, and verify --deep makes the conversion's check again on the same float images.
	 */
	@Test
	void anIntegerInputModelIsConvertedOnTheFloatImagesItsEvaluationReads() throws IOException {
		Path example = TestData.exampleCopy("integer-input");
		Path model = integerInputModel(example);
		Path recipe = integerInputRecipe(example, "\tconvert { eliminate dropout }\n", "float32");
		Cli validate = Cli.run("validate", recipe.toString());
		assertEquals(0, validate.exitCode(), validate.out() + validate.err());
		assertFalse(validate.out().contains("[data-type]"), validate.out());
		Path out = example.resolve("out");
		Cli run = Cli.run("run", recipe.toString(), "-o", out.toString());
		assertEquals(0, run.exitCode(), run.out() + run.err());
		Cli evaluate = Cli.run("evaluate", model.toString(), "--data", example.resolve("data/evaluation").toString(), "--labels",
				example.resolve("data/labels.json").toString(), "--format", "json");
		assertEquals(0, evaluate.exitCode(), evaluate.err());
		double expected = accuracy(evaluate.out());
		assertTrue(expected > 0.8, evaluate.out());
		assertEquals(expected, accuracy(Files.readString(out.resolve("results.json"))), 1e-9, "the converted model, fed float images as q");
		Cli verify = Cli.run("verify", out.toString(), "--deep");
		assertEquals(0, verify.exitCode(), verify.out() + verify.err());
		assertTrue(verify.out().contains(" 0 mismatches"), verify.out());
	}

	/**
	 * The same model evaluated on images made uint8: the hint said "write 'dtype int8'", which feeds the pixels scaled 1/255,
	 * rounded to 0 and 1, as they are (accuracy 0.1, accepted); the evaluation quantizes float samples itself.
	 */
	@Test
	void anIntegerInputModelsEvaluationIsToldToReadFloatSamples() throws IOException {
		Path example = TestData.exampleCopy("integer-input-uint8");
		integerInputModel(example);
		Path recipe = integerInputRecipe(example, "", "uint8");
		Cli validate = Cli.run("validate", recipe.toString());
		assertEquals(2, validate.exitCode(), validate.out() + validate.err());
		assertTrue(validate.out().contains(recipe + ":5:2: error [data-type] dataset eval (\"data/evaluation\", it evaluates the models) gives"
				+ " uint8 samples, but model q8 reads 'input' as int8: write 'dtype float32' in the preprocess block on line 6: this step feeds float"
				+ " samples as q = round(r / 0.003921569) + -128 (the scale and zero point of the DequantizeLinear that reads 'input')"), validate.out());
		// int8 images type-check, but 'scale 1/255' rounds every pixel to 0 or 1: a warning, with the fix
		Files.writeString(recipe, Files.readString(recipe).replace("dtype uint8", "dtype int8"));
		validate = Cli.run("validate", recipe.toString());
		assertEquals(0, validate.exitCode(), validate.out() + validate.err());
		// and the model, quantized already, is evaluated as it is by 'unquantized': said on its line (model-trained-codes)
		java.util.List<String> lines = validate.out().lines().toList();
		assertTrue(lines.size() == 2 && lines.get(0).startsWith(recipe + ":3:2: warning [model-trained-codes] model q8 (\"model/int8.onnx\") is quantized already (")
				&& lines.get(0).endsWith("the variant named 'unquantized' is that integer model, not a float one"), lines.toString());
		assertEquals(java.util.List.of(recipe + ":5:2: warning [data-type] dataset eval (\"data/evaluation\", it evaluates the models) turns the"
				+ " pixels 0..255 into 2 int8 values (its scale, mean and std, then rounding), which model q8 reads as q = round(r / 0.003921569) + -128:"
				+ " write 'dtype float32' in the preprocess block on line 6 (this step feeds float samples as q)"), lines.subList(1, lines.size()));
	}

	/** A recipe evaluating example/model/int8.onnx on images made {@code dtype}, with {@code steps} (a convert block or nothing). */
	private static Path integerInputRecipe(Path example, String steps, String dtype) throws IOException {
		return Files.writeString(example.resolve("int8.qr"), """
				recipe int8 "An integer-input model" {
					responsible "test"
					model q8 "model/int8.onnx" id Q8 version 1
					dataset calib "data/calibration" role calibration format folder labels "data/labels.json"
					dataset eval "data/evaluation" role evaluation format folder labels "data/labels.json"
					preprocess { grayscale scale 1/255 layout NCHW dtype %s }
				%s	schemes unquantized
					evaluate on eval metrics accuracy
					document { approved-by "B. Approver" reviewed-by "A. Reviewer" }
				}
				""".formatted(dtype, steps));
	}

	/** The example CNN quantized fiq-int8 (an int8 input, S = 1/255, Z = -128) as example/model/int8.onnx. */
	private static Path integerInputModel(Path example) {
		Path model = example.resolve("model/int8.onnx");
		Cli quantize = Cli.run("quantize", example.resolve("model/fashion_cnn.onnx").toString(), "--scheme", "fiq-int8", "--data",
				example.resolve("data/calibration").toString(), "--labels", example.resolve("data/labels.json").toString(), "-o", model.toString());
		assertEquals(0, quantize.exitCode(), quantize.err());
		assertTrue(quantize.out().contains("Input  input INT8: scale 0.003921569, zero point -128"), quantize.out());
		return model;
	}

	private static double accuracy(String json) {
		java.util.regex.Matcher m = java.util.regex.Pattern.compile("\"accuracy\" ?: ([0-9.]+)").matcher(json);
		assertTrue(m.find(), json);
		return Double.parseDouble(m.group(1));
	}
}
