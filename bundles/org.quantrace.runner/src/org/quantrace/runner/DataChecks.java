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
import org.quantrace.engine.data.DataWarning;
import org.quantrace.engine.data.Dataset;
import org.quantrace.engine.data.LabelCheck;
import org.quantrace.engine.data.ModelInput;
import org.quantrace.engine.data.ModelInputs;
import org.quantrace.engine.evaluate.IntegerFeed;
import org.quantrace.engine.onnx.DataType;
import org.quantrace.engine.onnx.FloatWidening;
import org.quantrace.engine.onnx.GraphOutputs;
import org.quantrace.engine.onnx.IoQuantization;
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
		return check(ctx, schemes, recipeAsGiven, false);
	}

	/**
	 * {@link #check(RecipeContext, List, Path)}, and with {@code decodeAll} every sample a step will read is read too (validate):
	 * damage past an image's header (a JPEG cut mid-scan, a truncated PNG) is found only when the image is decoded. Measured
	 * 2026-12-03 at load 10-14 on 2 cores: 28x28 PNG/JPEG 0.15-0.35 ms an image warm (1,000 in 0.3 s, 10,000 in 1.5-2.2 s, about
	 * the time the headers take), 224x224 JPEG 8-10 ms (10,000 in about 80-100 s). validate decodes them; a run does not read
	 * them twice (it says a damaged sample on the same line, with the same code, when it reads it: {@link DeclaredDataset}).
	 */
	static List<RecipeFiles.Diagnostic> check(RecipeContext ctx, List<ResolvedScheme> schemes, Path recipeAsGiven, boolean decodeAll) {
		List<RecipeFiles.Diagnostic> problems = new ArrayList<>();
		java.util.Set<DatasetDeclaration> decoded = new java.util.HashSet<>();
		boolean quantizes = schemes.stream().anyMatch(s -> s.spec().isQuantized());
		Map<DatasetDeclaration, Use> uses = uses(ctx, schemes);
		java.util.Set<ModelDeclaration> ran = new java.util.HashSet<>();
		DeclaredCounts.calibrationSamples(ctx, schemes, recipeAsGiven, problems);
		for (ModelDeclaration m : ctx.models()) {
			OnnxModel model;
			try {
				model = OnnxModel.load(ctx.modelFile(m));
			} catch (InvalidInputException e) { // on the model's line: validate reports it among the diagnostics, as the run does
				problems.add(diagnostic(ctx, m, recipeAsGiven, IssueCodes.MODEL_UNREADABLE, text(e), Severity.ERROR));
				continue;
			}
			try { // whatever the recipe's datasets: only the start-up probe of a dataset that fits found it, and a recipe of no dataset ran
				GraphOutputs.requireReadable(model, "model " + m.getName() + " (\"" + m.getPath() + "\")"); // to exit 0, writing models of no outputs
			} catch (InvalidInputException e) {
				problems.add(diagnostic(ctx, m, recipeAsGiven, IssueCodes.MODEL_UNRUNNABLE, text(e), Severity.ERROR));
				continue;
			}
			if (ctx.recipe().getConversion() != null && FloatWidening.holdsFloat64(model)) {
				try { // a float64 model: the convert block narrows it to float32 before any step feeds it, so its data is checked against that
					model = model.copy();
					FloatWidening.narrow(model, "model " + m.getName() + " (\"" + m.getPath() + "\")");
				} catch (InvalidInputException e) {
					problems.add(diagnostic(ctx, m, recipeAsGiven, IssueCodes.MODEL_UNRUNNABLE, text(e), Severity.ERROR));
					continue;
				}
			}
			checkOpset(ctx, m, model, recipeAsGiven, problems);
			checkFramework(ctx, m, model, recipeAsGiven, problems);
			checkSeeded(ctx, m, model, recipeAsGiven, problems);
			boolean refused = checkFloatWeights(ctx, m, model, recipeAsGiven, problems);
			if (quantizes) {
				checkFloat(ctx, m, model, recipeAsGiven, problems, refused);
			}
			checkTrainedCodes(ctx, m, model, schemes, recipeAsGiven, problems);
			DeclaredCounts.topK(ctx, m, model, recipeAsGiven, problems);
			Map<String, IoQuantization.Io> integerInputs = integerInputs(ctx, m, model, uses.values(), recipeAsGiven, problems);
			for (Map.Entry<DatasetDeclaration, Use> use : uses.entrySet()) {
				boolean readable = checkData(ctx, m, model, use.getKey(), use.getValue(), integerInputs, recipeAsGiven, problems, ran);
				if (readable) {
					checkLabels(ctx, m, model, use.getKey(), recipeAsGiven, problems);
				}
				if (decodeAll && readable && decoded.add(use.getKey())) {
					decodeAll(ctx, m, model, use.getKey(), recipeAsGiven, problems);
				}
			}
		}
		return problems;
	}

	/**
	 * The recipe's {@code convert { opset N }} below a model's opset: conversion never lowers an opset (Freezer refuses it), and
	 * the run stopped at that model's conversion, naming the model but not the recipe's line (hostile3's left open). Said on the
	 * opset clause's line before any work, with what to write instead.
	 */
	private static void checkOpset(RecipeContext ctx, ModelDeclaration m, OnnxModel model, Path recipeAsGiven, List<RecipeFiles.Diagnostic> problems) {
		org.quantrace.model.recipe.ConversionStep c = ctx.recipe().getConversion();
		if (c == null || c.getTargetOpset() <= 0 || c.getTargetOpset() >= model.opset()) {
			return;
		}
		problems.add(diagnostic(ctx, c, org.quantrace.model.recipe.RecipePackage.Literals.CONVERSION_STEP__TARGET_OPSET, recipeAsGiven, IssueCodes.VALUE_RANGE,
				"convert opset " + c.getTargetOpset() + " is below the opset of model " + m.getName() + " (\"" + m.getPath() + "\"), " + model.opset()
						+ ": conversion raises a model's opset, it never lowers it; remove the opset clause, or give opset " + model.opset() + " or more",
				Severity.ERROR));
	}

	/** The model's framework clause that its file's producer contradicts: a warning on the clause's line ({@link FrameworkClause}). */
	private static void checkFramework(RecipeContext ctx, ModelDeclaration m, OnnxModel model, Path recipeAsGiven, List<RecipeFiles.Diagnostic> problems) {
		String w = FrameworkClause.warning(m.getName(), m.getPath(), m.getFramework(), model.producerName(), model.producerVersion());
		if (w != null) {
			problems.add(diagnostic(ctx, m, org.quantrace.model.recipe.RecipePackage.Literals.MODEL_DECLARATION__FRAMEWORK, recipeAsGiven,
					IssueCodes.MODEL_FRAMEWORK, w, Severity.WARNING));
		}
	}

	/**
	 * A model that draws random numbers without a seed: no figure the run measures on it could be derived again. Its view at
	 * inference: the run never runs a Dropout in training mode (conversion and quantization's pre-processing set it to inference
	 * mode, and the original and a technique-none copy of it are evaluated so).
	 */
	private static void checkSeeded(RecipeContext ctx, ModelDeclaration m, OnnxModel model, Path recipeAsGiven, List<RecipeFiles.Diagnostic> problems) {
		try {
			org.quantrace.engine.onnx.RandomOps.requireSeeded(org.quantrace.engine.convert.Freezer.inferenceView(model), "model " + m.getName() + " (\"" + m.getPath() + "\")",
					"every figure the run measures on it, its calibrated ranges and quantized files: quantrace verify --deep could not derive them again");
		} catch (InvalidInputException e) {
			problems.add(diagnostic(ctx, m, recipeAsGiven, IssueCodes.MODEL_RANDOM, text(e), Severity.ERROR));
		}
	}

	/**
	 * A model the recipe prunes or factorizes: quantized already is an error on the model's line. The step refused it only when
	 * the run reached it, naming no line, and validate passed the recipe (found by the lead, 2026-12-06). The prune step runs
	 * first, so it is the one named; returns whether the model was refused.
	 */
	private static boolean checkFloatWeights(RecipeContext ctx, ModelDeclaration m, OnnxModel model, Path recipeAsGiven, List<RecipeFiles.Diagnostic> problems) {
		boolean prunes = ctx.recipe().getPruning() != null;
		if (!prunes && ctx.recipe().getFactorization() == null) {
			return false;
		}
		try {
			org.quantrace.engine.onnx.QuantizedOps.requireFloat(model, "model " + m.getName() + " (\"" + m.getPath() + "\")", prunes ? "pruning" : "factorization",
					prunes ? "prune" : "factorize");
			return false;
		} catch (InvalidInputException e) {
			problems.add(diagnostic(ctx, m, recipeAsGiven, IssueCodes.MODEL_QUANTIZED, text(e), Severity.ERROR));
			return true;
		}
	}

	/**
	 * A model the recipe quantizes: quantized already is an error (unless {@code refused} said so already, for the prune or
	 * factorize step before it), weight-only quantized a warning (its weights rounded again).
	 */
	private static void checkFloat(RecipeContext ctx, ModelDeclaration m, OnnxModel model, Path recipeAsGiven, List<RecipeFiles.Diagnostic> problems,
			boolean refused) {
		String name = "model " + m.getName() + " (\"" + m.getPath() + "\")";
		try {
			Quantizer.requireFloat(model, name);
		} catch (InvalidInputException e) {
			if (!refused) {
				problems.add(diagnostic(ctx, m, recipeAsGiven, IssueCodes.MODEL_QUANTIZED, text(e), Severity.ERROR));
			}
		}
		String weightOnly = Quantizer.weightOnlyWarning(model, name);
		if (weightOnly != null) {
			problems.add(diagnostic(ctx, m, recipeAsGiven, IssueCodes.MODEL_WEIGHT_ONLY, weightOnly, Severity.WARNING));
		}
	}

	/**
	 * A quantized model (a quantization-aware-trained export, or one quantized before) evaluated by a scheme that quantizes
	 * nothing: its variant is that integer model (convert keeps the codes), named after the scheme ("unquantized"). Said on the model's line, and so in the
	 * records and documents, so that no one reads that variant as a float model or as one Quantrace calibrated.
	 */
	private static void checkTrainedCodes(RecipeContext ctx, ModelDeclaration m, OnnxModel model, List<ResolvedScheme> schemes, Path recipeAsGiven,
			List<RecipeFiles.Diagnostic> problems) {
		List<String> asIs = schemes.stream().filter(s -> !s.spec().isQuantized()).map(s -> "'" + s.name() + "'").toList();
		long q = model.graph().allNodes().stream().filter(n -> n.opType().equals("QuantizeLinear") && n.domain().isEmpty()).count();
		long dq = model.graph().allNodes().stream().filter(n -> n.opType().equals("DequantizeLinear") && n.domain().isEmpty()).count();
		Map<String, Long> ops = org.quantrace.engine.onnx.QuantizedOps.counts(model);
		String form = org.quantrace.engine.onnx.QuantizedOps.form(ops);
		boolean qdq = "QDQ form".equals(form);
		if (asIs.isEmpty() || form == null || qdq && (q == 0 || dq == 0)) {
			return;
		}
		// ONNX Runtime's QOperator or dynamic-range form (make_unseen17's qop, make_unseen18's dynq): its integer kernels and
		// their codes are in the file, written by the tool that quantized it; its producer names that tool where it says
		// the integer forms the file holds, weight-only layers included (hostile7's lstm_dynq: a DynamicQuantizeLSTM and a Gemm on int8 codes)
		String what = qdq ? q + " QuantizeLinear, " + dq + " DequantizeLinear: a quantization-aware-trained export or a model quantized before"
				: org.quantrace.engine.onnx.QuantizedOps.held(model) + ", in ONNX Runtime's " + form + "; quantized before"
						+ (model.producerName().isEmpty() ? "" : ", its producer " + (model.producerName() + " " + model.producerVersion()).trim());
		// pairs that round activations alone hold no codes (hostile7's qat_inputonly: a fake-quant on the input, float weights)
		boolean weightCodes = !qdq || org.quantrace.engine.onnx.QuantizedOps.quantizesWeights(model);
		// float8 codes are no integers and have no kernel on ONNX Runtime's CPU: its layers compute in float (make_unseen34's fp8qdq)
		java.util.SortedSet<org.quantrace.engine.onnx.DataType> float8 = org.quantrace.engine.onnx.Float8.typesIn(model);
		String codes = !weightCodes ? "its activations rounded by its pairs, on the float weights it holds (it holds no weight codes)"
				: !float8.isEmpty() ? "on the float8 codes it holds (" + String.join(", ", float8.stream().map(Object::toString).toList())
						+ "; no integer kernel: its layers compute in float on the values they dequantize to)"
				: qdq ? "on the integer codes it holds (convert keeps them)" : "on the integer codes and scales the tool that quantized it chose";
		// a QOperator or dynamic-range model quantized in part (hostile7's mixed_qop) is no "integer model": its layers counted
		var layers = org.quantrace.engine.onnx.QuantizedOps.layers(model);
		boolean inPart = !qdq && layers.inFloat() > 0;
		String schemesWord = (asIs.size() == 1 ? "scheme " : "schemes ") + String.join(", ", asIs);
		problems.add(diagnostic(ctx, m, recipeAsGiven, IssueCodes.MODEL_TRAINED_CODES, "model " + m.getName() + " (\"" + m.getPath() + "\") is quantized already ("
				+ what + "): " + schemesWord + " evaluate" + (asIs.size() == 1 ? "s" : "") + " it as it is, " + codes + ", neither calibrated nor"
				+ " quantized by this run; the variant named " + String.join(", ", asIs) + " is that "
				+ (!weightCodes ? "model with its pairs' rounding, not the float model without them" : inPart ? "model, " + layers.inWords()
						: float8.isEmpty() ? "integer model, not a float one" : "float8-quantized model, not a float one"), Severity.WARNING));
	}

	/**
	 * Every sample of {@code d} a step reads (its own 'samples' cut, else all), a batch at a time: unreadable is a diagnostic on
	 * its line. Once per dataset: the labels are held against each model's classes apart ({@link #checkLabels}).
	 */
	private static void decodeAll(RecipeContext ctx, ModelDeclaration m, OnnxModel model, DatasetDeclaration d, Path recipeAsGiven,
			List<RecipeFiles.Diagnostic> problems) {
		try {
			Dataset all = ctx.read(d, m, 0);
			for (int from = 0; from < all.size(); from += 64) {
				int to = Math.min(all.size(), from + 64);
				if (all.namedInputs().isEmpty()) {
					all.readInputs(from, to, null);
				} else { // every array of a model of several inputs
					all.read(from, to);
				}
			}
		} catch (InvalidInputException e) {
			addOnce(problems, unreadable(ctx, d, recipeAsGiven, e));
		}
	}

	/**
	 * Where the evaluation scores {@code d}'s classes on {@code m}, each label held against {@code m}'s classes: label-range on
	 * the dataset's line, naming the sample's line. By the run too, before any work (a CSV's label 12 on line 500 of a 10-class
	 * model stopped it at its evaluation, after every scheme was quantized), and for each model (validate held the labels against
	 * the first model's classes only). The labels alone are read ({@link Dataset#labels}): no image decoded, nothing read twice.
	 */
	private static void checkLabels(RecipeContext ctx, ModelDeclaration m, OnnxModel model, DatasetDeclaration d, Path recipeAsGiven,
			List<RecipeFiles.Diagnostic> problems) {
		long classes = scoredClasses(ctx, d, model);
		if (classes < 0) {
			return;
		}
		Dataset all;
		try {
			all = ctx.read(d, m, 0);
		} catch (InvalidInputException e) {
			addOnce(problems, unreadable(ctx, d, recipeAsGiven, e));
			return;
		}
		try {
			for (int from = 0; from < all.size(); from += 4096) {
				org.quantrace.engine.data.Labels read = all.labels(from, Math.min(all.size(), from + 4096));
				if (read == null) { // an .npz of inputs alone: the language cannot see that it holds no labels
					addOnce(problems, diagnostic(ctx, d, recipeAsGiven, IssueCodes.MISSING_LABELS, "dataset " + d.getName() + " (" + d.getPath()
							+ ") holds no labels, so the evaluation cannot score model " + m.getName() + "'s classes: add labels \"...\" to the dataset,"
							+ " or store the labels beside the inputs (an .npz's y array)"));
					return;
				}
				int[] labels = read.classes(); // multilabel flags: their width is checked against the outputs' by name
				for (int i = 0; labels != null && i < labels.length; i++) {
					LabelCheck.requireClass(all, from + i, labels[i], classes, "model " + m.getName());
				}
			}
		} catch (InvalidInputException e) {
			addOnce(problems, diagnostic(ctx, d, recipeAsGiven, IssueCodes.LABEL_RANGE, text(e)));
		}
	}

	/**
	 * How many classes the evaluation on {@code d} scores {@code model}'s first output as (its declared width), or -1 where it
	 * scores none (not the evaluation's data, outputs measured against a reference, a width not declared, or one class index
	 * per sample).
	 */
	static long scoredClasses(RecipeContext ctx, DatasetDeclaration d, OnnxModel model) {
		org.quantrace.model.recipe.EvaluationStep e = ctx.recipe().getEvaluation();
		long[] shape = LabelCheck.firstOutputShape(model);
		if (e == null || e.getDataset() != d || shape == null) {
			return -1;
		}
		org.quantrace.engine.evaluate.EvaluationOptions.Task task = ModelEvaluation.options(e).task();
		boolean scores = task == org.quantrace.engine.evaluate.EvaluationOptions.Task.CLASSIFICATION
				|| task == org.quantrace.engine.evaluate.EvaluationOptions.Task.AUTO && LabelCheck.classScores(shape);
		long width = LabelCheck.outputWidth(model);
		return scores && width > 1 ? width : -1;
	}

	/**
	 * A data range the evaluation refused after its pass ({@link org.quantrace.engine.evaluate.ReferenceSpan}): on the evaluation's
	 * {@code range} clause, else its line (the default range 1), with what to write there.
	 */
	static RecipeFiles.Diagnostic rangeRefused(RecipeContext ctx, Path recipeAsGiven, InvalidInputException e) {
		return diagnostic(ctx, ctx.recipe().getEvaluation(), org.quantrace.model.recipe.RecipePackage.Literals.EVALUATION_STEP__DATA_RANGE, recipeAsGiven,
				IssueCodes.DATA_RANGE, text(e), Severity.ERROR);
	}

	/** A dataset that cannot be read, on its line (code data-unreadable): before any work, or when a sample is read during the run. */
	static RecipeFiles.Diagnostic unreadable(RecipeContext ctx, DatasetDeclaration d, Path recipeAsGiven, InvalidInputException e) {
		return diagnostic(ctx, d, recipeAsGiven, IssueCodes.DATA_UNREADABLE, text(e));
	}

	/**
	 * One dataset against one model, for one use: readable, its warnings, its shape, its element type, its labels. False when
	 * it cannot be read.
	 */
	private static boolean checkData(RecipeContext ctx, ModelDeclaration m, OnnxModel model, DatasetDeclaration d, Use use,
			Map<String, IoQuantization.Io> integerInputs, Path recipeAsGiven, List<RecipeFiles.Diagnostic> problems, java.util.Set<ModelDeclaration> ran) {
		Dataset data;
		DataType given;
		try {
			data = ctx.read(d, m, 1);
			given = data.size() == 0 ? null : data.read(0, 1).inputs().type(); // the first sample's content too (an .npy cut short)
		} catch (InvalidInputException e) { // on the dataset's line, not as a message naming a file and no recipe
			addOnce(problems, unreadable(ctx, d, recipeAsGiven, e));
			return false;
		}
		for (DataWarning w : data.warnings()) {
			String code = w.kind() == DataWarning.Kind.EMPTY_CLASS ? IssueCodes.DATA_EMPTY_CLASS : IssueCodes.DATA_UNREAD_FILES;
			addOnce(problems, diagnostic(ctx, d, recipeAsGiven, code, warningText(d, w), Severity.WARNING));
		}
		String fewer = fewerSamples(ctx, d, m);
		if (fewer != null) {
			addOnce(problems, diagnostic(ctx, d, recipeAsGiven, IssueCodes.DATA_SAMPLES, fewer, Severity.WARNING));
		}
		ModelInputs inputs;
		try {
			inputs = ModelInputs.of(model, m.getName(), data.named(d.getPath())); // its path as the recipe writes it, not "(first 1)"
		} catch (InvalidInputException e) { // several inputs, or arrays none of which is named the input: the check's own words
			boolean oneInput = model.graph().runtimeInputs().size() == 1 && data.singleInputProblem() == null && data.namedInputs().size() < 2;
			problems.add(diagnostic(ctx, d, recipeAsGiven, IssueCodes.DATA_SHAPE, oneInput ? shapeProblem(ctx, d, m, model, data, use.what())
					: "dataset " + d.getName() + " (\"" + d.getPath() + "\", it " + use.what() + "): " + text(e)));
			return true;
		}
		ModelInput input = inputs.first();
		if (use.quantizesFloat() && integerInputs == null) {
			return true; // the input's readers disagree: said on the model's line
		}
		try { // no samples feed a float64 input (an npy file of float64 is read as float32): said on the model's line, not "save the samples as float64"
			org.quantrace.engine.runtime.ShapeProbe.feedType(input.name(), input.type(), "model " + m.getName() + " (\"" + m.getPath() + "\")");
		} catch (InvalidInputException e) {
			addOnce(problems, diagnostic(ctx, m, recipeAsGiven, IssueCodes.MODEL_UNRUNNABLE, text(e), Severity.ERROR));
			return true;
		}
		IoQuantization.Io integer = integerInputs == null ? null : integerInputs.get(input.name());
		IoQuantization.Io io = use.quantizesFloat() ? integer : null;
		if (given != null && !inputs.named() && !IntegerFeed.accepts(given, input.type(), io)) { // else ONNX Runtime's "Unexpected input data type" once the work had started, without a line
			problems.add(diagnostic(ctx, d, recipeAsGiven, IssueCodes.DATA_TYPE, typeProblem(ctx, d, m, input, given, use, integer)));
			return true;
		}
		if (data.size() > 0 && ran.add(m)) { // once per model, on a sample that fits it: else "inference failed" once the work had started, exit 3
			try {
				org.quantrace.engine.runtime.ShapeProbe.requireRuns(model, "model " + m.getName() + " (\"" + m.getPath() + "\")", inputs.firstSample(data));
			} catch (InvalidInputException e) {
				problems.add(diagnostic(ctx, m, recipeAsGiven, IssueCodes.MODEL_UNRUNNABLE, text(e), Severity.ERROR));
			}
		}
		if (integer != null && given == input.type() && !inputs.named()) {
			String coarse = coarseIntegers(ctx, d, m, input, integer, use);
			if (coarse != null) {
				addOnce(problems, diagnostic(ctx, d, recipeAsGiven, IssueCodes.DATA_TYPE, coarse, Severity.WARNING));
			}
		}
		try {
			LabelCheck.check(model, m.getName(), data);
			if (ctx.recipe().getEvaluation() != null && ctx.recipe().getEvaluation().getDataset() == d && !model.graph().outputs().isEmpty()
					&& ModelEvaluation.options(ctx.recipe().getEvaluation()).task() == org.quantrace.engine.evaluate.EvaluationOptions.Task.CLASSIFICATION) {
				TensorInfo out = TensorInfo.of(model.graph().outputs().get(0)); // an image model's accuracy would be recorded as 0 (or worse, as anything)
				LabelCheck.requireClassScores("model " + m.getName(), out.name(), out.shape() == null ? new long[0]
						: out.shape().stream().mapToLong(x -> known(x) ? Long.parseLong(x) : -1).toArray());
				LabelCheck.requireNoTopKValues(model, "model " + m.getName());
			}
		} catch (InvalidInputException e) {
			problems.add(diagnostic(ctx, d, recipeAsGiven, IssueCodes.LABEL_RANGE, text(e)));
		}
		String targets = targetsProblem(ctx, d, m, model);
		if (targets != null) {
			addOnce(problems, diagnostic(ctx, d, org.quantrace.model.recipe.RecipePackage.Literals.DATASET_DECLARATION__TARGETS, recipeAsGiven,
					IssueCodes.DATA_SHAPE, targets, Severity.ERROR));
		}
		String layout = ssimLayout(ctx, d, m, model);
		if (layout == null) {
			layout = ssimNoImage(ctx, d, m, model);
		}
		if (layout != null) {
			addOnce(problems, diagnostic(ctx, ctx.recipe().getEvaluation(), org.quantrace.model.recipe.RecipePackage.Literals.EVALUATION_STEP__METRICS, recipeAsGiven,
					IssueCodes.DATA_SHAPE, layout, Severity.ERROR));
		}
		return true;
	}

	/**
	 * Why the targets of the evaluation's dataset {@code d} cannot be the reference of {@code m}'s outputs (not one per sample,
	 * or not shaped as the model's declared output), found before any work from the file's header; null when they can, when
	 * the model declares no output shape to compare with (then the evaluation compares the outputs it gets), or when {@code d}
	 * has no targets or is not the evaluation's.
	 */
	private static String targetsProblem(RecipeContext ctx, DatasetDeclaration d, ModelDeclaration m, OnnxModel model) {
		org.quantrace.model.recipe.EvaluationStep e = ctx.recipe().getEvaluation();
		if (e == null || e.getDataset() != d || d.getTargets() == null) {
			return null;
		}
		long[] targets;
		try {
			targets = org.quantrace.engine.data.NpyArray.open(ctx.resolve(d, d.getTargets())).shape();
		} catch (InvalidInputException x) {
			return "targets \"" + d.getTargets() + "\": " + text(x);
		}
		int samples = ctx.read(d, m, 0).size();
		long[] output = org.quantrace.engine.data.LabelCheck.firstOutputShape(model);
		long[] perSample = targets.length < 2 ? new long[0] : java.util.Arrays.copyOfRange(targets, 1, targets.length);
		boolean fits = output == null || output.length == targets.length;
		for (int i = 1; fits && output != null && i < output.length; i++) {
			fits = output[i] < 0 || output[i] == targets[i];
		}
		if (targets.length >= 2 && fits && targets[0] >= samples) {
			return null;
		}
		String modelShape = output == null ? "" : ", and model " + m.getName() + "'s output '" + model.graph().outputs().get(0).getName() + "' is "
				+ java.util.Arrays.toString(output).replace("-1", "N") + " (" + java.util.Arrays.toString(java.util.Arrays.copyOfRange(output, 1, output.length))
						.replace("-1", "?") + " per sample)";
		return "targets \"" + d.getTargets() + "\" are " + java.util.Arrays.toString(targets) + " (" + (targets.length < 2 ? "no samples axis"
				: targets[0] + " samples of " + java.util.Arrays.toString(perSample)) + ") for " + samples + " samples of dataset " + d.getName() + modelShape
				+ ": give one target per sample, in the data's order, shaped as the model's output";
	}

	/**
	 * The evaluation's ssim over a model output channels last ([N, H, W, C]): SSIM reads [C, H, W] and would run over the wrong
	 * axes (or, C under 11, not at all) without a word; refused before any work on the evaluation's metrics, with what to do.
	 * Null when the evaluation on {@code d} measures no SSIM of this model, or its declared output is not channels last.
	 */
	private static String ssimLayout(RecipeContext ctx, DatasetDeclaration d, ModelDeclaration m, org.quantrace.engine.onnx.OnnxModel model) {
		org.quantrace.model.recipe.EvaluationStep e = ctx.recipe().getEvaluation();
		if (e == null || e.getDataset() != d) {
			return null;
		}
		org.quantrace.engine.evaluate.EvaluationOptions o = ModelEvaluation.options(e);
		long[] shape = org.quantrace.engine.data.LabelCheck.firstOutputShape(model);
		if (!o.ssim() || shape == null || shape.length < 2 || o.task() == org.quantrace.engine.evaluate.EvaluationOptions.Task.CLASSIFICATION
				|| o.task() == org.quantrace.engine.evaluate.EvaluationOptions.Task.AUTO && org.quantrace.engine.data.LabelCheck.classScores(shape)) {
			return null;
		}
		long[] perSample = java.util.Arrays.copyOfRange(shape, 1, shape.length);
		// the engine's rule (quantrace evaluate's too): a shape channels last by its look ([H, W, C], C of 1 to 4) is read
		// [H, W, C] where the recipe declares layout NHWC for this model and data, and refused where the layout is not known
		boolean nhwc = ModelEvaluation.nhwc(ctx, d, m);
		if (org.quantrace.engine.evaluate.ReconstructionMetrics.imageLayout(perSample, nhwc) != null) {
			return null;
		}
		// a layout is declared only where the data's reader applies one (image folders, IDX); .npy data is fed as stored
		boolean declarable = org.quantrace.model.DatasetFormats.takes(org.quantrace.model.DatasetFormats.of(d, ctx.resolve(d, d.getPath())),
				org.quantrace.model.recipe.RecipePackage.Literals.PREPROCESSING__LAYOUT);
		return org.quantrace.engine.evaluate.ReconstructionMetrics.channelsLastProblem("model " + m.getName() + "'s output '"
				+ model.graph().outputs().get(0).getName() + "'" + (nhwc ? " (the recipe's layout NHWC)" : ""), perSample) + ": "
				+ (e.getMetrics().isEmpty() ? "an evaluation without metrics measures mse, psnr and ssim; " : "")
				+ (declarable && !nhwc ? "declare the layout, 'layout NHWC' in the model's preprocess block, and ssim is computed over [H, W, C]; or " : "")
				+ (e.getMetrics().isEmpty() ? "name the metrics without ssim, 'metrics mse, psnr'" : "leave ssim out (metrics mse, psnr")
				+ (e.getMetrics().isEmpty() ? " (they do not depend on the layout)" : ": they do not depend on the layout)")
				+ ", or give the model a Transpose (perm 0, 3, 1, 2) at its output so that it is [N, C, H, W]";
	}

	/**
	 * An evaluation that names ssim over a model output that is no image ([N, 10] scores, a [N, T] sequence): SSIM compares
	 * images of at least 7x7, and the evaluator left it out without a word (the zoo's unet with "metrics mse, psnr, ssim",
	 * assessor16), so the documents held no ssim the recipe asks for. Refused, as an output channels last is: the recipe is what
	 * the logs say ran, and the fix is one word. Null where ssim is not named (the default metrics compute it where it applies),
	 * where the output is an image, or where its sizes are not stored in the file (the evaluator decides on the first batch).
	 */
	private static String ssimNoImage(RecipeContext ctx, DatasetDeclaration d, ModelDeclaration m, org.quantrace.engine.onnx.OnnxModel model) {
		org.quantrace.model.recipe.EvaluationStep e = ctx.recipe().getEvaluation();
		if (e == null || e.getDataset() != d || !e.getMetrics().contains(org.quantrace.model.recipe.Metric.SSIM)) {
			return null;
		}
		long[] shape = org.quantrace.engine.data.LabelCheck.firstOutputShape(model);
		if (shape == null || shape.length < 2 || ModelEvaluation.options(e).task() == org.quantrace.engine.evaluate.EvaluationOptions.Task.CLASSIFICATION) {
			return null;
		}
		long[] perSample = java.util.Arrays.copyOfRange(shape, 1, shape.length);
		if (java.util.Arrays.stream(perSample).anyMatch(x -> x < 0)) {
			return null;
		}
		org.quantrace.engine.evaluate.ReconstructionMetrics.ImageLayout layout = org.quantrace.engine.evaluate.ReconstructionMetrics.imageLayout(perSample,
				ModelEvaluation.nhwc(ctx, d, m));
		if (layout == null || org.quantrace.engine.evaluate.ReconstructionMetrics.imageShape(perSample, layout)) {
			return null;
		}
		String others = String.join(", ", e.getMetrics().stream().filter(x -> x != org.quantrace.model.recipe.Metric.SSIM).map(x -> x.getLiteral()).toList());
		return "model " + m.getName() + "'s output '" + model.graph().outputs().get(0).getName() + "' is " + java.util.Arrays.toString(perSample)
				+ " per sample, no image: ssim compares images ([C, H, W], [H, W] or, declared NHWC, [H, W, C]) of at least "
				+ org.quantrace.engine.evaluate.ReconstructionMetrics.WINDOW + "x" + org.quantrace.engine.evaluate.ReconstructionMetrics.WINDOW
				+ " and cannot be computed on it: leave ssim out" + (others.isEmpty() ? " (metrics mse, psnr)" : " (metrics " + others + ")");
	}

	/** A dataset's warning as the run prints it (and verify, reading the dataset again, derives it): "dataset eval (data/evaluation): ...". */
	static String warningText(DatasetDeclaration d, DataWarning w) {
		return "dataset " + d.getName() + " (" + d.getPath() + "): " + w.text();
	}

	/**
	 * A dataset that declares more samples than it holds ({@code samples 5000} on a folder of 1,000 images): the run read the 1,000
	 * without a word, and results.json said 1000 beside a recipe that says 5000 (wild README, left open 2). Null when it holds
	 * as many as it declares, or declares no number.
	 */
	static String fewerSamples(RecipeContext ctx, DatasetDeclaration d, ModelDeclaration m) {
		if (d.getSamples() <= 0) {
			return null;
		}
		int held = ctx.read(d, m, 0).size();
		return held >= d.getSamples() ? null : samplesText(d, held);
	}

	/** The data-samples warning's words, for {@code held} samples read of the {@code samples} declared. */
	static String samplesText(DatasetDeclaration d, int held) {
		return "dataset " + d.getName() + " (" + d.getPath() + ") declares samples " + d.getSamples() + " but holds " + held + ": every step reads the "
				+ held + " it holds; declare samples " + held + " (or fewer), or add the missing samples";
	}

	/** A dataset read for several models is unreadable, or warned about, once. */
	private static void addOnce(List<RecipeFiles.Diagnostic> problems, RecipeFiles.Diagnostic d) {
		if (!problems.contains(d)) {
			problems.add(d);
		}
	}

	private static String text(InvalidInputException e) {
		return e.getMessage() + (e.hint() == null ? "" : ": " + e.hint());
	}

	/**
	 * What a dataset is read for ({@code what}: "evaluates the models"), and whether that step feeds an integer input float
	 * samples as q = r / S + Z ({@link IntegerFeed}: evaluation, debugging and the conversion's check do; calibration feeds the
	 * samples as they are).
	 */
	private record Use(String what, boolean quantizesFloat) {
	}

	/** Every dataset the run reads, with what for: verification of the conversion, calibration, evaluation, debugging. */
	private static Map<DatasetDeclaration, Use> uses(RecipeContext ctx, List<ResolvedScheme> schemes) {
		Map<DatasetDeclaration, Use> uses = new LinkedHashMap<>();
		if (ctx.recipe().getConversion() != null && ctx.verificationData() != null) {
			uses.putIfAbsent(ctx.verificationData(), new Use("checks the conversion", true));
		}
		for (ResolvedScheme s : schemes) {
			if (s.spec().isQuantized() && s.calibrationData() != null) {
				uses.putIfAbsent(s.calibrationData(), new Use("calibrates " + s.name(), false));
			}
		}
		DatasetDeclaration evaluation = ctx.recipe().getEvaluation() == null ? null : ctx.recipe().getEvaluation().getDataset();
		if (evaluation != null) {
			uses.putIfAbsent(evaluation, new Use("evaluates the models", true));
		}
		for (DebugStep step : ctx.recipe().getDebugging()) {
			for (QuantizationConfig c : step.getSchemes()) {
				DatasetDeclaration d = step.getDataset();
				if (d == null) {
					d = schemes.stream().filter(s -> s.config() == c).map(ResolvedScheme::calibrationData).filter(x -> x != null).findFirst().orElse(evaluation);
				}
				if (d != null) {
					uses.putIfAbsent(d, new Use("debugs " + c.getName(), true));
				}
			}
		}
		return uses;
	}

	/**
	 * The model's integer inputs with the scale and zero point its evaluation feeds them with, or null when an input's
	 * DequantizeLinear readers disagree and a step would feed it float samples: then the evaluation cannot, and that is an
	 * error on the model's line (as {@code quantrace evaluate} refuses it), not a failure once the work has started.
	 */
	private static Map<String, IoQuantization.Io> integerInputs(RecipeContext ctx, ModelDeclaration m, OnnxModel model, java.util.Collection<Use> uses,
			Path recipeAsGiven, List<RecipeFiles.Diagnostic> problems) {
		try {
			return IoQuantization.inputs(model);
		} catch (InvalidInputException e) {
			if (uses.stream().anyMatch(Use::quantizesFloat)) {
				problems.add(diagnostic(ctx, m, recipeAsGiven, IssueCodes.DATA_TYPE, text(e), Severity.ERROR));
			}
			return null;
		}
	}

	/** Samples of another element type than the model's input, and the preprocessing that would make them fit. */
	/**
	 * {@code io}: the input's scale and zero point, when it is integer and one DequantizeLinear reads it. A step that feeds samples as
	 * they are (the conversion's check) then needs integer samples, and the hint gives the formula with the model's own S and Z:
	 * "save the samples as int8" without them could not be followed (hostile pass, defect 5).
	 */
	private static String typeProblem(RecipeContext ctx, DatasetDeclaration d, ModelDeclaration m, ModelInput input, DataType given, Use use,
			IoQuantization.Io io) {
		String problem = "dataset " + d.getName() + " (\"" + d.getPath() + "\", it " + use.what() + ") gives " + lower(given) + " samples, but model "
				+ m.getName() + " reads '" + input.name() + "' as " + lower(input.type());
		DatasetFormat format = DatasetFormats.of(d, ctx.resolve(d, d.getPath()));
		Preprocessing block = ctx.preprocessingBlock(d, m);
		String dtype = input.type() == DataType.FLOAT ? "float32" : input.type() == DataType.UINT8 ? "uint8" : input.type() == DataType.INT8 ? "int8" : null;
		String formula = io == null ? "" : "q = round(r / " + io.scale() + ") + " + io.zeroPoint() + " (the scale and zero point of the DequantizeLinear that reads '"
				+ input.name() + "'";
		if ((format != DatasetFormat.FOLDER && format != DatasetFormat.IDX) || dtype == null) {
			return problem + ": save the samples as " + (io == null ? lower(input.type())
					: use.quantizesFloat() ? "float32: this step feeds them as " + formula + ")"
							: lower(input.type()) + ", " + formula + "; this step feeds samples as they are, the evaluation quantizes float samples itself)");
		}
		String steps = "dtype " + dtype;
		String why = "";
		if (io != null && use.quantizesFloat()) { // 'dtype int8' fed the rounded pixels (0 and 1 for a scale of 1/255) as they are
			steps = "dtype float32";
			why = ": this step feeds float samples as " + formula + ")";
		} else if (io != null) { // 'dtype int8' alone rounds the float samples r, not q = r / S + Z: 0 and 1 for pixels scaled 1/255
			steps = integerSteps(ctx.preprocessing(d, m), io, dtype);
			if (steps == null) {
				return problem + ": preprocess the images to " + dtype + " " + formula + "; this step feeds samples as they are)";
			}
			why = " (" + formula.replace(" (the", ", the") + ": this step feeds samples as they are, the evaluation quantizes float samples itself)";
		}
		return problem + ": " + (block == null ? "add preprocess { " + steps + " } to the recipe"
				: "write '" + steps + "' in the preprocess block" + (block.getName() == null ? "" : " " + block.getName()) + " on line " + line(block)
						+ (fileOf(block) != null && !fileOf(block).equals(fileOf(d)) ? " of " + fileOf(block).getFileName() : "")) + why;
	}

	/**
	 * Images made integers for an integer input that take fewer than 16 values: 'dtype int8' after 'scale 1/255' rounds every
	 * pixel to 0 or 1, which the model reads as its real values S (q - Z), and the run was accepted at accuracy 0.1 (both the
	 * original and its variants fed the same two values; hostile pass 2). Null when the images span 16 values or more, or are no
	 * images.
	 */
	private static String coarseIntegers(RecipeContext ctx, DatasetDeclaration d, ModelDeclaration m, ModelInput input, IoQuantization.Io io, Use use) {
		DatasetFormat format = DatasetFormats.of(d, ctx.resolve(d, d.getPath()));
		if (format != DatasetFormat.FOLDER && format != DatasetFormat.IDX) {
			return null;
		}
		org.quantrace.engine.data.Preprocessing p = ctx.preprocessing(d, m);
		long lo = io.type() == DataType.UINT8 ? 0 : io.type() == DataType.INT8 ? -128 : Short.MIN_VALUE;
		long hi = io.type() == DataType.UINT8 ? 255 : io.type() == DataType.INT8 ? 127 : Short.MAX_VALUE;
		long widest = 0;
		for (int c = 0; c < Math.max(1, Math.max(p.mean().length, p.std().length)); c++) {
			double mean = p.mean().length == 0 ? 0 : p.mean()[p.mean().length == 1 ? 0 : c];
			double std = p.std().length == 0 ? 1 : p.std()[p.std().length == 1 ? 0 : c];
			long a = Math.clamp(Math.round((0 * p.scale() - mean) / std), lo, hi);
			long b = Math.clamp(Math.round((255 * p.scale() - mean) / std), lo, hi);
			widest = Math.max(widest, Math.abs(b - a) + 1);
		}
		if (widest >= 16) {
			return null;
		}
		Preprocessing block = ctx.preprocessingBlock(d, m);
		String fix = use.quantizesFloat() ? "dtype float32" : integerSteps(p, io, lower(io.type()));
		return "dataset " + d.getName() + " (\"" + d.getPath() + "\", it " + use.what() + ") turns the pixels 0..255 into " + widest + " " + lower(io.type())
				+ " value" + (widest == 1 ? "" : "s") + " (its scale, mean and std, then rounding), which model "
				+ m.getName() + " reads as q = round(r / " + io.scale() + ") + " + io.zeroPoint() + ": "
				+ (fix == null ? "preprocess the images to those q" : "write '" + fix + "' in the preprocess block" + (block == null ? "" : " on line " + line(block)))
				+ (use.quantizesFloat() ? " (this step feeds float samples as q)" : "");
	}

	/**
	 * The scale, mean and dtype that make the preprocessing's float values r (pixel x scale - mean) / std into the integers
	 * q = r / S + Z an integer input reads: scale' = scale / (std S), mean' = mean / (std S) - Z, no std; null when the std differs
	 * between channels or a mean' would be negative (the language writes neither).
	 */
	private static String integerSteps(org.quantrace.engine.data.Preprocessing p, IoQuantization.Io io, String dtype) {
		double std = p.std().length == 0 ? 1 : p.std()[0];
		for (double s : p.std()) {
			if (s != std) {
				return null;
			}
		}
		double[] mean = p.mean().length == 0 ? new double[] { 0 } : p.mean();
		List<String> means = new ArrayList<>();
		for (double m : mean) {
			double shifted = m / (std * io.scale()) - io.zeroPoint();
			if (shifted < 0) {
				return null;
			}
			means.add(plain(shifted));
		}
		String meanStep = means.stream().allMatch("0"::equals) ? "" : " mean " + String.join(", ", means);
		return "scale " + plain(p.scale() / (std * io.scale())) + meanStep + " dtype " + dtype + (p.std().length == 0 ? "" : "' and delete its 'std");
	}

	/** A number as the language writes it (no exponent), to 6 significant digits: a float scale of 1/255 gives 1, not 0.9999999. */
	private static String plain(double x) {
		return new java.math.BigDecimal(x).round(new java.math.MathContext(6)).stripTrailingZeros().toPlainString();
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

	static RecipeFiles.Diagnostic diagnostic(RecipeContext ctx, EObject d, Path recipeAsGiven, String code, String message,
			Severity severity) {
		return diagnostic(ctx, d, null, recipeAsGiven, code, message, severity);
	}

	/** On the line of {@code d}'s {@code feature} (its clause) where the recipe sets it, else of {@code d}. */
	static RecipeFiles.Diagnostic diagnostic(RecipeContext ctx, EObject d, org.eclipse.emf.ecore.EStructuralFeature feature, Path recipeAsGiven, String code,
			String message, Severity severity) {
		Path file = fileOf(d);
		List<INode> at = feature == null ? List.of() : NodeModelUtils.findNodesForFeature(d, feature);
		INode node = at.isEmpty() ? NodeModelUtils.getNode(d) : at.get(0);
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
