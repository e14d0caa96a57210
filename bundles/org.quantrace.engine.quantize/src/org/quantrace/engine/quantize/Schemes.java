package org.quantrace.engine.quantize;

import java.util.List;
import java.util.Locale;

import org.quantrace.engine.InvalidInputException;
import org.quantrace.engine.quantize.QuantizationSpec.Granularity;
import org.quantrace.engine.quantize.QuantizationSpec.IoType;
import org.quantrace.engine.quantize.QuantizationSpec.Symmetry;
import org.quantrace.engine.quantize.QuantizationSpec.Technique;
import org.quantrace.engine.quantize.QuantizationSpec.TensorSpec;

/**
 * The results deck's five pipelines: the unquantized conversion, dynamic-range quantization (DRQ), and
 * full-integer quantization (FIQ) with float32, int8 and uint8 inputs/outputs. FIQ uses int8 symmetric
 * per-channel weights, uint8 asymmetric per-tensor activations (the "U8S8" format ONNX Runtime fuses into
 * integer kernels on x86-64; with int8 activations it keeps Conv in float there) and MinMax calibration;
 * its I/O type is the scheme's. The recipe language's presets.qr declares the same five (a runner test
 * resolves each and compares).
 */
public final class Schemes {

	public static final List<String> NAMES = List.of("unquantized", "drq", "fiq_float32", "fiq_int8", "fiq_uint8");

	private Schemes() {
	}

	/** A scheme by name ("fiq-int8" and "fiq_int8" both work). */
	public static QuantizationSpec preset(String name) {
		String key = name.toLowerCase(Locale.ROOT).replace('-', '_');
		TensorSpec int8Weights = new TensorSpec(QuantType.INT8, Symmetry.SYMMETRIC, Granularity.PER_CHANNEL);
		QuantizationSpec.Builder b = QuantizationSpec.builder(key).weights(int8Weights);
		switch (key) {
		case "unquantized" -> b.technique(Technique.NONE);
		case "drq" -> b.technique(Technique.DYNAMIC_RANGE).io(IoType.FLOAT32);
		case "fiq_float32", "fiq_int8", "fiq_uint8" -> b.technique(Technique.FULL_INTEGER)
				.io(switch (key) {
				case "fiq_int8" -> IoType.INT8;
				case "fiq_uint8" -> IoType.UINT8;
				default -> IoType.FLOAT32;
				})
				.activations(new TensorSpec(QuantType.UINT8, Symmetry.ASYMMETRIC, Granularity.PER_TENSOR));
		default -> throw new InvalidInputException("unknown scheme '" + name + "'", "use one of " + String.join(", ", NAMES));
		}
		return b.build();
	}
}
