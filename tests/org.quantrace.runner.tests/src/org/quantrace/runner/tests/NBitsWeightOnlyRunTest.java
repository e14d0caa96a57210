package org.quantrace.runner.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.Test;
import org.quantrace.engine.data.NpyArray;
import org.quantrace.engine.runtime.NdArray;
import org.quantrace.model.trace.TraceModel;
import org.quantrace.runner.Verification;
import org.quantrace.testing.TestData;
import org.quantrace.testing.TestModels;

/**
 * A model in ONNX Runtime's int4 weight-only form (com.microsoft.MatMulNBits, make_unseen33's int4rows) quantized by a recipe:
 * it was read as a float model, and no record or log said that its layer computes on 4-bit codes the run did not choose. Now the
 * run warns as it does for a weight-only int8 model (model-weight-only), naming each node with its bits, block size and K x N,
 * the warning stands in the trace and both logs, and verify derives it again from the model file: a warning that says another
 * block size, or none at all, is named.
 */
class NBitsWeightOnlyRunTest {

	@Test
	void theInt4FormIsWarnedOfRecordedAndReDerived() throws IOException {
		Path dir = TestData.tempDir("nbits-weight-only");
		Files.createDirectories(dir);
		TestModels.write(dir.resolve("int4.onnx"), TestModels.nBitsMatMul());
		Random r = new Random(5);
		float[] x = new float[24 * 32];
		for (int i = 0; i < x.length; i++) {
			x[i] = r.nextFloat() * 2 - 1;
		}
		long[] y = new long[24];
		for (int i = 0; i < y.length; i++) {
			y[i] = i % 4;
		}
		NpyArray.write(dir.resolve("x.npy"), NdArray.ofFloats(new long[] { 24, 32 }, x));
		NpyArray.write(dir.resolve("y.npy"), NdArray.ofLongs(new long[] { 24 }, y));
		Path recipe = Runs.recipe(dir, "r.qr", """
				recipe r "ONNX Runtime's int4 weight-only MatMul" {
					responsible "test"
					model m "int4.onnx" id M version 1
					dataset calib "x.npy" labels "y.npy" role calibration format npy
					dataset eval "x.npy" labels "y.npy" role evaluation format npy
					convert { eliminate dropout }
					schemes unquantized, fiq_int8
					evaluate on eval metrics accuracy
				}
				""");
		Path out = dir.resolve("out");
		assertEquals(0, Runs.run(recipe, out).exitCode());

		String said = "1 com.microsoft.MatMulNBits on stored 4-bit weight codes in blocks of 16 along K, zero points stored ('fc_Q4' K 32 x N 16)";
		TraceModel trace = org.quantrace.model.QuantraceModel.loadTrace(out.resolve("trace.xmi"));
		assertTrue(trace.getWarnings().stream().anyMatch(w -> "model-weight-only".equals(w.getCode()) && w.getMessage().contains(said)), trace.getWarnings().toString());
		for (String log : List.of("logs/PhIMT0002-m.md", "logs/PhIMT0003-m.md")) {
			assertTrue(Files.readString(out.resolve(log)).contains("[model-weight-only]"), log);
			assertTrue(Files.readString(out.resolve(log)).replaceAll("\\s+", " ").contains("blocks of 16 along K"), log);
		}
		Verification.Result honest = Verification.verify(out);
		assertTrue(honest.passed(), honest.problems().toString());

		List<Verification.Problem> block = Tampering.traceForged(out, "block", t -> t.getWarnings().stream().filter(w -> "model-weight-only".equals(w.getCode()))
				.forEach(w -> w.setMessage(w.getMessage().replace("blocks of 16", "blocks of 32"))));
		assertTrue(block.stream().anyMatch(p -> p.what().contains("warning [model-weight-only] of model m: says") && p.what().contains("not said: '1 com.microsoft.MatMulNBits"
				+ " on stored 4-bit weight codes in blocks of 16")), block.toString());
		List<Verification.Problem> struck = Tampering.traceForged(out, "struck", t -> t.getWarnings().removeIf(w -> "model-weight-only".equals(w.getCode())));
		assertTrue(struck.stream().anyMatch(p -> p.what().contains("warning [model-weight-only] of model m: not recorded") && p.what().contains("'fc_Q4' K 32 x N 16")),
				struck.toString());
	}
}
