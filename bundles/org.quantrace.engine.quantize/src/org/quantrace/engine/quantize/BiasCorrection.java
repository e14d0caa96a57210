package org.quantrace.engine.quantize;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.quantrace.engine.Progress;
import org.quantrace.engine.data.ChannelMeans;
import org.quantrace.engine.data.Dataset;
import org.quantrace.engine.onnx.Graph;
import org.quantrace.engine.onnx.Node;
import org.quantrace.engine.onnx.OnnxModel;
import org.quantrace.engine.onnx.Tensor;

/**
 * Sequential empirical bias correction (Nagel et al. 2019, "Data-Free Quantization Through Weight Equalization and Bias
 * Correction", section 4.2 with data; AIMET's and Vitis AI's empirical variant). Rounding weights and activations leaves a
 * layer's output off by a steady amount per output channel, which pooling does not average away and a classifier amplifies
 * (round 23's shift: fiq-int8 1.40 pt below fp32, tests/data/wild/README.md accuracy26). For each layer with an int32 bias,
 * in the graph's order, the per-channel mean of (quantized output − float output) over the calibration samples, the layers
 * before it already corrected, is subtracted from the float bias and the difference quantized to int32 again at the same
 * scale. A layer without a bias input is left as it is (said in its log line): adding one would be a rewrite of the model
 * that verify and the trace would have to account for. The scales do not change; only the bias codes do.
 */
public final class BiasCorrection {

	/**
	 * The correction of one layer: the per-channel amount subtracted from its float bias {@code bias} before quantization, measured
	 * at the output of {@code node} (the layer, or the Add that adds a MatMul's bias) over {@code samples} samples of {@code data};
	 * {@code weightNode} is the layer with the weights (the MatMul of such an Add; else {@code node}).
	 */
	public record Corrected(String node, String weightNode, String bias, float[] correction, int samples, String data) {
	}

	private BiasCorrection() {
	}

	/**
	 * The bias value a corrected layer's int32 codes quantize: the float bias less the correction, computed in float (the one
	 * formula verify re-derives independently from the trace, in its own code).
	 */
	public static float corrected(float bias, float correction) {
		return bias - correction;
	}

	/**
	 * Corrects the bias codes of {@code quantized} (written from {@code reference}, the float model as the quantizer planned it:
	 * the same node names) in place; returns the corrections made, in the graph's order.
	 */
	static List<Corrected> apply(OnnxModel reference, OnnxModel quantized, List<QuantizationPlan.Bias> biases, Dataset calibration, int samples,
			String modelName, Progress progress) {
		Dataset data = calibration.limit(samples); // the samples calibration read, in its order (a folder's classes in turn)
		Graph qg = quantized.graph();
		Graph fg = reference.graph();
		Map<String, Integer> order = new LinkedHashMap<>();
		fg.topologicalOrder().forEach(n -> order.put(n.name(), order.size()));
		List<Target> targets = new ArrayList<>();
		for (QuantizationPlan.Bias b : biases) {
			Target t = Target.of(b, fg, qg);
			if (t != null) {
				targets.add(t);
			}
		}
		if (targets.isEmpty()) {
			return List.of(); // no bias of the main graph's own (if_cnn: every Conv inside an If): running no output is an error in ONNX Runtime
		}
		targets.sort(java.util.Comparator.comparingInt(t -> order.getOrDefault(t.node, Integer.MAX_VALUE)));
		Map<String, Integer> floatAxes = new LinkedHashMap<>();
		targets.forEach(t -> floatAxes.put(t.floatOutput, t.axis));
		Map<String, double[]> want = ChannelMeans.of(reference, floatAxes, data, samples, reference, modelName);
		List<Corrected> corrected = new ArrayList<>();
		try (Progress.Task task = progress.start("bias correction", targets.size(), "layers")) {
			for (Target t : targets) {
				double[] got = ChannelMeans.of(quantized, Map.of(t.quantizedOutput, t.axis), data, samples, reference, modelName).get(t.quantizedOutput);
				double[] floatMeans = want.get(t.floatOutput);
				if (got.length != t.floatBias.length || floatMeans.length != got.length) {
					task.advance(1);
					continue; // a bias broadcast over the channels (one value for all): not one per channel to correct
				}
				float[] delta = new float[got.length];
				for (int c = 0; c < delta.length; c++) {
					delta[c] = (float) (got[c] - floatMeans[c]);
				}
				t.recode(qg, delta);
				corrected.add(new Corrected(t.node, t.weightNode, t.bias, delta, samples, data.name()));
				task.advance(1);
			}
		}
		return corrected;
	}

	/** The ops whose layers bias correction concerns: those with weights an int32 bias would go with. */
	private static final java.util.Set<String> WEIGHTED = java.util.Set.of("Conv", "ConvTranspose", "Gemm", "MatMul");

	/**
	 * The layers with what bias correction did to each said in its reason (the log line): the largest correction of a
	 * corrected one, and why a quantized Conv, Gemm or MatMul was not corrected (no bias input, or codes another layer reads).
	 */
	static List<QuantizationResult.Layer> said(List<QuantizationResult.Layer> layers, List<Corrected> corrections) {
		Map<String, Corrected> byNode = new LinkedHashMap<>();
		corrections.forEach(c -> byNode.put(c.node(), c));
		java.util.Set<String> weightLayers = new java.util.HashSet<>(); // a MatMul's bias is its Add's
		corrections.forEach(c -> weightLayers.add(c.weightNode()));
		List<QuantizationResult.Layer> out = new ArrayList<>();
		for (QuantizationResult.Layer l : layers) {
			Corrected c = byNode.get(l.node());
			String more = null;
			if (c != null) {
				float largest = 0;
				for (float d : c.correction()) {
					largest = Math.max(largest, Math.abs(d));
				}
				more = String.format(java.util.Locale.ROOT, "bias corrected: the per-channel mean error over %d calibration samples of %s subtracted from"
						+ " the float bias before its int32 quantization (largest %.4g)", c.samples(), c.data(), largest);
			} else if (l.quantized() && WEIGHTED.contains(l.opType()) && !weightLayers.contains(l.node())) {
				more = NOT_CORRECTED + ": the layer has no int32 bias of its own to correct (none in the float model, one another layer shares, or the layer"
						+ " is inside an If branch)";
			}
			out.add(more == null ? l
					: new QuantizationResult.Layer(l.index(), l.node(), l.opType(), l.quantized(), l.reason() == null ? more : l.reason() + "; " + more,
							l.weights(), l.activations(), l.rewriteOf()));
		}
		return out;
	}

	/** What bias correction did to a model, in a sentence for the quantize command's summary (null when it was not asked for). */
	public static String summary(QuantizationResult r) {
		if (!r.spec().biasCorrection() || r.spec().technique() != QuantizationSpec.Technique.FULL_INTEGER) {
			return null;
		}
		long left = r.layers().stream().filter(l -> l.reason() != null && l.reason().contains(NOT_CORRECTED)).count();
		String without = left == 0 ? "" : String.format(java.util.Locale.ROOT, "; %d Conv/Gemm/MatMul layer%s without an int32 bias of %s own left as %s", left,
				left == 1 ? "" : "s", left == 1 ? "its" : "their", left == 1 ? "it is" : "they are");
		if (r.biasCorrections().isEmpty()) {
			return "Bias correction: no layer had an int32 bias to correct" + without + ".";
		}
		Corrected largest = r.biasCorrections().get(0);
		float most = 0;
		for (Corrected c : r.biasCorrections()) {
			for (float d : c.correction()) {
				if (Math.abs(d) > most) {
					most = Math.abs(d);
					largest = c;
				}
			}
		}
		return String.format(java.util.Locale.ROOT, "Bias correction: the int32 biases of %d layers corrected by their mean output error per channel over %d"
				+ " calibration samples (largest |correction| %.4g, in '%s')%s.", r.biasCorrections().size(), largest.samples(), most, largest.node(), without);
	}

	private static final String NOT_CORRECTED = "bias not corrected";

	/** One layer to correct: where its output is in both models, its channel axis, and its bias codes in the quantized model. */
	private record Target(String node, String weightNode, String bias, String floatOutput, String quantizedOutput, int axis, float[] floatBias, String codes, float[] scales) {

		/** The target of {@code b}, or null when its bias codes are not its own to change (shared with another reader). */
		static Target of(QuantizationPlan.Bias b, Graph fg, Graph qg) {
			String name = b.node().name();
			Node f = fg.nodes().stream().filter(n -> n.name().equals(name)).findFirst().orElse(null);
			Node q = qg.nodes().stream().filter(n -> n.name().equals(name)).findFirst().orElse(null);
			if (f == null || q == null || q.inputs().size() <= b.input()) {
				return null;
			}
			Node dq = qg.producer(q.input(b.input())).filter(n -> n.opType().equals("DequantizeLinear")).orElse(null);
			if (dq == null || qg.consumers(dq.input(0)).size() != 1 || qg.initializer(dq.input(0)) == null) {
				return null;
			}
			Tensor bias = fg.initializer(b.tensor());
			if (bias == null) {
				return null;
			}
			// a Conv's channels are axis 1; a Gemm's and a MatMul's (+ Add) the last
			int axis = f.opType().startsWith("Conv") ? 1 : -1;
			return new Target(name, b.weightNode().name(), b.tensor(), f.output(0), q.output(0), axis, bias.toFloatArray(), dq.input(0), qg.constant(dq.input(1)).toFloatArray());
		}

		/**
		 * Writes the codes of the float bias less {@code delta} at the bias's own scales, by QuantMath's one bias rounding (the
		 * scales written are the products s_input * s_weight already, so the input scale is 1: multiplying by 1 is exact).
		 */
		void recode(Graph qg, float[] delta) {
			float[] values = new float[floatBias.length];
			for (int c = 0; c < values.length; c++) {
				values[c] = corrected(floatBias[c], delta[c]);
			}
			int[] codes = QuantMath.quantizeBias(values, 1f, scales);
			Tensor old = qg.initializer(this.codes);
			qg.putInitializer(Tensor.ofInts(this.codes, old.dims(), codes));
		}
	}
}
