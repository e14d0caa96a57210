package org.quantrace.runner.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.quantrace.runner.Verification;
import org.quantrace.runner.Verification.Problem;

/**
 * PhIMT0003 of a pruned float variant, read as an assessor files it (branch assessor16): the example CNN pruned by channel
 * (weights, 10 %) and kept unquantized. main (b8446c6a) printed its float input and output in "Quantization precision" as
 * "input, element type FLOAT32, scale 0, zero point 0" (no scale applies to float I/O) and the pruning sizes as
 * "model size: 892415 -> 723454 bytes", where every other figure of the log has thousands separators and the arrow →; and a
 * factorized input model's rank selection (the recipe's "energy 95 %") in no row, only the per-layer results.
 */
class AssessorFiledLogsTest {

	private static final String RECIPE = """
			import "project.qr"

			recipe filed {
				responsible "Quantrace example"
				model cnn "model/fashion_cnn_trained.onnx" id FASHION-CNN version 1
				dataset calib "data/calibration" role calibration labels "data/labels.json" samples 100
				dataset eval "data/evaluation" role evaluation labels "data/labels.json" samples 100
				preprocess { grayscale scale 1/255 }
				prune { pattern channel sparsity 10 % }
				factorize { dense energy 95 % }
				schemes unquantized
				evaluate on eval metrics accuracy
			}
			""";

	private static final String PRECISION = "| Quantization precision | not applicable: this variant is not quantized; its inputs and outputs as its model file holds "
			+ "them, no scale or zero point applying:<br>input 'input': float32<br>output 'logits': float32 |";

	private static Path out;

	@BeforeAll
	static void run() throws IOException {
		Path dir = Runs.exampleCopy("assessor-filed");
		out = dir.resolve("out");
		assertEquals(0, Runs.run(Runs.recipe(dir, "filed.qr", RECIPE), out).exitCode());
	}

	@Test
	void aFloatVariantsInputsAndOutputsHaveNoScale() throws IOException {
		String md = md();
		assertTrue(md.contains(PRECISION), md);
		assertFalse(md.contains("scale 0, zero point 0"), md);
		String html = LogFormatsTest.text(out.resolve("logs/PhIMT0003-cnn.html"));
		assertTrue(html.contains("no scale or zero point applying:</div><div>input 'input': float32</div><div>output 'logits': float32</div>"), html);
		for (String format : List.of("docx", "pdf")) {
			String text = LogFormatsTest.text(out.resolve("logs/PhIMT0003-cnn." + format)).replaceAll("\\s+", " ");
			assertTrue(text.contains("no scale or zero point applying: input 'input': float32 output 'logits': float32"), format + ": " + text);
		}
	}

	@Test
	void thePruningSizesArePrintedAsTheLogPrintsFigures() throws IOException {
		String md = md();
		Matcher size = Pattern.compile("<br>model size: (\\d{1,3}(?:,\\d{3})+) → (\\d{1,3}(?:,\\d{3})+) bytes<br>compressed size \\(deflate\\): "
				+ "(\\d{1,3}(?:,\\d{3})+) → (\\d{1,3}(?:,\\d{3})+) bytes<br>").matcher(md);
		assertTrue(size.find(), md);
		long after = Long.parseLong(size.group(2).replace(",", ""));
		assertEquals(Files.size(out.resolve("models/cnn/pruned.onnx")), after, "the pruned model's file: " + size.group());
		assertTrue(Files.exists(out.resolve("models/cnn/factorized.onnx")), "factorized after pruning");
		assertFalse(md.contains(" -> "), "no ASCII arrow in the log");
		for (String format : List.of("html", "docx", "pdf")) {
			String text = LogFormatsTest.text(out.resolve("logs/PhIMT0003-cnn." + format)).replaceAll("\\s+", " ");
			assertTrue(text.contains("model size: " + size.group(1) + " → " + size.group(2) + " bytes"), format + ": " + text);
		}
	}

	@Test
	void theLogsVerifyClean() {
		List<Problem> problems = Verification.verify(out).problems();
		assertEquals(List.of(), problems);
	}

	/** The float variant's input recorded int8 (every document made again from the trace): the precision row then says so, and verify names it. */
	@Test
	void aFloatInputSaidIntegerIsFound() {
		List<Problem> problems = Tampering.traceForged(out, "io-type", t -> t.getOptimizations().stream().filter(o -> o.getQuantization() == null)
				.findFirst().orElseThrow().getOutput().getInputs().get(0).setElementType("INT8"));
		for (String format : List.of("md", "html", "docx", "pdf")) {
			assertTrue(problems.stream().anyMatch(p -> p.file().equals("logs/PhIMT0003-cnn." + format) && p.what().contains("Quantization precision, input 'input' type")),
					format + ": " + problems);
		}
	}

	/** The float variant's output struck from the record: the precision row no longer names it, and verify says which is missing. */
	@Test
	void anOutputTheRowLeavesOutIsFound() {
		List<Problem> problems = Tampering.traceForged(out, "io-missing", t -> t.getOptimizations().stream().filter(o -> o.getQuantization() == null)
				.findFirst().orElseThrow().getOutput().getOutputs().clear());
		assertTrue(problems.stream().anyMatch(p -> p.file().equals("logs/PhIMT0003-cnn.md") && p.what().contains("Quantization precision, output 'logits'")),
				problems.toString());
	}

	private static String md() throws IOException {
		return Files.readString(out.resolve("logs/PhIMT0003-cnn.md"));
	}
	private static final String FACTORIZED = "<br>factorized by truncated SVD (W ≈ U · V), rank selection energy 95 %: each matrix at the smallest rank whose "
			+ "largest singular values keep at least 95 % of the sum of their squares; layers dense: Gemm and MatMul layers with a constant float weight matrix; "
			+ "excluded: none; each layer in the appendix Low-rank factorization per layer";

	@Test
	void theFactorizationsRankSelectionIsStatedWithTheInputModel() throws IOException {
		String md = md();
		String row = md.substring(md.indexOf("| Verified Learning Model ID or Model Conversion ID |"));
		row = row.substring(0, row.indexOf('\n'));
		assertTrue(row.contains("input model factorized (models/cnn/factorized.onnx)") && row.contains(FACTORIZED), row);
		String docx = LogFormatsTest.text(out.resolve("logs/PhIMT0003-cnn.docx")).replaceAll("\\s+", " ");
		assertTrue(docx.contains(FACTORIZED.substring(4)), docx);
	}

	/** The record's energy edited to 90 % (every document made again, saying 90 %): verify holds the record against the recipe's 95. */
	@Test
	void aForgedRankSelectionIsFound() {
		List<Problem> problems = Tampering.traceForged(out, "energy", t -> t.getOptimizations().stream().filter(o -> o.getFactorization() != null)
				.findFirst().orElseThrow().getFactorization().setValue(90));
		assertTrue(problems.stream().anyMatch(p -> p.what().contains("value") && p.what().contains("90") && p.what().contains("95")), problems.toString());
	}
}
