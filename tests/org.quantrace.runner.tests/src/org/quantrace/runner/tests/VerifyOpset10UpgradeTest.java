package org.quantrace.runner.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.quantrace.runner.Verification;

import com.google.protobuf.ByteString;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.TensorProto;

/**
 * A Pad and a Resize of opset 10 that the quantizer runs on codes after its upgrade to opset 13. The Pad (pads and value
 * attributes, as tf2onnx writes Keras' ZeroPadding2D at opsets 9 and 10) gets pads as an input and its value 0.0 as the code of
 * 0 at the codes' scale and zero point; the Resize (Paddle2ONNX's nearest_interp at opset 10) gets Resize-10's meaning spelled
 * out: coordinate_transformation_mode "asymmetric", nearest_mode "floor". make_exporters30.py's honest recipe runs failed
 * their verify (tf9cls 2 mismatches, paddle10seg 7: "attributes: says [mode=..., pads=..., value=f: 0.0] ..., re-derived
 * [mode=...]", "says [mode=nearest] ..., re-derived [coordinate_transformation_mode=asymmetric, mode=nearest, nearest_mode=floor]"),
 * main e80ddf96. Both verify on an honest run; a pad code changed is still found.
 */
class VerifyOpset10UpgradeTest {

	private static final String PAD = "zero_padding2d/Pad";
	private static final String RESIZE = "nearest_interp_0";
	private static Path out;

	/**
	 * The example's CNN at opset 10, a Pad of 1 around its first Relu's output (28 → 30), a nearest Resize x2 and a MaxPool 2
	 * back (30), pooled to 15, then 7 as before; fiq_int8.
	 */
	@BeforeAll
	static void run() throws IOException {
		Path copy = Runs.exampleCopy("upgraded-pad");
		ModelProto.Builder cnn = ModelProto.parseFrom(Files.readAllBytes(copy.resolve("model/fashion_cnn_trained.onnx"))).toBuilder();
		cnn.getOpsetImportBuilder(0).setVersion(10);
		GraphProto.Builder g = cnn.getGraphBuilder();
		int pool = -1;
		for (int i = 0; i < g.getNodeCount(); i++) {
			NodeProto.Builder n = g.getNodeBuilder(i);
			if (n.getOpType().equals("Dropout")) { // Dropout-10: ratio an attribute, no training_mode
				String data = n.getInput(0);
				n.clearInput().addInput(data);
			}
			if (n.getOpType().equals("MaxPool") && pool < 0) {
				pool = i;
			}
		}
		NodeProto.Builder first = g.getNodeBuilder(pool);
		String relu = first.getInput(0);
		first.setInput(0, "halved");
		g.addNode(pool, NodeProto.newBuilder().setOpType("Pad").setName(PAD).addInput(relu).addOutput("padded")
				.addAttribute(AttributeProto.newBuilder().setName("mode").setType(AttributeProto.AttributeType.STRING).setS(ByteString.copyFromUtf8("constant")))
				.addAttribute(AttributeProto.newBuilder().setName("pads").setType(AttributeProto.AttributeType.INTS).addAllInts(java.util.List.of(0L, 0L, 1L, 1L, 0L, 0L, 1L, 1L)))
				.addAttribute(AttributeProto.newBuilder().setName("value").setType(AttributeProto.AttributeType.FLOAT).setF(0f)));
		g.addInitializer(TensorProto.newBuilder().setName("scales").setDataType(TensorProto.DataType.FLOAT_VALUE).addDims(4).addAllFloatData(java.util.List.of(1f, 1f, 2f, 2f)));
		g.addNode(pool + 1, NodeProto.newBuilder().setOpType("Resize").setName(RESIZE).addInput("padded").addInput("scales").addOutput("doubled")
				.addAttribute(AttributeProto.newBuilder().setName("mode").setType(AttributeProto.AttributeType.STRING).setS(ByteString.copyFromUtf8("nearest"))));
		g.addNode(pool + 2, NodeProto.newBuilder().setOpType("MaxPool").setName("halve").addInput("doubled").addOutput("halved")
				.addAttribute(AttributeProto.newBuilder().setName("kernel_shape").setType(AttributeProto.AttributeType.INTS).addAllInts(java.util.List.of(2L, 2L)))
				.addAttribute(AttributeProto.newBuilder().setName("strides").setType(AttributeProto.AttributeType.INTS).addAllInts(java.util.List.of(2L, 2L))));
		Files.write(copy.resolve("model/opset10.onnx"), cnn.build().toByteArray());
		Path recipe = Runs.recipe(copy, "opset10.qr", """
				recipe opset10 {
					model cnn "model/opset10.onnx"
					dataset calib "data/calibration" role calibration labels "data/labels.json" samples 50
					dataset eval "data/evaluation" role evaluation format folder labels "data/labels.json" samples 50
					preprocess { grayscale scale 1/255 layout NCHW dtype float32 }
					convert { eliminate dropout, batch-normalization }
					schemes fiq_int8
					evaluate on eval metrics accuracy
				}
				""");
		out = copy.resolve("out");
		assertEquals(0, Runs.run(recipe, out).exitCode());
	}

	private static NodeProto pad(Path run) throws IOException {
		ModelProto q = ModelProto.parseFrom(Files.readAllBytes(run.resolve("models/cnn/fiq_int8.onnx")));
		return q.getGraph().getNodeList().stream().filter(n -> n.getName().equals(PAD)).findFirst().orElseThrow();
	}

	@Test
	void anHonestRunVerifiesCleanWithThePadValueACodeAndResize10sMeaningSpelledOut() throws IOException {
		ModelProto q = ModelProto.parseFrom(Files.readAllBytes(out.resolve("models/cnn/fiq_int8.onnx")));
		NodeProto resize = q.getGraph().getNodeList().stream().filter(n -> n.getName().equals(RESIZE)).findFirst().orElseThrow();
		assertTrue(resize.getAttributeList().stream().anyMatch(a -> a.getName().equals("coordinate_transformation_mode")), "spelled out: " + resize);
		NodeProto pad = pad(out);
		assertEquals(3, pad.getInputCount(), "pads and the pad code are inputs: " + pad);
		assertTrue(pad.getInput(0).endsWith("_q"), "the Pad runs on codes: " + pad);
		Verification.Result honest = Verification.verify(out);
		assertTrue(honest.passed(), honest.problems().toString());
	}

	/** The pad code made 5 (it pads with 5 · scale instead of 0), every hash recomputed. */
	@Test
	void aPadCodeChangedIsFound() throws IOException {
		Path edited = Runs.copy(out, out.resolveSibling("code"));
		String code = pad(edited).getInput(2);
		Tampering.editInitializer(edited, "models/cnn/fiq_int8.onnx", code, t -> t.toBuilder().setRawData(ByteString.copyFrom(new byte[] { 5 })).build());
		Verification.Result r = Verification.verify(edited);
		assertFalse(r.passed(), "the pad code edited");
		assertTrue(r.problems().stream().anyMatch(p -> p.file().equals("trace.xmi") && p.what().contains("layer " + PAD + " (Pad) attributes")), r.problems().toString());
	}
}
