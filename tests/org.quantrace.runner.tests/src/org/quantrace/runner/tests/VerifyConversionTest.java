package org.quantrace.runner.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;

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

	/**
	 * The integer weights are held against the float model they were quantized from: a converted model whose largest weight was
	 * made x1.5 after the run (every hash recomputed) has that weight 190 steps of its scale out, where the quantized model holds
	 * the type's bound, 127. Before, the check clamped what it expected to the type's range and found 127 = 127 (cbam9's
	 * channel-mean Conv: only the conversion check, which needs the original model, found the edit); checked here with
	 * --outputs-only, where that conversion check is not made.
	 */
	@Test
	void aConvertedWeightBeyondItsScalesRangeIsFoundByTheIntegerWeightCheck() {
		Path copy = Runs.exampleCopy("conversion-codes");
		Path recipe = Runs.fiqInt8Recipe(copy, "codes.qr", "codes", "model/fashion_cnn_trained.onnx");
		Path out = copy.resolve("out");
		assertEquals(0, Runs.run(recipe, out).exitCode());
		Verification.Options only = new Verification.Options(null, null, true, false, org.quantrace.engine.Progress.NONE);
		Verification.Result honest = Verification.verify(out, only);
		assertTrue(honest.passed(), honest.problems().toString());
		// what --outputs-only cannot bind is said on verify's last line (before: a note only), unless the fingerprint binds the folder
		assertEquals(List.of("1 converted model to its original"), honest.unbound());
		assertTrue(honest.notes().stream().anyMatch(n -> n.contains("Nothing in the folder binds a converted model to its original")), honest.notes().toString());
		String fingerprint = org.quantrace.engine.SafeFiles.sha256(out.resolve("SHA256SUMS"));
		Verification.Result bound = Verification.verify(out, new Verification.Options(null, fingerprint, true, false, org.quantrace.engine.Progress.NONE));
		assertTrue(bound.verified() && bound.unbound().isEmpty(), bound.toString());
		assertEquals(List.of(), Verification.verify(out).unbound(), "with the inputs, the conversion's check is made again");

		Path edited = Runs.copy(out, copy.resolve("edited"));
		Tampering.editInitializer(edited, "models/cnn/converted.onnx", TestModels.EXTERNAL_TENSOR, t -> Tampering.times(t, largest(t), 1.5f));
		Verification.Result r = Verification.verify(edited, only);
		assertFalse(r.passed(), "a converted weight edited after the run");
		assertTrue(r.problems().stream().anyMatch(p -> p.what().contains("tensor " + TestModels.EXTERNAL_TENSOR + " (weight) codes") && p.what().contains(
				"outside the range its scale was made for")), r.problems().toString());
	}

	/** The index of the largest magnitude of a raw float32 tensor. */
	private static int largest(ai.onnx.proto.OnnxMl.TensorProto t) {
		float[] v = Tampering.floats(t);
		int at = 0;
		for (int i = 1; i < v.length; i++) {
			at = Math.abs(v[i]) > Math.abs(v[at]) ? i : at;
		}
		return at;
	}
}
