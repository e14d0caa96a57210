package org.quantrace.model;

import org.quantrace.model.recipe.QuantizationTechnique;

/**
 * Which scheme settings a quantization technique uses, in the one place the recipe validator and the command line read. A
 * setting the scheme's technique would ignore (a calibration of a dynamic-range scheme, which quantizes activations at run
 * time) is refused by both, as an error on the recipe's line and exit 2 on the command line: a safety tool does not take a
 * choice it drops, and the recipe and {@code quantrace quantize} must not disagree on what a scheme accepts. (The
 * language cannot see the engine; this bundle is the layer both see, as for {@link CalibrationLimits}.)
 */
public final class SchemeSettings {

	/** A setting of one technique only; {@code chooses} says what it chooses, in words both front ends print after its name. */
	public enum Setting {
		CALIBRATION("how activation ranges are calibrated", QuantizationTechnique.FULL_INTEGER),
		ACTIVATIONS("the activations' type and symmetry", QuantizationTechnique.FULL_INTEGER),
		KERNELS("dynamic-range quantization's kernels", QuantizationTechnique.DYNAMIC_RANGE),
		FLOAT_SLOW_KERNELS("full-integer quantization's float layers", QuantizationTechnique.FULL_INTEGER),
		BIAS_CORRECTION("full-integer quantization's int32 biases", QuantizationTechnique.FULL_INTEGER);

		private final String chooses;
		private final QuantizationTechnique usedBy;

		Setting(String chooses, QuantizationTechnique usedBy) {
			this.chooses = chooses;
			this.usedBy = usedBy;
		}

		public String chooses() {
			return chooses;
		}

		/** The technique that uses this setting. */
		public QuantizationTechnique usedBy() {
			return usedBy;
		}
	}

	private SchemeSettings() {
	}

	/**
	 * Why a scheme named {@code scheme} of {@code technique} refuses {@code setting}, written as {@code what} (the recipe's
	 * keyword or the command's option): "--unclipped chooses how activation ranges are calibrated; scheme drq calibrates nothing
	 * (...)". Null where the technique uses the setting. Technique none is not ruled here (a scheme of it may hold settings its
	 * extensions use; the validator warns).
	 */
	public static String problem(QuantizationTechnique technique, Setting setting, String what, String scheme) {
		if (technique == setting.usedBy() || technique == QuantizationTechnique.NONE) {
			return null;
		}
		String why = switch (technique) {
		case DYNAMIC_RANGE -> switch (setting) {
			case FLOAT_SLOW_KERNELS -> "is not full-integer (dynamic-range chooses its kernels with kernels, --kernels)";
			case BIAS_CORRECTION -> "is not full-integer (dynamic-range keeps float biases: it calibrates nothing to correct them by)";
			case ACTIVATIONS -> "takes no activation type (dynamic-range: activations are quantized to uint8 at run time, each batch from its own range)";
			default -> "calibrates nothing (dynamic-range: activations are quantized at run time, each batch from its own range)";
			};
		default -> "is not dynamic-range (full-integer runs the integer kernels its QDQ form fuses into)";
		};
		return what + " choose" + (what.contains(" and ") ? "" : "s") + " " + setting.chooses() + "; scheme " + scheme + " " + why;
	}

	/**
	 * Why full-integer activations of {@code activationBits} cannot go with inputs and outputs of {@code io} (its keyword:
	 * int8, uint8; float32 takes any), or null: int16 activations cannot be fed or read through 8-bit integer inputs and
	 * outputs. The recipe validator and {@code quantrace quantize} (which before wrote such a model) refuse alike.
	 */
	public static String integerIoProblem(String io, int activationBits) {
		return activationBits > 8 && !io.equals("float32") ? "int16 activations cannot be fed or read through " + io + " inputs and outputs" : null;
	}

	/** Why reduce-range cannot go with weights of {@code weightBits}, or null: it keeps 8-bit weights to 7 bits. */
	public static String reduceRangeProblem(int weightBits) {
		return weightBits > 8 ? "reduce-range keeps 8-bit weights to 7 bits; it does not apply to int16 weights" : null;
	}
}
