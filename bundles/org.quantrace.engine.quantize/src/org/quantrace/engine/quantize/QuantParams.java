package org.quantrace.engine.quantize;

import java.util.Arrays;

/**
 * Affine quantization parameters of one tensor: r = s (q - z), per tensor (axis -1) or one scale and
 * zero point per slice along {@code axis}.
 */
public record QuantParams(QuantType type, float[] scales, long[] zeroPoints, int axis, boolean reduceRange) {

	public QuantParams {
		if (scales.length != zeroPoints.length || scales.length == 0) {
			throw new IllegalArgumentException("need as many scales as zero points, got " + scales.length + " and " + zeroPoints.length);
		}
		for (float s : scales) {
			if (!(s > 0) || Float.isInfinite(s)) {
				throw new IllegalArgumentException("scales must be positive and finite: " + Arrays.toString(scales));
			}
		}
	}

	public static QuantParams perTensor(QuantType type, float scale, long zeroPoint, boolean reduceRange) {
		return new QuantParams(type, new float[] { scale }, new long[] { zeroPoint }, -1, reduceRange);
	}

	public boolean perChannel() {
		return axis >= 0;
	}

	public float scale() {
		return scales[0];
	}

	public long zeroPoint() {
		return zeroPoints[0];
	}

	public long qmin() {
		return type.qmin(reduceRange);
	}

	public long qmax() {
		return type.qmax(reduceRange);
	}

	/** The real range the codes cover: [s (qmin - z), s (qmax - z)] for the first (or only) channel. */
	public double representableMin() {
		return scales[0] * (double) (qmin() - zeroPoints[0]);
	}

	public double representableMax() {
		return scales[0] * (double) (qmax() - zeroPoints[0]);
	}

	@Override
	public boolean equals(Object o) {
		return o instanceof QuantParams p && p.type == type && Arrays.equals(p.scales, scales) && Arrays.equals(p.zeroPoints, zeroPoints)
				&& p.axis == axis && p.reduceRange == reduceRange;
	}

	@Override
	public int hashCode() {
		return Arrays.hashCode(scales) * 31 + Arrays.hashCode(zeroPoints);
	}

	@Override
	public String toString() {
		return type + (perChannel() ? " axis " + axis + " s=" + Arrays.toString(scales) : " s=" + scales[0] + " z=" + zeroPoints[0]);
	}
}
