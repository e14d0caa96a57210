package org.quantrace.runner.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.quantrace.engine.Progress;
import org.quantrace.model.recipe.FactorizationTarget;
import org.quantrace.model.trace.RunWarning;
import org.quantrace.runner.RecipeRunner;
import org.quantrace.runner.RunOptions;
import org.quantrace.runner.Shard;
import org.quantrace.runner.Verification;
import org.quantrace.runner.Verification.Problem;
import org.quantrace.testing.TestData;

/**
 * What the logs and the console did not say (assessor16's open findings, fixed by assessor17). One run of the example CNN: a
 * channel prune whose every layer is excluded or reaches the output (it prunes nothing, as tf9cls's did: "achieved sparsity:
 * 0 %" and "Accepted." with no warning), a factorization of every target at rank 1 but the head (its target and exclusions
 * were in no record), and a recovery search of fiq_int8 on that factorized model, which fails the criterion itself.
 */
class AssessorOpenFindingsTest {

	private static final String RECIPE = """
			import "project.qr"

			recipe open17 {
				responsible "Quantrace example"
				model cnn "model/fashion_cnn_trained.onnx" id FASHION-CNN version 1
				dataset calib "data/calibration" role calibration labels "data/labels.json" samples 100
				dataset eval "data/evaluation" role evaluation labels "data/labels.json" samples 100
				preprocess { grayscale scale 1/255 }
				prune { pattern channel sparsity 20 % exclude "/features/*", "/classifier/classifier.1/*" }
				factorize { all rank 1 exclude "/classifier/classifier.4/*" }
				schemes fiq_int8
				evaluate on eval metrics accuracy
				accept when accuracy drop < 1 pt
				recover by partial-quantization search one-at-a-time trials 1
			}
			""";

	private static Path out;
	private static String console;
	private static RecipeRunner.Outcome outcome;

	@BeforeAll
	static void run() {
		Path dir = Runs.exampleCopy("assessor-open");
		out = dir.resolve("out");
		StringWriter log = new StringWriter();
		outcome = RecipeRunner.run(Runs.recipe(dir, "open.qr", RECIPE), new RunOptions(out, Set.of(), Shard.ALL, Runs.TIME, true, Progress.NONE, new PrintWriter(log)));
		console = log.toString();
		assertEquals(1, outcome.exitCode(), console + outcome.diagnostics());
	}

	private static final String SHORT = "prune: achieved sparsity 0 % of the 20 % requested, less than half of it: 4 layers were not pruned";

	/** (1) A prune step far below its request says so: console, trace (on the prune step's line), results.json, both logs' formats. */
	@Test
	void aPruneStepThatPrunesNothingWarns() throws IOException {
		assertTrue(console.contains("cnn: warning [prune-sparsity-short]: " + SHORT), console);
		RunWarning w = outcome.trace().getWarnings().stream().filter(x -> "prune-sparsity-short".equals(x.getCode())).findFirst().orElseThrow();
		assertEquals("cnn", w.getModel());
		assertEquals("open.qr", w.getFile());
		assertEquals(RECIPE.lines().toList().indexOf(RECIPE.lines().filter(l -> l.contains("prune {")).findFirst().orElseThrow()) + 1, w.getLine());
		String json = Files.readString(out.resolve("results.json"));
		assertTrue(json.contains("\"code\" : \"prune-sparsity-short\"") && json.contains("\"message\" : \"" + SHORT), json);
		for (String format : List.of("md", "html", "docx", "pdf")) {
			String text = LogFormatsTest.text(out.resolve("logs/PhIMT0003-cnn." + format)).replaceAll("\\s+", " ");
			assertTrue(text.contains(SHORT), format + ": " + text);
		}
	}

	@Test
	void theRunVerifiesClean() {
		assertEquals(List.of(), Verification.verify(out).problems());
	}

	/** The warning struck from the trace (every document made again without it): verify derives it from the pruning record. */
	@Test
	void aPruneWarningLeftOutIsFound() {
		List<Problem> problems = Tampering.traceForged(out, "no-prune-warning", t -> t.getWarnings().removeIf(x -> "prune-sparsity-short".equals(x.getCode())));
		assertTrue(problems.stream().anyMatch(p -> p.what().contains("warning [prune-sparsity-short]: recorded {}")), problems.toString());
	}

	/** (3) The factorize step's target and exclusions: in the record, in PhIMT0003's input-model row, held against the recipe. */
	@Test
	void theFactorizationTargetAndExclusionsAreStated() throws IOException {
		String stated = "layers all: Gemm and MatMul layers with a constant float weight matrix, and 1×1 Convs of one group; excluded: '/classifier/classifier.4/*'";
		for (String format : List.of("md", "docx")) {
			String text = LogFormatsTest.text(out.resolve("logs/PhIMT0003-cnn." + format)).replaceAll("\\s+", " ");
			assertTrue(text.contains("rank selection rank 1: each matrix at rank 1, or its own where smaller; " + stated), format + ": " + text);
		}
		List<Problem> problems = Tampering.traceForged(out, "factorize-target", t -> t.getOptimizations().forEach(o -> {
			o.getFactorization().setTarget(FactorizationTarget.DENSE);
			o.getFactorization().getExcludes().clear();
		}));
		assertTrue(problems.stream().anyMatch(p -> p.what().contains("factorization target: says dense, the recipe declares all")), problems.toString());
		assertTrue(problems.stream().anyMatch(p -> p.what().contains("factorization excluded: says [], the recipe declares [/classifier/classifier.4/*]")), problems.toString());
	}

	/** (4) Appendix F: shares printed as the log prints them ("97.37 %"), and a factorized layer's note says what it became. */
	@Test
	void appendixFPrintsSharesAndNotesAsTheLogDoes() throws IOException {
		String md = Files.readString(out.resolve("logs/PhIMT0003-cnn.md"));
		String appendix = md.substring(md.indexOf("Low-rank factorization per layer"));
		Matcher row = Pattern.compile("\\| /classifier/classifier\\.1/Gemm \\| 1/(\\d+) \\| ([\\d,]+) \\| ([\\d,]+) \\| (\\d+\\.\\d\\d) % \\| [^|]+ \\| (factorized: [^|]+) \\|")
				.matcher(appendix);
		assertTrue(row.find(), appendix);
		long before = Long.parseLong(row.group(2).replace(",", ""));
		long after = Long.parseLong(row.group(3).replace(",", ""));
		assertEquals(String.format(java.util.Locale.ROOT, "factorized: two layers through rank 1, %.2f %% fewer parameters", 100.0 * (before - after) / before),
				row.group(5).strip());
		assertFalse(appendix.substring(0, appendix.indexOf("\n\n", appendix.indexOf("| layer |"))).matches("(?s).*\\d%.*"), "no share without its space: " + appendix);
	}

	/** (5) The recovery search on a float model that fails the criterion itself says no quantized trial could meet it. */
	@Test
	void aRecoveryBeyondTheFloatModelSaysSo() throws IOException {
		Matcher said = Pattern.compile("cnn/fiq_int8: the float model the trials are quantized from \\(factorized\\) fails accuracy drop < 1 pt itself, measured "
				+ "([\\d.]+) pt: no quantized trial could meet it").matcher(console);
		assertTrue(said.find(), console);
		assertTrue(Double.parseDouble(said.group(1)) > 1, said.group());
		for (String format : List.of("md", "pdf")) {
			String text = LogFormatsTest.text(out.resolve("logs/PhIMT0003-cnn." + format)).replaceAll("\\s+", " ");
			assertTrue(text.contains("fails accuracy drop < 1 pt itself, measured " + said.group(1) + " pt: no quantized trial could meet it"), format + ": " + text);
		}
	}

	/**
	 * (2) ssim named on a model output that is no image (the zoo's unet: [N, 10] scores): refused at the metrics clause with what to
	 * write, where the run computed mse and psnr and left ssim out without a word.
	 */
	@Test
	void ssimOnAnOutputThatIsNoImageIsRefused() throws IOException {
		Path dir = TestData.tempDir("assessor-ssim");
		for (String f : List.of("unet.onnx", "data/calib300-images-idx3-ubyte.gz", "data/calib300-labels-idx1-ubyte.gz")) {
			Files.copy(TestData.data("zoo").resolve(f), dir.resolve(Path.of(f).getFileName().toString()));
		}
		String recipe = """
				recipe unet_ssim {
					responsible "tests"
					model unet "unet.onnx" id UNET version 1
				""" + ZooRuns.CALIBRATION + """
					schemes fiq_int8
					evaluate on calib metrics mse, psnr, ssim range 17
				}
				""";
		Files.writeString(dir.resolve("unet.qr"), recipe);
		RecipeRunner.Outcome r = Runs.run(dir.resolve("unet.qr"), dir.resolve("out"));
		assertEquals(2, r.exitCode(), r.diagnostics().toString());
		int line = recipe.lines().toList().indexOf(recipe.lines().filter(l -> l.contains("metrics mse")).findFirst().orElseThrow()) + 1;
		assertTrue(r.diagnostics().stream().anyMatch(d -> d.line() == line && d.message().contains("model unet's output 'logits' is [10] per sample, no image")
				&& d.message().endsWith("leave ssim out (metrics mse, psnr)")), r.diagnostics().toString());
		assertFalse(Files.exists(dir.resolve("out")), "nothing run");
		Files.writeString(dir.resolve("unet.qr"), recipe.replace("mse, psnr, ssim", "mse, psnr"));
		assertEquals(0, Runs.run(dir.resolve("unet.qr"), dir.resolve("out")).exitCode(), "the fix the message gives runs");
	}
}
