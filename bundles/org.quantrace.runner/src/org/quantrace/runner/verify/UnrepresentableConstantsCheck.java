package org.quantrace.runner.verify;

import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.quantrace.engine.onnx.Tensor;
import org.quantrace.model.trace.LayerQuantizationRecord;

import ai.onnx.proto.OnnxMl.NodeProto;

/**
 * A layer's reason that it stays float because a constant it reads holds a value no quantization scale can represent ("its constant
 * input 'fill' holds −inf, which no quantization scale can represent", engine.quantize's {@code UnrepresentableConstants}) is held
 * against that constant's values in the float model the quantizer read (else the quantized model, where a float layer keeps its
 * constants): inf, NaN, or a value beyond half of float's largest (its range, max − min, overflows). The reason was the quantizer's
 * word alone (where38), so a float layer claimed so over a finite constant passed verify.
 */
final class UnrepresentableConstantsCheck {

	private static final Pattern STATED = Pattern.compile("its constant input '([^']*)' holds (.+?), which no quantization scale can represent");

	/** Beyond this a range between the value and 0 is still finite, its double not (the quantizer's bound, by definition). */
	private static final float LARGEST = Float.MAX_VALUE / 2;

	private UnrepresentableConstantsCheck() {
	}

	/**
	 * {@code l}'s stated constant and value against the node's constant of that name in {@code model}; nothing when the reason states
	 * none.
	 */
	static void check(LayerQuantizationRecord l, ModelFacts model, String where, String document, List<Mismatch> found) {
		Matcher m = l.getReason() == null ? null : STATED.matcher(l.getReason());
		if (m == null || !m.find() || model == null) {
			return;
		}
		String input = m.group(1);
		Figures.same(found, document, where + " constant '" + input + "' (the reason it stays float)", "holds " + m.group(2), derived(model, l.getNode(), input));
	}

	/** What {@code input} of node {@code node} holds that no scale can represent, worded as the reason words it. */
	static String derived(ModelFacts model, String node, String input) {
		NodeProto n = model.node(node);
		if (n == null || !n.getInputList().contains(input)) {
			return "no input '" + input + "' of the node " + node + " in " + model;
		}
		Tensor c = model.value(input);
		if (c == null || !c.dataType().isFloatingPoint()) {
			return "'" + input + "' is no float constant in " + model;
		}
		float[] values = c.toFloatArray();
		for (float v : values) {
			if (Float.isNaN(v)) {
				return "holds NaN";
			}
			if (v == Float.NEGATIVE_INFINITY || v == Float.POSITIVE_INFINITY) {
				return v < 0 ? "holds −inf" : "holds +inf";
			}
			if (v > LARGEST || v < -LARGEST) {
				return "holds " + String.valueOf(v).replace('-', '−') + " (its range overflows float)";
			}
		}
		return "holds only values a scale can represent (" + values.length + " finite value" + (values.length == 1 ? "" : "s") + " within ±"
				+ LARGEST + ")";
	}
}
