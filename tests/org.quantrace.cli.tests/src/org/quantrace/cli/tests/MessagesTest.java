package org.quantrace.cli.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.quantrace.engine.data.NpyArray;
import org.quantrace.engine.runtime.NdArray;
import org.quantrace.testing.TestData;

import com.google.protobuf.ByteString;

import ai.onnx.proto.OnnxMl.TensorProto;

/** Messages that said the wrong thing, or said it badly (issue 16, item 15). */
class MessagesTest {

	private final Path dir = TestData.tempDir("messages");

	/**
	 * evaluate and debug without --data said "Missing required option: '--calibration=DATASET'" (picocli names an option by its
	 * longest name; --calibration is quantize's other spelling): the option is named as their usage line names it.
	 */
	@Test
	void aMissingDataOptionIsNamedAsTheUsageNamesIt() {
		String model = dir.resolve("m.onnx").toString();
		for (String[] args : java.util.List.of(new String[] { "evaluate", model }, new String[] { "debug", model, model, "-o", dir.resolve("d").toString() })) {
			Cli cli = Cli.run(args);
			assertEquals(2, cli.exitCode(), cli.err());
			assertTrue(cli.err().startsWith("quantrace: error: Missing required option: '--data=DATASET'"), cli.err());
			assertFalse(cli.err().lines().findFirst().orElse("").contains("--calibration"), cli.err());
		}
	}

	/**
	 * verify's usage gives [--recipe RECIPE.qr | --outputs-only]; given both, --recipe was ignored without a word and the folder
	 * checked alone (main 20aa11e: exit 0 on the example's merged folder). Refused, exit 2, before anything is read.
	 */
	@Test
	void verifyRefusesARecipeWithOutputsOnly() {
		Cli cli = Cli.run("verify", dir.toString(), "--recipe", dir.resolve("r.qr").toString(), "--outputs-only");
		assertEquals(2, cli.exitCode(), cli.err());
		assertTrue(cli.err().startsWith("quantrace: error: --recipe " + dir.resolve("r.qr") + " and --outputs-only contradict each other"), cli.err());
	}

	/** ONNX's test data stores inputs as TensorProto files: read as a model, one looked like a truncated ONNX file. */
	@Test
	void aTensorFileIsNotCalledATruncatedModel() throws IOException {
		ByteBuffer data = ByteBuffer.allocate(4 * 784).order(ByteOrder.LITTLE_ENDIAN);
		for (int i = 0; i < 784; i++) {
			data.putFloat(i / 784f);
		}
		TensorProto t = TensorProto.newBuilder().addDims(1).addDims(1).addDims(28).addDims(28).setDataType(TensorProto.DataType.FLOAT_VALUE)
				.setName("input").setRawData(ByteString.copyFrom(data.array())).build();
		Path file = Files.write(dir.resolve("input_0.pb"), t.toByteArray());
		Cli cli = Cli.run("inspect", file.toString());
		assertEquals(2, cli.exitCode(), cli.err());
		assertTrue(cli.err().startsWith("quantrace: error: " + file + ": an ONNX tensor file (TensorProto 'input', FLOAT32 [1, 1, 28, 28]), not a model"),
				cli.err());
		assertFalse(cli.err().contains("truncated"), cli.err());
	}

	/**
	 * The example's configuration printed a 37-line formatter stack trace before the recipe (and exited 0). Xtext logs it
	 * through log4j to the stdout the process started with, which a test cannot swap: the log itself is listened to.
	 */
	@Test
	void importConfigOnTheExamplePrintsTheRecipeAndNothingElse() throws IOException {
		PrintStream stdout = System.out;
		ByteArrayOutputStream captured = new ByteArrayOutputStream();
		java.util.List<String> logged = new java.util.ArrayList<>();
		org.apache.log4j.AppenderSkeleton listener = new org.apache.log4j.AppenderSkeleton() {
			@Override
			protected void append(org.apache.log4j.spi.LoggingEvent e) {
				if (e.getLevel().isGreaterOrEqual(org.apache.log4j.Level.WARN)) {
					logged.add(e.getLevel() + " " + e.getLoggerName() + ": " + e.getRenderedMessage());
				}
			}

			@Override
			public boolean requiresLayout() {
				return false;
			}

			@Override
			public void close() {
				// nothing held
			}
		};
		Cli cli;
		org.apache.log4j.Logger.getRootLogger().addAppender(listener);
		try {
			System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
			cli = Cli.run("import-config", TestData.example("configuration.json").toString());
		} finally {
			System.setOut(stdout);
			org.apache.log4j.Logger.getRootLogger().removeAppender(listener);
		}
		assertEquals(java.util.List.of(), logged, "the formatter's conflicts are ours to avoid, not the user's to read");
		assertEquals(0, cli.exitCode(), cli.err());
		assertEquals("", captured.toString(StandardCharsets.UTF_8), "nothing besides the recipe");
		assertFalse(cli.err().contains("Exception"), cli.err());
		assertTrue(cli.out().contains("\nrecipe configuration \"Imported from configuration.json"), cli.out());
		assertTrue(cli.out().contains("\n\tmodel source \""), "formatted, one clause a line: " + cli.out());
		// printed, its paths are relative to the current folder: saved there, it reads the example's files
		Path recipe = Files.writeString(Path.of("config-" + dir.getFileName() + ".qr").toAbsolutePath(), cli.out());
		try {
			Cli validate = Cli.run("validate", recipe.toString());
			assertEquals(0, validate.exitCode(), "the printed recipe is a valid one: " + validate.out());
		} finally {
			Files.delete(recipe);
		}
	}

	/** One NaN pixel in preprocessed data: calibration said "values range over [NaN, NaN]", evaluation scored it. */
	@Test
	void aNaNInTheDataIsNamedBySampleAndPosition() throws IOException {
		float[] x = new float[8 * 784];
		x[3 * 784 + 124] = Float.NaN;
		Path inputs = dir.resolve("x.npy");
		NpyArray.write(inputs, NdArray.ofFloats(new long[] { 8, 1, 28, 28 }, x));
		Path labels = dir.resolve("y.npy");
		NpyArray.write(labels, NdArray.ofLongs(new long[] { 8 }, new long[8]));
		String model = TestData.example("model/fashion_cnn.onnx").toString();
		Cli evaluate = Cli.run("evaluate", model, "--data", inputs.toString(), "--labels", labels.toString());
		Cli quantize = Cli.run("quantize", model, "--scheme", "fiq-int8", "--data", inputs.toString(), "-o", dir.resolve("q.onnx").toString());
		for (Cli cli : new Cli[] { evaluate, quantize }) {
			assertEquals(2, cli.exitCode(), cli.err());
			assertTrue(cli.err().contains(inputs + ": sample 3 holds NaN (value 124 of its 784)"), cli.err());
			assertFalse(cli.err().contains("[NaN, NaN]"), cli.err());
		}
	}

	/** The SDK's configuration as its own output: refused before anything is written (the output rule of every command). */
	@Test
	void importConfigOntoItsOwnInputIsRefused() throws IOException {
		Path config = Files.copy(TestData.example("configuration.json"), dir.resolve("configuration.json"));
		byte[] before = Files.readAllBytes(config);
		Cli cli = Cli.run("import-config", config.toString(), "-o", config.toString());
		assertEquals(2, cli.exitCode(), cli.err());
		assertFalse(cli.err().contains("NullPointerException"), cli.err());
		assertTrue(java.util.Arrays.equals(before, Files.readAllBytes(config)));
	}

	/**
	 * A full disk came out as an internal error whose trace said "No space left on device" twice (the report's writer threw
	 * an UncheckedIOException), and an I/O exception without a message as "(null)": what went wrong is said once, in
	 * words, with what to do, and never as "null".
	 */
	@Test
	void aFullDiskIsSaidOnceWithWhatToDo() {
		java.nio.file.FileSystemException full = new java.nio.file.FileSystemException("/out/.partial/model.onnx.tmp", null, "No space left on device");
		assertEquals("no space left on the device", org.quantrace.engine.IoErrors.describe(full), "the caller names the file already");
		assertEquals("free space on that disk, or write somewhere else", org.quantrace.engine.IoErrors.hint(full, "check the folder"));
		assertEquals("no space left on the device", org.quantrace.engine.IoErrors.describe(new IOException("No space left on device")));
		assertEquals("the file ends early", org.quantrace.engine.IoErrors.describe(new java.io.EOFException()));
		assertEquals("check the folder", org.quantrace.engine.IoErrors.hint(new java.io.EOFException(), "check the folder"));
		String unknown = org.quantrace.engine.IoErrors.describe(new IOException((String) null));
		assertFalse(unknown.contains("null"), unknown);
	}
}
