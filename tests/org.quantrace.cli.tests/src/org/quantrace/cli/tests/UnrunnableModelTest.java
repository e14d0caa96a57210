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
import org.quantrace.testing.TestModels;

/**
 * A model ONNX Runtime loads but cannot run on its own declared input (a Reshape's constant shape that contradicts it) is bad
 * input: every command that runs it ends with exit 2, naming the model, the node ONNX Runtime stopped at, the shape it was given
 * and how to fix it; a recipe says it on the model's line before any work. Before, quantize, evaluate, debug, prune and factorize
 * with data ended with "inference failed", exit 3 (the work failed), and a run stopped at its first step with exit 3.
 */
class UnrunnableModelTest {

	private final Path dir = TestData.tempDir("unrunnable");
	private final List<Path> fourFeatures = TestModels.fourFeatures(dir);
	private final Path model = TestModels.reshapeContradictingInput(dir.resolve("contradicting.onnx"));

	@Test
	void everyCommandThatRunsItSaysTheNodeAndTheShapeWithExit2() {
		String m = model.toString();
		String x = fourFeatures.get(0).toString();
		String y = fourFeatures.get(1).toString();
		List<String[]> commands = List.of(
				new String[] { "quantize", m, "--scheme", "fiq-int8", "--data", x, "-o", dir.resolve("q8.onnx").toString() },
				new String[] { "quantize", m, "--scheme", "fiq-float32", "--data", x, "-o", dir.resolve("q32.onnx").toString() },
				new String[] { "evaluate", m, "--data", x, "--labels", y },
				new String[] { "debug", m, m, "--data", x, "-o", dir.resolve("debug").toString() },
				new String[] { "prune", m, "--pattern", "element", "--sparsity", "50", "--data", x, "--labels", y, "-o", dir.resolve("p.onnx").toString() },
				new String[] { "factorize", m, "--rank", "1", "--data", x, "--labels", y, "-o", dir.resolve("f.onnx").toString() });
		for (String[] command : commands) {
			Cli cli = Cli.run(command);
			String line = String.join(" ", command) + "\n" + cli.err();
			assertEquals(2, cli.exitCode(), line);
			assertTrue(cli.err().startsWith("quantrace: error: " + m + ": ONNX Runtime "), line);
			assertTrue(cli.err().contains("loads the model but cannot run it on input 'x' of shape [1, 4] (declared [1, 4]): it stopped at node 'flat' (Reshape)"),
					line);
			assertTrue(cli.err().contains("quantrace: hint: the graph contradicts its own declared input at node 'flat' (Reshape)"), line);
			assertTrue(cli.err().contains("export the model again with the input shape it was trained for"), line);
			assertFalse(cli.err().contains("inference failed"), line);
		}
		for (String out : List.of("q8.onnx", "q32.onnx", "debug", "p.onnx", "f.onnx")) {
			assertFalse(Files.exists(dir.resolve(out)), out + ": nothing is written");
		}
		// the commands that do not run it are unchanged: drq quantizes weights only, convert checks on its own samples (exit 2 too)
		Cli convert = Cli.run("convert", m, "-o", dir.resolve("c.onnx").toString());
		assertEquals(2, convert.exitCode(), convert.err());
		assertTrue(convert.err().contains("Name:'flat'"), convert.err());
	}

	@Test
	void aRecipeSaysItOnTheModelsLineBeforeAnyWork() throws IOException {
		Files.copy(model, dir.resolve("m.onnx"));
		Path recipe = Files.writeString(dir.resolve("r.qr"), """
				recipe r "A model that cannot run on its declared input" {
					responsible "test"
					model m "m.onnx" id M version 1
					dataset calib "x4.npy" labels "y4.npy" role calibration format npy
					dataset eval "x4.npy" labels "y4.npy" role evaluation format npy
					schemes unquantized, fiq_int8
					evaluate on eval metrics accuracy
				}
				""");
		for (String command : List.of("validate", "run")) {
			Cli cli = command.equals("run") ? Cli.run("run", recipe.toString(), "-o", dir.resolve("out").toString()) : Cli.run("validate", recipe.toString());
			String all = cli.out() + cli.err();
			assertEquals(2, cli.exitCode(), command + "\n" + all);
			assertTrue(all.contains(recipe + ":3:"), command + ": on the model's line\n" + all);
			assertTrue(all.contains("error [model-unrunnable] model m (\"m.onnx\"): ONNX Runtime "), command + "\n" + all);
			assertTrue(all.contains("it stopped at node 'flat' (Reshape)"), command + "\n" + all);
			assertFalse(all.contains("inference failed"), command + "\n" + all);
		}
		assertFalse(Files.exists(dir.resolve("out")), "nothing run, nothing written");
	}

	/**
	 * A model whose input declares a batch of any size but whose graph fixes it at one (a Reshape to the constant [1, 4]) ran on
	 * the one sample of the check above and stopped the work at its first batch: quantize, evaluate and a run ended with "inference
	 * failed", exit 3, quoting ONNX Runtime's source path (main 0e99974). Now exit 2 before any work, naming the batch, the node and
	 * ONNX Runtime's reason without its source location.
	 */
	@Test
	void aModelThatRunsOneSampleOfABatchItDeclaresOfAnySizeIsBadInput() throws IOException {
		Path one = TestModels.reshapeFixingBatchOne(dir.resolve("batch-one.onnx"));
		String x = fourFeatures.get(0).toString();
		String y = fourFeatures.get(1).toString();
		List<String[]> commands = List.of(
				new String[] { "quantize", one.toString(), "--scheme", "fiq-int8", "--data", x, "-o", dir.resolve("b8.onnx").toString() },
				new String[] { "evaluate", one.toString(), "--data", x, "--labels", y });
		for (String[] command : commands) {
			Cli cli = Cli.run(command);
			String line = String.join(" ", command) + "\n" + cli.err();
			assertEquals(2, cli.exitCode(), line);
			assertTrue(cli.err().startsWith("quantrace: error: " + one + ": its input 'x' declares the batch dimension 'N' (any size), but ONNX Runtime "), line);
			assertTrue(cli.err().contains("runs it on one sample only, not on a batch of 2 (shape [2, 4]): it stopped at node 'flat' (Reshape): "), line);
			assertTrue(cli.err().contains("quantrace: hint: the graph fixes the batch at one at node 'flat' (Reshape)"), line);
			assertFalse(cli.err().contains("inference failed") || cli.err().contains("onnxruntime_src") || cli.err().contains("was false"), line);
		}
		assertFalse(Files.exists(dir.resolve("b8.onnx")), "nothing is written");
	}

	/** The reason ONNX Runtime gives, without its source file, line, C++ function and failed condition. */
	@Test
	void theRuntimesSourceLocationIsLeftOut() {
		Cli cli = Cli.run("evaluate", model.toString(), "--data", fourFeatures.get(0).toString(), "--labels", fourFeatures.get(1).toString());
		assertEquals(2, cli.exitCode(), cli.err());
		assertTrue(cli.err().contains("it stopped at node 'flat' (Reshape): The input tensor cannot be reshaped to the requested shape."), cli.err());
		assertFalse(cli.err().contains("onnxruntime_src") || cli.err().contains("ReshapeHelper") || cli.err().contains("was false"), cli.err());
	}
}
