package org.quantrace.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

import org.quantrace.engine.InvalidInputException;
import org.quantrace.engine.data.Dataset;
import org.quantrace.engine.data.DatasetSpec;
import org.quantrace.engine.data.Datasets;
import org.quantrace.engine.data.Preprocessing;
import org.quantrace.model.recipe.ColorMode;
import org.quantrace.model.recipe.DatasetFormat;
import org.quantrace.model.recipe.RecipePackage;
import org.quantrace.model.recipe.ElementType;
import org.quantrace.model.recipe.Interpolation;
import org.quantrace.model.recipe.Layout;

import picocli.CommandLine.Option;

/** The options every command reading a dataset shares; the dataset itself is {@link Named}'s --data or {@link Calibration}'s. */
abstract class DataOptions {

	private static final String DATA = "A folder <dir>/<class>/<image> (PNG, JPEG), IDX images, .npy/.npz of preprocessed inputs, or a .csv table.";

	/**
	 * --data's place in the help, before the options of this class: picocli lists a superclass's options first, and the one
	 * required option of a command came after its optional data options (every other option keeps picocli's default order, -1).
	 */
	static final int FIRST = -2;

	/** The dataset's path, as given. */
	Path data;

	/** --data: evaluate, debug, prune and factorize. */
	static class Named extends DataOptions {

		@Option(names = "--data", required = true, paramLabel = "DATASET", description = DATA, order = FIRST)
		void data(Path path) {
			data = path;
		}
	}

	/**
	 * quantize's --data, also spelt --calibration, the spelling quantize's users know from other quantizers. Only there: debug's
	 * help listed --calibration for its comparison data, which no README row names (hostile9's left open).
	 */
	static class Calibration extends DataOptions {

		@Option(names = { "--data", "--calibration" }, required = true, paramLabel = "DATASET", description = DATA, order = FIRST)
		void data(Path path) {
			data = path;
		}
	}

	@Option(names = "--labels", paramLabel = "FILE", description = "Labels: a JSON class map for folders, .npy for .npy inputs and for an .npz of inputs alone, an IDX label file.")
	Path labels;

	@Option(names = "--data-format", paramLabel = "FORMAT", description = "folder, idx, npy, npz or csv (default: from the path).")
	String format;

	@Option(names = "--extensions", split = ",", paramLabel = "EXT", description = "Image file extensions to read (default: png, jpg, jpeg).")
	List<String> extensions = List.of();

	@Option(names = "--label-columns", split = ",", paramLabel = "COLUMN", description = "CSV label column(s); several for multilabel (default: the last).")
	List<String> labelColumns = List.of();

	@Option(names = "--samples", paramLabel = "N", description = "Use only N samples: the first N (of an image folder: from every class in turn).")
	Integer samples;

	/** Set by commands that know the data is multilabel (evaluate --multilabel): one-hot [N, K] labels stay flags. */
	boolean multilabel;

	@Option(names = "--preprocess", paramLabel = "STEPS",
			description = "Comma-separated steps: grayscale|rgb|bgr, resize=WxH, interpolation=nearest|bilinear|bicubic, crop=WxH,"
					+ " scale=1/255, mean=m1:m2:m3, std=s1:s2:s3, layout=NCHW|NHWC, dtype=float32|uint8|int8"
					+ " (default: grayscale,scale=1/255,layout=NCHW,dtype=float32).")
	String preprocess;

	/** {@code value} of {@code option} when it is at least 1 (a batch size, a sample count). */
	static int atLeastOne(int value, String option) {
		if (value < 1) {
			throw new InvalidInputException(option + " " + value + ": must be at least 1", "give a positive number, e.g. " + option + " 32");
		}
		return value;
	}

	/** The dataset, its warnings (files of a dataset folder that are not read, an empty class folder) printed to {@code err} first. */
	Dataset open(java.io.PrintWriter err) {
		Dataset d = open();
		d.warnings().forEach(w -> err.println("quantrace: warning: " + data + ": " + w.text()));
		String unused = unusedSteps();
		if (unused != null) {
			err.println("quantrace: warning: " + data + ": " + unused);
		}
		err.flush();
		return d;
	}

	/**
	 * The --preprocess steps the data's reader does not take, said as a warning (null when there are none): .npy/.npz arrays
	 * are fed as stored, a table's features are only scaled. A recipe says the same of its preprocess blocks
	 * (preprocessing-no-effect); on the command line the steps were dropped without a word.
	 */
	/**
	 * Whether --preprocess declares layout=NHWC for data whose reader applies it (images, IDX): an NHWC model's image outputs
	 * are then [H, W, C]. .npy/.npz arrays and tables are fed as stored: a layout step declares nothing of them.
	 */
	boolean declaresNhwc() {
		if (preprocess == null || preprocess.isBlank() || preprocessing().layout() != Layout.NHWC) {
			return false;
		}
		DatasetFormat declared = declaredFormat();
		return org.quantrace.model.DatasetFormats.takes(declared != null ? declared : org.quantrace.model.DatasetFormats.of(data),
				RecipePackage.Literals.PREPROCESSING__LAYOUT);
	}

	private String unusedSteps() {
		if (preprocess == null || preprocess.isBlank()) {
			return null;
		}
		DatasetFormat declared = declaredFormat();
		DatasetFormat f = declared != null ? declared : org.quantrace.model.DatasetFormats.of(data);
		if (org.quantrace.model.DatasetFormats.takes(f, RecipePackage.Literals.PREPROCESSING__COLOR_MODE)) {
			return null; // an image reader: it takes every step (which steps a format takes has one owner, DatasetFormats)
		}
		List<String> ignored = new ArrayList<>();
		List<String> applied = new ArrayList<>();
		for (String raw : preprocess.split(",")) {
			String step = raw.trim();
			if (!step.isEmpty()) {
				boolean takes = org.quantrace.model.DatasetFormats.takes(f,
						isScale(step) ? RecipePackage.Literals.PREPROCESSING__SCALE : RecipePackage.Literals.PREPROCESSING__COLOR_MODE);
				(takes ? applied : ignored).add(step);
			}
		}
		if (ignored.isEmpty()) {
			return null;
		}
		String steps = (ignored.size() == 1 ? "--preprocess step " : "--preprocess steps ") + String.join(", ", ignored)
				+ (ignored.size() == 1 ? " does" : " do") + " not apply to ";
		return f == DatasetFormat.CSV
				? steps + "a CSV table, whose features are used as read" + (applied.isEmpty() ? "" : " and only scaled (its " + String.join(", ", applied)
						+ " does)") + ": give --preprocess scale=... alone, if any"
				: steps + "." + f.getLiteral() + " arrays, which are fed as stored: store the arrays as the model reads them, and leave out --preprocess";
	}

	/** The format --data-format declares, or null (the file says it). */
	private DatasetFormat declaredFormat() {
		if (format == null) {
			return null;
		}
		DatasetFormat f = DatasetFormat.get(format.toLowerCase(Locale.ROOT));
		if (f == null) {
			throw new InvalidInputException("--data-format " + format + ": unknown", "use folder, idx, npy, npz or csv");
		}
		return f;
	}

	private static boolean isScale(String step) {
		return step.trim().toLowerCase(Locale.ROOT).startsWith("scale");
	}

	private Dataset open() {
		DatasetFormat f = declaredFormat();
		// CSV features are multiplied only by a scale the user gave: the image default 1/255 divided every feature of a table
		double featureScale = preprocess != null && java.util.Arrays.stream(preprocess.split(",")).anyMatch(DataOptions::isScale)
				? preprocessing().scale() : 1;
		return Datasets.open(new DatasetSpec(data, f, labels, Set.copyOf(extensions), preprocessing(), labelColumns,
				samples == null ? 0 : atLeastOne(samples, "--samples"), featureScale, multilabel));
	}

	Preprocessing preprocessing() {
		Preprocessing d = Preprocessing.defaults();
		if (preprocess == null || preprocess.isBlank()) {
			return d;
		}
		ColorMode color = d.color();
		int rw = 0;
		int rh = 0;
		Interpolation interpolation = d.interpolation();
		int cw = 0;
		int ch = 0;
		double scale = d.scale();
		double[] mean = new double[0];
		double[] std = new double[0];
		Layout layout = d.layout();
		ElementType type = d.type();
		for (String raw : preprocess.split(",")) {
			String step = raw.trim();
			String key = step.contains("=") ? step.substring(0, step.indexOf('=')).trim().toLowerCase(Locale.ROOT) : step.toLowerCase(Locale.ROOT);
			String value = step.contains("=") ? step.substring(step.indexOf('=') + 1).trim() : "";
			try {
				switch (key) {
				case "grayscale", "rgb", "bgr" -> color = ColorMode.get(key);
				case "resize" -> {
					int[] wh = size(value);
					rw = wh[0];
					rh = wh[1];
				}
				case "crop" -> {
					int[] wh = size(value);
					cw = wh[0];
					ch = wh[1];
				}
				case "interpolation" -> interpolation = require(Interpolation.get(value.toLowerCase(Locale.ROOT)), step);
				case "scale" -> scale = fraction(value);
				case "mean" -> mean = numbers(value);
				case "std" -> std = numbers(value);
				case "layout" -> layout = require(Layout.get(value.toUpperCase(Locale.ROOT)), step);
				case "dtype" -> type = require(ElementType.get(value.toLowerCase(Locale.ROOT)), step);
				default -> throw new IllegalArgumentException();
				}
			} catch (IllegalArgumentException e) {
				throw new InvalidInputException("--preprocess: cannot read '" + step + "'", hint(key));
			}
		}
		if (type != ElementType.FLOAT32 && java.util.Arrays.stream(preprocess.split(",")).noneMatch(DataOptions::isScale)) {
			// integer samples without a scale step are the pixels, as a recipe's preprocess block takes them: the image default
			// 1/255 would round every pixel to 0 or 1 (make_unseen14's rawin: 0.0975 here, 0.731 in the recipe)
			scale = 1;
		}
		return new Preprocessing(color, rw, rh, interpolation, cw, ch, scale, mean, std, layout, type);
	}

	/**
	 * What the step takes: the values of a step that has a few (`dtype=float16` was refused with an example that listed no
	 * dtype), else an example of the whole option.
	 */
	private static String hint(String key) {
		return switch (key) {
		case "dtype" -> "dtype takes " + literals(ElementType.VALUES) + "; a float16 or bfloat16 model is fed float32 samples rounded to its type"
				+ " (keep dtype=float32)";
		case "layout" -> "layout takes " + literals(Layout.VALUES);
		case "interpolation" -> "interpolation takes " + literals(Interpolation.VALUES);
		default -> {
			String example = "use e.g. --preprocess grayscale,resize=28x28,scale=1/255,mean=0.5,std=0.5,layout=NCHW";
			String meant = STEPS.contains(key) ? null : org.quantrace.dsl.Suggestions.didYouMean(key, STEPS);
			yield meant == null ? example : meant + " (" + example + ")";
		}
		};
	}

	/** The steps --preprocess knows, to name the one a misspelt step meant ("sclae=2": did you mean 'scale'?). */
	private static final List<String> STEPS = List.of("grayscale", "rgb", "bgr", "resize", "crop", "interpolation", "scale", "mean", "std", "layout", "dtype");

	private static String literals(List<? extends org.eclipse.emf.common.util.Enumerator> values) {
		List<String> names = values.stream().map(org.eclipse.emf.common.util.Enumerator::getLiteral).toList();
		return String.join(", ", names.subList(0, names.size() - 1)) + " or " + names.get(names.size() - 1);
	}

	private static <T> T require(T value, String step) {
		if (value == null) {
			throw new IllegalArgumentException(step);
		}
		return value;
	}

	private static int[] size(String v) {
		String[] p = v.toLowerCase(Locale.ROOT).split("x");
		if (p.length != 2) {
			throw new IllegalArgumentException(v);
		}
		return new int[] { Integer.parseInt(p[0].trim()), Integer.parseInt(p[1].trim()) };
	}

	static double fraction(String v) {
		if (v.contains("/")) {
			String[] p = v.split("/");
			return Double.parseDouble(p[0].trim()) / Double.parseDouble(p[1].trim());
		}
		return Double.parseDouble(v);
	}

	private static double[] numbers(String v) {
		List<Double> list = new ArrayList<>();
		for (String p : v.split(":")) {
			list.add(Double.parseDouble(p.trim()));
		}
		return list.stream().mapToDouble(Double::doubleValue).toArray();
	}
}
