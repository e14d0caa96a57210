package org.quantrace.engine.evaluate.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.quantrace.engine.InvalidInputException;
import org.quantrace.engine.data.Dataset;
import org.quantrace.engine.data.Datasets;
import org.quantrace.engine.data.NpyArray;
import org.quantrace.engine.runtime.NdArray;
import org.quantrace.testing.TestData;
import org.quantrace.testing.Zoo;

/**
 * Label files a careless user gives (hostile11's findings): each refusal names the file and what it holds, in the user's
 * words, not a reader's ("no \x93NUMPY header" of an empty file, "-1.0" of an int64 label -1, "format version 91" of a JSON file).
 */
class LabelFileMistakesTest {

	private final Path dir = TestData.tempDir("label-file-mistakes");

	/** The first eight Fashion-MNIST test images as an .npy, as a user saves preprocessed inputs. */
	private Path images() throws IOException {
		Path x = dir.resolve("x.npy");
		NpyArray.write(x, Datasets.open(Zoo.testImages(), Zoo.testLabels()).read(0, 8).inputs());
		return x;
	}

	private static String refused(Path data, Path labels) {
		return assertThrows(InvalidInputException.class, () -> {
			Dataset d = Datasets.open(data, labels);
			d.read(0, d.size());
		}).getMessage();
	}

	@Test
	void anIntegerLabelIsNamedAsSavedWithTheRangeOfClassIndices() throws IOException {
		Path y = dir.resolve("y.npy");
		NpyArray.write(y, NdArray.ofLongs(new long[] { 8 }, new long[] { 9, 2, -1, 1, 1, 6, 1, 4 }));
		String message = refused(images(), y);
		assertTrue(message.startsWith(y + ": label -1 at row 2 is not a class index: a class index is a whole number from 0"), message);
		assertFalse(message.contains("-1.0"), message);
	}

	@Test
	void anEmptyNpyIsSaidToBeEmpty() throws IOException {
		Path empty = Files.write(dir.resolve("empty.npy"), new byte[0]);
		assertEquals(empty + ": the file is empty (0 bytes)", refused(empty, null));
		assertEquals(empty + ": the file is empty (0 bytes)", refused(images(), empty));
	}

	/** A JSON label map given for .npy data was parsed as an .npy header: the magic was compared with itself. */
	@Test
	void aJsonFileIsNoNpyFile() throws IOException {
		Path map = Files.writeString(dir.resolve("labels.json"), "{\"ankle_boot\": [9]}");
		String message = refused(images(), map);
		assertTrue(message.startsWith(map + ": not a NumPy .npy file (no \\x93NUMPY header; it starts like a JSON file)"), message);
		InvalidInputException e = assertThrows(InvalidInputException.class, () -> Datasets.open(images(), map));
		assertTrue(e.hint().contains("the labels of .npy data are an .npy of class indices"), e.hint());
		Path png = Files.write(dir.resolve("png.npy"), Files.readAllBytes(Files.list(TestData.example("data/evaluation/bag")).sorted().findFirst().orElseThrow()));
		assertTrue(refused(png, null).startsWith(png + ": not a NumPy .npy file (no \\x93NUMPY header)"), refused(png, null));
	}

	@Test
	void aLabelMapThatIsNoMapSaysWhatItHolds() throws IOException {
		Path images = TestData.example("data/evaluation");
		Path empty = Files.writeString(dir.resolve("empty.json"), "");
		assertTrue(refused(images, empty).startsWith(empty + ": the file is empty, not a JSON object of class name -> index"), refused(images, empty));
		Path list = Files.writeString(dir.resolve("list.json"), "[9, 2, 1]");
		assertTrue(refused(images, list).startsWith(list + ": it holds a JSON array (3 elements), not a JSON object"), refused(images, list));
		Path none = Files.writeString(dir.resolve("none.json"), "{}");
		assertTrue(refused(images, none).startsWith(none + ": it holds an empty JSON object {}"), refused(images, none));
	}
}
