package org.quantrace.runner.verify;

import static org.quantrace.runner.verify.Repeats.dequantized;
import static org.quantrace.runner.verify.Repeats.group;
import static org.quantrace.runner.verify.Repeats.ints;
import static org.quantrace.runner.verify.Repeats.orOnes;
import static org.quantrace.runner.verify.Repeats.orZeros;

import java.util.Map;

import org.quantrace.engine.onnx.DataType;
import org.quantrace.engine.onnx.Tensor;
import org.quantrace.runner.verify.Repeats.Dequantized;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.NodeProto;

/**
 * A HardSigmoid of the float model that alone read a Conv's output and that the quantized model no longer computes (no node
 * of its name, or a Clip), as {@link Repeats} checks it: folded into the Conv, HardSigmoid(W·x + b) = clamp(α·W·x + α·b + β,
 * 0, 1). The statements for the Conv ("HardSigmoid 'h' (α 0.16666667, β 0.5) folded into this Conv: weights ×α, bias ×α + β")
 * and for the HardSigmoid ("HardSigmoid rewritten as a Clip to [0, 1] after Conv 'c', its α and β folded into that Conv")
 * when the Conv has the float Conv's window, its weights and bias, as the model dequantizes them, are α·W and α·b + β within
 * half a quantization step, and its output is clamped to [0, 1]: by a Clip of bounds 0 and 1 under the HardSigmoid's name, or
 * by every QuantizeLinear reading it (zero point at the type's minimum, its top code at most 1); else words no honest record
 * has, for both. The quantizer's rule (engine.quantize HardSigmoidIntoConv) is not called: this is written apart on purpose.
 */
final class HardSigmoidFold {

	private HardSigmoidFold() {
	}

	/**
	 * Adds to {@code statements} what the records of each such HardSigmoid and its Conv must say, and to {@code folded}, per name
	 * of the float Conv's weights and bias, what the fold makes of them (α·W, α·b + β): the values their codes stand for.
	 */
	static void check(ModelFacts model, ModelFacts input, Map<String, String> statements, Map<String, Tensor> folded) {
		for (NodeProto h : input.nodes()) {
			NodeProto kept = h.getName().isEmpty() ? null : model.node(h.getName());
			NodeProto fc = h.getOpType().equals("HardSigmoid") && h.getInputCount() == 1 ? input.producer(h.getInput(0)) : null;
			NodeProto conv = fc == null || !fc.getOpType().equals("Conv") || fc.getName().isEmpty() ? null : model.node(fc.getName());
			if (conv == null || !conv.getOpType().equals("Conv") || kept != null && !kept.getOpType().equals("Clip") || h.getName().isEmpty()) {
				continue; // lowered (an Add under its name), float, or no Conv before it
			}
			float alpha = floatAttribute(h, "alpha", 0.2f);
			float beta = floatAttribute(h, "beta", 0.5f);
			Tensor w = fc.getInputCount() > 1 ? input.value(fc.getInput(1)) : null;
			Tensor b = fc.getInputCount() > 2 && !fc.getInput(2).isEmpty() ? input.value(fc.getInput(2)) : null;
			if (w != null) {
				folded.put(fc.getInput(1), scaled(w, alpha, 0));
			}
			if (b != null) {
				folded.put(fc.getInput(2), scaled(b, alpha, beta));
			}
			String wrong = wrong(model, input, fc, conv, kept, w, w == null ? null : b != null ? scaled(b, alpha, beta)
					: scaled(Tensor.ofFloats("b", new long[] { w.dims()[0] }, new float[(int) w.dims()[0]]), alpha, beta), alpha);
			statements.put(fc.getName(), wrong != null ? wrong : "HardSigmoid '" + h.getName() + "' (α " + alpha + ", β " + beta
					+ ") folded into this Conv: weights ×α, bias ×α + β");
			statements.put(h.getName(), wrong != null ? wrong : "HardSigmoid rewritten as a Clip to [0, 1] after Conv '" + fc.getName()
					+ "', its α and β folded into that Conv");
		}
	}

	/** {@code t}'s values times α plus β, as the quantizer computes them in float. */
	private static Tensor scaled(Tensor t, float alpha, float beta) {
		float[] v = t.toFloatArray();
		for (int i = 0; i < v.length; i++) {
			v[i] = alpha * v[i] + beta;
		}
		return Tensor.ofFloats(t.name(), t.dims(), v);
	}

	/** Why the Conv and what follows it do not compute the HardSigmoid of the float Conv, or null when they do. */
	private static String wrong(ModelFacts model, ModelFacts input, NodeProto fc, NodeProto conv, NodeProto clip, Tensor w, Tensor bias, float alpha) {
		String gone = "HardSigmoid gone after Conv '" + fc.getName() + "'";
		Dequantized qw = conv.getInputCount() > 1 ? dequantized(model, conv.getInput(1)) : null;
		Dequantized qb = conv.getInputCount() > 2 && !conv.getInput(2).isEmpty() ? dequantized(model, conv.getInput(2)) : null;
		if (input.consumers(fc.getOutput(0)).size() != 1 || w == null || qw == null || group(fc) != group(conv)
				|| !orOnes(ints(conv, "kernel_shape")).equals(orOnes(ints(fc, "kernel_shape")))
				|| !orZeros(ints(conv, "pads"), 4).equals(orZeros(ints(fc, "pads"), 4)) || !orOnes(ints(conv, "strides")).equals(orOnes(ints(fc, "strides")))
				|| !orOnes(ints(conv, "dilations")).equals(orOnes(ints(fc, "dilations")))) {
			return gone + ", which is not the float Conv's window";
		}
		if (!near(qw, w.dims(), scaled(w, alpha, 0).toFloatArray())) {
			return gone + ", whose weights are not α times the float Conv's";
		}
		if (qb == null || !near(qb, bias.dims(), bias.toFloatArray())) {
			return gone + ", whose bias is not α times the float bias plus β";
		}
		if (clip != null ? !unitClip(model, clip, conv.getOutput(0)) : !quantizedWithinUnit(model, conv.getOutput(0))) {
			return gone + ", whose output is not clamped to [0, 1]";
		}
		return null;
	}

	/**
	 * Whether the model's values {@code q} are {@code expected} (of the float tensor's {@code dims}) within half a quantization step,
	 * the channels depthwise padding added aside ({@link Paddings} checks those).
	 */
	private static boolean near(Dequantized q, long[] dims, float[] expected) {
		Widening widened = Widening.of(dims, q.dims());
		if (widened == null && !java.util.Arrays.equals(dims, q.dims())) {
			return false;
		}
		for (int i = 0; i < q.values().length; i++) {
			if (widened != null && widened.coordinate(i, q.dims()) >= widened.from()) {
				continue;
			}
			double e = expected[widened == null ? i : (int) widened.source(i, q.dims())];
			if (Math.abs(q.values()[i] - e) > q.halfStep()[i] + 1e-6 * Math.abs(e)) {
				return false;
			}
		}
		return true;
	}

	/** Whether {@code clip} reads {@code tensor} and clamps to [0, 1] (bounds as inputs or, before opset 11, attributes). */
	private static boolean unitClip(ModelFacts model, NodeProto clip, String tensor) {
		if (clip.getInputCount() == 0 || !clip.getInput(0).equals(tensor)) {
			return false;
		}
		Tensor lo = clip.getInputCount() > 1 && !clip.getInput(1).isEmpty() ? model.value(clip.getInput(1)) : null;
		Tensor hi = clip.getInputCount() > 2 && !clip.getInput(2).isEmpty() ? model.value(clip.getInput(2)) : null;
		float min = lo != null ? lo.toFloatArray()[0] : floatAttribute(clip, "min", Float.NaN);
		float max = hi != null ? hi.toFloatArray()[0] : floatAttribute(clip, "max", Float.NaN);
		return min == 0f && max == 1f;
	}

	/** Whether every QuantizeLinear reading {@code tensor} saturates within [0, 1]: zero point at its type's minimum, its top code at most 1. */
	private static boolean quantizedWithinUnit(ModelFacts model, String tensor) {
		if (!Repeats.clamps(model, tensor)) {
			return false;
		}
		for (NodeProto q : model.consumers(tensor)) {
			Tensor s = q.getInputCount() > 1 ? model.value(q.getInput(1)) : null;
			Tensor z = model.value(q.getInput(2));
			float[] scale = s == null ? null : s.toFloatArray();
			if (scale == null || scale.length != 1 || scale[0] * (double) levels(z.dataType()) > 1 + 1e-6) {
				return false;
			}
		}
		return true;
	}

	/** The codes above the minimum of an activation type: 255 for 8 bits, 65,535 for 16. */
	private static long levels(DataType type) {
		return type == DataType.UINT16 || type == DataType.INT16 ? 65_535 : 255;
	}

	private static float floatAttribute(NodeProto n, String name, float otherwise) {
		return n.getAttributeList().stream().filter(a -> a.getName().equals(name) && a.getType() == AttributeProto.AttributeType.FLOAT).map(AttributeProto::getF)
				.findFirst().orElse(otherwise);
	}
}
