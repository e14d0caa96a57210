package org.quantrace.runner.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.quantrace.runner.Verification;
import org.quantrace.runner.Verification.Problem;

/**
 * What the trace records because the recipe declares it, and the ONNX Runtime its Quantrace version ships, forged as a hostile assessor would (evidence6, 2026-12-05): the
 * trace edited, every document made again from it (which verify's own rendering then matches) and every hash recomputed.
 * verify held the documents against the trace and the trace's model figures against the files, but nothing held the
 * framework, the document block, the seed or a scheme's settings against the recipe beside the folder: each forged form
 * below passed (exit 0). Here the documents are not made again (that needs the runner's renderers), so each edit is also
 * "not the document the trace makes"; the finding asserted is the one a forger who renders them again still meets.
 */
class VerifyDeclaredFactsTest {

	private static final String RECIPE = """
			import "project.qr"

			recipe declared {
				responsible "Quantrace example"
				model cnn "model/fashion_cnn_trained.onnx" id FASHION-CNN version 1 framework "PyTorch 1.13.0"
				dataset calib "data/calibration" role calibration labels "data/labels.json"
				dataset eval "data/evaluation" role evaluation labels "data/labels.json" samples 100
				preprocess { grayscale scale 1/255 }
				convert { }
				schemes fiq_int8
				evaluate on eval
				document extends example_project {
					history "1.1" 2026/11/24 "Evaluated on 100 images"
				}
			}
			""";

	private static Path out;

	private static synchronized Path out() {
		if (out == null) {
			Path example = Runs.exampleCopy("declared");
			out = example.resolve("out");
			assertEquals(0, Runs.run(Runs.recipe(example, "declared.qr", RECIPE), out).exitCode());
		}
		return out;
	}

	/** A copy of the run with trace.xmi edited (each pair must occur) and every hash recomputed: verify's findings about the trace. */
	private static List<Problem> forged(String name, String... replacements) {
		Path forged = Tampering.edited(out(), out().resolveSibling("out-" + name), "trace.xmi", replacements);
		return Verification.verify(forged).problems().stream().filter(p -> p.file().equals("trace.xmi")).toList();
	}

	private static void found(List<Problem> problems, String what) {
		assertTrue(problems.stream().anyMatch(p -> p.what().contains(what) && p.what().contains("the recipe declares")), what + " not found: " + problems);
	}

	@Test
	void anHonestRunHoldsWhatItsRecipeDeclares() {
		Verification.Result verified = Verification.verify(out());
		assertTrue(verified.passed(), verified.problems().toString());
	}

	@Test
	void aTrainingFrameworkOtherThanTheRecipesIsFound() {
		// the original's record and the conversion's package row, as the logs print them
		found(forged("framework", "framework=\"PyTorch 1.13.0\"", "framework=\"PyTorch 2.1.0\"",
				"recipe declares for the verified model:\" version=\"PyTorch 1.13.0\"", "recipe declares for the verified model:\" version=\"PyTorch 2.1.0\""),
				"training framework: says PyTorch 2.1.0, the recipe declares PyTorch 1.13.0");
	}

	@Test
	void calibrationSettingsOtherThanTheSchemesAreFound() {
		List<Problem> problems = forged("calibration", "<calibration sampleCount=\"300\" batchSize=\"32\"", "<calibration sampleCount=\"3000\" batchSize=\"64\"");
		found(problems, "calibration samples: says 3000, the recipe declares 300");
		found(problems, "calibration batch size: says 64, the recipe declares 32");
	}

	@Test
	void aSchemeSettingOtherThanTheSchemesIsFound() {
		found(forged("scheme", "activationPrecision=\"uint8\" activationScheme=\"asymmetric\"", "activationPrecision=\"uint8\" activationScheme=\"symmetric\""),
				"activation scheme: says symmetric, the recipe declares asymmetric");
	}

	@Test
	void aDocumentBlockOtherThanTheRecipesIsFound() {
		// a history entry dated a month earlier, before the run as the check of dates requires
		List<Problem> problems = forged("history", "date=\"2026/11/24\"", "date=\"2026/10/24\"");
		assertTrue(problems.stream().anyMatch(p -> p.what().startsWith("its document block")), problems.toString());
	}

	@Test
	void aSeedOrResponsibleOtherThanTheRecipesIsFound() {
		List<Problem> problems = forged("seed", "recipeFolder=", "seed=\"7\" recipeFolder=", "responsible=\"Quantrace example\"", "responsible=\"An Assessor\"");
		found(problems, "seed: says 7, the recipe declares 0");
		found(problems, "responsible: says An Assessor, the recipe declares Quantrace example");
	}

	@Test
	void anOnnxRuntimeOtherThanTheOneThisQuantraceShipsIsFound() {
		String ours = org.quantrace.engine.runtime.InferenceSession.runtimeVersion();
		Path forged = Tampering.edited(out(), out().resolveSibling("out-runtime"), "trace.xmi", "\"ONNX Runtime (Java, CPU)\" version=\"" + ours + "\"",
				"\"ONNX Runtime (Java, CPU)\" version=\"9.99.0\"");
		List<Problem> problems = Verification.verify(forged).problems();
		assertTrue(problems.stream().anyMatch(p -> p.file().equals("trace.xmi") && p.what().startsWith("records ONNX Runtime (Java, CPU) 9.99.0, where Quantrace ")
				&& p.what().contains("ships ONNX Runtime " + ours)), problems.toString());
	}
}
