package org.quantrace.runner.tests;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.quantrace.report.AifsmLogs;
import org.quantrace.report.LogReader;
import org.quantrace.runner.Verification;
import org.quantrace.runner.Verification.Problem;
import org.quantrace.testing.TestData;

import com.google.protobuf.ByteString;

/**
 * verify on a fresh output of models Quantrace was not built on: the zoo's ViT (PyTorch, opset 17, shape
 * arithmetic the converter folds; its Linear layers exported as MatMul then Add of the bias) and its MobileNetV3
 * with weights in Constant nodes (opset 11), converted and quantized with weight-only DRQ and FIQ int8. Every
 * figure of every document agrees with the files (issue 12): PhIMT0002's folded constants, the technique of a
 * weight-only DRQ model, the worked example of a per-channel weight, the int32 biases of the MatMul + Add
 * layers (s = s_input · s_weight of the MatMul), the per-layer appendix of integer layers whose result
 * only float ops read, and MobileNetV3's depthwise Convs that fiq_int8 widens with zero channels (by default).
 * And verify still catches a wrong bias scale, a wrong per-layer cell, a non-zero added channel or a padding
 * the logs do not mention there.
 */
class VerifyWildModelsTest {

	private static final String RECIPE = """
			recipe zoo_wild "Zoo models from other exporters" {
				responsible "tests"
				conversion-id CONV-ZOO-1
				optimization-id OPT-ZOO-1
				model vit "vit.onnx" id VIT version 1
				model mnv3 "mobilenetv3_constants_opset11.onnx" id MNV3 version 1
			""" + ZooRuns.CALIBRATION + ZooRuns.DRQ_AND_FIQ_INT8;

	/** The recipe, models and data; {@code out} is the run's output. */
	private static Path dir;

	@BeforeAll
	static void run() throws IOException {
		dir = ZooRuns.run("verify-wild", RECIPE, "vit.onnx", "mobilenetv3_constants_opset11.onnx");
	}

	@Test
	void everyFigureAgreesWithTheFiles() {
		Verification.Result r = Verification.verify(dir.resolve("out"));
		assertTrue(r.problems().isEmpty(), r.problems().size() + " mismatches: " + r.problems());
	}

	/** One channel of a MatMul + Add layer's int32 bias scale made 1.5× what s_input · s_weight gives, every hash recomputed. */
	@Test
	void aBiasScaleThatIsNotInputTimesWeightScaleIsFound() {
		Path out = copy("wild-bias");
		float[] was = new float[1];
		Tampering.editInitializer(out, "models/vit/fiq_int8.onnx", "blocks.0.attn.qkv.bias_scaled_scale", scale -> {
			float[] v = new float[scale.getRawData().size() / 4];
			scale.getRawData().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(v);
			was[0] = v[3];
			v[3] *= 1.5f;
			java.nio.ByteBuffer changed = java.nio.ByteBuffer.allocate(v.length * 4).order(ByteOrder.LITTLE_ENDIAN);
			changed.asFloatBuffer().put(v);
			return scale.toBuilder().setRawData(ByteString.copyFrom(changed.array())).build();
		});
		List<Problem> r = Verification.verify(out).problems();
		for (String format : List.of("md", "html", "docx", "pdf")) {
			assertTrue(r.contains(new Problem("logs/PhIMT0003-vit." + format,
					"Table 2. Model optimization information (OPT-ZOO-1/vit/fiq_int8), Scale factor, biases formula, blocks.0.attn.qkv.bias_scaled channel 3: says s = s_input · s_weight = "
							+ was[0] + ", z = 0, re-derived s = " + was[0] * 1.5f + ", z = 0")),
					format + ": " + r);
		}
		// the other eleven MatMul + Add biases still agree
		assertTrue(r.stream().noneMatch(p -> p.what().contains("biases formula") && !p.what().contains("blocks.0.attn.qkv.bias")), r.toString());
	}

	/**
	 * The per-layer appendix, Markdown edited (every hash recomputed): the qkv Add, whose output the model
	 * quantizes (integer ops read it), said to leave it in float; the mlp.0 Add, whose result only Gelu (float)
	 * reads, said to quantize its output.
	 */
	@Test
	void aPerLayerCellThatMisstatesTheOutputIsFound() {
		Path out = copy("wild-layers");
		Path md = out.resolve("logs/PhIMT0003-vit.md");
		String text = Tampering.read(md);
		text = lastCell(text, "/blocks/blocks.0/attn/qkv/Add", "uint8 asymmetric, per-tensor", AifsmLogs.FLOAT_OUTPUT);
		text = lastCell(text, "/blocks/blocks.0/mlp/mlp.0/Add", AifsmLogs.FLOAT_OUTPUT + " (note ", "uint8 asymmetric, per-tensor");
		Tampering.write(md, text);
		Tampering.rehashAll(out);
		List<Problem> r = Verification.verify(out).problems();
		assertTrue(r.stream().anyMatch(p -> p.file().equals("logs/PhIMT0003-vit.md")
				&& p.what().startsWith("Appendix D. Quantization per layer, /blocks/blocks.0/attn/qkv/Add, fiq_int8 output: says " + AifsmLogs.FLOAT_OUTPUT
						+ ", re-derived the model quantizes its output: /blocks/blocks.0/attn/qkv/Add_output_0_2d_scaled (QuantizeLinear: UINT8 per tensor")), // the Add on its 2-D view, its Q columns scaled by the attention's 1/√d
				r.toString());
		assertTrue(r.contains(new Problem("logs/PhIMT0003-vit.md",
				"Appendix D. Quantization per layer, /blocks/blocks.0/mlp/mlp.0/Add, fiq_int8 output: says uint8 asymmetric, per-tensor, re-derived nothing quantized")),
				r.toString());
		assertTrue(r.stream().allMatch(p -> p.file().equals("logs/PhIMT0003-vit.md")), r.toString());
	}

	/**
	 * MobileNetV3's 5x5 depthwise Convs of fewer than 128 channels run slower in int8 than in float, and are kept integer:
	 * the quantizer's reason said so in the trace only, the per-layer appendix printed the weights' type alone. Its cell now
	 * adds "its int8 kernel is slower than float" with the reason as a note, and verify re-derives it from the model (the
	 * Conv's group and weight shape): a row that drops it, or says it of another layer, is a mismatch.
	 */
	@Test
	void aDepthwiseConvSlowerThanFloatSaysSoInItsRowAndVerifyReadsIt() {
		Path out = copy("wild-slower");
		Path md = out.resolve("logs/PhIMT0003-mnv3.md");
		String text = Tampering.read(md);
		Matcher said = Pattern.compile("(?m)^\\| \\d+ \\| (\\S+) \\| Conv \\| .*(; " + Pattern.quote(AifsmLogs.SLOWER) + " \\(note \\d+\\))").matcher(text);
		assertTrue(said.find(), "a 5x5 depthwise row says its int8 kernel is slower than float");
		String node = said.group(1);
		Tampering.write(md, text.substring(0, said.start(2)) + text.substring(said.end(2)));
		Tampering.rehashAll(out);
		List<Problem> r = Verification.verify(out).problems();
		assertTrue(r.stream().anyMatch(p -> p.file().equals("logs/PhIMT0003-mnv3.md") && p.what().contains(node + ", fiq_int8 " + AifsmLogs.SLOWER)
				&& p.what().contains("does not say so")), r.toString());
	}

	/**
	 * The slower-than-float statement and the row's node name broken as a PDF breaks a long cell (inside words and the
	 * name, after a '/'; a space for each break, made here in the Markdown): read as written. The same broken cell saying
	 * "faster" is found. (The Markdown so broken is not the document the trace makes, and verify says so; the row checks,
	 * which read the PDF and DOCX logs too, are what this holds.)
	 */
	@Test
	void aSlowerThanFloatCellThatThePdfBreaksVerifiesCleanAndAChangedOneIsFound() {
		Path out = copy("wild-slower-broken");
		Path md = out.resolve("logs/PhIMT0003-mnv3.md");
		String text = Tampering.read(md);
		Matcher said = Pattern.compile("(?m)^\\| \\d+ \\| (\\S+) \\| Conv \\| .*?(quantized; " + Pattern.quote(AifsmLogs.SLOWER) + ") \\(note \\d+\\)").matcher(text);
		assertTrue(said.find(), "a 5x5 depthwise row says its int8 kernel is slower than float");
		String node = said.group(1);
		String brokenNode = node.replaceFirst("/block/", "/block /").replaceFirst("\\.0/", ".0/ ");
		String brokenCell = "quan tized; its int8 ker nel is slow er than float";
		assertTrue(!brokenNode.equals(node), node);
		Tampering.write(md, text.substring(0, said.start(1)) + brokenNode + text.substring(said.end(1), said.start(2)) + brokenCell + text.substring(said.end(2)));
		Tampering.rehashAll(out);
		List<Problem> r = Tampering.rowChecks(Verification.verify(out).problems(), "logs/PhIMT0003-mnv3.md");
		assertTrue(r.isEmpty(), "the broken row reads as written: " + r);

		Tampering.replace(md, brokenCell, brokenCell.replace("slow er", "fast er"));
		Tampering.rehashAll(out);
		List<Problem> changed = Verification.verify(out).problems();
		assertTrue(changed.stream().anyMatch(p -> p.file().equals("logs/PhIMT0003-mnv3.md") && p.what().contains(", fiq_int8 " + AifsmLogs.SLOWER)
				&& p.what().contains("does not say so")), changed.toString());
	}

	/** MobileNetV3's 72-channel depthwise Conv, which fiq_int8 widens to 80 channels (DepthwisePadding, on by default). */
	private static final String DEPTHWISE_72 = "/features/features.3/block/block.1/block.1.0/Conv";

	/**
	 * The padded depthwise Conv as the model holds it: its weight codes have 80 output channels where the float
	 * model's weight has 72, the added ones zero. A code of 5 put into added channel 75 (every hash recomputed) is a
	 * weight that is not 0, and so is a code of 3 where the projection after it reads that channel: each named in
	 * the trace's weight codes and in the layer's row of the per-layer appendix.
	 */
	@Test
	void aNonZeroWeightInAnAddedChannelIsFound() {
		Path out = copy("wild-padded-code");
		Tampering.editInitializer(out, "models/mnv3/fiq_int8.onnx", "features.3.block.1.0.weight_bn_folded_q", codes -> {
			assertTrue(codes.getDimsList().equals(List.of(80L, 1L, 3L, 3L)), "widened to 80 channels: " + codes.getDimsList());
			byte[] b = codes.getRawData().toByteArray();
			assertTrue(b[75 * 9 + 4] == 0, "an added channel holds zero weights");
			b[75 * 9 + 4] = 5;
			return codes.toBuilder().setRawData(ByteString.copyFrom(b)).build();
		});
		// and the projection after it reading added channel 75 with a weight that is not 0: the function would change
		Tampering.editInitializer(out, "models/mnv3/fiq_int8.onnx", "features.3.block.2.0.weight_bn_folded_q", codes -> {
			assertTrue(codes.getDimsList().equals(List.of(24L, 80L, 1L, 1L)), "reads 80 channels: " + codes.getDimsList());
			byte[] b = codes.getRawData().toByteArray();
			b[75] = 3;
			return codes.toBuilder().setRawData(ByteString.copyFrom(b)).build();
		});
		List<Problem> r = Verification.verify(out).problems();
		assertTrue(r.stream().anyMatch(p -> p.file().equals("trace.xmi") && p.what().startsWith("optimization OPT-ZOO-1/mnv3/fiq_int8 tensor features.3.block.1.0.weight")
				&& p.what().contains("codes") && p.what().contains("added output channel 75 holds code 5 at index 679, not the zero point 0")), r.toString());
		String row = LogReader.squeeze("Appendix D. Quantization per layer, " + DEPTHWISE_72
				+ ", fiq_int8 added channels: says 8 zero channels added (72 → 80), re-derived 8 channels added (72 → 80), not all zero");
		for (String format : List.of("md", "html", "docx", "pdf")) { // the PDF's text breaks the long node name
			assertTrue(r.stream().anyMatch(p -> p.file().equals("logs/PhIMT0003-mnv3." + format) && LogReader.squeeze(p.what()).equals(row)), format + ": " + r);
		}
		assertTrue(r.contains(new Problem("trace.xmi", "optimization OPT-ZOO-1/mnv3/fiq_int8 layer " + DEPTHWISE_72
				+ " (Conv) added channels: says 8 zero channels added (72 → 80), re-derived 8 channels added (72 → 80), not all zero")), r.toString());
		assertTrue(r.stream().anyMatch(p -> p.file().equals("trace.xmi") && p.what().startsWith("optimization OPT-ZOO-1/mnv3/fiq_int8 tensor features.3.block.2.0.weight")
				&& p.what().contains("added input channel 75 holds code 3 at index 75, not the zero point 0")), r.toString());
		assertTrue(r.contains(new Problem("logs/PhIMT0003-mnv3.md", "Appendix D. Quantization per layer, /features/features.3/block/block.2/block.2.0/Conv"
				+ ", fiq_int8 added channels: says 8 zero input channels added (72 → 80), re-derived 8 input channels added (72 → 80), not all zero")), r.toString());
	}

	/**
	 * The projection after the padded depthwise Conv made to read only the 72 original channels again (its codes
	 * cut back to the float weight's shape, every hash recomputed): the 8 added channels the Convs before it make
	 * would no longer end in zero weights. Found from the graph: the added channels reach a Conv that does not
	 * read them through added zero channels, and the projection's row states a padding the model does not hold.
	 */
	@Test
	void addedChannelsThatReachAConvWithoutZeroWeightsForThemAreFound() {
		Path out = copy("wild-padding-escapes");
		String projection = "/features/features.3/block/block.2/block.2.0/Conv";
		Tampering.editInitializer(out, "models/mnv3/fiq_int8.onnx", "features.3.block.2.0.weight_bn_folded_q", codes -> {
			byte[] b = codes.getRawData().toByteArray();
			byte[] cut = new byte[24 * 72];
			for (int o = 0; o < 24; o++) {
				System.arraycopy(b, o * 80, cut, o * 72, 72);
			}
			return codes.toBuilder().clearDims().addAllDims(List.of(24L, 72L, 1L, 1L)).setRawData(ByteString.copyFrom(cut)).build();
		});
		List<Problem> r = Verification.verify(out).problems();
		assertTrue(r.stream().anyMatch(p -> p.file().equals("trace.xmi") && p.what().startsWith("optimization OPT-ZOO-1/mnv3/fiq_int8 layer " + DEPTHWISE_72
				+ " added channels: says ignored by the layers after it, re-derived the added channels reach Conv '" + projection
				+ "', which does not read them through added zero channels")), r.toString());
		assertTrue(r.contains(new Problem("logs/PhIMT0003-mnv3.md", "Appendix D. Quantization per layer, " + projection
				+ ", fiq_int8 added channels: says 8 zero input channels added (72 → 80), re-derived " + "no added channels")), r.toString());
	}

	/**
	 * Padding the logs do not mention: the depthwise Conv's appendix row (Markdown) and its layer reason in the trace
	 * with the "8 zero channels added (72 → 80)" taken out, every hash recomputed. verify reads the widening from the
	 * weight shapes of the two models, not from the trace, and names both rows.
	 */
	@Test
	void aPaddingTheLogsDoNotMentionIsFound() {
		Path out = copy("wild-padding-unsaid");
		Path md = out.resolve("logs/PhIMT0003-mnv3.md");
		Tampering.write(md, lastCell(Tampering.read(md), DEPTHWISE_72, "quantized; 8 zero channels added (72 → 80)", "quantized"));
		Tampering.replace(out.resolve("trace.xmi"), "; 8 zero channels added (72 → 80): ", "; ");
		Tampering.rehashAll(out);
		// every log differs from what the edited trace makes (the Markdown was edited, the others say what the run did)
		List<Problem> r = Tampering.rowChecks(Verification.verify(out).problems(), "logs/PhIMT0003-mnv3.html");
		assertTrue(r.contains(new Problem("logs/PhIMT0003-mnv3.md", "Appendix D. Quantization per layer, " + DEPTHWISE_72
				+ ", fiq_int8 added channels: says no added channels, re-derived 8 zero channels added (72 → 80)")), r.toString());
		assertTrue(r.contains(new Problem("trace.xmi", "optimization OPT-ZOO-1/mnv3/fiq_int8 layer " + DEPTHWISE_72
				+ " (Conv) added channels: says no added channels, re-derived 8 zero channels added (72 → 80)")), r.toString());
		assertTrue(r.size() == 2, r.toString());
	}

	/** A private copy of the recipe folder and its output, to tamper with. */
	private static Path copy(String name) {
		return Runs.copy(dir, TestData.tempDir(name).resolve("zoo")).resolve("out");
	}

	/** The Markdown row of {@code node} with its last cell (fiq_int8) starting {@code old} made {@code now}. */
	private static String lastCell(String md, String node, String old, String now) {
		Matcher m = Pattern.compile("(?m)^(\\| \\d+ \\| " + Pattern.quote(node) + " \\| .*\\| )" + Pattern.quote(old) + "[^|]*\\|$").matcher(md);
		assertTrue(m.find(), node + " with " + old + " in the per-layer appendix");
		return md.substring(0, m.start()) + m.group(1) + now + " |" + md.substring(m.end());
	}
}
