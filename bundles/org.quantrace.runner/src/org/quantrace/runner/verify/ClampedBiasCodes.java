package org.quantrace.runner.verify;

import java.util.LinkedHashMap;
import java.util.Map;

import org.quantrace.engine.onnx.DataType;
import org.quantrace.engine.onnx.Tensor;
import org.quantrace.report.ClampedBiases;

/**
 * The layers whose int32 bias the quantized model holds clamped, derived from the two model files: a channel whose float bias
 * b needs a code round(b / s) beyond int32 at the scale s the model holds for it (s_input · s_weight). Its codes are checked
 * against the clamp by {@link WeightCodes}; here the layer's record (its reason, which PhIMT0003 and run's output state) must
 * say it in the quantizer's words ({@link ClampedBiases}), no more and no less: a clamped bias is a deviation from the float
 * model beyond rounding, and a record that left it out would say the layer computes what it does not.
 */
final class ClampedBiasCodes {

	/** What a layer without a clamped bias states and derives. */
	static final String NONE = "no bias clamped";

	private final Map<String, String> derived = new LinkedHashMap<>();

	/** Adds {@code node}'s bias: its float values as the quantizer read them and the scales the model holds. */
	void add(String node, Tensor floats, Quantizations.Params held) {
		if (held.type() != DataType.INT32 || floats == null || held.scales().isEmpty()) {
			return;
		}
		float[] b = floats.toFloatArray();
		int channels = Math.min(b.length, held.scales().size() == 1 ? b.length : held.scales().size());
		int clamped = 0;
		int first = -1;
		for (int c = 0; c < channels; c++) {
			double code = Math.rint(b[c] / (double) held.scales().get(held.scales().size() == 1 ? 0 : c));
			if (Math.abs(code) > Integer.MAX_VALUE) {
				clamped++;
				first = first < 0 ? c : first;
			}
		}
		if (clamped > 0) {
			derived.putIfAbsent(node, "bias clamped to int32 in " + clamped + " of " + b.length + " channels (first: channel " + first + ")");
		}
	}

	/** The statement the files make of {@code node}. */
	String derived(String node) {
		return derived.getOrDefault(node, NONE);
	}

	/** The statement a layer's reason makes. */
	static String stated(String reason) {
		String s = ClampedBiases.stated(reason);
		return s == null ? NONE : s;
	}
}
