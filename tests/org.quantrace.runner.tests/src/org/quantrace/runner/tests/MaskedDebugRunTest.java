package org.quantrace.runner.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.quantrace.runner.Verification;
import org.quantrace.runner.Verification.Problem;
import org.quantrace.testing.TestData;

/**
 * torch's MultiheadAttention with a causal and a key padding mask (tests/data/wild/masks33/mha.onnx, make_wild2.py mha) adds
 * Where(padding or causal, −inf, 0) to its scores. Its Softmax runs on codes now (MaskedScores: the −inf mask's sum is not
 * calibrated, its range derived), so the debugger compares that sum, −inf in float, with the lowest code: its SQNR is ∞/∞,
 * NaN. debug.csv printed NaN where the trace held Double.MAX_VALUE (EvaluationRecords kept every non-finite SQNR so), and verify
 * found 3 mismatches in an honest run (the table's two rows and the SQNR chart drawn from the trace); the trace holds NaN.
 */
class MaskedDebugRunTest {

	@Test
	void aRunQuantizingScoresMaskedWithMinusInfinityVerifiesClean() throws IOException {
		Path dir = TestData.tempDir("masked-debug");
		Files.copy(TestData.data("wild/masks33").resolve("mha.onnx"), dir.resolve("mha.onnx"));
		for (String f : List.of("calib300-images-idx3-ubyte.gz", "calib300-labels-idx1-ubyte.gz")) {
			Files.copy(TestData.data("zoo").resolve("data").resolve(f), dir.resolve(f));
		}
		Path recipe = Files.writeString(dir.resolve("mha.qr"), """
				recipe mha "causal attention" {
					responsible "masks33"
					model m "mha.onnx"
					dataset calib "calib300-images-idx3-ubyte.gz" role calibration format idx labels "calib300-labels-idx1-ubyte.gz" samples 100
					preprocess { scale 1/255 layout NCHW dtype float32 }
					schemes fiq_int8
					debug fiq_int8 threshold rmse/scale > 0.5
				}
				""");
		Path out = dir.resolve("out");
		assertEquals(0, Runs.run(recipe, out).exitCode());

		String trace = Files.readString(out.resolve("trace.xmi"));
		assertTrue(trace.contains("the masked entries are −inf, which calibration cannot measure"), "the Softmax runs on codes, and says why");
		String csv = Files.readString(out.resolve("debug/m/fiq_int8/debug.csv"));
		assertTrue(csv.lines().anyMatch(l -> l.contains("/att/Add_2_output_0") && l.contains(",NaN,")), "the masked sum's SQNR is NaN: " + csv);
		List<Problem> problems = Verification.verify(out).problems();
		assertTrue(problems.isEmpty(), problems.size() + " mismatches: " + problems);
	}
}
