package org.quantrace.runner.verify;

import java.util.Locale;

import org.quantrace.engine.onnx.DataType;
import org.quantrace.engine.onnx.Tensor;

/**
 * The integer codes of a quantized weight or bias re-derived from the float model it was quantized from:
 * each code must be round(w / s) + z (clamped to its type) for the scale and zero point of its channel, up to
 * one step for rounding, and a float weight beyond the range its scale covers (a code clamped by more than a step) differs too.
 * A model whose parameters were kept but whose weights were changed fails here.
 */
final class WeightCodes {

	private WeightCodes() {
	}

	/**
	 * Null when every code agrees with the float weights, else what differs. A weight the model holds widened
	 * ({@link Widening}) must hold the zero point, a weight of exactly 0, in every added channel.
	 */
	static String check(Tensor floats, Tensor codes, Quantizations.Params p) {
		long[] cd = codes.dims();
		long[] fd = floats.dims();
		boolean transposed = cd.length == 2 && fd.length == 2 && cd[0] == fd[1] && cd[1] == fd[0] && cd[0] != cd[1];
		Widening widened = Widening.of(fd, cd);
		if (widened == null && (floats.elementCount() != codes.elementCount() || !transposed && !java.util.Arrays.equals(cd, fd))) {
			return "shape " + java.util.Arrays.toString(cd) + " is not the float weight's " + java.util.Arrays.toString(fd);
		}
		float[] w = floats.toFloatArray();
		long[] q = codes.toLongArray();
		long qmin = min(p.type());
		long qmax = max(p.type());
		long stride = 1;
		for (int d = p.axis() == null ? cd.length : p.axis() + 1; d < cd.length; d++) {
			stride *= cd[d];
		}
		int differ = 0;
		String first = null;
		String padding = widened == null ? null : nonZeroAdded(codes, widened, p);
		for (int i = 0; i < q.length; i++) {
			int c = p.axis() == null ? 0 : (int) ((i / stride) % cd[p.axis()]);
			if (widened != null && widened.coordinate(i, cd) >= widened.from()) {
				continue;
			}
			int source = widened != null ? (int) widened.source(i, cd) : transposed ? (int) ((i % cd[1]) * cd[0] + i / cd[1]) : i;
			double unclamped = Math.rint(w[source] / p.scales().get(c)) + p.zeroPoints().get(c);
			double expected = Math.max(qmin, Math.min(qmax, unclamped));
			// a weight's scale is made from its own range, so its codes never clamp by more than the rounding's step: a float weight
			// beyond the range the scale covers (cbam9's channel-mean weight x1.5 in the converted model: 190.5 steps, clamped to the
			// 127 the quantized model holds) is not the weight the codes were made from
			// (a bias's int32 scale is the input's times the weight's, not its own: a bias beyond int32 is clamped by the writer)
			if (Math.abs(q[i] - expected) > 1 || p.type() != DataType.INT32 && Math.abs(unclamped - expected) > 1) {
				if (differ++ == 0) {
					first = String.format(Locale.ROOT, "first at index %d: %d, round(%s / %s) + %d = %.0f%s", i, q[i], w[source], p.scales().get(c),
							p.zeroPoints().get(c), unclamped, unclamped == expected ? "" : ", beyond [" + qmin + ", " + qmax + "]: outside the range its scale was made for");
				}
			}
		}
		if (padding != null) {
			return padding;
		}
		return differ == 0 ? null : differ + " of " + (widened == null ? q.length : floats.elementCount()) + " codes are not the float model's weights quantized (" + first + ")";
	}

	/**
	 * {@code p} without the channels whose codes are all their zero point (a weight of 0 throughout: a pruned channel). Such a
	 * channel's scale is the formula's placeholder for an empty range (1, as {@link Ranges#params} gives), not a figure of the
	 * tensor's range; {@code p} itself when it is per tensor or every channel is empty.
	 */
	static Quantizations.Params withoutEmptyChannels(Tensor codes, Quantizations.Params p) {
		if (p.axis() == null || p.scales().size() < 2 || p.axis() >= codes.dims().length || codes.dims()[p.axis()] != p.scales().size()) {
			return p;
		}
		long[] cd = codes.dims();
		long[] q = codes.toLongArray();
		long stride = 1;
		for (int d = p.axis() + 1; d < cd.length; d++) {
			stride *= cd[d];
		}
		boolean[] holds = new boolean[p.scales().size()];
		for (int i = 0; i < q.length; i++) {
			int c = (int) ((i / stride) % cd[p.axis()]);
			holds[c] |= q[i] != p.zeroPoints().get(c);
		}
		java.util.List<Float> scales = new java.util.ArrayList<>();
		java.util.List<Long> zeros = new java.util.ArrayList<>();
		for (int c = 0; c < holds.length; c++) {
			if (holds[c]) {
				scales.add(p.scales().get(c));
				zeros.add(p.zeroPoints().get(c));
			}
		}
		return scales.isEmpty() || scales.size() == holds.length ? p : new Quantizations.Params(p.type(), scales, zeros, p.axis(), p.codes(), p.asymmetricAtMid());
	}

	/** Null when every added channel of a widened weight holds its channel's zero point (the weight 0), else the first that does not. */
	static String nonZeroAdded(Tensor codes, Widening widened, Quantizations.Params p) {
		long[] cd = codes.dims();
		long[] q = codes.toLongArray();
		long stride = 1;
		for (int d = p.axis() == null ? cd.length : p.axis() + 1; d < cd.length; d++) {
			stride *= cd[d];
		}
		for (int i = 0; i < q.length; i++) {
			int c = p.axis() == null ? 0 : (int) ((i / stride) % cd[p.axis()]);
			if (widened.coordinate(i, cd) >= widened.from() && q[i] != p.zeroPoints().get(c)) {
				return String.format(Locale.ROOT, "added %s channel %d holds code %d at index %d, not the zero point %d: a weight that is not 0",
						widened.axis() == 0 ? "output" : "input", widened.coordinate(i, cd), q[i], i, p.zeroPoints().get(c));
			}
		}
		return null;
	}

	static long min(DataType t) {
		return switch (t) {
		case INT8 -> -128;
		case INT16 -> -32768;
		case INT32 -> Integer.MIN_VALUE;
		case INT4 -> -8;
		default -> 0;
		};
	}

	static long max(DataType t) {
		return switch (t) {
		case INT8 -> 127;
		case UINT8 -> 255;
		case INT16 -> 32767;
		case UINT16 -> 65535;
		case INT32 -> Integer.MAX_VALUE;
		case INT4 -> 7;
		case UINT4 -> 15;
		default -> 0;
		};
	}
}
