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
