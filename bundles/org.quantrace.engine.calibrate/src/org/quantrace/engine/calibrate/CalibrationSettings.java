package org.quantrace.engine.calibrate;

import org.quantrace.engine.InvalidInputException;
import org.quantrace.engine.Keyword;
import org.quantrace.model.CalibrationLimits;

/**
 * How to calibrate: the method and its parameters, the batch size, and how many samples to use (0 = all).
 * Settings the engine cannot honour are refused here, before any work, with the limits the recipe
 * validator reports ({@link CalibrationLimits}). {@code unclipped}: min-max and moving average keep their ranges even for
 * tensors whose range is far wider than their values ({@link WideRange}), which they otherwise read again by
 * {@link WideRange#CLIP_PERCENTILE}; the histogram methods clip by their own rule and ignore it.
 */
public record CalibrationSettings(Method method, double percentile, double averagingConstant, int bins, int batchSize, int maxSamples, boolean unclipped) {

	public CalibrationSettings(Method method, double percentile, double averagingConstant, int bins, int batchSize, int maxSamples) {
		this(method, percentile, averagingConstant, bins, batchSize, maxSamples, false);
	}

	/** How a tensor's range is read from the calibration data. */
	public enum Method implements Keyword {
		MINMAX, MOVING_AVERAGE, PERCENTILE, ENTROPY,
		/** The range of least L2 quantization error over a histogram of the values (torch's HistogramObserver). */
		L2;

		public boolean usesHistogram() {
			return this == PERCENTILE || this == ENTROPY || this == L2;
		}

		/** Whether it measures each tensor's root mean square beside its range, and so reads wide ranges again ({@link WideRange}). */
		public boolean measuresRms() {
			return this == MINMAX || this == MOVING_AVERAGE;
		}
	}

	public CalibrationSettings {
		if (batchSize < 1) {
			throw new InvalidInputException("calibration batch size " + batchSize + " is less than 1", "calibrate in batches of 1 or more (32 is usual)");
		}
		if (method.usesHistogram()) {
			String bad = CalibrationLimits.histogramBinsProblem(bins, method == Method.ENTROPY ? CalibrationLimits.ENTROPY_QUANTIZED_BINS : 0);
			if (bad == null && method == Method.PERCENTILE) {
				bad = CalibrationLimits.percentileProblem(percentile);
			}
			if (bad != null) {
				throw new InvalidInputException("calibration: " + bad, "change the calibration settings");
			}
		}
	}

	public static CalibrationSettings minMax() {
		return new CalibrationSettings(Method.MINMAX, 99.99, 0.01, 2048, 32, 0);
	}

	public CalibrationSettings with(Method m) {
		return new CalibrationSettings(m, percentile, averagingConstant, bins, batchSize, maxSamples, unclipped);
	}

	public CalibrationSettings withPercentile(double p) {
		return new CalibrationSettings(Method.PERCENTILE, p, averagingConstant, bins, batchSize, maxSamples, unclipped);
	}

	public CalibrationSettings withBatchSize(int b) {
		return new CalibrationSettings(method, percentile, averagingConstant, bins, b, maxSamples, unclipped);
	}

	public CalibrationSettings withMaxSamples(int n) {
		return new CalibrationSettings(method, percentile, averagingConstant, bins, batchSize, n, unclipped);
	}

	public CalibrationSettings withUnclipped(boolean u) {
		return new CalibrationSettings(method, percentile, averagingConstant, bins, batchSize, maxSamples, u);
	}

	/** Refuses what this method cannot do for activations of {@code bits} (entropy serves 8-bit codes only). */
	public void checkActivationBits(int bits) {
		String bad = CalibrationLimits.activationBitsProblem(method.literal(), bits);
		if (bad != null) {
			throw new InvalidInputException(bad, "use minmax or percentile calibration, or 8-bit activations");
		}
	}

	/** A fresh collector for one tensor. */
	public RangeCollector newCollector() {
		return switch (method) {
		case MINMAX -> new MinMaxCollector();
		case MOVING_AVERAGE -> new MovingAverageCollector(averagingConstant);
		case PERCENTILE -> new HistogramCollector(bins, new HistogramCollector.Percentile(percentile));
		case ENTROPY -> new HistogramCollector(bins, new HistogramCollector.Entropy(CalibrationLimits.ENTROPY_QUANTIZED_BINS));
		case L2 -> new HistogramCollector(bins, new HistogramCollector.L2(CalibrationLimits.L2_LEVELS));
		};
	}

	/** The method's parameters, for the trace and the PhIMT0003 calibration row. */
	public java.util.Map<String, String> parameters() {
		java.util.Map<String, String> p = new java.util.LinkedHashMap<>();
		switch (method) {
		case PERCENTILE -> {
			p.put("percentile", Double.toString(percentile));
			p.put("histogram bins", Integer.toString(bins));
		}
		case MOVING_AVERAGE -> p.put("averaging constant", Double.toString(averagingConstant));
		case ENTROPY -> {
			p.put("histogram bins", Integer.toString(bins));
			p.put("quantized bins", CalibrationLimits.ENTROPY_QUANTIZED_BINS + " (" + 2 * CalibrationLimits.ENTROPY_QUANTIZED_BINS
					+ " for tensors never negative)");
			p.put("divergence", "KL(P||Q), TensorRT threshold search over |x| without exact zeros, from the quantized bins past the first non-empty bin");
		}
		case L2 -> {
			p.put("histogram bins", Integer.toString(bins));
			p.put("quantization levels", Integer.toString(CalibrationLimits.L2_LEVELS));
			p.put("error", "L2 of uniform quantization over [min, max] of the values, torch HistogramObserver's greedy search (quantile step 1e-5)");
		}
		default -> {
		}
		}
		if (unclipped && method.measuresRms()) {
			p.put("unclipped", "ranges far wider than their values are kept as " + method.literal() + " measured them, not read again by percentile " + WideRange.CLIP_PERCENTILE);
		}
		p.put("batch size", Integer.toString(batchSize));
		return p;
	}
}
