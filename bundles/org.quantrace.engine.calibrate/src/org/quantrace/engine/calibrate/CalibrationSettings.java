package org.quantrace.engine.calibrate;

import org.quantrace.model.recipe.CalibrationMethod;

/**
 * How to calibrate: the method and its parameters, the batch size, and how many samples to use
 * (0 = all). {@code levels} is the number of quantized bins entropy calibration aims at (128 for 8 bits).
 */
public record CalibrationSettings(CalibrationMethod method, double percentile, double averagingConstant, int bins, int levels,
		int batchSize, int maxSamples) {

	public CalibrationSettings {
		if (batchSize < 1) {
			throw new IllegalArgumentException("batch size must be at least 1, not " + batchSize);
		}
	}

	public static CalibrationSettings minMax() {
		return new CalibrationSettings(CalibrationMethod.MINMAX, 99.99, 0.01, 2048, 128, 32, 0);
	}

	public CalibrationSettings with(CalibrationMethod m) {
		return new CalibrationSettings(m, percentile, averagingConstant, bins, levels, batchSize, maxSamples);
	}

	public CalibrationSettings withPercentile(double p) {
		return new CalibrationSettings(CalibrationMethod.PERCENTILE, p, averagingConstant, bins, levels, batchSize, maxSamples);
	}

	public CalibrationSettings withBatchSize(int b) {
		return new CalibrationSettings(method, percentile, averagingConstant, bins, levels, b, maxSamples);
	}

	public CalibrationSettings withMaxSamples(int n) {
		return new CalibrationSettings(method, percentile, averagingConstant, bins, levels, batchSize, n);
	}

	/** A fresh collector for one tensor. */
	public RangeCollector newCollector() {
		return switch (method) {
		case MINMAX -> new MinMaxCollector();
		case MOVING_AVERAGE -> new MovingAverageCollector(averagingConstant);
		case PERCENTILE -> new HistogramCollector(bins, new HistogramCollector.Percentile(percentile));
		case ENTROPY -> new HistogramCollector(bins, new HistogramCollector.Entropy(levels));
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
			p.put("quantized bins", Integer.toString(levels));
			p.put("divergence", "KL(P||Q), TensorRT threshold search");
		}
		default -> {
		}
		}
		p.put("batch size", Integer.toString(batchSize));
		return p;
	}
}
