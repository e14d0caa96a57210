package org.quantrace.engine.onnx;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.List;

import com.google.protobuf.ByteString;

import ai.onnx.proto.OnnxMl.TensorProto;

/**
 * An immutable constant tensor (an initializer or a Constant node's value), decoding the several ways
 * ONNX stores data (raw little-endian bytes or typed repeated fields) into Java arrays.
 */
public final class Tensor {

	private final TensorProto proto;

	private Tensor(TensorProto proto) {
		this.proto = proto;
	}

	public static Tensor of(TensorProto proto) {
		return new Tensor(proto);
	}

	public TensorProto proto() {
		return proto;
	}

	public String name() {
		return proto.getName();
	}

	public DataType dataType() {
		return DataType.of(proto.getDataType());
	}

	public long[] dims() {
		return proto.getDimsList().stream().mapToLong(Long::longValue).toArray();
	}

	/** Number of elements: the product of the dimensions (1 for a scalar). */
	public long elementCount() {
		long n = 1;
		for (long d : proto.getDimsList()) {
			n *= d;
		}
		return n;
	}

	/**
	 * This constant's value for each of {@code channels} channels of axis 1 of a tensor of the given rank that it is
	 * broadcast onto (as a Mul's or an Add's operand): one value for all, or one per channel along the axis that lines up
	 * with axis 1 when the shapes are aligned from the right (every other dimension 1, no more dimensions than the
	 * tensor); else null. After a 2-D Conv [C, 1, 1] and [1, C, 1, 1] are per channel; [C] (the last axis) and [C, 1, 1, 1]
	 * (the batch axis) are not.
	 */
	public float[] channelValues(int channels, int rank) {
		long[] d = dims();
		if (d.length > rank) {
			return null;
		}
		float[] v = toFloatArray();
		if (v.length == 1) {
			float[] all = new float[channels];
			java.util.Arrays.fill(all, v[0]);
			return all;
		}
		int channelAxis = d.length - (rank - 1);
		if (channelAxis < 0 || v.length != channels) {
			return null;
		}
		for (int i = 0; i < d.length; i++) {
			if (d[i] != (i == channelAxis ? channels : 1)) {
				return null;
			}
		}
		return v;
	}

	/** Bytes the values occupy (strings: their UTF-8 length). */
	public long byteSize() {
		if (dataType() == DataType.STRING) {
			return proto.getStringDataList().stream().mapToLong(ByteString::size).sum();
		}
		return dataType().storageBytes(elementCount());
	}

	public Tensor withName(String name) {
		return new Tensor(proto.toBuilder().setName(name).build());
	}

	private boolean hasRaw() {
		return proto.hasRawData();
	}

	private ByteBuffer raw() {
		return proto.getRawData().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
	}

	/** The values as float, converting from any numeric type. */
	public float[] toFloatArray() {
		int n = Math.toIntExact(elementCount());
		DataType type = dataType();
		float[] out = new float[n];
		switch (type) {
		case FLOAT -> {
			if (hasRaw()) {
				raw().asFloatBuffer().get(out);
			} else {
				for (int i = 0; i < n; i++) {
					out[i] = proto.getFloatData(i);
				}
			}
		}
		case DOUBLE -> {
			if (hasRaw()) {
				var b = raw().asDoubleBuffer();
				for (int i = 0; i < n; i++) {
					out[i] = (float) b.get(i);
				}
			} else {
				for (int i = 0; i < n; i++) {
					out[i] = (float) proto.getDoubleData(i);
				}
			}
		}
		case FLOAT16, BFLOAT16 -> {
			for (int i = 0; i < n; i++) {
				int bits = hasRaw() ? raw().getShort(2 * i) & 0xFFFF : proto.getInt32Data(i) & 0xFFFF;
				out[i] = type == DataType.FLOAT16 ? Float.float16ToFloat((short) bits) : Float.intBitsToFloat(bits << 16);
			}
		}
		default -> {
			long[] longs = toLongArray();
			for (int i = 0; i < n; i++) {
				out[i] = longs[i];
			}
		}
		}
		return out;
	}

	/** The values of an integer or boolean tensor as long. */
	public long[] toLongArray() {
		int n = Math.toIntExact(elementCount());
		DataType type = dataType();
		long[] out = new long[n];
		if (hasRaw()) {
			ByteBuffer b = raw();
			for (int i = 0; i < n; i++) {
				out[i] = switch (type) {
				case INT8 -> b.get(i);
				case UINT8, BOOL -> b.get(i) & 0xFF;
				case INT16 -> b.getShort(2 * i);
				case UINT16 -> b.getShort(2 * i) & 0xFFFF;
				case INT32 -> b.getInt(4 * i);
				case UINT32 -> b.getInt(4 * i) & 0xFFFFFFFFL;
				case INT64, UINT64 -> b.getLong(8 * i);
				case INT4 -> ((byte) ((b.get(i / 2) >> (4 * (i % 2))) << 4)) >> 4;
				case UINT4 -> (b.get(i / 2) >> (4 * (i % 2))) & 0xF;
				default -> throw new IllegalStateException(name() + ": " + type + " is not an integer type");
				};
			}
			return out;
		}
		for (int i = 0; i < n; i++) {
			out[i] = switch (type) {
			case INT8, UINT8, BOOL, INT16, UINT16, INT32 -> proto.getInt32Data(i);
			case INT64 -> proto.getInt64Data(i);
			case UINT32, UINT64 -> proto.getUint64Data(i);
			case INT4, UINT4 -> {
				int packed = proto.getInt32Data(i / 2);
				int nibble = (packed >> (4 * (i % 2))) & 0xF;
				yield type == DataType.INT4 && nibble > 7 ? nibble - 16 : nibble;
			}
			default -> throw new IllegalStateException(name() + ": " + type + " is not an integer type");
			};
		}
		return out;
	}

	// ------------------------------------------------------------------ factories

	public static Tensor ofFloats(String name, long[] dims, float[] values) {
		checkCount(dims, values.length);
		ByteBuffer b = ByteBuffer.allocate(4 * values.length).order(ByteOrder.LITTLE_ENDIAN);
		b.asFloatBuffer().put(values);
		return raw(name, DataType.FLOAT, dims, b.array());
	}

	/** int8 or uint8 values, given as the bytes to store. */
	public static Tensor ofBytes(String name, DataType type, long[] dims, byte[] values) {
		if (type.byteSize() != 1 || type == DataType.INT4 || type == DataType.UINT4) {
			throw new IllegalArgumentException(type + " is not a one-byte type");
		}
		checkCount(dims, values.length);
		return raw(name, type, dims, values.clone());
	}

	public static Tensor ofShorts(String name, DataType type, long[] dims, short[] values) {
		checkCount(dims, values.length);
		ByteBuffer b = ByteBuffer.allocate(2 * values.length).order(ByteOrder.LITTLE_ENDIAN);
		b.asShortBuffer().put(values);
		return raw(name, type, dims, b.array());
	}

	public static Tensor ofInts(String name, long[] dims, int[] values) {
		checkCount(dims, values.length);
		ByteBuffer b = ByteBuffer.allocate(4 * values.length).order(ByteOrder.LITTLE_ENDIAN);
		b.asIntBuffer().put(values);
		return raw(name, DataType.INT32, dims, b.array());
	}

	public static Tensor ofLongs(String name, long[] dims, long[] values) {
		checkCount(dims, values.length);
		ByteBuffer b = ByteBuffer.allocate(8 * values.length).order(ByteOrder.LITTLE_ENDIAN);
		b.asLongBuffer().put(values);
		return raw(name, DataType.INT64, dims, b.array());
	}

	private static Tensor raw(String name, DataType type, long[] dims, byte[] bytes) {
		TensorProto.Builder b = TensorProto.newBuilder().setDataType(type.code()).setName(name)
				.setRawData(ByteString.copyFrom(bytes));
		for (long d : dims) {
			b.addDims(d);
		}
		return new Tensor(b.build());
	}

	private static void checkCount(long[] dims, int count) {
		long n = 1;
		for (long d : dims) {
			n *= d;
		}
		if (n != count) {
			throw new IllegalArgumentException("shape " + Arrays.toString(dims) + " holds " + n + " values, got " + count);
		}
	}

	/** Shape as a list, for messages. */
	public List<Long> shape() {
		return proto.getDimsList();
	}

	@Override
	public String toString() {
		return name() + " " + dataType().displayName() + Arrays.toString(dims());
	}
}
