package org.quantrace.engine.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import java.util.stream.Collectors;

import org.junit.jupiter.api.Test;
import org.quantrace.engine.InvalidInputException;
import org.quantrace.engine.inspect.Inspection;
import org.quantrace.engine.inspect.ModelInspector;
import org.quantrace.engine.onnx.OnnxModel;
import org.quantrace.engine.runtime.InferenceSession;
import org.quantrace.engine.runtime.SessionSettings;
import org.quantrace.testing.Float64Models;

/**
 * A float32 model that computes part of its graph in float64 (branch hostile7's variants of round 19's f64). A Cast chain
 * (float32 -> float64 -> Relu -> float32) ONNX Runtime runs: inspect stopped with "internal error ... unsupported output type
 * FLOAT64", exit 70, as the shape probe read every intermediate value. A float64 Conv between Casts ONNX Runtime does not load:
 * inspect and the trace's inventory typed its intermediate values UNKNOWN where verify derives float64 and float32 (an honest
 * run failed verify with 6 mismatches), and evaluate's hint said to check the model, not that convert narrows it.
 */
class Float64IslandTest {

	@Test
	void aFloat64CastChainIsInspectedWithItsFloat64Values() {
		Inspection i = ModelInspector.inspect(OnnxModel.of(Float64Models.float64Island(false)), "chain.onnx", 0, "", true);

		assertEquals(Map.of("x", "FLOAT32", "d", "FLOAT64", "r", "FLOAT64", "f", "FLOAT32", "y", "FLOAT32"), types(i));
	}

	@Test
	void aFloat64ConvONNXRuntimeDoesNotLoadIsTypedFromItsNarrowing() {
		Inspection i = ModelInspector.inspect(OnnxModel.of(Float64Models.float64Island(true)), "island.onnx", 0, "", true);

		assertEquals("FLOAT64", types(i).get("c"), i.tensors().toString());
		assertEquals(Map.of("x", "FLOAT32", "d", "FLOAT64", "c", "FLOAT64", "r", "FLOAT64", "f", "FLOAT32", "y", "FLOAT32"),
				types(i).entrySet().stream().filter(e -> !e.getKey().equals("W")).collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue)));
		assertTrue(i.notes().stream().anyMatch(n -> n.contains("a float32 value of it float64 here where the model computes it from float64 values")), i.notes().toString());
	}

	@Test
	void aSessionThatCannotLoadAFloat64ConvSaysConvertNarrowsIt() {
		InvalidInputException e = assertThrows(InvalidInputException.class,
				() -> InferenceSession.open(OnnxModel.of(Float64Models.float64Island(true)), SessionSettings.defaults(), "island.onnx").close());

		assertTrue(e.getMessage().contains("Could not find an implementation for Conv(11)"), e.getMessage());
		assertTrue(e.hint().startsWith("the model holds float64 values, and ONNX Runtime's CPU kernels of Conv, for one, are float32 only: convert it first"
				+ " (quantrace convert MODEL.onnx -o MODEL32.onnx narrows it to float32"), e.hint());
	}

	/**
	 * A float32 model whose output is float64 (a Cast to double last): evaluate, inspect and quantize stopped with "internal error
	 * ... unsupported output type FLOAT64" (exit 70) on main. The session's float64 output is read rounded to float32.
	 */
	@Test
	void aFloat64OutputIsReadAsFloat32Values() {
		var cast = Float64Models.float64Island(false).toBuilder();
		var g = cast.getGraphBuilder();
		g.removeNode(3).removeNode(2).removeNode(1); // x -> Cast(float64) -> y only
		g.getNodeBuilder(0).setOutput(0, "y");
		g.getOutputBuilder(0).getTypeBuilder().getTensorTypeBuilder().setElemType(ai.onnx.proto.OnnxMl.TensorProto.DataType.DOUBLE_VALUE)
				.getShapeBuilder().clearDim().addDim(ai.onnx.proto.OnnxMl.TensorShapeProto.Dimension.newBuilder().setDimValue(1))
				.addDim(ai.onnx.proto.OnnxMl.TensorShapeProto.Dimension.newBuilder().setDimValue(1))
				.addDim(ai.onnx.proto.OnnxMl.TensorShapeProto.Dimension.newBuilder().setDimValue(4))
				.addDim(ai.onnx.proto.OnnxMl.TensorShapeProto.Dimension.newBuilder().setDimValue(4));
		float[] x = new float[16];
		for (int i = 0; i < 16; i++) {
			x[i] = i / 7f;
		}
		try (InferenceSession s = InferenceSession.open(OnnxModel.of(cast.build()), SessionSettings.defaults(), "out64.onnx")) {
			org.quantrace.engine.runtime.NdArray y = s.run(Map.of("x", org.quantrace.engine.runtime.NdArray.ofFloats(new long[] { 1, 1, 4, 4 }, x))).get("y");

			assertEquals(org.quantrace.engine.onnx.DataType.FLOAT, y.type());
			assertEquals(java.util.Arrays.toString(x), java.util.Arrays.toString(y.floats()));
		}
	}

	/**
	 * A float64 island passed out of an If (each branch Casts x to float64, or a float64 Loop-carried value): the values after the
	 * If were read as float32, since the If reads only its condition (the lead, 2026-12-06: the gap the f64 branch left open).
	 */
	@Test
	void float64ValuesFollowAnIfsBranchesAndALoopsBody() {
		ai.onnx.proto.OnnxMl.AttributeProto.Builder to64 = ai.onnx.proto.OnnxMl.AttributeProto.newBuilder().setName("to")
				.setType(ai.onnx.proto.OnnxMl.AttributeProto.AttributeType.INT).setI(ai.onnx.proto.OnnxMl.TensorProto.DataType.DOUBLE_VALUE);
		java.util.function.Function<String, ai.onnx.proto.OnnxMl.GraphProto> branch = out -> ai.onnx.proto.OnnxMl.GraphProto.newBuilder().setName(out)
				.addNode(org.quantrace.testing.TestModels.node("Cast", out + "_cast", java.util.List.of("x"), out).toBuilder().addAttribute(to64))
				.addOutput(ai.onnx.proto.OnnxMl.ValueInfoProto.newBuilder().setName(out)).build();
		ai.onnx.proto.OnnxMl.NodeProto branches = ai.onnx.proto.OnnxMl.NodeProto.newBuilder().setOpType("If").setName("branch").addInput("c").addOutput("d")
				.addAttribute(ai.onnx.proto.OnnxMl.AttributeProto.newBuilder().setName("then_branch").setType(ai.onnx.proto.OnnxMl.AttributeProto.AttributeType.GRAPH)
						.setG(branch.apply("t")))
				.addAttribute(ai.onnx.proto.OnnxMl.AttributeProto.newBuilder().setName("else_branch").setType(ai.onnx.proto.OnnxMl.AttributeProto.AttributeType.GRAPH)
						.setG(branch.apply("e")))
				.build();
		// a Loop carrying d: body (i, cond, v) -> cond, Relu(v) as w; its output l is float64, the Relu after it too
		ai.onnx.proto.OnnxMl.GraphProto body = ai.onnx.proto.OnnxMl.GraphProto.newBuilder().setName("body").addInput(ai.onnx.proto.OnnxMl.ValueInfoProto.newBuilder().setName("i"))
				.addInput(ai.onnx.proto.OnnxMl.ValueInfoProto.newBuilder().setName("ci")).addInput(ai.onnx.proto.OnnxMl.ValueInfoProto.newBuilder().setName("v"))
				.addNode(org.quantrace.testing.TestModels.node("Identity", "keep", java.util.List.of("ci"), "co"))
				.addNode(org.quantrace.testing.TestModels.node("Relu", "step", java.util.List.of("v"), "w"))
				.addOutput(ai.onnx.proto.OnnxMl.ValueInfoProto.newBuilder().setName("co")).addOutput(ai.onnx.proto.OnnxMl.ValueInfoProto.newBuilder().setName("w")).build();
		ai.onnx.proto.OnnxMl.NodeProto loop = ai.onnx.proto.OnnxMl.NodeProto.newBuilder().setOpType("Loop").setName("loop").addInput("n").addInput("c").addInput("d")
				.addOutput("l").addAttribute(ai.onnx.proto.OnnxMl.AttributeProto.newBuilder().setName("body").setType(ai.onnx.proto.OnnxMl.AttributeProto.AttributeType.GRAPH)
						.setG(body))
				.build();
		ai.onnx.proto.OnnxMl.ModelProto m = org.quantrace.testing.TestModels.graph(java.util.List.of(branches, loop,
				org.quantrace.testing.TestModels.node("Relu", "after", java.util.List.of("l"), "r"), org.quantrace.testing.TestModels.node("Relu", "apart", java.util.List.of("x"), "y")),
				java.util.List.of(), org.quantrace.testing.TestModels.tensor("x", 1, 4), org.quantrace.testing.TestModels.tensor("y", 1, 4));

		java.util.Set<String> doubles = org.quantrace.engine.onnx.FloatWidening.float64Values(OnnxModel.of(m));

		assertEquals(new java.util.TreeSet<>(java.util.List.of("t", "e", "d", "v", "w", "l", "r")), new java.util.TreeSet<>(doubles));
	}

	private static Map<String, String> types(Inspection i) {
		return i.tensors().stream().collect(Collectors.toMap(Inspection.TensorEntry::name, Inspection.TensorEntry::type));
	}
}
