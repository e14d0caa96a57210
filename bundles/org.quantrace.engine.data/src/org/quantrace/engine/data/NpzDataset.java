package org.quantrace.engine.data;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

import org.quantrace.engine.InvalidInputException;

/**
 * A NumPy .npz archive holding the inputs and, optionally, the labels: arrays named x / inputs / images /
 * data and y / labels / targets (else the first and second array).
 */
public final class NpzDataset {

	private static final List<String> INPUT_NAMES = List.of("x", "inputs", "images", "data", "X");
	private static final List<String> LABEL_NAMES = List.of("y", "labels", "targets", "Y");

	private NpzDataset() {
	}

	public static Dataset open(Path file) {
		Map<String, NpyArray> arrays = new LinkedHashMap<>();
		try (ZipFile zip = new ZipFile(file.toFile())) {
			for (ZipEntry e : java.util.Collections.list(zip.entries())) {
				if (e.getName().endsWith(".npy")) {
					byte[] bytes = zip.getInputStream(e).readAllBytes();
					String key = e.getName().substring(0, e.getName().length() - 4);
					arrays.put(key, NpyArray.parse(ByteBuffer.wrap(bytes), file + ":" + e.getName()));
				}
			}
		} catch (NoSuchFileException | java.io.FileNotFoundException e) {
			throw new InvalidInputException(file + ": file not found", "check the data path", e);
		} catch (IOException e) {
			throw new InvalidInputException(file + ": not a NumPy .npz archive (" + e.getMessage() + ")", "save it with numpy.savez", e);
		}
		if (arrays.isEmpty()) {
			throw new InvalidInputException(file + ": the archive holds no arrays", "save it with numpy.savez(file, x=inputs, y=labels)");
		}
		List<String> keys = List.copyOf(arrays.keySet());
		String inputs = INPUT_NAMES.stream().filter(arrays::containsKey).findFirst().orElse(keys.get(0));
		String labels = LABEL_NAMES.stream().filter(arrays::containsKey).findFirst()
				.orElse(keys.size() > 1 ? keys.stream().filter(k -> !k.equals(inputs)).findFirst().orElse(null) : null);
		return NpyDataset.of(file + ":" + inputs, arrays.get(inputs), labels == null ? null : arrays.get(labels), file);
	}
}
