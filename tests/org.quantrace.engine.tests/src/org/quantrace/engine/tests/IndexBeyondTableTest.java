package org.quantrace.engine.tests;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.quantrace.engine.InvalidInputException;
import org.quantrace.engine.onnx.OnnxModel;
import org.quantrace.engine.runtime.InferenceSession;
import org.quantrace.engine.runtime.NdArray;
import org.quantrace.engine.runtime.SessionSettings;
import org.quantrace.testing.TestModels;

import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnx.proto.OnnxMl.TensorShapeProto;
import ai.onnx.proto.OnnxMl.TypeProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;

/**
 * Ids beyond an embedding table in a batch after the first (the start-up probe runs the first sample only) stopped the work
 * inside ONNX Runtime: "inference failed", exit 3, with a hint to check the input names, types and shapes (hostile13's
 * finding). The data is at fault: bad input, exit 2, naming the node, ONNX Runtime's bound and what to check.
 */
class IndexBeyondTableTest {

	/** ids [N, 4] int64 -> Gather from a table of 10 rows of 2 -> y [N, 4, 2]. */
	private static OnnxModel idsIntoATableOfTen() {
		TensorShapeProto.Builder shape = TensorShapeProto.newBuilder().addDim(TensorShapeProto.Dimension.newBuilder().setDimParam("N"))
				.addDim(TensorShapeProto.Dimension.newBuilder().setDimValue(4));
		ValueInfoProto ids = ValueInfoProto.newBuilder().setName("ids")
				.setType(TypeProto.newBuilder().setTensorType(TypeProto.Tensor.newBuilder().setElemType(TensorProto.DataType.INT64_VALUE).setShape(shape))).build();
		return OnnxModel.of(TestModels.graph(List.of(TestModels.node("Gather", "lookup", List.of("table", "ids"), "y")),
				List.of(TestModels.floats("table", new long[] { 10, 2 }, new float[20])), ids, TestModels.tensor("y", 1, 4, 2)));
	}

	@Test
	void anIdBeyondTheTableIsTheDataAtFault() {
		try (InferenceSession s = InferenceSession.open(idsIntoATableOfTen(), SessionSettings.defaults().withThreads(1), "ids.onnx")) {
			s.run(Map.of("ids", NdArray.ofLongs(new long[] { 2, 4 }, new long[] { 1, 2, 3, 9, 0, 4, 8, 5 }))); // the first batch runs
			InvalidInputException e = assertThrows(InvalidInputException.class,
					() -> s.run(Map.of("ids", NdArray.ofLongs(new long[] { 2, 4 }, new long[] { 1, 2, 3, 9, 0, 4, 12, 5 }))));
			assertTrue(e.getMessage().startsWith("ids.onnx: a value of the data fed (in a batch of 2 samples) is an index beyond the table node 'lookup'"
					+ " (Gather) reads: indices element out of data bounds, idx=12"), e.getMessage());
			assertTrue(e.hint().contains("ids or indices within the range the model was made for"), e.hint());
		}
	}

	@Test
	void idsWithinTheTableRun() {
		try (InferenceSession s = InferenceSession.open(idsIntoATableOfTen(), SessionSettings.defaults().withThreads(1), "ids.onnx")) {
			NdArray y = s.run(Map.of("ids", NdArray.ofLongs(new long[] { 2, 4 }, new long[] { 1, 2, 3, 9, 0, 4, 8, 5 }))).get("y");
			assertTrue(java.util.Arrays.equals(new long[] { 2, 4, 2 }, y.shape()), java.util.Arrays.toString(y.shape()));
		}
	}
}
