package org.quantrace.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import org.quantrace.engine.IoErrors;
import org.quantrace.engine.InvalidInputException;
import org.quantrace.engine.QuantraceException;
import org.quantrace.engine.onnx.OnnxModel;
import org.quantrace.engine.onnx.TensorInfo;
import org.quantrace.model.recipe.Calibration;
import org.quantrace.model.recipe.CalibrationMethod;
import org.quantrace.model.recipe.ColorMode;
import org.quantrace.model.recipe.DatasetDeclaration;
import org.quantrace.model.recipe.DatasetFormat;
import org.quantrace.model.recipe.DatasetRole;
import org.quantrace.model.recipe.EvaluationStep;
import org.quantrace.model.recipe.IOType;
import org.quantrace.model.recipe.Layout;
import org.quantrace.model.recipe.Metric;
import org.quantrace.model.recipe.ModelDeclaration;
import org.quantrace.model.recipe.Preprocessing;
import org.quantrace.model.recipe.QuantizationConfig;
import org.quantrace.model.recipe.QuantizationTechnique;
import org.quantrace.model.recipe.Recipe;
import org.quantrace.model.recipe.RecipeFactory;
import org.quantrace.model.recipe.RecipeFile;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * The quantization SDK's configuration.json as a recipe. The SDK's notebook calibrates on
 * {@code dataset_image_dir} (batch_size x iteration_count images, resized to input_tensor_size), then runs
 * the original, the converted and the quantized model on {@code evaluate_image_dir} and reports Top-1; the
 * recipe does the same with its conversion step and a full-integer scheme with float I/O. As the SDK
 * does, a missing file or a missing key stops the import with a message naming it.
 */
public final class SdkConfiguration {

	/** The keys of the specification's two tables, all required. */
	public static final List<String> REQUIRED = List.of("source model", "dataset_image_dir", "batch_size", "input_tensor_size", "iteration_count",
			"output_dir", "evaluate_image_dir", "evaluate_image_extension", "evaluate_label_file", "evaluate_result_dir");

	/** Quantrace reads ONNX: the source model may be given under any of these keys. */
	static final List<String> MODEL_KEYS = List.of("source_onnx_model", "source_model", "source_keras_model");

	private final Path file;
	private final JsonNode json;

	private SdkConfiguration(Path file, JsonNode json) {
		this.file = file;
		this.json = json;
	}

	public static SdkConfiguration read(Path file) {
		if (!Files.isRegularFile(file)) {
			throw new InvalidInputException(file + ": configuration file not found", "create configuration.json as the quantization specification describes");
		}
		try {
			JsonNode json = new ObjectMapper().readTree(file.toFile());
			if (json == null || !json.isObject()) {
				throw new InvalidInputException(file + ": not a JSON object", "the configuration is one object: {\"source_onnx_model\": ..., ...}");
			}
			return new SdkConfiguration(file, json);
		} catch (JsonProcessingException e) {
			throw new InvalidInputException(file + ":" + e.getLocation().getLineNr() + ":" + e.getLocation().getColumnNr() + ": not valid JSON ("
					+ e.getOriginalMessage() + ")", "fix the JSON syntax", e);
		} catch (IOException e) {
			throw new QuantraceException(file + ": cannot be read (" + IoErrors.describe(e) + ")", null, e);
		}
	}

	/**
	 * The equivalent recipe. Paths in the configuration are relative to its folder; in the recipe they are
	 * relative to {@code recipeFolder}, where the recipe will be saved.
	 */
	public RecipeFile toRecipe(String name, Path recipeFolder) {
		String modelKey = MODEL_KEYS.stream().filter(json::hasNonNull).findFirst()
				.orElseThrow(() -> missing("source_onnx_model", "the ONNX model to quantize"));
		Path model = path(modelKey);
		if (!model.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".onnx")) {
			throw new InvalidInputException(file + ": " + modelKey + " \"" + text(modelKey) + "\" is not an ONNX model",
					"Quantrace reads ONNX: export the Keras model (e.g. with tf2onnx) and give it as source_onnx_model");
		}
		Path calibrationDir = path("dataset_image_dir");
		int batch = positive("batch_size");
		int size = positive("input_tensor_size");
		int iterations = positive("iteration_count");
		String output = text("output_dir");
		Path evaluationDir = path("evaluate_image_dir");
		String extension = text("evaluate_image_extension").replaceFirst("^\\.", "");
		Path labels = path("evaluate_label_file");
		String results = text("evaluate_result_dir");

		RecipeFactory f = RecipeFactory.eINSTANCE;
		Recipe r = f.createRecipe();
		r.setName(name);
		r.setDescription("Imported from " + file.getFileName() + " (quantization SDK configuration); outputs to " + output + ", results to " + results);

		ModelDeclaration m = f.createModelDeclaration();
		m.setName("source");
		m.setPath(relative(model, recipeFolder));
		r.getDeclarations().add(m);

		r.getDeclarations().add(folder("calibration_images", relative(calibrationDir, recipeFolder), DatasetRole.CALIBRATION));
		DatasetDeclaration evaluation = folder("evaluation_images", relative(evaluationDir, recipeFolder), DatasetRole.EVALUATION);
		evaluation.setLabels(relative(labels, recipeFolder));
		evaluation.getExtensions().add(extension);
		r.getDeclarations().add(evaluation);

		r.getDeclarations().add(preprocessing(model, size));

		// the SDK compares the original, the converted (float) and the quantized model (MCT's, full-integer with float I/O):
		// the recipe's conversion gives the converted model (a scheme may not be named after that stage)
		r.setConversion(f.createConversionStep());
		QuantizationConfig sdk = f.createQuantizationConfig();
		sdk.setName("quantized");
		sdk.setTechnique(QuantizationTechnique.FULL_INTEGER);
		sdk.setIo(IOType.FLOAT32);
		Calibration c = f.createCalibration();
		c.setMethod(CalibrationMethod.MINMAX);
		c.setBatchSize(batch);
		c.setSamples(batch * iterations);
		sdk.setCalibration(c);
		r.getDeclarations().add(sdk);
		r.getSchemes().add(sdk);

		EvaluationStep e = f.createEvaluationStep();
		e.setDataset(evaluation);
		e.getMetrics().add(Metric.ACCURACY);
		r.setEvaluation(e);

		RecipeFile recipeFile = f.createRecipeFile();
		recipeFile.getRecipes().add(r);
		return recipeFile;
	}

	private static DatasetDeclaration folder(String name, String path, DatasetRole role) {
		DatasetDeclaration d = RecipeFactory.eINSTANCE.createDatasetDeclaration();
		d.setName(name);
		d.setPath(path);
		d.setRole(role);
		d.setFormat(DatasetFormat.FOLDER);
		return d;
	}

	/** Resize to the configured size; grayscale or RGB and the layout from the model's input when it can be read. */
	private Preprocessing preprocessing(Path model, int size) {
		Preprocessing p = RecipeFactory.eINSTANCE.createPreprocessing();
		p.setResizeWidth(size);
		p.setResizeHeight(size);
		p.setScale(1 / 255.0);
		if (!Files.isRegularFile(model)) {
			return p;
		}
		OnnxModel onnx = OnnxModel.load(model);
		List<TensorInfo> inputs = new ArrayList<>();
		onnx.graph().runtimeInputs().forEach(v -> inputs.add(TensorInfo.of(v)));
		if (inputs.size() != 1 || inputs.get(0).shape().size() != 4) {
			return p;
		}
		List<String> shape = inputs.get(0).shape();
		boolean nhwc = shape.get(3).equals("1") || shape.get(3).equals("3");
		String channels = nhwc ? shape.get(3) : shape.get(1);
		String h = nhwc ? shape.get(1) : shape.get(2);
		String w = nhwc ? shape.get(2) : shape.get(3);
		if (h.matches("\\d+") && w.matches("\\d+") && (Integer.parseInt(h) != size || Integer.parseInt(w) != size)) {
			throw new InvalidInputException(file + ": input_tensor_size " + size + " does not match the model's input " + w + " x " + h + " ("
					+ model.getFileName() + ")", "set input_tensor_size to the model's input size");
		}
		p.setColorMode(channels.equals("3") ? ColorMode.RGB : ColorMode.GRAYSCALE);
		p.setLayout(nhwc ? Layout.NHWC : Layout.NCHW);
		return p;
	}

	private InvalidInputException missing(String key, String what) {
		return new InvalidInputException(file + ": the required key " + key + " is missing (" + what + ")",
				"add \"" + key + "\" to the configuration; all keys of the specification's tables are required: " + String.join(", ", REQUIRED));
	}

	private String text(String key) {
		JsonNode v = json.get(key);
		if (v == null || v.isNull() || v.asText().isBlank()) {
			throw missing(key, "see the quantization specification's configuration table");
		}
		if (!v.isValueNode()) {
			throw new InvalidInputException(file + ": " + key + " must be a string or a number", "write e.g. \"" + key + "\": \"...\"");
		}
		return v.asText();
	}

	private Path path(String key) {
		return file.toAbsolutePath().getParent().resolve(text(key)).normalize();
	}

	private int positive(String key) {
		String v = text(key);
		try {
			int n = Integer.parseInt(v.trim());
			if (n >= 1) {
				return n;
			}
		} catch (NumberFormatException e) {
			// reported below
		}
		throw new InvalidInputException(file + ": " + key + " is " + v + ", not a whole number of at least 1", "set " + key + " to 1 or more");
	}

	private static String relative(Path target, Path folder) {
		Path base = folder.toAbsolutePath().normalize();
		return target.startsWith(base.getRoot()) ? base.relativize(target).toString().replace('\\', '/') : target.toString();
	}
}
