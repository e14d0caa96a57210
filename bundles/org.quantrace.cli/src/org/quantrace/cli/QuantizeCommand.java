package org.quantrace.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

import org.quantrace.engine.InvalidInputException;
import org.quantrace.model.SchemeSettings;
import org.quantrace.engine.Progress;
import org.quantrace.engine.convert.Preprocessing;
import org.quantrace.engine.data.Dataset;
import org.quantrace.engine.onnx.IoQuantization;
import org.quantrace.engine.onnx.OnnxModel;
import org.quantrace.engine.calibrate.CalibrationSettings;
import org.quantrace.engine.quantize.QuantType;
import org.quantrace.engine.quantize.QuantizationResult;
import org.quantrace.engine.quantize.QuantizationSpec;
import org.quantrace.engine.quantize.QuantizationSpec.Exclusion;
import org.quantrace.engine.quantize.QuantizerWarning;
import org.quantrace.engine.quantize.QuantizationSpec.Granularity;
import org.quantrace.engine.quantize.QuantizationSpec.Symmetry;
import org.quantrace.engine.quantize.QuantizationSpec.TensorSpec;
import org.quantrace.engine.quantize.Quantizer;
import org.quantrace.engine.quantize.Schemes;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "quantize", mixinStandardHelpOptions = true, sortOptions = false,
		header = "Quantize a model with one of the results deck's schemes.",
		description = "Prints what was quantized and what stayed float (and why), then writes the model.")
final class QuantizeCommand implements Callable<Integer> {

	@Spec
	CommandSpec spec;

	@Parameters(paramLabel = "MODEL.onnx", description = "The float model.")
	Path model;

	@Option(names = "--scheme", required = true, paramLabel = "SCHEME",
			description = "drq | fiq-float32 | fiq-int8 | fiq-uint8 (full-integer with float32, int8 or uint8 inputs/outputs).")
	String scheme;

	@Option(names = { "-o", "--output" }, required = true, paramLabel = "OUT.onnx", description = "Where to write the quantized model.")
	Path output;

	@ArgGroup(exclusive = false, heading = "%nCalibration data (full-integer schemes), read like evaluate's:%n")
	DataOptions.Calibration calibration;

	@Option(names = "--method", paramLabel = "METHOD", defaultValue = "minmax",
			description = "Calibration: minmax, moving-average, percentile=P (e.g. percentile=99.99), entropy or l2 (default: ${DEFAULT-VALUE})."
					+ " minmax and moving-average read a tensor whose range is far wider than its values (their RMS below 4 steps of its scale)"
					+ " again by percentile=99.99, and say so; --unclipped keeps their range.")
	String method;

	@Option(names = "--unclipped", description = "Full-integer schemes, with minmax or moving-average: keep every range as measured, even one far wider than its values"
			+ " (by default read again by percentile=99.99).")
	boolean unclipped;

	@Option(names = "--batch", paramLabel = "N", defaultValue = "32", description = "Calibration batch size (default: ${DEFAULT-VALUE}).")
	int batch;

	@Option(names = "--per-tensor", description = "One scale per weight tensor instead of one per output channel.")
	boolean perTensor;

	@Option(names = "--per-channel", description = "One scale per output channel of each weight (the default).")
	boolean perChannel;

	@Option(names = "--weights", paramLabel = "TYPE", description = "Weight precision: int8 (the schemes' default), uint8 or int16.")
	String weights;

	@Option(names = "--activations", paramLabel = "TYPE",
			description = "Activation precision of the full-integer schemes: uint8 (their default: ONNX Runtime's integer kernels read uint8"
					+ " activations with int8 weights), int8 or int16.")
	String activations;

	@Option(names = "--symmetric-activations", description = "Symmetric activations (zero point 0) instead of asymmetric.")
	boolean symmetricActivations;

	@Option(names = "--reduce-range", description = "Quantize weights to 7 bits, for targets that need it.")
	boolean reduceRange;

	@Option(names = "--kernels", paramLabel = "KERNELS",
			description = "Dynamic-range kernels: auto (ONNX Runtime's dynamic integer kernels only where they beat float; int8 weights with float compute "
					+ "elsewhere; the default), dynamic (wherever one exists, with a warning where slower) or weight-only.")
	String kernels;

	@Option(names = "--float-slow-kernels",
			description = "Full-integer schemes: leave float the layers ONNX Runtime's integer kernels run slower than float (narrow Convs, at most"
					+ " 16 output channels and 16 products per output, with the ops between them), as the report then says per layer.")
	boolean floatSlowKernels;

	@Option(names = "--bias-correction",
			description = "Full-integer schemes: subtract from each int32 bias the per-channel mean error of its layer over the calibration data"
					+ " (quantized minus float, the layers before it corrected first). Off by default: it helps models with a steady per-channel"
					+ " error and can cost others a little; evaluate both.")
	boolean biasCorrection;

	@Option(names = "--no-preprocess",
			description = "Quantize the model as it is. By default it is first converted as `quantrace convert` does (BatchNormalization folded, constants and shape arithmetic folded, decompositions fused) when that gains something and computes the same.")
	boolean noPreprocess;

	/** Who excluded a node, in its reason: no recipe exists here ("excluded by the command's option --exclude (op Gemm)"). */
	static final String EXCLUDED_BY = org.quantrace.engine.ExcludedBy.OPTION;

	@Option(names = "--exclude", paramLabel = "NODE|op:TYPE", split = ",",
			description = "Leave nodes float: by name (wildcards * and ?) or by op type (op:Softmax). Repeatable.")
	List<String> exclude = new ArrayList<>();

	@Override
	public Integer call() throws IOException {
		QuantizationSpec resolved = spec();
		OnnxModel source = ModelFiles.load(model);
		if (resolved.isQuantized()) {
			Quantizer.requireFloat(source, model.toString()); // before any progress line
			// pre-processing sets a Dropout in training mode to inference mode (Freezer) before the calibration runs the model
			Quantizer.requireRepeatable(noPreprocess ? source : org.quantrace.engine.convert.Freezer.inferenceView(source), model.toString(), resolved);
			String weightOnly = Quantizer.weightOnlyWarning(source, model.toString());
			if (weightOnly != null) {
				spec.commandLine().getErr().println("quantrace: warning: " + weightOnly);
			}
		}
		Dataset data = calibration == null ? null : calibration.open(spec.commandLine().getErr());
		// the samples asked for, as a recipe's samples clause is said (DataChecks), by the same rule
		String few = data == null || calibration.samples == null || resolved.technique() != QuantizationSpec.Technique.FULL_INTEGER ? null
				: org.quantrace.engine.calibrate.CalibrationSize.fewSamples(data.size());
		if (few != null) {
			spec.commandLine().getErr().println("quantrace: warning: --samples " + calibration.samples + ": " + few);
		}
		if (resolved.isQuantized()) { // the calibration runs it
			ModelFiles.requireRuns(source, model, data); // first: a float64 input is said as such, with convert as the remedy
			if (data != null && resolved.technique() == QuantizationSpec.Technique.FULL_INTEGER) {
				org.quantrace.engine.calibrate.Calibrator.requireTypes(source, model.toString(), data);
			}
		}
		Progress progress = ConsoleProgress.forConsole(spec.commandLine().getErr());
		Preprocessing.Outcome pre = Preprocessing.of(source, model.toString(), data, !noPreprocess, progress);
		QuantizationResult result = Quantizer.quantize(pre.model(source), model.toString(), resolved, data, progress);
		CommandOutput.model(result.model(), output);
		report(pre, spec.commandLine().getOut());
		report(result, storedBytes(model, source), Files.size(output), spec.commandLine().getOut());
		return ExitCodes.OK;
	}

	/**
	 * The bytes a model takes where it is stored: its .onnx file and the external-data files it was read from (a model
	 * with its weights outside the file was reported as growing 8x: its 3.7 KB .onnx file against the whole quantized model).
	 */
	static long storedBytes(Path file, OnnxModel model) throws IOException {
		long bytes = Files.size(file);
		for (Path data : model.externalDataFiles()) {
			bytes += Files.size(data);
		}
		return bytes;
	}

	/** What pre-processing did, or would do (--no-preprocess), before the quantization report. */
	static void report(Preprocessing.Outcome pre, PrintWriter out) {
		if (pre.applied()) {
			out.println("Pre-processed as `quantrace convert` does (--no-preprocess to quantize the model as it is): " + pre.reason());
		} else if (!pre.gains().isEmpty()) {
			out.println("Note: pre-processing " + pre.reason() + ":");
		} else if (pre.conversion() == null) {
			out.println("Note: " + pre.reason() + "; the model is quantized as it is");
			out.println();
			return;
		} else {
			return;
		}
		pre.gains().forEach(g -> out.println("  - " + g));
		out.println();
	}

	/** The preset with the options given on the command line applied. */
	private QuantizationSpec spec() {
		QuantizationSpec.Builder b = Schemes.preset(scheme).toBuilder();
		if (perTensor && perChannel) {
			throw new InvalidInputException("--per-tensor and --per-channel contradict each other", "give one of them");
		}
		QuantType w = weights == null ? null : precision(weights, "--weights");
		b.weights(new TensorSpec(w, w == QuantType.UINT8 ? Symmetry.ASYMMETRIC : null,
				perTensor || perChannel ? (perTensor ? Granularity.PER_TENSOR : Granularity.PER_CHANNEL) : null));
		b.activations(new TensorSpec(activations == null ? null : precision(activations, "--activations"), symmetricActivations ? Symmetry.SYMMETRIC : null,
				null));
		if (reduceRange) {
			b.reduceRange(true);
		}
		if (kernels != null) {
			QuantizationSpec.Kernels k = java.util.Arrays.stream(QuantizationSpec.Kernels.values()).filter(x -> x.literal().equals(kernels.toLowerCase(Locale.ROOT)))
					.findFirst().orElseThrow(() -> new InvalidInputException("--kernels " + kernels + ": unknown kernels", "use auto, dynamic or weight-only"));
			b.kernels(k);
		}
		if (floatSlowKernels) {
			b.floatSlowKernels(true);
		}
		b.biasCorrection(biasCorrection);
		CalibrationSettings cal = CalibrationSettings.minMax();
		String m = method.toLowerCase(Locale.ROOT);
		if (m.startsWith("percentile")) {
			double percentile = cal.percentile();
			if (m.contains("=")) {
				try {
					percentile = Double.parseDouble(m.substring(m.indexOf('=') + 1));
				} catch (NumberFormatException e) {
					throw new InvalidInputException("--method " + method + ": the percentile is not a number", "write e.g. --method percentile=99.99");
				}
				if (!(percentile > 0 && percentile <= 100)) {
					throw new InvalidInputException("--method " + method + ": the percentile must be in (0, 100]", "write e.g. --method percentile=99.99");
				}
			}
			cal = cal.withPercentile(percentile);
		} else {
			cal = cal.with(switch (m) {
			case "minmax" -> CalibrationSettings.Method.MINMAX;
			case "moving-average" -> CalibrationSettings.Method.MOVING_AVERAGE;
			case "entropy" -> CalibrationSettings.Method.ENTROPY;
			case "l2" -> CalibrationSettings.Method.L2;
			default -> throw new InvalidInputException("--method " + method + ": unknown calibration method",
					"use minmax, moving-average, percentile=P, entropy or l2");
			});
		}
		if (unclipped && !cal.method().measuresRms()) {
			throw new InvalidInputException("--unclipped keeps min-max ranges; --method " + method + " clips by its own rule",
					"drop --unclipped, or use --method minmax or moving-average");
		}
		refuseUnused(b.build().technique(), SchemeSettings.Setting.CALIBRATION, "--method", "--unclipped");
		refuseUnused(b.build().technique(), SchemeSettings.Setting.ACTIVATIONS, "--activations", "--symmetric-activations");
		refuseUnused(b.build().technique(), SchemeSettings.Setting.KERNELS, "--kernels");
		refuseUnused(b.build().technique(), SchemeSettings.Setting.FLOAT_SLOW_KERNELS, "--float-slow-kernels");
		refuseUnused(b.build().technique(), SchemeSettings.Setting.BIAS_CORRECTION, "--bias-correction");
		cal = cal.withUnclipped(unclipped);
		// the dataset is cut to --samples already; recorded for the log
		b.calibration(cal.withBatchSize(DataOptions.atLeastOne(batch, "--batch")).withMaxSamples(calibration == null || calibration.samples == null ? 0 : calibration.samples));
		for (String e : exclude) {
			b.exclude(e.startsWith("op:") ? Exclusion.Kind.OP : Exclusion.Kind.NODE, e.startsWith("op:") ? e.substring(3) : e, null, EXCLUDED_BY);
		}
		QuantizationSpec s = b.build();
		refusePrecisions(s);
		return s;
	}

	/** The precisions the recipe validator refuses together ({@link SchemeSettings}), refused here alike: before, such a model was written. */
	private void refusePrecisions(QuantizationSpec s) {
		String integerIo = s.technique() == QuantizationSpec.Technique.FULL_INTEGER
				? SchemeSettings.integerIoProblem(s.io().literal(), s.activations().precision().bits())
				: null;
		if (integerIo != null) {
			throw new InvalidInputException(integerIo + " (--scheme " + scheme + " --activations " + activations + ")", "use --scheme fiq-float32, or 8-bit activations");
		}
		String reduced = reduceRange ? SchemeSettings.reduceRangeProblem(s.weights().precision().bits()) : null;
		if (reduced != null) {
			throw new InvalidInputException(reduced + " (--reduce-range --weights " + weights + ")", "drop --reduce-range, or use --weights int8");
		}
	}

	/**
	 * Refuses (exit 2, before any work) the {@code options} given that choose {@code setting} where the scheme's technique does
	 * not use it: the recipe validator's rule ({@link SchemeSettings}), so a choice is never silently dropped.
	 */
	private void refuseUnused(QuantizationSpec.Technique technique, SchemeSettings.Setting setting, String... options) {
		List<String> given = java.util.Arrays.stream(options).filter(spec.commandLine().getParseResult()::hasMatchedOption).toList();
		String problem = given.isEmpty() ? null
				: SchemeSettings.problem(org.quantrace.model.recipe.QuantizationTechnique.valueOf(technique.name()), setting, String.join(" and ", given), scheme);
		if (problem != null) {
			throw new InvalidInputException(problem, "drop " + String.join(" and ", given) + ", or use "
					+ (setting.usedBy() == org.quantrace.model.recipe.QuantizationTechnique.DYNAMIC_RANGE ? "--scheme drq" : "--scheme fiq-float32, fiq-int8 or fiq-uint8"));
		}
	}

	private static QuantType precision(String value, String option) {
		return switch (value.toLowerCase(Locale.ROOT)) {
		case "int8" -> QuantType.INT8;
		case "uint8" -> QuantType.UINT8;
		case "int16" -> QuantType.INT16;
		default -> throw new InvalidInputException(option + " " + value + ": unknown precision", "use int8, uint8 or int16");
		};
	}

	static void report(QuantizationResult r, long sizeBefore, long sizeAfter, PrintWriter out) {
		QuantizationSpec s = r.spec();
		out.printf(Locale.ROOT, "Scheme %s: %s, %s I/O, weights %s %s %s", s.name(), s.technique().literal(), s.io().literal(),
				s.weights().precision().literal(), s.weights().scheme().literal(), s.weights().granularity().literal());
		if (r.calibration() != null) {
			out.printf(Locale.ROOT, ", activations %s %s, calibration %s on %d samples", s.activations().precision().literal(),
					s.activations().scheme().literal(), r.calibration().settings().method().literal(), r.calibration().samples());
			long l2 = r.calibration().methods().keySet().stream().filter(t -> !r.calibration().clipped().containsKey(t)).count();
			if (l2 > 0) { // engine.quantize.SiluRanges
				out.printf(Locale.ROOT, " (l2 for the %d inputs of x·sigmoid(x))", l2);
			}
		}
		out.println();
		if (r.calibration() != null) { // engine.quantize.ClippedRanges
			r.calibration().clipped().values().forEach(w -> out.println("Range far wider than its values: " + w.clipped(r.calibration().ranges().get(w.tensor()))
					+ " (--unclipped keeps it)"));
			r.calibration().raised().forEach((t, raised) -> out.println("Entropy threshold raised: '" + t + "': " + raised.describe()));
		}
		out.println();
		int width = Math.max(7, r.layers().stream().mapToInt(l -> l.opType().length()).max().orElse(0));
		out.printf(Locale.ROOT, "  %5s  %-" + width + "s  %-9s  %s%n", "layer", "op_name", "result", "node");
		for (QuantizationResult.Layer l : r.layers()) {
			out.printf(Locale.ROOT, "  %5d  %-" + width + "s  %-9s  %s%n", l.index(), l.opType(), l.quantized() ? "quantized" : "float", l.node());
		}
		List<QuantizationResult.Layer> floats = r.floatLayers();
		out.printf(Locale.ROOT, "%nQuantized %d of %d layers.", r.quantizedLayers(), r.layers().size());
		if (!floats.isEmpty()) {
			out.println(" Left float:");
			floats.forEach(l -> out.printf(Locale.ROOT, "  - %s '%s': %s%n", l.opType(), l.node(), l.reason()));
		} else {
			out.println();
		}
		// an --exclude that ONNX Runtime overrides (QuantizationPlan.fusedAnyway, runsAnyway): the table says "quantized", and
		// without these lines nothing on the console said why the exclusion did not hold (round 27's hyena, --exclude /b1/Mul_3)
		List<QuantizationResult.Layer> overridden = r.layers().stream()
				.filter(l -> l.quantized() && l.reason() != null && l.reason().startsWith("excluded by " + EXCLUDED_BY + " (")).toList();
		if (!overridden.isEmpty()) {
			out.printf(Locale.ROOT, "Excluded, but run on integers all the same: %d layer(s):%n", overridden.size());
			overridden.forEach(l -> out.printf(Locale.ROOT, "  - %s '%s': %s%n", l.opType(), l.node(), l.reason()));
		}
		List<QuantizationResult.Layer> floatCompute = r.floatComputeLayers();
		if (!floatCompute.isEmpty()) {
			out.printf(Locale.ROOT, "Quantized but computed in float by ONNX Runtime (no integer kernel): %d layer(s):%n", floatCompute.size());
			floatCompute.forEach(l -> out.printf(Locale.ROOT, "  - %s '%s': %s%n", l.opType(), l.node(), QuantizationResult.floatComputeWhy(l.reason())));
		}
		List<QuantizationResult.Layer> weightOnly = r.weightOnlyLayers();
		if (!weightOnly.isEmpty()) {
			out.printf(Locale.ROOT, "Int8 weights computed in float (dequantized once, when the model is loaded): %d layer(s).%n", weightOnly.size());
		}
		String corrected = org.quantrace.engine.quantize.BiasCorrection.summary(r);
		if (corrected != null) {
			out.println(corrected);
		}
		String resolution = QuantizerWarning.INPUT_RESOLUTION; // told by its code, not its words
		r.quantizerWarnings().forEach(w -> out.println((resolution.equals(w.code()) ? "Warning [" + resolution + "]: " : "Warning: ") + w.message()));
		r.quantizerWarnings().stream().filter(w -> resolution.equals(w.code())).map(w -> org.quantrace.engine.quantize.InputResolution.keptFloatInput(w.message()))
				.filter(java.util.Objects::nonNull).forEach(x -> out.printf(Locale.ROOT, "Input  %s FLOAT32: fed as float, not as codes (warning %s above)%n", x, resolution));
		for (IoQuantization.Io io : r.integerInputs().values()) {
			out.printf(Locale.ROOT, "Input  %s %s: scale %s, zero point %d (feed q = round(x / scale) + zero point)%n", io.name(), io.type(),
					io.scale(), io.zeroPoint());
		}
		for (IoQuantization.Io io : r.integerOutputs().values()) {
			out.printf(Locale.ROOT, "Output %s %s: scale %s, zero point %d (real value = scale x (q - zero point))%n", io.name(), io.type(),
					io.scale(), io.zeroPoint());
		}
		out.printf(Locale.ROOT, "Size %,d -> %,d bytes (%.3f x)%n", sizeBefore, sizeAfter, sizeAfter / (double) sizeBefore);
	}
}
