package org.quantrace.engine.prune;

import java.util.List;
import java.util.Map;

import org.quantrace.engine.onnx.OnnxModel;

/**
 * A pruned model and its per-layer report: parameters and FLOPs before and after, sparsity, removed channels; the layers left
 * whole and why, those global channel pruning held at their floor (LayerFloor) and what they kept; the overall sparsity reached,
 * file sizes and compressed (deflate) sizes before and after.
 */
public record PruningResult(OnnxModel model, PruningSpec spec, List<Layer> layers, Map<String, String> notPruned, Map<String, String> held,
		long parametersBefore, long parametersAfter, double achievedSparsity, long bytesBefore, long bytesAfter, long compressedBefore, long compressedAfter) {

	/** One weighted layer. {@code parametersAfter} counts non-zero values after unstructured pruning. */
	public record Layer(String layer, String opType, long parametersBefore, long parametersAfter, double sparsity, long flopsBefore,
			long flopsAfter, int channelsBefore, int channelsAfter) {
	}
}
