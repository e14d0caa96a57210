package org.quantrace.engine.data;

import java.util.List;

import org.quantrace.engine.InvalidInputException;
import org.quantrace.engine.onnx.OnnxModel;
import org.quantrace.engine.onnx.TensorInfo;

import ai.onnx.proto.OnnxMl.ValueInfoProto;

/**
 * The data's classes against the model's outputs, before any work: a label map that gives a class an index the
 * model has no output for (a typo of 100000000 for 1) is refused at once, not after a pass over the data (or an
 * array sized by that index).
 */
public final class LabelCheck {

	private LabelCheck() {
	}

	/** How many values the model's first output has per sample (its classes), when its shape says; else -1. */
	public static long outputWidth(OnnxModel model) {
		List<ValueInfoProto> outputs = model.graph().outputs();
		if (outputs.isEmpty()) {
			return -1;
		}
		TensorInfo info = TensorInfo.of(outputs.get(0));
		if (info.shape() == null || info.shape().size() < 2) {
			return -1;
		}
		return new TensorInfo(info.name(), info.type(), info.shape().subList(1, info.shape().size())).elementCount();
	}

	/**
	 * Refuses an output that is no vector of class scores: two or more axes of more than one value per sample (an
	 * image, a feature map, a sequence), whose argmax over all its values is no class. {@code shape} is the output's,
	 * batch axis first; unknown dimensions (-1 or less) count as one value.
	 *
	 * @throws InvalidInputException naming the model, the output and its shape
	 */
	public static void requireClassScores(String modelName, String output, long[] shape) {
		List<Long> perSample = java.util.Arrays.stream(shape).skip(1).boxed().toList();
		if (classScores(shape)) {
			return;
		}
		String dims = perSample.stream().map(String::valueOf).collect(java.util.stream.Collectors.joining(", "));
		throw new InvalidInputException(modelName + "'s output '" + output + "' is [N, " + dims + "]: evaluation reads one score per class from each"
				+ " sample ([N, classes]), and this output holds " + perSample.stream().filter(d -> d > 1).map(String::valueOf)
						.collect(java.util.stream.Collectors.joining(" x ")) + " values per sample (an image, a map or a sequence), whose argmax is no class",
				"for outputs that are no class scores evaluation computes MSE, PSNR and SSIM against targets or the first model's outputs"
						+ " (evaluate --metrics mse,psnr,ssim; a recipe's metrics mse, psnr, ssim)");
	}

	/**
	 * Refuses a model whose first output is TopK's values (through Identity, QuantizeLinear or DequantizeLinear): the k largest
	 * scores of each sample, sorted, not one score per class. Scored as class scores, every sample's argmax is 0: a model that
	 * outputs TopK's values and indices with k = 10 read as 0.11 accuracy, exit 0 (the share of class 0), and with k = 3 the
	 * labels beyond 2 were blamed on the label file. TopK's indices (one class index per sample when k = 1) are no such output.
	 *
	 * @throws InvalidInputException naming the model, the output and the TopK node
	 */
	public static void requireNoTopKValues(OnnxModel model, String modelName) {
		List<ValueInfoProto> outputs = model.graph().outputs();
		if (outputs.isEmpty()) {
			return;
		}
		String output = outputs.get(0).getName();
		String tensor = output;
		for (int hops = 0; hops < 8; hops++) {
			java.util.Optional<org.quantrace.engine.onnx.Node> p = model.graph().producer(tensor);
			if (p.isEmpty() || !p.get().isStandard()) {
				return;
			}
			org.quantrace.engine.onnx.Node n = p.get();
			if (n.opType().equals("TopK")) {
				if (n.output(0).equals(tensor)) {
					throw new InvalidInputException(modelName + "'s first output '" + output + "' is the values of TopK '" + n.name() + "': the k largest"
							+ " scores of each sample, largest first, not one score per class (their argmax is 0 for every sample, no class)",
							"evaluation reads class scores [N, classes] or one class index per sample: make the scores TopK '" + n.name()
									+ "' reads the model's first output, or TopK's indices with k = 1");
				}
				return;
			}
			if (!List.of("Identity", "QuantizeLinear", "DequantizeLinear").contains(n.opType())) {
				return;
			}
			tensor = n.input(0);
		}
	}

	/**
	 * Whether an output of this shape (batch axis first; unknown dimensions -1 or less, counted as one value) can be class
	 * scores: at most one axis of more than one value per sample.
	 */
	public static boolean classScores(long[] shape) {
		return java.util.Arrays.stream(shape).skip(1).filter(d -> d > 1).count() < 2;
	}

	/** The declared shape of the model's first output (unknown dimensions -1), or null when it declares none. */
	public static long[] firstOutputShape(OnnxModel model) {
		List<ValueInfoProto> outputs = model.graph().outputs();
		if (outputs.isEmpty()) {
			return null;
		}
		TensorInfo info = TensorInfo.of(outputs.get(0));
		return info.shape() == null ? null : info.shape().stream().mapToLong(x -> x.matches("[0-9]+") ? Long.parseLong(x) : -1).toArray();
	}

	/**
	 * Refuses the class index {@code label} of sample {@code sample} of {@code data} when the model has only {@code width}
	 * outputs: the data named, the sample where the user opens the file (a table's line).
	 *
	 * @throws InvalidInputException naming the data, the sample, the class and the model
	 */
	public static void requireClass(Dataset data, int sample, int label, long width, String modelName) {
		if (label >= width) { // hostile8: "label 42 of sample 5 but fashion_cnn has 10 outputs" named no file
			throw new InvalidInputException(data.name() + ": its labels give " + data.sampleAt(sample) + " the class " + label + ", but "
					+ modelName + " has " + width + " outputs (classes 0 to " + (width - 1) + ")", "check the label file matches the model's classes");
		}
	}

	/**
	 * Refuses data whose named classes (a label map's, a CSV's label columns) reach beyond the model's outputs; data
	 * without class names (labels in .npy or IDX files) is checked batch by batch as it is read.
	 *
	 * @throws InvalidInputException naming the data, the class and the model
	 */
	public static void check(OnnxModel model, String modelName, Dataset data) {
		List<String> names = data.labelNames();
		long width = outputWidth(model);
		if (names == null || names.isEmpty() || width < 0 || names.size() <= width) {
			return;
		}
		int last = names.size() - 1;
		throw new InvalidInputException(data.name() + ": the labels give '" + names.get(last) + "' the index " + last + ", but " + modelName + " has "
				+ width + " output" + (width == 1 ? "" : "s") + " (classes 0 to " + (width - 1) + ")",
				"check that the label map numbers the classes as the model does, from 0 to " + (width - 1));
	}
}
