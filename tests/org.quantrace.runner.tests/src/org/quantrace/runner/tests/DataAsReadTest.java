package org.quantrace.runner.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.quantrace.engine.InvalidInputException;
import org.quantrace.engine.Progress;
import org.quantrace.engine.SafeFiles;
import org.quantrace.runner.RecipeRunner;
import org.quantrace.runner.Shard;

/**
 * Dataset files are recorded as the run's readers read them (hostile19's leftovers): a label file was hashed by a reading of its own
 * before the dataset opened and another after, so one replaced and put back between them went unseen while the labels read were the
 * replacement's; a sample file was hashed for the manifest only when the trace was written, so an image replaced during the
 * evaluation and put back before the trace was recorded as the file put back, beside figures of the replacement.
 */
class DataAsReadTest {

	/**
	 * labels.json with two classes swapped as the evaluation dataset opens, put back as soon as it has opened: the labels read are the
	 * swapped ones. Before, the hashes before and after the opening were both the original's, the run went on (exit 0) and its
	 * trace named the original labels beside an accuracy of the swapped ones. Now the file is hashed from the bytes the reader
	 * parsed: those of the swapped file, which is not the file at the end, so the run is refused and writes nothing.
	 */
	@Test
	void aLabelFileReplacedAndPutBackWhileTheDatasetOpensRefusesTheRun() throws IOException {
		Path ex = Runs.exampleCopy("labels-within").toAbsolutePath();
		Path out = ex.getParent().resolve("out");
		Path recipe = Runs.recipe(ex, "two.qr", """
				recipe two {
					model cnn "model/fashion_cnn_trained.onnx"
					dataset calib "data/calibration" role calibration format folder labels "data/calibration-labels.json" samples 20
					dataset eval "data/evaluation" role evaluation format folder labels "data/labels.json" samples 20
					preprocess { grayscale scale 1/255 layout NCHW dtype float32 }
					schemes fiq_int8
					evaluate on eval metrics accuracy
				}
				""");
		Path labels = ex.resolve("data/labels.json");
		Files.copy(labels, ex.resolve("data/calibration-labels.json"));
		byte[] original = Files.readAllBytes(labels);
		byte[] swapped = Files.readString(labels).replace("\"bag\": 8", "\"bag\": 9").replace("\"ankle_boot\": 9", "\"ankle_boot\": 8")
				.getBytes(java.nio.charset.StandardCharsets.UTF_8);
		assertNotEquals(SafeFiles.sha256(original), SafeFiles.sha256(swapped));
		int[] openings = { 0 };
		Progress swapping = (name, total, unit) -> {
			if (!name.equals("reading dataset eval")) {
				return Progress.NONE.start(name, total, unit);
			}
			openings[0]++;
			write(labels, swapped);
			return new Progress.Task() {
				@Override
				public void advance(long amount) {
				}

				@Override
				public void close() {
					write(labels, original); // put back once the dataset has opened
				}
			};
		};
		InvalidInputException e = assertThrows(InvalidInputException.class, () -> Runs.run(recipe, out, Shard.ALL, swapping));
		assertEquals(1, openings[0], "the evaluation dataset opened once");
		assertEquals(labels + ": changed while the run used it (sha256 " + SafeFiles.sha256(swapped) + " when read, " + SafeFiles.sha256(original)
				+ " now): the outputs would name a file the run did not use, so none were written", e.getMessage());
		assertEquals(List.of("fashion-mnist"), names(ex.getParent()), "nothing written");
	}

	/**
	 * An evaluation image replaced as the evaluation starts and put back as it ends, one the evaluation reads first
	 * (bag's first image: the opening decodes only the folder's first image, for the sample shape). Its dataset's record is made as the
	 * step opens the data, before it reads the image: the run is refused, naming the image, since the record lists the file put back
	 * and the samples are the replacement's. Before, it was hashed when the trace was written, listed as the file put back beside
	 * metrics of the other image, and verify found nothing (exit 0 both).
	 */
	@Test
	void anImageReplacedDuringTheEvaluationAndPutBackRefusesTheRun() throws IOException {
		Path ex = Runs.exampleCopy("image-during").toAbsolutePath();
		Path out = ex.getParent().resolve("out");
		Path image = first(ex.resolve("data/evaluation/bag"));
		byte[] original = Files.readAllBytes(image);
		byte[] replacement = Files.readAllBytes(first(ex.resolve("data/evaluation/coat")));
		Path recipe = Runs.fiqInt8Recipe(ex, "int8.qr", "int8", "model/fashion_cnn_trained.onnx");
		InvalidInputException e = assertThrows(InvalidInputException.class, () -> Runs.run(recipe, out, Shard.ALL, swapping(image, original, replacement)));
		assertEquals(SafeFiles.sha256(original), SafeFiles.sha256(image), "put back");
		assertEquals(image + ": changed while the run used it (sha256 " + SafeFiles.sha256(original) + " when its dataset was recorded, sha256 "
				+ SafeFiles.sha256(replacement) + " as the run read it afterwards): the outputs would name a file the run did not use, so none were written",
				e.getMessage());
		assertEquals(List.of("fashion-mnist"), names(ex.getParent()), "nothing written");
	}

	/**
	 * The folder's first image, decoded as the dataset opened (before any work), replaced as the evaluation starts: read again from
	 * other bytes, it is refused (exit 2, naming the file) rather than evaluated as another image under one record.
	 */
	@Test
	void anImageReadBeforeAndReplacedDuringTheEvaluationRefusesTheRun() throws IOException {
		Path ex = Runs.exampleCopy("image-again").toAbsolutePath();
		Path out = ex.getParent().resolve("out");
		Path image = first(ex.resolve("data/evaluation/ankle_boot"));
		byte[] original = Files.readAllBytes(image);
		byte[] replacement = Files.readAllBytes(first(ex.resolve("data/evaluation/coat")));
		RecipeRunner.Outcome o = Runs.run(Runs.fiqInt8Recipe(ex, "int8.qr", "int8", "model/fashion_cnn_trained.onnx"), out, Shard.ALL,
				swapping(image, original, replacement));
		assertEquals(2, o.exitCode());
		assertTrue(o.diagnostics().toString().contains(image + ": changed while it was read (sha256 " + SafeFiles.sha256(original) + " when first read, "
				+ SafeFiles.sha256(replacement) + " when read again)"), o.diagnostics().toString());
		assertEquals(List.of("fashion-mnist"), names(ex.getParent()), "nothing written");
	}

	private static Path first(Path folder) throws IOException {
		try (Stream<Path> s = Files.list(folder)) {
			return s.sorted().findFirst().orElseThrow();
		}
	}

	/** Writes {@code replacement} over {@code image} as the evaluation starts, {@code original} back as it ends. */
	private static Progress swapping(Path image, byte[] original, byte[] replacement) {
		assertNotEquals(SafeFiles.sha256(original), SafeFiles.sha256(replacement));
		return (name, total, unit) -> {
			if (!name.startsWith("evaluating")) {
				return Progress.NONE.start(name, total, unit);
			}
			write(image, replacement);
			return new Progress.Task() {
				@Override
				public void advance(long amount) {
				}

				@Override
				public void close() {
					write(image, original);
				}
			};
		};
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
}
