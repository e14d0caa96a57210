package org.quantrace.engine.convert.tests;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.quantrace.engine.InvalidInputException;
import org.quantrace.engine.convert.FreezeOptions;
import org.quantrace.engine.convert.Freezer;
import org.quantrace.engine.onnx.OnnxModel;
import org.quantrace.testing.Float64Models;

/**
 * convert of a float64 model (round 19's f64): ONNX Runtime 1.29 does not load its float64 Conv ("Could not find an
 * implementation for Conv(11) node"), and convert said only that, with the hint "fix the model or re-export it (a newer
 * opset, ...)", which does not name the float64; a float64 model it loads stopped at the check's zeros with "give real inputs
 * (--data)", which no data could follow. Now the input is refused first, by the rule every command's run check uses.
 */
class Float64ConvertTest {

	@Test
	void aFloat64ModelIsRefusedByItsInputTypeBeforeOnnxRuntimeLoadsIt() {
		OnnxModel model = OnnxModel.of(Float64Models.convRelu());

		InvalidInputException e = assertThrows(InvalidInputException.class, () -> Freezer.freeze(model, "f64.onnx", FreezeOptions.defaults(), null));

		assertTrue(e.getMessage().startsWith("f64.onnx: input 'x' is float64, which Quantrace cannot feed"), e.getMessage());
		assertTrue(e.hint().contains("model.float()"), e.hint());
	}
}
