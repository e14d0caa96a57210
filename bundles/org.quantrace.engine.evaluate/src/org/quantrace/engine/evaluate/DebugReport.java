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
		List<TensorDebug> tensors, List<TopClass> topClasses, List<SizeDiffers> leftOut) {

	public DebugReport(String floatModel, String quantizedModel, String dataset, int samples, DebugMetric metric, double threshold, List<TensorDebug> tensors) {
		this(floatModel, quantizedModel, dataset, samples, metric, threshold, tensors, List.of(), List.of());
	}

	/**
	 * A quantized tensor left out of the comparison: in the batch of samples {@code from}..{@code to} (1-based) the float model
	 * computed {@code floatValues} values there and the quantized model {@code quantizedValues}, a size that depends on the values
	 * (after a NonMaxSuppression, NonZero or Unique: round 34's detnms keeps other boxes on codes), so no value of one model has its
	 * counterpart in the other.
	 */
	public record SizeDiffers(String tensor, int from, int to, long floatValues, long quantizedValues) {

		/**
		 * The one sentence that says which tensors the debugger left out and why, in the console ({@link DebugFindings}), the trace's
		 * PhIMT0003 and report.html alike ({@code of}: " of m / fiq_int8 (debug/m/fiq_int8/debug.csv)" in the documents, "" on the
		 * console). Two causes: a size the values decide, and zero channels the quantizer added (a widened depthwise Conv): the
		 * console called both "their size depends on the values" (logs63), which a widened layer's is not.
		 */
		public static String sentence(String of, List<SizeDiffers> left) {
			return "Not compared by the quantization debugger" + of + ", their sizes differ between the float and the quantized model (an op such as"
					+ " NonMaxSuppression, NonZero, Unique or Compress before them decides how many elements they hold on the values, or the quantizer"
					+ " added zero channels to a layer they are made from), so no value of one has its counterpart in the other: " + String.join("; ",
							left.stream().map(l -> String.format(java.util.Locale.ROOT, "'%s' (%,d values in the float model, %,d in the quantized one, samples %d-%d)",
									l.tensor(), l.floatValues(), l.quantizedValues(), l.from(), l.to())).toList())
					+ ". Compare them by the evaluation's metric instead.";
		}
	}

	/**
	 * Share of the samples whose top class the output's codes change before a finding says so: round 20's centernet (int8
	 * class scores at scale 1/255 after a Sigmoid) changed 17 % of them with fp32's own values written as codes.
	 */
	public static final double TOP_CHANGED_FINDING = 0.01;

	/**
	 * A model output of class scores ([batch, classes]) the quantized model writes as codes, over the debugged samples: in how
	 * many the row's best code is shared by two classes or more ({@code tied}) and in how many the first best code's class
	 * (ONNX ArgMax's) is not fp32's best class ({@code changed}), for fp32's own outputs written as the output's codes
	 * ({@code isolated}: what no precision inside the model changes) and for the quantized model's outputs ({@code accumulated}).
	 */
	public record TopClass(String tensor, int samples, int tiedIsolated, int changedIsolated, int tiedAccumulated, int changedAccumulated) {

		/** Whether the output's codes themselves lose fp32's top class in at least {@link #TOP_CHANGED_FINDING} of the samples. */
		public boolean losesTopClass() {
			return changedIsolated > 0 && changedIsolated >= TOP_CHANGED_FINDING * samples;
		}
	}

	/** The top-class figures of {@code tensor}, or null when it is no class-score output. */
	public TopClass topClass(String tensor) {
		return topClasses.stream().filter(c -> c.tensor().equals(tensor)).findFirst().orElse(null);
	}

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
	 * its calibration did to the range ({@link WideRange#METADATA}), empty when it says nothing. {@code inFloat}: the quantized
	 * model computes its layer on float inputs only (only its output is quantized, for the integer layers that read it), and
	 * {@code quantizedBefore} names the quantized layers whose float outputs reach it, where its error comes in. {@code maskedScores}:
	 * for masked attention scores whose masked entries the quantized model says saturate to the lowest code on purpose
	 * ({@link org.quantrace.engine.quantize.MaskedSums}), the scores the mask is added to, empty otherwise; its figures are then of
	 * the kept entries only, and {@code masked} counts the entries left out (over the samples, in each mode).
	 */
	public record TensorDebug(int layerIndex, String tensor, String node, String opType, String fused, float scale, long zeroPoint,
			String paramsFrom, Stats isolated, Stats accumulated, boolean flagged, boolean accumulatedFlagged, long saturated, String clipped,
			boolean inFloat, List<String> quantizedBefore, String maskedScores, long masked) {

		/** A tensor whose layer runs on quantized inputs. */
		public TensorDebug(int layerIndex, String tensor, String node, String opType, String fused, float scale, long zeroPoint, String paramsFrom,
				Stats isolated, Stats accumulated, boolean flagged, boolean accumulatedFlagged, long saturated, String clipped) {
			this(layerIndex, tensor, node, opType, fused, scale, zeroPoint, paramsFrom, isolated, accumulated, flagged, accumulatedFlagged, saturated,
					clipped, false, List.of(), "", 0);
		}

		/** Whether its masked entries were left out: masked attention scores, measured where the mask keeps them. */
		public boolean maskedOnPurpose() {
			return !maskedScores.isEmpty();
		}

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
		return tensors.stream().filter(t -> t.flagged() && !t.clippedOnPurpose() && !t.inFloat()).map(TensorDebug::node).filter(n -> !n.isEmpty())
				.distinct().toList();
	}

	/**
	 * The tensors flagged on their own whose layers run in float already: only their outputs are quantized, for the integer
	 * layers that read them, so leaving the layer in float changes nothing (make_unseen25's siren: its Concat and Sins).
	 */
	public List<TensorDebug> flaggedInFloat() {
		return tensors.stream().filter(t -> t.flagged() && !t.clippedOnPurpose() && t.inFloat()).toList();
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

	/** The masked sums measured on their kept entries only ({@link TensorDebug#maskedOnPurpose}), in layer order. */
	public List<TensorDebug> maskedSums() {
		return tensors.stream().filter(TensorDebug::maskedOnPurpose).toList();
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
