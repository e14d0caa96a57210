package org.quantrace.engine.data;

import java.nio.file.Path;
import java.util.List;
import java.util.Set;

import org.quantrace.model.recipe.DatasetFormat;

/**
 * How to open a dataset: its path, format (null: guessed from the path), label file, image extensions,
 * preprocessing, CSV label columns, and how many samples to use (0 = all).
 */
public record DatasetSpec(Path path, DatasetFormat format, Path labels, Set<String> extensions, Preprocessing preprocessing,
		List<String> labelColumns, int samples) {

	public static DatasetSpec of(Path path, Path labels) {
		return new DatasetSpec(path, null, labels, Set.of(), Preprocessing.defaults(), List.of(), 0);
	}

	public DatasetSpec withPreprocessing(Preprocessing p) {
		return new DatasetSpec(path, format, labels, extensions, p, labelColumns, samples);
	}

	public DatasetSpec withSamples(int n) {
		return new DatasetSpec(path, format, labels, extensions, preprocessing, labelColumns, n);
	}

	public DatasetSpec withExtensions(Set<String> e) {
		return new DatasetSpec(path, format, labels, e, preprocessing, labelColumns, samples);
	}

	public DatasetSpec withLabelColumns(List<String> columns) {
		return new DatasetSpec(path, format, labels, extensions, preprocessing, columns, samples);
	}
}
