package org.quantrace.engine.data;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

import org.quantrace.engine.InvalidInputException;
import org.quantrace.engine.onnx.IoQuantization;
import org.quantrace.engine.onnx.OnnxModel;
import org.quantrace.engine.runtime.InferenceSession;
import org.quantrace.engine.runtime.NdArray;
import org.quantrace.engine.runtime.SessionSettings;

import ai.onnx.proto.OnnxMl.ValueInfoProto;

/**
 * The per-channel means of some tensors of a model over a dataset's samples, streamed chunk by chunk (memory flat in the
 * number of samples, as calibration's): each tensor is exposed as a model output, and its channel axis is given per tensor.
 * A model with integer inputs is fed the samples' codes ({@link IoQuantization.Io#codes}), as evaluation feeds it. Bias
 * correction (engine.quantize) and channel pruning by activations (engine.prune) read their means here.
 */
public final class ChannelMeans {

	/** Samples per run: small enough that one chunk's exposed activations stay modest on a CNN at 224x224. */
	private static final int CHUNK = 16;

	private ChannelMeans() {
	}

	/**
	 * The mean over the samples and every axis but {@code axes.get(t)} of each tensor {@code t}, by tensor; {@code float} tells
	 * the model whose inputs the dataset describes (the float model), so that the same samples feed a quantized model too.
	 */
	public static Map<String, double[]> of(OnnxModel model, Map<String, Integer> axes, Dataset data, int samples, OnnxModel floatModel, String modelName) {
		return of(model, axes, data, samples, floatModel, modelName, null);
	}

	/**
	 * As {@link #of(OnnxModel, Map, Dataset, int, OnnxModel, String)}; {@code fed}, when not null, is updated with every array fed
	 * (float32 values in little-endian order, the inputs in the model's order), so that a record can name the samples it was
	 * computed on by their values, whatever their file format.
	 */
	public static Map<String, double[]> of(OnnxModel model, Map<String, Integer> axes, Dataset data, int samples, OnnxModel floatModel, String modelName,
			java.security.MessageDigest fed) {
		OnnxModel exposed = model.copy();
		for (String t : axes.keySet()) {
			if (!exposed.graph().isOutput(t)) {
				exposed.graph().outputs().add(ValueInfoProto.newBuilder().setName(t).build());
			}
		}
		ModelInputs inputs = ModelInputs.of(floatModel, modelName, data);
		Map<String, IoQuantization.Io> codes = IoQuantization.inputs(exposed);
		Map<String, double[]> sums = new LinkedHashMap<>();
		Map<String, Long> counts = new HashMap<>();
		int chunk = inputs.fixedBatch() > 0 ? inputs.fixedBatch() : CHUNK;
		try (InferenceSession session = InferenceSession.open(exposed, SessionSettings.defaults(), modelName)) {
			for (int from = 0; from < samples; from += chunk) {
				Map<String, NdArray> feed = new LinkedHashMap<>(inputs.feed(data.read(from, Math.min(samples, from + chunk))));
				feed.replaceAll((name, x) -> codes.containsKey(name) ? codes.get(name).codes(x) : x);
				if (fed != null) {
					feed.values().forEach(x -> digest(fed, x));
				}
				session.run(feed, axes.keySet(), (name, shape, values) -> {
					int axis = axes.get(name) < 0 ? shape.length + axes.get(name) : axes.get(name); // -1: the last
					long inner = 1;
					for (int d = axis + 1; d < shape.length; d++) {
						inner *= shape[d];
					}
					int channels = (int) shape[axis];
					double[] sum = sums.computeIfAbsent(name, k -> new double[channels]);
					if (sum.length != channels) {
						throw new InvalidInputException(modelName + ": tensor '" + name + "' changes its channel count between samples ("
								+ sum.length + ", then " + channels + ")", "per-channel means need one channel count per tensor: give samples of one shape");
					}
					int n = values.remaining();
					for (int i = 0; i < n; i++) {
						sum[(int) ((i / inner) % channels)] += values.get(values.position() + i);
					}
					counts.merge(name, (long) n / channels, Long::sum);
				});
			}
		}
		Map<String, double[]> means = new LinkedHashMap<>();
		sums.forEach((t, sum) -> {
			double[] mean = sum.clone();
			for (int c = 0; c < mean.length; c++) {
				mean[c] /= counts.get(t);
			}
			means.put(t, mean);
		});
		return means;
	}

	private static void digest(java.security.MessageDigest md, NdArray x) {
		float[] v = x.toFloats();
		java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(4 * v.length).order(java.nio.ByteOrder.LITTLE_ENDIAN);
		b.asFloatBuffer().put(v);
		md.update(b.array());
	}
}
