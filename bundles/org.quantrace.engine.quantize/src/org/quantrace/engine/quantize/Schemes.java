package org.quantrace.engine.quantize;

import java.util.List;
import java.util.Locale;

import org.quantrace.engine.InvalidInputException;
import org.quantrace.model.recipe.CalibrationMethod;
import org.quantrace.model.recipe.Granularity;
import org.quantrace.model.recipe.IOType;
import org.quantrace.model.recipe.Precision;
import org.quantrace.model.recipe.QuantizationConfig;
import org.quantrace.model.recipe.QuantizationScheme;
import org.quantrace.model.recipe.QuantizationTechnique;
import org.quantrace.model.recipe.RecipeFactory;
import org.quantrace.model.recipe.TensorQuantization;

/**
 * The results deck's five pipelines as recipe schemes: the unquantized conversion, dynamic-range
 * quantization (DRQ), and full-integer quantization (FIQ) with float32, int8 and uint8 inputs/outputs.
 * FIQ uses int8 symmetric per-channel weights, uint8 asymmetric per-tensor activations (the "U8S8" format
 * ONNX Runtime fuses into integer kernels on x86-64; with int8 activations it keeps Conv in float there)
 * and MinMax calibration; its I/O type is the scheme's.
 */
public final class Schemes {

	public static final List<String> NAMES = List.of("unquantized", "drq", "fiq_float32", "fiq_int8", "fiq_uint8");

	private Schemes() {
	}

	/** A fresh scheme by name ("fiq-int8" and "fiq_int8" both work). */
	public static QuantizationConfig preset(String name) {
		String key = name.toLowerCase(Locale.ROOT).replace('-', '_');
		RecipeFactory f = RecipeFactory.eINSTANCE;
		QuantizationConfig c = f.createQuantizationConfig();
		c.setName(key);
		switch (key) {
		case "unquantized" -> c.setTechnique(QuantizationTechnique.NONE);
		case "drq" -> {
			c.setTechnique(QuantizationTechnique.DYNAMIC_RANGE);
			c.setIo(IOType.FLOAT32);
			c.setWeights(tensor(Precision.INT8, QuantizationScheme.SYMMETRIC, Granularity.PER_CHANNEL));
		}
		case "fiq_float32", "fiq_int8", "fiq_uint8" -> {
			c.setTechnique(QuantizationTechnique.FULL_INTEGER);
			c.setIo(switch (key) {
			case "fiq_int8" -> IOType.INT8;
			case "fiq_uint8" -> IOType.UINT8;
			default -> IOType.FLOAT32;
			});
			c.setWeights(tensor(Precision.INT8, QuantizationScheme.SYMMETRIC, Granularity.PER_CHANNEL));
			c.setActivations(tensor(Precision.UINT8, QuantizationScheme.ASYMMETRIC, Granularity.PER_TENSOR));
			var calibration = f.createCalibration();
			calibration.setMethod(CalibrationMethod.MINMAX);
			c.setCalibration(calibration);
		}
		default -> throw new InvalidInputException("unknown scheme '" + name + "'", "use one of " + String.join(", ", NAMES));
		}
		return c;
	}

	static TensorQuantization tensor(Precision p, QuantizationScheme s, Granularity g) {
		TensorQuantization t = RecipeFactory.eINSTANCE.createTensorQuantization();
		t.setPrecision(p);
		t.setScheme(s);
		t.setGranularity(g);
		return t;
	}
}
