package org.quantrace.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.function.Consumer;

import org.quantrace.engine.data.Dataset;
import org.quantrace.engine.evaluate.EvaluationOptions;
import org.quantrace.engine.evaluate.EvaluationReport;
import org.quantrace.engine.evaluate.EvaluationTable;
import org.quantrace.engine.evaluate.Evaluator;
import org.quantrace.engine.evaluate.Variant;
import org.quantrace.engine.onnx.OnnxModel;

import picocli.CommandLine.Model.CommandSpec;

/**
 * The original and the transformed model side by side on the user's evaluation data, for the commands that
 * change a model's numbers (prune, factorize): the deck's table with its markers against the original.
 */
final class BeforeAfter {

	private BeforeAfter() {
	}

	/**
	 * Finishes a prune or factorize command: evaluates both models when there is data (before writing, so a
	 * failing evaluation leaves no model behind), writes the result, prints the command's report, the table and
	 * where the model went.
	 */
	static int write(OnnxModel before, OnnxModel after, String afterName, Dataset data, Path output, Consumer<PrintWriter> report,
			CommandSpec spec) {
		String comparison = data == null ? null : table(before, after, afterName, data, spec);
		CommandOutput.model(after, output);
		PrintWriter out = spec.commandLine().getOut();
		report.accept(out);
		if (comparison != null) {
			out.println();
			out.print(comparison);
		}
		out.printf(Locale.ROOT, "Wrote %s%n", output);
		return ExitCodes.OK;
	}

	private static String table(OnnxModel before, OnnxModel after, String afterName, Dataset data, CommandSpec spec) {
		EvaluationOptions options = EvaluationOptions.defaults().withBaseline("original");
		EvaluationReport r = Evaluator.evaluate(List.of(Variant.of("original", before), Variant.of(afterName, after)), data, options,
				ConsoleProgress.forConsole(spec.commandLine().getErr()));
		return EvaluationTable.render(r);
	}
}
