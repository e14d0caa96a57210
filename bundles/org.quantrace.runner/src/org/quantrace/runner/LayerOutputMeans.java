package org.quantrace.runner;

import java.util.LinkedHashMap;
import java.util.Map;

import org.quantrace.engine.data.Dataset;
import org.quantrace.engine.onnx.OnnxModel;

/**
 * Verify's own per-channel means of some inner tensors of a model over a dataset ({@link BiasCorrectionRecheck}), run by
 * {@link InnerTensors}: each channel's values summed in double over the samples and every other axis.
 */
final class LayerOutputMeans {

	private LayerOutputMeans() {
	}

	/** The per-channel mean of each tensor of {@code channelAxis} (its channel axis; negative counts from the last) in {@code model}. */
	static Map<String, double[]> of(OnnxModel model, OnnxModel floatModel, Map<String, Integer> channelAxis, Dataset data, String name) {
		Map<String, double[]> sums = new LinkedHashMap<>();
		Map<String, Long> perChannel = new LinkedHashMap<>();
		if (channelAxis.isEmpty()) {
			return sums;
		}
		InnerTensors.visit(model, floatModel, channelAxis.keySet(), data, name, (tensor, shape, values) -> {
			int axis = Math.floorMod(channelAxis.get(tensor), shape.length);
			int channels = (int) shape[axis];
			long inner = 1;
			for (int a = axis + 1; a < shape.length; a++) {
				inner *= shape[a];
			}
			double[] sum = sums.computeIfAbsent(tensor, k -> new double[channels]);
			if (sum.length != channels) {
				throw new org.quantrace.engine.InvalidInputException(name + ": tensor '" + tensor + "' has " + sum.length + " channels, then "
						+ channels, "a bias correction is measured on samples of one shape");
			}
			int base = values.position();
			int count = values.remaining();
			for (int i = 0; i < count; i++) {
				sum[(int) (i / inner % channels)] += values.get(base + i);
			}
			perChannel.merge(tensor, (long) count / channels, Long::sum);
		});
		sums.forEach((tensor, sum) -> {
			for (int ch = 0; ch < sum.length; ch++) {
				sum[ch] /= perChannel.get(tensor);
			}
		});
		return sums;
	}
}
