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
import java.util.stream.Stream;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.quantrace.engine.Progress;
import org.quantrace.model.QuantraceModel;
import org.quantrace.model.trace.TraceModel;
import org.quantrace.runner.Merger;
import org.quantrace.runner.Outputs;
import org.quantrace.runner.RecipeRunner;
import org.quantrace.runner.RunOptions;
import org.quantrace.runner.Shard;
import org.quantrace.runner.Verification;
import org.quantrace.testing.TestData;

/**
 * A share of a run says it is one in every document, and verify holds the pipelines a trace holds against those its recipe makes
 * for that share. Before: results.json and report.html of a shard said "accepted" as a whole run's do; a shard's folder whose
 * trace and documents were edited to read as the whole run (every list recomputed) verified clean; and a merged folder whose
 * merge record was struck out of the trace (SHA256SUMS recomputed) verified clean as a whole single run, exit 0.
 */
class ShareRecordsTest {

	private static Path copy;
	private static Path recipe;
	private static Path shard1;
	private static Path shard2;

	/** Three schemes dealt to two shards: shard 1/2 runs unquantized and drq_tensor (positions 0 and 2), shard 2/2 runs drq. */
	@BeforeAll
	static void shards() {
		copy = Runs.exampleCopy("share");
		recipe = Runs.recipe(copy, "share.qr", """
				recipe share {
					model cnn "model/fashion_cnn.onnx"
					quantize drq_tensor extends drq { weights int8 symmetric per-tensor }
					schemes unquantized, drq, drq_tensor
				}
				""");
		shard1 = copy.resolve("out-1");
		shard2 = copy.resolve("out-2");
		assertEquals(0, run(shard1, new Shard(1, 2), Runs.TIME));
		assertEquals(0, run(shard2, new Shard(2, 2), Runs.TIME.plusSeconds(60))); // the second job a minute later, as CI jobs run
	}

	private static int run(Path out, Shard shard, java.time.Instant time) {
		return RecipeRunner.run(recipe, new RunOptions(out, Set.of(), shard, time, true, Progress.NONE, new PrintWriter(new StringWriter()))).exitCode();
	}

	@Test
	void aShardsResultsAndReportSaySoAndAShardEditedToReadAsTheWholeRunIsFound() throws IOException {
		var share = TestData.json(shard2.resolve("results.json")).get("share");
		assertTrue(share != null && share.get("shard").asText().equals("2/2"), "results.json: " + share);
		assertTrue(share.get("says").asText().startsWith("Shard 2/2 of a run (run --shard): it covers that share of the run's variants only"), share.toString());
		assertTrue(Files.readString(shard2.resolve("report.html")).contains("<p class=\"share\">Shard 2/2 of a run (run --shard)"), "report.html");
		Verification.Result honest = Verification.verify(shard2);
		assertTrue(honest.passed(), honest.problems().toString());

		// results.json alone edited back to a whole run's (its lists recomputed): not the document the trace makes
		Path json = Runs.copy(shard2, copy.resolve("forged-json"));
		Tampering.write(json.resolve("results.json"), Tampering.read(json.resolve("results.json")).replaceAll("(?s)  \"share\" : \\{.*?\\},\n", ""));
		Tampering.resum(json);
		Verification.Result r1 = Verification.verify(json);
		assertTrue(r1.problems().stream().anyMatch(p -> p.file().equals("results.json")), r1.problems().toString());

		// the trace edited too, every document made again from it, every list recomputed: it holds one of the recipe's three pipelines
		Path whole = Runs.copy(shard2, copy.resolve("forged-whole"));
		Tampering.replace(whole.resolve("trace.xmi"), " shard=\"2/2\"", "");
		remadeFromTrace(whole);
		assertFalse(Tampering.read(whole.resolve("results.json")).contains("\"share\" : {"), "reads as the whole run");
		Verification.Result r2 = Verification.verify(whole);
		assertFalse(r2.passed(), "a shard read as the whole run");
		assertTrue(r2.problems().stream().anyMatch(p -> p.file().equals("trace.xmi") && p.what().startsWith("reads as the whole run of recipe share, which makes"
				+ " the pipelines [cnn/unquantized, cnn/drq, cnn/drq_tensor], but holds [cnn/drq] (missing [cnn/unquantized, cnn/drq_tensor])")), r2.problems().toString());
	}

	/**
	 * Without the recipe (--outputs-only, or a folder moved away from it) the pipelines are held against the folder's copy of the
	 * recipe (recipe/), whose SHA-256 must be the one the trace records. Before (main 0e99974): the shard read as the whole run
	 * passed verify --outputs-only, 0 mismatches (the check needed the recipe and was skipped).
	 */
	@Test
	void withoutTheRecipeTheFoldersCopyOfItIsUsed() throws IOException {
		Verification.Options only = new Verification.Options(null, null, true, false, Progress.NONE);
		Verification.Result honest = Verification.verify(shard2, only);
		assertTrue(honest.passed(), honest.problems().toString());
		assertTrue(honest.notes().stream().anyMatch(n -> n.startsWith("the pipelines were held against the recipe's copy in the folder, recipe/share.qr")), honest.notes().toString());

		Path whole = Runs.copy(shard2, copy.resolve("forged-whole-only"));
		Tampering.replace(whole.resolve("trace.xmi"), " shard=\"2/2\"", "");
		remadeFromTrace(whole);
		Verification.Result r = Verification.verify(whole, only);
		assertTrue(r.problems().stream().anyMatch(p -> p.file().equals("trace.xmi") && p.what().startsWith("reads as the whole run of recipe share, which makes"
				+ " the pipelines [cnn/unquantized, cnn/drq, cnn/drq_tensor], but holds [cnn/drq]")), r.problems().toString());

		// the copy edited to the one scheme the shard holds, its lists recomputed: not the recipe the trace records, so not used
		Path edited = Runs.copy(whole, copy.resolve("forged-copy"));
		Tampering.replace(edited.resolve("recipe/share.qr"), "schemes unquantized, drq, drq_tensor", "schemes drq");
		Tampering.resum(edited);
		Verification.Result r2 = Verification.verify(edited, only);
		assertFalse(r2.passed(), "an edited copy of the recipe");
		assertTrue(r2.problems().stream().anyMatch(p -> p.file().equals("recipe/share.qr") && p.what().contains("not used")), r2.problems().toString());
	}

	@Test
	void aMergedFolderWithoutItsMergeRecordIsNotAWholeSingleRun() throws IOException {
		Path merged = Merger.merge(List.of(shard1, shard2), copy.resolve("merged"));
		Verification.Result honest = Verification.verify(merged);
		assertTrue(honest.passed(), honest.problems().toString());

		// the merge record struck out of the trace, SHA256SUMS recomputed (main 20aa11e: 0 mismatches, exit 0)
		Path stripped = Runs.copy(merged, copy.resolve("stripped"));
		Tampering.write(stripped.resolve("trace.xmi"), Tampering.read(stripped.resolve("trace.xmi")).replaceAll("  <mergedShards [^\n]*\n", ""));
		Tampering.resum(stripped);
		Verification.Result r1 = Verification.verify(stripped);
		assertFalse(r1.passed(), "read as one run");
		assertTrue(r1.problems().stream().anyMatch(p -> p.file().equals("shards/1-of-2.SHA256SUMS") && p.what().contains("records no merge")), r1.problems().toString());

		// the kept lists removed too and every list and document made again: the records' dates and order are two runs'
		Files.delete(stripped.resolve("shards/1-of-2.SHA256SUMS"));
		Files.delete(stripped.resolve("shards/2-of-2.SHA256SUMS"));
		Files.delete(stripped.resolve("shards"));
		remadeFromTrace(stripped);
		Verification.Result r2 = Verification.verify(stripped);
		assertFalse(r2.passed(), "read as one run");
		assertTrue(r2.problems().stream().anyMatch(p -> p.file().equals("trace.xmi") && p.what().startsWith("record ") && p.what().contains(
				" is dated 2026-11-24T12:0") && p.what().contains(", where the run's time is 2026-11-24T12:0")), r2.problems().toString());
		assertTrue(r2.problems().stream().anyMatch(p -> p.file().equals("trace.xmi") && p.what().startsWith("holds its pipelines in the order [cnn/unquantized,"
				+ " cnn/drq_tensor, cnn/drq], where one run makes them in the recipe's order [cnn/unquantized, cnn/drq, cnn/drq_tensor]")), r2.problems().toString());
	}

	/** Every document, INVENTORY.sha256 and SHA256SUMS made again from the folder's (edited) trace, as a run's last step makes them. */
	private static void remadeFromTrace(Path out) throws IOException {
		TraceModel trace = QuantraceModel.loadTrace(out.resolve(Outputs.TRACE));
		for (String f : List.of(Outputs.TRACE, Outputs.RESULTS, Outputs.REPORT, Outputs.INVENTORY, Outputs.SUMS)) {
			Files.deleteIfExists(out.resolve(f));
		}
		try (Stream<Path> logs = Files.list(out.resolve("logs"))) {
			for (Path l : logs.toList()) {
				Files.delete(l);
			}
		}
		Outputs.writeAll(trace, out);
	}
}
