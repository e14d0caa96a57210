package org.quantrace.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

import org.quantrace.engine.InvalidInputException;
import org.quantrace.engine.data.Dataset;
import org.quantrace.engine.data.Labels;
import org.quantrace.engine.evaluate.EvaluationOptions;
import org.quantrace.engine.evaluate.EvaluationReport;
import org.quantrace.engine.evaluate.EvaluationTable;
import org.quantrace.engine.evaluate.Evaluator;
import org.quantrace.engine.evaluate.Metrics;
import org.quantrace.engine.evaluate.TensorInventory;
import org.quantrace.engine.evaluate.Variant;
import org.quantrace.engine.onnx.OnnxModel;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "evaluate", mixinStandardHelpOptions = true, sortOptions = false,
		header = "Evaluate models in one pass and compare them with a baseline.",
		description = "Prints the results deck's table (↑ better, ↓ worse, ~ within the tolerance), a row per model, named by its file"
				+ " (with as much of its folder as tells it apart). Integer-I/O models are fed and read as the deck does.")
final class EvaluateCommand implements Callable<Integer>, CommandOutput.RecognizesOutput {

	enum Format {
		text, json
	}

	@Spec
	CommandSpec spec;

	@Parameters(arity = "1..*", paramLabel = "MODEL.onnx", description = "The models to evaluate.")
	List<Path> models;

	@Mixin
	DataOptions.Named data;

	@Option(names = "--baseline", paramLabel = "MODEL.onnx", description = "The model the others are compared with (default: the first).")
	Path baseline;

	@Option(names = "--multilabel", description = "The data is multilabel (fail if its labels are not).")
	boolean multilabel;

	@Option(names = "--tolerance", defaultValue = "0.5", paramLabel = "POINTS", description = "Changes within this many points are ~ (default: ${DEFAULT-VALUE}).")
	double tolerance;

	@Option(names = "--top-k", defaultValue = "5", paramLabel = "K", description = "k of top-k accuracy (default: ${DEFAULT-VALUE}).")
	int topK;

	@Option(names = "--batch", defaultValue = "64", paramLabel = "N", description = "Batch size (default: ${DEFAULT-VALUE}).")
	int batch;

	@Option(names = "--integer-outputs", defaultValue = "midpoint", paramLabel = "HOW",
			description = "Multilabel integer outputs: midpoint (the dtype's, as the deck does) or dequantized (default: ${DEFAULT-VALUE}).")
	String integerOutputs;

	@Option(names = "--format", defaultValue = "text", description = "Printed format: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}).")
	Format format;

	@Option(names = { "-o", "--output" }, paramLabel = "FILE.json", description = "Also write the results as JSON.")
	Path output;

	@Option(names = "--metrics", defaultValue = "deck", paramLabel = "WHICH",
			description = "Table columns: deck (the results deck's), all, or metric names separated by commas (default: ${DEFAULT-VALUE}).")
	String metrics;

	@Option(names = "--data-range", defaultValue = "1", paramLabel = "R",
			description = "Models whose output is no class scores (an image): the data range of the outputs, for PSNR = 10 log10(R²/MSE) and SSIM"
					+ " (1 for images in [0, 1], 255 for 8-bit ones; default: ${DEFAULT-VALUE}).")
	double dataRange;

	@Option(names = "--nominal-range", description = "The data range R is the data's nominal range (1 for images in [0, 1]), stated on purpose: the"
			+ " reference need not span a tenth of it (very dark images) nor stay within it (outputs overshooting [0, 1]); without it such a"
			+ " reference is refused (exit 2).")
	boolean nominalRange;

	@Option(names = "--targets", paramLabel = "FILE.npy",
			description = "Models whose output is no class scores: the target of each sample ([N, ...] float, shaped as a model's output, in the"
					+ " data's order, e.g. the clean images of a denoiser); without it each model is measured against the baseline's outputs.")
	Path targets;

	@Option(names = "--layout", paramLabel = "NCHW|NHWC",
			description = "Models whose output is an image: its layout, for SSIM; NHWC reads [N, H, W, C] outputs channels last (default: the"
					+ " --preprocess layout of image data; an output that looks channels last, [N, H, W, C] with C of 1 to 4, is refused for SSIM"
					+ " while the layout is not declared).")
	org.quantrace.model.recipe.Layout layout;

	@Option(names = "--confusion", description = "Also print each model's confusion matrix (single-label data).")
	boolean confusion;

	@Option(names = "--inventory", description = "Also list each model's tensors by element type.")
	boolean inventory;

	@Override
	public String outputKind() {
		return "a JSON result of quantrace evaluate";
	}

	/**
	 * Refuses models that are the rest of the files an unquoted {@code --data DIR/*.png} matched: the shell gave --data the first
	 * and the others became models, each then "not an ONNX model" with the hint to give an .onnx file.
	 */
	private void requireNoExpandedPattern() {
		List<Path> stray = models.stream().filter(m -> !m.toString().toLowerCase(Locale.ROOT).endsWith(".onnx")).toList();
		List<Path> expanded = new ArrayList<>(List.of(data.data));
		expanded.addAll(stray);
		if (stray.isEmpty() || ExpandedPattern.files(expanded).isEmpty()) {
			return;
		}
		throw new InvalidInputException("--data " + data.data + " is followed by " + stray.size() + " more path" + (stray.size() == 1 ? "" : "s")
				+ " of its folder with its extension (" + stray.get(0) + (stray.size() > 1 ? ", ..." : "") + "), which evaluate takes as models", ExpandedPattern.hint(expanded));
	}

	/** {"evaluation": {an EvaluationReport}, "inventory": {...}}, as {@link #call()} writes it with -o. */
	@Override
	public boolean isOwnOutput(Path existing) {
		com.fasterxml.jackson.databind.JsonNode json = Json.read(existing);
		return Json.keysFit(json, java.util.Set.of("evaluation"), java.util.Set.of("evaluation", "inventory"))
				&& Json.keysFit(json.get("evaluation"), java.util.Set.of("dataset", "samples", "variants"), Json.components(EvaluationReport.class));
	}

	@Override
	public Integer call() {
		if (!(tolerance >= 0) || Double.isInfinite(tolerance)) { // -1 printed "~ = within -1 pt" and marked no change ~
			throw new org.quantrace.engine.InvalidInputException("--tolerance " + tolerance + ": a tolerance is a width, 0 points or more",
					"give e.g. --tolerance 0.5 (changes within 0.5 points are ~)");
		}
		requireNoExpandedPattern();
		// every model gets its row: the baseline first when it is not among them, then the models as given
		List<Path> all = new ArrayList<>(models);
		Path base = baseline == null ? null
				: models.stream().filter(m -> same(m, baseline)).findFirst().orElse(null);
		if (baseline != null && base == null) {
			all.add(0, baseline);
			base = baseline;
		}
		Map<Path, String> names = ModelNames.of(all);
		List<Variant> variants = new ArrayList<>();
		for (Path m : all) {
			variants.add(Variant.of(names.get(m), ModelFiles.load(m)));
			// evaluated all the same (a user may want the figure), but said: a second process prints other figures
			// a Dropout in training mode draws here only where ONNX Runtime keeps it (its output a model output, its mask read)
			String unseeded = org.quantrace.engine.onnx.RandomOps.unseededInEvaluation(variants.get(variants.size() - 1).model(), m.toString());
			if (unseeded != null) {
				spec.commandLine().getErr().println("quantrace: warning: " + unseeded + ", and so do its figures below: " + org.quantrace.engine.onnx.RandomOps.HINT);
			}
		}
		data.multilabel = multilabel;
		Dataset dataset = data.open(spec.commandLine().getErr());
		EvaluationOptions options = new EvaluationOptions(DataOptions.atLeastOne(batch, "--batch"), DataOptions.atLeastOne(topK, "--top-k"), 0.5,
				integerOutputs.equalsIgnoreCase("dequantized") ? EvaluationOptions.IntegerOutputs.DEQUANTIZED : EvaluationOptions.IntegerOutputs.DTYPE_MIDPOINT,
				tolerance, base == null ? null : names.get(base));
		if (multilabel && dataset.size() > 0) { // checked on the first sample, before a pass over all of them
			Labels first = dataset.read(0, 1).labels();
			if (first == null || !first.isMultilabel()) {
				throw new InvalidInputException(dataset.name() + ": --multilabel given but the labels hold one class per sample",
						"give [N, K] 0/1 labels (an .npy, or several --label-columns), or drop --multilabel");
			}
		}
		boolean reconstruction = checkMetricsBeforeTheRun();
		if (!(dataRange > 0) || Double.isInfinite(dataRange)) {
			throw new InvalidInputException("--data-range " + dataRange + ": the data range must be a positive number", "give 1 for images in [0, 1], 255 for 8-bit ones");
		}
		// metrics named: their kind decides (accuracy on an image model is refused as before); none named: the first model's output
		options = options.withDataRange(dataRange).withNominalRange(nominalRange).withNhwc(layout != null ? layout == org.quantrace.model.recipe.Layout.NHWC : data.declaresNhwc()).withTask(reconstruction ? EvaluationOptions.Task.RECONSTRUCTION
				: chosen().isEmpty() ? EvaluationOptions.Task.AUTO : EvaluationOptions.Task.CLASSIFICATION);
		if (targets != null) {
			options = options.withTargets(EvaluationOptions.Targets.read(targets, targets.toString())).withTask(EvaluationOptions.Task.RECONSTRUCTION);
		}
		if (!Evaluator.reconstruction(variants.get(0), options)) {
			options = options.withTask(EvaluationOptions.Task.CLASSIFICATION);
		} else {
			// only what is asked is computed and printed: --metrics mse reports no psnr, and holds no data range against the reference
			options = options.withSsim(chosen().isEmpty() || chosen().contains(Metrics.SSIM)).withPsnr(chosen().isEmpty() || chosen().contains("psnr"));
		}
		for (int i = 0; i < all.size(); i++) {
			ModelFiles.requireRuns(variants.get(i).model(), all.get(i), dataset);
		}
		long classes = org.quantrace.engine.data.LabelCheck.outputWidth(variants.get(0).model());
		String trivial = Metrics.trivialTopK(topK, classes);
		if (options.task() == EvaluationOptions.Task.CLASSIFICATION && !multilabel && trivial != null
				&& spec.commandLine().getParseResult().hasMatchedOption("--top-k")) {
			// --top-k 1000 on 10 classes printed top-1000 accuracy 1.0 for every model without a word; the default 5 is no choice of
			// the user's (a model of 4 classes was warned of it, before its own error); a recipe's top-k is said by the same rule
			spec.commandLine().getErr().println("quantrace: warning: --top-k " + topK + " is not below the " + classes + " classes of "
					+ names.get(all.get(0)) + ": " + trivial + "; give --top-k " + (classes - 1) + " or less");
		}
		EvaluationReport report = Evaluator.evaluate(variants, dataset, options, ConsoleProgress.forConsole(spec.commandLine().getErr()));
		Map<String, TensorInventory> inventories = new LinkedHashMap<>();
		if (inventory) {
			variants.forEach(v -> inventories.put(v.name(), TensorInventory.of(v.model(), v.name())));
		}
		Map<String, Object> results = new LinkedHashMap<>(); // ordered: the JSON is the same on every run
		results.put("evaluation", EvaluationJson.of(report));
		if (inventory) {
			results.put("inventory", inventories);
		}
		String json = Json.write(results);
		if (output != null) {
			CommandOutput.text(output, json, "results");
		}
		if (format == Format.json) {
			spec.commandLine().getOut().print(json);
		} else {
			spec.commandLine().getOut().print(EvaluationTable.render(report, columns(report)));
			if (confusion) {
				spec.commandLine().getOut().print(EvaluationTable.confusion(report));
			}
			if (inventory) {
				spec.commandLine().getOut().print(inventoryTable(inventories));
			}
		}
		return ExitCodes.OK;
	}

	/** The metrics named by --metrics (lower case), none for deck and all. */
	private List<String> chosen() {
		String chosen = metrics.trim().toLowerCase(Locale.ROOT);
		if (chosen.equals("deck") || chosen.equals("all")) {
			return List.of();
		}
		return java.util.Arrays.stream(metrics.split(",")).map(m -> m.trim().toLowerCase(Locale.ROOT)).toList();
	}

	/**
	 * A metric this kind of evaluation does not compute is refused before the pass over the data (on 10,000 samples half a minute).
	 * Returns whether the metrics asked for measure outputs against a reference (mse, psnr, ssim).
	 */
	private boolean checkMetricsBeforeTheRun() {
		List<String> chosen = chosen();
		List<String> reconstruction = chosen.stream().filter(m -> m.equals(Metrics.MSE) || m.equals("psnr") || m.equals(Metrics.SSIM)).toList();
		if (!reconstruction.isEmpty()) {
			if (reconstruction.size() < chosen.size()) {
				throw new InvalidInputException("--metrics: " + String.join(", ", reconstruction) + " measure outputs that are no class scores, and "
						+ String.join(", ", chosen.stream().filter(m -> !reconstruction.contains(m)).toList()) + " score classes: one evaluation does one",
						"keep the metrics of the models' output: mse, psnr, ssim for an image, a map or a signal");
			}
			return true;
		}
		if (chosen.isEmpty()) {
			return false;
		}
		for (String m : metrics.split(",")) {
			if (!Metrics.reportable(m.trim().toLowerCase(Locale.ROOT), multilabel)) {
				throw new InvalidInputException("--metrics: '" + m.trim() + "' is not a metric of this evaluation"
						+ (Metrics.reportable(m.trim().toLowerCase(Locale.ROOT), !multilabel) ? (multilabel ? " (multilabel)" : " (single-label; --multilabel not given)") : ""),
						"use deck, all, or some of: " + String.join(", ", multilabel ? Metrics.MULTILABEL : Metrics.MULTICLASS)
								+ (multilabel ? ", accuracy LABEL" : ", top-K accuracy (with --top-k K)") + "; mse, psnr, ssim for outputs that are no class scores");
			}
		}
		return false;
	}

	private List<String> columns(EvaluationReport report) {
		return switch (metrics.trim().toLowerCase(Locale.ROOT)) {
		case "deck" -> EvaluationTable.columns(report);
		case "all" -> EvaluationTable.allColumns(report);
		default -> {
			List<String> known = EvaluationTable.allColumns(report);
			List<String> chosen = new ArrayList<>();
			for (String m : metrics.split(",")) {
				String name = m.trim().toLowerCase(Locale.ROOT);
				name = name.equals("psnr") && report.reconstruction() ? Metrics.psnr(report.dataRange(), report.nominalRange())
						: name.equals(Metrics.SSIM) && report.reconstruction() ? Metrics.ssim(report.dataRange(), report.nominalRange()) : name;
				if (!known.contains(name)) {
					throw new InvalidInputException("--metrics: '" + m.trim() + "' is not a metric of this evaluation",
							"use deck, all, or some of: " + String.join(", ", known));
				}
				chosen.add(name);
			}
			yield chosen;
		}
		};
	}

	/** Tensors by element type, a row per model: which tensors became integer, and how many bytes the tensors stored in the file take (weights and every other constant). */
	static String inventoryTable(Map<String, TensorInventory> inventories) {
		StringBuilder s = new StringBuilder("\nTensors by element type (all / stored in the file: weights, biases, scales, zero points and other constants / their bytes):\n");
		List<String> types = inventories.values().iterator().next().byType().keySet().stream().toList();
		int w = Math.max(8, inventories.keySet().stream().mapToInt(String::length).max().orElse(0));
		s.append(String.format(Locale.ROOT, "%-" + w + "s", "model"));
		types.forEach(t -> s.append(String.format(Locale.ROOT, " %22s", t)));
		s.append('\n');
		inventories.forEach((name, inv) -> {
			s.append(String.format(Locale.ROOT, "%-" + w + "s", name));
			for (String t : types) {
				TensorInventory.Count c = inv.byType().getOrDefault(t, new TensorInventory.Count(0, 0, 0));
				s.append(String.format(Locale.ROOT, " %22s", c.tensors() + " / " + c.readOnly() + " / " + String.format(Locale.ROOT, "%,d", c.readOnlyBytes())));
			}
			s.append('\n');
		});
		return s.toString();
	}

	private static boolean same(Path a, Path b) {
		return a.toAbsolutePath().normalize().equals(b.toAbsolutePath().normalize());
	}
}
