package org.quantrace.engine.quantize;

import java.util.List;
import java.util.Map;

import org.quantrace.engine.calibrate.CalibrationResult;
import org.quantrace.engine.calibrate.WideRange;
import org.quantrace.engine.onnx.IoQuantization;
import org.quantrace.engine.onnx.OnnxModel;
import org.quantrace.engine.quantize.QuantizationSpec.TensorSpec;

/**
 * A quantized model and everything needed to account for it: per-layer decisions (quantized, or float
 * and why), the parameters of every quantized tensor, the calibration, the integer I/O parameters, and
 * warnings for the user (dynamic kernels asked for where they are slower than float), and per float layer whose stored
 * values the quantizer's rewrites changed, how many more (or fewer) the written model holds ({@link RewrittenParameters}), and the
 * bias corrections made when the spec asks for them ({@link BiasCorrection}; empty otherwise).
 */
public record QuantizationResult(OnnxModel model, QuantizationSpec spec, List<Layer> layers, List<QuantizedTensor> tensors,
		CalibrationResult calibration, Map<String, IoQuantization.Io> integerInputs, Map<String, IoQuantization.Io> integerOutputs,
		List<QuantizerWarning> quantizerWarnings, Map<String, Long> parametersAddedByRewrites, List<BiasCorrection.Corrected> biasCorrections) {

	/** The warnings' sentences, in the quantizer's order; who acts on a warning reads its code ({@link #quantizerWarnings}). */
	public List<String> warnings() {
		return quantizerWarnings.stream().map(QuantizerWarning::message).toList();
	}

	/**
	 * The words of the warning that a mask computed at run time added positive values on the calibration samples (written by the
	 * masked-scores rule, code {@link QuantizerWarning#MASK_POSITIVE}: nobody tells the warning by these words).
	 */
	public static final String POSITIVE_MASK_WORDS = "added positive values on the calibration samples";

	/**
	 * What happened to one layer (node) of the model, in the plan's order: {@code index} is its position in the float model
	 * ({@link FloatNumbering}), for a node a rewrite added the position of the node it rewrote, named by {@code rewriteOf}
	 * (null for the float model's own nodes).
	 */
	public record Layer(int index, String node, String opType, boolean quantized, String reason, TensorSpec weights, TensorSpec activations,
			String rewriteOf) {
	}

	/** The activations whose range is far wider than their values ({@link #wideRanges(List, CalibrationResult)}). */
	public List<WideRange> wideRanges() {
		return wideRanges(tensors, calibration);
	}

	/**
	 * The per-tensor quantized activations (inputs, outputs) whose calibrated values' root mean square is below
	 * {@link WideRange#STEPS} steps of their scale, in the order written; none where the calibration measured no RMS.
	 */
	public static List<WideRange> wideRanges(List<QuantizedTensor> tensors, CalibrationResult calibration) {
		if (calibration == null) {
			return List.of();
		}
		Map<String, WideRange> wide = new java.util.LinkedHashMap<>();
		for (QuantizedTensor t : tensors) {
			Double rms = calibration.rms().get(t.tensor());
			if (rms != null && t.role() != QuantizedTensor.Role.WEIGHT && t.role() != QuantizedTensor.Role.BIAS && !t.params().perChannel() && t.range() != null
					&& WideRange.isWide(rms, t.params().scale())) {
				wide.putIfAbsent(t.tensor(), new WideRange(t.tensor(), t.range(), rms, t.params().scale()));
			}
		}
		return List.copyOf(wide.values());
	}

	/**
	 * The words the warning that a scheme quantized nothing starts with ({@link #nothingQuantized}): a recipe run records it under its
	 * own code, and verify derives it again from the layer and weight records it holds against the model files.
	 */
	public static final String NOTHING_WORDS = "quantized no layer: ";

	/**
	 * The warning that {@code layers} hold no layer on integer codes and {@code tensors} no integer weight, or null where one is:
	 * the variant then computes as the float model does, its integer inputs and outputs aside (make_unseen32's skllr_nozipmap,
	 * all ai.onnx.ml ops, quantized 0 of 4 layers under fiq-int8, and nothing said so but the layer table).
	 */
	public static String nothingQuantized(List<Layer> layers, List<QuantizedTensor> tensors) {
		if (layers.stream().anyMatch(Layer::quantized) || tensors.stream().anyMatch(t -> t.role() == QuantizedTensor.Role.WEIGHT)) {
			return null;
		}
		Map<String, Integer> ops = new java.util.LinkedHashMap<>();
		layers.forEach(l -> ops.merge(l.opType(), 1, Integer::sum));
		String listed = ops.entrySet().stream().limit(8).map(e -> e.getKey() + (e.getValue() > 1 ? " x" + e.getValue() : ""))
				.collect(java.util.stream.Collectors.joining(", ")) + (ops.size() > 8 ? " and " + (ops.size() - 8) + " more op types" : "");
		boolean integerIo = tensors.stream().anyMatch(t -> t.role() == QuantizedTensor.Role.INPUT || t.role() == QuantizedTensor.Role.OUTPUT);
		return NOTHING_WORDS + "none of the model's " + layers.size() + (layers.size() == 1 ? " layer" : " layers") + (layers.isEmpty() ? "" : " (" + listed + ")")
				+ " runs on integer codes or stores integer weights, each staying float for the reason its line gives: the variant computes as the float"
				+ " model does" + (integerIo ? " on its inputs and outputs rounded to their integer codes (not the same where a feature spans few"
						+ " of the input's steps)" : "")
				+ ": the scheme makes it no smaller and no faster";
	}

	public long quantizedLayers() {
		return layers.stream().filter(Layer::quantized).count();
	}

	/** Layers that keep int8 weights but compute in float (dynamic-range weight-only form). */
	public List<Layer> weightOnlyLayers() {
		return layers.stream().filter(l -> !l.quantized() && l.weights() != null).toList();
	}

	/**
	 * How the reason of a quantized layer that ONNX Runtime computes in float (no integer kernel for it) begins: with the type of
	 * the weights it holds (none for a layer without weights). It said "int8 weights" of every such layer, int16 weights and a
	 * MaxPool's none included (evidence12: a W16A16 run's trace and logs said int8 of every Conv).
	 */
	public static String floatCompute(QuantType weights) {
		return "quantized (" + (weights == null ? "" : weights.literal() + " weights, ") + "QuantizeLinear/DequantizeLinear around it), computed in float: ";
	}

	/** {@link #floatCompute} as a pattern: group 1 the weights' type, if any. */
	public static final java.util.regex.Pattern FLOAT_COMPUTE = java.util.regex.Pattern
			.compile("^quantized \\((?:(\\w+) weights, )?QuantizeLinear/DequantizeLinear around it\\), computed in float: ");

	/** Quantized layers that ONNX Runtime computes in float between DequantizeLinear and QuantizeLinear (ConvTranspose). */
	public List<Layer> floatComputeLayers() {
		return layers.stream().filter(l -> l.quantized() && l.reason() != null && FLOAT_COMPUTE.matcher(l.reason()).find()).toList();
	}

	/** Why a layer of {@link #floatComputeLayers} computes in float: its reason after {@link #floatCompute}. */
	public static String floatComputeWhy(String reason) {
		java.util.regex.Matcher m = FLOAT_COMPUTE.matcher(reason);
		return m.find() ? reason.substring(m.end()) : reason;
	}

	public List<Layer> floatLayers() {
		return layers.stream().filter(l -> !l.quantized()).toList();
	}
}
