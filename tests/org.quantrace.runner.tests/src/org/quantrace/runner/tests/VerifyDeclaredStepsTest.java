package org.quantrace.runner.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.quantrace.runner.Verification;
import org.quantrace.runner.Verification.Problem;

/**
 * What the trace records because the recipe's steps declare it, forged as a hostile assessor would (evidence7, 2026-12-05): the
 * convert step's configuration, the prune and factorize settings, the evaluation's tolerance (a marker), its metrics and
 * acceptance criteria, a debug step's threshold. With every document made again from the edited trace by the runner's own
 * renderers and SHA256SUMS re-sealed, each passed verify (exit 0, 29 files, 0 mismatches beside the one below) and
 * {@code verify --deep} alike but the debug threshold. Here the documents are not made again, so each edit is also "not the
 * document the trace makes"; the finding asserted is the one a forger who renders them again still meets. The honest run also
 * failed before: its factorize step skips a layer (rank 9 of a 64 x 10 Gemm would not reduce it), and PhIMT0003's appendix
 * printed its rank "9/10" where the file holds the matrix whole (verify: "rank: says 9, re-derived 10").
 */
class VerifyDeclaredStepsTest {

	private static final String RECIPE = """
			import "project.qr"

			recipe steps {
				responsible "Quantrace example"
				model cnn "model/fashion_cnn_trained.onnx" id FASHION-CNN version 1
				dataset calib "data/calibration" role calibration labels "data/labels.json" samples 200
				dataset eval "data/evaluation" role evaluation labels "data/labels.json" samples 200
				preprocess { grayscale scale 1/255 }
				convert {
					eliminate dropout, batch-normalization
					opset 17
				}
				prune {
					criterion l2-magnitude
					scope local
					sparsity 30 %
					exclude "/features/features.0/*"
				}
				factorize {
					dense
					energy 95 %
				}
				schemes fiq_int8
				evaluate on eval metrics accuracy, f1, kappa tolerance 0.5 pt
				accept when accuracy drop < 3 pt for fiq_int8
				debug fiq_int8 threshold sqnr < 30 samples 32
			}
			""";

	private static Path out;

	/** The honest run, made once for this class and VerifyFolderCountsTest. */
	static synchronized Path out() {
		if (out == null) {
			Path example = Runs.exampleCopy("steps");
			out = example.resolve("out");
			assertEquals(0, Runs.run(Runs.recipe(example, "steps.qr", RECIPE), out).exitCode());
		}
		return out;
	}

	/**
	 * A copy of the run with the first match of {@code regex} in trace.xmi replaced (it must match), every hash recomputed:
	 * verify's findings about the trace.
	 */
	private static List<Problem> forged(String name, String regex, String replacement) {
		Path forged = Runs.copy(out(), out().resolveSibling("out-" + name));
		Path trace = forged.resolve("trace.xmi");
		String text = Tampering.read(trace);
		String edited = text.replaceFirst(regex, replacement);
		assertNotEquals(text, edited, regex + " does not occur");
		Tampering.write(trace, edited);
		Tampering.rehashAll(forged);
		return Verification.verify(forged).problems().stream().filter(p -> p.file().equals("trace.xmi")).toList();
	}

	private static void found(List<Problem> problems, String... what) {
		assertTrue(problems.stream().anyMatch(p -> java.util.Arrays.stream(what).allMatch(p.what()::contains)), String.join(" ... ", what) + " not found: " + problems);
	}

	@Test
	void anHonestRunOfEveryStepVerifiesClean() {
		Verification.Result verified = Verification.verify(out());
		assertTrue(verified.passed(), verified.problems().toString());
	}

	@Test
	void aConverterConfigurationOtherThanTheConvertStepsIsFound() {
		found(forged("opset", "key=\"target opset\" value=\"17\"", "key=\"target opset\" value=\"18\""), "target opset: says 18, the recipe declares 17");
		found(forged("eliminate", "key=\"eliminate\" value=\"\\[dropout, batch-normalization\\]\"", "key=\"eliminate\" value=\"[dropout]\""),
				"eliminate: says [dropout], the recipe declares [dropout, batch-normalization]");
	}

	@Test
	void pruningSettingsOtherThanThePruneStepsAreFound() {
		List<Problem> problems = forged("sparsity", "criterion=\"l2-magnitude\" scope=\"local\" targetSparsity=\"30.0\"",
				"criterion=\"l1-magnitude\" scope=\"global\" targetSparsity=\"50.0\"");
		found(problems, "pruning target sparsity (%): says 50.0, the recipe declares 30.0");
		found(problems, "pruning criterion: says l1-magnitude, the recipe declares l2-magnitude");
		found(problems, "pruning scope: says global, the recipe declares local");
		found(forged("pexclude", "<excluded>/features/features.0/\\*</excluded>\\s*", ""), "pruning excluded: says [], the recipe declares [/features/features.0/*]");
	}

	@Test
	void aRankSelectionOtherThanTheFactorizeStepsIsFound() {
		found(forged("energy", "<factorization value=\"95.0\"", "<factorization value=\"99.0\""), "factorization value: says 99.0, the recipe declares 95.0");
	}

	@Test
	void anAcceptanceCriterionOtherThanTheRecipesIsFound() {
		// a stricter criterion claimed than the recipe set (the run's 0.5 pt drop passes either)
		List<Problem> problems = forged("criterion", "criterion=\"accuracy drop &lt; 3 pt\" metric=\"accuracy\" measured=\"([^\"]*)\" bound=\"3.0\"",
				"criterion=\"accuracy drop &lt; 1 pt\" metric=\"accuracy\" measured=\"$1\" bound=\"1.0\"");
		found(problems, "acceptance criteria: says [accuracy drop < 1 pt], the recipe declares [accuracy drop < 3 pt]");
		// a measured drop made smaller than the recorded accuracies give
		found(forged("measured", "(criterion=\"accuracy drop &lt; 3 pt\" metric=\"accuracy\" measured=\")[^\"]*\"", "$10.1\""),
				"acceptance accuracy drop < 3 pt measured: says 0.1, the recipe's criterion on the recorded metrics gives");
	}

	@Test
	void aMarkerTheRecipesToleranceDoesNotGiveIsFound() {
		found(forged("marker", "(<metrics name=\"[^\"]*\" value=\"[^\"]*\" baselineValue=\"[^\"]*\" delta=\"[^\"]*\"\\s+marker=\")(worse|better)\"", "$1same\""),
				"marker: says same, the recipe's tolerance of 0.5 pt makes");
	}

	@Test
	void aMetricTheRecipeNamesLeftOutIsFound() {
		found(forged("kappa", "(<evaluations id=\"cnn/fiq_int8/evaluation\"[\\s\\S]*?)<metrics name=\"cohen kappa\"[^>]*/>\\s*", "$1"),
				"evaluation cnn/fiq_int8/evaluation metric kappa: says not recorded");
	}

	@Test
	void aDebugThresholdOtherThanTheStepsIsFound() {
		found(forged("debug", "metric=\"sqnr\" threshold=\"30.0\"", "metric=\"sqnr\" threshold=\"20.0\""), "debug cnn/fiq_int8/debug threshold: says 20.0, the recipe declares 30.0");
	}
}
