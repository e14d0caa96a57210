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
		CalibrationResult calibration, Map<String, IoQuantization.Io> integerInputs, Map<String, IoQuantization.Io> integerOutputs, List<String> warnings,
		Map<String, Long> parametersAddedByRewrites, List<BiasCorrection.Corrected> biasCorrections) {

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

	public long quantizedLayers() {
		return layers.stream().filter(Layer::quantized).count();
	}

	/** Layers that keep int8 weights but compute in float (dynamic-range weight-only form). */
	public List<Layer> weightOnlyLayers() {
		return layers.stream().filter(l -> !l.quantized() && l.weights() != null).toList();
	}

	/** How the reason of a quantized layer that ONNX Runtime computes in float (no integer kernel for it) begins. */
	public static final String FLOAT_COMPUTE = "quantized (int8 weights, QuantizeLinear/DequantizeLinear around it), computed in float: ";

	/** Quantized layers that ONNX Runtime computes in float between DequantizeLinear and QuantizeLinear (ConvTranspose). */
	public List<Layer> floatComputeLayers() {
		return layers.stream().filter(l -> l.quantized() && l.reason() != null && l.reason().startsWith(FLOAT_COMPUTE)).toList();
	}

	public List<Layer> floatLayers() {
		return layers.stream().filter(l -> !l.quantized()).toList();
	}
}
