package org.quantrace.runner.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.quantrace.model.trace.OptimizationRecord;
import org.quantrace.model.trace.RecoveryRecord;
import org.quantrace.model.trace.TraceModel;
import org.quantrace.runner.Merger;
import org.quantrace.runner.Outputs;
import org.quantrace.dsl.RecipeFiles;
import org.quantrace.runner.RecipeRunner;
import org.quantrace.runner.Shard;
import org.quantrace.runner.Verification;
import org.quantrace.testing.TestData;

import com.fasterxml.jackson.databind.JsonNode;

/** Rejection, recovery by partial quantization, invalid recipes, and sharded runs merged. */
class RecipeOutcomesTest {

	private static final String DATA = """
				model cnn "model/fashion_cnn_trained.onnx" id FASHION-CNN version 1
				dataset calib "data/calibration" role calibration labels "data/labels.json"
				dataset eval "data/evaluation" role evaluation labels "data/labels.json"
				preprocess { grayscale scale 1/255 }
				convert { }
			""";

	/** fiq_int8 with the second convolution's range forced far too narrow: most of its outputs clip. */
	private static final String NARROW = """
				quantize narrow extends fiq_int8 {
					layer "/features/features.4/Conv" { range 0 to 0.2 }
				}
				schemes narrow
				evaluate on eval
				accept when accuracy drop < 1 pt
			""";

	private static Path example;
	private static RecipeRunner.Outcome recovered;

	/** The narrow scheme recovered by partial quantization (run once, for the tests that read it). */
	private static synchronized RecipeRunner.Outcome recovered() {
		if (recovered == null) {
			Path recipe = Runs.recipe(example, "recover.qr", "recipe recovery {\n" + DATA + NARROW
					+ "\trecover by partial-quantization search one-at-a-time trials 3 rank-by rmse/scale\n}\n");
			recovered = Runs.run(recipe, example.resolve("out-recover"));
			assertEquals(0, recovered.exitCode(), "accepted after recovery: " + recovered.diagnostics());
		}
		return recovered;
	}

	@BeforeAll
	static void copy() {
		example = Runs.exampleCopy("outcomes");
	}

	@Test
	void aFailingCriterionExitsWith1AndKeepsTheVariant() throws IOException {
		Path recipe = Runs.recipe(example, "narrow.qr", "recipe narrow {\n" + DATA + NARROW + "}\n");
		Path out = example.resolve("out-narrow");
		RecipeRunner.Outcome o = Runs.run(recipe, out);
		assertEquals(1, o.exitCode());
		JsonNode narrow = TestData.json(out.resolve("results.json")).at("/models/0/variants/2");
		assertEquals("narrow", narrow.get("variant").asText());
		assertFalse(narrow.get("accepted").asBoolean());
		assertTrue(narrow.at("/criteria/0/measured").asDouble() > 1, "the drop, in points: " + narrow.at("/criteria/0"));
		assertTrue(Files.isRegularFile(out.resolve("models/cnn/narrow.onnx")), "the rejected variant is still saved");
		theLogSaysRejected(out);
	}

	/** The PhIMT0003 of a rejected variant says so on its first page and shows the evaluation, the criterion and the decision. */
	private static void theLogSaysRejected(Path out) throws IOException {
		String log = Files.readString(out.resolve("logs/PhIMT0003-cnn.md"));
		String firstPage = log.substring(0, log.indexOf("Documentation Information"));
		assertTrue(firstPage.contains("Verdict: REJECTED. narrow rejected: accuracy drop < 1 pt not met (measured "), firstPage);
		String verdict = log.substring(log.indexOf("Appendix A. Evaluation and verdict"));
		assertTrue(verdict.matches("(?s).*\\| narrow \\| 0\\.\\d{3}↓ \\|.*"), "the evaluation table with the deck's marker: " + verdict);
		assertTrue(verdict.matches("(?s).*\\| narrow \\| accuracy drop < 1 pt \\| \\d+(\\.\\d+)? pt \\| not met \\| rejected \\|.*"), "the criterion, what was measured, rejected: "
				+ verdict);
		String table = log.substring(log.indexOf("Table 1. Model optimization information"), log.indexOf("id=\"acronyms\""));
		assertTrue(table.contains("Evaluation of narrow: rejected: accuracy drop < 1 pt not met"), table);
		try (org.apache.pdfbox.pdmodel.PDDocument pdf = org.apache.pdfbox.Loader.loadPDF(out.resolve("logs/PhIMT0003-cnn.pdf").toFile())) {
			org.apache.pdfbox.text.PDFTextStripper text = new org.apache.pdfbox.text.PDFTextStripper();
			text.setStartPage(1);
			text.setEndPage(1);
			String page1 = text.getText(pdf).replaceAll("\\s+", " ");
			assertTrue(page1.contains("Verdict: REJECTED. narrow rejected: accuracy drop < 1 pt not met"), "the PDF's first page: " + page1);
		}
	}

	@Test
	void partialQuantizationExcludesTheBrokenLayerAndLogsWhatRuns() throws IOException {
		RecipeRunner.Outcome o = recovered();
		Path out = o.out();
		OptimizationRecord opt = o.trace().getOptimizations().get(0);
		RecoveryRecord r = opt.getRecovery();
		assertEquals(1, r.getTrials().size(), "the worst layer first: one trial is enough");
		assertTrue(r.getTrials().get(0).isAccepted());
		assertEquals(1, r.getExcludedLayers().size());
		String excluded = r.getExcludedLayers().get(0).getKey();
		assertEquals("/features/features.4/Conv + /features/features.6/Relu", excluded, "the broken convolution, with the Relu fused into it");
		for (String node : excluded.split(" \\+ ")) {
			// between integer ops ONNX Runtime runs the excluded Conv on integers all the same (on the calibrated range of the
			// QuantizeLinear it reaches, not the fixed one that broke it), its Relu removed: this asserted them float, as the record said
			assertTrue(opt.getQuantization().getLayers().stream().anyMatch(l -> l.getNode().equals(node) && l.isQuantized()
					&& l.getReason().startsWith("accuracy recovery (partial quantization), but ONNX Runtime ")), "the kept model records what runs: " + node);
		}
		String log = Files.readString(out.resolve("logs/PhIMT0003-cnn.md"));
		assertTrue(log.contains("| Partial quantization configurations | one-at-a-time search over"), log);
		// and the log says so: it said "accepted with 1 layer in float ... left in float" of the layer its own table listed integer
		assertTrue(log.contains("accepted with 0 layers in float (1 excluded layer ONNX Runtime runs on integers all the same)<br>" + excluded
				+ ": excluded, but ONNX Runtime runs it on integers all the same (its layer record says why): rmse/scale"), log);
		assertFalse(log.contains("left in float:"), log);
		JsonNode narrow = TestData.json(out.resolve("results.json")).at("/models/0/variants/2");
		assertTrue(narrow.get("accepted").asBoolean(), narrow.toString());
	}

	/**
	 * The recovered variant's layers are held against the scheme with the recovery's exclusions (excl67): its Conv, excluded by
	 * the recovery and run on integers all the same, recorded quantized without saying it was excluded, every document made again,
	 * passed verify; and one of its float layers claimed excluded by the recipe, which excludes nothing.
	 */
	@Test
	void aRecoveredVariantsExclusionsAreHeldAgainstItsRecoveryRecord() {
		Path out = recovered().out();
		String conv = "/features/features.4/Conv";
		List<Verification.Problem> struck = Tampering.traceForged(out, "recovery-struck", t -> t.getOptimizations().stream().filter(x -> x.getRecovery() != null)
				.flatMap(x -> x.getQuantization().getLayers().stream()).filter(l -> l.getNode().equals(conv))
				.forEach(l -> l.setReason(l.getReason().replace("accuracy recovery (partial quantization), but ", ""))));
		Tampering.foundInTrace(struck, "scheme narrow) layer " + conv + ": recorded quantized", "where the recipe's scheme narrow with its accuracy recovery's"
				+ " exclusions excludes it: excluded by the accuracy recovery (node " + conv + ")");
		List<Verification.Problem> claimed = Tampering.traceForged(out, "recovery-claimed", t -> t.getOptimizations().stream().filter(x -> x.getRecovery() != null)
				.flatMap(x -> x.getQuantization().getLayers().stream()).filter(l -> l.getNode().equals("/classifier/classifier.4/Gemm"))
				.forEach(l -> l.setReason("excluded by the recipe, line 3 (node /classifier/*)")));
		Tampering.foundInTrace(claimed, "layer /classifier/classifier.4/Gemm reason: says excluded by the recipe, line 3 (node /classifier/*)",
				"no exclusion of the recipe's scheme narrow with its accuracy recovery's exclusions matches the layer");
	}

	/** Issue 16, item 3: the record of a recovered variant says, like any other, what reproduces it exactly. */
	@Test
	void aRecoveredVariantKeepsItsReproducibilityRecord() throws IOException {
		RecipeRunner.Outcome o = recovered();
		Path out = o.out();
		Path recipe = example.resolve("recover.qr");
		java.util.Map<String, String> config = new java.util.LinkedHashMap<>();
		o.trace().getOptimizations().get(0).getQuantization().getAdditionalConfiguration().forEach(p -> config.putIfAbsent(p.getKey(), p.getValue()));
		assertEquals("narrow (extends fiq_int8)", config.get("scheme"), config.toString());
		assertEquals("0", config.get("seed"), config.toString());
		assertTrue(config.getOrDefault("recipe", "").endsWith("(sha256 " + org.quantrace.engine.SafeFiles.sha256(recipe) + ")"), config.toString());
		assertTrue(config.getOrDefault("calibration data manifest", "").contains("sha256 "), config.toString());
		assertEquals("models/cnn/narrow.onnx (sha256 " + org.quantrace.engine.SafeFiles.sha256(out.resolve("models/cnn/narrow.onnx")) + ")",
				config.get("quantized model"), "the kept (recovered) model's hash");
		assertEquals("node /features/features.4/Conv, node /features/features.6/Relu", config.get("exclusions"),
				"the layers recovery left in float reproduce it");
	}

	/** Issue 16, item 4: a bin count the histogram cannot take is a validation error, not a crash in the middle of the run. */
	@Test
	void aBinCountTheEngineRefusesStopsTheRunBeforeItStarts() {
		Path recipe = Runs.recipe(example, "bins.qr", "recipe odd_bins {\n" + DATA
				+ "\tquantize odd extends fiq_int8 { calibrate percentile 99.9 bins 129 }\n\tschemes odd\n}\n");
		Path out = example.resolve("out-bins");
		RecipeRunner.Outcome o = Runs.run(recipe, out);
		assertEquals(2, o.exitCode(), o.diagnostics().toString());
		RecipeFiles.Diagnostic error = firstError(o); // after the recipe's missing-approver warning (no document block)
		assertEquals("value-range", error.code());
		assertTrue(error.message().contains("129"), error.message());
		assertFalse(Files.exists(out));
	}

	private static RecipeFiles.Diagnostic firstError(RecipeRunner.Outcome o) {
		return o.diagnostics().stream().filter(d -> d.severity() == org.eclipse.xtext.diagnostics.Severity.ERROR).findFirst()
				.orElseThrow(() -> new AssertionError(o.diagnostics()));
	}

	@Test
	void anInvalidRecipeRunsNothing() {
		Path recipe = Runs.recipe(example, "invalid.qr", "recipe invalid {\n" + DATA + "\tschemes fiq_int4\n}\n");
		Path out = example.resolve("out-invalid");
		RecipeRunner.Outcome o = Runs.run(recipe, out);
		assertEquals(2, o.exitCode());
		assertEquals("unknown-scheme", firstError(o).code());
		assertEquals(7, firstError(o).line());
		assertFalse(Files.exists(out));
	}

	/**
	 * run --only left the recipe's other schemes out and nothing said so: the logs gave the verdict of the schemes run as the
	 * recipe's. The trace records the selection and the logs' first page says it.
	 */
	/**
	 * A scheme that leaves an unconverted model unquantized writes a copy of it with the input's kind (ORIGINAL): the
	 * records name that copy in the output folder, not the input's place (they named the hidden work folder the run
	 * renames away), and verify checks it is there.
	 */
	@Test
	void anUnquantizedCopyOfAnUnconvertedInputIsRecordedWhereTheRunWroteIt() throws IOException {
		Path copy = Runs.exampleCopy("unquantized-copy");
		Path recipe = Runs.recipe(copy, "plain.qr", "recipe plain {\n\tmodel cnn \"model/fashion_cnn.onnx\" framework \"PyTorch 1.13.0\"\n\tschemes unquantized\n}\n");
		Path out = copy.resolve("out");
		RecipeRunner.Outcome o = Runs.run(recipe, out);
		assertEquals(0, o.exitCode(), o.diagnostics().toString());
		TraceModel trace = org.quantrace.model.QuantraceModel.loadTrace(out.resolve("trace.xmi"));
		var unquantized = trace.getArtifacts().stream().filter(a -> "unquantized".equals(a.getScheme())).findFirst().orElseThrow();
		assertEquals(org.quantrace.model.trace.ArtifactKind.ORIGINAL, unquantized.getKind(), "the input's kind, no step converted it");
		assertTrue(Files.isRegularFile(out.resolve(unquantized.getPath())) && !unquantized.getPath().contains(".run"), unquantized.getPath());
		assertEquals(unquantized.getSha256(), org.quantrace.engine.SafeFiles.sha256(out.resolve(unquantized.getPath())));
		JsonNode variant = null;
		for (JsonNode v : new com.fasterxml.jackson.databind.ObjectMapper().readTree(out.resolve("results.json").toFile()).at("/models/0/variants")) {
			variant = "unquantized".equals(v.path("scheme").asText()) ? v : variant;
		}
		assertEquals(unquantized.getPath(), variant.path("file").asText(), variant.toString());
		assertTrue(variant.path("input").isMissingNode(), "only the recipe's model is an input: " + variant);
		Verification.Result honest = Verification.verify(out);
		assertTrue(honest.passed(), honest.problems().toString());
		// the copy taken away, the sums written again: the trace still records it
		Files.delete(out.resolve(unquantized.getPath()));
		Tampering.resum(out);
		Verification.Result missing = Verification.verify(out);
		assertTrue(missing.problems().stream().anyMatch(p -> p.toString().contains("missing: the trace records it as model " + unquantized.getId())),
				missing.problems().toString());
	}

	@Test
	void aRunOfSomeSchemesSaysSo() throws IOException {
		Path copy = Runs.exampleCopy("only");
		Path recipe = Runs.recipe(copy, "only.qr", "recipe only {\n\tmodel cnn \"model/fashion_cnn.onnx\"\n\tschemes unquantized, drq\n}\n");
		Path out = copy.resolve("out-only");
		org.quantrace.runner.RunOptions options = new org.quantrace.runner.RunOptions(out, java.util.Set.of("drq"), Shard.ALL, Runs.TIME, true,
				org.quantrace.engine.Progress.NONE, new java.io.PrintWriter(new java.io.StringWriter()));
		assertEquals(0, RecipeRunner.run(recipe, options).exitCode());
		assertEquals(List.of("drq"), org.quantrace.model.QuantraceModel.loadTrace(out.resolve("trace.xmi")).getOnlySchemes());
		String log = Files.readString(out.resolve("logs/PhIMT0003-cnn.md"));
		assertTrue(log.contains("Run with --only drq: this log covers those schemes of the recipe only."), log.substring(0, Math.min(log.length(), 3000)));
		Verification.Result r = Verification.verify(out);
		assertTrue(r.passed() && r.notes().stream().anyMatch(n -> n.startsWith("run with --only drq")), r.problems() + " " + r.notes());
	}

	@Test
	void shardsMergeIntoTheWholeRun() throws IOException {
		Path base = TestData.tempDir("shards");
		Path a = base.resolve("shard-1");
		Path b = base.resolve("shard-2");
		assertEquals(0, Runs.run(TestData.example("fashion_cnn.qr"), a, new Shard(1, 2), org.quantrace.engine.Progress.NONE).exitCode());
		assertEquals(0, Runs.run(TestData.example("fashion_cnn.qr"), b, new Shard(2, 2), org.quantrace.engine.Progress.NONE).exitCode());
		Path merged = Merger.merge(List.of(a, b), base.resolve("merged"));
		List<String> schemes = new java.util.ArrayList<>();
		TestData.json(merged.resolve("results.json")).at("/models/0/variants").forEach(v -> {
			if (v.has("scheme")) {
				schemes.add(v.get("scheme").asText());
			}
		});
		assertEquals(List.of("unquantized", "drq", "fiq_float32", "fiq_int8", "fiq_uint8"), schemes.stream().sorted(
				java.util.Comparator.comparingInt(List.of("unquantized", "drq", "fiq_float32", "fiq_int8", "fiq_uint8")::indexOf)).toList());
		assertEquals(5, schemes.size());
		Verification.Result honest = Verification.verify(merged);
		assertTrue(honest.passed(), honest.problems().toString());
		assertTrue(Files.readString(merged.resolve("logs/PhIMT0003-cnn.md")).split("\\*Table ").length - 1 == 4, "the four quantized schemes");
		// the merge is recorded as one: which shards, their fingerprints (what their runs printed last), their lists kept
		TraceModel trace = org.quantrace.model.QuantraceModel.loadTrace(merged.resolve("trace.xmi"));
		assertEquals(List.of("1/2 " + Outputs.fingerprint(a) + " shards/1-of-2.SHA256SUMS", "2/2 " + Outputs.fingerprint(b) + " shards/2-of-2.SHA256SUMS"),
				trace.getMergedShards().stream().map(r -> r.getIndex() + "/" + r.getCount() + " " + r.getFingerprint() + " " + r.getSumsPath()).toList());
		assertEquals("2/2", org.quantrace.model.QuantraceModel.loadTrace(b.resolve("trace.xmi")).getShard(), "a shard says it is one");
		// and so do its logs, on the first page, before the verdict of its share (it read as the whole run's); the merged logs do not
		assertTrue(Files.readString(b.resolve("logs/PhIMT0003-cnn.md")).contains("Shard 2/2 of a run (run --shard): this log covers that share of the run's"
				+ " variants only"), "the shard's first page");
		assertFalse(Files.readString(merged.resolve("logs/PhIMT0003-cnn.md")).contains("of a run (run --shard)"), "the merged first page");
		Verification.Result shard = Verification.verify(b);
		assertTrue(shard.passed() && shard.notes().stream().anyMatch(n -> n.startsWith("shard 2/2 of a run")), shard.problems() + " " + shard.notes());
		assertEquals(null, trace.getShard());
		assertTrue(honest.notes().stream().anyMatch(n -> n.startsWith("merged from shards 1/2 (fingerprint " + Outputs.fingerprint(a) + "), 2/2")), honest.notes().toString());
		// a copied file changed in the merged folder with its new lists recomputed: the shard's list still names the file as its run wrote it
		Path copy = Runs.copy(merged, base.resolve("merged-edited"));
		Path csv;
		try (java.util.stream.Stream<Path> files = Files.walk(copy.resolve("data"))) {
			csv = files.filter(p -> p.toString().endsWith(".manifest.txt")).sorted().findFirst().orElseThrow();
		}
		String rel = copy.relativize(csv).toString().replace('\\', '/');
		Files.writeString(csv, Files.readString(csv) + "\n");
		Tampering.rehashAll(copy);
		Verification.Result edited = Verification.verify(copy, new Verification.Options(null, null, true, false, org.quantrace.engine.Progress.NONE));
		assertTrue(edited.problems().stream().anyMatch(p -> p.file().equals(rel) && p.what().endsWith("SHA256SUMS lists "
				+ Tampering.read(copy.resolve("shards/1-of-2.SHA256SUMS")).lines().filter(l -> l.endsWith("  " + rel)).findFirst().orElseThrow().substring(0, 64)
				+ ": changed after the shard's run")), edited.problems().toString());
		// and the kept list edited to match: its fingerprint is no longer the one the trace records
		Files.writeString(copy.resolve("shards/1-of-2.SHA256SUMS"), Tampering.read(copy.resolve("shards/1-of-2.SHA256SUMS")).replaceAll(
				"[0-9a-f]{64}  " + java.util.regex.Pattern.quote(rel), org.quantrace.engine.SafeFiles.sha256(csv) + "  " + rel));
		Tampering.rehashAll(copy);
		Verification.Result relisted = Verification.verify(copy, new Verification.Options(null, null, true, false, org.quantrace.engine.Progress.NONE));
		assertTrue(relisted.problems().stream().anyMatch(p -> p.file().equals("shards/1-of-2.SHA256SUMS") && p.what().contains("records shard 1/2's fingerprint "
				+ Outputs.fingerprint(a) + ": the shard's list was changed after the merge")), relisted.problems().toString());
		// one of two shards merged alone read as the whole run; a whole run is no shard
		org.quantrace.engine.InvalidInputException one = org.junit.jupiter.api.Assertions.assertThrows(org.quantrace.engine.InvalidInputException.class,
				() -> Merger.merge(List.of(b), base.resolve("merged-one")));
		assertTrue(one.getMessage().startsWith("shard 1/2 missing"), one.getMessage());
		org.quantrace.engine.InvalidInputException twice = org.junit.jupiter.api.Assertions.assertThrows(org.quantrace.engine.InvalidInputException.class,
				() -> Merger.merge(List.of(a, a), base.resolve("merged-twice")));
		assertTrue(twice.getMessage().contains("is shard 1/2, as"), twice.getMessage());
		assertFalse(Files.exists(base.resolve("merged-one")) || Files.exists(base.resolve("merged-twice")));
	}
	/**
	 * merge copied a shard's files as they were and wrote new SHA256SUMS and INVENTORY.sha256 over them: a debugger chart (or
	 * any file only the checksums vouch for) edited in a shard after its run verified clean in the merged folder (hostile3).
	 * merge now refuses a shard whose files differ from its own lists, before it writes anything.
	 */
	@Test
	void aShardEditedAfterItsRunIsNotMerged() throws IOException {
		Path base = TestData.tempDir("shard-edited");
		Path shard = base.resolve("shard-2");
		assertEquals(0, Runs.run(TestData.example("fashion_cnn.qr"), shard, new Shard(2, 2), org.quantrace.engine.Progress.NONE).exitCode());
		Path chart;
		try (java.util.stream.Stream<Path> files = Files.walk(shard)) { // the debugger's charts, in the shard that debugs; else the manifest
			chart = files.filter(p -> p.toString().endsWith(".svg")).sorted().findFirst().orElse(shard.resolve("data/calib.manifest.txt"));
		}
		Files.writeString(chart, Files.readString(chart) + "\n<!-- all layers healthy -->\n");
		org.quantrace.engine.InvalidInputException e = org.junit.jupiter.api.Assertions.assertThrows(org.quantrace.engine.InvalidInputException.class,
				() -> Merger.merge(List.of(shard), base.resolve("merged")));
		assertTrue(e.getMessage().contains(shard + ": is not as its run wrote it (2 mismatches with its SHA256SUMS and INVENTORY.sha256, e.g. "
				+ shard.relativize(chart).toString().replace('\\', '/') + ": SHA-256 is "), e.getMessage());
		assertFalse(Files.exists(base.resolve("merged")));
	}

	/**
	 * A README.txt among the calibration images was skipped without a word: the run names it in a warning on the dataset's
	 * line and goes on. A .bmp among the .png looks like a sample the default extensions leave out: an error on the dataset's
	 * line (it was a message naming the file but not the recipe), nothing run.
	 */
	@Test
	void filesOfADatasetFolderThatAreNotReadAreSaidOnTheDatasetsLine() throws IOException {
		Path copy = Runs.exampleCopy("stray-files");
		Files.writeString(copy.resolve("data/calibration/README.txt"), "300 Fashion-MNIST training images\n");
		String text = "recipe stray {\n" + DATA + "\tschemes unquantized\n}\n";
		Path recipe = Runs.recipe(copy, "stray.qr", text);
		long line = text.lines().takeWhile(l -> !l.contains("dataset calib ")).count() + 1;
		RecipeRunner.Outcome o = Runs.run(recipe, copy.resolve("out"));
		assertEquals(0, o.exitCode(), o.diagnostics().toString());
		var warning = o.diagnostics().stream().filter(d -> d.code().equals("data-unread-files")).findFirst().orElseThrow(() -> new AssertionError(o.diagnostics()));
		assertEquals(org.eclipse.xtext.diagnostics.Severity.WARNING, warning.severity());
		assertEquals(line, warning.line(), warning.toString());
		assertEquals("dataset calib (data/calibration): 1 file is not read: README.txt (the dataset is the jpeg, jpg, png images in its class folders);"
				+ " remove it from the dataset folder, or declare its extension if it is a sample", warning.message());

		Files.write(copy.resolve("data/calibration/bag/00001.bmp"), new byte[] { 'B', 'M' });
		Path out = copy.resolve("out-bmp");
		RecipeRunner.Outcome bmp = Runs.run(recipe, out);
		assertEquals(2, bmp.exitCode(), bmp.diagnostics().toString());
		var error = bmp.diagnostics().stream().filter(d -> d.code().equals("data-unreadable")).findFirst().orElseThrow(() -> new AssertionError(bmp.diagnostics()));
		assertEquals(line, error.line(), error.toString());
		assertTrue(error.message().contains("00001.bmp: looks like a sample (.bmp) but the dataset reads only jpeg, jpg, png files"), error.message());
		assertTrue(error.message().contains("extensions \"jpeg\", \"jpg\", \"png\", \"bmp\""), error.message());
		assertFalse(Files.exists(out));
	}
	/**
	 * The recovery trials in Table 1 (Partial quantization configurations) and Appendix A in one wording, each measured value with
	 * the criterion's unit (assessor16): main (b8446c6a) printed "1, excluded ..., metric accuracy drop < 1 pt, value 5.333333333,
	 * accepted no" in Table 1 and a bare "5.333" in Appendix A, beside the criteria table's "5.333 pt".
	 */
	@Test
	void eachRecoveryTrialIsPrintedWithItsUnit() throws IOException {
		recovered();
		TraceModel trace = org.quantrace.model.QuantraceModel.loadTrace(example.resolve("out-recover/trace.xmi"));
		RecoveryRecord r = trace.getOptimizations().stream().map(OptimizationRecord::getRecovery).filter(x -> x != null && !x.getTrials().isEmpty())
				.findFirst().orElseThrow();
		var first = r.getTrials().get(0);
		String measured = String.format(java.util.Locale.ROOT, "%.4g", first.getValue()).replaceAll("\\.?0+$", "");
		String md = Files.readString(example.resolve("out-recover/logs/PhIMT0003-cnn.md"));
		String row = md.substring(md.indexOf("| Partial quantization configurations |"));
		row = row.substring(0, row.indexOf('\n'));
		String line = "trial 1: " + String.join(", ", first.getExcluded()) + " left in float; accuracy drop < 1 pt: measured ";
		assertTrue(row.contains("<br>" + line), row);
		assertFalse(row.contains("value " + first.getValue()) || row.contains("accepted no"), row);
		assertTrue(md.contains("| 1 | " + String.join(", ", first.getExcluded()) + " | accuracy drop < 1 pt | "), md);
		String cell = md.substring(md.indexOf("| 1 | " + String.join(", ", first.getExcluded()) + " | accuracy drop < 1 pt | "));
		assertTrue(cell.substring(0, cell.indexOf('\n')).matches("\\| 1 \\| .* \\| -?[0-9.e-]+ pt \\| (accepted|rejected) \\|"), cell.substring(0, cell.indexOf('\n')));
		assertTrue(row.matches(".*measured -?[0-9.e-]+ pt, (accepted|rejected).*"), measured + ": " + row);
	}
}
