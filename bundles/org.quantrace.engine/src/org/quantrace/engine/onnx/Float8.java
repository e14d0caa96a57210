package org.quantrace.engine.onnx;

/**
 * The four 8-bit float types of ONNX (opset 19+: QuantizeLinear/DequantizeLinear codes of FP8 post-training quantization, as
 * NVIDIA ModelOpt and TensorRT's exports write them) read as float32, by the ONNX specification's table of each: E4M3FN (bias
 * 7, no infinity, S.1111.111 NaN), E4M3FNUZ (bias 8, 0x80 NaN, no negative zero), E5M2 (bias 15, IEEE's infinities and NaNs:
 * float16's upper byte) and E5M2FNUZ (bias 16, 0x80 NaN).
 */
public final class Float8 {

	private Float8() {
	}

	public static boolean is(DataType type) {
		return type == DataType.FLOAT8E4M3FN || type == DataType.FLOAT8E4M3FNUZ || type == DataType.FLOAT8E5M2 || type == DataType.FLOAT8E5M2FNUZ;
	}

	/** The value of one code of {@code type}, one of the four {@link #is float8 types}. */
	public static float toFloat(DataType type, byte code) {
		int c = code & 0xFF;
		boolean e4 = type == DataType.FLOAT8E4M3FN || type == DataType.FLOAT8E4M3FNUZ;
		boolean uz = type == DataType.FLOAT8E4M3FNUZ || type == DataType.FLOAT8E5M2FNUZ;
		int mBits = e4 ? 3 : 2;
		int eMax = e4 ? 15 : 31;
		int bias = (e4 ? 7 : 15) + (uz ? 1 : 0);
		int e = (c & 0x7F) >> mBits;
		int m = c & ((1 << mBits) - 1);
		if (uz && c == 0x80) {
			return Float.NaN;
		}
		if (type == DataType.FLOAT8E5M2 && e == eMax) {
			return m != 0 ? Float.NaN : (c & 0x80) != 0 ? Float.NEGATIVE_INFINITY : Float.POSITIVE_INFINITY;
		}
		if (type == DataType.FLOAT8E4M3FN && (c & 0x7F) == 0x7F) {
			return Float.NaN;
		}
		double v = e == 0 ? m / (double) (1 << mBits) * Math.pow(2, 1 - bias) : (1 + m / (double) (1 << mBits)) * Math.pow(2, e - bias);
		return (float) ((c & 0x80) != 0 ? -v : v);
	}

	/** Whether a QuantizeLinear or DequantizeLinear of {@code model} (subgraphs included) reads or writes float8 codes. */
	public static boolean codesIn(OnnxModel model) {
		return !typesIn(model).isEmpty();
	}

	/** The float8 types of the constants {@code model}'s QuantizeLinear and DequantizeLinear (subgraphs included) read, in order. */
	public static java.util.SortedSet<DataType> typesIn(OnnxModel model) {
		return model.graph().allNodes().stream().filter(n -> n.opType().equals("QuantizeLinear") || n.opType().equals("DequantizeLinear"))
				.flatMap(n -> n.inputs().stream().filter(i -> !i.isEmpty()).map(i -> n.graph().constant(i))).filter(t -> t != null && is(t.dataType()))
				.map(Tensor::dataType).collect(java.util.stream.Collectors.toCollection(java.util.TreeSet::new));
	}
}
