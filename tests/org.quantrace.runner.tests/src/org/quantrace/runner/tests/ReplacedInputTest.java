package org.quantrace.runner.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.quantrace.engine.InvalidInputException;
import org.quantrace.engine.Progress;
import org.quantrace.engine.SafeFiles;
import org.quantrace.runner.Shard;
import org.quantrace.testing.TestData;

/**
 * A model file replaced while a run uses it (hostile18: the frozen CLI exited 0, "Accepted", its trace naming the replacement's
 * hash as the input beside figures of the model it had read, and verify found 7 mismatches in the folder it had just written), or a
 * label file edited while it is used.
 */
class ReplacedInputTest {

	@Test
	void aModelReplacedDuringCalibrationRefusesTheRunAndKeepsTheEarlierOutput() throws IOException {
		assertReplacingRefusesTheRun("model/fashion_cnn_trained.onnx", "model/fashion_cnn_trained.onnx", "model/fashion_cnn.onnx",
				"calibrating");
	}

	/**
	 * The weights of a model stored as external data, replaced while the converted model is checked against them: the run hashed
	 * them only after its conversion steps (hostile18's leftover), so the replacement's hash was recorded beside figures of the
	 * weights it had read.
	 */
	@Test
	void anExternalDataFileReplacedDuringTheConversionRefusesTheRun() throws IOException {
		assertReplacingRefusesTheRun("model/external.onnx", "model/external.weights", "model/flipped.weights",
				"checking the converted model");
	}

	/**
	 * labels.json with two classes swapped as the evaluation went: the frozen CLI printed accuracy 0.9150 of the labels it had read,
	 * recorded the swapped file's hash, and verify found 0 mismatches (the metrics are re-derived only by verify --deep).
	 */
	@Test
	void labelsEditedDuringTheEvaluationRefuseTheRun() throws IOException {
		assertReplacingRefusesTheRun("model/fashion_cnn_trained.onnx", "data/labels.json", "swapped.json", "evaluating");
	}

	/**
	 * One model file read by two models of a run, replaced after the first model's work and put back once the second had read it
	 * (A, B, A): the run hashed the file at its first reading only and read it again for the second model, so its trace recorded A
	 * beside model b's figures of B, and the check at the end found A as recorded (hostile19). The hash is now of the bytes each
	 * reading parsed, and a second reading of other bytes refuses the run.
	 */
	@Test
	void aModelFileReplacedBetweenTwoReadingsAndPutBackRefusesTheRun() throws IOException {
		Path ex = Runs.exampleCopy("replaced-back").toAbsolutePath();
		Path out = ex.getParent().resolve("out");
		Path recipe = Runs.recipe(ex, "two.qr", """
				recipe two {
					model a "model/fashion_cnn_trained.onnx"
					model b "model/fashion_cnn_trained.onnx"
					dataset calib "data/calibration" role calibration format folder labels "data/labels.json" samples 20
					dataset eval "data/evaluation" role evaluation format folder labels "data/labels.json" samples 20
					preprocess { grayscale scale 1/255 layout NCHW dtype float32 }
					convert { eliminate dropout, batch-normalization }
					schemes fiq_int8
					evaluate on eval metrics accuracy
				}
				""");
		Path file = ex.resolve("model/fashion_cnn_trained.onnx");
		byte[] a = Files.readAllBytes(file);
		byte[] b = Files.readAllBytes(ex.resolve("model/fashion_cnn.onnx"));
		int[] evaluations = { 0 };
		int[] calibrations = { 0 };
		Progress swapping = (name, total, unit) -> {
			if (name.startsWith("evaluating") && evaluations[0]++ == 0) { // model a's evaluation: its reading is done
				write(file, b);
			}
			if (name.startsWith("calibrating") && ++calibrations[0] == 2) { // model b's calibration: it has read the file
				write(file, a);
			}
			return Progress.NONE.start(name, total, unit);
		};
		InvalidInputException e = assertThrows(InvalidInputException.class, () -> Runs.run(recipe, out, Shard.ALL, swapping));
		// refused as model b read the file, before its calibration (without the check it ran on, the file was put back, exit 0)
		assertEquals(1, calibrations[0], "refused at model b's reading");
		assertEquals(file + ": changed while the run used it (sha256 " + SafeFiles.sha256(a) + " when read, " + SafeFiles.sha256(b)
				+ " when read again): the outputs would name a file the run did not use, so none were written", e.getMessage());
		assertEquals(List.of("fashion-mnist"), names(ex.getParent()), "nothing written");
	}

	private static List<String> names(Path folder) throws IOException {
		try (Stream<Path> s = Files.list(folder)) {
			return s.map(p -> p.getFileName().toString()).sorted().toList();
		}
	}

	private static void write(Path file, byte[] bytes) {
		try {
			Files.write(file, bytes);
		} catch (IOException e) {
			throw new UncheckedIOException(e);
		}
	}

	/**
	 * Runs the example's fiq_int8 recipe of {@code model} twice into one folder, the second time copying {@code with} over
	 * {@code input} at {@code step}.
	 */
	private static void assertReplacingRefusesTheRun(String model, String input, String with, String step) throws IOException {
		Path ex = Runs.exampleCopy("replaced").toAbsolutePath();
		Path out = ex.getParent().resolve("out");
		Runs.externalize(ex.resolve("model/fashion_cnn_trained.onnx"), ex.resolve("model/external.onnx"), "external.weights");
		byte[] weights = Files.readAllBytes(ex.resolve("model/external.weights"));
		weights[weights.length / 2] ^= 0x10; // one weight's bits
		Files.write(ex.resolve("model/flipped.weights"), weights);
		Path recipe = Runs.fiqInt8Recipe(ex, "int8.qr", "int8", model);
		assertEquals(0, Runs.run(recipe, out).exitCode());
		Map<String, String> before = TestData.hashes(out);
		Path file = ex.resolve(input);
		String read = SafeFiles.sha256(file);
		Files.writeString(ex.resolve("swapped.json"), Files.readString(ex.resolve("data/labels.json")).replace("\"bag\": 8", "\"bag\": 9")
				.replace("\"ankle_boot\": 9", "\"ankle_boot\": 8"));
		Progress replacing = (name, total, unit) -> {
			if (name.startsWith(step)) {
				replace(ex.resolve(with), file);
			}
			return Progress.NONE.start(name, total, unit);
		};
		InvalidInputException e = assertThrows(InvalidInputException.class, () -> Runs.run(recipe, out, Shard.ALL, replacing));
		assertNotEquals(read, SafeFiles.sha256(file), "replaced");
		assertEquals(file + ": changed while the run used it (sha256 " + read + " when read, " + SafeFiles.sha256(file)
				+ " now): the outputs would name a file the run did not use, so none were written", e.getMessage());
		assertEquals(before, TestData.hashes(out), "the earlier outputs stay");
		try (Stream<Path> s = Files.list(ex.getParent())) {
			assertEquals(List.of("fashion-mnist", "out"), s.map(p -> p.getFileName().toString()).sorted().toList(), "nothing half-written beside");
		}
	}

	private static void replace(Path with, Path model) {
		try {
			Files.copy(with, model, StandardCopyOption.REPLACE_EXISTING);
		} catch (IOException e) {
			throw new UncheckedIOException(e);
		}
	}
}
