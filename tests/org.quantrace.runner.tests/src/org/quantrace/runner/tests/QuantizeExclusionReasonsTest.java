package org.quantrace.runner.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Consumer;

import org.junit.jupiter.api.Test;
import org.quantrace.engine.Progress;
import org.quantrace.model.QuantraceModel;
import org.quantrace.model.trace.LayerQuantizationRecord;
import org.quantrace.model.trace.TraceModel;
import org.quantrace.runner.Verification;
import org.quantrace.runner.Verification.Problem;

/**
 * Who excluded a quantized model's layer, held against the recipe (excl67, 2026-12-07). A scheme's `exclude` lines give their
 * layers' reasons "excluded by the recipe, line N (op Gemm)" ({@code SchemeResolver}), and prune's and factorize's reasons were
 * held against the recipe since logs65, quantize's were not: a reason moved to another line or pattern, one claimed for a layer
 * no pattern matches, the command line's words in a recipe's run, or an excluded layer recorded quantized without its
 * exclusion, each edited in the trace with every document made again, passed verify. And a scheme declared in an imported file
 * named its clause "the recipe, line 3", a line of the recipe that says something else.
 */
class QuantizeExclusionReasonsTest {

	private static final String SHARED = """
			// schemes the project shares
			quantize shared_int8 extends fiq_int8 {
				exclude op Gemm
			}
			""";

	private static final String RECIPE = """
			import "shared.qr"

			quantize careful extends shared_int8 {
				exclude "/features/features.4/*"
				exclude op Relu
				exclude "/nowhere/*"
			}

			quantize anyway extends fiq_int8 {
				exclude "/features/features.4/Conv"
			}

			recipe excluded {
				responsible "Quantrace example"
				model cnn "model/fashion_cnn_trained.onnx" id FASHION-CNN version 1
				dataset calib "data/calibration" role calibration labels "data/labels.json" samples 100
				preprocess { grayscale scale 1/255 }
				convert {
					eliminate dropout, batch-normalization
				}
				schemes careful, shared_int8, anyway
			}
			""";

	private static final String BY_NAME = "excluded by the recipe, line 4 (node /features/features.4/*)";
	private static final String BY_OP = "excluded by the recipe, line 5 (op Relu)";
	private static final String SHARED_GEMM = "excluded by the recipe file shared.qr, line 3 (op Gemm)";
	private static final String ANYWAY = "excluded by the recipe, line 10 (node /features/features.4/Conv), but ";

	private static Path out;

	private static synchronized Path out() {
		if (out == null) {
			Path example = Runs.exampleCopy("quantize-exclusion-reasons");
			try {
				Files.writeString(example.resolve("shared.qr"), SHARED);
			} catch (IOException e) {
				throw new UncheckedIOException(e);
			}
			out = example.resolve("out");
			org.quantrace.runner.RecipeRunner.Outcome o = Runs.run(Runs.recipe(example, "excluded.qr", RECIPE), out);
			if (o.exitCode() != 0) {
				throw new AssertionError("excluded.qr exited " + o.exitCode() + ": " + o.diagnostics());
			}
		}
		return out;
	}

	private static LayerQuantizationRecord layer(TraceModel trace, String scheme, String node) {
		return trace.getOptimizations().stream().filter(o -> scheme.equals(o.getScheme())).findFirst().orElseThrow().getQuantization().getLayers().stream()
				.filter(l -> l.getNode().equals(node) && l.getRewriteOf() == null).findFirst().orElseThrow(() -> new AssertionError(scheme + " records no " + node));
	}

	/** verify's findings on a copy whose layer {@code node} of {@code scheme} {@code edit} changed, every document made again. */
	private static List<Problem> forged(String name, String scheme, String node, Consumer<LayerQuantizationRecord> edit) {
		return Tampering.traceForged(out(), name, t -> edit.accept(layer(t, scheme, node)));
	}

	@Test
	void theReasonsNameTheLineAndFileOfTheClauseAndVerifyClean() throws IOException {
		TraceModel trace = QuantraceModel.loadTrace(out().resolve("trace.xmi"));
		assertEquals(BY_NAME, layer(trace, "careful", "/features/features.4/Conv").getReason());
		assertEquals(BY_OP, layer(trace, "careful", "/classifier/classifier.3/Relu").getReason());
		assertEquals(SHARED_GEMM, layer(trace, "careful", "/classifier/classifier.1/Gemm").getReason(), "the base scheme's clause, in the imported file");
		// before: "excluded by the recipe, line 3 (op Gemm)", line 3 of excluded.qr being "quantize careful extends shared_int8 {"
		assertEquals(SHARED_GEMM, layer(trace, "shared_int8", "/classifier/classifier.4/Gemm").getReason(), "a scheme of the imported file, run as it is");
		LayerQuantizationRecord anyway = layer(trace, "anyway", "/features/features.4/Conv");
		assertTrue(anyway.isQuantized() && anyway.getReason().startsWith(ANYWAY), anyway.getReason());
		String log = Files.readString(out().resolve("logs/PhIMT0003-cnn.md"));
		// its appendix notes the float layers' reasons (a layer quantized all the same reads "quantized" there)
		assertTrue(log.contains(BY_NAME) && log.contains(BY_OP) && log.contains(SHARED_GEMM), "the log states the reasons");
		assertEquals(List.of(), Verification.verify(out()).problems());
		Verification.Result copy = Verification.verify(out(), new Verification.Options(null, null, true, false, Progress.NONE));
		assertEquals(List.of(), copy.problems(), "held against the folder's copy of the recipe and shared.qr");
	}

	@Test
	void aReasonNamingAnotherLineOrPatternIsFound() {
		List<Problem> line = forged("q-line", "careful", "/features/features.4/Conv", l -> l.setReason(BY_NAME.replace("line 4", "line 6")));
		Tampering.foundInTrace(line, "optimization excluded-optimization/cnn/careful (model cnn, scheme careful) layer /features/features.4/Conv reason",
				"says " + BY_NAME.replace("line 4", "line 6"), "the recipe's scheme careful gives " + BY_NAME);
		List<Problem> pattern = forged("q-pattern", "careful", "/features/features.4/Conv", l -> l.setReason(BY_NAME.replace("features.4/*", "*")));
		Tampering.foundInTrace(pattern, "layer /features/features.4/Conv reason", "says excluded by the recipe, line 4 (node /features/*)",
				"gives " + BY_NAME);
		List<Problem> file = forged("q-file", "careful", "/classifier/classifier.1/Gemm", l -> l.setReason("excluded by the recipe, line 3 (op Gemm)"));
		Tampering.foundInTrace(file, "scheme careful) layer /classifier/classifier.1/Gemm reason", "says excluded by the recipe, line 3 (op Gemm)",
				"gives " + SHARED_GEMM);
	}

	@Test
	void aReasonForALayerNoPatternMatchesIsFound() {
		String claimed = "excluded by the recipe, line 6 (node /nowhere/*)";
		List<Problem> problems = forged("q-unmatched", "careful", "/features/features.3/MaxPool", l -> l.setReason(claimed));
		Tampering.foundInTrace(problems, "scheme careful) layer /features/features.3/MaxPool reason", "says " + claimed,
				"no exclusion of the recipe's scheme careful matches the layer (node /features/features.3/MaxPool, op MaxPool)");
	}

	@Test
	void theCommandLinesWordsInARecipesRunAreFound() {
		String option = "excluded by the command's option --exclude (op Relu)";
		List<Problem> problems = forged("q-option", "careful", "/features/features.6/Relu", l -> l.setReason(option));
		Tampering.foundInTrace(problems, "scheme careful) layer /features/features.6/Relu reason", "says " + option, "gives " + BY_OP);
	}

	@Test
	void anExcludedLayerRecordedQuantizedWithoutItsExclusionIsFound() {
		List<Problem> problems = forged("q-quantized", "anyway", "/features/features.4/Conv", l -> l.setReason(l.getReason().substring(ANYWAY.length())));
		Tampering.foundInTrace(problems, "(model cnn, scheme anyway) layer /features/features.4/Conv", "recorded quantized",
				"where the recipe's scheme anyway excludes it: excluded by the recipe, line 10 (node /features/features.4/Conv)");
	}
}
