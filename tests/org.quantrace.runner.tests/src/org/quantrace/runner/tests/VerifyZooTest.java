package org.quantrace.runner.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.quantrace.report.AifsmLogs;
import org.quantrace.runner.Verification;
import org.quantrace.runner.Verification.Problem;
import org.quantrace.testing.TestData;

/**
 * verify on the rest of the zoo, as an assessor would run it: ResNet, MobileNetV2, MobileNetV3 (HardSwish),
 * U-Net (ConvTranspose, Resize), GRU, LSTM (DynamicQuantizeLSTM) and the If-CNN in one recipe, and the multilabel
 * BSPC-GAP (IDX calibration images, the .npz attributes for evaluation) in a second, each converted and quantized
 * with DRQ and FIQ int8. Every figure agrees with the files (the If-CNN's branch tensors typed in the trace's and the
 * report's inventories, the LSTM's run-time quantization in its FIQ log too); and the checks these models made right
 * still catch a wrong figure.
 */
class VerifyZooTest {

	private static final String RECIPE = """
			recipe zoo_rest "The rest of the zoo" {
				responsible "tests"
				conversion-id CONV-ZOO-2
				optimization-id OPT-ZOO-2
				model resnet "resnet.onnx" id RESNET version 1
				model mnv2 "mobilenetv2.onnx" id MNV2 version 1
				model mnv3 "mobilenetv3.onnx" id MNV3 version 1
				model unet "unet.onnx" id UNET version 1
				model gru "gru.onnx" id GRU version 1
				model lstm "lstm.onnx" id LSTM version 1
				model ifcnn "if_cnn.onnx" id IFCNN version 1
			""" + ZooRuns.CALIBRATION + ZooRuns.DRQ_AND_FIQ_INT8;

	/** The multilabel model: its attributes are in an .npz (x already / 255), so it has its own preprocessing and recipe. */
	private static final String MULTILABEL = """
			recipe zoo_bspc "The zoo's multilabel BSPC-GAP" {
				responsible "tests"
				conversion-id CONV-ZOO-3
				optimization-id OPT-ZOO-3
				model bspc "bspc_gap.onnx" id BSPC version 1
				dataset calib "calib300-images-idx3-ubyte.gz" role calibration format idx
				dataset attrs "t1k-attributes.npz" role evaluation format npz multilabel preprocessing raw
				preprocess {
					scale 1/255
					layout NCHW
					dtype float32
				}
				preprocess raw {
					layout NCHW
					dtype float32
				}
				convert {
					eliminate dropout, batch-normalization
				}
				schemes drq, fiq_int8
				evaluate on attrs metrics accuracy
				accept when accuracy drop < 2 pt for drq, fiq_int8
			}
			""";

	/** The recipe folders; {@code out} in each is the run's output. */
	private static Path zoo;
	private static Path bspc;

	@BeforeAll
	static void run() throws IOException {
		zoo = ZooRuns.run("verify-zoo", RECIPE, "resnet.onnx", "mobilenetv2.onnx", "mobilenetv3.onnx", "unet.onnx", "gru.onnx", "lstm.onnx", "if_cnn.onnx");
		bspc = ZooRuns.run("verify-zoo-bspc", MULTILABEL, "bspc_gap.onnx", "t1k-attributes.npz");
	}

	@Test
	void everyFigureAgreesWithTheFiles() {
		for (Path out : List.of(zoo.resolve("out"), bspc.resolve("out"))) {
			List<Problem> problems = Verification.verify(out).problems();
			assertTrue(problems.isEmpty(), out + ": " + problems.size() + " mismatches: " + problems);
		}
	}

	/**
	 * MobileNetV3's fiq_int8 holds 3,237 parameters more than its float model: the depthwise Convs padded with zero channels hold
	 * more weights, and each HardSwish and HardSigmoid lowered for the integer kernels stores a constant the float op does not
	 * hold. results.json names each such layer, its figures summing to the difference of the two counts, and every HardSwish and
	 * HardSigmoid of converted.onnx (read here with protobuf) with +1; drq, which rewrites nothing, names none. Before
	 * (documents2's count, on the float graph before the writer lowered them): the 13 constants were missing.
	 */
	@Test
	void theConstantsOfLoweredHardSwishesAreNamedPerLayer() throws IOException {
		com.fasterxml.jackson.databind.JsonNode mnv3 = null;
		for (com.fasterxml.jackson.databind.JsonNode m : TestData.json(zoo.resolve("out/results.json")).path("models")) {
			mnv3 = m.path("name").asText().equals("mnv3") ? m : mnv3;
		}
		java.util.Map<String, com.fasterxml.jackson.databind.JsonNode> variants = new java.util.HashMap<>();
		mnv3.path("variants").forEach(v -> variants.put(v.path("variant").asText(), v));
		assertTrue(variants.get("drq").path("parametersAddedByRewrites").isMissingNode(), "drq rewrites nothing");
		com.fasterxml.jackson.databind.JsonNode added = variants.get("fiq_int8").path("parametersAddedByRewrites");
		long sum = 0;
		for (var it = added.fields(); it.hasNext();) {
			sum += it.next().getValue().asLong();
		}
		assertEquals(variants.get("fiq_int8").path("parameters").asLong() - variants.get("converted").path("parameters").asLong(), sum, added.toString());
		ai.onnx.proto.OnnxMl.ModelProto converted = ai.onnx.proto.OnnxMl.ModelProto.parseFrom(java.nio.file.Files.readAllBytes(zoo.resolve("out/models/mnv3/converted.onnx")));
		List<String> lowered = converted.getGraph().getNodeList().stream().filter(n -> n.getOpType().equals("HardSwish"))
				.map(ai.onnx.proto.OnnxMl.NodeProto::getName).toList();
		assertEquals(9, lowered.size(), "MobileNetV3-small's HardSwish layers");
		// the stem's HardSwish computes in float with the narrow stage the int8 input feeds (OpRules.narrowStage): no constant
		String stem = "/features/features.0/features.0.2/HardSwish";
		lowered.forEach(n -> assertEquals(n.equals(stem) ? 0 : 1, added.path(n).asLong(), n + " in " + added));
		// its four squeeze-excitation HardSigmoids are folded into their fc2 Convs (HardSigmoidIntoConv), which have a bias: no constant added
		converted.getGraph().getNodeList().stream().filter(n -> n.getOpType().equals("HardSigmoid"))
				.forEach(n -> assertTrue(added.path(n.getName()).isMissingNode(), n.getName() + " in " + added));
	}

	/**
	 * The LSTM's DRQ log says its activations are quantized at run time (DynamicQuantizeLSTM does so inside the
	 * kernel: no DynamicQuantizeLinear in the graph); a log calling them int8 there is caught (before, verify called every run-time line of this model wrong).
	 */
	@Test
	void aRunTimeActivationTypeTheLstmKernelDoesNotUseIsFound() {
		Path out = Runs.copy(zoo, TestData.tempDir("zoo-lstm").resolve("zoo")).resolve("out");
		Path md = out.resolve("logs/PhIMT0003-lstm.md");
		String text = Tampering.read(md);
		assertTrue(text.contains("activations (uint8, at run time): asymmetric"), "the scale factor row of the LSTM's DRQ");
		Tampering.write(md, text.replace("activations (uint8, at run time): asymmetric", "activations (int8, at run time): asymmetric"));
		Tampering.rehashAll(out);
		List<Problem> r = Verification.verify(out).problems();
		assertTrue(r.stream().anyMatch(p -> p.file().equals("logs/PhIMT0003-lstm.md") && p.what().contains("Scale factor, activations at run time: says int8, re-derived uint8 (DynamicQuantizeLSTM)")), r.toString());
	}

	/**
	 * The LSTM's logs name the op that quantizes its input at run time, DynamicQuantizeLSTM, for DRQ and for FIQ
	 * (under fiq_int8 the LSTM keeps its dynamic kernel: ONNX Runtime has no QDQ form of it); a log naming
	 * DynamicQuantizeLinear, which the model does not hold, is caught.
	 */
	@Test
	void theLstmLogsNameTheRunTimeQuantizerTheModelHolds() {
		Path out = Runs.copy(zoo, TestData.tempDir("zoo-lstm-op").resolve("zoo")).resolve("out");
		Path md = out.resolve("logs/PhIMT0003-lstm.md");
		String text = Tampering.read(md);
		String said = "activations: uint8, quantized at run time (DynamicQuantizeLSTM, inside the kernel, from the range of each input";
		int drq = text.indexOf(said + ")");
		int fiq = text.indexOf(said + "; in the 1 layer with dynamic kernels: ");
		assertTrue(drq >= 0 && fiq >= 0, "the precision rows of the LSTM's DRQ and FIQ: " + drq + ", " + fiq);
		assertTrue(!text.contains("(DynamicQuantizeLinear") && !text.contains("by DynamicQuantizeLinear"), "no run-time DynamicQuantizeLinear named");
		Tampering.write(md, text.substring(0, drq) + text.substring(drq).replaceFirst(java.util.regex.Pattern.quote("(DynamicQuantizeLSTM, inside the kernel"),
				"(DynamicQuantizeLinear, inside the kernel"));
		Tampering.rehashAll(out);
		List<Problem> r = Verification.verify(out).problems();
		assertTrue(r.stream().anyMatch(p -> p.file().equals("logs/PhIMT0003-lstm.md") && p.what().contains(
				"Quantization precision, activations at run time, quantized by: says [DynamicQuantizeLinear], re-derived [DynamicQuantizeLSTM]")), r.toString());
	}

	/**
	 * ResNet's residual Adds, their Relu fused into the quantized output (the trace names the Relu as that tensor's
	 * node): the per-layer appendix says "quantized" as for a Conv with its Relu, no more "float32 output"; a log
	 * saying so again is caught, naming the output the model quantizes.
	 */
	@Test
	void aResidualAddWithItsReluFusedIsQuantizedWithItsOutput() {
		Path out = Runs.copy(zoo, TestData.tempDir("zoo-resnet").resolve("zoo")).resolve("out");
		editRowEnd(out, "logs/PhIMT0003-resnet.md", "| /layers/layers.1/Add | Add | ", "| quantized |", "| " + AifsmLogs.FLOAT_OUTPUT + " |");
		List<Problem> r = Verification.verify(out).problems();
		assertTrue(r.stream().anyMatch(p -> p.file().equals("logs/PhIMT0003-resnet.md") && p.what().startsWith(
				"Appendix D. Quantization per layer, /layers/layers.1/Add, fiq_int8 output: says " + AifsmLogs.FLOAT_OUTPUT
						+ ", re-derived the model quantizes its output: /layers/layers.1/Relu_output_0 (QuantizeLinear: UINT8 per tensor")),
				r.toString());
	}

	/**
	 * The multilabel Sigmoid writes the model's int8 output: the per-layer appendix names int8 (the type the model
	 * holds), not the activations' uint8; a log saying uint8 there is caught.
	 */
	@Test
	void theSigmoidWritingTheInt8OutputIsListedInt8() {
		Path out = Runs.copy(bspc, TestData.tempDir("zoo-bspc").resolve("bspc")).resolve("out");
		editRowEnd(out, "logs/PhIMT0003-bspc.md", "| /Sigmoid_1 | Sigmoid | float32 (note ", "| int8 asymmetric, per-tensor |", "| uint8 asymmetric, per-tensor |");
		List<Problem> r = Verification.verify(out).problems();
		assertTrue(r.contains(new Problem("logs/PhIMT0003-bspc.md",
				"Appendix D. Quantization per layer, /Sigmoid_1, fiq_int8 output: says uint8 asymmetric, per-tensor, re-derived int8 asymmetric, per-tensor")),
				r.toString());
	}

	/** The Markdown row starting {@code row} of {@code log}, which must end in {@code end}, made to end in {@code now}; every hash recomputed. */
	private static void editRowEnd(Path out, String log, String row, String end, String now) {
		Path md = out.resolve(log);
		String text = Tampering.read(md);
		int at = text.indexOf(row);
		assertTrue(at >= 0, row);
		int eol = text.indexOf('\n', at);
		String line = text.substring(at, eol);
		assertTrue(line.endsWith(end), line);
		Tampering.write(md, text.substring(0, at) + line.substring(0, line.length() - end.length()) + now + text.substring(eol));
		Tampering.rehashAll(out);
	}
}
