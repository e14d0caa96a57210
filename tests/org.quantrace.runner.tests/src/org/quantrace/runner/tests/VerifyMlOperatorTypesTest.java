package org.quantrace.runner.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.quantrace.runner.Verification;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.OperatorSetIdProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnx.proto.OnnxMl.TensorShapeProto;
import ai.onnx.proto.OnnxMl.TypeProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;

/**
 * skl2onnx's classifier tail (round 32's skllr_nozipmap: Scaler, LinearClassifier, Normalizer): verify typed every node output
 * by its first input unless a rule said otherwise, so the LinearClassifier's INT64 labels were counted FLOAT32 and an honest run
 * verified with 4 mismatches in the tensor inventories ("original inventory FLOAT32 ...: says [5, 0, 0], re-derived [6, 0, 0]").
 */
class VerifyMlOperatorTypesTest {

	@Test
	void aClassifiersLabelsAreCountedAsTheIntegersTheyAre() throws IOException {
		Path copy = Runs.exampleCopy("ml-tail");
		ModelProto.Builder cnn = ModelProto.parseFrom(Files.readAllBytes(copy.resolve("model/fashion_cnn_trained.onnx"))).toBuilder()
				.addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("ai.onnx.ml").setVersion(1));
		GraphProto.Builder g = cnn.getGraphBuilder();
		String logits = g.getOutput(0).getName();
		AttributeProto.Builder coefficients = AttributeProto.newBuilder().setName("coefficients").setType(AttributeProto.AttributeType.FLOATS);
		AttributeProto.Builder intercepts = AttributeProto.newBuilder().setName("intercepts").setType(AttributeProto.AttributeType.FLOATS);
		AttributeProto.Builder classes = AttributeProto.newBuilder().setName("classlabels_ints").setType(AttributeProto.AttributeType.INTS);
		for (int c = 0; c < 10; c++) {
			for (int i = 0; i < 10; i++) {
				coefficients.addFloats(c == i ? 1f : 0f);
			}
			intercepts.addFloats(0f);
			classes.addInts(c);
		}
		g.addNode(NodeProto.newBuilder().setOpType("LinearClassifier").setDomain("ai.onnx.ml").setName("LinearClassifier").addInput(logits)
				.addOutput("label").addOutput("probability_tensor").addAttribute(coefficients).addAttribute(intercepts).addAttribute(classes)
				.addAttribute(AttributeProto.newBuilder().setName("post_transform").setType(AttributeProto.AttributeType.STRING)
						.setS(com.google.protobuf.ByteString.copyFromUtf8("SOFTMAX"))));
		// skl2onnx's tail: the labels reach the output through a Cast, so nothing declares the classifier's own output's type
		g.addNode(NodeProto.newBuilder().setOpType("Cast").setName("Cast").addInput("label").addOutput("output_label").addAttribute(AttributeProto.newBuilder()
				.setName("to").setType(AttributeProto.AttributeType.INT).setI(TensorProto.DataType.INT64_VALUE)));
		g.clearOutput().addOutput(value("probability_tensor", TensorProto.DataType.FLOAT_VALUE, 10))
				.addOutput(value("output_label", TensorProto.DataType.INT64_VALUE, 0));
		Files.write(copy.resolve("model/ml_tail.onnx"), cnn.build().toByteArray());
		Path recipe = Runs.fiqInt8Recipe(copy, "ml_tail.qr", "ml_tail", "model/ml_tail.onnx");
		Path out = copy.resolve("out");
		assertEquals(0, Runs.run(recipe, out).exitCode());
		Verification.Result honest = Verification.verify(out);
		assertTrue(honest.passed(), honest.problems().toString());
	}

	/**
	 * A two-stage head (round 35's rare13): the class ArgMax picks, one-hot encoded by OneHot with float values, added to the logits.
	 * OneHot's output is of its values' type (FLOAT32), not its indices' (INT64); verify typed it by its first input, and an honest
	 * run of rare13 verified with 24 mismatches in the tensor inventories ("INT64 ...: says [10, 6, 80], re-derived [12, 6, 80]").
	 */
	@Test
	void aOneHotIsOfItsValuesType() throws IOException {
		Path copy = Runs.exampleCopy("onehot-tail");
		ModelProto.Builder cnn = ModelProto.parseFrom(Files.readAllBytes(copy.resolve("model/fashion_cnn_trained.onnx"))).toBuilder();
		GraphProto.Builder g = cnn.getGraphBuilder();
		String logits = g.getOutput(0).getName();
		g.addInitializer(TensorProto.newBuilder().setName("depth").setDataType(TensorProto.DataType.INT64_VALUE).addInt64Data(10));
		g.addInitializer(TensorProto.newBuilder().setName("onehot_values").setDataType(TensorProto.DataType.FLOAT_VALUE).addDims(2).addFloatData(0f)
				.addFloatData(1f));
		g.addNode(NodeProto.newBuilder().setOpType("ArgMax").setName("ArgMax").addInput(logits).addOutput("picked")
				.addAttribute(AttributeProto.newBuilder().setName("axis").setType(AttributeProto.AttributeType.INT).setI(1))
				.addAttribute(AttributeProto.newBuilder().setName("keepdims").setType(AttributeProto.AttributeType.INT).setI(0)));
		g.addNode(NodeProto.newBuilder().setOpType("OneHot").setName("OneHot").addInput("picked").addInput("depth").addInput("onehot_values")
				.addOutput("onehot"));
		g.addNode(NodeProto.newBuilder().setOpType("Add").setName("Refine").addInput(logits).addInput("onehot").addOutput("refined"));
		g.clearOutput().addOutput(value("refined", TensorProto.DataType.FLOAT_VALUE, 10));
		Files.write(copy.resolve("model/onehot_tail.onnx"), cnn.build().toByteArray());
		Path recipe = Runs.fiqInt8Recipe(copy, "onehot_tail.qr", "onehot_tail", "model/onehot_tail.onnx");
		Path out = copy.resolve("out");
		assertEquals(0, Runs.run(recipe, out).exitCode());
		Verification.Result honest = Verification.verify(out);
		assertTrue(honest.passed(), honest.problems().toString());
	}

	private static ValueInfoProto value(String name, int type, int classes) {
		TensorShapeProto.Builder shape = TensorShapeProto.newBuilder().addDim(TensorShapeProto.Dimension.newBuilder().setDimParam("N"));
		if (classes > 0) {
			shape.addDim(TensorShapeProto.Dimension.newBuilder().setDimValue(classes));
		}
		return ValueInfoProto.newBuilder().setName(name).setType(TypeProto.newBuilder().setTensorType(TypeProto.Tensor.newBuilder().setElemType(type).setShape(shape)))
				.build();
	}
}
