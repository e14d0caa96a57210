package org.quantrace.runner.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.quantrace.runner.Verification;

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

	static TensorProto initializer(GraphProto g, String name) {
		return g.getInitializerList().stream().filter(t -> t.getName().equals(name)).findFirst().orElseThrow(() -> new AssertionError("no initializer " + name));
	}
}
