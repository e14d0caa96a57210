package org.quantrace.engine.prune;

import java.util.List;
import java.util.Map;

import org.quantrace.engine.onnx.OnnxModel;

/**
 * A pruned model and its per-layer report: parameters and FLOPs before and after, sparsity, removed channels; the layers left
 * whole and why, those global channel pruning held at their floor (LayerFloor) and what they kept; the overall sparsity reached,
 * file sizes and compressed (deflate) sizes before and after. Channel pruning also gives each channel space's scores as ranked and
 * the channels it lost ({@code channelScores}, empty for the other patterns) and, for the activation criterion, the samples scored
 * on ({@code samples}, null for the weight criteria).
 */
public record PruningResult(OnnxModel model, PruningSpec spec, List<Layer> layers, Map<String, String> notPruned, Map<String, String> held,
		long parametersBefore, long parametersAfter, double achievedSparsity, long bytesBefore, long bytesAfter, long compressedBefore, long compressedAfter,
		List<ChannelScores> channelScores, ScoringSamples samples) {

	/** One channel space (its producers lose the same channels), each channel's score as ranked, and the channels removed. */
	public record ChannelScores(List<String> layers, double[] scores, int[] removed) {
	}

	/** The samples the activation criterion scored channels on: how many, and the SHA-256 of the float32 values fed. */
	public record ScoringSamples(int count, String sha256) {
	}

	/**
	 * One weighted layer. Channel pruning counts its parameters (weight and bias elements) before and after; the element, vector
	 * and block patterns count its weights alone, {@code parametersAfter} those left non-zero ({@link PruningSpec#countsWeights()}).
	 */
	public record Layer(String layer, String opType, long parametersBefore, long parametersAfter, double sparsity, long flopsBefore,
			long flopsAfter, int channelsBefore, int channelsAfter) {
	}
}
