package org.quantrace.engine.convert;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;

import org.quantrace.engine.onnx.Graph;
import org.quantrace.engine.onnx.Node;
import org.quantrace.engine.onnx.Tensor;

/**
 * Merges a MixConv (MixNet, Tan &amp; Le 2019) into one depthwise Conv: a Split along the channels whose every piece only a
 * depthwise Conv reads (one channel per group, constant weights, odd kernels padded about their centre, dilation 1, one
 * stride for all), the Convs' outputs concatenated in the pieces' order by one Concat along the channels that alone reads
 * them. The merged Conv's kernel is the largest piece's, the smaller kernels zero-padded about their centre, the biases
 * concatenated: each output channel sums the same products plus zeros, exact in real arithmetic. Run before BatchNorm
 * folding, so that a BatchNormalization after the Concat folds into the one Conv.
 * <p>
 * Why: ONNX Runtime runs a depthwise QLinearConv with its fast kernel only for a multiple of 16 channels, and the Split,
 * the Concat and the per-channel Mul and Add the BatchNormalization after it became cost kernels of their own. make_unseen28's
 * mixeca (pieces of 24, 16, 16 and 8 channels, kernels 3x3 to 9x9; one thread, org.quantrace.measure.CpuTime): the int8
 * model took 1.50-1.57x the float model's CPU time at batch 1 and 1.10-1.22x at batch 64; merged, 1.02-1.07x and 0.81-0.89x,
 * and the merged float model 0.82-0.86x and 0.76-0.81x of the float model's time, though the merged kernel does more MACs.
 */
final class MixedDepthwise {

	private MixedDepthwise() {
	}

	/** Merges every such Split; returns the labels of the nodes removed and adds one rewrite if any. */
	static List<String> merge(Graph g, List<Rewrite> rewrites) {
		List<String> removed = new ArrayList<>();
		List<String> merged = new ArrayList<>();
		for (Node split : List.copyOf(g.nodes())) {
			List<String> gone = split.opType().equals("Split") && split.isStandard() ? mergeAt(g, split) : null;
			if (gone != null) {
				removed.addAll(gone);
				merged.add("'" + ConstantFolder.label(split) + "'");
			}
		}
		if (!merged.isEmpty()) {
			rewrites.add(new Rewrite(Rewrite.FUSION, "channel Split -> depthwise Convs of different kernels -> Concat (MixConv) -> one depthwise"
					+ " Conv (smaller kernels zero-padded about their centre, biases concatenated), " + ParallelConvs.times(merged)));
		}
		return removed;
	}

	/** Merges the depthwise Convs after {@code split} into one Conv writing their Concat's output; null when they are no MixConv. */
	private static List<String> mergeAt(Graph g, Node split) {
		if (split.intAttribute("axis", 0) != 1 || split.outputs().size() < 2) {
			return null;
		}
		List<Node> convs = new ArrayList<>();
		for (String piece : split.outputs()) {
			List<Node> readers = g.consumers(piece);
			if (piece.isEmpty() || g.isOutput(piece) || readers.size() != 1 || !depthwise(g, readers.get(0)) || !readers.get(0).input(0).equals(piece)) {
				return null;
			}
			convs.add(readers.get(0));
		}
		List<String> pieces = convs.stream().map(c -> c.output(0)).toList();
		List<Node> after = g.consumers(pieces.get(0));
		Node concat = after.size() == 1 ? after.get(0) : null;
		if (concat == null || !concat.opType().equals("Concat") || !concat.isStandard() || concat.intAttribute("axis", 0) != 1
				|| !concat.inputs().equals(pieces) || pieces.stream().anyMatch(p -> g.isOutput(p) || g.consumers(p).size() != 1)) {
			return null;
		}
		Node first = convs.get(0);
		int rank = g.constant(first.input(1)).dims().length;
		long[] kernel = new long[rank - 2];
		int channels = 0;
		for (Node c : convs) {
			long[] d = g.constant(c.input(1)).dims();
			if (d.length != rank || !ParallelConvs.strides(c, rank - 2).equals(ParallelConvs.strides(first, rank - 2))) {
				return null;
			}
			for (int i = 0; i < kernel.length; i++) {
				kernel[i] = Math.max(kernel[i], d[2 + i]);
			}
			channels += (int) d[0];
		}
		int taps = (int) Arrays.stream(kernel).reduce(1, (p, q) -> p * q);
		float[] weights = new float[channels * taps];
		float[] bias = new float[channels];
		int at = 0;
		for (Node c : convs) { // each piece's channels at their offset in the Concat
			Tensor w = g.constant(c.input(1));
			int n = (int) w.dims()[0];
			float[] piece = new float[n * taps];
			ParallelConvs.add(piece, kernel, w.toFloatArray(), w.dims());
			System.arraycopy(piece, 0, weights, at * taps, piece.length);
			float[] b = new float[n];
			ParallelConvs.addBias(g, c, b);
			System.arraycopy(b, 0, bias, at, n);
			at += n;
		}
		Set<String> names = g.tensorNames();
		String wName = g.uniqueName(split.name() + "_mixed_weights", names);
		names.add(wName);
		String bName = g.uniqueName(split.name() + "_mixed_bias", names);
		long[] dims = new long[rank];
		dims[0] = channels;
		dims[1] = 1;
		System.arraycopy(kernel, 0, dims, 2, kernel.length);
		g.putInitializer(Tensor.ofFloats(wName, dims, weights));
		g.putInitializer(Tensor.ofFloats(bName, new long[] { channels }, bias));
		first.setInputs(List.of(split.input(0), wName, bName));
		List<Long> pads = new ArrayList<>();
		for (int side = 0; side < 2; side++) {
			Arrays.stream(kernel).forEach(k -> pads.add((k - 1) / 2));
		}
		first.setIntsAttribute("pads", pads);
		first.setIntsAttribute("kernel_shape", Arrays.stream(kernel).boxed().toList());
		first.setIntAttribute("group", channels);
		first.setOutputs(List.of(concat.output(0)));
		List<String> removed = new ArrayList<>();
		for (Node n : convs.subList(1, convs.size())) {
			removed.add(ConstantFolder.label(n));
			g.nodes().remove(n);
		}
		g.nodes().remove(first);
		g.nodes().add(g.nodes().indexOf(concat), first); // where the Concat was: after the Split's input
		for (Node n : List.of(split, concat)) {
			removed.add(ConstantFolder.label(n));
			g.nodes().remove(n);
		}
		g.removeUnusedInitializers();
		return removed;
	}

	/** A depthwise Conv of constant float weights [C, 1, k...] in C groups, odd kernels padded about their centre, dilation 1. */
	private static boolean depthwise(Graph g, Node conv) {
		if (!conv.opType().equals("Conv") || !conv.isStandard() || conv.inputs().size() < 2 || !ParallelConvs.centred(g, conv)) {
			return false;
		}
		long[] d = g.constant(conv.input(1)).dims();
		return d[1] == 1 && conv.intAttribute("group", 1) == d[0]
				&& Arrays.stream(ParallelConvs.dilations(conv, d.length - 2)).allMatch(x -> x == 1);
	}
}
