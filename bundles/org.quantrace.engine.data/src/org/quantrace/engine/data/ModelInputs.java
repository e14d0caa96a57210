package org.quantrace.engine.data;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.quantrace.engine.InvalidInputException;
import org.quantrace.engine.onnx.OnnxModel;
import org.quantrace.engine.onnx.TensorInfo;
import org.quantrace.engine.runtime.NdArray;

import ai.onnx.proto.OnnxMl.ValueInfoProto;

/**
 * The inputs a dataset feeds a model, checked against the data before anything runs: the one input of most models, read from the
 * data's samples as before ({@link ModelInput#of}), or each input of a model of several (a BERT's input_ids and attention_mask, an
 * image and a feature vector) from the data's array of the same name ({@link Dataset#namedInputs()}, an .npz).
 */
public record ModelInputs(List<ModelInput> inputs, boolean named) {

	/** What to do for a BOOL input (a mask), which no data quantrace reads feeds: an .npy of bools is read as uint8 (NpyArray). */
	public static final String NO_BOOLEAN_DATA = "quantrace reads no boolean data (an .npy of bools is read as uint8): export the model with a float or"
			+ " integer input and cast it to bool inside the graph";

	/**
	 * The model's inputs after checking that {@code data} feeds each: one array per input, no array left over, as many samples in
	 * each, each array's per-sample shape and element type fitting its input.
	 *
	 * @throws InvalidInputException naming the data, the arrays and the inputs when they do not fit
	 */
	public static ModelInputs of(OnnxModel model, String modelName, Dataset data) {
		List<ValueInfoProto> declared = model.graph().runtimeInputs();
		if (declared.size() == 1) {
			return new ModelInputs(List.of(ModelInput.of(model, modelName, data)), false);
		}
		List<SampleArray> arrays = data.namedInputs();
		if (declared.isEmpty() || arrays.isEmpty()) {
			throw severalInputs(model, modelName, data);
		}
		List<TensorInfo> infos = declared.stream().map(TensorInfo::of).toList();
		List<String> names = infos.stream().map(TensorInfo::name).toList();
		Map<String, SampleArray> byName = new LinkedHashMap<>();
		arrays.forEach(a -> byName.put(a.name(), a));
		String listed = " (arrays: " + String.join(", ", arrays.stream().map(SampleArray::describe).toList()) + "; inputs of " + modelName + ": "
				+ String.join(", ", infos.stream().map(i -> i.name() + " " + i.shapeText()).toList()) + ")";
		List<String> missing = names.stream().filter(n -> !byName.containsKey(n)).toList();
		if (!missing.isEmpty()) {
			throw new InvalidInputException(data.name() + ": no array for input" + (missing.size() == 1 ? " '" : "s '") + String.join("', '", missing) + "'"
					+ listed, "save one array per input under the input's name: " + savez(names));
		}
		List<String> extra = byName.keySet().stream().filter(n -> !names.contains(n)).toList();
		if (!extra.isEmpty()) {
			throw new InvalidInputException(data.name() + ": array" + (extra.size() == 1 ? " '" : "s '") + String.join("', '", extra) + "' fit"
					+ (extra.size() == 1 ? "s" : "") + " no input" + listed, "name the labels y (or labels, target) and leave out arrays the model does not read: " + savez(names));
		}
		long count = byName.get(names.get(0)).shape()[0];
		for (String n : names) {
			if (byName.get(n).shape()[0] != count) {
				throw new InvalidInputException(data.name() + ": the arrays count different numbers of samples" + listed,
						"give every input's array the same first axis, one row per sample");
			}
		}
		requireSharedDimensions(infos, byName, data.name(), modelName);
		List<ModelInput> inputs = new ArrayList<>();
		for (TensorInfo info : infos) {
			SampleArray a = byName.get(info.name());
			ModelInput.requireFits(info, a.sampleShape(), data.name() + ":" + a.name(), modelName);
			// float samples feed an integer input that one DequantizeLinear reads (a full-integer model): quantized as it says
			boolean quantized = a.type() == org.quantrace.engine.onnx.DataType.FLOAT && org.quantrace.engine.onnx.IoQuantization.inputs(model).containsKey(info.name());
			if (!a.type().feeds(info.type()) && !quantized && info.type() != org.quantrace.engine.onnx.DataType.UNDEFINED) {
				throw new InvalidInputException(data.name() + ":" + a.name() + ": the array is " + a.type().displayName().toLowerCase(java.util.Locale.ROOT)
						+ " but input '" + info.name() + "' of " + modelName + " is " + info.type().displayName().toLowerCase(java.util.Locale.ROOT),
						"save it as the input's type (numpy: " + a.name() + ".astype(np." + numpy(info.type()) + "))");
			}
			inputs.add(new ModelInput(info.name(), info.type(), info.shape()));
		}
		return new ModelInputs(List.copyOf(inputs), true);
	}

	/**
	 * Inputs that name a dimension alike (a KV cache's past_key and past_value [N, 4, P, 8]) take one size there: ONNX says so of
	 * a shared symbolic name, and the graph relies on it. Arrays that each fit their input alone but disagree there (7 positions
	 * of keys, 6 of values) stopped the work inside ONNX Runtime, "inference failed", exit 3.
	 */
	private static void requireSharedDimensions(List<TensorInfo> infos, Map<String, SampleArray> byName, String dataName, String modelName) {
		Map<String, SampleArray> firstBy = new LinkedHashMap<>();
		Map<String, Integer> axisOf = new LinkedHashMap<>();
		for (TensorInfo info : infos) {
			SampleArray a = byName.get(info.name());
			for (int i = 1; info.shape() != null && i < info.shape().size() && i < a.shape().length; i++) { // the batch: counted above
				String d = info.shape().get(i);
				if (d.isEmpty() || d.equals("?") || d.chars().allMatch(Character::isDigit)) {
					continue;
				}
				SampleArray first = firstBy.putIfAbsent(d, a);
				axisOf.putIfAbsent(d, i);
				if (first != null && first.shape()[axisOf.get(d)] != a.shape()[i]) {
					throw new InvalidInputException(dataName + ":" + a.name() + ": the array " + java.util.Arrays.toString(a.shape()) + " gives dimension '" + d
							+ "' of input '" + info.name() + "' " + info.shapeText() + " the size " + a.shape()[i] + ", but array '" + first.name() + "' "
							+ java.util.Arrays.toString(first.shape()) + " gives it " + first.shape()[axisOf.get(d)] + " (inputs of " + modelName
							+ " that name a dimension alike take one size there)",
							"save the arrays with the same size along '" + d + "' (numpy: " + a.name() + ".shape[" + i + "] == " + first.name() + ".shape["
									+ axisOf.get(d) + "])");
				}
			}
		}
	}

	/**
	 * The first sample of every input by name, as the inputs are fed ({@link #feed}): what the start-up probe runs the model on
	 * ({@code ShapeProbe.requireRuns}); a model of one input reads the data's inputs alone (not its labels).
	 */
	public Map<String, NdArray> firstSample(Dataset data) {
		return named ? feed(data.read(0, 1)) : Map.of(first().name(), data.readInputs(0, 1, null));
	}

	/** The refusal of data that cannot feed a model of several inputs: one array (say how to give several), or a model of none. */
	static InvalidInputException severalInputs(OnnxModel model, String modelName, Dataset data) {
		List<String> names = model.graph().runtimeInputs().stream().map(ValueInfoProto::getName).toList();
		if (names.isEmpty()) {
			return new InvalidInputException(modelName + ": the model has no runtime input to feed data to", "export the model with its inputs");
		}
		if (!data.namedInputs().isEmpty()) { // a caller that feeds one input only
			return new InvalidInputException(modelName + ": the model has " + names.size() + " inputs; this step feeds models of one input",
					"give a model of one input");
		}
		return new InvalidInputException(modelName + ": the model has " + names.size() + " inputs (" + String.join(", ", names) + ") and " + data.name()
				+ " gives one array", "give one array per input, named as the model's inputs, in an .npz: " + savez(names));
	}

	/**
	 * The refusal of an .npz of several input arrays for a model of one input, as an array that fits no input of a model of several
	 * is refused: the first array was fed, whatever its name (the mask to a model reading input_ids), and the trace and the logs
	 * recorded every array's type as the data's preprocessing, arrays the model never read among them.
	 */
	static InvalidInputException arraysBesideTheInput(TensorInfo input, String modelName, Dataset data) {
		List<SampleArray> arrays = data.namedInputs();
		List<String> extra = arrays.stream().map(SampleArray::name).filter(n -> !n.equals(input.name())).toList();
		boolean named = extra.size() < arrays.size();
		String listed = " (arrays: " + String.join(", ", arrays.stream().map(SampleArray::describe).toList()) + "; the input of " + modelName + ": "
				+ input.name() + " " + input.shapeText() + ")";
		String what = named ? "array" + (extra.size() == 1 ? " '" : "s '") + String.join("', '", extra) + "' fit" + (extra.size() == 1 ? "s" : "") + " no input"
				: arrays.size() + " arrays of inputs for a model of one input, none named as it";
		return new InvalidInputException(data.name() + ": " + what + listed, "keep the one array the model reads, and the labels: "
				+ savez(List.of(isIdentifier(input.name()) ? input.name() : "x")));
	}

	private static String savez(List<String> names) {
		return "numpy.savez(file, " + String.join(", ", names.stream().map(n -> (isIdentifier(n) ? n : "**{'" + n + "': ...}") + "=...").toList()) + ", y=labels)";
	}

	private static boolean isIdentifier(String n) {
		return !n.isEmpty() && Character.isJavaIdentifierStart(n.charAt(0)) && n.chars().allMatch(Character::isJavaIdentifierPart);
	}

	private static String numpy(org.quantrace.engine.onnx.DataType t) {
		return switch (t) {
		case FLOAT -> "float32";
		case INT64 -> "int64";
		case INT32 -> "int32";
		case UINT8 -> "uint8";
		case INT8 -> "int8";
		default -> t.displayName().toLowerCase(java.util.Locale.ROOT);
		};
	}

	public ModelInput first() {
		return inputs.get(0);
	}

	/** The names of the inputs, in the model's order. */
	public List<String> names() {
		return inputs.stream().map(ModelInput::name).toList();
	}

	/** The batch's samples by input name: each named array of several inputs, else the one input's samples. */
	public Map<String, NdArray> feed(Batch b) {
		if (!named) {
			return Map.of(first().name(), b.inputs());
		}
		Map<String, NdArray> feed = new LinkedHashMap<>();
		for (ModelInput i : inputs) {
			feed.put(i.name(), b.named().get(i.name()));
		}
		return feed;
	}

	/** The batch size the model's inputs are fixed to, or 0 when dynamic ({@link ModelInput#fixedBatch()}; the first that is fixed). */
	public int fixedBatch() {
		return inputs.stream().mapToInt(ModelInput::fixedBatch).filter(b -> b > 0).findFirst().orElse(0);
	}
}
