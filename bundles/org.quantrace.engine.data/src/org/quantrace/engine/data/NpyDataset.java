package org.quantrace.engine.data;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import org.quantrace.engine.InvalidInputException;
import org.quantrace.engine.onnx.DataType;
import org.quantrace.engine.runtime.NdArray;

/**
 * Already-preprocessed inputs in a .npy file ([N, ...] matching the model input), with optional labels
 * in a second .npy file: [N] class indices, or [N, K] 0/1 flags for multilabel data.
 */
public final class NpyDataset implements Dataset {

	private final String name;
	private final NpyArray inputs;
	private final Labels labels;
	private final List<Path> files;

	private NpyDataset(String name, NpyArray inputs, Labels labels, List<Path> files) {
		this.name = name;
		this.inputs = inputs;
		this.labels = labels;
		this.files = files;
	}

	public static NpyDataset open(Path inputs, Path labelFile) {
		return open(inputs, labelFile, true);
	}

	/**
	 * Inputs and optional labels; unless {@code multilabel}, [N, K] labels with exactly one 1 per row (one-hot, as Keras'
	 * to_categorical writes them) are read as the class of each row, not scored as multilabel data.
	 */
	public static NpyDataset open(Path inputs, Path labelFile, boolean multilabel) {
		return open(inputs, labelFile, multilabel, new FilesAsRead());
	}

	/**
	 * {@link #open(Path, Path, boolean)}, both files recorded in {@code read} as read: the labels are read whole here, the inputs
	 * a slice at a time, each slice from bytes checked against the hashes of the file's one pass ({@link NpyArray#asRead}).
	 */
	static NpyDataset open(Path inputs, Path labelFile, boolean multilabel, FilesAsRead read) {
		NpyArray x = NpyArray.open(inputs);
		NpyArray y = labelFile == null ? null : NpyArray.open(labelFile);
		NpyDataset d = of(inputs.toString(), x, y, labelFile == null ? inputs : labelFile, multilabel);
		read.record(inputs, x.asRead());
		if (y != null) {
			read.record(labelFile, y.asRead());
		}
		return new NpyDataset(d.name, d.inputs, d.labels, labelFile == null ? List.of(inputs) : List.of(inputs, labelFile));
	}

	/** Inputs and optional labels already read (e.g. from an .npz archive named {@code source}). */
	static NpyDataset of(String name, NpyArray x, NpyArray y, Path source, boolean multilabel) {
		if (x.shape().length < 1 || x.shape()[0] == 0) {
			throw new InvalidInputException(name + ": the array holds no samples (shape " + Arrays.toString(x.shape()) + ")",
					"the first axis must count the samples");
		}
		if (x.bool()) { // read as bytes, it was refused later as "the data is UINT8", a type the user never saved (hostile8)
			throw new InvalidInputException(name + ": the inputs are bool (True/False), which no model reads as samples",
					"save them as the numbers the model reads (numpy: x.astype(np.float32), or np.uint8 for 0/1 bytes)");
		}
		// int64/int32: token ids of a text model (BERT's input_ids, read by Gather embeddings), fed to the model as they are
		if (!java.util.Set.of(DataType.FLOAT, DataType.UINT8, DataType.INT8, DataType.INT32, DataType.INT64).contains(x.elementType())) {
			throw new InvalidInputException(name + ": inputs must be float32, uint8, int8, int32 or int64, not " + x.elementType(),
					"save the preprocessed inputs as one of those (numpy: x.astype(np.float32), or np.int64 for token ids)");
		}
		Labels labels = null;
		if (y != null) {
			if (y.shape().length < 1 || y.shape()[0] != x.shape()[0]) {
				throw new InvalidInputException(source + ": " + (y.shape().length < 1 ? "a scalar, not" : y.shape()[0]) + " labels for " + x.shape()[0] + " samples in " + name,
						"give one label (row) per sample");
			}
			labels = toLabels(y.read(), source, multilabel);
		}
		return new NpyDataset(name, x, labels, List.of(source));
	}

	/** The same samples, read from {@code files} (an .npz and its label file, for the dataset's manifest). */
	NpyDataset withFiles(List<Path> files) {
		return new NpyDataset(name, inputs, labels, files);
	}

	/** Element {@code i} of {@code y} as numpy prints it: an integer array's without a decimal point. */
	private static String written(NdArray y, int i, float asFloat) {
		return switch (y.data()) {
		case long[] v -> Long.toString(v[i]);
		case int[] v -> Integer.toString(v[i]);
		default -> y.type().isInteger() ? Long.toString((long) asFloat) : Float.toString(asFloat);
		};
	}

	private static Labels toLabels(NdArray y, Path source, boolean multilabel) {
		float[] v = y.toFloats();
		long[] shape = y.shape();
		if (shape.length == 1 || shape.length == 2 && shape[1] == 1 && !multilabel) { // [N, 1]: a column of class indices
			int[] classes = new int[v.length];
			for (int i = 0; i < v.length; i++) {
				classes[i] = (int) v[i];
				if (classes[i] != v[i] || classes[i] < 0) {
					// named as the user saved it: an int64 label -1 was printed "-1.0", a value the file does not hold
					throw new InvalidInputException(source + ": label " + written(y, i, v[i]) + " at row " + i + " is not a class index: a class index is a"
							+ " whole number from 0 to the model's classes less one (0 to 9 for 10 classes)",
							"give each sample its class's index; a label such as -1 for 'unknown' has no class: leave those samples out");
				}
			}
			return Labels.singleLabel(classes);
		}
		if (shape.length == 2) {
			byte[] flags = new byte[v.length];
			for (int i = 0; i < v.length; i++) {
				if (v[i] != 0 && v[i] != 1) {
					throw new InvalidInputException(source + ": multilabel value " + written(y, i, v[i]) + " at element " + i + " is not 0 or 1", null);
				}
				flags[i] = (byte) v[i];
			}
			if (!multilabel && oneHot(flags, (int) shape[1])) {
				int k = (int) shape[1];
				int[] classes = new int[flags.length / k];
				for (int i = 0; i < flags.length; i++) {
					if (flags[i] == 1) {
						classes[i / k] = i % k;
					}
				}
				return Labels.singleLabel(classes);
			}
			return Labels.multilabel(flags, (int) shape[1]);
		}
		throw new InvalidInputException(source + ": labels must be [N] or [N, K], not " + Arrays.toString(shape), null);
	}

	/** Whether every row of {@code width} flags holds exactly one 1. */
	private static boolean oneHot(byte[] flags, int width) {
		for (int row = 0; row < flags.length; row += width) {
			int ones = 0;
			for (int i = row; i < row + width; i++) {
				ones += flags[i];
			}
			if (ones != 1) {
				return false;
			}
		}
		return flags.length > 0;
	}

	/** The arrays are already preprocessed: read as stored (float16 widened to float32, any byte order to the machine's). */
	@Override
	public String preprocessing() {
		return "none (arrays as stored, " + inputs.elementType().displayName().toLowerCase(java.util.Locale.ROOT) + ")";
	}

	@Override
	public String name() {
		return name;
	}

	@Override
	public List<Path> files() {
		return files.stream().map(f -> root().relativize(f.toAbsolutePath())).toList();
	}

	@Override
	public Path root() {
		return files.get(0).toAbsolutePath().getParent();
	}

	@Override
	public int size() {
		return (int) inputs.shape()[0];
	}

	@Override
	public long[] sampleShape() {
		return Arrays.copyOfRange(inputs.shape(), 1, inputs.shape().length);
	}

	@Override
	public Batch read(int from, int to) {
		NdArray x = inputs.slice(from, to);
		if (x.type() == DataType.FLOAT) {
			Samples.requireFinite(x.floats(), (int) (x.elementCount() / Math.max(1, to - from)), from, name);
		}
		return new Batch(x, labels == null ? null : ArrayDataset.slice(labels, from, to));
	}

	@Override
	public Labels labels(int from, int to) {
		return labels == null ? null : ArrayDataset.slice(labels, from, to);
	}

	@Override
	public NdArray readInputs(int from, int to, float[] reuse) {
		NdArray x = inputs.slice(from, to, reuse);
		if (x.type() == DataType.FLOAT) {
			Samples.requireFinite(x.floats(), (int) (x.elementCount() / Math.max(1, to - from)), from, name);
		}
		return x;
	}
}
