package org.quantrace.engine.quantize;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

import org.quantrace.engine.Progress;
import org.quantrace.engine.calibrate.CalibrationResult;
import org.quantrace.engine.calibrate.CalibrationSettings;
import org.quantrace.engine.calibrate.Calibrator;
import org.quantrace.engine.calibrate.Range;
import org.quantrace.engine.calibrate.WideRange;
import org.quantrace.engine.data.Dataset;
import org.quantrace.engine.onnx.OnnxModel;
import org.quantrace.engine.onnx.TensorInfo;

/**
 * Ranges far wider than their values ({@link WideRange}) read again by {@link WideRange#CLIP_PERCENTILE}: min-max (and moving
 * average) measure each tensor's root mean square beside its range, and where it is below {@link WideRange#STEPS} steps of the
 * scale the writer would give that range, most values would share a few codes (make_unseen15's ssm: the scan's output
 * [-579, 2154] for values of RMS 13.4, fiq-int8 5.25 pt below fp32). A second calibration pass over just those tensors, with a
 * histogram, clips the few far values; the other tensors keep the method's ranges, so a model with none is written as before
 * and costs no second pass. Off with the settings' {@code unclipped}.
 */
final class ClippedRanges {

	private ClippedRanges() {
	}

	/**
	 * {@code calibrated} with the wide ranges of the plans' own activations read again over the same samples; {@code skip}: the
	 * tensors whose range another rule sets (SiLU products: the image of their input's).
	 */
	static CalibrationResult apply(OnnxModel model, String modelName, CalibrationResult calibrated, Iterable<QuantizationPlan> plans, Set<String> skip,
			Dataset data, Map<String, TensorInfo> types, Progress progress) {
		CalibrationSettings settings = calibrated.settings();
		Map<String, WideRange> wide = settings.unclipped() || !settings.method().measuresRms() ? Map.of() : wide(calibrated, plans, skip);
		if (wide.isEmpty()) {
			return calibrated;
		}
		CalibrationResult again = Calibrator.calibrate(model, modelName, wide.keySet(), data, settings.withPercentile(WideRange.CLIP_PERCENTILE), types, progress);
		Map<String, Range> ranges = new LinkedHashMap<>(calibrated.ranges());
		Map<String, CalibrationSettings.Method> methods = new LinkedHashMap<>(calibrated.methods());
		Map<String, WideRange> clipped = new LinkedHashMap<>();
		wide.forEach((t, w) -> {
			Range r = again.ranges().get(t);
			if (r != null) {
				ranges.put(t, r);
				methods.put(t, CalibrationSettings.Method.PERCENTILE);
				clipped.put(t, w);
			}
		});
		return calibrated.with(ranges, methods, clipped);
	}

	/**
	 * Writes into the quantized model which ranges were clipped ({@link WideRange#METADATA}, one metadata_props entry per
	 * tensor, {@code calibrated}'s final range; none without a calibration, dynamic-range): their far values saturate on purpose, which the debugger must not read as a bad
	 * range. A model with none gets no entry (written byte for byte as before).
	 */
	static void mark(OnnxModel model, CalibrationResult calibrated) {
		model.removeMetadata(WideRange.METADATA); // what the input model said (forged, or carried over) is not this calibration's
		if (calibrated == null) {
			return;
		}
		calibrated.clipped().forEach((t, w) -> model.putMetadata(WideRange.METADATA + t, w.clipped(calibrated.ranges().get(t))));
	}

	/** The calibrated roots of their own whose RMS is below {@link WideRange#STEPS} steps of the scale their range would get. */
	static Map<String, WideRange> wide(CalibrationResult calibrated, Iterable<QuantizationPlan> plans, Set<String> skip) {
		Map<String, WideRange> wide = new LinkedHashMap<>();
		for (QuantizationPlan plan : plans) {
			for (String t : plan.calibrationTensors()) {
				QuantizationPlan.Activation a = plan.activations().get(t);
				Range range = calibrated.ranges().get(t);
				Double rms = calibrated.rms().get(t);
				if (a == null || a.forcedRange() != null || range == null || rms == null || skip.contains(t) || calibrated.methods().containsKey(t)) {
					continue;
				}
				double scale = QuantMath.params(range, a.spec().precision(), a.spec().scheme(), false).scale();
				if (WideRange.isWide(rms, scale)) {
					wide.putIfAbsent(t, new WideRange(t, range, rms, scale));
				}
			}
		}
		return wide;
	}
}
