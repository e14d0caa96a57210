package org.quantrace.runner.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.quantrace.runner.Verification;

import com.google.protobuf.ByteString;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnx.proto.OnnxMl.TensorShapeProto;
import ai.onnx.proto.OnnxMl.TypeProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;

/**
 * A Loop left float runs its body as the float model's: a constant the body holds as its own initializer (as tf2onnx writes a
 * while loop's constants; make_unseen22's loopconv holds its Conv's weight so) is held against the float model's, as a float
 * layer's constants are. Before (main 22b45ed5), loopconv's fiq_int8 with that weight times 1.5 and every hash recomputed
 * passed verify with the recipe given but for the stale hashes in its DOCX/PDF logs.
 */
class VerifyLoopBodyTest {

	@Test
	void aConstantALoopBodyHoldsChangedIsFound() throws IOException {
		List<Verification.Problem> found = forgedBodyBias("loop-body", true);
		assertTrue(found.stream().anyMatch(p -> p.file().equals("trace.xmi") && p.what().contains("layer refine (Loop) body body node body_add (Add) input 1:"
				+ " says body_bias as the float model stores it (FLOAT32 [10]), re-derived body_bias holds other values")), found.toString());
	}

	/**
	 * The body's nodes unnamed (onnx.helper's default): the converter names them after their outputs in the converted model and
	 * the quantized model alike ("Add_h_out"), so verify holds them by those names.
	 */
	@Test
	void aConstantAnUnnamedBodyNodeReadsChangedIsFound() throws IOException {
		List<Verification.Problem> found = forgedBodyBias("loop-unnamed", false);
		assertTrue(found.stream().anyMatch(p -> p.file().equals("trace.xmi") && p.what().contains("layer refine (Loop) body body node Add_h_out (Add) input 1:"
				+ " says body_bias as the float model stores it (FLOAT32 [10]), re-derived body_bias holds other values")), found.toString());
	}

	/**
	 * The example CNN with a Loop 'refine' of 2 trips on its logits, run under fiq_int8 (verified clean), then body_bias[3] made
	 * x1.5 in the quantized model (its size kept, every hash recomputed): what verify finds in that folder.
	 */
	private static List<Verification.Problem> forgedBodyBias(String name, boolean namedNodes) throws IOException {
		Path copy = Runs.exampleCopy(name);
		ModelProto.Builder cnn = ModelProto.parseFrom(Files.readAllBytes(copy.resolve("model/fashion_cnn_trained.onnx"))).toBuilder();
		GraphProto.Builder g = cnn.getGraphBuilder();
		String logits = g.getOutput(0).getName();
		g.addInitializer(TensorProto.newBuilder().setName("trips").setDataType(TensorProto.DataType.INT64_VALUE).addInt64Data(2));
		g.addNode(NodeProto.newBuilder().setOpType("Loop").setName("refine").addInput("trips").addInput("").addInput(logits).addOutput("refined")
				.addAttribute(AttributeProto.newBuilder().setName("body").setType(AttributeProto.AttributeType.GRAPH).setG(body(namedNodes))));
		g.clearOutput().addOutput(value("refined", TensorProto.DataType.FLOAT_VALUE, true));
		Files.write(copy.resolve("model/loop.onnx"), cnn.build().toByteArray());
		Path recipe = Runs.fiqInt8Recipe(copy, "loop.qr", "loop_body", "model/loop.onnx");
		Path out = copy.resolve("out");
		assertEquals(0, Runs.run(recipe, out).exitCode());
		Verification.Result honest = Verification.verify(out);
		assertTrue(honest.passed(), honest.problems().toString());

		Path edited = Runs.copy(out, copy.resolve("forged"));
		String model = "models/cnn/fiq_int8.onnx";
		long size = Files.size(edited.resolve(model));
		Tampering.editInitializer(edited, model, "body_bias", t -> Tampering.times(t, 3, 1.5f));
		assertEquals(size, Files.size(edited.resolve(model)), "the edit keeps the model's size");
		Verification.Result r = Verification.verify(edited);
		assertFalse(r.passed(), "a Loop body's constant edited");
		return r.problems();
	}

	/** h = h + body_bias, the bias [10] (0.25 each) the body's own initializer, stored as raw float32; its nodes named or not. */
	private static GraphProto body(boolean namedNodes) {
		ByteBuffer bias = ByteBuffer.allocate(40).order(ByteOrder.LITTLE_ENDIAN);
		for (int i = 0; i < 10; i++) {
			bias.putFloat(0.25f);
		}
		return GraphProto.newBuilder().setName("refine_body")
				.addInitializer(TensorProto.newBuilder().setName("body_bias").setDataType(TensorProto.DataType.FLOAT_VALUE).addDims(10)
						.setRawData(ByteString.copyFrom(bias.array())))
				.addNode(NodeProto.newBuilder().setOpType("Add").setName(namedNodes ? "body_add" : "").addInput("h_in").addInput("body_bias").addOutput("h_out"))
				.addNode(NodeProto.newBuilder().setOpType("Identity").setName(namedNodes ? "body_cond" : "").addInput("cond_in").addOutput("cond_out"))
				.addInput(value("iter", TensorProto.DataType.INT64_VALUE, false)).addInput(value("cond_in", TensorProto.DataType.BOOL_VALUE, false))
				.addInput(value("h_in", TensorProto.DataType.FLOAT_VALUE, true))
				.addOutput(value("cond_out", TensorProto.DataType.BOOL_VALUE, false)).addOutput(value("h_out", TensorProto.DataType.FLOAT_VALUE, true))
				.build();
	}

	/** A value of {@code type}: [N, 10] when {@code logits}, else a scalar. */
	private static ValueInfoProto value(String name, int type, boolean logits) {
		TensorShapeProto.Builder shape = TensorShapeProto.newBuilder();
		if (logits) {
			shape.addDim(TensorShapeProto.Dimension.newBuilder().setDimParam("N")).addDim(TensorShapeProto.Dimension.newBuilder().setDimValue(10));
		}
		return ValueInfoProto.newBuilder().setName(name).setType(TypeProto.newBuilder().setTensorType(TypeProto.Tensor.newBuilder().setElemType(type).setShape(shape)))
				.build();
	}
}
