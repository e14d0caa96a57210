package org.quantrace.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;

import org.quantrace.engine.inspect.Inspection;
import org.quantrace.engine.inspect.InspectionText;
import org.quantrace.engine.inspect.ModelInspector;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "inspect", mixinStandardHelpOptions = true,
		header = "Print a model's layers, tensors by element type and totals.",
		description = "Shapes of intermediate tensors come from one run of the model on zeros (skip it with --no-run).")
final class InspectCommand implements Callable<Integer> {

	enum Format {
		text, json
	}

	@Spec
	CommandSpec spec;

	@Parameters(paramLabel = "MODEL.onnx", description = "The ONNX model to inspect.")
	Path model;

	@Option(names = "--format", defaultValue = "text", description = "Output format: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}).")
	Format format;

	@Option(names = { "-o", "--output" }, paramLabel = "FILE", description = "Write the report to FILE instead of standard output.")
	Path output;

	@Option(names = "--no-run", description = "Do not run the model to find intermediate shapes.")
	boolean noRun;

	@Override
	public Integer call() {
		ModelFiles.requireNoSymbolicLink(model);
		Inspection inspection = ModelInspector.inspect(model, !noRun);
		String text = format == Format.json ? Json.write(inspection) : InspectionText.render(inspection);
		if (output == null) {
			spec.commandLine().getOut().print(text);
		} else {
			CommandOutput.text(output, text, "report");
		}
		return ExitCodes.OK;
	}
}
