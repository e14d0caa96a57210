package org.quantrace.engine.data;

import org.quantrace.engine.onnx.DataType;

/** One named array of a dataset that feeds a model of several inputs: its name, element type and shape ([N, ...sample shape]). */
public record SampleArray(String name, DataType type, long[] shape) {

	public long[] sampleShape() {
		return java.util.Arrays.copyOfRange(shape, 1, shape.length);
	}

	/** Name, shape and type, as a message lists the arrays: {@code input_ids [200, 16] int64}. */
	public String describe() {
		return name + " " + java.util.Arrays.toString(shape) + " " + type.displayName().toLowerCase(java.util.Locale.ROOT);
	}
}
