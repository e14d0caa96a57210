package org.quantrace.engine.calibrate;

import java.nio.FloatBuffer;

/**
 * Range = exponential moving average of each batch's min and max (TensorFlow's and ONNX Runtime's
 * moving-average MinMax): m <- m + c * (batch value - m), starting from the first batch. Rare extreme
 * batches move the range only by a fraction c.
 */
public final class MovingAverageCollector implements RangeCollector {

	private final double averagingConstant;
	private double min;
	private double max;
	private boolean started;
	private final MinMaxCollector observed = new MinMaxCollector();

	public MovingAverageCollector(double averagingConstant) {
		if (!(averagingConstant > 0 && averagingConstant <= 1)) {
			throw new IllegalArgumentException("averaging constant must be in (0, 1], not " + averagingConstant);
		}
		this.averagingConstant = averagingConstant;
	}

	@Override
	public void update(FloatBuffer values) {
		float[] mm = MinMaxCollector.minMax(values);
		updateExtremes(mm[0], mm[1]);
	}

	@Override
	public boolean needsValues() {
		return false;
	}

	@Override
	public void updateExtremes(float batchMin, float batchMax) {
		observed.updateExtremes(batchMin, batchMax);
		if (!started) {
			min = batchMin;
			max = batchMax;
			started = true;
		} else {
			min += averagingConstant * (batchMin - min);
			max += averagingConstant * (batchMax - max);
		}
	}

	@Override
	public boolean seen() {
		return started;
	}

	@Override
	public Range range() {
		if (!started) {
			throw new IllegalStateException("no values seen");
		}
		return new Range(min, max);
	}

	@Override
	public Range observed() {
		return observed.observed();
	}
}
