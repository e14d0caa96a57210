package org.quantrace.engine.convert.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Locale;

import org.junit.jupiter.api.Test;
import org.quantrace.engine.InvalidInputException;
import org.quantrace.engine.convert.FreezeOptions;
import org.quantrace.engine.convert.FreezeResult;
import org.quantrace.engine.convert.Freezer;
import org.quantrace.engine.onnx.DataType;
import org.quantrace.engine.onnx.OnnxModel;
import org.quantrace.engine.onnx.TensorInfo;
import org.quantrace.engine.runtime.NdArray;
import org.quantrace.testing.Float64Models;

/**
 * convert of a float64 model (round 19's f64: model.double() before torch.onnx.export). ONNX Runtime 1.29 has no float64
 * Conv, and Quantrace feeds float32: round 19 refused such a model by its input type, exit 2, with "export the model in
 * float32". A user who cannot export again now gets it narrowed to float32, as a float16 model is widened, with the
 * rounding recorded (count of values, largest relative rounding).
 */
class Float64ConvertTest {

	@Test
	void aFloat64ModelIsNarrowedToFloat32AndItsRoundingRecorded() {
		OnnxModel model = OnnxModel.of(Float64Models.convRelu());

		FreezeResult r = Freezer.freeze(model, "f64.onnx", FreezeOptions.defaults(), null);

		assertTrue(r.model().graph().initializers().stream().allMatch(t -> t.dataType() == DataType.FLOAT), "every weight float32");
		assertEquals(DataType.FLOAT, TensorInfo.of(r.model().graph().inputs().get(0)).type());
		assertEquals(DataType.FLOAT, TensorInfo.of(r.model().graph().outputs().get(0)).type());
		double largest = 0; // the rounding, derived here from the kernel as written
		for (double w : Float64Models.weights()) {
			largest = Math.max(largest, Math.abs((float) w - w) / Math.abs(w));
		}
		assertTrue(largest > 1e-9, "the kernel is not exact in float32: " + largest);
		String expected = String.format(Locale.ROOT, "precision: float64 -> float32: 1 initializer, input 'x', output 'y' narrowed (9 float64 values"
				+ " rounded to float32, largest relative rounding %.3g)", largest).replace("e-08", "e-8");
		assertTrue(r.rewrites().get(0).toString().startsWith(expected), r.rewrites().toString());
		assertTrue(r.maxAbsDifference() < 1e-6, "checked against the narrowing: " + r.maxAbsDifference());
		// the converted model computes the float64 convolution up to float32 rounding
		NdArray x = WildConversionTest.random(2, 1, 4, 4);
		float[] y = WildConversionTest.run(r.model(), x);
		float[] in = x.floats();
		double[] w = Float64Models.weights();
		for (int n = 0; n < 2; n++) {
			for (int i = 0; i < 4; i++) {
				for (int j = 0; j < 4; j++) {
					double sum = 0;
					for (int a = -1; a <= 1; a++) {
						for (int b = -1; b <= 1; b++) {
							if (i + a >= 0 && i + a < 4 && j + b >= 0 && j + b < 4) {
								sum += w[(a + 1) * 3 + b + 1] * in[n * 16 + (i + a) * 4 + j + b];
							}
						}
					}
					assertEquals(Math.max(0, sum), y[n * 16 + i * 4 + j], 1e-5, "sample " + n + " at " + i + "," + j);
				}
			}
		}
	}

	@Test
	void aFloat64ValueBeyondFloat32sRangeIsRefusedByName() {
		double[] w = Float64Models.weights();
		w[4] = 1e39;
		OnnxModel model = OnnxModel.of(Float64Models.convRelu(w));

		InvalidInputException e = assertThrows(InvalidInputException.class, () -> Freezer.freeze(model, "f64.onnx", FreezeOptions.defaults(), null));

		assertTrue(e.getMessage().startsWith("f64.onnx: its float64 tensor 'W' holds 1.0E39, which float32 cannot hold (it would become Infinity)"),
				e.getMessage());
		assertTrue(e.hint().contains("model.float()"), e.hint());
		assertEquals(List.of(DataType.DOUBLE), model.graph().initializers().stream().map(t -> t.dataType()).toList(), "the given model is not changed");
	}

	/**
	 * A value below float32's smallest subnormal (1e-50, branch hostile7's f64_tiny) is refused, and a float32 subnormal (1e-40)
	 * is not: the hint named float32's normal range (1.2e-38 up), which the check does not hold values to. The refusal says why
	 * the value is not set to 0 as float32 conversion (model.float()) does, and the hint how to do it on record (hostile10).
	 */
	@Test
	void aFloat64ValueBelowFloat32sSmallestIsRefusedWithTheRangeTheCheckHolds() {
		double[] w = Float64Models.weights();
		w[4] = 1e-50;
		InvalidInputException e = assertThrows(InvalidInputException.class,
				() -> Freezer.freeze(OnnxModel.of(Float64Models.convRelu(w)), "f64.onnx", FreezeOptions.defaults(), null));

		assertTrue(e.getMessage().startsWith("f64.onnx: its float64 tensor 'W' holds 1.0E-50, which float32 cannot hold (it would become 0.0)"), e.getMessage());
		// hostile10: why it is refused rather than set to 0 as model.float() does, and how to make that change on record
		assertTrue(e.getMessage().endsWith("Quantrace rounds float64 values to float32 and records the largest relative rounding, but does not set a weight to 0"),
				e.getMessage());
		assertTrue(e.hint().startsWith("set the tensor's values below about 1.4e-45 (float32's smallest subnormal) to 0 in the float64 model yourself (numpy:"
				+ " w[np.abs(w) < 1.4e-45] = 0;"), e.hint());
		w[4] = 1e-40;
		assertEquals(1, Freezer.freeze(OnnxModel.of(Float64Models.convRelu(w)), "f64.onnx", FreezeOptions.defaults(), null).model().graph().initializers().size());
	}
}
