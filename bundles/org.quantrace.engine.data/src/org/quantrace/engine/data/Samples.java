package org.quantrace.engine.data;

import org.quantrace.engine.InvalidInputException;
import org.quantrace.engine.onnx.DataType;
import org.quantrace.engine.runtime.NdArray;

/** Helpers that turn preprocessed values into the element type a model reads. */
final class Samples {

	private Samples() {
	}

	/**
	 * Refuses a batch of already-preprocessed values holding NaN or an infinity, naming the sample and the value: such a
	 * sample makes every range, score and error it reaches meaningless (calibration would report a range over [NaN, NaN]).
	 *
	 * @param first the index in the dataset of the batch's first sample
	 */
	static void requireFinite(float[] values, int sampleSize, int first, String source) {
		for (int i = 0; i < values.length; i++) {
			if (!Float.isFinite(values[i])) {
				throw new InvalidInputException(source + ": sample " + (first + i / sampleSize) + " holds " + values[i] + " (value " + (i % sampleSize)
						+ " of its " + sampleSize + ")", "clean the data or leave that sample out: no model input is NaN or infinite");
			}
		}
	}

	/** Float values as FLOAT, or rounded and saturated to UINT8/INT8. */
	static NdArray convert(float[] values, long[] shape, DataType type) {
		return switch (type) {
		case FLOAT -> NdArray.ofFloats(shape, values);
		case UINT8, INT8 -> {
			int lo = type == DataType.UINT8 ? 0 : -128;
			int hi = type == DataType.UINT8 ? 255 : 127;
			byte[] b = new byte[values.length];
			for (int i = 0; i < b.length; i++) {
				b[i] = (byte) Math.max(lo, Math.min(hi, Math.round(values[i])));
			}
			yield NdArray.ofBytes(type, shape, b);
		}
		default -> throw new IllegalArgumentException("unsupported sample type " + type);
		};
	}
}
