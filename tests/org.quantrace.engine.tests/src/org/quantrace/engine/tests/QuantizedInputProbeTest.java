package org.quantrace.engine.tests;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;
import org.quantrace.engine.InvalidInputException;
import org.quantrace.engine.onnx.OnnxModel;
import org.quantrace.engine.runtime.NdArray;
import org.quantrace.engine.runtime.ShapeProbe;
import org.quantrace.testing.TestModels;

import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnx.proto.OnnxMl.TensorShapeProto;
import ai.onnx.proto.OnnxMl.TypeProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;

/**
 * The start-up check that a model runs ({@link ShapeProbe#requireRuns}) on a model with a uint8 input fed float data ran zeros
 * of the input's type (multiin2, hostile12): a graph whose work depends on the values (ids looked up in a table) passed there
 * and stopped the work later. It runs the sample quantized, q = r / S + Z, as every step feeds it.
 */
class QuantizedInputProbeTest {

	/** ids [1, 4] uint8 -> DequantizeLinear (scale 1, zero point 0) -> Cast int64 -> Gather from a table of 10 rows -> y [1, 4, 2]. */
	private static OnnxModel idsIntoATableOfTen() {
		TensorShapeProto.Builder shape = TensorShapeProto.newBuilder().addDim(TensorShapeProto.Dimension.newBuilder().setDimValue(1))
				.addDim(TensorShapeProto.Dimension.newBuilder().setDimValue(4));
		ValueInfoProto ids = ValueInfoProto.newBuilder().setName("ids")
				.setType(TypeProto.newBuilder().setTensorType(TypeProto.Tensor.newBuilder().setElemType(TensorProto.DataType.UINT8_VALUE).setShape(shape))).build();
		List<TensorProto> weights = List.of(TestModels.floats("s", new long[0], 1f), TestModels.ints("z", TensorProto.DataType.UINT8_VALUE, new long[0], 0),
				TestModels.floats("table", new long[] { 10, 2 }, new float[20]));
		var cast = TestModels.node("Cast", "to_ids", List.of("r"), "i").toBuilder()
				.addAttribute(ai.onnx.proto.OnnxMl.AttributeProto.newBuilder().setName("to").setType(ai.onnx.proto.OnnxMl.AttributeProto.AttributeType.INT)
						.setI(TensorProto.DataType.INT64_VALUE))
				.build();
		return OnnxModel.of(TestModels.graph(List.of(TestModels.node("DequantizeLinear", "deq", List.of("ids", "s", "z"), "r"), cast,
				TestModels.node("Gather", "lookup", List.of("table", "i"), "y")), weights, ids, TestModels.tensor("y", 1, 4, 2)));
	}

	@Test
	void floatIdsWithinTheTableRun() {
		ShapeProbe.requireRuns(idsIntoATableOfTen(), "ids.onnx", NdArray.ofFloats(new long[] { 1, 4 }, new float[] { 1, 2, 3, 9 }));
	}

	@Test
	void floatIdsBeyondTheTableAreRunQuantizedAndRefusedBeforeAnyWork() {
		NdArray beyond = NdArray.ofFloats(new long[] { 1, 4 }, new float[] { 1, 2, 3, 12 });
		InvalidInputException e = assertThrows(InvalidInputException.class, () -> ShapeProbe.requireRuns(idsIntoATableOfTen(), "ids.onnx", beyond),
				"zeros of uint8 passed: the data's 12 was never looked up");
		assertTrue(e.getMessage().startsWith("ids.onnx: ") && e.getMessage().contains("'lookup'") && e.getMessage().contains("12"), e.getMessage());
		// the data's values are at fault, not the graph (hostile13's open item: the hint said "the graph contradicts its own declared input")
		assertTrue(e.hint().startsWith("the data is at fault, not the model: a value of its first sample is an index beyond the table at node 'lookup'"
				+ " (Gather) reads"), e.hint());
		assertFalse(e.hint().contains("contradicts"), e.hint());
	}
}
