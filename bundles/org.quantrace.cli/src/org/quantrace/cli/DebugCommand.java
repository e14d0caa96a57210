package org.quantrace.cli;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

import org.quantrace.engine.IoErrors;
import org.quantrace.engine.InvalidInputException;
import org.quantrace.engine.QuantraceException;
import org.quantrace.engine.calibrate.WideRange;
import org.quantrace.engine.evaluate.DebugReport;
import org.quantrace.engine.evaluate.QuantizationDebugger;
import org.quantrace.engine.onnx.OnnxModel;
import org.quantrace.model.recipe.DebugMetric;
import org.quantrace.report.DebugCharts;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "debug", mixinStandardHelpOptions = true, sortOptions = false,
		header = "Compare a full-integer model with its float original.",
		description = "The per-layer quantization debugger: the TFLite debugger's metrics, SQNR, cosine similarity and rmse/scale of every"
				+ " quantized tensor, on its own (isolated) and as the quantized model computes it (accumulated). Writes debug.csv and one SVG"
				+ " chart per metric, and names the tensors beyond the threshold.")
final class DebugCommand implements Callable<Integer> {

	@Spec
	CommandSpec spec;

	@Parameters(index = "0", paramLabel = "FLOAT.onnx", description = "The float model.")
	Path floatModel;

	@Parameters(index = "1", paramLabel = "QUANTIZED.onnx", description = "Its full-integer (QDQ) version.")
	Path quantized;

	@Mixin
	DataOptions data;

	@Option(names = "--debug-samples", defaultValue = "64", paramLabel = "N", description = "Samples to compare on (default: ${DEFAULT-VALUE}).")
	int samples;

	@Option(names = "--metric", defaultValue = "rmse/scale", paramLabel = "METRIC",
			description = "Flagging metric: rmse/scale, sqnr, cosine, mse, max-abs-error, mean-error, stddev (default: ${DEFAULT-VALUE}).")
	String metric;

	@Option(names = "--threshold", defaultValue = "0.5", paramLabel = "VALUE",
			description = "Flag tensors beyond it (rmse/scale: above; sqnr, cosine: below). Healthy rmse/scale is about 0.289 (default: ${DEFAULT-VALUE}).")
	double threshold;

	@Option(names = { "-o", "--output" }, required = true, paramLabel = "DIR", description = "Folder for debug.csv and the charts.")
	Path output;

	/** "2 QuantizeLinear, 1 QLinearConv": the quantization ops a model holds, or null for a float model. */
	private static String quantizedOps(OnnxModel model) {
		java.util.Map<String, Long> found = new java.util.TreeMap<>();
		for (org.quantrace.engine.onnx.Node n : model.graph().allNodes()) {
			String op = n.opType();
			if (op.equals("QuantizeLinear") || op.equals("DequantizeLinear") || op.startsWith("QLinear") || op.endsWith("Integer")
					|| op.equals("DynamicQuantizeLinear")) {
				found.merge(op, 1L, Long::sum);
			}
		}
		return found.isEmpty() ? null : String.join(", ", found.entrySet().stream().map(e -> e.getValue() + " " + e.getKey()).toList());
	}

	@Override
	public Integer call() {
		DebugMetric m = DebugMetric.get(metric.toLowerCase(Locale.ROOT));
		if (m == null) {
			throw new InvalidInputException("--metric " + metric + ": unknown", "use rmse/scale, sqnr, cosine, mse, max-abs-error, mean-error or stddev");
		}
		List<Path> inputs = CommandOutput.inputs(spec);
		// before any work: -o DIR replaces only a folder quantrace wrote (run's rule), a new or an empty one
		org.quantrace.runner.OutputOwnership.checkReplaceable(output, inputs);
		OnnxModel f = ModelFiles.load(floatModel);
		String quantizedOps = quantizedOps(f);
		if (quantizedOps != null) { // QUANTIZED FLOAT: the float model fed float samples where it reads int8 failed inside ONNX Runtime, exit 3
			throw new InvalidInputException(floatModel + ": is quantized (it holds " + quantizedOps + "): the debugger compares a float model, given first,"
					+ " with its full-integer version, given second", "quantrace debug FLOAT.onnx QUANTIZED.onnx");
		}
		// two sessions draw other noise (make_unseen17's noisy: "accumulated" 5.6 at the noise's Add), which the table would call quantization error
		org.quantrace.engine.onnx.RandomOps.requireSeeded(f, floatModel.toString(), "the two models' draws, and the debugger would count their"
				+ " difference as quantization error");
		OnnxModel q = ModelFiles.load(quantized);
		org.quantrace.engine.data.Dataset dataset = data.open(spec.commandLine().getErr());
		ModelFiles.requireRuns(f, floatModel, dataset);
		ModelFiles.requireRuns(q, quantized, dataset);
		DebugReport r = QuantizationDebugger.debug(f, floatModel.toString(), q, quantized.toString(),
				dataset, DataOptions.atLeastOne(samples, "--debug-samples"), m, threshold, ConsoleProgress.forConsole(spec.commandLine().getErr()));
		if (r.tensors().isEmpty()) { // two float models printed an empty table and "No tensor beyond the threshold", exit 0
			throw new InvalidInputException(quantized + ": quantizes no tensor of " + floatModel + " (no per-tensor QuantizeLinear of a tensor the float"
					+ " model computes): nothing was compared", "give the full-integer (QDQ) model quantized from FLOAT.onnx (quantrace quantize"
					+ " --scheme fiq-int8); a dynamic-range (drq) model quantizes at run time and has no such tensors");
		}
		List<Path> files;
		try {
			files = org.quantrace.runner.OutputFolder.writeCommandFolder(output, inputs, dir -> DebugCharts.write(r, dir));
		} catch (IOException e) {
			throw new QuantraceException(output + ": cannot write the debug files (" + IoErrors.describe(e) + ")", IoErrors.hint(e, "check the folder is writable"), e);
		}
		var out = spec.commandLine().getOut();
		out.printf(Locale.ROOT, "%-6s %-18s %-44s %10s %10s  %s%n", "layer", "op", "tensor", m.getLiteral() + " iso", "accum", "flagged");
		for (DebugReport.TensorDebug t : r.tensors()) {
			String flags = t.flagged() ? "FLAGGED" + (t.clippedOnPurpose() ? " (clipped at calibration)" : "") + (t.accumulatedFlagged() ? ", accumulated too" : "")
					: t.accumulatedFlagged() ? "accumulated" : t.paramsFrom().isEmpty() ? "" : "(scale of " + t.paramsFrom() + ")";
			out.printf(Locale.ROOT, "%-6s %-18s %-44s %10.4g %10.4g  %s%n", t.layerIndex() < 0 ? "in" : Integer.toString(t.layerIndex()), t.opType(),
					t.tensor(), t.isolated().value(m), t.accumulated().value(m), flags);
		}
		List<String> candidates = r.exclusionCandidates();
		DebugReport.TensorDebug start = r.accumulationStart();
		List<DebugReport.TensorDebug> clipped = r.clippedFlagged();
		if (!candidates.isEmpty()) {
			out.println("Candidates to leave in float (exclude): " + String.join(", ", candidates));
		} else if (!clipped.isEmpty()) {
			out.println("No candidate to leave in float: the tensors beyond the threshold on their own have ranges clipped at calibration (below).");
		} else if (start == null) {
			out.println("No tensor beyond the threshold, on its own or accumulated.");
		} else {
			out.println("No tensor beyond the threshold on its own.");
		}
		if (!clipped.isEmpty()) {
			// the model's own metadata says the calibration chose these ranges: their error is the far values it chose to saturate
			out.println("Ranges clipped at calibration on purpose (the quantized model's metadata " + WideRange.METADATA + "TENSOR; the far values"
					+ " saturate, which is their rmse/scale, so they are no candidates): " + String.join("; ", clipped.stream().map(t -> String.format(Locale.ROOT,
							"'%s' (layer %s %s: %d of %d values saturate): %s", t.tensor(), t.layerIndex() < 0 ? "in" : Integer.toString(t.layerIndex()),
							t.opType(), t.saturated(), t.isolated().numElements(), t.clipped())).toList())
					+ ". To keep the far values: quantize with --unclipped (recipe: calibrate minmax unclipped), or leave float the layers that read"
					+ " them (--exclude).");
		}
		List<DebugReport.TensorDebug> wide = r.wideRanges();
		if (!wide.isEmpty()) {
			out.println("Ranges far wider than their values (most values share a few codes, whatever rmse/scale says): " + String.join(", ",
					wide.stream().map(t -> String.format(Locale.ROOT, "'%s' (layer %s %s: RMS %.3g, %.2g steps of %.4g)", t.tensor(),
							t.layerIndex() < 0 ? "in" : Integer.toString(t.layerIndex()), t.opType(), DebugReport.valueSteps(t) * t.scale(),
							DebugReport.valueSteps(t), t.scale())).toList())
					+ ". " + Character.toUpperCase(WideRange.ADVICE.charAt(0)) + WideRange.ADVICE.substring(1) + " (--method, --exclude).");
		}
		if (start != null) {
			DebugReport.TensorDebug last = r.tensors().get(r.tensors().size() - 1);
			out.printf(Locale.ROOT, "The accumulated error passes the threshold from layer %s %s ('%s', %s %.4g) on, %.4g at %s: small errors build up through"
					+ " the model; quantize the layers from there with more precision (int16 activations, per-channel weights) or leave the first of them in"
					+ " float.%n", start.layerIndex() < 0 ? "in" : Integer.toString(start.layerIndex()), start.opType(), start.node(), m.getLiteral(),
					start.accumulated().value(m), last.accumulated().value(m), last.tensor());
		}
		out.printf(Locale.ROOT, "Wrote %d files to %s%n", files.size(), output);
		return ExitCodes.OK;
	}
}
