package org.quantrace.runner.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.quantrace.model.trace.OptimizationRecord;
import org.quantrace.model.trace.Parameter;
import org.quantrace.model.trace.TraceModel;
import org.quantrace.report.DynamicRangeForm;
import org.quantrace.runner.Verification;
import org.quantrace.runner.Verification.Problem;

/**
 * The technique row of a dynamic-range scheme that quantized no weight. unseen31's nam (every MatMul's weights of rank 3, then
 * refused) printed "dynamic-range quantization (DRQ), kernels auto: int8 weights; no dynamic integer kernel" beside "0 of 15 layers
 * quantized": no weight was int8. The row now says DynamicRangeForm.NO_WEIGHT, and verify holds either wording against the weight codes
 * the model stores: the example's CNN under drq with every layer excluded (none), and under drq (int8 weights dequantized at load).
 */
class VerifyDrqWeightsStatementTest {

	private static Path out;

	private static synchronized Path out() throws IOException {
		if (out == null) {
			Path dir = Runs.exampleCopy("verify-drq-weights");
			String recipe = Runs.exampleRecipe(dir, "cnn", "model/fashion_cnn_trained.onnx", "drq, no_weights").lines().filter(l -> !l.trim().startsWith("debug "))
					.reduce("", (a, b) -> a + b + "\n").replace("recipe fashion_cnn", """
							quantize no_weights extends drq {
								exclude op Conv
								exclude op Gemm
							}

							recipe fashion_cnn""");
			out = dir.resolve("out");
			assertEquals(0, Runs.run(Runs.recipe(dir, "drqw.qr", recipe), out).exitCode());
		}
		return out;
	}

	@Test
	void aDrqThatQuantizedNoWeightSaysSoAndVerifiesClean() throws IOException {
		String md = Files.readString(out().resolve("logs/PhIMT0003-cnn.md"));
		String none = table(md, "no_weights");
		assertTrue(none.contains("dynamic-range quantization (DRQ), kernels auto: no weight quantized (no layer's weights could be"), none);
		assertFalse(none.contains("int8 weights;"), none);
		assertTrue(none.contains("every layer computes in float32, from float32 weights: no weight is quantized"), "the calibration row: " + none);
		String drq = table(md, "drq");
		assertTrue(drq.contains("dynamic-range quantization (DRQ), kernels auto: int8 weights;"), drq);
		List<Problem> problems = Verification.verify(out()).problems();
		assertTrue(problems.isEmpty(), problems.size() + " mismatches: " + problems);
	}

	/** no_weights' record forged to name a layer with int8 weights dequantized at load: its logs say "int8 weights", the model holds none. */
	@Test
	void int8WeightsSaidOfAModelThatStoresNoneAreFound() throws IOException {
		List<Problem> r = Tampering.traceForged(out(), "int8-said", t -> form(t, "no_weights", DynamicRangeForm.WEIGHT_ONLY_LAYERS).setValue("/features/features.0/Conv"));
		for (String format : List.of("md", "html", "docx", "pdf")) {
			assertTrue(r.stream().anyMatch(p -> p.file().equals("logs/PhIMT0003-cnn." + format) && p.what().contains("Quantization technique, weights")
					&& p.what().contains("no integer weight codes in the model")), format + ": " + r);
		}
	}

	/** drq's record forged to name no layer with int8 weights (of either form): its logs say DynamicRangeForm.NO_WEIGHT of a model that stores them. */
	@Test
	void noWeightSaidOfAModelThatStoresInt8WeightsIsFound() throws IOException {
		List<Problem> r = Tampering.traceForged(out(), "none-said", t -> {
			form(t, "drq", DynamicRangeForm.WEIGHT_ONLY_LAYERS).setValue("");
			form(t, "drq", DynamicRangeForm.DYNAMIC_LAYERS).setValue("");
		});
		assertTrue(r.stream().anyMatch(p -> p.file().equals("logs/PhIMT0003-cnn.md") && p.what().contains("Quantization technique, weights")
				&& p.what().contains("says " + DynamicRangeForm.NO_WEIGHT + ", re-derived dynamic integer kernels on int8 weights")), r.toString());
	}

	/** The scheme's record of its layers of one form ({@link DynamicRangeForm}'s keys). */
	private static Parameter form(TraceModel t, String scheme, String key) {
		OptimizationRecord o = t.getOptimizations().stream().filter(x -> scheme.equals(x.getScheme())).findFirst().orElseThrow();
		return o.getQuantization().getAdditionalConfiguration().stream().filter(p -> key.equals(p.getKey())).findFirst().orElseThrow();
	}

	/** The Markdown table of scheme {@code scheme}'s optimization, up to the evaluation line under it. */
	private static String table(String md, String scheme) {
		int from = md.indexOf("Model optimization information (OPT-FASHION-CNN-1/cnn/" + scheme + ")");
		assertTrue(from >= 0, scheme + " not in " + md);
		return md.substring(from, md.indexOf("Evaluation of ", from));
	}
}
