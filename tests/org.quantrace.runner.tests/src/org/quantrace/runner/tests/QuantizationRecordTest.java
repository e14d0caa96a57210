package org.quantrace.runner.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.quantrace.engine.onnx.OnnxModel;
import org.quantrace.engine.onnx.Tensor;
import org.quantrace.engine.quantize.QuantizationResult;
import org.quantrace.model.recipe.CalibrationMethod;
import org.quantrace.model.recipe.QuantizationTechnique;
import org.quantrace.model.trace.QuantizationRecord;
import org.quantrace.model.trace.TensorQuantizationRecord;
import org.quantrace.runner.QuantizationRecords;

/** The trace record holds the method, the formulas and exactly the scales written into the model. */
class QuantizationRecordTest {

	/**
	 * The scale input of the Q/DQ node that (de)quantizes a recorded tensor: the DequantizeLinear of a
	 * constant's codes (name_q), or the QuantizeLinear/DequantizeLinear reading the activation (for a model
	 * output, the Q reading name_float).
	 */
	private static java.util.Optional<String> scaleInputOf(OnnxModel model, TensorQuantizationRecord t) {
		String name = t.getTensor();
		return model.graph().nodes().stream()
				.filter(n -> (n.opType().equals("DequantizeLinear") && (n.input(0).equals(name + "_q") || n.input(0).equals(name)))
						|| (n.opType().equals("QuantizeLinear") && (n.input(0).equals(name) || n.input(0).equals(name + "_float"))))
				.map(n -> n.input(1)).findFirst();
	}

	@Test
	void recordedScalesAreTheModelsScales() {
		QuantizationResult result = Records.quantize("fiq_float32");
		QuantizationRecord record = QuantizationRecords.toRecord(result);
		assertEquals(QuantizationTechnique.FULL_INTEGER, record.getTechnique());
		assertEquals(CalibrationMethod.MINMAX, record.getCalibration().getMethod());
		assertEquals(300, record.getCalibration().getSampleCount());
		assertTrue(record.getScaleFactorFormula().contains("(2^b - 1)"));
		assertTrue(record.getTransformationFunction().contains("round(x / s) + z"));
		OnnxModel model = result.model();
		int checked = 0;
		java.util.Set<Float> activationScales = new java.util.HashSet<>();
		model.graph().nodes().stream().filter(n -> n.opType().equals("QuantizeLinear"))
				.forEach(n -> activationScales.add(model.graph().initializer(n.input(1)).toFloatArray()[0]));
		for (TensorQuantizationRecord t : record.getTensors()) {
			java.util.Optional<String> scaleInput = scaleInputOf(model, t);
			if (scaleInput.isEmpty()) { // output of MaxPool/Flatten moving integers on: its group's scale
				assertTrue(activationScales.contains(t.getScales().get(0).floatValue()), t.getTensor());
				continue;
			}
			Tensor scale = model.graph().initializer(scaleInput.get());
			assertNotNull(scale, "scale initializer of " + t.getTensor());
			float[] values = scale.toFloatArray();
			assertEquals(values.length, t.getScales().size());
			for (int i = 0; i < values.length; i++) {
				assertEquals(values[i], t.getScales().get(i).floatValue(), 0f, t.getTensor());
			}
			checked++;
		}
		assertTrue(checked >= 8, "weights and activations checked: " + checked);
		assertEquals(result.layers().size(), record.getLayers().size());
	}
}
