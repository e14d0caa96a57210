package org.quantrace.cli.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.quantrace.testing.TestData;

/**
 * Labels that silently do not match the model (issue 16, item 13): class folders without a label map, and a label
 * index far beyond the model's outputs, which cost 88 s and 6.4 GB (or ended in an OutOfMemoryError) before its error.
 */
class LabelsTest {

	private static final String MODEL = TestData.example("model/fashion_cnn.onnx").toString();
	private static final Path IMAGES = TestData.example("data/evaluation");
	private static final Path LABELS = TestData.example("data/labels.json");

	@Test
	void classFoldersWithoutALabelMapAreRefusedNotGuessed() {
		Cli guessed = Cli.run("evaluate", MODEL, "--data", IMAGES.toString());
		assertEquals(2, guessed.exitCode(), guessed.out());
		assertTrue(guessed.err().contains("class folders without a label map"), guessed.err());
		assertTrue(guessed.err().contains("{\"ankle_boot\": 0, \"bag\": 1, \"coat\": 2, ...}"), "the map that sorted order would be: " + guessed.err());
		assertTrue(guessed.out().isEmpty(), "no accuracy printed: " + guessed.out());
		// a calibration does not read labels: quantizing on the same folders needs no map
		Cli quantize = Cli.run("quantize", MODEL, "--scheme", "fiq-int8", "--data", IMAGES.toString(), "--samples", "64", "-o",
				TestData.tempDir("labels").resolve("q.onnx").toString());
		assertEquals(0, quantize.exitCode(), quantize.err());
	}

	@Test
	void foldersNamedByTheirIndexNeedNoMap() throws IOException {
		Path numbered = TestData.tempDir("numbered");
		Map<String, Integer> map = TestData.labelMap(LABELS);
		try (Stream<Path> classes = Files.list(IMAGES)) {
			for (Path c : classes.toList()) {
				TestData.copy(c, numbered.resolve(Integer.toString(map.get(c.getFileName().toString()))));
			}
		}
		Cli byIndex = Cli.run("evaluate", MODEL, "--data", numbered.toString());
		Cli byMap = Cli.run("evaluate", MODEL, "--data", IMAGES.toString(), "--labels", LABELS.toString());
		assertEquals(0, byIndex.exitCode(), byIndex.err());
		assertEquals(accuracy(byMap), accuracy(byIndex), "the same accuracy as with the map:\n" + byIndex.out());
		assertEquals("0.9", accuracy(byMap).substring(0, 3), byMap.out());
	}

	private static String accuracy(Cli evaluate) {
		return evaluate.out().lines().filter(l -> l.startsWith("fashion_cnn ")).findFirst().orElseThrow().trim().split("\\s+")[1];
	}

	@Test
	void aLabelIndexBeyondTheModelsOutputsIsRefusedAtOnce() throws IOException {
		Path dir = TestData.tempDir("huge-label");
		for (long index : new long[] { 100_000_000L, 2_000_000_000L }) {
			Path labels = Files.writeString(dir.resolve("labels-" + index + ".json"), Files.readString(LABELS).replace("\"bag\": 8", "\"bag\": " + index));
			long start = System.nanoTime();
			Cli cli = Cli.run("evaluate", MODEL, "--data", IMAGES.toString(), "--labels", labels.toString());
			double seconds = (System.nanoTime() - start) / 1e9;
			assertEquals(2, cli.exitCode(), cli.err());
			assertTrue(cli.err().contains("the labels give 'bag' the index " + index + ", but fashion_cnn has 10 outputs (classes 0 to 9)"), cli.err());
			assertFalse(cli.err().contains("internal error"), cli.err());
			assertTrue(seconds < 10, "refused before any work: " + seconds + " s");
		}
	}
}
