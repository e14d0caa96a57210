package org.quantrace.engine.data;

import org.quantrace.engine.runtime.NdArray;

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

	/**
	 * The labels of samples {@code [from, to)} alone, or null when the data has none. Every reader holds its labels apart from
	 * its samples (a table's column, a label file, the class folders), so a check of every label (a recipe run's, before any
	 * work) decodes no image and copies no feature.
	 */
	default Labels labels(int from, int to) {
		return read(from, to).labels();
	}

	/**
	 * The inputs of samples {@code [from, to)}, written into {@code reuse} where this dataset can (float samples, and
	 * {@code reuse} exactly their size), else in new memory. For callers that stream the data chunk after chunk and drop
	 * each before reading the next (calibration): the samples of a chunk of 320x320 images are megabytes of garbage
	 * otherwise, per chunk. The result is only valid until {@code reuse} is written again.
	 */
	default NdArray readInputs(int from, int to, float[] reuse) {
		return read(from, to).inputs();
	}

	/**
	 * Where sample {@code i} (counted from 0) is stored, for a message about its label: a table says its line, which a user
	 * opens the file at (hostile8: "sample 40 (counted from 0)" of a CSV left the user to add the header and the 1).
	 */
	default String sampleAt(int i) {
		return "sample " + i + " (counted from 0)";
	}

	/** Class (or attribute) names by label index, when the data names them. */
	default java.util.List<String> labelNames() {
		return java.util.List.of();
	}

	/**
	 * Whether the class indices were guessed rather than given: class folders read without a label map are numbered
	 * in the folders' sorted order, which is the model's numbering only if it was trained that way. Scoring such
	 * labels would report a wrong accuracy without a word, so evaluation refuses them.
	 */
	default boolean labelsGuessed() {
		return false;
	}

	/**
	 * What the user should know about how the data was read, each a sentence (files in a dataset folder that are not
	 * read, and why; a class folder without a sample). Commands print them as warnings; a recipe run on the dataset's line.
	 */
	default java.util.List<DataWarning> warnings() {
		return java.util.List.of();
	}

	/** The files the samples come from, for the dataset manifest (relative to {@link #root()}). */
	default java.util.List<java.nio.file.Path> files() {
		return java.util.List.of();
	}

	/**
	 * {@code file} (one of {@link #files()}, resolved against {@link #root()}) as this dataset's reader read it, from the bytes it
	 * parsed or decoded; null when it has not read the file (an image no step decoded yet).
	 */
	default FilesAsRead.Read asRead(java.nio.file.Path file) {
		return null;
	}

	/** The folder {@link #files()} are relative to. */
	default java.nio.file.Path root() {
		return java.nio.file.Path.of(".");
	}

	/**
	 * What this reader did to the stored values to make the samples, for traces and reports: the description comes from
	 * the reader that applies the steps, so that the record says what was done (a table's features or an array's values
	 * are not an image's pixels divided by 255 because a recipe's preprocessing says so).
	 */
	default String preprocessing() {
		return "none (values as stored)";
	}

	/**
	 * The named arrays of a dataset that can feed a model of several inputs (an .npz of input_ids and attention_mask), each
	 * read in {@link Batch#named}; empty for data of one array.
	 */
	default java.util.List<SampleArray> namedInputs() {
		return java.util.List.of();
	}

	/**
	 * Why these samples cannot feed a model of one input, when the data does not say which of its arrays is the input (an .npz
	 * of several arrays, none named x or as labels); null when they can.
	 */
	default String singleInputProblem() {
		return null;
	}

	/** The first {@code n} samples of this dataset (all of them when n is 0 or larger than the size). */
	default Dataset limit(int n) {
		return n <= 0 || n >= size() ? this : new DatasetView(this, name() + " (first " + n + ")", n);
	}

	/** The same samples under another name, e.g. the path as a recipe writes it rather than as this machine resolves it. */
	default Dataset named(String name) {
		return name.equals(name()) ? this : new DatasetView(this, name, size());
	}
}
