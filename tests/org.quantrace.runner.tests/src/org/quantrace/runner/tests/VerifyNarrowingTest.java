package org.quantrace.runner.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

import org.junit.jupiter.api.Test;
import org.quantrace.runner.Verification;
import org.quantrace.testing.Float64Models;
import org.quantrace.testing.TestData;

/**
 * A recipe whose convert block narrows a float64 model to float32 (round 19's f64, small): the run records the narrowing
 * (values rounded, largest relative rounding) in the trace and the conversion log, and verify makes both figures again from
 * the original's float64 values. Before, validate refused the model ("input 'x' is float64, which Quantrace cannot feed").
 */
class VerifyNarrowingTest {

	@Test
	void aFloat64ModelsNarrowingIsRecordedAndAForgedRoundingIsFound() {
		Path dir = TestData.tempDir("narrowing");
		Float64Models.write(dir);
		Path recipe = Runs.recipe(dir, "r.qr", """
				recipe r "A float64 model, converted" {
					responsible "test"
					model m "f64.onnx" id M version 1
					dataset calib "x.npy" labels "y.npy" role calibration format npy
					dataset eval "x.npy" labels "y.npy" role evaluation format npy
					convert { eliminate dropout }
					schemes unquantized, fiq_int8
					evaluate on eval metrics accuracy
				}
				""");
		Path out = dir.resolve("out");
		assertEquals(0, Runs.run(recipe, out).exitCode());
		double largest = 0;
		for (double w : Float64Models.weights()) {
			largest = Math.max(largest, Math.abs((float) w - w) / Math.abs(w));
		}
		String figure = "largest relative rounding " + String.format(Locale.ROOT, "%.3g", largest).replace("e-08", "e-8");
		assertEquals("largest relative rounding 3.97e-8", figure, "the kernel's rounding, derived here");
		String said = "9 float64 values rounded to float32, " + figure;
		assertTrue(Tampering.read(out.resolve("trace.xmi")).contains(said), "in the trace");
		assertTrue(Tampering.read(out.resolve("logs/PhIMT0002-m.md")).contains(said), "in the conversion log");
		Verification.Result honest = Verification.verify(out);
		assertTrue(honest.passed(), honest.problems().toString());

		// the figure forged in the trace and every format of the log alike, every hash recomputed
		Path forged = Runs.copy(out, dir.resolve("forged"));
		Tampering.replace(forged.resolve("trace.xmi"), figure, "largest relative rounding 1.00e-9");
		Tampering.replaceInLogs(forged, "3.97e-8", "1.00e-9"); // the number alone: the PDF breaks the line within the words
		Tampering.rehashAll(forged);
		Verification.Result r = Verification.verify(forged);
		assertFalse(r.passed(), "a forged narrowing figure");
		assertEquals(List.of("conversion " + "narrowing: says largest relative rounding 1.00e-9, the original's float64 values give "
				+ String.format(Locale.ROOT, "%.3g", largest)), r.problems().stream().filter(p -> p.what().contains("narrowing:"))
						.map(p -> p.what().replaceFirst("conversion \\S+ ", "conversion ")).toList(),
				r.problems().toString());
	}
}
