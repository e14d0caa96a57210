package org.quantrace.engine.evaluate.tests;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.quantrace.engine.InvalidInputException;
import org.quantrace.engine.SafeFiles;
import org.quantrace.engine.data.Dataset;
import org.quantrace.engine.data.DatasetManifest;
import org.quantrace.engine.data.DatasetSpec;
import org.quantrace.engine.data.Datasets;
import org.quantrace.engine.data.FilesAsRead;
import org.quantrace.engine.data.NpyArray;
import org.quantrace.engine.runtime.NdArray;
import org.quantrace.testing.TestData;

/**
 * A dataset's files are recorded as its reader read them, from the bytes its samples and labels came from (hostile19: the manifest
 * hashed sample files when the trace was written, and an .npy's slices were read from the file as it was at each reading, so an array
 * written in place while a run read it gave samples of two contents under the hash of the last). A file read again must be the same
 * bytes, else the reading is refused, naming the file.
 */
class DataAsReadTest {

	private final Path dir = TestData.tempDir("as-read");

	/** 1,000 samples of [1, 28, 28] float32: 3.1 MB, four 1 MiB blocks, each sample distinct. */
	private Path array() throws IOException {
		float[] v = new float[1000 * 784];
		for (int i = 0; i < v.length; i++) {
			v[i] = (i % 997) / 997f + i / 784;
		}
		Path x = dir.resolve("x.npy");
		NpyArray.write(x, NdArray.ofFloats(new long[] { 1000, 1, 28, 28 }, v));
		return x;
	}

	@Test
	void anNpyArrayWrittenInPlaceBetweenTwoReadingsIsRefusedAndItsHashIsOfTheBytesRead() throws IOException {
		Path x = array();
		String sha256 = SafeFiles.sha256(x);
		Dataset d = Datasets.open(DatasetSpec.of(x, null));
		float[] first = d.readInputs(640, 704, null).toFloats(); // sample 700 lies in the file's third MiB
		long offset = Files.size(x) - 1000L * 784 * 4 + 700L * 784 * 4;
		byte[] kept = new byte[16];
		try (RandomAccessFile f = new RandomAccessFile(x.toFile(), "rw")) {
			f.seek(offset);
			f.readFully(kept);
			f.seek(offset);
			f.write(new byte[16]); // four values of sample 700 zeroed in place (numpy.memmap, an export still writing)
		}
		InvalidInputException e = assertThrows(InvalidInputException.class, () -> d.readInputs(640, 704, null));
		assertTrue(e.getMessage().startsWith(x + ": changed while it was read (sha256 " + sha256 + " when first read, other bytes at "), e.getMessage());
		try (RandomAccessFile f = new RandomAccessFile(x.toFile(), "rw")) {
			f.seek(offset);
			f.write(kept); // put back: the same bytes as hashed
		}
		assertArrayEquals(first, d.readInputs(640, 704, null).toFloats(), 0f);
		assertEquals(new FilesAsRead.Read(sha256, Files.size(x)), d.asRead(x));
		assertEquals(sha256, DatasetManifest.of(d).entries().get(0).sha256());
	}

	/** The manifest lists an image as decoded; decoded again from other bytes, it is refused. */
	@Test
	void anImageReplacedBetweenTwoPassesIsRefusedAndTheManifestListsItAsDecoded() throws IOException {
		Path data = TestData.copy(TestData.example("data/evaluation"), dir.resolve("evaluation"));
		Path labels = TestData.example("data/labels.json");
		Dataset d = Datasets.open(DatasetSpec.of(data, labels).withSamples(20));
		d.read(0, 20);
		Path first = data.resolve("ankle_boot").resolve(d.files().get(0).getFileName());
		String read = SafeFiles.sha256(first);
		Path other;
		try (Stream<Path> s = Files.list(data.resolve("bag"))) {
			other = s.sorted().findFirst().orElseThrow();
		}
		Files.copy(other, first, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
		// listed as decoded, not as the file is now
		assertEquals(read, DatasetManifest.of(d).entries().stream().filter(en -> en.path().equals("ankle_boot/" + first.getFileName())).findFirst()
				.orElseThrow().sha256());
		InvalidInputException e = assertThrows(InvalidInputException.class, () -> d.read(0, 20));
		assertEquals(first + ": changed while it was read (sha256 " + read + " when first read, " + SafeFiles.sha256(other)
				+ " when read again): the samples would be of two different files under one name, so the reading is refused", e.getMessage());
	}

	/** Label files of every reader: recorded from the one reading parsed (JSON map, IDX, .npy). */
	@Test
	void everyReaderRecordsItsLabelFileFromTheBytesItParsed() {
		Path json = TestData.example("data/labels.json");
		Dataset folder = Datasets.open(DatasetSpec.of(TestData.example("data/evaluation"), json));
		assertEquals(SafeFiles.sha256(json), folder.asRead(json).sha256());
		Path images = TestData.data("fashion-mnist/t10k-images-idx3-ubyte.gz");
		Path idxLabels = TestData.data("fashion-mnist/t10k-labels-idx1-ubyte.gz");
		Dataset idx = Datasets.open(DatasetSpec.of(images, idxLabels));
		assertEquals(SafeFiles.sha256(idxLabels), idx.asRead(idxLabels).sha256());
		assertEquals(SafeFiles.sha256(images), idx.asRead(images).sha256(), "the gzip file as read, not its content");
	}

	/**
	 * An .npz swapped for another archive and put back while it is read (hostile20's leftover): ZipFile reads an archive entry by entry
	 * from the file as it is at each reading, and the archive was hashed by passes of its own before and after, so arrays of the other
	 * archive could stand under this one's hash. Each opening must record the hash of the archive its arrays came from. A thread swaps
	 * two archives (x's first value 1 or 2) under one name by renames as fast as it can while the dataset is opened again and again;
	 * each archive is 16 MB, so each reading spans many swaps and the readings beside it are as good as independent: with the
	 * hashes taken beside the reading, about one opening in four of those not refused recorded the other archive.
	 */
	@Test
	void anNpzSwappedWhileItIsReadIsRecordedAsTheArchiveItsArraysCameFrom() throws Exception {
		Path a = archive("a.npz", 1f);
		Path b = archive("b.npz", 2f);
		java.util.Map<Float, String> sha256 = java.util.Map.of(1f, SafeFiles.sha256(a), 2f, SafeFiles.sha256(b));
		Path data = dir.resolve("data.npz");
		Files.copy(a, data);
		java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
		Thread swapper = new Thread(() -> {
			Path link = dir.resolve("next.npz");
			for (int i = 0; !stop.get(); i++) {
				try {
					Files.deleteIfExists(link);
					Files.createLink(link, i % 2 == 0 ? b : a);
					Files.move(link, data, java.nio.file.StandardCopyOption.ATOMIC_MOVE, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
				} catch (IOException e) {
					throw new java.io.UncheckedIOException(e);
				}
			}
		});
		swapper.start();
		int openings = 0;
		try {
			for (int i = 0; i < 40; i++) {
				Dataset d;
				try {
					d = Datasets.open(DatasetSpec.of(data, null));
				} catch (InvalidInputException e) { // seen changed: refused, which is right
					assertTrue(e.getMessage().contains("changed while it was read"), e.getMessage());
					continue;
				}
				float x = d.readInputs(0, 1, null).toFloats()[0];
				assertEquals(sha256.get(x), d.asRead(data).sha256(), "opening " + i + ": the arrays of the archive whose x is " + x);
				openings++;
			}
		} finally {
			stop.set(true);
			swapper.join();
		}
		assertTrue(openings > 0, "some openings read an archive whole");
	}

	/** An .npz of 64 samples of [1, 256, 256] float32 (16 MB that do not deflate) whose first value is {@code first}, with labels. */
	private Path archive(String name, float first) throws IOException {
		java.util.Random random = new java.util.Random(7);
		float[] x = new float[64 * 256 * 256];
		for (int i = 0; i < x.length; i++) {
			x[i] = random.nextFloat();
		}
		x[0] = first;
		java.util.Map<String, NdArray> arrays = new java.util.LinkedHashMap<>();
		arrays.put("x", NdArray.ofFloats(new long[] { 64, 1, 256, 256 }, x));
		arrays.put("y", NdArray.ofLongs(new long[] { 64 }, new long[64]));
		return org.quantrace.testing.Npz.write(dir.resolve(name), arrays);
	}
}
