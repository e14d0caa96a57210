package org.quantrace.engine.evaluate;

import java.util.List;

import org.quantrace.model.recipe.DebugMetric;

/**
 * The quantization debugger's findings: for each quantized activation, the TFLite debugger's metrics plus
 * SQNR, cosine similarity and rmse/scale, both isolated (the tensor quantized on its own, from the float
 * values) and accumulated (what the quantized model actually computes there), and whether it is flagged.
 */
public record DebugReport(String floatModel, String quantizedModel, String dataset, int samples, DebugMetric metric, double threshold,
		List<TensorDebug> tensors) {

	/** Error statistics of one tensor in one mode. */
	public record Stats(long numElements, double stddev, double meanError, double maxAbsError, double meanSquaredError, double sqnr,
			double cosineSimilarity, double rmseOverScale) {

		public double value(DebugMetric m) {
			return switch (m) {
			case RMSE_OVER_SCALE -> rmseOverScale;
			case SQNR -> sqnr;
			case COSINE -> cosineSimilarity;
			case MEAN_SQUARED_ERROR -> meanSquaredError;
			case MAX_ABS_ERROR -> maxAbsError;
			case MEAN_ERROR -> meanError;
			case STDDEV -> stddev;
			};
		}
	}

	/**
	 * One quantized tensor, located by the float model's layer index of the node that produces it (-1: model input).
	 * Where the quantizer fused an activation into the layer before it (Conv then Relu: the quantized model's Conv
	 * writes the Relu's output), the tensor belongs to that layer: {@code node} and {@code layerIndex} are the Conv's,
	 * {@code opType} reads "Conv+Relu" and {@code fused} names the Relu (empty otherwise). {@code paramsFrom} names the
	 * upstream tensor whose scale and zero point it reuses (MaxPool, Flatten... move integer codes unchanged), or is
	 * empty when the tensor has its own. Only tensors with their own parameters are flagged: a bad range shows in every
	 * tensor that inherits it, but there is one decision to revisit. {@code flagged}: the isolated error is beyond the
	 * threshold (this tensor's quantization alone); {@code accumulatedFlagged}: the error the quantized model carries
	 * here is (errors building up through the layers before it).
	 */
	public record TensorDebug(int layerIndex, String tensor, String node, String opType, String fused, float scale, long zeroPoint,
			String paramsFrom, Stats isolated, Stats accumulated, boolean flagged, boolean accumulatedFlagged) {
	}

	/** SQNR and cosine similarity are worse when lower; the others when higher. */
	public static boolean exceeds(DebugMetric m, double value, double threshold) {
		return m == DebugMetric.SQNR || m == DebugMetric.COSINE ? value < threshold : Math.abs(value) > threshold;
	}

	/** The layers whose outputs are flagged on their own: candidates to leave in float (partial quantization). */
	public List<String> exclusionCandidates() {
		return tensors.stream().filter(TensorDebug::flagged).map(TensorDebug::node).filter(n -> !n.isEmpty()).distinct().toList();
	}

	/**
	 * The first tensor, in layer order, where the error the quantized model carries passes the threshold, or null: when no
	 * tensor is flagged on its own, this is where the build-up of small errors becomes too much.
	 */
	public TensorDebug accumulationStart() {
		return tensors.stream().filter(TensorDebug::accumulatedFlagged).findFirst().orElse(null);
	}
}
