package org.quantrace.engine.quantize.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;
import org.quantrace.engine.InvalidInputException;
import org.quantrace.engine.onnx.OnnxModel;
import org.quantrace.engine.quantize.QuantizationResult;
import org.quantrace.engine.quantize.QuantizationSpec;
import org.quantrace.engine.quantize.Quantizer;
import org.quantrace.engine.quantize.Schemes;

/**
 * A model that is quantized already, given to quantize again (found trying the CLI as a new user would: the output of a
 * first run fed back in). Before: a full-integer model failed in calibration with "samples are FLOAT32 but input 'x' is
 * INT8: preprocess the data to the model's input type", after progress lines; a fiq-float32 model (QDQ inside, float I/O)
 * was quantized again over its own QuantizeLinear/DequantizeLinear pairs, and the trace would have recorded it as the float
 * original. Now a model with QDQ pairs or integer kernels is refused before any work, naming what makes it quantized.
 */
class AlreadyQuantizedTest {

	private static OnnxModel cnn(TinyGraph t) {
		return t.model(OpRulesTest.pointwise(t, t.node("Relu", List.of(OpRulesTest.conv(t, "x", 3, 4))), 4, 4));
	}

	@Test
	void aFullIntegerModelIsRefusedBeforeCalibration() {
		TinyGraph t = new TinyGraph(3, 6, 6);
		QuantizationResult first = TinyGraph.quantize(cnn(t), Schemes.preset("fiq_int8"), t.calibration(0, 1));

		InvalidInputException e = assertThrows(InvalidInputException.class,
				() -> TinyGraph.quantize(first.model(), Schemes.preset("fiq_int8"), t.calibration(0, 1)));

		assertTrue(e.getMessage().startsWith("tiny is quantized already: it holds ") && e.getMessage().contains(" QuantizeLinear")
				&& e.getMessage().contains(" DequantizeLinear"), e.getMessage());
		assertTrue(e.hint().startsWith("quantize the float model it was made from"), e.hint());
	}

	@Test
	void aModelWithDynamicKernelsIsRefusedForEveryQuantizedScheme() {
		TinyGraph t = new TinyGraph(3, 6, 6);
		OnnxModel dynamic = TinyGraph.quantize(cnn(t), Schemes.preset("drq").toBuilder().kernels(QuantizationSpec.Kernels.DYNAMIC).build(), null).model();
		assertTrue(dynamic.graph().nodes().stream().anyMatch(n -> n.opType().equals("ConvInteger")), "the premise: " + dynamic.graph().nodes());

		for (String scheme : List.of("drq", "fiq_int8", "fiq_float32")) {
			InvalidInputException e = assertThrows(InvalidInputException.class,
					() -> TinyGraph.quantize(dynamic, Schemes.preset(scheme), t.calibration(0, 1)), scheme);
			assertTrue(e.getMessage().contains(" ConvInteger") && e.getMessage().contains(" DynamicQuantizeLinear"), e.getMessage());
		}
		// the unquantized scheme only evaluates the model as it is
		assertEquals(0, TinyGraph.quantize(dynamic, Schemes.preset("unquantized"), null).quantizedLayers());
	}

	/**
	 * Weight-only int8 storage (int8 initializers, a Cast and a Mul ONNX Runtime folds at load) computes in float: it is not
	 * refused (pre-processing folds its weights back into stored tensors before the quantizer sees them). But its weights are
	 * rounded again, and the model is recorded as the float original: the commands and the runner warn, in words from
	 * {@link Quantizer#weightOnlyWarning} (the hostile pass found it re-quantized without a word).
	 */
	@Test
	void weightOnlyStorageIsNoQuantizedModel() {
		TinyGraph t = new TinyGraph(3, 6, 6);
		OnnxModel weightOnly = TinyGraph.quantize(cnn(t), Schemes.preset("drq").toBuilder().kernels(QuantizationSpec.Kernels.WEIGHT_ONLY).build(), null)
				.model();
		assertTrue(weightOnly.graph().initializers().stream().anyMatch(w -> w.dataType() == org.quantrace.engine.onnx.DataType.INT8), "the premise");

		QuantizationResult again = TinyGraph.quantize(weightOnly, Schemes.preset("fiq_int8"), t.calibration(0, 1));

		assertEquals(weightOnly.graph().nodes().size(), again.layers().size(), again.layers().toString());
		long stored = weightOnly.graph().initializers().stream().filter(w -> w.dataType() == org.quantrace.engine.onnx.DataType.INT8).count();
		assertEquals("tiny is weight-only quantized: it stores " + stored + " int8 weights turned into float by Cast and Mul (a dynamic-range model);"
				+ " quantizing it rounds those weights again, to the new scheme's scales, and records the model as the float original: quantize the"
				+ " float model it was made from", Quantizer.weightOnlyWarning(weightOnly, "tiny"));
		assertEquals(2, stored, "the premise: both layers' weights");
	}

	@Test
	void aFloatOrAFullIntegerModelIsNoWeightOnlyModel() {
		TinyGraph t = new TinyGraph(3, 6, 6);
		OnnxModel model = cnn(t);
		assertNull(Quantizer.weightOnlyWarning(model, "tiny"));
		// int8 weights read by DequantizeLinear: quantized already, refused by requireFloat rather than warned about
		assertNull(Quantizer.weightOnlyWarning(TinyGraph.quantize(model, Schemes.preset("fiq_int8"), t.calibration(0, 1)).model(), "tiny"));
	}
}
