package org.quantrace.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

import org.quantrace.engine.data.NpyArray;
import org.quantrace.engine.runtime.NdArray;

/** .npz archives for the tests, as numpy.savez writes them: one .npy entry per array, in the map's order. */
public final class Npz {

	private Npz() {
	}

	/** The int64 array {@code name} of the .npz {@code file} (token ids, a mask, labels), as plain longs, row after row. */
	public static long[] longs(Path file, String name) {
		org.quantrace.engine.data.Dataset data = org.quantrace.engine.data.Datasets.open(org.quantrace.engine.data.DatasetSpec.of(file, null));
		org.quantrace.engine.data.Batch all = data.read(0, data.size());
		if (name.equals("y")) {
			return java.util.Arrays.stream(all.labels().classes()).asLongStream().toArray();
		}
		return (long[]) all.named().get(name).data();
	}

	public static Path write(Path file, Map<String, NdArray> arrays) throws IOException {
		Path npy = Files.createTempFile(file.toAbsolutePath().getParent(), "entry", ".npy");
		try (ZipOutputStream zip = new ZipOutputStream(Files.newOutputStream(file))) {
			for (Map.Entry<String, NdArray> e : arrays.entrySet()) {
				NpyArray.write(npy, e.getValue());
				zip.putNextEntry(new ZipEntry(e.getKey() + ".npy"));
				zip.write(Files.readAllBytes(npy));
				zip.closeEntry();
			}
		} finally {
			Files.deleteIfExists(npy);
		}
		return file;
	}
}
