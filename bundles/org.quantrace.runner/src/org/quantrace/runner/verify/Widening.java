package org.quantrace.runner.verify;

import java.util.Arrays;

/**
 * A quantized weight the model holds wider than the float model's weight along one axis (0: output channels, 1:
 * input channels), read from the two shapes: the quantizer pads depthwise Convs and the Convs around them with
 * channels ONNX Runtime's integer depthwise kernel needs (a multiple of 16). Whether the added channels are zero
 * and ignored is checked elsewhere ({@link WeightCodes}, {@link Paddings}); this only says where they are.
 */
record Widening(int axis, int from, int to) {

	/** The widening from the float weight's dims to the codes' dims, or null when the shapes are equal or differ otherwise. */
	static Widening of(long[] floats, long[] codes) {
		if (floats.length != codes.length || floats.length == 2 || Arrays.equals(floats, codes)) { // 2-D: a MatMul's, maybe transposed
			return null;
		}
		int axis = -1;
		for (int d = 0; d < floats.length; d++) {
			if (floats[d] != codes[d]) {
				if (axis >= 0 || d > 1 || codes[d] < floats[d]) {
					return null;
				}
				axis = d;
			}
		}
		return new Widening(axis, (int) floats[axis], (int) codes[axis]);
	}

	/** The position of code {@code i} (of a tensor with dims {@code codes}) along the widened axis. */
	long coordinate(long i, long[] codes) {
		return i / inner(codes) % to;
	}

	/** The index in the float weight of code {@code i}, which is not an added one. */
	long source(long i, long[] codes) {
		long inner = inner(codes);
		long outer = i / (inner * to);
		return (outer * from + coordinate(i, codes)) * inner + i % inner;
	}

	private long inner(long[] dims) {
		long inner = 1;
		for (int d = axis + 1; d < dims.length; d++) {
			inner *= dims[d];
		}
		return inner;
	}

	/** The log's words for it, on a Conv that is depthwise or not: "8 zero (output|input) channels added (72 → 80)". */
	String text(boolean depthwise) {
		String side = axis == 1 ? "input " : depthwise ? "" : "output ";
		return (to - from) + " zero " + side + "channels added (" + from + " → " + to + ")";
	}
}
