package org.quantrace.engine.evaluate.tests;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.awt.image.IndexColorModel;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import javax.imageio.ImageIO;

import org.junit.jupiter.api.Test;
import org.quantrace.engine.InvalidInputException;
import org.quantrace.engine.data.DataWarning;
import org.quantrace.engine.data.Dataset;
import org.quantrace.engine.data.DatasetManifest;
import org.quantrace.engine.data.DatasetSpec;
import org.quantrace.engine.data.Datasets;
import org.quantrace.engine.data.Labels;
import org.quantrace.engine.data.Preprocessing;
import org.quantrace.model.recipe.DatasetFormat;
import org.quantrace.testing.TestData;

/**
 * Data a careless or hostile user brings: what is reasonable is read as meant (or converted as the README says), what is
 * not is refused naming the file and what to do, never read into a silently wrong result.
 */
class HostileDataTest {

	private final Path dir = TestData.tempDir("hostile-data");

	private static InvalidInputException refused(DatasetSpec spec, String expected) {
		InvalidInputException e = assertThrows(InvalidInputException.class, () -> Datasets.open(spec).read(0, 1));
		assertTrue(e.getMessage().contains(expected), e.getMessage());
		return e;
	}

	private Path csv(String name, String text) throws IOException {
		return Files.writeString(dir.resolve(name), text);
	}

	private static float[] inputs(Dataset d) {
		return d.read(0, d.size()).inputs().toFloats();
	}

	// ---- CSV

	@Test
	void csvFeaturesAreReadAsTheyAreUnlessAScaleIsGiven() throws IOException {
		// before: the image default 1/255 divided every feature of a table read without --preprocess
		Path f = csv("plain.csv", "0.5,2,1\n1.5,4,0\n");
		assertArrayEquals(new float[] { 0.5f, 2, 1.5f, 4 }, inputs(Datasets.open(DatasetSpec.of(f, null))));
		Preprocessing halves = Preprocessing.defaults().withScale(0.5);
		assertArrayEquals(new float[] { 0.25f, 1, 0.75f, 2 }, inputs(Datasets.open(DatasetSpec.of(f, null).withPreprocessing(halves))));
	}

	@Test
	void csvNegativeOrFractionalLabelsAreRefused() throws IOException {
		// before: -1 was read as a class and evaluation died with ArrayIndexOutOfBoundsException (exit 70)
		refused(DatasetSpec.of(csv("neg.csv", "a,b,label\n1,2,0\n3,4,-1\n"), null), "neg.csv:3: label -1 in column 'label' is not a class index");
		refused(DatasetSpec.of(csv("frac.csv", "a,b,label\n1,2,0.5\n"), null), "not a class index");
		refused(DatasetSpec.of(csv("flags.csv", "a,b,x,y\n1,2,0,2\n"), null).withLabelColumns(List.of("x", "y")), "flags.csv:2: column 'y' holds 2");
	}

	@Test
	void csvDialects() throws IOException {
		float[] expected = { 1, 2, 3, 4 };
		int[] classes = { 0, 1 };
		for (Path f : List.of(csv("quoted.csv", "\"a\",\"b\",\"label\"\r\n\"1\",\"2\",\"0\"\r\n\"3\",\"4\",\"1\"\r\n"),
				csv("semicolon.csv", "a;b;label\n1;2;0\n3;4;1\n\n"), csv("tabs.tsv.csv", "a\tb\tlabel\n1\t2\t0\n3\t4\t1\n"),
				csv("decimalcomma.csv", "a;b;label\n1,0;2;0\n3;4,0;1\n"), csv("floatlabels.csv", "a,b,label\n1,2,0.0\n3,4,1.0\n \n"),
				csv("bom.csv", "\uFEFF1,2,0\n3,4,1\n"), csv("pandas.csv", "0,1,2\n1,2,0\n3,4,1\n"))) {
			Dataset d = Datasets.open(DatasetSpec.of(f, null));
			assertEquals(2, d.size(), f.toString());
			assertArrayEquals(expected, inputs(d), f.toString());
			assertArrayEquals(classes, d.read(0, 2).labels().classes(), f.toString());
		}
	}

	@Test
	void csvHeaderlessFirstRowWithAMissingValueIsNotTakenForAHeader() throws IOException {
		// before: the row was silently taken as the header, one sample fewer
		refused(DatasetSpec.of(csv("gap.csv", "1,,0\n3,4,1\n"), null), "gap.csv:1: column 'c1' is empty");
		refused(DatasetSpec.of(csv("nan.csv", "1,nan,0\n3,4,1\n"), null), "nan.csv:1: column 'c1' holds 'nan', not a number");
	}

	@Test
	void csvClassNamesGoThroughALabelMap() throws IOException {
		Path f = csv("names.csv", "a,b,kind\n1,2,coat\n3,4,bag\n");
		Path map = Files.writeString(dir.resolve("map.json"), "{\"bag\": 8, \"coat\": 4}");
		assertArrayEquals(new int[] { 4, 8 }, Datasets.open(DatasetSpec.of(f, map)).read(0, 2).labels().classes());
		refused(DatasetSpec.of(f, null), "names.csv:2: label 'coat' in column 'kind' is a name: give a JSON label map");
		refused(DatasetSpec.of(csv("other.csv", "a,b,kind\n1,2,hat\n"), map), "other.csv:2: label 'hat' is not in the label map");
	}

	// ---- images

	private BufferedImage gray(int seed) {
		BufferedImage g = new BufferedImage(5, 4, BufferedImage.TYPE_BYTE_GRAY);
		for (int y = 0; y < 4; y++) {
			for (int x = 0; x < 5; x++) {
				g.getRaster().setSample(x, y, 0, (x * 53 + y * 31 + seed * 17) % 256);
			}
		}
		return g;
	}

	private Path folder(String name, java.util.function.UnaryOperator<BufferedImage> convert) throws IOException {
		Path d = Files.createDirectories(dir.resolve(name + "/bag"));
		for (int i = 0; i < 3; i++) {
			ImageIO.write(convert.apply(gray(i)), "png", d.resolve(i + ".png").toFile());
		}
		return dir.resolve(name);
	}

	@Test
	void sixteenBitPalettedAndOneBitPngsReadAsTheirPixels() throws IOException {
		Path labels = Files.writeString(dir.resolve("labels.json"), "{\"bag\": 0}");
		float[] expected = inputs(Datasets.open(DatasetSpec.of(folder("eight", g -> g), labels)));
		// before: 16-bit values were scaled as if 8-bit (up to 257), palette indices read as grey levels
		assertArrayEquals(expected, inputs(Datasets.open(DatasetSpec.of(folder("sixteen", g -> {
			BufferedImage s = new BufferedImage(g.getWidth(), g.getHeight(), BufferedImage.TYPE_USHORT_GRAY);
			for (int y = 0; y < g.getHeight(); y++) {
				for (int x = 0; x < g.getWidth(); x++) {
					s.getRaster().setSample(x, y, 0, g.getRaster().getSample(x, y, 0) * 257);
				}
			}
			return s;
		}), labels))), 1e-6f);
		byte[] levels = new byte[256];
		for (int i = 0; i < 256; i++) {
			levels[i] = (byte) (255 - i); // a palette whose index i is grey 255 - i: indices read as values would be inverted
		}
		IndexColorModel reversed = new IndexColorModel(8, 256, levels, levels, levels);
		assertArrayEquals(expected, inputs(Datasets.open(DatasetSpec.of(folder("palette", g -> {
			BufferedImage p = new BufferedImage(g.getWidth(), g.getHeight(), BufferedImage.TYPE_BYTE_INDEXED, reversed);
			for (int y = 0; y < g.getHeight(); y++) {
				for (int x = 0; x < g.getWidth(); x++) {
					p.getRaster().setSample(x, y, 0, 255 - g.getRaster().getSample(x, y, 0));
				}
			}
			return p;
		}), labels))), 1e-6f);
		Path binary = folder("binary", g -> {
			BufferedImage b = new BufferedImage(g.getWidth(), g.getHeight(), BufferedImage.TYPE_BYTE_BINARY);
			b.getRaster().setSample(1, 1, 0, 1);
			return b;
		});
		float[] bits = inputs(Datasets.open(DatasetSpec.of(binary, labels)));
		assertEquals(1f, bits[1 * 5 + 1], 1e-6f, "a set bit is white (255 / 255), not 1 / 255");
		assertEquals(0f, bits[0], 0f);
	}

	/**
	 * CMYK JPEGs (make_cmyk.py: ten Fashion-MNIST test images, each band inked differently): their C, M and Y bands were read as R,
	 * G and B (the example CNN scored 0.10 on such images, 0.895 on the same as grey JPEGs, without a word). Read now as PIL's
	 * convert("RGB") reads the same files, within what two JPEG decoders differ by.
	 */
	@Test
	void aCmykJpegIsReadAsPilReadsItInRgb() {
		Path data = TestData.data("wild/hostile15/cmyk");
		Preprocessing rgb = new Preprocessing(org.quantrace.model.recipe.ColorMode.RGB, 0, 0, org.quantrace.model.recipe.Interpolation.BILINEAR, 0, 0, 1,
				new double[0], new double[0], org.quantrace.model.recipe.Layout.NHWC, org.quantrace.model.recipe.ElementType.FLOAT32);
		float[] read = inputs(Datasets.open(DatasetSpec.of(data, TestData.data("wild/hostile15/cmyk_labels.json")).withPreprocessing(rgb)));
		float[] pil = org.quantrace.engine.data.NpyArray.open(TestData.data("wild/hostile15/cmyk_rgb.npy")).read().toFloats();
		assertEquals(pil.length, read.length, "10 images of 28 x 28 x 3");
		double worst = 0;
		for (int i = 0; i < pil.length; i++) {
			worst = Math.max(worst, Math.abs(read[i] - pil[i]));
		}
		assertTrue(worst <= 3, "every value within 3 levels of PIL's (the JPEG decoders' rounding): " + worst);
	}

	/**
	 * An .npz (numpy.savez's: each array a .npy stored uncompressed) with one bit flipped in its data: ZipFile does not check a
	 * stored entry's CRC-32, so the damaged array was evaluated, exit 0, where numpy.load refuses it ("Bad CRC-32").
	 */
	@Test
	void anNpzWhoseBytesDoNotMatchItsChecksumIsRefused() throws IOException {
		float[] values = new float[4 * 3];
		for (int i = 0; i < values.length; i++) {
			values[i] = i / 10f;
		}
		Path x = dir.resolve("x.npy");
		org.quantrace.engine.data.NpyArray.write(x, org.quantrace.engine.runtime.NdArray.ofFloats(new long[] { 4, 3 }, values));
		byte[] npy = Files.readAllBytes(x);
		java.util.zip.CRC32 crc = new java.util.zip.CRC32();
		crc.update(npy);
		Path npz = dir.resolve("flipped.npz");
		try (java.util.zip.ZipOutputStream zip = new java.util.zip.ZipOutputStream(Files.newOutputStream(npz))) {
			java.util.zip.ZipEntry e = new java.util.zip.ZipEntry("x.npy");
			e.setMethod(java.util.zip.ZipEntry.STORED);
			e.setSize(npy.length);
			e.setCrc(crc.getValue());
			zip.putNextEntry(e);
			zip.write(npy);
			zip.closeEntry();
		}
		assertEquals(12, inputs(Datasets.open(DatasetSpec.of(npz, null))).length, "the whole archive reads");
		byte[] bytes = Files.readAllBytes(npz);
		// cut in half (an interrupted copy): "not a NumPy .npz archive (zip END header not found)", "save it with numpy.savez"
		Path cut = Files.write(dir.resolve("cut.npz"), java.util.Arrays.copyOf(bytes, bytes.length / 2));
		assertEquals("an interrupted copy or download? copy it again, or save the arrays again (numpy.savez)",
				refused(DatasetSpec.of(cut, null), "cut.npz: the archive is cut short or damaged (").hint());
		bytes[30 + "x.npy".length() + npy.length - 1] ^= 1; // the last value's last byte, after the local header: the .npy header whole
		Files.write(npz, bytes);
		InvalidInputException e = refused(DatasetSpec.of(npz, null), "flipped.npz:x.npy: damaged: its bytes do not match the archive's checksum (CRC-32 ");
		assertTrue(e.getMessage().endsWith("read), as numpy.load says (\"Bad CRC-32\")"), e.getMessage());
	}

	/**
	 * A class folder whose name macOS stored decomposed (NFD: "manteau_e" and a combining acute) against a label map typed composed
	 * (NFC "manteau_é"): refused with both names printed alike. The same letters: read as that class.
	 */
	@Test
	void aClassFolderNamedInAnotherUnicodeFormIsItsClass() throws IOException {
		String composed = "manteau_\u00e9";
		Path d = dir.resolve("nfd");
		for (String folder : List.of("bag", java.text.Normalizer.normalize(composed, java.text.Normalizer.Form.NFD))) {
			Files.createDirectories(d.resolve(folder));
			ImageIO.write(gray(folder.length()), "png", d.resolve(folder).resolve("0.png").toFile());
		}
		Path labels = Files.writeString(dir.resolve("nfc.json"), "{\"bag\": 0, \"" + composed + "\": 4}", StandardCharsets.UTF_8);
		Dataset data = Datasets.open(DatasetSpec.of(d, labels));
		assertArrayEquals(new int[] { 0, 4 }, data.read(0, 2).labels().classes());
	}

	/** A JPEG cut mid-scan decoded without a word, its missing rows grey (ImageIO.read only has its reader warn); a cut PNG was refused. */
	@Test
	void aJpegCutMidScanIsRefusedNamingIt() throws IOException {
		Path bag = Files.createDirectories(dir.resolve("cut/bag"));
		BufferedImage noise = new BufferedImage(64, 64, BufferedImage.TYPE_BYTE_GRAY);
		java.util.Random random = new java.util.Random(1);
		for (int y = 0; y < 64; y++) {
			for (int x = 0; x < 64; x++) {
				noise.getRaster().setSample(x, y, 0, random.nextInt(256));
			}
		}
		ImageIO.write(noise, "jpg", bag.resolve("a.jpg").toFile());
		ImageIO.write(noise, "jpg", bag.resolve("b.jpg").toFile());
		byte[] whole = Files.readAllBytes(bag.resolve("b.jpg"));
		Files.write(bag.resolve("b.jpg"), java.util.Arrays.copyOf(whole, whole.length / 2)); // its header whole: found when decoded
		Dataset data = Datasets.open(DatasetSpec.of(dir.resolve("cut"), Files.writeString(dir.resolve("cut.json"), "{\"bag\": 0}")));

		assertEquals(64 * 64, data.read(0, 1).inputs().elementCount(), "the whole one reads");
		InvalidInputException e = assertThrows(InvalidInputException.class, () -> data.read(1, 2));

		assertTrue(e.getMessage().startsWith(bag.resolve("b.jpg") + ": a damaged image (the file ends before its last pixels: "), e.getMessage());
		assertTrue(e.getMessage().contains("Missing EOI marker"), e.getMessage());
		assertTrue(e.hint().startsWith("replace it with the image it should be"), e.hint());
	}

	/** A class folder without an image was read as data without that class, without a word (found by the hostile pass). */
	@Test
	void anEmptyClassFolderIsAWarningNamingIt() throws IOException {
		Path d = dir.resolve("empty-class");
		Files.createDirectories(d.resolve("a"));
		Files.createDirectories(d.resolve("b"));
		ImageIO.write(gray(0), "png", d.resolve("a/0.png").toFile());
		ImageIO.write(gray(1), "png", d.resolve("a/1.png").toFile());
		Dataset data = Datasets.open(DatasetSpec.of(d, Files.writeString(dir.resolve("ab.json"), "{\"a\": 0, \"b\": 1}")));

		assertEquals(2, data.size());
		assertEquals(List.of(new DataWarning(DataWarning.Kind.EMPTY_CLASS, "class folder b/ holds no image (jpeg, jpg, png): its class has no sample,"
				+ " so an evaluation on this data measures nothing of it and a calibration sees none; put the images in, or remove the folder")),
				data.warnings());
		assertEquals(data.warnings(), data.limit(1).warnings(), "a subset says it too");
	}

	/** One notation, pixels as a resize is written: "is 29x30, unlike the other images ([1, 28, 28])" mixed two. */
	@Test
	void anImageOfAnotherSizeIsNamedInPixels() throws IOException {
		Path d = Files.createDirectories(dir.resolve("sizes/bag"));
		ImageIO.write(gray(0), "png", d.resolve("0.png").toFile());
		ImageIO.write(new BufferedImage(6, 4, BufferedImage.TYPE_BYTE_GRAY), "png", d.resolve("1.png").toFile());
		refused(DatasetSpec.of(dir.resolve("sizes"), Files.writeString(dir.resolve("bag.json"), "{\"bag\": 0}")),
				d.resolve("1.png") + ": is 6x4 pixels, unlike the other images (5x4)");
	}

	@Test
	void aFolderSubsetTakesEveryClassInTurnAndItsManifestNamesOnlyTheFilesRead() throws IOException {
		Path d = dir.resolve("classes");
		for (String c : List.of("a", "b", "c")) {
			Files.createDirectories(d.resolve(c));
			for (int i = 0; i < 4; i++) {
				ImageIO.write(gray(i), "png", d.resolve(c).resolve(c + i + ".png").toFile());
			}
		}
		Path labels = Files.writeString(dir.resolve("abc.json"), "{\"a\": 0, \"b\": 1, \"c\": 2}");
		Dataset five = Datasets.open(DatasetSpec.of(d, labels)).limit(5);
		assertEquals(5, five.size());
		// before: the first 5 of the sorted files, four of class a and one of b: a calibration or evaluation on one class
		assertEquals(Set.of(0, 1, 2), new TreeSet<>(java.util.Arrays.stream(five.read(0, 5).labels().classes()).boxed().toList()));
		assertEquals(List.of("a/a0.png", "a/a1.png", "b/b0.png", "b/b1.png", "c/c0.png"),
				DatasetManifest.of(five).entries().stream().map(DatasetManifest.Entry::path).toList());
		assertEquals(12, DatasetManifest.of(Datasets.open(DatasetSpec.of(d, labels))).entries().size());
		assertEquals(5, DatasetManifest.of(Datasets.open(DatasetSpec.of(d, labels).withSamples(5))).entries().size());
	}

	// ---- .npy / .npz

	private static Path npy(Path file, String descr, long[] shape, ByteBuffer data) throws IOException {
		StringBuilder dims = new StringBuilder();
		for (long s : shape) {
			dims.append(s).append(", ");
		}
		String header = "{'descr': '" + descr + "', 'fortran_order': False, 'shape': (" + dims.toString().trim() + "), }";
		int total = ((10 + header.length() + 1 + 63) / 64) * 64;
		header = header + " ".repeat(total - 10 - header.length() - 1) + "\n";
		ByteBuffer b = ByteBuffer.allocate(total + data.capacity()).order(ByteOrder.LITTLE_ENDIAN);
		b.put(new byte[] { (byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0 }).putShort((short) header.length())
				.put(header.getBytes(StandardCharsets.ISO_8859_1)).put(data.rewind());
		return Files.write(file, b.array());
	}

	@Test
	void float16AndBigEndianArraysAreConverted() throws IOException {
		ByteBuffer half = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
		for (float v : new float[] { 0.5f, -2f, 1.25f, 65504f }) {
			half.putShort(Float.floatToFloat16(v));
		}
		assertArrayEquals(new float[] { 0.5f, -2f, 1.25f, 65504f }, inputs(Datasets.open(DatasetSpec.of(npy(dir.resolve("h.npy"), "<f2", new long[] { 2, 2 }, half), null))));
		ByteBuffer big = ByteBuffer.allocate(16).order(ByteOrder.BIG_ENDIAN).putFloat(0.5f).putFloat(-2).putFloat(3).putFloat(4);
		ByteBuffer bigLabels = ByteBuffer.allocate(16).order(ByteOrder.BIG_ENDIAN).putLong(3).putLong(1);
		Dataset d = Datasets.open(DatasetSpec.of(npy(dir.resolve("be.npy"), ">f4", new long[] { 2, 2 }, big),
				npy(dir.resolve("bel.npy"), ">i8", new long[] { 2 }, bigLabels)));
		assertArrayEquals(new float[] { 0.5f, -2, 3, 4 }, inputs(d));
		assertArrayEquals(new int[] { 3, 1 }, d.read(0, 2).labels().classes());
	}

	@Test
	void stringLabelsAreNamedAsSuch() throws IOException {
		Path x = npy(dir.resolve("x.npy"), "<f4", new long[] { 2, 1 }, ByteBuffer.allocate(8));
		Path y = npy(dir.resolve("s.npy"), "<U4", new long[] { 2 }, ByteBuffer.allocate(32));
		// before: "malformed .npy header"
		refused(DatasetSpec.of(x, y), "s.npy: .npy element type <U4 (text)");
	}

	@Test
	void labelsOfShapeNByOneAreClassIndicesAndOneHotRowsAreClassesUnlessMultilabel() throws IOException {
		Path x = npy(dir.resolve("x3.npy"), "<f4", new long[] { 3, 1 }, ByteBuffer.allocate(12));
		ByteBuffer column = ByteBuffer.allocate(24).order(ByteOrder.LITTLE_ENDIAN).putLong(7).putLong(0).putLong(2);
		// before: "multilabel value 7.0 at element 0 is not 0 or 1"
		assertArrayEquals(new int[] { 7, 0, 2 }, Datasets.open(DatasetSpec.of(x, npy(dir.resolve("col.npy"), "<i8", new long[] { 3, 1 }, column)))
				.read(0, 3).labels().classes());
		ByteBuffer oneHot = ByteBuffer.allocate(9).put(new byte[] { 0, 0, 1, 1, 0, 0, 0, 1, 0 });
		Path y = npy(dir.resolve("onehot.npy"), "|u1", new long[] { 3, 3 }, oneHot);
		// before: one-hot rows were scored as multilabel data (binary accuracy) for a single-label model
		Labels single = Datasets.open(DatasetSpec.of(x, y)).read(0, 3).labels();
		assertFalse(single.isMultilabel());
		assertArrayEquals(new int[] { 2, 0, 1 }, single.classes());
		Labels multi = Datasets.open(DatasetSpec.of(x, y).withMultilabel(true)).read(0, 3).labels();
		assertTrue(multi.isMultilabel());
		assertNull(multi.classes());
	}

	@Test
	void npzWhoseArraysCannotBeToldApartIsRefused() throws IOException {
		Path x = npy(dir.resolve("first.npy"), "<f4", new long[] { 2, 1 }, ByteBuffer.allocate(8));
		Path y = npy(dir.resolve("second.npy"), "<i8", new long[] { 2 }, ByteBuffer.allocate(16));
		Path npz = dir.resolve("odd.npz");
		try (var zip = new java.util.zip.ZipOutputStream(Files.newOutputStream(npz))) {
			for (Path p : List.of(y, x)) {
				zip.putNextEntry(new java.util.zip.ZipEntry(p.getFileName().toString()));
				zip.write(Files.readAllBytes(p));
				zip.closeEntry();
			}
		}
		// before: the labels were taken for the inputs ("labels must be [N] or [N, K], not [2, 1]")
		refused(new DatasetSpec(npz, DatasetFormat.NPZ, null, Set.of(), Preprocessing.defaults(), List.of(), 0),
				"odd.npz: cannot tell the inputs from the labels among second [2], first [2, 1]");
	}

	// ---- hostile16: files that are no files

	/** A named pipe (mkfifo), as the data or its labels: every format opened it and waited for a writer forever (hostile16). */
	@Test
	void aNamedPipeIsRefusedNotReadForever() throws Exception {
		Path npy = dir.resolve("x.npy");
		org.quantrace.engine.data.NpyArray.write(npy, org.quantrace.engine.runtime.NdArray.ofFloats(new long[] { 2, 2 }, new float[] { 1, 2, 3, 4 }));
		for (String name : List.of("pipe.csv", "pipe.npy", "pipe.npz", "labels-pipe.npy")) {
			Path pipe = dir.resolve(name);
			Files.deleteIfExists(pipe);
			assertEquals(0, new ProcessBuilder("mkfifo", pipe.toString()).inheritIO().start().waitFor(), "mkfifo " + pipe);
			DatasetSpec spec = name.startsWith("labels") ? DatasetSpec.of(npy, pipe) : DatasetSpec.of(pipe, null);
			InvalidInputException e = org.junit.jupiter.api.Assertions.assertTimeoutPreemptively(java.time.Duration.ofSeconds(20),
					() -> assertThrows(InvalidInputException.class, () -> Datasets.open(spec)), name + " was opened and read");
			assertEquals(pipe + ": is not a regular file (a named pipe, a device or a socket), so not "
					+ (name.startsWith("labels") ? "a label file" : "a dataset"), e.getMessage());
		}
	}

	// ---- data against the model

	private static String shapeHint(long... sample) {
		int size = (int) java.util.Arrays.stream(sample).reduce(1, (a, b) -> a * b);
		Dataset d = new org.quantrace.engine.data.ArrayDataset("d", new float[size], sample, null);
		InvalidInputException e = assertThrows(InvalidInputException.class,
				() -> org.quantrace.engine.data.ModelInput.of(org.quantrace.engine.onnx.OnnxModel.load(TestData.example("model/fashion_cnn.onnx")), "cnn", d));
		assertTrue(e.getMessage().contains("do not fit input 'input' [N, 1, 28, 28]"), e.getMessage());
		return e.hint();
	}

	@Test
	void aShapeMismatchSaysWhatToChange() {
		// before: always "preprocess the data to the model's input shape (batch axis first)"
		assertTrue(shapeHint(28, 28, 1).contains("channels last (NHWC) and the model reads channels first (NCHW)"), shapeHint(28, 28, 1));
		assertTrue(shapeHint(28, 28, 1).contains("x.transpose(0, 3, 1, 2)"));
		assertTrue(shapeHint(3, 28, 28).contains("the model reads 1 channel, the samples have 3: images: --preprocess grayscale"), shapeHint(3, 28, 28));
		assertTrue(shapeHint(784).contains("x.reshape(len(x), 1, 28, 28)"), shapeHint(784));
		assertEquals("preprocess the data to the model's input shape (batch axis first)", shapeHint(1, 32, 32));
	}

	@Test
	void calibrationOnFewerSamplesAlsoTakesEveryClassInTurn() throws IOException {
		// before: calibrate ... samples 5 (and debug ... samples 5) read the first five sorted files, all of class a: each
		// class's image here is uniform (a: 0, b: 128, c: 255), so the range showed whether b and c were seen
		Path d = dir.resolve("uniform");
		int[] levels = { 0, 128, 255 };
		for (int c = 0; c < 3; c++) {
			Path folder = Files.createDirectories(d.resolve("abc".substring(c, c + 1)));
			for (int i = 0; i < 4; i++) {
				BufferedImage g = new BufferedImage(28, 28, BufferedImage.TYPE_BYTE_GRAY);
				for (int y = 0; y < 28; y++) {
					for (int x = 0; x < 28; x++) {
						g.getRaster().setSample(x, y, 0, levels[c]);
					}
				}
				ImageIO.write(g, "png", folder.resolve(i + ".png").toFile());
			}
		}
		Path labels = Files.writeString(dir.resolve("uniform.json"), "{\"a\": 0, \"b\": 1, \"c\": 2}");
		String conv = "/features/features.0/Conv_output_0";
		org.quantrace.engine.onnx.OnnxModel cnn = org.quantrace.engine.onnx.OnnxModel.load(TestData.example("model/fashion_cnn.onnx"));
		Dataset all = Datasets.open(DatasetSpec.of(d, labels));
		var minMax = org.quantrace.engine.calibrate.CalibrationSettings.minMax();
		var five = org.quantrace.engine.calibrate.Calibrator.calibrate(cnn, "cnn", List.of(conv), all, minMax.withMaxSamples(5), Map.of(),
				org.quantrace.engine.Progress.NONE);
		var twelve = org.quantrace.engine.calibrate.Calibrator.calibrate(cnn, "cnn", List.of(conv), all, minMax, Map.of(), org.quantrace.engine.Progress.NONE);
		assertEquals(5, five.samples());
		assertEquals(twelve.observed().get(conv), five.observed().get(conv), "every class's level seen in 5 samples");
	}

	/**
	 * An .npz was copied into a temporary file to be read, and the copy was left behind when the process was killed meanwhile
	 * (verify63): a dataset of gigabytes a run at a time. It is now read in one pass from the file itself. inotify watches the
	 * temporary folder while a 16 MB archive is opened: no file of the reader's ("quantrace-npz-") appears there.
	 */
	@Test
	void anNpzIsReadWithoutATemporaryCopy() throws Exception {
		float[] x = new float[64 * 256 * 256];
		java.util.Random random = new java.util.Random(3);
		for (int i = 0; i < x.length; i++) {
			x[i] = random.nextFloat();
		}
		Map<String, org.quantrace.engine.runtime.NdArray> arrays = new java.util.LinkedHashMap<>();
		arrays.put("x", org.quantrace.engine.runtime.NdArray.ofFloats(new long[] { 64, 1, 256, 256 }, x));
		arrays.put("y", org.quantrace.engine.runtime.NdArray.ofLongs(new long[] { 64 }, new long[64]));
		Path npz = org.quantrace.testing.Npz.write(dir.resolve("big.npz"), arrays);
		Path tmp = Path.of(System.getProperty("java.io.tmpdir"));
		List<String> created = new java.util.ArrayList<>();
		try (java.nio.file.WatchService watch = tmp.getFileSystem().newWatchService()) {
			tmp.register(watch, java.nio.file.StandardWatchEventKinds.ENTRY_CREATE);
			for (int i = 0; i < 3; i++) {
				Dataset d = Datasets.open(DatasetSpec.of(npz, null));
				assertEquals(64, d.size());
				assertEquals(x[x.length - 1], inputs(d)[x.length - 1], "the last value read");
			}
			for (java.nio.file.WatchKey key; (key = watch.poll(200, java.util.concurrent.TimeUnit.MILLISECONDS)) != null; key.reset()) {
				key.pollEvents().forEach(e -> created.add(String.valueOf(e.context())));
			}
		}
		assertEquals(List.of(), created.stream().filter(n -> n.startsWith("quantrace-npz-")).toList(), "no temporary copy of the archive");
	}

	/**
	 * An .npz whose zip directory (what numpy.load reads) names another array than its entry holds: read by the entries, the run would
	 * evaluate arrays numpy.load does not show under those names. Refused, naming both lists.
	 */
	@Test
	void anNpzWhoseDirectoryNamesOtherEntriesIsRefused() throws IOException {
		Map<String, org.quantrace.engine.runtime.NdArray> arrays = new java.util.LinkedHashMap<>();
		arrays.put("x", org.quantrace.engine.runtime.NdArray.ofFloats(new long[] { 2, 3 }, new float[6]));
		arrays.put("y", org.quantrace.engine.runtime.NdArray.ofLongs(new long[] { 2 }, new long[2]));
		Path npz = org.quantrace.testing.Npz.write(dir.resolve("renamed.npz"), arrays);
		assertEquals(2, Datasets.open(DatasetSpec.of(npz, null)).size(), "the archive as written reads");
		byte[] bytes = Files.readAllBytes(npz);
		String text = new String(bytes, StandardCharsets.ISO_8859_1);
		int central = text.indexOf("PK\u0001\u0002"); // the directory's first header: its name "x.npy" at offset 46
		assertEquals("x.npy", text.substring(central + 46, central + 51));
		bytes[central + 46] = 'z';
		Path renamed = Files.write(dir.resolve("renamed-in-directory.npz"), bytes);
		InvalidInputException e = refused(DatasetSpec.of(renamed, null), "renamed-in-directory.npz: damaged: its zip directory lists [z.npy (CRC-32 ");
		assertTrue(e.getMessage().contains("but its entries hold [x.npy (CRC-32 "), e.getMessage());
	}
}
