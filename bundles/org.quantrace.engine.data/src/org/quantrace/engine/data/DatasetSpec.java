package org.quantrace.engine.data;

import java.nio.file.Path;
import java.util.List;
import java.util.Set;

import org.quantrace.model.recipe.DatasetFormat;

/**
 * How to open a dataset: its path, format (null: guessed from the path), label file, image extensions,
 * preprocessing, CSV label columns, how many samples to use (0 = all), what CSV features are multiplied by (1: read as
 * they are; the image default 1/255 never applies to a table) and whether the data is declared multilabel (else [N, K]
 * one-hot labels are read as the class of each row).
 */
public record DatasetSpec(Path path, DatasetFormat format, Path labels, Set<String> extensions, Preprocessing preprocessing,
		List<String> labelColumns, int samples, double featureScale, boolean multilabel) {

	/** A dataset read with {@code preprocessing} as declared: CSV features are scaled by its scale. */
	public DatasetSpec(Path path, DatasetFormat format, Path labels, Set<String> extensions, Preprocessing preprocessing, List<String> labelColumns,
			int samples) {
		this(path, format, labels, extensions, preprocessing, labelColumns, samples, preprocessing.scale(), false);
	}

	public static DatasetSpec of(Path path, Path labels) {
		return new DatasetSpec(path, null, labels, Set.of(), Preprocessing.defaults(), List.of(), 0, 1, false);
	}

	/** The preprocessing, declared: its scale also applies to CSV features. */
	public DatasetSpec withPreprocessing(Preprocessing p) {
		return new DatasetSpec(path, format, labels, extensions, p, labelColumns, samples, p.scale(), multilabel);
	}

	public DatasetSpec withSamples(int n) {
		return new DatasetSpec(path, format, labels, extensions, preprocessing, labelColumns, n, featureScale, multilabel);
	}

	public DatasetSpec withExtensions(Set<String> e) {
		return new DatasetSpec(path, format, labels, e, preprocessing, labelColumns, samples, featureScale, multilabel);
	}

	public DatasetSpec withLabelColumns(List<String> columns) {
		return new DatasetSpec(path, format, labels, extensions, preprocessing, columns, samples, featureScale, multilabel);
	}

	public DatasetSpec withFeatureScale(double scale) {
		return new DatasetSpec(path, format, labels, extensions, preprocessing, labelColumns, samples, scale, multilabel);
	}

	public DatasetSpec withMultilabel(boolean m) {
		return new DatasetSpec(path, format, labels, extensions, preprocessing, labelColumns, samples, featureScale, m);
	}
}
