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

	private static Map<String, String> types(Inspection i) {
		return i.tensors().stream().collect(Collectors.toMap(Inspection.TensorEntry::name, Inspection.TensorEntry::type));
	}
}
