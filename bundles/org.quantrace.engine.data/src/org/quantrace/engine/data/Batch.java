package org.quantrace.engine.data;

import java.util.Map;

import org.quantrace.engine.runtime.NdArray;

/**
 * Inputs of a range of samples ([n, ...sample shape]) and their labels (null when unlabeled). A dataset of several named arrays
 * (an .npz of input_ids and attention_mask) also gives each array's samples by its name in {@code named}, for a model of several
 * inputs ({@link ModelInputs#feed}); {@code inputs} is then its first array, what a model of one input reads.
 */
public record Batch(NdArray inputs, Labels labels, Map<String, NdArray> named) {

	public Batch(NdArray inputs, Labels labels) {
		this(inputs, labels, Map.of());
	}

	public int size() {
		return (int) inputs.shape()[0];
	}
}
