package org.quantrace.engine.onnx;

import java.util.Arrays;

/**
 * ONNX tensor element types (TensorProto.DataType), with the byte size and the display name used in
 * reports. Display names follow the results deck's tensor inventories (FLOAT32, INT8, UINT8, ...).
 */
public enum DataType {
	UNDEFINED(0, 0, "UNDEFINED"),
	FLOAT(1, 4, "FLOAT32"),
	UINT8(2, 1, "UINT8"),
	INT8(3, 1, "INT8"),
	UINT16(4, 2, "UINT16"),
	INT16(5, 2, "INT16"),
	INT32(6, 4, "INT32"),
	INT64(7, 8, "INT64"),
	STRING(8, 0, "STRING"),
	BOOL(9, 1, "BOOL"),
	FLOAT16(10, 2, "FLOAT16"),
	DOUBLE(11, 8, "FLOAT64"),
	UINT32(12, 4, "UINT32"),
	UINT64(13, 8, "UINT64"),
	COMPLEX64(14, 8, "COMPLEX64"),
	COMPLEX128(15, 16, "COMPLEX128"),
	BFLOAT16(16, 2, "BFLOAT16"),
	FLOAT8E4M3FN(17, 1, "FLOAT8E4M3FN"),
	FLOAT8E4M3FNUZ(18, 1, "FLOAT8E4M3FNUZ"),
	FLOAT8E5M2(19, 1, "FLOAT8E5M2"),
	FLOAT8E5M2FNUZ(20, 1, "FLOAT8E5M2FNUZ"),
	UINT4(21, 1, "UINT4"),
	INT4(22, 1, "INT4");

	private static final DataType[] BY_CODE = new DataType[23];
	static {
		for (DataType t : values()) {
			BY_CODE[t.code] = t;
		}
	}

	private final int code;
	private final int byteSize;
	private final String displayName;

	DataType(int code, int byteSize, String displayName) {
		this.code = code;
		this.byteSize = byteSize;
		this.displayName = displayName;
	}

	/** The TensorProto.DataType number. */
	public int code() {
		return code;
	}

	/** Bytes per element (4-bit types count as 1: ONNX packs two per byte, see {@link #storageBytes(long)}). */
	public int byteSize() {
		return byteSize;
	}

	public String displayName() {
		return displayName;
	}

	/** Bytes needed to store {@code elements} values of this type. */
	public long storageBytes(long elements) {
		return this == UINT4 || this == INT4 ? (elements + 1) / 2 : elements * byteSize;
	}

	/**
	 * Whether samples of this type can be fed to a model input of type {@code input}: the same type, or float32 samples
	 * for a float16 or bfloat16 input (the session rounds them; every dataset reader yields float32).
	 */
	public boolean feeds(DataType input) {
		return this == input || this == FLOAT && (input == FLOAT16 || input == BFLOAT16);
	}

	public boolean isFloatingPoint() {
		return switch (this) {
		case FLOAT, DOUBLE, FLOAT16, BFLOAT16, FLOAT8E4M3FN, FLOAT8E4M3FNUZ, FLOAT8E5M2, FLOAT8E5M2FNUZ -> true;
		default -> false;
		};
	}

	public boolean isInteger() {
		return switch (this) {
		case UINT8, INT8, UINT16, INT16, INT32, INT64, UINT32, UINT64, UINT4, INT4 -> true;
		default -> false;
		};
	}

	/** The display name, so reports and JSON show FLOAT32 rather than FLOAT. */
	@Override
	public String toString() {
		return displayName;
	}

	public static DataType of(int code) {
		if (code < 0 || code >= BY_CODE.length || BY_CODE[code] == null) {
			throw new IllegalArgumentException("unknown ONNX tensor data type " + code + " (known: "
					+ Arrays.toString(values()) + ")");
		}
		return BY_CODE[code];
	}
}
