package org.quantrace.engine.convert.tests;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;
import org.quantrace.engine.InvalidInputException;
import org.quantrace.engine.convert.FreezeOptions;
import org.quantrace.engine.convert.FreezeResult;
import org.quantrace.engine.convert.Freezer;
import org.quantrace.engine.onnx.FunctionInlining;
import org.quantrace.engine.onnx.OnnxModel;
import org.quantrace.engine.runtime.NdArray;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.FunctionProto;
import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.OperatorSetIdProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnx.proto.OnnxMl.TensorShapeProto;
import ai.onnx.proto.OnnxMl.TypeProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;

/**
 * Model-local functions (ModelProto.functions), as torch's dynamo exporter and onnxscript write modules: tests/data/wild
 * make_wild3.py new18_functions, three Conv + Relu blocks as calls of one function with {@code strides}/{@code pads}
 * referenced from the call. ONNX Runtime ran the model, but Quantrace saw only the calls: fiq-int8 quantized 2 of 17
 * layers and drq shrank the model to 0.98x. They are inlined now, by convert (reported, and checked against the original)
 * and by quantize.
 */
class LocalFunctionsTest {

	@Test
	void callsOfModelLocalFunctionsAreInlinedAndComputeTheSame() {
		OnnxModel model = model(18, 18);

		FreezeResult r = Freezer.freeze(model, "functions", FreezeOptions.defaults(), null);

		List<String> ops = r.model().graph().nodes().stream().map(n -> n.domain() + ":" + n.opType()).toList();
		assertTrue(ops.stream().noneMatch(o -> o.startsWith("pkg.wild")), ops.toString());
		assertEquals(2, ops.stream().filter(":Conv"::equals).count(), ops.toString());
		assertTrue(r.model().functions().isEmpty());
		assertTrue(!r.model().opsetImports().containsKey("pkg.wild"), r.model().opsetImports().toString());
		assertTrue(r.rewrites().stream().anyMatch(w -> w.toString().startsWith("model-local functions: inlined 2 calls")), r.rewrites().toString());
		assertTrue(r.removedNodes().containsAll(List.of("block1", "block2")), "verify re-derives the call nodes as gone: " + r.removedNodes());
		assertTrue(r.maxAbsDifference() < 1e-5, "difference " + r.maxAbsDifference());
		NdArray x = WildConversionTest.random(2, 2, 6, 6);
		assertArrayEquals(WildConversionTest.run(model, x), WildConversionTest.run(r.model(), x), 1e-5f);
	}

	@Test
	void aFunctionOfAnotherDefaultOpsetIsRefusedByName() {
		InvalidInputException e = assertThrows(InvalidInputException.class,
				() -> FunctionInlining.inline(model(18, 17), "functions.onnx"));
		assertTrue(e.getMessage().contains("functions.onnx: model-local function pkg.wild.Block imports default-domain opset 17 and the model 18"),
				e.getMessage());
	}

	/** x [N,2,6,6] -> Block(strides 1) -> Block(strides 2, pads 0); Block = ConvRelu (a nested function call) + Identity. */
	private static OnnxModel model(int opset, int functionOpset) {
		AttributeProto strides = AttributeProto.newBuilder().setName("strides").setRefAttrName("strides").setType(AttributeProto.AttributeType.INTS).build();
		AttributeProto pads = AttributeProto.newBuilder().setName("pads").setRefAttrName("pads").setType(AttributeProto.AttributeType.INTS).build();
		FunctionProto convRelu = FunctionProto.newBuilder().setDomain("pkg.wild").setName("ConvRelu").addInput("X").addInput("W").addInput("B")
				.addOutput("Y").addAttribute("strides").addAttribute("pads")
				.addNode(NodeProto.newBuilder().setOpType("Conv").addInput("X").addInput("W").addInput("B").addOutput("C").addAttribute(strides)
						.addAttribute(pads))
				.addNode(NodeProto.newBuilder().setOpType("Relu").addInput("C").addOutput("Y"))
				.addOpsetImport(OperatorSetIdProto.newBuilder().setVersion(functionOpset)).build();
		FunctionProto block = FunctionProto.newBuilder().setDomain("pkg.wild").setName("Block").addInput("X").addInput("W").addInput("B")
				.addOutput("Y").addAttribute("strides").addAttributeProto(ints("pads", 1, 1, 1, 1))
				.addNode(NodeProto.newBuilder().setOpType("ConvRelu").setDomain("pkg.wild").addInput("X").addInput("W").addInput("B").addOutput("R")
						.addAttribute(strides).addAttribute(pads))
				.addNode(NodeProto.newBuilder().setOpType("Identity").addInput("R").addOutput("Y"))
				.addOpsetImport(OperatorSetIdProto.newBuilder().setVersion(functionOpset))
				.addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("pkg.wild").setVersion(1)).build();
		GraphProto.Builder g = GraphProto.newBuilder().setName("functions").addInput(value("x", "N", 2, 6, 6)).addOutput(value("y", null))
				.addInitializer(floats("w1", 0.1f, 2, 2, 3, 3)).addInitializer(floats("b1", 0.05f, 2))
				.addInitializer(floats("w2", -0.07f, 3, 2, 3, 3)).addInitializer(floats("b2", 0.02f, 3))
				.addNode(NodeProto.newBuilder().setName("block1").setOpType("Block").setDomain("pkg.wild").addInput("x").addInput("w1").addInput("b1")
						.addOutput("h").addAttribute(ints("strides", 1, 1)))
				.addNode(NodeProto.newBuilder().setName("block2").setOpType("Block").setDomain("pkg.wild").addInput("h").addInput("w2").addInput("b2")
						.addOutput("y").addAttribute(ints("strides", 2, 2)).addAttribute(ints("pads", 0, 0, 0, 0)));
		return OnnxModel.of(ModelProto.newBuilder().setIrVersion(8).setProducerName("dynamo-like")
				.addOpsetImport(OperatorSetIdProto.newBuilder().setVersion(opset)).addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("pkg.wild").setVersion(1))
				.addFunctions(convRelu).addFunctions(block).setGraph(g).build());
	}

	private static AttributeProto ints(String name, long... v) {
		AttributeProto.Builder a = AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INTS);
		for (long e : v) {
			a.addInts(e);
		}
		return a.build();
	}

	private static TensorProto floats(String name, float step, long... dims) {
		TensorProto.Builder t = TensorProto.newBuilder().setName(name).setDataType(TensorProto.DataType.FLOAT_VALUE);
		long n = 1;
		for (long d : dims) {
			t.addDims(d);
			n *= d;
		}
		for (long i = 0; i < n; i++) {
			t.addFloatData(step * ((i % 5) - 2));
		}
		return t.build();
	}

	private static ValueInfoProto value(String name, String batch, long... dims) {
		TypeProto.Tensor.Builder type = TypeProto.Tensor.newBuilder().setElemType(TensorProto.DataType.FLOAT_VALUE);
		if (batch != null) {
			TensorShapeProto.Builder shape = TensorShapeProto.newBuilder().addDim(TensorShapeProto.Dimension.newBuilder().setDimParam(batch));
			for (long d : dims) {
				shape.addDim(TensorShapeProto.Dimension.newBuilder().setDimValue(d));
			}
			type.setShape(shape);
		}
		return ValueInfoProto.newBuilder().setName(name).setType(TypeProto.newBuilder().setTensorType(type)).build();
	}
}
