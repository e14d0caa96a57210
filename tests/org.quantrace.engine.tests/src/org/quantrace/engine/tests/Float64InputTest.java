package org.quantrace.engine.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.quantrace.engine.InvalidInputException;
import org.quantrace.engine.onnx.DataType;
import org.quantrace.engine.onnx.OnnxModel;
import org.quantrace.engine.runtime.NdArray;
import org.quantrace.engine.runtime.ShapeProbe;
import org.quantrace.testing.Float64Models;
import org.quantrace.testing.TestModels;

/**
 * A model exported in float64 (round 19's f64: {@code model.double()} before torch.onnx.export). quantize, evaluate, debug,
 * prune and factorize check first that the model runs on one sample ({@link ShapeProbe#requireRuns}): fed float32 samples, it
 * made zeros of the declared float64 and stopped with "internal error ... unsupported tensor type FLOAT64", exit 70. Now the
 * input is refused by name (exit 2) with what to do.
 */
class Float64InputTest {

	private final OnnxModel model = OnnxModel.of(Float64Models.convRelu());

	@Test
	void checkingThatItRunsRefusesTheFloat64InputByName() {
		NdArray sample = NdArray.ofFloats(new long[] { 1, 1, 4, 4 }, new float[16]);

		InvalidInputException e = assertThrows(InvalidInputException.class, () -> ShapeProbe.requireRuns(model, "f64.onnx", sample));

		assertEquals("f64.onnx: input 'x' is float64, which Quantrace cannot feed: it feeds float32 inputs (float16 and bfloat16 ones with float32"
				+ " samples the session rounds), and int8, uint8, int16, uint16, int32, int64 and bool ones", e.getMessage());
		assertTrue(e.hint().startsWith("convert it first: quantrace convert MODEL.onnx -o MODEL32.onnx narrows it to float32"), e.hint());
		assertTrue(e.hint().contains("or export the model in float32 (PyTorch: model.float() and a float32 dummy input"), e.hint());
	}

	@Test
	void zerosForARunWithoutDataRefuseItAlike() {
		InvalidInputException e = assertThrows(InvalidInputException.class, () -> ShapeProbe.zeros(model.graph().inputs().get(0), 1, "f64.onnx"));

		assertTrue(e.getMessage().startsWith("f64.onnx: input 'x' is float64, which Quantrace cannot feed"), e.getMessage());
	}

	@Test
	void floatAndHalfInputsAreFedFloat32AndIntegerOnesTheirType() {
		assertEquals(DataType.FLOAT, ShapeProbe.feedType(TestModels.tensor("x", 1, 4), "m"));
		var half = TestModels.tensor("h", 1, 4).toBuilder();
		half.getTypeBuilder().getTensorTypeBuilder().setElemType(DataType.FLOAT16.code());
		assertEquals(DataType.FLOAT, ShapeProbe.feedType(half.build(), "m"));
		var bytes = TestModels.tensor("b", 1, 4).toBuilder();
		bytes.getTypeBuilder().getTensorTypeBuilder().setElemType(DataType.UINT8.code());
		assertEquals(DataType.UINT8, ShapeProbe.feedType(bytes.build(), "m"));
	}
}
