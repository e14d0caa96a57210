package org.quantrace.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

import org.quantrace.engine.InvalidInputException;
import org.quantrace.engine.QuantraceException;
import org.quantrace.engine.evaluate.DebugOutputs;
import org.quantrace.engine.evaluate.DebugReport;
import org.quantrace.engine.evaluate.QuantizationDebugger;
import org.quantrace.engine.onnx.OnnxModel;
import org.quantrace.model.recipe.DebugMetric;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "debug", mixinStandardHelpOptions = true, sortOptions = false,
		description = { "Per-layer quantization debugger: compare a full-integer model with its float original tensor by tensor",
				"(the TFLite debugger's metrics, SQNR, cosine, rmse/scale); write debug.csv and one SVG chart per metric." })
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
		DebugReport r = QuantizationDebugger.debug(OnnxModel.load(floatModel), floatModel.toString(), OnnxModel.load(quantized), quantized.toString(),
				data.open(), DataOptions.atLeastOne(samples, "--debug-samples"), m, threshold, ConsoleProgress.forConsole(spec.commandLine().getErr()));
		List<Path> files;
		try {
			Files.createDirectories(output);
			files = DebugOutputs.write(r, output);
		} catch (IOException e) {
			throw new QuantraceException(output + ": cannot write the debug files (" + e.getMessage() + ")", "check the folder is writable", e);
		}
		var out = spec.commandLine().getOut();
		out.printf(Locale.ROOT, "%-6s %-18s %-44s %10s %10s %9s%n", "layer", "op", "tensor", m.getLiteral() + " iso", "accum", "flagged");
		for (DebugReport.TensorDebug t : r.tensors()) {
			out.printf(Locale.ROOT, "%-6s %-18s %-44s %10.4g %10.4g %s%n", t.layerIndex() < 0 ? "in" : Integer.toString(t.layerIndex()), t.opType(), t.tensor(),
					t.isolated().value(m), t.accumulated().value(m), t.flagged() ? "FLAGGED" : t.paramsFrom().isEmpty() ? "" : "(scale of " + t.paramsFrom() + ")");
		}
		List<String> candidates = r.exclusionCandidates();
		out.println(candidates.isEmpty() ? "No tensor beyond the threshold." : "Candidates to leave in float (exclude): " + String.join(", ", candidates));
		out.printf("Wrote %d files to %s%n", files.size(), output);
		return ExitCodes.OK;
	}
}
