package org.quantrace.engine.data;

import java.util.Arrays;
import java.util.List;

import org.quantrace.engine.InvalidInputException;
import org.quantrace.engine.onnx.DataType;
import org.quantrace.engine.onnx.OnnxModel;
import org.quantrace.engine.onnx.TensorInfo;

import ai.onnx.proto.OnnxMl.ValueInfoProto;

/** An input a dataset feeds, checked against the data before anything runs (a model of several: {@link ModelInputs}). */
public record ModelInput(String name, DataType type, List<String> shape) {

	/**
	 * The model's input, after checking that {@code data}'s samples fit it (rank, fixed dimensions).
	 *
	 * @throws InvalidInputException naming the model and the data when they do not fit
	 */
	public static ModelInput of(OnnxModel model, String modelName, Dataset data) {
		List<ValueInfoProto> inputs = model.graph().runtimeInputs();
		if (inputs.size() != 1) {
			throw ModelInputs.severalInputs(model, modelName, data);
		}
		if (data.singleInputProblem() != null) {
			throw new InvalidInputException(data.singleInputProblem(), null);
		}
		TensorInfo info = TensorInfo.of(inputs.get(0));
		if (data.namedInputs().size() > 1) {
			throw ModelInputs.arraysBesideTheInput(info, modelName, data);
		}
		requireFits(info, data.sampleShape(), data.name(), modelName);
		return new ModelInput(info.name(), info.type(), info.shape());
	}

	/** Requires samples of shape {@code sample} (of the data named {@code dataName}) to fit input {@code info}: rank, fixed dimensions. */
	static void requireFits(TensorInfo info, long[] sample, String dataName, String modelName) {
		List<String> dims = info.shape();
		if (dims != null && dims.contains("0")) {
			// the model's fault: [N, 0] told the user to "preprocess the data to the model's input shape", and [0, 4] passed here
			// and stopped in ONNX Runtime ("Got: 1 Expected: 0") with the hint that the graph contradicts its declared input
			throw new InvalidInputException(modelName + ": input '" + info.name() + "' " + info.shapeText() + " declares a dimension of size 0 (axis "
					+ dims.indexOf("0") + "): an input of no values, which no sample fits",
					"export the model again with that axis's real size (a name, e.g. N, for a dynamic one such as the batch); the data is not at fault");
		}
		if (dims != null) {
			boolean fits = dims.size() == sample.length + 1;
			for (int i = 1; fits && i < dims.size(); i++) {
				String d = dims.get(i);
				fits = !d.chars().allMatch(Character::isDigit) || d.isEmpty() || Long.parseLong(d) == sample[i - 1];
			}
			if (!fits) {
				throw new InvalidInputException(dataName + ": samples of shape " + Arrays.toString(sample) + " do not fit input '" + info.name()
						+ "' " + info.shapeText() + " of " + modelName, hint(dims.isEmpty() ? dims : dims.subList(1, dims.size()), sample));
			}
		}
	}

	/**
	 * What to do when samples of shape {@code sample} do not fit the model's per-sample dimensions {@code want}: channels last
	 * against channels first, one channel against three, the same values in another shape; else the general advice.
	 */
	static String hint(List<String> want, long[] sample) {
		long[] w = new long[want.size()];
		for (int i = 0; i < w.length; i++) {
			String d = want.get(i);
			w[i] = !d.isEmpty() && d.chars().allMatch(Character::isDigit) ? Long.parseLong(d) : -1;
		}
		if (w.length == 3 && sample.length == 3) {
			if (isChannels(w[0]) && sample[2] == w[0] && sample[0] == w[1] && sample[1] == w[2] && w[0] != w[2]) {
				return "the samples are channels last (NHWC) and the model reads channels first (NCHW): images: --preprocess ...,layout=NCHW (recipe:"
						+ " layout NCHW); an .npy: save x.transpose(0, 3, 1, 2)";
			}
			if (isChannels(w[2]) && sample[0] == w[2] && sample[1] == w[0] && sample[2] == w[1] && w[0] != w[2]) {
				return "the samples are channels first (NCHW) and the model reads channels last (NHWC): images: --preprocess ...,layout=NHWC (recipe:"
						+ " layout NHWC); an .npy: save x.transpose(0, 2, 3, 1)";
			}
			for (int c : new int[] { 0, 2 }) {
				int h = c == 0 ? 1 : 0;
				if (isChannels(w[c]) && isChannels(sample[c]) && w[c] != sample[c] && sample[h] == w[h] && sample[h + 1] == w[h + 1]) {
					return "the model reads " + w[c] + " channel" + (w[c] == 1 ? "" : "s") + ", the samples have " + sample[c] + ": images: --preprocess "
							+ (w[c] == 1 ? "grayscale" : "rgb") + ",... (recipe: " + (w[c] == 1 ? "grayscale" : "rgb") + ")";
				}
			}
		}
		long wanted = 1;
		long given = 1;
		for (long d : w) {
			wanted = d < 0 || wanted < 0 ? -1 : wanted * d;
		}
		for (long d : sample) {
			given *= d;
		}
		if (wanted == given && w.length != sample.length) {
			return "the samples hold the " + given + " values the model reads, in another shape: reshape them (numpy: x.reshape(len(x), "
					+ String.join(", ", java.util.Arrays.stream(w).mapToObj(Long::toString).toList()) + ")) and give them as an .npy file";
		}
		return "preprocess the data to the model's input shape (batch axis first)";
	}

	private static boolean isChannels(long d) {
		return d == 1 || d == 3 || d == 4;
	}

	/**
	 * The batch size the model's input is fixed to (1 for a model exported without a dynamic batch axis, as tf2onnx and
	 * static exports write them), or 0 when the batch axis is dynamic. Calibration feeds such a model exactly this many
	 * samples per run; everything else leaves the split to {@code InferenceSession.run}.
	 */
	public int fixedBatch() {
		return new TensorInfo(name, type, shape).fixedBatch();
	}

}
