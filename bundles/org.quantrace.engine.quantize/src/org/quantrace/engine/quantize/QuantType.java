package org.quantrace.engine.quantize;

import org.quantrace.engine.Keyword;
import org.quantrace.engine.onnx.DataType;

/** An integer type values are quantized to, with its range (optionally reduced by one bit). */
public enum QuantType implements Keyword {
	INT8(DataType.INT8, 8, true), UINT8(DataType.UINT8, 8, false), INT16(DataType.INT16, 16, true),
	/** Biases only: scale = input scale × weight scale, zero point 0. */
	INT32(DataType.INT32, 32, true);

	private final DataType dataType;
	private final int bits;
	private final boolean signed;

	QuantType(DataType dataType, int bits, boolean signed) {
		this.dataType = dataType;
		this.bits = bits;
		this.signed = signed;
	}

	public DataType dataType() {
		return dataType;
	}

	public int bits() {
		return bits;
	}

	public boolean signed() {
		return signed;
	}

	/** Smallest code; with {@code reduceRange} the type is used with one bit less (e.g. int8 as [-64, 63]). */
	public long qmin(boolean reduceRange) {
		int b = reduceRange ? bits - 1 : bits;
		return signed ? -(1L << (b - 1)) : 0;
	}

	public long qmax(boolean reduceRange) {
		int b = reduceRange ? bits - 1 : bits;
		return signed ? (1L << (b - 1)) - 1 : (1L << b) - 1;
	}
}
