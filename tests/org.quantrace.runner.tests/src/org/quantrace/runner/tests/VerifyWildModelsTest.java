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
 * layers (s = s_input · s_weight of the MatMul), and the per-layer appendix of integer layers whose result
 * only float ops read. And verify still catches a wrong bias scale or a wrong per-layer cell there.
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
		Tampering.editInitializer(out, "models/vit/fiq_int8.onnx", "blocks.0.attn.qkv.bias_scale", scale -> {
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
					"Table 2. Model optimization information (OPT-ZOO-1/vit/fiq_int8), Scale factor, biases formula, blocks.0.attn.qkv.bias channel 3: says s = s_input · s_weight = "
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
						+ ", re-derived the model quantizes its output: /blocks/blocks.0/attn/qkv/Add_output_0 (QuantizeLinear: UINT8 per tensor")),
				r.toString());
		assertTrue(r.contains(new Problem("logs/PhIMT0003-vit.md",
				"Appendix D. Quantization per layer, /blocks/blocks.0/mlp/mlp.0/Add, fiq_int8 output: says uint8 asymmetric, per-tensor, re-derived nothing quantized")),
				r.toString());
		assertTrue(r.stream().allMatch(p -> p.file().equals("logs/PhIMT0003-vit.md")), r.toString());
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
