package org.quantrace.cli.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.quantrace.engine.onnx.OnnxModel;
import org.quantrace.testing.TestData;
import org.quantrace.testing.TestModels;

/**
 * The example recipe on its trained model saved in float16 (tests/data/wild make_half.py: {@code model.half()} before
 * export). Before: the run refused both datasets on their lines ("gives float32 samples, but model cnn reads 'input' as
 * float16: save the samples as float16", though every reader widens float16 samples to float32), and with the check
 * passed, convert failed inside ONNX Runtime. Now the run converts the model in float32, says so in PhIMT0002, and
 * verify re-derives every file.
 */
class HalfPrecisionRunTest {

	/** A copy of the example whose model is its trained model saved in float16. */
	private static Path float16Example(String name) throws IOException {
		Path example = TestData.exampleCopy(name);
		Path model = example.resolve("model/fashion_cnn_trained.onnx");
		Files.write(model, TestModels.toFloat16(OnnxModel.load(model).toProto()).toByteArray());
		return example;
	}

	@Test
	void theExampleRecipeRunsOnAFloat16ModelAndVerifies() throws IOException {
		Path example = float16Example("half");
		Path out = example.resolve("out");

		Cli run = Cli.run("run", example.resolve("fashion_cnn.qr").toString(), "-o", out.toString());

		assertEquals(0, run.exitCode(), run.out() + run.err());
		assertTrue(run.out().contains("Accepted."), run.out());
		String log = Files.readString(out.resolve("logs/PhIMT0002-cnn.md"));
		assertTrue(log.contains("precision: float16 -> float32: "), log);
		Cli verify = Cli.run("verify", out.toString());
		assertEquals(0, verify.exitCode(), verify.out());
		assertTrue(verify.out().endsWith("0 mismatches\n"), verify.out());
	}

	/**
	 * A recipe that prunes a float16 model without a convert step: pruning refused the float16 weights mid-run, without a
	 * line (found by the hostile pass). The run widens the model first, as it does before quantization, and records that.
	 */
	@Test
	void aFloat16ModelIsWidenedBeforePruningWhenTheRecipeHasNoConvertStep() throws IOException {
		Path example = float16Example("half-prune");
		Path recipe = example.resolve("fashion_cnn.qr");
		String text = Files.readString(recipe);
		text = text.substring(0, text.indexOf("\tconvert {")) + "\tprune { sparsity 50% }\n\tschemes unquantized\n\n\tevaluate on eval metrics accuracy\n"
				+ text.substring(text.indexOf("\tdocument extends"));
		Files.writeString(recipe, text);
		Path out = example.resolve("out");

		Cli run = Cli.run("run", recipe.toString(), "-o", out.toString());

		assertEquals(0, run.exitCode(), run.out() + run.err());
		assertTrue((run.out() + run.err()).contains("cnn: pre-processing before pruning (the recipe has no convert step): "), run.out() + run.err());
		String log = Files.readString(out.resolve("logs/PhIMT0002-cnn.md"));
		assertTrue(log.contains("precision: float16 -> float32: ") && log.contains("automatic pre-processing before pruning"), log);
		OnnxModel pruned = OnnxModel.load(out.resolve("models/cnn/pruned.onnx"));
		long zeros = 0;
		long weights = 0;
		for (var t : pruned.graph().initializers()) {
			if (t.dims().length >= 2) {
				for (float v : t.toFloatArray()) {
					zeros += v == 0 ? 1 : 0;
					weights++;
				}
			}
		}
		assertTrue(zeros > 0.45 * weights, "half the weights pruned: " + zeros + " of " + weights);
		Cli verify = Cli.run("verify", out.toString());
		assertEquals(0, verify.exitCode(), verify.out());
	}
}
