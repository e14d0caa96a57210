package org.quantrace.runner;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.eclipse.emf.ecore.EObject;
import org.eclipse.emf.ecore.resource.Resource;
import org.eclipse.xtext.diagnostics.Severity;
import org.eclipse.xtext.nodemodel.INode;
import org.eclipse.xtext.nodemodel.util.NodeModelUtils;
import org.quantrace.dsl.RecipeFiles;
import org.quantrace.dsl.validation.IssueCodes;
import org.quantrace.engine.InvalidInputException;
import org.quantrace.engine.data.Dataset;
import org.quantrace.engine.data.LabelCheck;
import org.quantrace.engine.data.ModelInput;
import org.quantrace.engine.onnx.DataType;
import org.quantrace.engine.onnx.OnnxModel;
import org.quantrace.engine.onnx.TensorInfo;
import org.quantrace.engine.quantize.Quantizer;
import org.quantrace.model.recipe.DatasetDeclaration;
import org.quantrace.model.recipe.DatasetFormat;
import org.quantrace.model.recipe.DebugStep;
import org.quantrace.model.recipe.Layout;
import org.quantrace.model.recipe.ModelDeclaration;
import org.quantrace.model.recipe.Preprocessing;
import org.quantrace.model.recipe.QuantizationConfig;
import org.quantrace.model.DatasetFormats;

/**
 * What the recipe's language cannot check because it reads no model and no image: that a model the recipe quantizes is
 * not quantized already, that each dataset, as its
 * preprocessing makes it, fits the input of each model that reads it, and that its classes fit the model's
 * outputs. Checked before any work, so a wrong image size is found in seconds rather than after every scheme was
 * quantized; each problem is a diagnostic on the dataset's line, saying which preprocessing fixes it.
 */
final class DataChecks {

	private DataChecks() {
	}

	/** The problems, as diagnostics like the validator's ({@code recipeAsGiven}: the recipe's path as the user wrote it). */
	static List<RecipeFiles.Diagnostic> check(RecipeContext ctx, List<ResolvedScheme> schemes, Path recipeAsGiven) {
		List<RecipeFiles.Diagnostic> problems = new ArrayList<>();
		boolean quantizes = schemes.stream().anyMatch(s -> s.spec().isQuantized());
		for (ModelDeclaration m : ctx.models()) {
			OnnxModel model = OnnxModel.load(ctx.modelFile(m));
			if (quantizes) {
				try {
					Quantizer.requireFloat(model, "model " + m.getName() + " (\"" + m.getPath() + "\")");
				} catch (InvalidInputException e) {
					problems.add(diagnostic(ctx, m, recipeAsGiven, IssueCodes.MODEL_QUANTIZED, e.getMessage() + ": " + e.hint(), Severity.ERROR));
				}
			}
			for (Map.Entry<DatasetDeclaration, String> use : uses(ctx, schemes).entrySet()) {
				DatasetDeclaration d = use.getKey();
				Dataset data;
				try {
					data = ctx.read(d, m, 1);
				} catch (InvalidInputException e) { // on the dataset's line, not as a message naming a file and no recipe
					RecipeFiles.Diagnostic unreadable = diagnostic(ctx, d, recipeAsGiven, IssueCodes.DATA_UNREADABLE,
							e.getMessage() + (e.hint() == null ? "" : ": " + e.hint()));
					if (!problems.contains(unreadable)) {
						problems.add(unreadable);
					}
					continue;
				}
				for (String w : data.warnings()) {
					RecipeFiles.Diagnostic warning = diagnostic(ctx, d, recipeAsGiven, IssueCodes.DATA_UNREAD_FILES, "dataset " + d.getName() + " ("
							+ d.getPath() + "): " + w, Severity.WARNING);
					if (!problems.contains(warning)) {
						problems.add(warning);
					}
				}
				ModelInput input;
				try {
					input = ModelInput.of(model, m.getName(), data);
				} catch (InvalidInputException e) {
					problems.add(diagnostic(ctx, d, recipeAsGiven, IssueCodes.DATA_SHAPE, shapeProblem(ctx, d, m, model, data, use.getValue())));
					continue;
				}
				DataType given = data.size() == 0 ? input.type() : data.read(0, 1).inputs().type();
				if (!given.feeds(input.type())) { // else ONNX Runtime's "Unexpected input data type" once the work had started, without a line
					problems.add(diagnostic(ctx, d, recipeAsGiven, IssueCodes.DATA_TYPE, typeProblem(ctx, d, m, input, given, use.getValue())));
					continue;
				}
				try {
					LabelCheck.check(model, m.getName(), data);
					if (ctx.recipe().getEvaluation() != null && ctx.recipe().getEvaluation().getDataset() == d && !model.graph().outputs().isEmpty()) {
						TensorInfo out = TensorInfo.of(model.graph().outputs().get(0)); // an image model's accuracy would be recorded as 0 (or worse, as anything)
						LabelCheck.requireClassScores("model " + m.getName(), out.name(), out.shape() == null ? new long[0]
								: out.shape().stream().mapToLong(x -> x.chars().allMatch(Character::isDigit) && !x.isEmpty() ? Long.parseLong(x) : -1).toArray());
					}
				} catch (InvalidInputException e) {
					problems.add(diagnostic(ctx, d, recipeAsGiven, IssueCodes.LABEL_RANGE, e.getMessage() + ": " + e.hint()));
				}
			}
		}
		return problems;
	}

	/** Every dataset the run reads, with what for: verification of the conversion, calibration, evaluation, debugging. */
	private static Map<DatasetDeclaration, String> uses(RecipeContext ctx, List<ResolvedScheme> schemes) {
		Map<DatasetDeclaration, String> uses = new LinkedHashMap<>();
		if (ctx.recipe().getConversion() != null && ctx.verificationData() != null) {
			uses.putIfAbsent(ctx.verificationData(), "checks the conversion");
		}
		for (ResolvedScheme s : schemes) {
			if (s.spec().isQuantized() && s.calibrationData() != null) {
				uses.putIfAbsent(s.calibrationData(), "calibrates " + s.name());
			}
		}
		DatasetDeclaration evaluation = ctx.recipe().getEvaluation() == null ? null : ctx.recipe().getEvaluation().getDataset();
		if (evaluation != null) {
			uses.putIfAbsent(evaluation, "evaluates the models");
		}
		for (DebugStep step : ctx.recipe().getDebugging()) {
			for (QuantizationConfig c : step.getSchemes()) {
				DatasetDeclaration d = step.getDataset();
				if (d == null) {
					d = schemes.stream().filter(s -> s.config() == c).map(ResolvedScheme::calibrationData).filter(x -> x != null).findFirst().orElse(evaluation);
				}
				if (d != null) {
					uses.putIfAbsent(d, "debugs " + c.getName());
				}
			}
		}
		return uses;
	}

	/** Samples of another element type than the model's input, and the preprocessing that would make them fit. */
	private static String typeProblem(RecipeContext ctx, DatasetDeclaration d, ModelDeclaration m, ModelInput input, DataType given, String use) {
		String problem = "dataset " + d.getName() + " (\"" + d.getPath() + "\", it " + use + ") gives " + lower(given) + " samples, but model "
				+ m.getName() + " reads '" + input.name() + "' as " + lower(input.type());
		DatasetFormat format = DatasetFormats.of(d, ctx.resolve(d, d.getPath()));
		Preprocessing block = ctx.preprocessingBlock(d, m);
		String dtype = input.type() == DataType.FLOAT ? "float32" : input.type() == DataType.UINT8 ? "uint8" : input.type() == DataType.INT8 ? "int8" : null;
		if ((format != DatasetFormat.FOLDER && format != DatasetFormat.IDX) || dtype == null) {
			return problem + ": save the samples as " + lower(input.type());
		}
		return problem + ": " + (block == null ? "add preprocess { dtype " + dtype + " } to the recipe"
				: "write 'dtype " + dtype + "' in the preprocess block" + (block.getName() == null ? "" : " " + block.getName()) + " on line " + line(block)
						+ (fileOf(block) != null && !fileOf(block).equals(fileOf(d)) ? " of " + fileOf(block).getFileName() : ""));
	}

	private static String lower(DataType t) {
		return t.displayName().toLowerCase(java.util.Locale.ROOT);
	}

	/** What does not fit, and the preprocessing that would make it fit. */
	private static String shapeProblem(RecipeContext ctx, DatasetDeclaration d, ModelDeclaration m, OnnxModel model, Dataset data, String use) {
		TensorInfo input = TensorInfo.of(model.graph().runtimeInputs().get(0));
		long[] sample = data.sampleShape();
		String problem = "dataset " + d.getName() + " (\"" + d.getPath() + "\", it " + use + ") gives samples of shape " + java.util.Arrays.toString(sample)
				+ ", but model " + m.getName() + " reads '" + input.name() + "' " + input.shapeText();
		DatasetFormat format = DatasetFormats.of(d, ctx.resolve(d, d.getPath()));
		if (format != DatasetFormat.FOLDER && format != DatasetFormat.IDX) {
			return problem + ": save the samples in the model's shape (batch axis first)";
		}
		Preprocessing block = ctx.preprocessingBlock(d, m);
		org.quantrace.engine.data.Preprocessing p = ctx.preprocessing(d, m);
		String fix = imageFix(input.shape(), sample, p);
		String where = block == null ? "add preprocess { " + fix + " } to the recipe"
				: "add '" + fix + "' to the preprocess block" + (block.getName() == null ? "" : " " + block.getName()) + " on line " + line(block)
						+ (fileOf(block) != null && !fileOf(block).equals(fileOf(d)) ? " of " + fileOf(block).getFileName() : "");
		return fix.isEmpty() ? problem + ": preprocess the images to the model's input shape" : problem + ": " + where;
	}

	/** The steps (layout, grayscale or rgb, resize W x H) that turn these images into the model's [N, C, H, W] or [N, H, W, C]. */
	static String imageFix(List<String> dims, long[] sample, org.quantrace.engine.data.Preprocessing p) {
		if (dims == null || dims.size() != 4 || sample.length != 3) {
			return "";
		}
		boolean nhwc = (dims.get(3).equals("1") || dims.get(3).equals("3")) && !(dims.get(1).equals("1") || dims.get(1).equals("3"));
		List<String> steps = new ArrayList<>();
		if (nhwc != (p.layout() == Layout.NHWC)) {
			steps.add("layout " + (nhwc ? "NHWC" : "NCHW"));
		}
		String c = nhwc ? dims.get(3) : dims.get(1);
		if (c.equals("1") && p.channels() != 1) {
			steps.add("grayscale");
		} else if (c.equals("3") && p.channels() != 3) {
			steps.add("rgb");
		}
		String h = nhwc ? dims.get(1) : dims.get(2);
		String w = nhwc ? dims.get(2) : dims.get(3);
		long sh = p.layout() == Layout.NHWC ? sample[0] : sample[1];
		long sw = p.layout() == Layout.NHWC ? sample[1] : sample[2];
		if (known(h) && known(w) && (Long.parseLong(h) != sh || Long.parseLong(w) != sw)) {
			steps.add((p.cropWidth() > 0 ? "crop " : "resize ") + w + " x " + h);
		}
		return String.join(" ", steps);
	}

	private static boolean known(String dim) {
		return !dim.isEmpty() && dim.chars().allMatch(Character::isDigit);
	}

	private static RecipeFiles.Diagnostic diagnostic(RecipeContext ctx, DatasetDeclaration d, Path recipeAsGiven, String code, String message) {
		return diagnostic(ctx, d, recipeAsGiven, code, message, Severity.ERROR);
	}

	private static RecipeFiles.Diagnostic diagnostic(RecipeContext ctx, EObject d, Path recipeAsGiven, String code, String message,
			Severity severity) {
		Path file = fileOf(d);
		INode node = NodeModelUtils.getNode(d);
		int line = node == null ? 1 : node.getStartLine();
		int column = 1;
		if (node != null) {
			String text = node.getRootNode().getText();
			for (int i = node.getOffset(); i > 0 && text.charAt(i - 1) != '\n'; i--) {
				column++;
			}
		}
		return new RecipeFiles.Diagnostic(file == null || file.equals(ctx.file()) ? recipeAsGiven : file, line, column, severity, code, message);
	}

	private static int line(EObject o) {
		INode n = NodeModelUtils.getNode(o);
		return n == null ? 0 : n.getStartLine();
	}

	private static Path fileOf(EObject o) {
		Resource r = o.eResource();
		return r == null || !r.getURI().isFile() ? null : Path.of(r.getURI().toFileString()).toAbsolutePath().normalize();
	}
}
