package org.quantrace.runner.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.quantrace.runner.Verification;

import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;

/**
 * A layer the quantized model runs in float is the float model's node, kept under its name: verify holds its op against the
 * layer's record. Before (main 0e99974), fcnarg's last ArgMax made an ArgMin in its fiq_int8 model (every class index changed,
 * every hash recomputed) passed plain verify with 0 mismatches; only --deep's evaluations saw it.
 */
class VerifyFloatLayersTest {

	@Test
	void aFloatLayersOpChangedAfterTheRunIsFound() throws IOException {
		Path copy = Runs.exampleCopy("float-layers");
		// the example's CNN ending in ArgMax over its logits (class indices, int64 [N]), as fcnarg does
		ModelProto.Builder cnn = ModelProto.parseFrom(Files.readAllBytes(copy.resolve("model/fashion_cnn_trained.onnx"))).toBuilder();
		ai.onnx.proto.OnnxMl.GraphProto.Builder g = cnn.getGraphBuilder();
		String logits = g.getOutput(0).getName();
		g.addNode(NodeProto.newBuilder().setOpType("ArgMax").setName("argmax").addInput(logits).addOutput("class")
				.addAttribute(ai.onnx.proto.OnnxMl.AttributeProto.newBuilder().setName("axis").setType(ai.onnx.proto.OnnxMl.AttributeProto.AttributeType.INT).setI(1))
				.addAttribute(ai.onnx.proto.OnnxMl.AttributeProto.newBuilder().setName("keepdims").setType(ai.onnx.proto.OnnxMl.AttributeProto.AttributeType.INT).setI(0)));
		g.clearOutput().addOutput(ai.onnx.proto.OnnxMl.ValueInfoProto.newBuilder().setName("class").setType(ai.onnx.proto.OnnxMl.TypeProto.newBuilder()
				.setTensorType(ai.onnx.proto.OnnxMl.TypeProto.Tensor.newBuilder().setElemType(ai.onnx.proto.OnnxMl.TensorProto.DataType.INT64_VALUE)
						.setShape(ai.onnx.proto.OnnxMl.TensorShapeProto.newBuilder().addDim(ai.onnx.proto.OnnxMl.TensorShapeProto.Dimension.newBuilder().setDimParam("N"))))));
		Files.write(copy.resolve("model/argmax.onnx"), cnn.build().toByteArray());
		Path recipe = Runs.recipe(copy, "float.qr", """
				recipe float_layers {
					model cnn "model/argmax.onnx"
					dataset calib "data/calibration" role calibration format folder labels "data/labels.json" samples 50
					dataset eval "data/evaluation" role evaluation format folder labels "data/labels.json" samples 50
					preprocess { grayscale scale 1/255 layout NCHW dtype float32 }
					convert { eliminate dropout, batch-normalization }
					schemes fiq_int8
					evaluate on eval metrics accuracy
				}
				""");
		Path out = copy.resolve("out");
		assertEquals(0, Runs.run(recipe, out).exitCode());
		Verification.Result honest = Verification.verify(out);
		assertTrue(honest.passed(), honest.problems().toString());

		Path edited = Runs.copy(out, copy.resolve("edited"));
		Path model = edited.resolve("models/cnn/fiq_int8.onnx");
		ModelProto.Builder b = ModelProto.parseFrom(Files.readAllBytes(model)).toBuilder();
		boolean changed = false;
		for (NodeProto.Builder n : b.getGraphBuilder().getNodeBuilderList()) {
			if (n.getName().equals("argmax")) {
				assertEquals("ArgMax", n.getOpType(), "the ArgMax is kept, in float, under its name");
				n.setOpType("ArgMin");
				changed = true;
			}
		}
		assertTrue(changed, "the ArgMax is in the quantized model");
		Tampering.replaceModel(edited, "models/cnn/fiq_int8.onnx", b.build().toByteArray());
		Verification.Result r = Verification.verify(edited);
		assertFalse(r.passed(), "a float layer's op changed after the run");
		assertTrue(r.problems().stream().anyMatch(p -> p.file().equals("trace.xmi") && p.what().contains("layer argmax (ArgMax) opType: says ArgMax,"
				+ " re-derived ArgMin (the model's node of that name, run in float)")), r.problems().toString());
	}
}
