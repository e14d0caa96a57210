package org.quantrace.engine.quantize;

import java.util.ArrayList;
import java.util.List;

import org.quantrace.engine.calibrate.Range;
import org.quantrace.engine.quantize.QuantizationSpec.Symmetry;

/**
 * The affine quantization arithmetic, as ONNX defines QuantizeLinear/DequantizeLinear:
 * q = saturate(round_half_even(x / s) + z), x' = (q - z) s, computed in float32.
 *
 * <p>Scales from a range [α, β] (widened to contain 0):
 * <ul>
 * <li>asymmetric: s = (β - α) / (qmax - qmin), z = round(qmin - α / s), clamped;</li>
 * <li>symmetric: s = max(|α|, |β|) / (2^(b-1) - 1), z = 0 for signed types and 2^(b-1) for unsigned ones,
 * so that both signs reach the same magnitude (int8 uses [-127, 127]).</li>
 * </ul>
 * In the PhIMT0003 template's notation f(x) = s'·x these are s' = 1/s = (2^b - 1)/(β - α).
 */
public final class QuantMath {

	private QuantMath() {
	}

	/** Scale and zero point covering {@code range} with {@code type}. */
	public static QuantParams params(Range range, QuantType type, Symmetry scheme, boolean reduceRange) {
		double[] sz = scaleAndZeroPoint(range, type, scheme, reduceRange);
		return QuantParams.perTensor(type, (float) sz[0], (long) sz[1], reduceRange);
	}

	/** {scale, zeroPoint} for one range. */
	static double[] scaleAndZeroPoint(Range range, QuantType type, Symmetry scheme, boolean reduceRange) {
		long qmin = type.qmin(reduceRange);
		long qmax = type.qmax(reduceRange);
		Range r = range.includingZero();
		if (scheme == Symmetry.SYMMETRIC) {
			int b = reduceRange ? type.bits() - 1 : type.bits();
			long half = (1L << (b - 1)) - 1;
			double a = r.absMax();
			float s = a > 0 ? (float) (a / half) : 1f;
			return new double[] { s, type.signed() ? 0 : 1L << (b - 1) };
		}
		double width = r.max() - r.min();
		float s = width > 0 ? (float) (width / (qmax - qmin)) : 1f;
		long z = Math.round(qmin - r.min() / s);
		return new double[] { s, Math.max(qmin, Math.min(qmax, z)) };
	}

	/** Per-channel parameters: one range per slice along {@code axis}. */
	public static QuantParams params(Range[] ranges, int axis, QuantType type, Symmetry scheme, boolean reduceRange) {
		float[] scales = new float[ranges.length];
		long[] zeros = new long[ranges.length];
		for (int c = 0; c < ranges.length; c++) {
			double[] sz = scaleAndZeroPoint(ranges[c], type, scheme, reduceRange);
			scales[c] = (float) sz[0];
			zeros[c] = (long) sz[1];
		}
		return new QuantParams(type, scales, zeros, axis, reduceRange);
	}

	public static long quantize(float x, float scale, long zeroPoint, long qmin, long qmax) {
		double q = Math.rint(x / scale) + zeroPoint; // x / scale in float32, as QuantizeLinear does
		return (long) Math.max(qmin, Math.min(qmax, q));
	}

	public static float dequantize(long q, float scale, long zeroPoint) {
		return (q - zeroPoint) * scale;
	}

	/**
	 * Quantizes {@code values} laid out with {@code dims}; per-channel parameters apply along their axis.
	 * Returns the codes as longs (callers narrow them to the storage type).
	 */
	public static long[] quantize(float[] values, long[] dims, QuantParams p) {
		long[] out = new long[values.length];
		long qmin = p.qmin();
		long qmax = p.qmax();
		if (!p.perChannel()) {
			for (int i = 0; i < values.length; i++) {
				out[i] = quantize(values[i], p.scale(), p.zeroPoint(), qmin, qmax);
			}
			return out;
		}
		int[] layout = channelLayout(dims, p.axis());
		for (int i = 0; i < values.length; i++) {
			int c = (i / layout[1]) % layout[0];
			out[i] = quantize(values[i], p.scales()[c], p.zeroPoints()[c], qmin, qmax);
		}
		return out;
	}

	public static float[] dequantize(long[] codes, long[] dims, QuantParams p) {
		float[] out = new float[codes.length];
		int[] layout = p.perChannel() ? channelLayout(dims, p.axis()) : new int[] { 1, 1 };
		for (int i = 0; i < codes.length; i++) {
			int c = (i / layout[1]) % layout[0];
			out[i] = dequantize(codes[i], p.scales()[c], p.zeroPoints()[c]);
		}
		return out;
	}

	/** {channels, elements per step of the channel index} for a row-major tensor. */
	static int[] channelLayout(long[] dims, int axis) {
		long inner = 1;
		for (int d = axis + 1; d < dims.length; d++) {
			inner *= dims[d];
		}
		return new int[] { (int) dims[axis], (int) inner };
	}

	/** Min and max of each slice along {@code axis}. */
	public static Range[] channelRanges(float[] values, long[] dims, int axis) {
		int[] layout = channelLayout(dims, axis);
		double[] min = new double[layout[0]];
		double[] max = new double[layout[0]];
		java.util.Arrays.fill(min, Double.POSITIVE_INFINITY);
		java.util.Arrays.fill(max, Double.NEGATIVE_INFINITY);
		for (int i = 0; i < values.length; i++) {
			int c = (i / layout[1]) % layout[0];
			min[c] = Math.min(min[c], values[i]);
			max[c] = Math.max(max[c], values[i]);
		}
		Range[] ranges = new Range[layout[0]];
		for (int c = 0; c < ranges.length; c++) {
			ranges[c] = new Range(min[c], max[c]);
		}
		return ranges;
	}

	public static Range range(float[] values) {
		double min = Double.POSITIVE_INFINITY;
		double max = Double.NEGATIVE_INFINITY;
		for (float v : values) {
			min = Math.min(min, v);
			max = Math.max(max, v);
		}
		return new Range(min, max);
	}

	/**
	 * The channels of {@code bias} whose int32 code at scale s_input * s_weight lies beyond int32 (quantizeBias clamps them):
	 * int16 weights with int16 activations make that scale about 1e-10, which a bias of 1 exceeds.
	 */
	public static List<Integer> biasChannelsBeyondInt32(float[] bias, float inputScale, float[] weightScales) {
		List<Integer> beyond = new ArrayList<>();
		for (int i = 0; i < bias.length; i++) {
			double q = Math.rint(bias[i] / (inputScale * weightScales[weightScales.length == 1 ? 0 : i]));
			if (q > Integer.MAX_VALUE || q < Integer.MIN_VALUE) {
				beyond.add(i);
			}
		}
		return beyond;
	}

	/** Bias codes: int32 with scale s_input * s_weight (per weight channel) and zero point 0. */
	public static int[] quantizeBias(float[] bias, float inputScale, float[] weightScales) {
		int[] out = new int[bias.length];
		for (int i = 0; i < bias.length; i++) {
			float s = inputScale * weightScales[weightScales.length == 1 ? 0 : i];
			double q = Math.rint(bias[i] / s);
			out[i] = (int) Math.max(Integer.MIN_VALUE, Math.min(Integer.MAX_VALUE, q));
		}
		return out;
	}
}
