package org.quantrace.runner.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;

import org.eclipse.xtext.diagnostics.Severity;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.quantrace.dsl.RecipeFiles;
import org.quantrace.engine.Progress;
import org.quantrace.model.trace.RunWarning;
import org.quantrace.runner.RecipeRunner;
import org.quantrace.runner.RunOptions;
import org.quantrace.runner.Shard;

/**
 * The warnings a run's work finds reach its outcome, each on the recipe line it belongs to with its code (warn67): the outcome held
 * only the checks' diagnostics before any work, so the IDE, which marks the recipe from the outcome, showed none of the quantizer's,
 * pruning's or calibration's, which the console printed from the log. One run of the example CNN: a prune step whose every layer is
 * excluded (prune-sparsity-short), an entropy calibration that raises thresholds (calibrate-threshold-raised, notes), a scheme that
 * quantizes nothing (quantize-nothing). The log prints each once; the console prints only the rest ({@code unlogged}).
 */
class RunWarningsOutcomeTest {

	private static final String RECIPE = """
			recipe warn67 {
				responsible "Quantrace example"
				model cnn "model/fashion_cnn_trained.onnx" id FASHION-CNN version 1
				dataset calib "data/calibration" role calibration labels "data/labels.json" samples 100
				dataset eval "data/evaluation" role evaluation labels "data/labels.json" samples 50
				preprocess { grayscale scale 1/255 }
				prune { pattern channel sparsity 20 % exclude "/features/*", "/classifier/classifier.1/*" }
				quantize ent extends fiq_int8 { calibrate entropy }
				quantize all_float extends fiq_float32 { exclude op Conv exclude op Relu exclude op MaxPool exclude op Flatten exclude op Gemm }
				schemes ent, all_float
				evaluate on eval metrics accuracy
			}
			""";
	private static final int MODEL_LINE = 3;
	private static final int CALIB_LINE = 4;
	private static final int PRUNE_LINE = 7;

	private static RecipeRunner.Outcome outcome;
	private static String console;
	private static Path recipe;

	@BeforeAll
	static void run() {
		Path dir = Runs.exampleCopy("run-warnings-outcome");
		StringWriter log = new StringWriter();
		recipe = Runs.recipe(dir, "warn.qr", RECIPE);
		outcome = RecipeRunner.run(recipe, new RunOptions(dir.resolve("out"), Set.of(), Shard.ALL, Runs.TIME, true, Progress.NONE, new PrintWriter(log)));
		console = log.toString();
		assertEquals(0, outcome.exitCode(), console + outcome.diagnostics());
	}

	private static List<RecipeFiles.Diagnostic> found(String code) {
		return outcome.runWarnings().stream().filter(d -> code.equals(d.code())).toList();
	}

	@Test
	void eachWarningOfTheWorkIsADiagnosticOnItsLine() {
		List<RecipeFiles.Diagnostic> prune = found("prune-sparsity-short");
		assertEquals(1, prune.size(), outcome.runWarnings().toString());
		assertEquals(PRUNE_LINE, prune.get(0).line());
		assertEquals(Severity.WARNING, prune.get(0).severity());
		assertTrue(prune.get(0).message().startsWith("prune: achieved sparsity 0 % of the 20 % requested"), prune.get(0).message());

		List<RecipeFiles.Diagnostic> nothing = found("quantize-nothing");
		assertEquals(1, nothing.size(), outcome.runWarnings().toString());
		assertEquals(MODEL_LINE, nothing.get(0).line(), "on the model's line, as the trace records it");
		assertTrue(nothing.get(0).message().startsWith("scheme all_float: quantized no layer"), nothing.get(0).message());

		List<RecipeFiles.Diagnostic> raised = found("calibrate-threshold-raised");
		assertTrue(!raised.isEmpty(), "the example's entropy calibration raises thresholds: " + console);
		for (RecipeFiles.Diagnostic d : raised) {
			assertEquals(CALIB_LINE, d.line(), "on the calibration dataset's line");
			assertEquals(Severity.INFO, d.severity(), "a note: the calibration record states it");
			assertTrue(d.message().startsWith("model cnn, scheme ent: entropy threshold raised: '"), d.message());
		}
		for (RecipeFiles.Diagnostic d : outcome.runWarnings()) {
			assertEquals(recipe.toAbsolutePath().normalize(), d.file().toAbsolutePath().normalize());
			assertTrue(outcome.diagnostics().stream().anyMatch(x -> x == d), "diagnostics() holds the run's warnings too");
		}
	}

	/** The log printed each as the work found it; the console prints the rest, so none twice. */
	@Test
	void theLogSaysEachOnceAndTheConsolePrintsTheRest() {
		for (RecipeFiles.Diagnostic d : outcome.runWarnings()) {
			String words = d.message().replaceFirst("^model cnn, scheme ent: ", "").replaceFirst("^scheme [a-z_]+: ", "");
			assertEquals(1, console.split(java.util.regex.Pattern.quote(words), -1).length - 1, "logged once: " + words + "\n" + console);
			assertTrue(outcome.unlogged().stream().noneMatch(x -> x == d), "not for the console to print again: " + d);
		}
		assertEquals(outcome.diagnostics().size() - outcome.runWarnings().size(), outcome.unlogged().size());
		assertTrue(outcome.unlogged().stream().anyMatch(d -> "missing-approver".equals(d.code())), "the checks' warnings are still printed: " + outcome.unlogged());
	}

	/** The warnings the trace records from the work are the outcome's, by one function: same code, line and words. */
	@Test
	void theRecordedOnesAreTheTracesRecords() {
		Set<String> codes = Set.of("prune-sparsity-short", "quantize-nothing");
		List<String> recorded = outcome.trace().getWarnings().stream().filter(w -> codes.contains(w.getCode())).map(RunWarningsOutcomeTest::key).toList();
		List<String> given = outcome.runWarnings().stream().filter(d -> codes.contains(d.code()))
				.map(d -> d.code() + "@" + d.line() + ":" + d.column() + " " + d.message()).toList();
		assertEquals(2, recorded.size(), recorded.toString());
		assertEquals(recorded, given);
	}

	private static String key(RunWarning w) {
		return w.getCode() + "@" + w.getLine() + ":" + w.getColumn() + " " + w.getMessage();
	}
}
