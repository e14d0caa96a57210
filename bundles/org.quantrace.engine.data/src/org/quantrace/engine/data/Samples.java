package org.quantrace.engine.data;

import org.quantrace.engine.onnx.DataType;
import org.quantrace.engine.runtime.NdArray;

/** Helpers that turn preprocessed values into the element type a model reads. */
final class Samples {

	private Samples() {
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
