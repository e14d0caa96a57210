package org.quantrace.runner.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.quantrace.model.QuantraceModel;
import org.quantrace.model.trace.OptimizationRecord;
import org.quantrace.model.trace.TraceModel;
import org.quantrace.runner.Verification;
import org.quantrace.runner.Verification.Problem;

/**
 * Who excluded a layer from pruning and factorization: the engine's reasons said "excluded by the recipe" whoever excluded it and
 * without the pattern (logs63's left-over); a recipe's run names the line of the exclude clause and the pattern, as quantize's
 * exclusions do since logs63, in the trace and the logs, and verify holds the reason against the recipe: a reason naming another
 * line, or stated for a layer no exclusion matches, is named.
 */
class ExclusionReasonsTest {

	private static final String RECIPE = """
			import "project.qr"

			recipe excluded {
				responsible "Quantrace example"
				model cnn "model/fashion_cnn_trained.onnx" id FASHION-CNN version 1
				dataset calib "data/calibration" role calibration labels "data/labels.json" samples 100
				preprocess { grayscale scale 1/255 }
				convert {
					eliminate dropout, batch-normalization
				}
				prune {
					pattern channel
					sparsity 30 %
					exclude "/features/features.0/*"
				}
				factorize {
					dense
					rank 4
					exclude "/classifier/classifier.4/*"
				}
			}
			""";

	private static final String PRUNE_REASON = "excluded by the recipe, line 14 (layer /features/features.0/*)";
	private static final String FACTORIZE_REASON = "excluded by the recipe, line 19 (layer /classifier/classifier.4/*)";

	private static Path out;

	private static synchronized Path out() {
		if (out == null) {
			out = Runs.exampleOut("exclusion-reasons", "excluded.qr", RECIPE);
		}
		return out;
	}

	@Test
	void theReasonsNameTheRecipeLineAndPatternAndVerifyClean() throws IOException {
		TraceModel trace = QuantraceModel.loadTrace(out().resolve("trace.xmi"));
		OptimizationRecord o = trace.getOptimizations().stream().filter(r -> r.getPruning() != null).findFirst().orElseThrow();
		assertEquals(PRUNE_REASON, o.getPruning().getAdditionalConfiguration().stream()
				.filter(c -> c.getKey().equals("not pruned: /features/features.0/Conv")).findFirst().orElseThrow().getValue());
		assertEquals(FACTORIZE_REASON, o.getFactorization().getLayers().stream().filter(l -> l.getLayer().equals("/classifier/classifier.4/Gemm"))
				.findFirst().orElseThrow().getReason());
		String log = Files.readString(out().resolve("logs/PhIMT0003-cnn.md"));
		assertTrue(log.contains(PRUNE_REASON) && log.contains(FACTORIZE_REASON), "the log states both reasons");
		assertEquals(List.of(), Verification.verify(out()).problems());
	}

	@Test
	void aPruningReasonNamingAnotherLineIsFound() {
		List<Problem> problems = Tampering.traceForged(out(), "prune-line", t -> t.getOptimizations().stream().filter(r -> r.getPruning() != null)
				.flatMap(r -> r.getPruning().getAdditionalConfiguration().stream()).filter(c -> c.getValue().equals(PRUNE_REASON))
				.forEach(c -> c.setValue(PRUNE_REASON.replace("line 14", "line 4"))));
		Tampering.foundInTrace(problems, "not pruned: /features/features.0/Conv", "says excluded by the recipe, line 4", "gives " + PRUNE_REASON);
	}

	@Test
	void aFactorizationReasonForALayerNoExclusionMatchesIsFound() {
		List<Problem> problems = Tampering.traceForged(out(), "factorize-layer", t -> t.getOptimizations().stream().filter(r -> r.getFactorization() != null)
				.flatMap(r -> r.getFactorization().getLayers().stream()).filter(l -> l.getLayer().equals("/classifier/classifier.4/Gemm"))
				.forEach(l -> l.setReason(FACTORIZE_REASON.replace("classifier.4", "classifier.1"))));
		Tampering.foundInTrace(problems, "layer /classifier/classifier.4/Gemm reason", "says " + FACTORIZE_REASON.replace("classifier.4", "classifier.1"),
				"gives " + FACTORIZE_REASON);
		List<Problem> stray = Tampering.traceForged(out(), "factorize-stray", t -> t.getOptimizations().stream().filter(r -> r.getFactorization() != null)
				.flatMap(r -> r.getFactorization().getLayers().stream()).filter(l -> l.getLayer().equals("/classifier/classifier.1/Gemm"))
				.forEach(l -> l.setReason(FACTORIZE_REASON)));
		Tampering.foundInTrace(stray, "layer /classifier/classifier.1/Gemm reason", "no exclusion of the recipe's step matches the layer");
	}
}
