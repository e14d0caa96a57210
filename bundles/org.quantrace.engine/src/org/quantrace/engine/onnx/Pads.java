package org.quantrace.engine.onnx;

import java.util.List;

/**
 * A Pad node's pads, the one reader of them: the layout pass moves them with a Transpose, the conversion folds them into a Conv,
 * and channel pruning asks whether they leave the channel axis alone.
 */
public final class Pads {

	private Pads() {
	}

	/** The Pad's pads, from its attribute (opset <= 10) or its constant int64 input; null when they are computed. */
	public static long[] of(Graph g, Node pad) {
		if (pad.inputs().size() < 2 || pad.input(1).isEmpty()) {
			List<Long> a = pad.intsAttribute("pads");
			return a.isEmpty() ? null : a.stream().mapToLong(Long::longValue).toArray();
		}
		Tensor t = g.constant(pad.input(1));
		return t == null || t.dataType() != DataType.INT64 ? null : t.toLongArray();
	}

	/**
	 * Whether the Pad adds nothing at either end of {@code axis} of its input of rank {@code rank}: its pads (begins, then ends) are
	 * known and zero there, also where an {@code axes} input (opset 18) names the axes they are for. A Pad of the spatial axes of an
	 * [N, C, H, W] tensor (Keras ZeroPadding2D) keeps each channel apart; one of the channel axis adds channels.
	 */
	public static boolean leavesAxis(Graph g, Node pad, int axis, int rank) {
		long[] pads = of(g, pad);
		if (pads == null || rank < 1) {
			return false;
		}
		long[] axes;
		if (pad.inputs().size() > 3 && !pad.input(3).isEmpty()) {
			Tensor t = g.constant(pad.input(3));
			if (t == null) {
				return false;
			}
			axes = t.toLongArray();
		} else {
			axes = new long[rank];
			for (int i = 0; i < rank; i++) {
				axes[i] = i;
			}
		}
		if (pads.length != 2 * axes.length) {
			return false;
		}
		for (int i = 0; i < axes.length; i++) {
			long a = axes[i] < 0 ? axes[i] + rank : axes[i];
			if (a == axis && (pads[i] != 0 || pads[axes.length + i] != 0)) {
				return false;
			}
		}
		return true;
	}
}
