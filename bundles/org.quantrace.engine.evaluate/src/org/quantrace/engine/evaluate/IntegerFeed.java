package org.quantrace.engine.evaluate;

import java.util.LinkedHashMap;
import java.util.Map;

import org.quantrace.engine.InvalidInputException;
import org.quantrace.engine.data.Batch;
import org.quantrace.engine.data.ModelInput;
import org.quantrace.engine.data.ModelInputs;
import org.quantrace.engine.onnx.DataType;
import org.quantrace.engine.onnx.IoQuantization;
import org.quantrace.engine.runtime.NdArray;

/**
 * How samples feed a model's input for evaluation and debugging: as they are when their type is the input's, or, for an
 * integer input that one DequantizeLinear reads ({@link IoQuantization#inputs}), float samples as q = r / S + Z with that
 * reader's S and Z. One owner, so that a recipe's data check accepts exactly the data {@code quantrace evaluate} feeds (it
 * refused float samples for an integer-input model that the command line evaluated).
 */
public final class IntegerFeed {

	private IntegerFeed() {
	}

	/** Whether samples of type {@code given} feed an input of type {@code input}; {@code io}: the input's scale and zero point, or null. */
	public static boolean accepts(DataType given, DataType input, IoQuantization.Io io) {
		return given.feeds(input) || given == DataType.FLOAT && io != null;
	}

	/** The samples as the input takes them: float samples quantized with {@code io}'s S and Z when it is not null, else as they are. */
	public static NdArray feed(NdArray x, IoQuantization.Io io) {
		return io == null ? x : io.codes(x);
	}

	/**
	 * What the inputs are fed, as an evaluation's result states it: "float32", the integer I/O type a float sample is quantized to
	 * ("INT8"), or the integer type of data fed as stored (token ids, "INT64"); for several inputs each by name ("input_ids INT64,
	 * past_key INT8, past_value INT8"). The first input's alone was stated, and "float32" for any input not quantized: a KV-cache
	 * decoder fed int64 ids and int8 caches read "float32".
	 */
	public static String fedTypes(ModelInputs inputs, Map<String, IoQuantization.Io> io) {
		java.util.List<String> each = new java.util.ArrayList<>();
		for (ModelInput in : inputs.inputs()) {
			DataType fed = io.containsKey(in.name()) ? io.get(in.name()).type() : in.type() == DataType.UNDEFINED || DataType.FLOAT.feeds(in.type()) ? DataType.FLOAT : in.type();
			String type = fed == DataType.FLOAT ? "float32" : fed.displayName();
			each.add(inputs.named() ? in.name() + " " + type : type);
		}
		return String.join(", ", each);
	}

	/**
	 * What to do when samples of {@code given} do not feed an input of {@code input}. "preprocess the data to float32" was said to
	 * float32 data too, for a BOOL input (a mask), which no data quantrace reads feeds (hostile15: an .npy of bools is read as uint8).
	 */
	private static String hint(DataType given, DataType input) {
		if (input == DataType.BOOL) {
			return org.quantrace.engine.data.ModelInputs.NO_BOOLEAN_DATA;
		}
		return given == DataType.FLOAT ? "no DequantizeLinear reads this input, so float samples cannot be quantized for it: give the data as "
				+ input.displayName() + " (an .npy or .npz array of that type)" : "preprocess the data to float32 (the evaluator quantizes it for integer models)";
	}

	/**
	 * Every input's samples of {@code batch} as the model named {@code model} takes them ({@link #feed}), by input name;
	 * {@code io}: the model's integer inputs ({@link IoQuantization#inputs}).
	 *
	 * @throws InvalidInputException when an input's samples are of a type that does not feed it
	 */
	public static Map<String, NdArray> feed(ModelInputs inputs, Batch batch, Map<String, IoQuantization.Io> io, String model) {
		Map<String, NdArray> fed = new LinkedHashMap<>();
		inputs.feed(batch).forEach((name, x) -> {
			ModelInput in = inputs.inputs().stream().filter(i -> i.name().equals(name)).findFirst().orElseThrow();
			if (!accepts(x.type(), in.type(), io.get(name))) {
				throw new InvalidInputException(model + " reads " + in.type() + " input" + (inputs.named() ? " '" + name + "'" : "") + " but the data is " + x.type(),
						hint(x.type(), in.type()));
			}
			fed.put(name, feed(x, io.get(name)));
		});
		return fed;
	}
}
