package org.quantrace.runner.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Random;

import org.junit.jupiter.api.Test;
import org.quantrace.runner.RecipeRunner;
import org.quantrace.testing.TestData;
import org.quantrace.testing.TestModels;

/**
 * A dataset a run reads in several steps is opened once: the checks before the run, the conversion check's first 64 samples and
 * the record of the dataset as declared are cuts of one reading. Before, each opened the file again (a capped step twice: capped,
 * then whole for the record), so a 15 MB CSV was parsed three times (peak memory 632 MB against 355 MB once, measured with the
 * CLI). Counted in the bytes this process reads (Linux's /proc/self/io rchar) during the run: the table's size once for the
 * parse and once for the manifest's hash, four times before.
 */
class DatasetReadOnceTest {

	private static final String RECIPE = """
			recipe once "A table read once" {
				responsible "test"
				model relu "relu.onnx" id RELU version 1
				dataset table "TABLE" role calibration label-columns "label"
				convert { eliminate dropout }
				schemes unquantized
			}
			""";

	@Test
	void aTableTheConversionCheckCapsIsParsedOnce() throws IOException {
		Path io = Path.of("/proc/self/io");
		assumeTrue(Files.isReadable(io), "needs Linux's /proc/self/io");
		Path work = TestData.tempDir("read-once");
		TestModels.relu4(work.resolve("relu.onnx"));
		table(work.resolve("small.csv"), 100);
		Path big = table(work.resolve("big.csv"), 300_000);
		// once, so that the classes, fonts and templates a run reads are read before the run measured
		RecipeRunner.Outcome warm = Runs.run(Runs.recipe(work, "small.qr", RECIPE.replace("TABLE", "small.csv")), work.resolve("out-small"));
		assertEquals(0, warm.exitCode(), warm.diagnostics().toString());
		Path recipe = Runs.recipe(work, "big.qr", RECIPE.replace("TABLE", "big.csv"));
		long before = readBytes(io);
		RecipeRunner.Outcome o = Runs.run(recipe, work.resolve("out-big"));
		long read = readBytes(io) - before;
		assertEquals(0, o.exitCode(), o.diagnostics().toString());
		long size = Files.size(big);
		// once parsed and once hashed for the dataset's manifest (2.0 times its size, measured); three parses and the hash before
		assertTrue(read < 2.5 * size, "the run read " + read + " bytes, the table is " + size + ": " + String.format(Locale.ROOT, "%.1f", read / (double) size)
				+ " times its size");
	}

	private static Path table(Path file, int rows) throws IOException {
		Random random = new Random(1);
		try (BufferedWriter w = Files.newBufferedWriter(file)) {
			w.write("a,b,c,d,label\n");
			for (int i = 0; i < rows; i++) {
				w.write(String.format(Locale.ROOT, "%.6f,%.6f,%.6f,%.6f,%d%n", random.nextDouble(), random.nextDouble(), random.nextDouble(),
						random.nextDouble(), i % 4));
			}
		}
		return file;
	}

	/** rchar: the bytes this process has read through read(2) and its kin, page cache included. */
	private static long readBytes(Path io) throws IOException {
		return Files.readAllLines(io).stream().filter(l -> l.startsWith("rchar:")).mapToLong(l -> Long.parseLong(l.substring(6).strip())).findFirst()
				.orElseThrow();
	}
}
