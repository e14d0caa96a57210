package org.quantrace.runner.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.quantrace.engine.Progress;
import org.quantrace.engine.onnx.OnnxModel;
import org.quantrace.engine.quantize.QuantizationSpec;
import org.quantrace.engine.quantize.Quantizer;
import org.quantrace.engine.quantize.Schemes;
import org.quantrace.runner.RecipeRunner;
import org.quantrace.runner.Verification;
import org.quantrace.testing.TestData;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * The warnings a run prints before its work are part of its records (wild README, left open 1 and 2): a weight-only model as
 * the recipe's model, a class folder of the calibration data emptied and {@code samples 5000} on the 1,000 evaluation images
 * each printed a warning, and then neither trace.xmi, results.json nor the logs said a word of them
 * ({@code grep -ri weight-only OUT} found nothing). Now each is recorded where it belongs, and verify derives those the files
 * bear out again: a record that leaves one out, or keeps one the files no longer bear out, is a mismatch.
 */
class RunWarningRecordsTest {

	private static Path example;
	private static Path recipe;
	private static Path out;
	private static RecipeRunner.Outcome outcome;

	/** Line numbers in {@link #RECIPE}: the model's, the calibration data's, the evaluation data's. */
	private static final int MODEL_LINE = 2;
	private static final int CALIB_LINE = 3;
	private static final int EVAL_LINE = 4;

	private static final String RECIPE = """
			recipe wo {
				model cnn "model/wo.onnx" id FASHION-CNN version 1
				dataset calib "data/calibration" role calibration labels "data/labels.json"
				dataset eval "data/evaluation" role evaluation labels "data/labels.json" samples 5000
				preprocess { grayscale scale 1/255 }
				convert { }
				schemes fiq_int8
				evaluate on eval metrics accuracy
				document { approved-by "B. Approver" reviewed-by "A. Reviewer" }
			}
			""";

	@BeforeAll
	static void run() throws IOException {
		example = Runs.exampleCopy("run-warnings");
		OnnxModel trained = OnnxModel.load(example.resolve("model/fashion_cnn_trained.onnx"));
		QuantizationSpec weightOnly = Schemes.preset("drq").toBuilder().kernels(QuantizationSpec.Kernels.WEIGHT_ONLY).build();
		Quantizer.quantize(trained, "cnn", weightOnly, null, Progress.NONE).model().save(example.resolve("model/wo.onnx"));
		try (Stream<Path> sandals = Files.list(example.resolve("data/calibration/sandal"))) {
			for (Path p : sandals.toList()) {
				Files.delete(p);
			}
		}
		recipe = Runs.recipe(example, "wo.qr", RECIPE);
		out = example.resolve("out");
		outcome = Runs.run(recipe, out);
	}

	@Test
	void theRunsWarningsAreInTheTraceAndResultsJsonAsPrinted() throws IOException {
		List<String> printed = outcome.diagnostics().stream().map(d -> d.code() + "@" + d.line()).toList();
		assertEquals(List.of("model-weight-only@" + MODEL_LINE, "data-empty-class@" + CALIB_LINE, "data-samples@" + EVAL_LINE), printed,
				"the premise, and the new data-samples warning on the dataset's line: " + outcome.diagnostics());
		assertTrue(outcome.exitCode() == 0 || outcome.exitCode() == 1, outcome.diagnostics().toString());

		JsonNode warnings = TestData.json(out.resolve("results.json")).get("warnings");
		assertTrue(warnings != null && warnings.isArray(), "results.json lists the run's warnings");
		List<String> recorded = new ArrayList<>();
		warnings.forEach(w -> recorded.add(w.get("code").asText() + "@" + w.get("line").asInt()));
		assertEquals(printed, recorded, warnings.toString());
		for (int i = 0; i < warnings.size(); i++) {
			assertEquals(outcome.diagnostics().get(i).message(), warnings.get(i).get("message").asText());
			assertEquals("wo.qr", warnings.get(i).get("file").asText(), "relative to the recipe's folder");
		}
		assertEquals("cnn", warnings.get(0).get("model").asText(), "the weight-only warning is about the original model");
		assertEquals("calib", warnings.get(1).get("dataset").asText());
		assertEquals("eval", warnings.get(2).get("dataset").asText());
		assertTrue(warnings.get(2).get("message").asText().startsWith("dataset eval (data/evaluation) declares samples 5000 but holds 1000"),
				warnings.get(2).toString());

		String trace = Files.readString(out.resolve("trace.xmi"));
		assertTrue(trace.contains("code=\"model-weight-only\"") && trace.contains("code=\"data-empty-class\"") && trace.contains("code=\"data-samples\""), trace);
	}

	/** The weight-only warning in both logs against the original model, the data warnings in the rows for additional information. */
	@Test
	void theLogsShowTheWarningsInTheTemplatesRows() throws IOException {
		for (String format : List.of("md", "html")) {
			String optimization = Files.readString(out.resolve("logs/PhIMT0003-cnn." + format));
			String conversion = Files.readString(out.resolve("logs/PhIMT0002-cnn." + format));
			assertTrue(optimization.contains("wo.qr:" + MODEL_LINE + ":") && optimization.contains("[model-weight-only] model cnn"), optimization);
			assertTrue(optimization.contains("[data-empty-class] dataset calib") && optimization.contains("[data-samples] dataset eval"), optimization);
			assertTrue(conversion.contains("[model-weight-only] model cnn") && conversion.contains("[data-samples] dataset eval"), conversion);
		}
		String md = Files.readString(out.resolve("logs/PhIMT0003-cnn.md"));
		String row = md.lines().filter(l -> l.startsWith("| Verified Learning Model ID or Model Conversion ID")).findFirst().orElse("");
		assertTrue(row.contains("[model-weight-only]"), "against the input model: " + row);
		String conversionRow = Files.readString(out.resolve("logs/PhIMT0002-cnn.md")).lines().filter(l -> l.startsWith("| Verified Learning Model ID "))
				.findFirst().orElse("");
		assertTrue(conversionRow.contains("[model-weight-only]"), "against the verified (original) model: " + conversionRow);
		assertTrue(Files.readString(out.resolve("report.html")).contains("wo.qr:" + MODEL_LINE + ":2: warning [model-weight-only] model cnn"),
				"the report lists them too");
		assertTrue(Verification.verify(out).passed(), Verification.verify(out).problems().toString());
	}

	/** A trace that leaves the weight-only warning out says less than the run knew: verify finds it, from the model file too. */
	@Test
	void verifyFindsAWarningLeftOutOfTheRecords() throws IOException {
		Path copy = Runs.copy(out, example.resolve("out-omitted"));
		String trace = Tampering.read(copy.resolve("trace.xmi"));
		String omitted = trace.replaceFirst("\\s*<warnings [^>]*code=\"model-weight-only\"[^>]*/>", "");
		assertFalse(omitted.equals(trace), "the premise: the trace records the warning");
		Tampering.write(copy.resolve("trace.xmi"), omitted);
		Tampering.resum(copy);
		String problems = Verification.verify(copy).problems().toString();
		assertTrue(problems.contains("warning [model-weight-only] of model cnn: not recorded"), "re-derived from the model file: " + problems);
		assertTrue(problems.contains("results.json: warnings"), "results.json against the trace: " + problems);
		assertTrue(problems.contains("Verified Learning Model ID or Model Conversion ID, warning"), "the log against the trace: " + problems);
		assertTrue(problems.contains("report.html: warnings"), "the report against the trace: " + problems);
	}

	/** A recorded warning the files no longer bear out (a float model put where the weight-only one was, the class folder filled again). */
	@Test
	void verifyFindsAWarningTheFilesDoNotBearOut() throws IOException {
		Path other = Runs.exampleCopy("run-warnings-other");
		Files.copy(other.resolve("model/fashion_cnn_trained.onnx"), other.resolve("model/wo.onnx"));
		Path copy = Runs.copy(out, other.resolve("out"));
		Files.writeString(other.resolve("wo.qr"), RECIPE);
		String problems = Verification.verify(copy).problems().toString();
		assertTrue(problems.contains("warning [model-weight-only] of model cnn: recorded, but model/wo.onnx stores no integer weight"), problems);
		assertTrue(problems.contains("warnings of dataset calib: says [[data-empty-class]"), "the sandal folder is not empty there: " + problems);
	}

	/**
	 * A warning of the recipe language (or the coarse-integers data-type check) that the trace records but the recipe and its
	 * inputs do not bear out: verify held such records against results.json and the logs only, never against the recipe, so a
	 * forged one (every document agreeing) passed. It now checks the recipe again as the run did and compares.
	 */
	@Test
	void verifyFindsALanguageWarningTheRecipeDoesNotBearOut() throws IOException {
		Path copy = Runs.copy(out, example.resolve("out-forged-warning"));
		assertTrue(Verification.verify(copy).passed(), "the premise: " + Verification.verify(copy).problems());
		String trace = Tampering.read(copy.resolve("trace.xmi"));
		java.util.regex.Matcher first = java.util.regex.Pattern.compile("<warnings [^>]*code=\"model-weight-only\"[^>]*/>").matcher(trace);
		assertTrue(first.find(), trace);
		String forged = first.group().replace("code=\"model-weight-only\"", "code=\"unused-setting\"").replaceFirst("message=\"[^\"]*\"",
				"message=\"bins is used by percentile, entropy and l2 calibration only; minmax ignores it\"").replaceFirst(" model=\"cnn\"", "");
		Tampering.write(copy.resolve("trace.xmi"), trace.replace(first.group(), first.group() + forged));
		Tampering.resum(copy);
		String problems = Verification.verify(copy).problems().toString();
		assertTrue(problems.contains("warnings of the recipe language and the data-type check: says [wo.qr:" + MODEL_LINE + ":2: warning [unused-setting] bins is used"),
				"re-derived from the recipe: " + problems);
		assertTrue(problems.contains("re-derived from the recipe and its inputs []"), problems);
	}

	/** validate prints the new warning on the dataset's line, as the run does. */
	@Test
	void validateSaysADatasetHoldsFewerSamplesThanItDeclares() {
		var samples = RecipeRunner.validate(recipe).stream().filter(d -> d.code().equals("data-samples")).toList();
		assertEquals(1, samples.size(), RecipeRunner.validate(recipe).toString());
		assertEquals(EVAL_LINE, samples.get(0).line());
		assertEquals(org.eclipse.xtext.diagnostics.Severity.WARNING, samples.get(0).severity());
		assertEquals("dataset eval (data/evaluation) declares samples 5000 but holds 1000: every step reads the 1000 it holds; declare samples 1000"
				+ " (or fewer), or add the missing samples", samples.get(0).message());
		assertTrue(TestData.json(out.resolve("results.json")).at("/models/0/variants/0/samples").asInt() == 1000, "the premise: 1,000 evaluated");
	}
}
