package org.quantrace.engine.evaluate;

/**
 * How to evaluate: batch size, k of top-k accuracy, the threshold of float multilabel outputs, how integer
 * multilabel outputs are read (the deck's dtype midpoint, or dequantized and compared with the threshold),
 * the tolerance in percentage points within which a metric counts as unchanged (~), and the baseline.
 */
public record EvaluationOptions(int batchSize, int topK, double threshold, IntegerOutputs integerOutputs, double tolerancePoints, String baseline) {

	/** Reading integer multilabel outputs. */
	public enum IntegerOutputs {
		/** q ≥ the type's midpoint (0 for int8, 128 for uint8), as the results deck's inference code does. */
		DTYPE_MIDPOINT,
		/** s (q - z) ≥ threshold, like the float model. */
		DEQUANTIZED
	}

	public static EvaluationOptions defaults() {
		return new EvaluationOptions(64, 5, 0.5, IntegerOutputs.DTYPE_MIDPOINT, 0.5, null);
	}

	public EvaluationOptions withBaseline(String name) {
		return new EvaluationOptions(batchSize, topK, threshold, integerOutputs, tolerancePoints, name);
	}

	public EvaluationOptions withTolerance(double points) {
		return new EvaluationOptions(batchSize, topK, threshold, integerOutputs, points, baseline);
	}

	public EvaluationOptions withIntegerOutputs(IntegerOutputs mode) {
		return new EvaluationOptions(batchSize, topK, threshold, mode, tolerancePoints, baseline);
	}

	public EvaluationOptions withBatchSize(int size) {
		return new EvaluationOptions(size, topK, threshold, integerOutputs, tolerancePoints, baseline);
	}

	public EvaluationOptions withTopK(int k) {
		return new EvaluationOptions(batchSize, k, threshold, integerOutputs, tolerancePoints, baseline);
	}
}
