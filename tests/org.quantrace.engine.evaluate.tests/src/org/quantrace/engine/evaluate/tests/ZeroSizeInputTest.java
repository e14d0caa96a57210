package org.quantrace.engine.evaluate.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;
import org.quantrace.engine.InvalidInputException;
import org.quantrace.engine.data.Dataset;
import org.quantrace.engine.data.DatasetSpec;
import org.quantrace.engine.data.Datasets;
import org.quantrace.engine.data.ModelInputs;
import org.quantrace.engine.onnx.OnnxModel;
import org.quantrace.testing.TestData;

import ai.onnx.proto.OnnxMl.ModelProto;

/**
 * A model whose input declares a dimension of size 0 (hostile14): the iris MLP (hostile12's make_iris.py) with its features declared
 * [N, 0] was refused as the data's fault, "iris.csv: samples of shape [4] do not fit input 'features' [N, 0] ... preprocess the data
 * to the model's input shape"; with its batch declared [0, 4] the check passed and ONNX Runtime refused the first sample ("Got: 1
 * Expected: 0"), said as the graph contradicting its declared input. An input of no values is the model's fault.
 */
class ZeroSizeInputTest {

	private static final Dataset IRIS = Datasets.open(DatasetSpec.of(TestData.data("wild/hostile12/iris.csv"), null).withLabelColumns(List.of("species")));

	private static OnnxModel declaring(int axis) {
		ModelProto.Builder m = OnnxModel.load(TestData.data("wild/hostile12/iris_mlp.onnx")).toProto().toBuilder();
		m.getGraphBuilder().getInputBuilder(0).getTypeBuilder().getTensorTypeBuilder().getShapeBuilder().getDimBuilder(axis).setDimValue(0);
		return OnnxModel.of(m.build());
	}

	@Test
	void theIrisDataFitsTheModelAsExported() {
		assertEquals(1, ModelInputs.of(OnnxModel.load(TestData.data("wild/hostile12/iris_mlp.onnx")), "iris_mlp.onnx", IRIS).inputs().size());
	}

	@Test
	void aFeatureAxisOfSizeZeroIsTheModelsFault() {
		InvalidInputException e = assertThrows(InvalidInputException.class, () -> ModelInputs.of(declaring(1), "iris_mlp.onnx", IRIS));
		assertEquals("iris_mlp.onnx: input 'features' [N, 0] declares a dimension of size 0 (axis 1): an input of no values, which no sample fits", e.getMessage());
		assertTrue(e.hint().startsWith("export the model again with that axis's real size"), e.hint());
	}

	@Test
	void aBatchOfSizeZeroIsTheModelsFault() {
		InvalidInputException e = assertThrows(InvalidInputException.class, () -> ModelInputs.of(declaring(0), "iris_mlp.onnx", IRIS));
		assertEquals("iris_mlp.onnx: input 'features' [0, 4] declares a dimension of size 0 (axis 0): an input of no values, which no sample fits", e.getMessage());
	}
}
