package org.quantrace.runner.verify;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import org.quantrace.engine.onnx.Tensor;
import org.quantrace.model.trace.TensorQuantizationRecord;
import org.quantrace.model.trace.TensorRole;
import org.quantrace.report.WidenedWeightScales;

import ai.onnx.proto.OnnxMl.NodeProto;

/**
 * The weight scales a quantized model holds widened so that the layer's int32 bias fits, derived again from the two model
 * files by ONNX Runtime's rule, written here once more: a channel's bias b fits int32 at a scale of at least
 * 1.0001 · 2|b| / (2^32 − 2) (per tensor: b the bias's largest magnitude); where s_input · s_weight, with s_weight the formula's
 * from the channel's float weights and s_input the scale the model holds for the layer's input, is below it, the weight's scale
 * is that smallest bias scale / s_input, or the formula's where the quantizer clamped the bias instead (before evidence13: the
 * clamp is then stated and derived by {@link ClampedBiasCodes}); any other scale is a mismatch. The layer's record must state
 * exactly the widened channels with the ratio to the formula's scale ({@link WidenedWeightScales}), and the range check reads the
 * formula's scale in their place (the widened one is not made from the range). The codes are checked at the held scale by
 * {@link WeightCodes}.
 */
final class BiasFitScales {

	/** What a layer without a widened weight scale states and derives. */
	static final String NONE = "no weight scale widened";

	private static final double MARGIN = 1.0001;
	/** int32's span as ONNX Runtime takes it, its most negative code left out: 2^31 − 1 − (−2^31 + 1). */
	private static final double SPAN = 4294967294.0;

	/** Per weighted layer: its channels' formula scales where the model holds them widened, and the statement derived. */
	private final Map<String, Map<Integer, Float>> formulaScales = new HashMap<>();
	private final Map<String, String> derived = new LinkedHashMap<>();
	/** A held widened scale that is not the rule's: where, then what the rule gives and what the model holds. */
	final List<String[]> problems = new ArrayList<>();

	/** Derives every layer's widening from the quantization's weight and bias records, their float tensors and the model. */
	BiasFitScales(List<TensorQuantizationRecord> tensors, SchemeFacts facts, boolean reduce) {
		if (facts.input == null) {
			return;
		}
		Map<String, TensorQuantizationRecord> weights = new HashMap<>();
		tensors.stream().filter(t -> t.getRole() == TensorRole.WEIGHT).forEach(t -> weights.putIfAbsent(t.getNode(), t));
		for (TensorQuantizationRecord b : tensors) {
			NodeProto layer = b.getRole() == TensorRole.BIAS ? BiasScales.layer(facts.model, b.getNode(), facts.output(b.getNode())) : null;
			TensorQuantizationRecord w = layer == null ? null : weights.get(layer.getName());
			float[] in = layer == null || layer.getInputCount() < 2 ? null : BiasScales.scales(facts.model, layer.getInput(0));
			if (w == null || in == null || in.length != 1 || facts.held.get(w) == null || facts.input.value(b.getTensor()) == null
					|| facts.input.value(w.getTensor()) == null) {
				continue;
			}
			float[] bias = facts.repeats.computed(b.getTensor(), facts.input.value(b.getTensor())).toFloatArray();
			Tensor floats = facts.repeats.computed(w.getTensor(), facts.input.value(w.getTensor()));
			derive(layer.getName(), bias, in[0], floats, facts.held.get(w), reduce);
		}
	}

	private void derive(String node, float[] bias, float inputScale, Tensor weight, Quantizations.Params held, boolean reduce) {
		boolean perChannel = held.axis() != null;
		double[][] ranges = perChannel ? channelRanges(weight, held) : new double[][] { range(weight.toFloatArray()) };
		if (ranges == null || ranges.length != held.scales().size() || perChannel && bias.length != ranges.length || bias.length == 0) {
			return;
		}
		double largest = 0;
		for (float v : bias) {
			largest = Math.max(largest, Math.abs((double) v));
		}
		List<String> widened = new ArrayList<>();
		Map<Integer, Float> formula = new HashMap<>();
		for (int c = 0; c < ranges.length; c++) {
			float s = (float) Ranges.params(ranges[c][0], ranges[c][1], held.type(), held.symmetric(), reduce)[0];
			double smallest = MARGIN * 2 * (perChannel ? Math.abs((double) bias[c]) : largest) / SPAN;
			double product = (double) inputScale * s;
			float h = held.scales().get(c);
			if (product > 0 && product < smallest && !Ranges.sameScale(s, h)) { // held at the formula's: the bias clamped instead (ClampedBiasCodes)
				float rule = (float) (smallest / inputScale);
				if (Math.abs(h - rule) > 2 * Math.ulp(rule)) {
					problems.add(new String[] { node + (perChannel ? " channel " + c : ""), String.format(Locale.ROOT,
							"s = %s (its range's) or, widened for its int32 bias, s = %s (1.0001 · 2 · %s / (2^32 − 2) / s_input %s)", s, rule,
							perChannel ? Math.abs(bias[c]) : largest, inputScale), "the model holds s = " + h });
				}
				widened.add((perChannel ? "channel " + c + " " : "") + "×" + String.format(Locale.ROOT, "%.3g", h / (double) s));
				formula.put(c, s);
			}
		}
		if (!widened.isEmpty()) {
			formulaScales.put(node, formula);
			derived.put(node, "weight scale widened for the int32 bias " + (perChannel ? "in " + widened.size() + " of " + ranges.length + " channels (" + String.join(", ", widened)
					+ ")" : "(" + widened.get(0) + ")"));
		}
	}

	/** [min, max] of each channel of {@code weight} along the held axis (the codes' axis 0 or 1 of a transposed 2-D weight: the other). */
	static double[][] channelRanges(Tensor weight, Quantizations.Params held) {
		long[] dims = weight.dims();
		int axis = held.axis();
		if (axis < 0 || axis >= dims.length) { // a foreign file's negative axis: nothing derived
			return null;
		}
		if (dims.length == 2 && dims[axis] != held.scales().size() && dims[1 - axis] == held.scales().size()) {
			axis = 1 - axis;
		}
		long inner = 1;
		for (int d = axis + 1; d < dims.length; d++) {
			inner *= dims[d];
		}
		int channels = (int) dims[axis];
		double[][] r = new double[channels][];
		float[] w = weight.toFloatArray();
		for (int c = 0; c < channels; c++) {
			r[c] = new double[] { Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY };
		}
		for (int i = 0; i < w.length; i++) {
			double[] x = r[(int) (i / inner % channels)];
			x[0] = Math.min(x[0], w[i]);
			x[1] = Math.max(x[1], w[i]);
		}
		return r;
	}

	private static double[] range(float[] w) {
		double[] r = { Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY };
		for (float v : w) {
			r[0] = Math.min(r[0], v);
			r[1] = Math.max(r[1], v);
		}
		return r;
	}

	/** The statement the files make of weighted layer {@code node}. */
	String derived(String node) {
		return derived.getOrDefault(node, NONE);
	}

	/** The statement a layer's reason makes. */
	static String stated(String reason) {
		String s = WidenedWeightScales.stated(reason);
		return s == null ? NONE : s;
	}

	/** {@code held} of weighted layer {@code node} with the formula's scale in place of each widened one, for the range check. */
	Quantizations.Params unwidened(String node, Quantizations.Params held) {
		Map<Integer, Float> formula = formulaScales.get(node);
		if (formula == null) {
			return held;
		}
		List<Float> scales = new ArrayList<>(held.scales());
		formula.forEach(scales::set);
		return new Quantizations.Params(held.type(), scales, held.zeroPoints(), held.axis(), held.codes(), held.asymmetricAtMid());
	}
}
