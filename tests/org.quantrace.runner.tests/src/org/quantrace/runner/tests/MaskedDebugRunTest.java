package org.quantrace.runner.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.quantrace.engine.Progress;
import org.quantrace.engine.quantize.MaskedSums;
import org.quantrace.runner.Verification;
import org.quantrace.runner.Verification.Problem;
import org.quantrace.testing.TestData;

import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.StringStringEntryProto;

/**
 * torch's MultiheadAttention with a causal and a key padding mask (tests/data/wild/masks33/mha.onnx, make_wild2.py mha) adds
 * Where(padding or causal, −inf, 0) to its scores. Its Softmax runs on codes (MaskedScores: the −inf mask's sum is not calibrated,
 * its range derived), so the masked entries saturate to the lowest code on purpose. The debugger compared that sum, −inf in float,
 * with the lowest code: SQNR ∞/∞ = NaN, rmse/scale ∞, and its findings advised float (masks33). The quantized model now marks the
 * sum (MaskedSums), the debugger measures it where the mask keeps it (debug.csv's column masked counts the others), and verify
 * binds the mark to the Softmax's quantization record: a mark forged onto another tensor, which would hide its error from the
 * debugger, is a mismatch.
 */
class MaskedDebugRunTest {

	private static final String SUM = "/att/Add_2_output_0";

	/** The run's folder and its log, made once for both tests. */
	private record Run(Path dir, Path out, String log) {
	}

	private static Run run;

	private static synchronized Run run() throws IOException {
		if (run != null) {
			return run;
		}
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
		java.io.StringWriter log = new java.io.StringWriter();
		org.quantrace.runner.RecipeRunner.Outcome outcome = org.quantrace.runner.RecipeRunner.run(recipe, new org.quantrace.runner.RunOptions(out,
				java.util.Set.of(), org.quantrace.runner.Shard.ALL, Runs.TIME, true, Progress.NONE, new java.io.PrintWriter(log, true)));
		assertEquals(0, outcome.exitCode(), log.toString());
		run = new Run(dir, out, log.toString());
		return run;
	}

	@Test
	void aRunQuantizingScoresMaskedWithMinusInfinityMeasuresTheSumWhereTheMaskKeepsIt() throws IOException {
		Path out = run().out();
		String log = run().log();

		String trace = Files.readString(out.resolve("trace.xmi"));
		assertTrue(trace.contains("the masked entries are −inf, which calibration cannot measure"), "the Softmax runs on codes, and says why");
		Path model = out.resolve("models/m/fiq_int8.onnx");
		ModelProto m = ModelProto.parseFrom(Files.readAllBytes(model));
		assertTrue(m.getMetadataPropsList().stream().anyMatch(e -> e.getKey().equals(MaskedSums.METADATA + SUM)), m.getMetadataPropsList().toString());

		String csv = Files.readString(out.resolve("debug/m/fiq_int8/debug.csv"));
		List<String> header = Arrays.asList(csv.lines().findFirst().orElseThrow().split(","));
		for (String row : csv.lines().filter(l -> l.contains("," + SUM + ",")).toList()) {
			String[] c = row.split(",");
			assertTrue(Long.parseLong(c[header.indexOf("masked")]) > 0 && Double.isFinite(Double.parseDouble(c[header.indexOf("sqnr")]))
					&& Double.parseDouble(c[header.indexOf("rmse_over_scale")]) < 1 && c[header.indexOf("flagged")].equals("false"),
					"the masked sum measured where the mask keeps it: " + row);
		}
		assertTrue(log.lines().anyMatch(l -> l.contains("Masked attention scores, measured where the mask keeps them") && l.contains("'" + SUM + "'"))
				&& log.lines().noneMatch(l -> l.contains("'" + SUM + "'") && (l.contains("leave those in float") || l.contains("Candidates"))), log);
		List<Problem> problems = Verification.verify(out).problems();
		assertTrue(problems.isEmpty(), problems.size() + " mismatches: " + problems);
		List<Problem> deep = Verification.verify(out, new Verification.Options(null, null, false, true, Progress.NONE)).problems();
		assertTrue(deep.isEmpty(), "the debugger run again reads the same mark: " + deep);
	}

	@Test
	void aMarkForgedOntoATensorOfRealErrorIsAMismatch() throws IOException {
		Path out = run().out();
		Path dir = run().dir();
		String csv = Files.readString(out.resolve("debug/m/fiq_int8/debug.csv"));
		List<String> header = Arrays.asList(csv.lines().findFirst().orElseThrow().split(","));
		ModelProto m = ModelProto.parseFrom(Files.readAllBytes(out.resolve("models/m/fiq_int8.onnx")));
		// forged: a mark on a tensor of real error (the attention's output projection), naming the scores, every hash put right
		String hidden = csv.lines().skip(1).map(l -> l.split(",")).filter(c -> c[header.indexOf("params_from")].isEmpty()
				&& c[header.indexOf("op")].equals("Gemm") && !c[header.indexOf("tensor")].equals(SUM)).map(c -> c[header.indexOf("tensor")]).findFirst()
				.orElseThrow(() -> new AssertionError(csv));
		String scores = m.getMetadataPropsList().stream().filter(e -> e.getKey().equals(MaskedSums.METADATA + SUM)).findFirst().orElseThrow().getValue();
		Path forged = dir.resolve("forged-mark");
		Runs.copy(out, forged);
		replaceModel(forged, "models/m/fiq_int8.onnx", m.toBuilder()
				.addMetadataProps(StringStringEntryProto.newBuilder().setKey(MaskedSums.METADATA + hidden).setValue(scores)).build().toByteArray());
		List<Problem> found = Verification.verify(forged).problems();
		assertTrue(found.stream().anyMatch(p -> p.file().equals("models/m/fiq_int8.onnx") && p.what().contains("metadata " + MaskedSums.METADATA + hidden)
				&& p.what().contains("which adds no mask")), found.toString());
		assertTrue(found.stream().noneMatch(p -> p.what().contains(MaskedSums.METADATA + SUM)), "the honest mark still holds: " + found);
	}

	/**
	 * {@link Tampering#replaceModel} for a run without an evaluation (no "model size" metric): the file replaced, its SHA-256 and
	 * size put right wherever the documents print them, every hash recomputed.
	 */
	private static void replaceModel(Path out, String relative, byte[] bytes) throws IOException {
		Path model = out.resolve(relative);
		String oldSha = org.quantrace.engine.SafeFiles.sha256(model);
		long oldSize = Files.size(model);
		Files.write(model, bytes);
		String sha = org.quantrace.engine.SafeFiles.sha256(bytes);
		for (String document : List.of("trace.xmi", "results.json", "report.html")) {
			Tampering.write(out.resolve(document), Tampering.read(out.resolve(document)).replace(oldSha, sha)
					.replace("sizeBytes=\"" + oldSize + "\"", "sizeBytes=\"" + bytes.length + "\"")
					.replace("\"sizeBytes\" : " + oldSize + ",", "\"sizeBytes\" : " + bytes.length + ",")
					.replace(String.format(java.util.Locale.ROOT, ">%,d<", oldSize), String.format(java.util.Locale.ROOT, ">%,d<", bytes.length))
					.replace(String.format(java.util.Locale.ROOT, ">%,d bytes<", oldSize), String.format(java.util.Locale.ROOT, ">%,d bytes<", bytes.length)));
		}
		Tampering.replaceInLogs(out, oldSha, sha);
		Tampering.rehashAll(out);
	}
}
