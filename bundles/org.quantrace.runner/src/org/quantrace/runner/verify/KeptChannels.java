package org.quantrace.runner.verify;

import java.util.List;

import org.quantrace.engine.onnx.Tensor;
import org.quantrace.model.trace.OptimizationRecord;
import org.quantrace.model.trace.Parameter;

import ai.onnx.proto.OnnxMl.NodeProto;

/**
 * Which channels channel pruning kept, against the files: the record names each space's removed channels ({@link ChannelRanking}
 * holds them against the scores, TraceStages their count against the models), and each of its layers with a stored bias must
 * hold, in the pruned model, the original's bias at the channels the record keeps, in order, bit for bit (pruning copies the
 * values). Without it a record whose removed channels and scores were edited together, the ranking kept, stood for a model that
 * had lost other channels. A layer without a bias (a MatMul) is not compared; two channels of one bias value cannot be told apart.
 */
final class KeptChannels {

	private KeptChannels() {
	}

	static void check(OptimizationRecord o, ModelFacts before, ModelFacts after, List<Mismatch> found) {
		for (Parameter x : o.getPruning().getAdditionalConfiguration()) {
			ChannelRanking.Space s = x.getKey().startsWith(ChannelRanking.KEY) ? ChannelRanking.parse(x.getKey().substring(ChannelRanking.KEY.length()), x.getValue())
					: null;
			if (s == null) {
				continue; // not a space's record, or one ChannelRanking names as malformed
			}
			int[] kept = java.util.stream.IntStream.range(0, s.scores().length).filter(c -> !s.removed().get(c)).toArray();
			for (String layer : s.layers().split(", ")) {
				float[] original = bias(before, layer);
				float[] pruned = bias(after, layer);
				if (original == null || pruned == null || original.length != s.scores().length || pruned.length != kept.length) {
					continue; // no bias, or counts TraceStages holds against the record
				}
				for (int i = 0; i < kept.length; i++) {
					if (Float.floatToIntBits(pruned[i]) != Float.floatToIntBits(original[kept[i]])) {
						found.add(new Mismatch(TraceCheck.DOCUMENT, "optimization " + o.getId() + " pruning " + ChannelRanking.KEY + s.layers() + " kept channel "
								+ kept[i], "filter " + i + " of the pruned " + layer, "its bias " + pruned[i] + " is not the original's channel " + kept[i] + " ("
										+ original[kept[i]] + "): the model kept other channels than the record says"));
						break;
					}
				}
			}
		}
	}

	/** The stored bias of layer {@code layer} (a Conv's or Gemm's third input), or null. */
	private static float[] bias(ModelFacts m, String layer) {
		NodeProto n = m.node(layer);
		Tensor b = n == null || n.getInputCount() < 3 || n.getInput(2).isEmpty() ? null : m.value(n.getInput(2));
		return b == null ? null : b.toFloatArray();
	}
}
