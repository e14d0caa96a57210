package org.quantrace.engine.data;

import java.nio.file.Files;
import java.nio.file.Path;

import org.quantrace.engine.InvalidInputException;

/** Opens a dataset from a path, choosing the reader by what the path holds. */
public final class Datasets {

	private Datasets() {
	}

	/**
	 * A .npy file of preprocessed inputs ([N, ...] as the model expects), with an optional label file.
	 *
	 * @throws InvalidInputException when the path is missing or of a format not supported here
	 */
	public static Dataset open(Path data, Path labels) {
		if (!Files.exists(data)) {
			throw new InvalidInputException(data + ": not found", "check the data path");
		}
		String name = data.getFileName().toString().toLowerCase(java.util.Locale.ROOT);
		if (name.endsWith(".npy")) {
			return NpyDataset.open(data, labels);
		}
		throw new InvalidInputException(data + ": unsupported data format", "give a NumPy .npy file of preprocessed inputs");
	}
}
