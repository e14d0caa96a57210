package org.quantrace.cli.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.quantrace.testing.Float64Models;
import org.quantrace.testing.TestData;

/**
 * A model exported in float64 (round 19's f64: model.double() before torch.onnx.export). Before: quantize (every scheme),
 * evaluate and debug stopped with "internal error ... unsupported tensor type FLOAT64", exit 70; convert said ONNX Runtime
 * found no float64 Conv; a recipe said "save the samples as float64", which no dataset could follow (float64 npy files are
 * read as float32). Now each says the input is float64 and what to do, exit 2, nothing written; convert narrows the model
 * to float32 (branch f64), and the others name it as the first step: narrowing rounds, so it is a recorded conversion, not
 * something evaluate or quantize do to the model a user named without saying so.
 */
class Float64ModelTest {

	private final Path dir = TestData.tempDir("float64");
	private final List<Path> files = Float64Models.write(dir);

	@Test
	void everyCommandRefusesTheFloat64InputWithExit2() {
		String m = files.get(0).toString();
		String x = files.get(1).toString();
		String y = files.get(2).toString();
		List<String[]> commands = List.of(
				new String[] { "quantize", m, "--scheme", "fiq-int8", "--data", x, "-o", dir.resolve("q8.onnx").toString() },
				new String[] { "quantize", m, "--scheme", "drq", "--data", x, "-o", dir.resolve("drq.onnx").toString() },
				new String[] { "evaluate", m, "--data", x, "--labels", y },
				new String[] { "debug", m, m, "--data", x, "-o", dir.resolve("debug").toString() });
		for (String[] command : commands) {
			Cli cli = Cli.run(command);
			String line = String.join(" ", command) + "\n" + cli.err();
			assertEquals(2, cli.exitCode(), line);
			assertTrue(cli.err().contains("quantrace: error: " + m + ": input 'x' is float64, which Quantrace cannot feed"), line);
			assertTrue(cli.err().contains("quantrace: hint: convert it first: quantrace convert MODEL.onnx -o MODEL32.onnx narrows it to float32"), line);
			assertTrue(cli.err().contains("or export the model in float32 (PyTorch: model.float()"), line);
			assertFalse(cli.err().contains("internal error"), line);
		}
		for (String out : List.of("q8.onnx", "drq.onnx", "debug")) {
			assertFalse(Files.exists(dir.resolve(out)), out + ": nothing is written");
		}
	}

	@Test
	void convertNarrowsItToFloat32AndTheNarrowedModelIsQuantized() {
		String m = files.get(0).toString();
		String x = files.get(1).toString();
		Path c = dir.resolve("c.onnx");
		Cli convert = Cli.run("convert", m, "-o", c.toString());
		assertEquals(0, convert.exitCode(), convert.out() + convert.err());
		assertTrue(convert.out().contains("precision: float64 -> float32: 1 initializer, input 'x', output 'y' narrowed (9 float64 values rounded to"
				+ " float32, largest relative rounding "), convert.out());
		Cli quantize = Cli.run("quantize", c.toString(), "--scheme", "fiq-int8", "--data", x, "-o", dir.resolve("q8.onnx").toString());
		assertEquals(0, quantize.exitCode(), quantize.out() + quantize.err());
		assertTrue(Files.isRegularFile(dir.resolve("q8.onnx")));
	}

	@Test
	void aRecipeSaysItOnTheModelsLineNotSaveTheSamplesAsFloat64() throws IOException {
		Path recipe = Files.writeString(dir.resolve("r.qr"), """
				recipe r "A float64 model" {
					responsible "test"
					model m "f64.onnx" id M version 1
					dataset calib "x.npy" labels "y.npy" role calibration format npy
					dataset eval "x.npy" labels "y.npy" role evaluation format npy
					schemes unquantized, fiq_int8
					evaluate on eval metrics accuracy
				}
				""");
		Cli cli = Cli.run("validate", recipe.toString());
		String all = cli.out() + cli.err();
		assertEquals(2, cli.exitCode(), all);
		assertTrue(all.contains(recipe + ":3:"), "on the model's line\n" + all);
		assertTrue(all.contains("error [model-unrunnable] model m (\"f64.onnx\"): input 'x' is float64, which Quantrace cannot feed"), all);
		assertFalse(all.contains("save the samples as float64"), all);
	}
}
