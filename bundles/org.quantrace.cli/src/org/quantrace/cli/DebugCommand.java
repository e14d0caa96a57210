package org.quantrace.cli;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

import org.quantrace.engine.IoErrors;
import org.quantrace.engine.InvalidInputException;
import org.quantrace.engine.QuantraceException;
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

	@Override
	public Integer call() {
		DebugMetric m = DebugMetric.get(metric.toLowerCase(Locale.ROOT));
		if (m == null) {
			throw new InvalidInputException("--metric " + metric + ": unknown", "use rmse/scale, sqnr, cosine, mse, max-abs-error, mean-error or stddev");
		}
		DebugReport r = QuantizationDebugger.debug(ModelFiles.load(floatModel), floatModel.toString(), ModelFiles.load(quantized), quantized.toString(),
				data.open(spec.commandLine().getErr()), DataOptions.atLeastOne(samples, "--debug-samples"), m, threshold, ConsoleProgress.forConsole(spec.commandLine().getErr()));
		List<Path> files;
		try {
			files = DebugCharts.write(r, output);
		} catch (IOException e) {
			throw new QuantraceException(output + ": cannot write the debug files (" + IoErrors.describe(e) + ")", IoErrors.hint(e, "check the folder is writable"), e);
		}
		var out = spec.commandLine().getOut();
		out.printf(Locale.ROOT, "%-6s %-18s %-44s %10s %10s  %s%n", "layer", "op", "tensor", m.getLiteral() + " iso", "accum", "flagged");
		for (DebugReport.TensorDebug t : r.tensors()) {
			String flags = t.flagged() ? "FLAGGED" + (t.accumulatedFlagged() ? ", accumulated too" : "")
					: t.accumulatedFlagged() ? "accumulated" : t.paramsFrom().isEmpty() ? "" : "(scale of " + t.paramsFrom() + ")";
			out.printf(Locale.ROOT, "%-6s %-18s %-44s %10.4g %10.4g  %s%n", t.layerIndex() < 0 ? "in" : Integer.toString(t.layerIndex()), t.opType(),
					t.tensor(), t.isolated().value(m), t.accumulated().value(m), flags);
		}
		List<String> candidates = r.exclusionCandidates();
		DebugReport.TensorDebug start = r.accumulationStart();
		if (!candidates.isEmpty()) {
			out.println("Candidates to leave in float (exclude): " + String.join(", ", candidates));
		} else if (start == null) {
			out.println("No tensor beyond the threshold, on its own or accumulated.");
		} else {
			out.println("No tensor beyond the threshold on its own.");
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
