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
final class InspectCommand implements Callable<Integer>, CommandOutput.RecognizesOutput {

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

	/** The first lines of the text report ({@link InspectionText}): the model, its SHA-256 and its format. */
	private static final java.util.regex.Pattern TEXT_REPORT = java.util.regex.Pattern.compile("Model    .* \\([0-9,]+ bytes\\)\\R"
			+ "SHA-256  [0-9a-f]{64}\\RFormat   ONNX IR ");

	@Override
	public String outputKind() {
		return "a report of quantrace inspect";
	}

	/** A report of either format: the text one by its first lines, the JSON one by its keys (an {@link Inspection}). */
	@Override
	public boolean isOwnOutput(Path existing) {
		try (java.io.BufferedReader in = java.nio.file.Files.newBufferedReader(existing, java.nio.charset.StandardCharsets.UTF_8)) {
			char[] head = new char[4096];
			int n = in.read(head);
			if (n > 0 && TEXT_REPORT.matcher(new String(head, 0, n)).lookingAt()) {
				return true;
			}
		} catch (java.io.IOException e) {
			return false; // not text (or unreadable): not a report of ours
		}
		return Json.isObjectWithKeys(existing, java.util.Set.of("file", "sha256", "layers", "totals"), Json.components(Inspection.class));
	}

	@Override
	public Integer call() {
		ModelFiles.requireNoSymbolicLink(model);
		ModelFiles.requireNotRecipe(model);
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
