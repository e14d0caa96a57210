package org.quantrace.cli;

import java.util.List;

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

	/** Evaluates both models; call it before the output is written, so a failing evaluation leaves no model behind. */
	static String table(OnnxModel before, OnnxModel after, String afterName, Dataset data, CommandSpec spec) {
		EvaluationOptions options = EvaluationOptions.defaults().withBaseline("original");
		EvaluationReport r = Evaluator.evaluate(List.of(Variant.of("original", before), Variant.of(afterName, after)), data, options,
				ConsoleProgress.forConsole(spec.commandLine().getErr()));
		return EvaluationTable.render(r);
	}
}
