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
import org.quantrace.runner.Verification;
import org.quantrace.runner.Verification.Problem;
import org.quantrace.testing.TestData;

/**
 * The logs of a model other than the example CNN, read as an assessor files them (branch assessor15): a small trained attention
 * CNN (tests/data/wild/make_assessor15.py) whose conversion does what round 28's lambdanet's does: Reshape targets made constant
 * in place, Einsums rewritten as Transpose + MatMul (nodes added), a BatchNormalization after a Reshape made a per-channel Mul and
 * Add, which fiq_int8 then makes one depthwise Conv. main (e80ddf96) said its running statistics were "folded into the preceding
 * layer's weights and bias" (none precedes it), "24 nodes removed" of a graph that lost 21 (36 - 24 is not the 21 after), drq's
 * "dynamic integer kernels: " with nothing after, and left fiq_int8's cell of the Add blank.
 */
class AssessorWildLogTest {

	private static final String GRAPH = "graph: 36 nodes in the verified model, 21 after conversion; 21 nodes removed or folded into a neighbour "
			+ "(Appendix A), 19 of them constants (computable before any input arrives); besides, 3 Reshape targets computed at run time made "
			+ "constant in place (Appendix A's rows marked (target); the Reshapes themselves stay); 6 nodes added by the rewrites above: "
			+ "36 − 21 + 6 = 21";

	private static final String STATISTICS = "Running statistics made a per-channel Mul by scale / sqrt(input_var + epsilon) and Add of "
			+ "B - input_mean * scale / sqrt(input_var + epsilon): no layer beside it has weights that could take them";

	private static final String TAKEN = "no layer of its own in this model: taken into /bn/BatchNormalization_mul (index 14; its cell says how)";

	private static Path out;

	@BeforeAll
	static void run() throws IOException {
		Path dir = Runs.exampleCopy("assessor-wild");
		Files.copy(TestData.data("wild/assessor15/attn15.onnx"), dir.resolve("model/attn15.onnx"));
		out = dir.resolve("out");
		int exit = Runs.run(Runs.recipe(dir, "attn.qr", Runs.exampleRecipe(dir, "attn", "model/attn15.onnx", "drq, fiq_int8")), out).exitCode();
		assertTrue(exit == 0 || exit == 1, "written (the example's criteria are no matter here): exit " + exit);
	}

	@Test
	void aBatchNormMadeMulAndAddSaysSoAndNotThatItWasFolded() throws IOException {
		String md = md("PhIMT0002");
		String row = md.substring(md.indexOf("| Batch Normalization |"), md.indexOf("| Gradient Clipping |"));
		assertTrue(row.contains("/bn/BatchNormalization (made a per-channel Mul and Add). " + STATISTICS), row);
		assertFalse(md.contains("preceding layer's weights"), md);
	}

	@Test
	void theGraphCountsAddUp() throws IOException {
		assertTrue(md("PhIMT0002").contains(GRAPH), md("PhIMT0002"));
		for (String format : List.of("html", "docx", "pdf")) {
			String text = LogFormatsTest.text(out.resolve("logs/PhIMT0002-attn." + format)).replaceAll("\\s+", " ");
			assertTrue(text.contains("6 nodes added by the rewrites above: 36 − 21 + 6 = 21"), format + ": " + text);
		}
	}

	@Test
	void noSettingIsLeftEmpty() throws IOException {
		String md = md("PhIMT0003");
		assertTrue(md.contains("<br>dynamic integer kernels: none<br>"), md);
		assertFalse(md.matches("(?s).*: (<br>| \\|).*"), "a setting with nothing after its colon");
	}

	@Test
	void aLayerOneSchemeTookIntoAnotherSaysWhere() throws IOException {
		String md = md("PhIMT0003");
		int from = md.indexOf("Quantization per layer\n");
		String appendix = md.substring(from, md.indexOf("Appendix E.", from));
		String add = appendix.lines().filter(l -> l.contains("| /bn/BatchNormalization_add |")).findFirst().orElseThrow();
		assertTrue(add.endsWith("| " + TAKEN + " |"), add);
		assertFalse(appendix.contains("|  |"), "no blank cell: " + appendix);
		// the PDF's narrow column wraps the cell among its neighbours' lines; verify remakes its text from the trace
		for (String format : List.of("html", "docx")) {
			String text = LogFormatsTest.text(out.resolve("logs/PhIMT0003-attn." + format)).replaceAll("\\s+", " ");
			assertTrue(text.contains("taken into /bn/BatchNormalization_mul (index 14"), format);
		}
	}

	@Test
	void theLogsVerifyClean() {
		List<Problem> problems = Verification.verify(out).problems();
		assertEquals(List.of(), problems);
	}

	/**
	 * bert2in (tests/data/multiin) reads token ids and a mask as int64: fiq_int8's technique row said "model inputs and
	 * outputs: int8" two rows below the precision row's "input 'input_ids': int64".
	 */
	@Test
	void integerInputsAreNotSaidQuantized() throws IOException {
		Path dir = TestData.tempDir("assessor-wild-bert");
		for (String f : List.of(".onnx", "-calib.npz", "-test.npz")) {
			Files.copy(TestData.data("multiin/bert2in" + f), dir.resolve("bert2in" + f));
		}
		String recipe = "recipe bert {\n\tmodel m \"bert2in.onnx\"\n\tdataset calib \"bert2in-calib.npz\" role calibration format npz samples 64\n"
				+ "\tdataset eval \"bert2in-test.npz\" role evaluation format npz samples 100\n\tschemes fiq_int8\n\tevaluate on eval metrics accuracy\n}\n";
		Path bert = dir.resolve("out");
		assertEquals(0, Runs.run(Runs.recipe(dir, "bert.qr", recipe), bert).exitCode());
		String md = Files.readString(bert.resolve("logs/PhIMT0003-m.md"));
		String technique = md.substring(md.indexOf("| Quantization technique |"), md.indexOf("| Quantization granularity |"));
		assertTrue(technique.contains("<br>model inputs and outputs: int8<br>except input 'input_ids': int64, input 'attention_mask': int64, as the model "
				+ "reads them: integer inputs are fed as they are, not quantized |"), technique);
		assertTrue(md.contains("<br>input 'input_ids': int64<br>input 'attention_mask': int64<br>"), "as the precision row says");
		List<Problem> problems = Verification.verify(bert).problems();
		assertEquals(List.of(), problems);
	}

	/**
	 * Channel pruning's target is a share of the channels, its achieved sparsity a share of the parameters: resnet at 10 % said
	 * "achieved sparsity: 19.07 %" and nothing of why. The example CNN's channels by activation, 10 % global.
	 */
	@Test
	void channelPruningSaysWhyMoreParametersWentThanItsTarget() throws IOException {
		Path dir = Runs.exampleCopy("assessor-wild-prune");
		Path pruned = dir.resolve("out");
		assertEquals(0, Runs.run(Runs.recipe(dir, "act.qr", VerifyActivationPruningTest.RECIPE), pruned).exitCode());
		String md = Files.readString(pruned.resolve("logs/PhIMT0003-cnn.md"));
		java.util.regex.Matcher achieved = java.util.regex.Pattern.compile("<br>achieved sparsity: ([0-9.]+) % \\([0-9,]+ of [0-9,]+ parameters of the pruned "
				+ "layers left non-zero\\)(: a share of the parameters, above the target, which is a share of the channels: a channel removed takes its "
				+ "filter and the weights of the layers that read it)?<br>").matcher(md);
		assertTrue(achieved.find(), md);
		assertTrue(Double.parseDouble(achieved.group(1)) > 10, "more parameters than channels went: " + achieved.group());
		assertTrue(achieved.group(2) != null, "and the log says why: " + achieved.group());
		List<Problem> problems = Verification.verify(pruned).problems();
		assertEquals(List.of(), problems);
	}

	private static String md(String log) throws IOException {
		return Files.readString(out.resolve("logs/" + log + "-attn.md"));
	}
}
