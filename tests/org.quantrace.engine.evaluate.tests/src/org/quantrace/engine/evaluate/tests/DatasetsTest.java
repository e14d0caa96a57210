package org.quantrace.engine.evaluate.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

import org.junit.jupiter.api.Test;
import org.quantrace.engine.InvalidInputException;
import org.quantrace.engine.Progress;
import org.quantrace.engine.data.Dataset;
import org.quantrace.engine.data.DatasetManifest;
import org.quantrace.engine.data.DatasetSpec;
import org.quantrace.engine.data.Datasets;
import org.quantrace.engine.data.NpyArray;
import org.quantrace.engine.data.Preprocessing;
import org.quantrace.engine.evaluate.EvaluationOptions;
import org.quantrace.engine.evaluate.Evaluator;
import org.quantrace.engine.evaluate.Metrics;
import org.quantrace.engine.evaluate.Variant;
import org.quantrace.engine.onnx.OnnxModel;
import org.quantrace.engine.runtime.NdArray;
import org.quantrace.model.recipe.ColorMode;
import org.quantrace.model.recipe.ElementType;
import org.quantrace.model.recipe.Interpolation;
import org.quantrace.model.recipe.Layout;
import org.quantrace.testing.TestData;

/** Every dataset format gives the same samples to the same model, and bad data is refused clearly. */
class DatasetsTest {

	private static final OnnxModel EXAMPLE = OnnxModel.load(TestData.example("model/fashion_cnn.onnx"));
	private final Path dir = TestData.tempDir("datasets");

	private static double accuracy(OnnxModel model, Dataset data) {
		return Evaluator.evaluate(List.of(Variant.of("m", model)), data, EvaluationOptions.defaults(), Progress.NONE).variant("m").metrics()
				.get(Metrics.ACCURACY);
	}

	@Test
	void pngAndJpegFoldersGiveTheRecordedAccuracy() {
		Dataset png = Datasets.open(DatasetSpec.of(TestData.example("data/evaluation"), TestData.example("data/labels.json")));
		assertEquals(1000, png.size());
		assertEquals(TestData.json(TestData.example("provenance.json")).get("accuracy_torch_eval").get("data/evaluation (1000 PNG)").asDouble(),
				accuracy(EXAMPLE, png), 1e-9);
		assertEquals("tshirt_top", png.labelNames().get(0));
	}

	@Test
	void npyNpzIdxAndCsvReadTheSameSamples() throws IOException {
		Dataset idx = Models.TEST_SET.limit(500);
		NdArray x = idx.read(0, 500).inputs();
		int[] y = idx.read(0, 500).labels().classes();
		NpyArray.write(dir.resolve("x.npy"), x);
		NpyArray.write(dir.resolve("y.npy"), NdArray.ofInts(new long[] { 500 }, y));
		double expected = accuracy(EXAMPLE, idx);
		assertEquals(expected, accuracy(EXAMPLE, Datasets.open(DatasetSpec.of(dir.resolve("x.npy"), dir.resolve("y.npy")))), 0);
		try (ZipOutputStream zip = new ZipOutputStream(Files.newOutputStream(dir.resolve("data.npz")))) {
			for (String name : List.of("x", "y")) {
				zip.putNextEntry(new ZipEntry(name + ".npy"));
				zip.write(Files.readAllBytes(dir.resolve(name + ".npy")));
				zip.closeEntry();
			}
		}
		assertEquals(expected, accuracy(EXAMPLE, Datasets.open(DatasetSpec.of(dir.resolve("data.npz"), null))), 0);
	}

	@Test
	void csvTableWithoutHeaderFeedsTheDigitsMlp() throws IOException {
		// scikit-learn's digits: the MLP was trained on the first 1400 rows of the permutation, tested on the other 397
		List<String> rows;
		try (var in = new GZIPInputStream(Files.newInputStream(TestData.data("models/digits.csv.gz")))) {
			rows = new String(in.readAllBytes()).lines().toList();
		}
		long[] perm = (long[]) NpyArray.open(TestData.data("models/sklearn_digits_perm.npy")).read().data();
		try (OutputStream out = Files.newOutputStream(dir.resolve("heldout.csv"))) {
			for (int i = 1400; i < perm.length; i++) {
				out.write((rows.get((int) perm[i]) + "\n").getBytes());
			}
		}
		Preprocessing sixteenths = new Preprocessing(ColorMode.GRAYSCALE, 0, 0, Interpolation.BILINEAR, 0, 0, 1 / 16.0, new double[0], new double[0],
				Layout.NCHW, ElementType.FLOAT32);
		Dataset csv = Datasets.open(DatasetSpec.of(dir.resolve("heldout.csv"), null).withPreprocessing(sixteenths));
		assertEquals(397, csv.size());
		assertEquals(0.9622, accuracy(OnnxModel.load(TestData.data("models/sklearn_digits_mlp.onnx")), csv), 5e-4);
	}

	@Test
	void manifestHashChangesWhenAFileChanges() throws IOException {
		Path copy = dir.resolve("folder");
		for (String c : List.of("bag", "coat")) {
			Files.createDirectories(copy.resolve(c));
			try (var files = Files.list(TestData.example("data/evaluation/" + c))) {
				for (Path f : files.sorted().limit(3).toList()) {
					Files.copy(f, copy.resolve(c).resolve(f.getFileName()));
				}
			}
		}
		Dataset d = Datasets.open(DatasetSpec.of(copy, TestData.example("data/labels.json")));
		DatasetManifest before = DatasetManifest.of(d);
		assertEquals(6, before.entries().size());
		assertTrue(before.text().startsWith(before.entries().get(0).sha256() + "  "));
		assertEquals(before, DatasetManifest.of(d), "stable");
		Path one = copy.resolve("bag").resolve(before.entries().get(0).path().substring(4));
		byte[] bytes = Files.readAllBytes(one);
		bytes[bytes.length - 1] ^= 1;
		Files.write(one, bytes);
		// the dataset opened before lists the image as it decoded it (its first image, read for the sample shape); opened again, the
		// changed file
		assertEquals(before, DatasetManifest.of(d), "as read");
		assertNotEquals(before.sha256(), DatasetManifest.of(Datasets.open(DatasetSpec.of(copy, TestData.example("data/labels.json")))).sha256());
	}

	// ------------------------------------------------------------------ bad input

	private static InvalidInputException refused(DatasetSpec spec, String expected) {
		InvalidInputException e = assertThrows(InvalidInputException.class, () -> {
			Dataset d = Datasets.open(spec);
			Evaluator.evaluate(List.of(Variant.of("m", EXAMPLE)), d, EvaluationOptions.defaults(), Progress.NONE);
		});
		assertTrue(e.getMessage().contains(expected), e.getMessage());
		return e;
	}

	@Test
	void emptyFolder() throws IOException {
		Files.createDirectories(dir.resolve("empty/bag"));
		refused(DatasetSpec.of(dir.resolve("empty"), TestData.example("data/labels.json")), dir.resolve("empty") + ": no images");
	}

	@Test
	void classFolderTheLabelFileDoesNotName() throws IOException {
		Path d = Files.createDirectories(dir.resolve("unknown/handbag"));
		Files.copy(TestData.example("data/evaluation/bag/00018.png"), d.resolve("1.png"));
		refused(DatasetSpec.of(dir.resolve("unknown"), TestData.example("data/labels.json")), "class folder 'handbag' is not in the label file");
	}

	@Test
	void labelFileMissingAClass() throws IOException {
		Path labels = Files.writeString(dir.resolve("labels.json"), "{\"bag\": 8, \"coat\": 4}");
		refused(DatasetSpec.of(TestData.example("data/evaluation"), labels), "class folder 'ankle_boot' is not in the label file");
	}

	@Test
	void imageThatDoesNotDecode() throws IOException {
		Path d = Files.createDirectories(dir.resolve("broken/bag"));
		Files.copy(TestData.example("data/evaluation/bag/00018.png"), d.resolve("a.png"));
		Files.write(d.resolve("b.png"), new byte[] { (byte) 0x89, 'P', 'N', 'G', 0, 0 });
		InvalidInputException e = refused(DatasetSpec.of(dir.resolve("broken"), TestData.example("data/labels.json")), "does not decode as an image");
		assertTrue(e.getMessage().startsWith(d.resolve("b.png").toString()), e.getMessage());
	}

	@Test
	void wrongInputShapeForTheModel() {
		Preprocessing big = new Preprocessing(ColorMode.GRAYSCALE, 32, 32, Interpolation.BILINEAR, 0, 0, 1 / 255.0, new double[0], new double[0],
				Layout.NCHW, ElementType.FLOAT32);
		refused(DatasetSpec.of(TestData.example("data/evaluation"), TestData.example("data/labels.json")).withPreprocessing(big),
				"samples of shape [1, 32, 32] do not fit input 'input'");
	}

	@Test
	void symbolicLinksAreRefused() throws IOException {
		Path d = Files.createDirectories(dir.resolve("linked/bag"));
		Files.createSymbolicLink(d.resolve("x.png"), TestData.example("data/evaluation/bag/00018.png").toAbsolutePath());
		refused(DatasetSpec.of(dir.resolve("linked"), TestData.example("data/labels.json")), "is a symbolic link");
		Files.createSymbolicLink(dir.resolve("alias"), TestData.example("data/evaluation").toAbsolutePath());
		refused(DatasetSpec.of(dir.resolve("alias"), TestData.example("data/labels.json")), "is a symbolic link");
	}

	/**
	 * An image named with a line break ("ev\nil.png") was read, and the run's manifest (one "sha256  bytes  path" per line)
	 * listed it on two lines: the untouched run failed its own verify with 3 mismatches ("the dataset would read it now, the
	 * run did not"), and a name could add a line of its own choosing to the manifest (hostile3). Refused, naming the file.
	 */
	@Test
	void aFileNameWithALineBreakIsRefused() throws IOException {
		Path d = Files.createDirectories(dir.resolve("linebreak/bag"));
		Files.copy(TestData.example("data/evaluation/bag/00018.png"), d.resolve("00018.png"));
		Files.copy(TestData.example("data/evaluation/bag/00018.png"), d.resolve("ev\nil.png"));
		InvalidInputException e = refused(DatasetSpec.of(dir.resolve("linebreak"), TestData.example("data/labels.json")),
				d.resolve("ev\\nil.png") + ": its name holds a line break, tab or other control character, which the run's dataset manifest (one file per line) cannot list");
		assertTrue(e.hint().contains("rename it"), e.hint());
	}

	@Test
	void extensionFilterAndJpegFolder() {
		// the example ships PNGs only: a jpg filter finds nothing, and says so rather than evaluating zero samples
		DatasetSpec jpegOnly = DatasetSpec.of(TestData.example("data/evaluation"), TestData.example("data/labels.json")).withExtensions(Set.of(".JPG"));
		InvalidInputException e = assertThrows(InvalidInputException.class, () -> Datasets.open(jpegOnly));
		assertTrue(e.getMessage().contains("no images (jpg)"), e.getMessage());
		assertEquals(1000, Datasets.open(jpegOnly.withExtensions(Set.of("png", "jpg"))).size());
	}
}
