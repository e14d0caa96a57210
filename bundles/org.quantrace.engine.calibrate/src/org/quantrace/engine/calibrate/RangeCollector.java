package org.quantrace.engine.calibrate;

import java.nio.FloatBuffer;

/**
 * Accumulates the statistics of one tensor batch by batch, in memory that does not depend on the
 * number of samples, and turns them into the range to quantize it with.
 */
public interface RangeCollector {

	/** Adds a batch of values (the buffer is only valid during the call). */
	void update(FloatBuffer values);

	/**
	 * Whether the collector needs every value, or only each batch's minimum and maximum; the latter are
	 * computed inside ONNX Runtime (ReduceMin/ReduceMax), so no activation has to leave it.
	 */
	default boolean needsValues() {
		return true;
	}

	/** Adds a batch known only by its extremes (when {@link #needsValues()} is false). */
	default void updateExtremes(float min, float max) {
		update(FloatBuffer.wrap(new float[] { min, max }));
	}

	/** Whether any value was seen (a tensor of an If branch no sample took has none). */
	boolean seen();

	/** The calibrated range. */
	Range range();

	/** The minimum and maximum actually seen. */
	Range observed();
}
