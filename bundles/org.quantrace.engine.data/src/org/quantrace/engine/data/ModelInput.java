package org.quantrace.engine.data;

import java.util.Arrays;
import java.util.List;

import org.quantrace.engine.InvalidInputException;
import org.quantrace.engine.onnx.DataType;
import org.quantrace.engine.onnx.OnnxModel;
import org.quantrace.engine.onnx.TensorInfo;

import ai.onnx.proto.OnnxMl.ValueInfoProto;

/** The single input a dataset feeds, checked against the data before anything runs. */
public record ModelInput(String name, DataType type, List<String> shape) {

	/**
	 * The model's input, after checking that {@code data}'s samples fit it (rank, fixed dimensions).
	 *
	 * @throws InvalidInputException naming the model and the data when they do not fit
	 */
	public static ModelInput of(OnnxModel model, String modelName, Dataset data) {
		List<ValueInfoProto> inputs = model.graph().runtimeInputs();
		if (inputs.size() != 1) {
			throw new InvalidInputException(modelName + ": the model has " + inputs.size() + " inputs; datasets feed models with one input",
					"export the model with a single input tensor");
		}
		TensorInfo info = TensorInfo.of(inputs.get(0));
		long[] sample = data.sampleShape();
		List<String> dims = info.shape();
		if (dims != null) {
			boolean fits = dims.size() == sample.length + 1;
			for (int i = 1; fits && i < dims.size(); i++) {
				String d = dims.get(i);
				fits = !d.chars().allMatch(Character::isDigit) || d.isEmpty() || Long.parseLong(d) == sample[i - 1];
			}
			if (!fits) {
				throw new InvalidInputException(data.name() + ": samples of shape " + Arrays.toString(sample) + " do not fit input '" + info.name()
						+ "' " + info.shapeText() + " of " + modelName, "preprocess the data to the model's input shape (batch axis first)");
			}
		}
		return new ModelInput(info.name(), info.type(), dims);
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
