package org.quantrace.model;

/**
 * Which ONNX opsets a recipe may ask for, in the one place the recipe validator and the engine read (as
 * {@link CalibrationLimits} for calibration): a recipe that validates does not stop half-way through a run on
 * its opset, where the error could name neither the recipe's file nor its line. Each check returns what is
 * wrong and what to write instead, or null when the opset is fine.
 */
public final class OpsetLimits {

	/** The newest opset Quantrace upgrades a model to: it knows the changes of the ONNX operators up to it (the engine's OpsetUpgrade). */
	public static final int MAX_TARGET = 21;
	/** Full-integer quantization's per-channel QuantizeLinear/DequantizeLinear (the axis attribute) came with opset 13. */
	public static final int QDQ = 13;
	/** int16 QuantizeLinear/DequantizeLinear came with opset 21. */
	public static final int INT16_QDQ = 21;

	private OpsetLimits() {
	}

	/** A conversion's or a scheme's target opset (0: not given, the model's own). */
	public static String targetProblem(int opset) {
		if (opset > MAX_TARGET) {
			return "opset " + opset + " is newer than Quantrace can write: it knows the changes of the ONNX operators up to opset " + MAX_TARGET
					+ "; ask for opset " + MAX_TARGET + " or lower, or leave opset out to keep the model's";
		}
		return null;
	}

	/** A full-integer scheme's opset (0: not given, the least it needs), with int16 tensors or without. */
	public static String quantizationProblem(int opset, boolean int16) {
		String newer = targetProblem(opset);
		if (newer != null || opset <= 0) {
			return newer;
		}
		if (int16 && opset < INT16_QDQ) {
			return "opset " + opset + " is too old for int16 tensors: int16 QuantizeLinear/DequantizeLinear need opset " + INT16_QDQ
					+ "; ask for opset " + INT16_QDQ + ", or leave opset out";
		}
		if (opset < QDQ) {
			return "opset " + opset + " is too old for quantization: per-channel QuantizeLinear/DequantizeLinear need opset " + QDQ
					+ "; ask for opset " + QDQ + " or newer, or leave opset out";
		}
		return null;
	}
}
