package org.quantrace.runner.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
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

import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.TensorProto;

/**
 * What PhIMT0003 says of the zoo's U-Net under fiq_int8, whose 1-channel stem Conv computes in float on the int8 input's codes
 * and its int8 weights, read against the model files as an assessor reads them (2026-12-05, round 12's dae and the example).
 * Before: the "Quantization technique" row said only "QDQ format that ONNX Runtime runs as integer kernels" (the float stem
 * only in a note of the per-layer appendix).
 */
class StemDocumentsTest {

	private static final String STEM = "/enc1/enc1.0/enc1.0.0/Conv";
	private static final String RELU = "/enc1/enc1.0/enc1.0.2/Relu";

	private static Path out;

	@BeforeAll
	static void run() throws IOException {
		out = ZooRuns.run("stem-documents", """
				recipe stem "The zoo's U-Net, stem float under fiq_int8" {
					model unet "unet.onnx" id UNET version 1
				""" + ZooRuns.CALIBRATION + """
					schemes fiq_int8
				}
				""", "unet.onnx").resolve("out");
	}

	@Test
	void theTechniqueRowNamesTheStemComputedInFloatOnItsInt8Weights() throws IOException {
		GraphProto g = ModelProto.parseFrom(Files.readAllBytes(out.resolve("models/unet/fiq_int8.onnx"))).getGraph();
		NodeProto stem = g.getNodeList().stream().filter(n -> n.getName().equals(STEM)).findFirst().orElseThrow();
		assertEquals("Conv", stem.getOpType(), "the stem stays a float Conv in the file");
		NodeProto weights = g.getNodeList().stream().filter(n -> n.getOutputList().contains(stem.getInput(1))).findFirst().orElseThrow();
		assertEquals("DequantizeLinear", weights.getOpType(), "its weights are read through DequantizeLinear");
		assertEquals(TensorProto.DataType.INT8_VALUE, initializer(g, weights.getInput(0)).getDataType(), "of int8 codes in the file");

		String log = Files.readString(out.resolve("logs/PhIMT0003-unet.md"));
		String technique = log.lines().filter(l -> l.startsWith("| Quantization technique | full-integer")).findFirst().orElseThrow();
		assertTrue(technique.contains("; int8 weights (dequantized by DequantizeLinear) with float32 compute for " + STEM + ", left float (why: the per-layer appendix)"),
				technique);
		assertTrue(log.contains("| " + STEM + " | Conv | float32 (note "), "the per-layer appendix");
		Verification.Result verified = Verification.verify(out);
		assertTrue(verified.passed(), verified.problems().toString());
	}

	/**
	 * The stem's Relu: the file holds no Relu (the stem's output QuantizeLinear, uint8 at zero point 0, clamps in its place), and
	 * its cell says so. Before: "float32 (note N)", a float Relu the file does not hold, beside a note saying none runs.
	 */
	@Test
	void theFoldedReluIsListedAsWhatTheFileHolds() throws IOException {
		GraphProto g = ModelProto.parseFrom(Files.readAllBytes(out.resolve("models/unet/fiq_int8.onnx"))).getGraph();
		assertTrue(g.getNodeList().stream().noneMatch(n -> n.getName().equals(RELU)), "no Relu in the file");
		NodeProto stem = g.getNodeList().stream().filter(n -> n.getName().equals(STEM)).findFirst().orElseThrow();
		NodeProto q = g.getNodeList().stream().filter(n -> n.getOpType().equals("QuantizeLinear") && n.getInput(0).equals(stem.getOutput(0))).findFirst()
				.orElseThrow();
		TensorProto zero = initializer(g, q.getInput(2));
		assertEquals(TensorProto.DataType.UINT8_VALUE, zero.getDataType(), "the stem's output is quantized to uint8");
		assertEquals(0, zero.getRawData().byteAt(0), "at zero point 0");

		String log = Files.readString(out.resolve("logs/PhIMT0003-unet.md"));
		String cell = "| " + RELU + " | Relu | no Relu in the model: the uint8 output quantization of '" + STEM + "' (zero point 0) clamps like it (note ";
		assertTrue(log.contains(cell), log.lines().filter(l -> l.contains(RELU + " |")).toList().toString());

		Path forged = Runs.copy(out.getParent(), TestData.tempDir("stem-forged").resolve("stem")).resolve("out");
		Path md = forged.resolve("logs/PhIMT0003-unet.md");
		Tampering.write(md, Tampering.read(md).replace(cell, cell.replace("(zero point 0)", "(zero point 3)")));
		Tampering.rehashAll(forged);
		List<Problem> r = Verification.verify(forged).problems();
		assertTrue(r.stream().anyMatch(p -> p.file().equals("logs/PhIMT0003-unet.md") && p.what().startsWith("Appendix C. Quantization per layer, " + RELU
				+ ", fiq_int8: says no Relu in the model: the uint8 output quantization of '" + STEM + "' (zero point 3)")
				&& p.what().contains("re-derived no Relu in the model: the uint8 output quantization of '" + STEM + "' (zero point 0) clamps like it")), r.toString());
	}

	static TensorProto initializer(GraphProto g, String name) {
		return g.getInitializerList().stream().filter(t -> t.getName().equals(name)).findFirst().orElseThrow(() -> new AssertionError("no initializer " + name));
	}
}
