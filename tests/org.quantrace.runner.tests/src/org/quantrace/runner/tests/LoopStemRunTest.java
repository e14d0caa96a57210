package org.quantrace.runner.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.quantrace.engine.onnx.DataType;
import org.quantrace.engine.onnx.Graph;
import org.quantrace.engine.onnx.Node;
import org.quantrace.engine.onnx.OnnxModel;
import org.quantrace.runner.Verification;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnx.proto.OnnxMl.TensorShapeProto;
import ai.onnx.proto.OnnxMl.TypeProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;

/**
 * Round 22's loopconv shape on the trained example CNN: a float Loop (h = Relu(h), two trips: the pooled Relu's values unchanged)
 * between the stem's MaxPool and the second Conv. Under fiq_int8 the stem, whose pool only that Loop reads, computes in float on
 * its float weights (its QLinearConv 1 → 16 ran 4-8x slower, and int8 weights after a DequantizeLinear make ONNX Runtime run a
 * plain Conv instead of its NCHWc one). ONNX Runtime keeps those weights float: no QuantizeLinear reads the stem's result. verify
 * said they "do not run" (its WeightBiasQuantization rule took every float weight after the int8 input's DequantizeLinear).
 */
class LoopStemRunTest {

	@Test
	void aStemWhosePoolAFloatLoopReadsRunsItsFloatWeightsAndVerifiesClean() throws IOException {
		Path copy = Runs.exampleCopy("loop-stem");
		ModelProto.Builder cnn = ModelProto.parseFrom(Files.readAllBytes(copy.resolve("model/fashion_cnn_trained.onnx"))).toBuilder();
		GraphProto.Builder g = cnn.getGraphBuilder();
		String pooled = "/features/features.3/MaxPool_output_0";
		g.addInitializer(TensorProto.newBuilder().setName("trips").setDataType(TensorProto.DataType.INT64_VALUE).addInt64Data(2));
		int after = g.getNodeList().stream().map(NodeProto::getName).toList().indexOf("/features/features.3/MaxPool");
		g.addNode(after + 1, NodeProto.newBuilder().setOpType("Loop").setName("refine").addInput("trips").addInput("").addInput(pooled).addOutput("refined")
				.addAttribute(AttributeProto.newBuilder().setName("body").setType(AttributeProto.AttributeType.GRAPH).setG(body())).build()); // in topological order, as an exporter writes it
		NodeProto.Builder second = g.getNodeBuilderList().stream().filter(n -> n.getName().equals("/features/features.4/Conv")).findFirst().orElseThrow();
		second.setInput(0, "refined");
		Files.write(copy.resolve("model/loop_stem.onnx"), cnn.build().toByteArray());
		Path out = copy.resolve("out");
		var outcome = Runs.run(Runs.fiqInt8Recipe(copy, "loop_stem.qr", "loop_stem", "model/loop_stem.onnx"), out);
		assertEquals(0, outcome.exitCode(), outcome.diagnostics().toString());

		Graph q = OnnxModel.load(out.resolve("models/cnn/fiq_int8.onnx")).graph();
		Node stem = q.nodes().stream().filter(n -> n.name().equals("/features/features.0/Conv")).findFirst().orElseThrow();
		assertEquals(DataType.FLOAT, q.initializer(stem.input(1)).dataType(), "the stem reads its float weights: " + stem.inputs());
		assertTrue(Files.readString(out.resolve("logs/PhIMT0003-cnn.md")).contains("whose pooled activation only float ops read"), "the log says why");

		List<Verification.Problem> problems = Verification.verify(out).problems();
		assertTrue(problems.isEmpty(), problems.size() + " mismatches: " + problems);
	}

	/** h_out = Relu(h_in), the condition passed on. */
	private static GraphProto body() {
		return GraphProto.newBuilder().setName("body")
				.addInput(value("iter", TensorProto.DataType.INT64_VALUE, true)).addInput(value("cond_in", TensorProto.DataType.BOOL_VALUE, true))
				.addInput(value("h_in", TensorProto.DataType.FLOAT_VALUE, false))
				.addNode(NodeProto.newBuilder().setOpType("Relu").setName("body_relu").addInput("h_in").addOutput("h_out"))
				.addNode(NodeProto.newBuilder().setOpType("Identity").setName("body_cond").addInput("cond_in").addOutput("cond_out"))
				.addOutput(value("cond_out", TensorProto.DataType.BOOL_VALUE, true)).addOutput(value("h_out", TensorProto.DataType.FLOAT_VALUE, false)).build();
	}

	private static ValueInfoProto value(String name, int type, boolean scalar) {
		TypeProto.Tensor.Builder t = TypeProto.Tensor.newBuilder().setElemType(type);
		if (scalar) {
			t.setShape(TensorShapeProto.newBuilder());
		}
		return ValueInfoProto.newBuilder().setName(name).setType(TypeProto.newBuilder().setTensorType(t)).build();
	}
}
