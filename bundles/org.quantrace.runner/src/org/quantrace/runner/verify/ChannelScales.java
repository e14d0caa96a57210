package org.quantrace.runner.verify;

import java.util.List;
import java.util.Locale;

import org.quantrace.engine.onnx.Tensor;

/**
 * Every channel's scale of a per-channel weight, derived again from the float model's weights by the formula the logs
 * state ({@link Ranges#params} on the channel's own [min, max]: max |w_c| / qmax when symmetric, reduced range where the
 * trace says so) and held against the model's: equal, or one float step apart. The trace keeps one range per tensor, which
 * fixes only the largest channel's scale ({@link Ranges}); a smaller channel held at a coarser scale, its codes remade to
 * match, passed every other check. The writer's exceptions are accounted for by the caller: a scale widened for the int32
 * bias is replaced by the formula's and checked against its own rule ({@link BiasFitScales}), padded depthwise channels are
 * left out ({@link Paddings#original}); an all-zero channel's empty range gives the formula's placeholder 1, as written.
 */
final class ChannelScales {

	private ChannelScales() {
	}

	/** Adds a mismatch naming {@code where}, the channel and both scales for each channel of {@code held} the formula does not give. */
	static void check(String document, String where, Tensor floats, Quantizations.Params held, boolean reduce, List<Mismatch> found) {
		if (held.axis() == null || held.scales().size() < 2) {
			return;
		}
		double[][] ranges = BiasFitScales.channelRanges(floats, held);
		if (ranges == null || ranges.length != held.scales().size()) { // a channel count the float weight does not show: nothing to pair
			return;
		}
		for (int c = 0; c < ranges.length; c++) {
			double[] sz = Ranges.params(ranges[c][0], ranges[c][1], held.type(), held.symmetric(), reduce);
			float scale = held.scales().get(c);
			long zero = held.zeroPoints().get(c);
			if (!Ranges.sameScale((float) sz[0], scale) || (long) sz[1] != zero) {
				found.add(new Mismatch(document, where + " channel " + c + " scale",
						String.format(Locale.ROOT, "s = %s, z = %d by the %s formula from the channel's float weights [%s, %s]", (float) sz[0], (long) sz[1],
								held.symmetric() ? "symmetric" : "asymmetric", ranges[c][0], ranges[c][1]),
						"the model holds s = " + scale + ", z = " + zero));
			}
		}
	}
}
