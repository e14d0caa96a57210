package org.quantrace.engine.runtime;

import java.util.Map;

import org.quantrace.engine.onnx.DataType;
import org.quantrace.engine.onnx.TensorInfo;

/**
 * How many samples one ONNX Runtime run may take so that the activations it computes stay within a fixed budget, whatever
 * the model's input size and however many samples a pass reads. One owner for every pass over data that runs a model in
 * chunks (calibration, conversion's check of the outputs against the original): a pass in chunks of k samples holds the
 * activations of k samples at most, and ONNX Runtime's arena grows to what the largest run needed. Sizes come from the
 * shapes of one sample ({@link ShapeProbe#probe}); without them nothing is split.
 */
public final class ActivationBudget {

	/** Activations of one run, as ONNX Runtime and the exposed outputs hold them: what a batch of 32 Fashion-MNIST images never reaches. */
	public static final long BYTES = 256L << 20;

	private ActivationBudget() {
	}

	/** Bytes of float activations of one sample: every tensor ONNX Runtime may hold at once, an upper bound of its working set. */
	public static long activationsPerSample(Map<String, TensorInfo> shapes) {
		return shapes.values().stream().filter(t -> t.type() == DataType.FLOAT).mapToLong(t -> Math.max(0, t.elementCount()) * 4).sum();
	}

	/** Samples per run: {@code batch}, or fewer when {@code perSample} bytes each would exceed the budget (at least 1). */
	public static int chunk(int batch, long perSample) {
		if (perSample <= 0) {
			return batch;
		}
		return (int) Math.max(1, Math.min(batch, BYTES / perSample));
	}
}
