/*******************************************************************************
 * Copyright (c) 2026 Quantrace contributors
 * SPDX-License-Identifier: EPL-2.0
 *******************************************************************************/
package org.quantrace.engine.convert;

import java.nio.FloatBuffer;

/**
 * The largest difference between two float outputs and the largest magnitude of the first, accumulated over output
 * buffers. Read through two small arrays: a per-value get on a buffer is a megamorphic call. The difference is taken in
 * float and kept as a double maximum; a NaN stays (the conversion's check must not pass a model that computes NaN).
 */
final class OutputDifference {

	private static final int BLOCK = 16 * 1024;
	private final float[] x = new float[BLOCK];
	private final float[] y = new float[BLOCK];
	private double maxDifference;
	private double maxMagnitude;

	/**
	 * Adds one pair of the output named: the original's and the converted model's. A conversion that changed the output's
	 * size is a defect of the conversion, not a difference to measure.
	 */
	void add(String output, FloatBuffer a, FloatBuffer b) {
		int n = a.limit();
		if (b.limit() != n) {
			throw new IllegalStateException("the converted model's output '" + output + "' holds " + b.limit() + " values where the original's holds " + n
					+ ": the conversion changed its shape (a Quantrace bug; as a workaround --keep the rewritten operation, or --no-fold)");
		}
		for (int from = 0; from < n; from += BLOCK) {
			int k = Math.min(BLOCK, n - from);
			a.get(from, x, 0, k);
			b.get(from, y, 0, k);
			for (int i = 0; i < k; i++) {
				maxDifference = Math.max(maxDifference, Math.abs(x[i] - y[i]));
				maxMagnitude = Math.max(maxMagnitude, Math.abs(x[i]));
			}
		}
	}

	/** max |a - b| over what was added (NaN if a difference was NaN). */
	double maxDifference() {
		return maxDifference;
	}

	/** max |a| over what was added. */
	double maxMagnitude() {
		return maxMagnitude;
	}
}
