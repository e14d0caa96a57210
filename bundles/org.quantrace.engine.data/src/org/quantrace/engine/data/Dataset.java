package org.quantrace.engine.data;

/**
 * Samples ready to feed a model: preprocessed inputs, read a range at a time so that memory does not
 * grow with the number of samples, with their labels when the data has them.
 */
public interface Dataset {

	/** Names the data in messages and traces (usually its path). */
	String name();

	int size();

	/** Shape of one sample, without the batch dimension, e.g. [1, 28, 28]. */
	long[] sampleShape();

	/** Samples {@code [from, to)} as one batch. */
	Batch read(int from, int to);

	/** Class (or attribute) names by label index, when the data names them. */
	default java.util.List<String> labelNames() {
		return java.util.List.of();
	}

	/** The files the samples come from, for the dataset manifest (relative to {@link #root()}). */
	default java.util.List<java.nio.file.Path> files() {
		return java.util.List.of();
	}

	/** The folder {@link #files()} are relative to. */
	default java.nio.file.Path root() {
		return java.nio.file.Path.of(".");
	}

	/** The first {@code n} samples of this dataset (all of them when n is 0 or larger than the size). */
	default Dataset limit(int n) {
		if (n <= 0 || n >= size()) {
			return this;
		}
		Dataset base = this;
		return new Dataset() {
			@Override
			public String name() {
				return base.name() + " (first " + n + ")";
			}

			@Override
			public int size() {
				return n;
			}

			@Override
			public long[] sampleShape() {
				return base.sampleShape();
			}

			@Override
			public Batch read(int from, int to) {
				return base.read(from, to);
			}

			@Override
			public java.util.List<String> labelNames() {
				return base.labelNames();
			}

			@Override
			public java.util.List<java.nio.file.Path> files() {
				return base.files();
			}

			@Override
			public java.nio.file.Path root() {
				return base.root();
			}
		};
	}
}
