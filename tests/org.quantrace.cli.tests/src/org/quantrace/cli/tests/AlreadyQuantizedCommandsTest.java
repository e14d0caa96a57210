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
 * The output of quantize given to quantize again, on the command line and in a recipe (a new user's slip, or a
 * quantization-aware-trained export): refused with exit 2 before any work, naming the quantized ops, instead of failing in
 * calibration ("samples are FLOAT32 but input is INT8") or re-quantizing a dynamic-range model's dequantized weights.
 */
class AlreadyQuantizedCommandsTest {

	private final Path dir = TestData.tempDir("requantize");

	@Test
	void quantizeRefusesItsOwnOutputBeforeAnyProgress() {
		Path calibration = TestData.example("data/calibration");
		Path labels = TestData.example("data/labels.json");
		Path q = dir.resolve("q.onnx");
		Cli first = Cli.run("quantize", TestData.example("model/fashion_cnn.onnx").toString(), "--scheme", "fiq-int8", "--data", calibration.toString(),
				"--labels", labels.toString(), "-o", q.toString());
		assertEquals(0, first.exitCode(), first.err());

		Cli again = Cli.run("quantize", q.toString(), "--scheme", "fiq-int8", "--data", calibration.toString(), "--labels", labels.toString(), "-o",
				dir.resolve("qq.onnx").toString());

		assertEquals(2, again.exitCode(), again.err());
		assertTrue(again.err().startsWith("quantrace: error: " + q + " is quantized already: it holds "), again.err());
		assertTrue(again.err().contains("quantrace: hint: quantize the float model it was made from"), again.err());
		assertFalse(again.err().contains("calibrating") || again.err().contains("checking"), "before any work: " + again.err());
		assertFalse(Files.exists(dir.resolve("qq.onnx")));
	}

	@Test
	void aRecipeThatQuantizesAQuantizedModelIsRefusedOnTheModelsLine() throws IOException {
		Path example = exampleWithQdqModel("requantize");
		Path model = example.resolve("model/fashion_cnn_trained.onnx");
		Files.move(example.resolve("model/qdq.onnx"), model, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
		Path recipe = example.resolve("fashion_cnn.qr");
		Path out = example.resolve("out");

		Cli run = Cli.run("run", recipe.toString(), "-o", out.toString());

		assertEquals(2, run.exitCode(), run.out() + run.err());
		assertTrue(run.out().contains(recipe + ":14:2: error [model-quantized] model cnn (\"model/fashion_cnn_trained.onnx\") is quantized already"),
				run.out());
		assertFalse(run.err().contains("converting"), "nothing run: " + run.err());
		assertFalse(Files.exists(out));
		// validate said "0 errors": now the run's checks, on the same line
		Cli validate = Cli.run("validate", recipe.toString());
		assertEquals(2, validate.exitCode(), validate.out() + validate.err());
		assertTrue(validate.out().contains(recipe + ":14:2: error [model-quantized] model cnn (\"model/fashion_cnn_trained.onnx\") is quantized already"),
				validate.out());
	}

	/**
	 * A recipe that prunes (or factorizes) a quantized model and quantizes nothing: validate said "0 errors" and the run stopped
	 * at the prune step, naming no line (found by the lead, 2026-12-06). Now both refuse it on the model's line before any work.
	 */
	@Test
	void aRecipeThatPrunesAQuantizedModelIsRefusedOnTheModelsLine() throws IOException {
		Path example = exampleWithQdqModel("prune-quantized");
		Path recipe = example.resolve("prune.qr");
		Files.writeString(recipe, String.join("\n", "import \"project.qr\"", "recipe prune_q \"a quantized model pruned\" {", "\tresponsible \"test\"",
				"\tconversion-id C-1", "\toptimization-id O-1", "\tmodel cnn \"model/qdq.onnx\" id Q version 1 framework \"PyTorch 1.13.0\"",
				"\tdataset eval \"data/evaluation\" role evaluation format folder labels \"data/labels.json\"",
				"\tpreprocess {", "\t\tgrayscale", "\t\tscale 1/255", "\t\tlayout NCHW", "\t\tdtype float32", "\t}", "\tprune { pattern channel sparsity 50% }",
				"\tschemes unquantized", "\tevaluate on eval metrics accuracy", "\tdocument extends example_project {", "\t\tversion 1.1", "\t}", "}", ""));
		String error = recipe + ":6:2: error [model-quantized] model cnn (\"model/qdq.onnx\") is quantized already (";
		String why = "): pruning reads and writes float weights, and would leave its quantized layers as they are";

		Cli validate = Cli.run("validate", recipe.toString());
		assertEquals(2, validate.exitCode(), validate.out() + validate.err());
		assertTrue(validate.out().contains(error) && validate.out().contains(why), validate.out());
		Path out = example.resolve("out");
		Cli run = Cli.run("run", recipe.toString(), "-o", out.toString());
		assertEquals(2, run.exitCode(), run.out() + run.err());
		assertTrue(run.out().contains(error), run.out() + run.err());
		assertFalse(run.err().contains("pruning"), "nothing run: " + run.err());
		assertFalse(Files.exists(out));
	}

	/**
	 * A dynamic-range output with weight-only layers (int8 weights read through Cast and Mul) computes in float and is not
	 * refused, but quantizing it rounds its int8 weights again and records it as the float original: it ran without a word
	 * (found by the hostile pass). Now quantize warns, and a recipe that quantizes it has a warning on the model's line, also in
	 * validate; both still run.
	 */
	@Test
	void aWeightOnlyModelIsQuantizedWithAWarning() throws IOException {
		Path example = TestData.exampleCopy("weight-only");
		Path model = example.resolve("model/fashion_cnn_trained.onnx");
		Path drq = example.resolve("model/drq.onnx");
		Cli first = Cli.run("quantize", model.toString(), "--scheme", "drq", "--kernels", "weight-only", "-o", drq.toString());
		assertEquals(0, first.exitCode(), first.err());

		Cli again = Cli.run("quantize", drq.toString(), "--scheme", "fiq-int8", "--data", example.resolve("data/calibration").toString(), "--labels",
				example.resolve("data/labels.json").toString(), "-o", example.resolve("again.onnx").toString());

		assertEquals(0, again.exitCode(), again.err());
		assertTrue(again.err().startsWith("quantrace: warning: " + drq + " is weight-only quantized: it stores 4 int8 weights turned into float by"
				+ " Cast and Mul (a dynamic-range model); quantizing it rounds those weights again"), again.err());
		Cli plain = Cli.run("quantize", model.toString(), "--scheme", "drq", "-o", example.resolve("plain.onnx").toString());
		assertFalse(plain.err().contains("is weight-only quantized"), "a float model: " + plain.err());

		Files.move(drq, model, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
		Path recipe = example.resolve("fashion_cnn.qr");
		String warning = recipe + ":14:2: warning [model-weight-only] model cnn (\"model/fashion_cnn_trained.onnx\") is weight-only quantized: it stores 4"
				+ " int8 weights";
		Cli validate = Cli.run("validate", recipe.toString());
		assertEquals(0, validate.exitCode(), validate.out() + validate.err());
		assertTrue(validate.out().contains(warning), validate.out());
		Cli run = Cli.run("run", recipe.toString(), "-o", example.resolve("out").toString(), "--only", "fiq_int8");
		assertTrue(run.exitCode() == 0 || run.exitCode() == 1, run.out() + run.err());
		assertTrue(run.err().contains(warning), "a run's warnings go with its progress, to stderr: " + run.err());
		// and into its records: results.json, the trace and the logs said nothing of it (wild README, left open 1)
		Path out = example.resolve("out");
		assertTrue(Files.readString(out.resolve("results.json")).contains("\"code\" : \"model-weight-only\""), Files.readString(out.resolve("results.json")));
		assertTrue(Files.readString(out.resolve("trace.xmi")).contains("code=\"model-weight-only\""), "the trace records it");
		assertTrue(Files.readString(out.resolve("logs/PhIMT0003-cnn.md")).contains("fashion_cnn.qr:14:2: warning [model-weight-only] model cnn"),
				"the log shows it against the original model");
		Cli verify = Cli.run("verify", out.toString());
		assertEquals(0, verify.exitCode(), verify.out() + verify.err());
	}

	/** A copy of the example whose trained model quantize (fiq-float32) wrote as model/qdq.onnx beside it. */
	private static Path exampleWithQdqModel(String name) {
		Path example = TestData.exampleCopy(name);
		Cli qdq = Cli.run("quantize", example.resolve("model/fashion_cnn_trained.onnx").toString(), "--scheme", "fiq-float32", "--data",
				example.resolve("data/calibration").toString(), "--labels", example.resolve("data/labels.json").toString(), "-o",
				example.resolve("model/qdq.onnx").toString());
		assertEquals(0, qdq.exitCode(), qdq.err());
		return example;
	}
}
