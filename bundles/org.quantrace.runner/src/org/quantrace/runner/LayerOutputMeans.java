package org.quantrace.runner;

import java.util.LinkedHashMap;
import java.util.Map;

import org.quantrace.engine.data.Dataset;
import org.quantrace.engine.data.ModelInputs;
import org.quantrace.engine.evaluate.IntegerFeed;
import org.quantrace.engine.onnx.IoQuantization;
import org.quantrace.engine.onnx.OnnxModel;
import org.quantrace.engine.runtime.InferenceSession;
import org.quantrace.engine.runtime.SessionSettings;

import ai.onnx.proto.OnnxMl.ValueInfoProto;

/**
 * Verify's own per-channel means of some inner tensors of a model over a dataset ({@link BiasCorrectionRecheck}): each tensor
 * made a graph output of a copy of the model, the samples fed as the float model takes them (an integer input given its codes,
 * as the evaluator's second path feeds it), and each channel's values summed in double over the samples and every other axis.
 */
final class LayerOutputMeans {

	/** Samples per run, for memory only: each sample's outputs do not depend on the others in the batch. */
	private static final int BATCH = 32;

	private LayerOutputMeans() {
	}

	/** The per-channel mean of each tensor of {@code channelAxis} (its channel axis; negative counts from the last) in {@code model}. */
	static Map<String, double[]> of(OnnxModel model, OnnxModel floatModel, Map<String, Integer> channelAxis, Dataset data, String name) {
		Map<String, double[]> sums = new LinkedHashMap<>();
		Map<String, Long> perChannel = new LinkedHashMap<>();
		if (channelAxis.isEmpty()) {
			return sums;
		}
		OnnxModel exposed = model.copy();
		channelAxis.keySet().stream().filter(t -> !exposed.graph().isOutput(t))
				.forEach(t -> exposed.graph().outputs().add(ValueInfoProto.newBuilder().setName(t).build()));
		ModelInputs inputs = ModelInputs.of(floatModel, name, data);
		Map<String, IoQuantization.Io> integer = IoQuantization.inputs(exposed);
		int batch = inputs.fixedBatch() > 0 ? inputs.fixedBatch() : BATCH;
		try (InferenceSession session = InferenceSession.open(exposed, SessionSettings.defaults(), name)) {
			for (int from = 0; from < data.size(); from += batch) {
				session.run(IntegerFeed.feed(inputs, data.read(from, Math.min(data.size(), from + batch)), integer, name), channelAxis.keySet(),
						(tensor, shape, values) -> {
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
			}
		}
		sums.forEach((tensor, sum) -> {
			for (int ch = 0; ch < sum.length; ch++) {
				sum[ch] /= perChannel.get(tensor);
			}
		});
		return sums;
	}
}
