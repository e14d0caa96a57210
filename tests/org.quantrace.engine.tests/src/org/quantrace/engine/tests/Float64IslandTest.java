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

	private static Map<String, String> types(Inspection i) {
		return i.tensors().stream().collect(Collectors.toMap(Inspection.TensorEntry::name, Inspection.TensorEntry::type));
	}
}
