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

/**
 * The logs of the example CNN (trained, Dropout and two BatchNormalization to remove) under drq and fiq_int8, read as an assessor
 * files them (branch assessor13; assessor12's leftovers): which tensor has which per-channel axis, "each" of one layer, a tensor
 * listed twice without why, and removed nodes without why. Each assertion fails on main 20859091; both logs verify clean.
 */
class AssessorWordingTest {

	/** Appendix D's note on fiq_int8's two logits rows: the Gemm writes uint8 codes, the recipe's int8 output is them shifted. */
	private static final String LOGITS = "logits has 2 rows: one tensor quantized twice; the model's output is int8: /classifier/classifier.4/Gemm writes uint8 codes "
			+ "(the activation row, z = 127), which the model requantizes to int8 codes (the output row, z = -1); at the same scale the codes differ by "
			+ "128 only, so no value changes (exact).";

	/** Why the Dropout's ratio and training-mode Constants went: the removed Dropout was all that read them. */
	static final String UNREAD = "read by nothing any more: only /classifier/classifier.2/Dropout read its outputs in the verified model, and it was removed";

	private static final String DROPOUT = "Dropout (Table 1), removed: ratio 0.25; at inference Dropout passes its input through";

	private static Path out;

	@BeforeAll
	static void run() {
		Path dir = Runs.exampleCopy("assessor-wording");
		out = dir.resolve("out");
		Path recipe = Runs.recipe(dir, "wording.qr", Runs.exampleRecipe(dir, "cnn", "model/fashion_cnn_trained.onnx", "drq, fiq_int8"));
		assertEquals(0, Runs.run(recipe, out).exitCode());
	}

	/** drq quantizes classifier.1's weight for MatMulInteger, stored [in, out]: its channels are on axis 1, the others' on axis 0. */
	@Test
	void drqGranularityNamesTheTensorsOfEachAxis() throws IOException {
		String drq = table(md("PhIMT0003"), "OPT-FASHION-CNN-1/cnn/drq");
		assertTrue(drq.contains("| Quantization granularity | weights: per-channel (axis 0) / per-channel (axis 1)<br>weights by axis: axis 0: "
				+ "features.0.weight_bn_folded (/features/features.0/Conv), features.4.weight_bn_folded (/features/features.4/Conv), "
				+ "classifier.4.weight (/classifier/classifier.4/Gemm); axis 1: classifier.1.weight (/classifier/classifier.1/Gemm)<br>"), drq);
		// one axis for all: nothing to tell apart
		assertFalse(table(md("PhIMT0003"), "OPT-FASHION-CNN-1/cnn/fiq_int8").contains("by axis"));
	}

	@Test
	void oneDynamicLayerIsNotCalledEach() throws IOException {
		String drq = table(md("PhIMT0003"), "OPT-FASHION-CNN-1/cnn/drq");
		assertTrue(drq.contains("| Calibration | none offline: the 1 layer with dynamic kernels quantizes its input at run time from its own range (DynamicQuantizeLinear) |"), drq);
		assertFalse(drq.contains("each from"), drq);
	}

	@Test
	void aTensorListedTwiceSaysWhyInEveryFormat() throws IOException {
		String md = md("PhIMT0003");
		String appendix = md.substring(md.indexOf("Quantization parameters per tensor, fiq_int8\n"), md.indexOf("Quantization per layer\n"));
		assertTrue(appendix.contains("| logits | output |") && appendix.contains("| logits | activation |"), appendix);
		assertTrue(appendix.contains(LOGITS), appendix);
		for (String format : List.of("html", "docx", "pdf")) {
			assertTrue(LogFormatsTest.text(out.resolve("logs/PhIMT0003-cnn." + format)).contains(LOGITS), format);
		}
		// drq's appendix lists each tensor once: no such note
		assertEquals(1, md.split("has 2 rows", -1).length - 1, md);
	}

	@Test
	void eachRemovedNodeSaysWhy() throws IOException {
		String md = md("PhIMT0002");
		String appendix = md.substring(md.indexOf("Appendix A. Nodes removed or folded by the conversion\n"), md.indexOf("Appendix B. Reproducibility\n"));
		assertTrue(appendix.contains("| node | why |"), appendix);
		assertTrue(appendix.contains("| /classifier/classifier.2/Dropout | " + DROPOUT + " |"), appendix);
		// the one exact reason the engine recorded (assessor14), not a list of the possible ones
		assertTrue(appendix.contains("| /classifier/classifier.2/Constant | " + UNREAD + " |"), appendix);
		assertTrue(appendix.contains("| /classifier/classifier.2/Constant_1 | " + UNREAD + " |"), appendix);
		assertFalse(appendix.contains("or a node whose outputs"), appendix);
		assertTrue(appendix.contains("| /features/features.1/BatchNormalization | Batch normalization (Table 1), removed: folded into /features/features.0/Conv; "
				+ "running statistics folded into the preceding layer's weights and bias |"), appendix);
		for (String format : List.of("html", "docx", "pdf")) {
			String text = LogFormatsTest.text(out.resolve("logs/PhIMT0002-cnn." + format));
			assertTrue(text.contains(DROPOUT), format);
			assertTrue(text.replaceAll("\\s+", " ").contains(UNREAD), format);
		}
		List<Problem> problems = Verification.verify(out).problems();
		assertTrue(problems.isEmpty(), problems.size() + " mismatches: " + problems);
	}

	/**
	 * A reason forged in the trace, the documents made again from it (Appendix A then says it in every format): a Constant said
	 * to be an Identity removed, another said to have been read by the first Conv. verify re-derives both from the two files.
	 */
	@Test
	void aForgedRemovalReasonIsFound() throws IOException {
		Path forged = Runs.copy(out, out.resolveSibling("forged-reason"));
		org.quantrace.model.trace.TraceModel trace = org.quantrace.model.QuantraceModel.loadTrace(forged.resolve("trace.xmi"));
		org.quantrace.model.trace.ConversionRecord c = trace.getConversions().get(0);
		int constant = c.getRemovedNodes().indexOf("/classifier/classifier.2/Constant");
		int constant1 = c.getRemovedNodes().indexOf("/classifier/classifier.2/Constant_1");
		assertEquals("unread: /classifier/classifier.2/Dropout", c.getRemovedNodeReasons().get(constant));
		c.getRemovedNodeReasons().set(constant, "identity-removed");
		c.getRemovedNodeReasons().set(constant1, "unread: /features/features.0/Conv");
		Tampering.remadeFromTrace(forged, trace);

		List<Problem> problems = Verification.verify(forged).problems();
		assertTrue(problems.stream().anyMatch(p -> p.file().contains("PhIMT0002-cnn") && p.what().contains("why /classifier/classifier.2/Constant: says identity-removed,")
				&& p.what().contains("a Constant in the verified model, not an Identity")), problems.toString());
		assertTrue(problems.stream().anyMatch(p -> p.what().contains("why /classifier/classifier.2/Constant_1: ")
				&& p.what().contains("read in the verified model by /classifier/classifier.2/Dropout")), problems.toString());
		assertTrue(problems.stream().allMatch(p -> p.what().contains("why /classifier/classifier.2/Constant")), "only the two reasons give it away: " + problems);
	}

	/** drq with every layer but classifier.1 excluded: one weight tensor was "1 tensors" in two rows. */
	@Test
	void oneTensorIsOneTensor() throws IOException {
		Path dir = Runs.exampleCopy("assessor-one-tensor");
		String recipe = Runs.exampleRecipe(dir, "cnn", "model/fashion_cnn_trained.onnx", "one_layer").lines().filter(l -> !l.trim().startsWith("debug "))
				.reduce("", (a, b) -> a + b + "\n").replace("recipe fashion_cnn", """
						quantize one_layer extends drq {
							exclude op Conv
							exclude "/classifier/classifier.4/Gemm"
						}

						recipe fashion_cnn""");
		Path one = dir.resolve("out");
		assertEquals(0, Runs.run(Runs.recipe(dir, "one.qr", recipe), one).exitCode());
		String table = table(Files.readString(one.resolve("logs/PhIMT0003-cnn.md")), "OPT-FASHION-CNN-1/cnn/one_layer");
		assertTrue(table.contains("weights: int8 (1 tensor)<br>"), table);
		assertTrue(table.contains("<br>weights: 1 tensor, "), table);
		assertFalse(table.contains("1 tensors"), table);
		List<Problem> problems = Verification.verify(one).problems();
		assertTrue(problems.isEmpty(), problems.size() + " mismatches: " + problems);
	}

	private static String md(String log) throws IOException {
		return Files.readString(out.resolve("logs/" + log + "-cnn.md"));
	}

	/** The Markdown table of optimization {@code id}, up to the evaluation line under it. */
	private static String table(String md, String id) {
		int from = md.indexOf("Model optimization information (" + id + ")");
		assertTrue(from >= 0, id + " not in " + md);
		return md.substring(from, md.indexOf("Evaluation of ", from));
	}
}
