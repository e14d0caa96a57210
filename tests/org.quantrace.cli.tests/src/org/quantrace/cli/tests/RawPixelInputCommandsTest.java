package org.quantrace.cli.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.quantrace.testing.TestData;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.TensorProto;

/**
 * A model that takes the raw uint8 image and casts and scales it in its graph (make_unseen14.py "rawin"), evaluated with
 * {@code --preprocess grayscale,layout=NHWC,dtype=uint8}: without a scale step the command line scaled the pixels by its image
 * default 1/255 before rounding them to uint8, so the model saw images of 0 and 1 (rawin: 0.0975 on 2,000 images, torch 0.7380)
 * while the same steps in a recipe's preprocess block (no scale: 1) fed the pixels (0.731). A dtype of uint8 or int8 without a
 * scale now takes the pixels as they are, as the recipe does; float32 keeps the default 1/255.
 */
class RawPixelInputCommandsTest {

	@Test
	void aUint8InputWithoutAScaleStepIsFedThePixels() throws IOException {
		String images = TestData.data("fashion-mnist/t10k-images-idx3-ubyte.gz").toString();
		String labels = TestData.data("fashion-mnist/t10k-labels-idx1-ubyte.gz").toString();
		ModelProto cnn = ModelProto.parseFrom(Files.readAllBytes(TestData.data("models/fashion_mnist_cnn.onnx")));
		String input = cnn.getGraph().getInput(0).getName();
		GraphProto.Builder g = cnn.getGraph().toBuilder().clearNode();
		g.setInput(0, g.getInput(0).toBuilder().setType(g.getInput(0).getType().toBuilder()
				.setTensorType(g.getInput(0).getType().getTensorType().toBuilder().setElemType(TensorProto.DataType.UINT8_VALUE))).setName("pixels"));
		g.addNode(NodeProto.newBuilder().setOpType("Cast").setName("to_float").addInput("pixels").addOutput("pixels_f")
				.addAttribute(AttributeProto.newBuilder().setName("to").setType(AttributeProto.AttributeType.INT).setI(TensorProto.DataType.FLOAT_VALUE)));
		g.addNode(NodeProto.newBuilder().setOpType("Div").setName("div_255").addInput("pixels_f").addInput("c255").addOutput(input));
		g.addInitializer(TensorProto.newBuilder().setName("c255").setDataType(TensorProto.DataType.FLOAT_VALUE).addFloatData(255f));
		g.addAllNode(cnn.getGraph().getNodeList());
		Path raw = TestData.tempDir("raw-pixels-cli").resolve("raw.onnx");
		Files.write(raw, cnn.toBuilder().setGraph(g).build().toByteArray());

		Cli f = Cli.run("evaluate", TestData.data("models/fashion_mnist_cnn.onnx").toString(), "--data", images, "--labels", labels, "--samples", "500");
		Cli u = Cli.run("evaluate", raw.toString(), "--data", images, "--labels", labels, "--samples", "500", "--preprocess", "grayscale,dtype=uint8");

		assertEquals(0, f.exitCode(), f.err());
		assertEquals(0, u.exitCode(), u.err());
		String floatRow = f.out().lines().filter(l -> l.startsWith("fashion_mnist_cnn ")).findFirst().orElseThrow();
		String rawRow = u.out().lines().filter(l -> l.startsWith("raw ")).findFirst().orElseThrow();
		String accuracy = floatRow.trim().split("\\s+")[1];
		assertTrue(Double.parseDouble(accuracy) > 0.8, floatRow);
		assertEquals(accuracy, rawRow.trim().split("\\s+")[1], "the same pixels, divided by 255 in the graph: " + rawRow + " / " + floatRow);
	}
}
