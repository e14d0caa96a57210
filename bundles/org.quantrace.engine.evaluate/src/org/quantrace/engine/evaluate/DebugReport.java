package org.quantrace.engine.evaluate;

import java.util.Comparator;
import java.util.List;

import org.quantrace.engine.calibrate.WideRange;
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
	 * here is (errors building up through the layers before it). {@code saturated}: how many of its float values lie beyond
	 * the range its scale and zero point can hold (by more than half a step); {@code clipped}: what the quantized model says
	 * its calibration did to the range ({@link WideRange#METADATA}), empty when it says nothing.
	 */
	public record TensorDebug(int layerIndex, String tensor, String node, String opType, String fused, float scale, long zeroPoint,
			String paramsFrom, Stats isolated, Stats accumulated, boolean flagged, boolean accumulatedFlagged, long saturated, String clipped) {

		/** Whether the quantized model says its calibration clipped this range on purpose. */
		public boolean clippedOnPurpose() {
			return !clipped.isEmpty();
		}
	}

	/** SQNR and cosine similarity are worse when lower; the others when higher. */
	public static boolean exceeds(DebugMetric m, double value, double threshold) {
		return m == DebugMetric.SQNR || m == DebugMetric.COSINE ? value < threshold : Math.abs(value) > threshold;
	}

	/**
	 * The layers whose outputs are flagged on their own, in layer order: candidates to leave in float (partial quantization;
	 * recovery's order is {@link #candidateOrder}). Not those whose range the calibration clipped on purpose ({@link #clippedFlagged}): their
	 * error is the far values' saturation, which the calibration chose over spending the codes on them.
	 */
	public List<String> exclusionCandidates() {
		return tensors.stream().filter(t -> t.flagged() && !t.clippedOnPurpose()).map(TensorDebug::node).filter(n -> !n.isEmpty()).distinct().toList();
	}

	/**
	 * The order in which tensors' layers are candidates to leave in float (the debug command's candidates, the runner's
	 * recovery): ranges the quantized model says its calibration clipped on purpose after all others, since their error is
	 * the far values it chose to saturate; then worst first by {@code metric} ({@link #worstFirst}).
	 */
	public static Comparator<TensorDebug> candidateOrder(DebugMetric metric) {
		return Comparator.comparing(TensorDebug::clippedOnPurpose).thenComparing(t -> t.isolated().value(metric), worstFirst(metric));
	}

	/**
	 * Worst first, as {@link #exceeds} flags: SQNR and cosine similarity are worse the lower they are (−10 dB is worse than
	 * 3 dB), the error metrics the larger their magnitude.
	 */
	public static Comparator<Double> worstFirst(DebugMetric metric) {
		return metric == DebugMetric.SQNR || metric == DebugMetric.COSINE ? Comparator.<Double>naturalOrder()
				: Comparator.<Double>comparingDouble(Math::abs).reversed();
	}

	/** The tensors flagged on their own whose range the quantized model says its calibration clipped on purpose. */
	public List<TensorDebug> clippedFlagged() {
		return tensors.stream().filter(t -> t.flagged() && t.clippedOnPurpose()).toList();
	}

	/**
	 * The tensors with their own scale whose range is far wider than their values (the calibration's rule, {@link WideRange#isWide}, applied to debug.csv's figures), whatever the
	 * flagging metric: a calibration that clips the far values (percentile, entropy) or a float reader fixes them, not int16
	 * or per-channel weights. The RMS is the isolated mode's: SQNR is 10·log10(Σ real² / Σ error²), so Σ real² / n is
	 * mse·10^(sqnr/10), re-derivable from debug.csv's columns.
	 */
	public List<TensorDebug> wideRanges() {
		return tensors.stream().filter(t -> t.paramsFrom().isEmpty() && WideRange.isWide(valueSteps(t) * t.scale(), t.scale())).toList();
	}

	/** The root mean square of a tensor's float values in steps of its scale (infinite when it quantized exactly). */
	public static double valueSteps(TensorDebug t) {
		Stats s = t.isolated();
		if (!(s.meanSquaredError() > 0) || !Double.isFinite(s.sqnr()) || !(t.scale() > 0)) {
			return Double.POSITIVE_INFINITY;
		}
		return Math.sqrt(s.meanSquaredError() * Math.pow(10, s.sqnr() / 10)) / t.scale();
	}

	/**
	 * The first tensor, in layer order, where the error the quantized model carries passes the threshold, or null: when no
	 * tensor is flagged on its own, this is where the build-up of small errors becomes too much.
	 */
	public TensorDebug accumulationStart() {
		return tensors.stream().filter(TensorDebug::accumulatedFlagged).findFirst().orElse(null);
	}
}
