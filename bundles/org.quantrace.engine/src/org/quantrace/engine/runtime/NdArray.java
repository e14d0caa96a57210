package org.quantrace.engine.runtime;

import java.util.Arrays;

import org.quantrace.engine.onnx.DataType;

/**
 * A dense tensor value passed to or returned from ONNX Runtime: element type, shape and a Java array
 * (float[] for FLOAT, byte[] for INT8/UINT8/BOOL, short[] for INT16/UINT16, int[] for INT32, long[] for INT64).
 */
public final class NdArray {

	private final DataType type;
	private final long[] shape;
	private final Object data;

	private NdArray(DataType type, long[] shape, Object data) {
		this.type = type;
		this.shape = shape.clone();
		this.data = data;
		int length = java.lang.reflect.Array.getLength(data);
		if (length != elementCount()) {
			throw new IllegalArgumentException("shape " + Arrays.toString(shape) + " needs " + elementCount() + " values, got " + length);
		}
	}

	public static NdArray ofFloats(long[] shape, float[] data) {
		return new NdArray(DataType.FLOAT, shape, data);
	}

	/** INT8, UINT8 or BOOL values as raw bytes. */
	public static NdArray ofBytes(DataType type, long[] shape, byte[] data) {
		return new NdArray(type, shape, data);
	}

	public static NdArray ofShorts(DataType type, long[] shape, short[] data) {
		return new NdArray(type, shape, data);
	}

	public static NdArray ofInts(long[] shape, int[] data) {
		return new NdArray(DataType.INT32, shape, data);
	}

	public static NdArray ofLongs(long[] shape, long[] data) {
		return new NdArray(DataType.INT64, shape, data);
	}

	/** Whether tensors of {@code type} are made here (and so fed to a session): the types {@link #zeros} makes. */
	public static boolean holds(DataType type) {
		return switch (type) {
		case FLOAT, INT8, UINT8, BOOL, INT16, UINT16, INT32, INT64 -> true;
		default -> false;
		};
	}

	/** A tensor of zeros of any supported type. */
	public static NdArray zeros(DataType type, long[] shape) {
		int n = Math.toIntExact(count(shape));
		return switch (type) {
		case FLOAT -> ofFloats(shape, new float[n]);
		case INT8, UINT8, BOOL -> ofBytes(type, shape, new byte[n]);
		case INT16, UINT16 -> ofShorts(type, shape, new short[n]);
		case INT32 -> ofInts(shape, new int[n]);
		case INT64 -> ofLongs(shape, new long[n]);
		default -> throw new IllegalArgumentException("unsupported tensor type " + type.displayName());
		};
	}

	/**
	 * Rows {@code from} (inclusive) to {@code to} (exclusive) along the first axis; rows past the end are zeros, so a
	 * model with a fixed batch can be fed a short last batch (its extra outputs are dropped by {@link #concatRows}).
	 */
	public NdArray rows(long from, long to) {
		long rowSize = shape[0] == 0 ? 0 : elementCount() / shape[0];
		long[] s = shape.clone();
		s[0] = to - from;
		Object out = java.lang.reflect.Array.newInstance(data.getClass().getComponentType(), Math.toIntExact(s[0] * rowSize));
		long copied = Math.max(0, Math.min(to, shape[0]) - from);
		System.arraycopy(data, Math.toIntExact(from * rowSize), out, 0, Math.toIntExact(copied * rowSize));
		return new NdArray(type, s, out);
	}

	/** The first {@code rows} rows of {@code parts} joined along the first axis (parts of one type and row shape). */
	public static NdArray concatRows(java.util.List<NdArray> parts, long rows) {
		NdArray first = parts.get(0);
		long rowSize = first.shape[0] == 0 ? 0 : first.elementCount() / first.shape[0];
		long[] s = first.shape.clone();
		s[0] = rows;
		Object out = java.lang.reflect.Array.newInstance(first.data.getClass().getComponentType(), Math.toIntExact(rows * rowSize));
		long at = 0;
		for (NdArray p : parts) {
			long n = Math.min(p.shape[0], rows - at);
			if (n <= 0) {
				break;
			}
			System.arraycopy(p.data, 0, out, Math.toIntExact(at * rowSize), Math.toIntExact(n * rowSize));
			at += n;
		}
		return new NdArray(first.type, s, out);
	}

	public DataType type() {
		return type;
	}

	public long[] shape() {
		return shape.clone();
	}

	public long elementCount() {
		return count(shape);
	}

	private static long count(long[] shape) {
		long n = 1;
		for (long d : shape) {
			n *= d;
		}
		return n;
	}

	/** The backing array (not copied). */
	public Object data() {
		return data;
	}

	public float[] floats() {
		return (float[]) data;
	}

	public byte[] bytes() {
		return (byte[]) data;
	}

	/** The values converted to float, whatever the element type (unsigned types read as unsigned). */
	public float[] toFloats() {
		int n = Math.toIntExact(elementCount());
		float[] out = new float[n];
		switch (data) {
		case float[] f -> System.arraycopy(f, 0, out, 0, n);
		case byte[] b -> {
			for (int i = 0; i < n; i++) {
				out[i] = type == DataType.INT8 ? b[i] : b[i] & 0xFF;
			}
		}
		case short[] s -> {
			for (int i = 0; i < n; i++) {
				out[i] = type == DataType.INT16 ? s[i] : s[i] & 0xFFFF;
			}
		}
		case int[] v -> {
			for (int i = 0; i < n; i++) {
				out[i] = v[i];
			}
		}
		case long[] v -> {
			for (int i = 0; i < n; i++) {
				out[i] = v[i];
			}
		}
		default -> throw new IllegalStateException("unexpected data " + data.getClass());
		}
		return out;
	}

	@Override
	public String toString() {
		return type.displayName() + Arrays.toString(shape);
	}
}
