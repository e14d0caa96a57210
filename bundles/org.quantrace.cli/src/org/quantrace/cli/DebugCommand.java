package org.quantrace.cli;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

import org.quantrace.engine.IoErrors;
import org.quantrace.engine.InvalidInputException;
import org.quantrace.engine.QuantraceException;
import org.quantrace.engine.evaluate.DebugFindings;
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
	DataOptions.Named data;

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
		List<Path> inputs = CommandOutput.inputs(spec);
		// before any work: -o DIR replaces only a folder debug wrote (run's rule), a new or an empty one
		org.quantrace.runner.OutputOwnership.checkReplaceable(output, inputs, true);
		OnnxModel f = ModelFiles.load(floatModel);
		String quantizedOps = org.quantrace.engine.onnx.QuantizedOps.listed(org.quantrace.engine.onnx.QuantizedOps.counts(f));
		if (quantizedOps != null) { // QUANTIZED FLOAT: the float model fed float samples where it reads int8 failed inside ONNX Runtime, exit 3
			throw new InvalidInputException(floatModel + ": is quantized (it holds " + quantizedOps + "): the debugger compares a float model, given first,"
					+ " with its full-integer version, given second", "quantrace debug FLOAT.onnx QUANTIZED.onnx");
		}
		OnnxModel q = ModelFiles.load(quantized); // both files read (a link refused) before what is wrong with their contents
		// two sessions draw other noise (make_unseen17's noisy: "accumulated" 5.6 at the noise's Add), which the table would call quantization
		// error; a training-mode export's Dropout draws here too, since the debugger reads every tensor
		org.quantrace.engine.onnx.RandomOps.requireSeeded(f, floatModel.toString(), "the two models' draws, and the debugger would count their"
				+ " difference as quantization error");
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
			if (t.maskedOnPurpose()) { // its figures are of the entries the mask keeps (DebugFindings says why)
				flags = (flags.isEmpty() ? "" : flags + ", ") + "masked entries left out";
			}
			out.printf(Locale.ROOT, "%-6s %-18s %-44s %10.4g %10.4g  %s%n", DebugFindings.layer(t), t.opType(),
					t.tensor(), t.isolated().value(m), t.accumulated().value(m), flags);
		}
		DebugFindings.of(r).forEach(out::println);
		out.printf(Locale.ROOT, "Wrote %d files to %s%n", files.size(), output);
		return ExitCodes.OK;
	}
}
