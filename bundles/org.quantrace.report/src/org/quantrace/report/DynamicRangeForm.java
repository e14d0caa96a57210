package org.quantrace.report;

import java.util.Arrays;
import java.util.List;

import org.quantrace.model.recipe.QuantizationTechnique;
import org.quantrace.model.trace.Parameter;
import org.quantrace.model.trace.QuantizationRecord;

/**
 * The form a dynamic-range (or recurrent) quantization took, layer by layer, as its record holds it in its
 * additional configuration: the kernels setting, the layers that run dynamic integer kernels (activations
 * quantized at run time) and the layers that keep int8 weights but compute in float32 (dequantized once,
 * when the model is loaded). The runner writes these parameters, the logs read them.
 */
public record DynamicRangeForm(String kernels, List<String> dynamic, List<String> weightOnly, List<String> runTimeQuantizers) {

	/** The scheme's kernels setting (auto, dynamic, weight-only). */
	public static final String KERNELS = "kernels";
	/** The layers with dynamic integer kernels, comma-separated. */
	public static final String DYNAMIC_LAYERS = "dynamic integer kernels";
	/** The layers that keep int8 weights and compute in float32, comma-separated. */
	public static final String WEIGHT_ONLY_LAYERS = "int8 weights, float compute";
	/** The ops of the quantized model that quantize activations at run time (DynamicQuantizeLinear, DynamicQuantizeLSTM), comma-separated. */
	public static final String RUN_TIME_QUANTIZERS = "run-time quantizers";
	/** The ONNX Runtime ops that quantize activations to uint8 at run time, each from its input's own range. */
	public static final List<String> RUN_TIME_QUANTIZER_OPS = List.of("DynamicQuantizeLinear", "DynamicQuantizeLSTM", "DynamicQuantizeMatMul");

	/**
	 * The form {@code q} records. A full-integer record names dynamic kernels only where a layer has one (LSTM as
	 * DynamicQuantizeLSTM); a dynamic-range record from before the forms existed reads as dynamic kernels everywhere;
	 * a record that does not name its run-time quantizers was written when DynamicQuantizeLinear was the only one.
	 */
	public static DynamicRangeForm of(QuantizationRecord q) {
		String kernels = value(q, KERNELS);
		String dynamic = value(q, DYNAMIC_LAYERS);
		String weightOnly = value(q, WEIGHT_ONLY_LAYERS);
		String quantizers = value(q, RUN_TIME_QUANTIZERS);
		List<String> runTime = quantizers == null ? List.of("DynamicQuantizeLinear") : names(quantizers);
		if (kernels == null && dynamic == null && q.getTechnique() == QuantizationTechnique.DYNAMIC_RANGE) {
			return new DynamicRangeForm("dynamic", List.of("every layer with weights"), names(weightOnly), runTime);
		}
		return new DynamicRangeForm(kernels, names(dynamic), names(weightOnly), runTime);
	}

	/**
	 * The technique row of a dynamic-range record that quantized no weight (every layer's weights refused, or none to quantize);
	 * verify holds it, and the "int8 weights" of the other form, against the weight codes the model stores.
	 */
	public String noWeightQuantized() {
		return "dynamic-range quantization (DRQ), kernels " + kernels + ": " + NO_WEIGHT + " (no layer's weights could be: each layer's reason is in"
				+ " the per-layer appendix); every layer computes in float32 from float32 weights";
	}

	/** The words of {@link #noWeightQuantized()} that say no weight is int8 (where the other form says "int8 weights"). */
	public static final String NO_WEIGHT = "no weight quantized";

	/**
	 * The words a layer's reason holds where its int8 weights have one scale per input feature (engine.quantize's
	 * InputResolution.PER_FEATURE: a layer reading a tabular model input), and the technique row's clause naming them.
	 */
	public static final String PER_FEATURE = "one weight scale per input feature";

	/** "; one weight scale per input feature (...) for A, B" of the layers whose reason says so, else "". */
	public static String perFeature(QuantizationRecord q) {
		List<String> layers = q.getLayers().stream().filter(l -> l.getReason() != null && l.getReason().contains("; " + PER_FEATURE + " (")).map(l -> l.getNode()).toList();
		return layers.isEmpty() ? "" : "; " + PER_FEATURE + " (the tabular model input's columns, their weights' largest magnitudes spread at least 10x: raw features of different units) for " + String.join(", ", layers);
	}

	/** Whether no layer got int8 weights: none with dynamic kernels, none with weights dequantized at load. */
	public boolean quantizesNoWeight() {
		return dynamic.isEmpty() && weightOnly.isEmpty();
	}

	/** Whether any layer quantizes its activations at run time. */
	public boolean anyDynamic() {
		return !dynamic.isEmpty();
	}

	private static String value(QuantizationRecord q, String key) {
		return q.getAdditionalConfiguration().stream().filter(p -> key.equals(p.getKey())).map(Parameter::getValue).findFirst().orElse(null);
	}

	private static List<String> names(String list) {
		return list == null || list.isBlank() ? List.of() : Arrays.stream(list.split(", ")).toList();
	}
}
