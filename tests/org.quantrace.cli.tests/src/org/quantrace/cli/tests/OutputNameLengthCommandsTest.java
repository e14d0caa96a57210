package org.quantrace.cli.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.quantrace.testing.TestData;

/**
 * An output name longer than a file system takes once quantrace's hidden sibling is added: {@code quantize -o} a name of 240 bytes
 * quantized the model, then stopped with exit 3 "cannot write the model (File name too long)" and the hint "check the folder exists
 * and is writable"; {@code run -o} a folder of 240 alike at its lock (hostile15). Refused before any work, exit 2, with the length
 * to keep to; the longest name that fits is written.
 */
class OutputNameLengthCommandsTest {

	private final Path dir = TestData.tempDir("output-name-length");
	private final Path model = TestData.data("wild/hostile12/iris_mlp.onnx");

	@Test
	void aModelNameTooLongWithItsTemporarySiblingIsRefusedBeforeAnyWork() {
		Path tooLong = dir.resolve("m".repeat(232) + ".onnx"); // 237 bytes: .NAME.RANDOM.tmp would be 256
		Cli cli = Cli.run("quantize", model.toString(), "--scheme", "drq", "-o", tooLong.toString());
		assertEquals(2, cli.exitCode(), cli.err());
		assertEquals("quantrace: error: " + tooLong + ": its name is 237 bytes long, and quantrace writes it first as .NAME.RANDOM.tmp beside it (256 bytes),"
				+ " beyond the 255 a file or folder name holds (Linux and macOS file systems)\nquantrace: hint: give a name of at most 236 bytes (an accented"
				+ " letter takes 2, most other scripts 3)\n", cli.err());
		Path longest = dir.resolve("m".repeat(231) + ".onnx");
		Cli fits = Cli.run("quantize", model.toString(), "--scheme", "drq", "-o", longest.toString());
		assertEquals(0, fits.exitCode(), fits.err());
		assertTrue(Files.isRegularFile(longest));
	}

	@Test
	void aRunFolderNameTooLongForItsPartialSiblingIsRefusedBeforeAnyWork() throws IOException {
		Files.copy(model, dir.resolve("iris_mlp.onnx"));
		Path recipe = Files.writeString(dir.resolve("iris.qr"), "recipe iris {\n\tresponsible \"me\"\n\tmodel mlp \"iris_mlp.onnx\"\n\tschemes drq\n}\n");
		Path tooLong = dir.resolve("é".repeat(120)); // 240 bytes: .NAME.partial-PID would be up to 257
		Cli cli = Cli.run("run", recipe.toString(), "-o", tooLong.toString());
		assertEquals(2, cli.exitCode(), cli.err());
		assertTrue(cli.err().contains(": its name is 240 bytes long, and quantrace writes it first as .NAME.partial-PID beside it (257 bytes)"), cli.err());
		try (var left = Files.list(dir)) {
			assertEquals(2, left.count(), "nothing beside the recipe and its model: no lock, no partial folder");
		}
	}
}
