package org.quantrace.runner.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.quantrace.runner.Verification;
import org.quantrace.testing.TestModels;

/**
 * The conversion log's first page states the largest output difference between the original and the converted model; verify
 * makes that check again. Before, a converted model edited after the run (a weight x1.5), its hash put right everywhere and
 * every list recomputed, passed verify with 0 mismatches: nothing but its hash bound it (only --deep's evaluations saw it).
 */
class VerifyConversionTest {

	@Test
	void aConvertedModelEditedAfterTheRunIsFoundByTheConversionsCheckMadeAgain() {
		Path copy = Runs.exampleCopy("conversion");
		Path recipe = Runs.recipe(copy, "conv.qr", """
				recipe conv {
					model cnn "model/fashion_cnn_trained.onnx"
					dataset calib "data/calibration" role calibration format folder labels "data/labels.json"
					dataset eval "data/evaluation" role evaluation format folder labels "data/labels.json" samples 100
					preprocess { grayscale scale 1/255 layout NCHW dtype float32 }
					convert { eliminate dropout, batch-normalization }
					schemes unquantized
					evaluate on eval metrics accuracy
				}
				""");
		Path out = copy.resolve("out");
		assertEquals(0, Runs.run(recipe, out).exitCode());
		Verification.Result honest = Verification.verify(out);
		assertTrue(honest.passed(), honest.problems().toString());

		Path edited = Runs.copy(out, copy.resolve("edited"));
		Tampering.editInitializer(edited, "models/cnn/converted.onnx", TestModels.EXTERNAL_TENSOR, t -> Tampering.times(t, 0, 1.5f));
		Verification.Result r = Verification.verify(edited);
		assertFalse(r.passed(), "a converted model edited after the run");
		assertTrue(r.problems().stream().anyMatch(p -> p.file().equals("trace.xmi") && p.what().startsWith("conversion ") && p.what().contains(
				"maxAbsDifference: says ") && p.what().endsWith("the converted model is not the one the run checked")), r.problems().toString());
	}
}
