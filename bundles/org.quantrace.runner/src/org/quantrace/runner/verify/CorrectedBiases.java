package org.quantrace.runner.verify;

import java.util.List;

import org.quantrace.engine.onnx.Tensor;
import org.quantrace.model.trace.TensorQuantizationRecord;
import org.quantrace.model.trace.TensorRole;

/**
 * The float bias a bias-corrected int32 bias was quantized from, re-derived from the trace alone: the float model's bias less
 * the recorded per-channel correction, subtracted in float (the trace's attribute documents the formula). Verify's own
 * arithmetic, not the quantizer's: the codes are then held against round((b - correction) / scale) as any bias's against
 * round(b / scale) ({@link WeightCodes}), so a forged correction, or a code changed after the correction, is a mismatch.
 */
final class CorrectedBiases {

	private CorrectedBiases() {
	}

	/** Null when the record holds no correction or it fits the bias; else what is wrong with it (a count per channel). */
	static String problem(TensorQuantizationRecord t, Tensor floats) {
		List<Double> correction = t.getBiasCorrection();
		if (correction.isEmpty()) {
			return null;
		}
		if (t.getRole() != TensorRole.BIAS) {
			return "a bias correction recorded for a " + t.getRole().getLiteral() + ", which has no int32 bias";
		}
		return correction.size() == floats.elementCount() ? null
				: correction.size() + " corrections recorded for a bias of " + floats.elementCount() + " channels";
	}

	/** {@code floats} less the recorded correction per channel; {@code floats} itself where none is recorded or it does not fit. */
	static Tensor corrected(TensorQuantizationRecord t, Tensor floats) {
		if (problem(t, floats) != null || t.getBiasCorrection().isEmpty()) {
			return floats;
		}
		float[] b = floats.toFloatArray();
		for (int c = 0; c < b.length; c++) {
			b[c] = b[c] - t.getBiasCorrection().get(c).floatValue();
		}
		return Tensor.ofFloats(floats.name(), floats.dims(), b);
	}
}
