package org.quantrace.engine.data;

import org.quantrace.engine.runtime.NdArray;

/** Inputs of a range of samples ([n, ...sample shape]) and their labels (null when unlabeled). */
public record Batch(NdArray inputs, Labels labels) {

	public int size() {
		return (int) inputs.shape()[0];
	}
}
