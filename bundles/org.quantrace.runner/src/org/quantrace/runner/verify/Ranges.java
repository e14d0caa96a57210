package org.quantrace.runner.verify;

import java.util.List;
import java.util.Locale;

import org.quantrace.engine.onnx.DataType;
import org.quantrace.model.trace.TensorQuantizationRecord;

/**
 * The documented formula from a range [α, β] (widened to contain 0) to a scale and zero point, written here
 * once more so that a recorded calibration range can be held against what the model stores:
 * <ul>
 * <li>symmetric: s = max(|α|, |β|) / (2^(b-1) - 1), z = 0 (signed) or 2^(b-1) (unsigned);</li>
 * <li>asymmetric: s = (β - α) / (qmax - qmin), z = round(qmin - α / s) clamped to [qmin, qmax];</li>
 * </ul>
 * b the type's bits, one less with a reduced range; s computed in double and stored as float32; an empty range
 * gives s = 1.
 */
final class Ranges {

	private Ranges() {
	}

	static int bits(DataType t) {
		return switch (t) {
		case INT4, UINT4 -> 4;
		case INT16, UINT16 -> 16;
		case INT32 -> 32;
		default -> 8;
		};
	}

	static boolean signed(DataType t) {
		return t == DataType.INT8 || t == DataType.INT16 || t == DataType.INT32 || t == DataType.INT4;
	}

	/** [qmin, qmax] of a type, with one bit less when {@code reduce}. */
	static long[] bounds(DataType t, boolean reduce) {
		int b = reduce ? bits(t) - 1 : bits(t);
		return signed(t) ? new long[] { -(1L << (b - 1)), (1L << (b - 1)) - 1 } : new long[] { 0, (1L << b) - 1 };
	}

	/** {s, z} from the range by the formula of the scheme. */
	static double[] params(double lo, double hi, DataType type, boolean symmetric, boolean reduce) {
		double a = Math.min(lo, 0);
		double c = Math.max(hi, 0);
		if (symmetric) {
			int b = reduce ? bits(type) - 1 : bits(type);
			long half = (1L << (b - 1)) - 1;
			double m = Math.max(Math.abs(a), Math.abs(c));
			return new double[] { m > 0 ? (float) (m / half) : 1f, signed(type) ? 0 : 1L << (b - 1) };
		}
		long[] q = bounds(type, reduce);
		float s = c - a > 0 ? (float) ((c - a) / (q[1] - q[0])) : 1f;
		return new double[] { s, Math.max(q[0], Math.min(q[1], Math.round(q[0] - a / s))) };
	}

	/**
	 * A recorded range against the model's scale and zero point: per tensor, or for symmetric per-channel
	 * weights (whose record keeps the tensor's range) the largest channel scale, which that range determines.
	 */
	private static boolean agrees(double[] sz, float scale, long zero) {
		return sameScale((float) sz[0], scale) && (long) sz[1] == zero;
	}

	/**
	 * A scale the formula gives from the recorded range, against the model's: equal, or one float step apart for the
	 * output of a Mul/Div by a constant folded into the scale (attention's Q/√d), whose scale is its input's times the
	 * factor and whose recorded range is its input's times the factor, each rounded to float once.
	 */
	static boolean sameScale(float derived, float held) {
		return Math.abs(derived - held) <= Math.ulp(held);
	}

	static void check(String document, String where, TensorQuantizationRecord t, Quantizations.Params held, boolean reduce, List<Mismatch> found) {
		if (t.getRangeMin().size() != 1 || t.getRangeMax().size() != 1 || held.scales().isEmpty()) {
			return;
		}
		boolean perChannel = held.scales().size() > 1;
		if (perChannel && !held.symmetric()) {
			return; // an asymmetric channel's range is not the tensor's: nothing to re-derive from the record
		}
		double lo = t.getRangeMin().get(0);
		double hi = t.getRangeMax().get(0);
		double[] sz = params(lo, hi, held.type(), held.symmetric(), reduce);
		float scale = perChannel ? held.scales().stream().max(Float::compare).get() : held.scales().get(0);
		long zero = held.zeroPoints().get(0);
		// a per-tensor zero point at the symmetric one (0 signed, 128 unsigned) may also be what the asymmetric formula
		// gives (a range about as far below 0 as above): the file cannot tell the two apart, so either formula may hold
		boolean either = !perChannel && held.symmetric() && agrees(params(lo, hi, held.type(), false, reduce), scale, zero);
		if (!either && !agrees(sz, scale, zero)) {
			found.add(new Mismatch(document, where + " range", String.format(Locale.ROOT, "[%s, %s], which gives s = %s, z = %d by the %s formula", lo, hi,
					(float) sz[0], (long) sz[1], held.symmetric() ? "symmetric" : "asymmetric"),
					"the model holds s = " + scale + ", z = " + zero + (perChannel ? " (largest channel scale)" : "")));
		}
	}
}
