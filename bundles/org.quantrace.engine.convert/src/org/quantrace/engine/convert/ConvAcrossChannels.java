package org.quantrace.engine.convert;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import org.quantrace.engine.onnx.DataType;
import org.quantrace.engine.onnx.Graph;
import org.quantrace.engine.onnx.Node;
import org.quantrace.engine.onnx.Tensor;

/**
 * Writes a 1-D Conv across the channels of a pooled map as the 1x1 Conv it is: ECA-Net's channel attention (Wang et al. 2020;
 * make_unseen28's mixeca) pools x to [N, C, 1, 1] and, as its reference code writes it, computes Squeeze(-1) → Transpose
 * (0, 2, 1) → Conv1d of one channel, kernel k → Transpose (0, 2, 1) → Unsqueeze(-1). That is y[c] = b + Σ_j w[j]·x[c − p + j·d]
 * (p its left padding, d its dilation, zero outside the channels): a Conv 1x1 C → C whose weight matrix holds w on k bands,
 * W[c, c − p + j·d] = w[j], zero elsewhere, and the bias b in every channel. The same products summed, exact in real
 * arithmetic; up to {@link #MAX_CHANNELS} channels, which keeps the matrix small.
 * <p>
 * Why: the five nodes ran as five small kernels, and integer as a QLinearConv of one channel between Transposes, Squeeze and
 * Unsqueeze of codes; mixeca (three ECA blocks of 64 channels; one thread, org.quantrace.measure.CpuTime, batch 1): its int8
 * model took 136-141 µs a run, 125-128 with the chains written by hand as 1x1 Convs, and the float model 110-114 against
 * 106-109 (tests/data/wild/README.md, speed33).
 */
final class ConvAcrossChannels {

	/**
	 * Channels up to which the C x C matrix is written: it stores C² weights where the Conv1d stored k (at 256 channels 256 KB
	 * more in the float file, mixeca's three of 64 channels 48 KB); ECA's widest in the paper's ResNets, 2,048, would store
	 * 16 MB a block for kernels whose cost is small beside such a block's.
	 */
	static final long MAX_CHANNELS = 256;

	private ConvAcrossChannels() {
	}

	/** Rewrites every such chain of {@code g}; returns the labels of the nodes removed and adds one rewrite if any. */
	static List<String> rewrite(Graph g, StaticShapes shapes, List<Rewrite> rewrites) {
		List<String> removed = new ArrayList<>();
		List<String> where = new ArrayList<>();
		for (Node squeeze : List.copyOf(g.nodes())) {
			Chain c = squeeze.isStandard() && squeeze.opType().equals("Squeeze") ? rewriteAt(g, squeeze, shapes) : null;
			if (c != null) {
				removed.addAll(c.removed());
				where.add("'" + c.conv() + "'");
			}
		}
		if (!where.isEmpty()) {
			rewrites.add(new Rewrite(Rewrite.FUSION, "Squeeze -> Transpose -> Conv1d across the channels of a pooled [N, C, 1, 1] -> Transpose ->"
					+ " Unsqueeze (ECA channel attention) -> one 1x1 Conv C -> C whose weights hold the Conv1d's kernel on bands, "
					+ ParallelConvs.times(where)));
		}
		return removed;
	}

	/** A chain rewritten: its Conv1d's label (the node kept as the 1x1 Conv) and the labels of the four nodes removed. */
	private record Chain(String conv, List<String> removed) {
	}

	/** The chain from {@code squeeze} written as one 1x1 Conv (the Conv1d's node, kept), or null when it is no such chain. */
	private static Chain rewriteAt(Graph g, Node squeeze, StaticShapes shapes) {
		long[] x = shapes.of(squeeze.input(0));
		if (x == null || x.length != 4 || x[2] != 1 || x[3] != 1 || x[1] < 1 || x[1] > MAX_CHANNELS || !lastAxis(g, squeeze, 4)) {
			return null;
		}
		Node in = soleReader(g, squeeze, "Transpose");
		Node conv = in != null && swapsLastTwo(in) ? soleReader(g, in, "Conv") : null;
		Node out = conv != null && conv.input(0).equals(in.output(0)) ? soleReader(g, conv, "Transpose") : null;
		Node unsqueeze = out != null && swapsLastTwo(out) ? soleReader(g, out, "Unsqueeze") : null;
		float[] kernel = unsqueeze != null && lastAxis(g, unsqueeze, 4) ? kernel(g, conv) : null;
		if (kernel == null) {
			return null;
		}
		int channels = (int) x[1];
		long pad = conv.intsAttribute("pads").isEmpty() ? 0 : conv.intsAttribute("pads").get(0);
		long dilation = conv.intsAttribute("dilations").isEmpty() ? 1 : conv.intsAttribute("dilations").get(0);
		float[] band = new float[channels * channels];
		for (int c = 0; c < channels; c++) {
			for (int j = 0; j < kernel.length; j++) {
				long i = c - pad + j * dilation;
				if (i >= 0 && i < channels) {
					band[c * channels + (int) i] = kernel[j];
				}
			}
		}
		float bias = conv.inputs().size() > 2 && !conv.input(2).isEmpty() ? g.constant(conv.input(2)).toFloatArray()[0] : 0f;
		float[] biases = new float[channels];
		Arrays.fill(biases, bias);
		java.util.Set<String> names = g.tensorNames();
		String w = g.uniqueName(conv.name() + "_across_channels_weights", names);
		names.add(w);
		String b = g.uniqueName(conv.name() + "_across_channels_bias", names);
		g.putInitializer(Tensor.ofFloats(w, new long[] { channels, channels, 1, 1 }, band));
		g.putInitializer(Tensor.ofFloats(b, new long[] { channels }, biases));
		conv.setInputs(List.of(squeeze.input(0), w, b));
		conv.setOutputs(List.of(unsqueeze.output(0)));
		conv.setIntsAttribute("kernel_shape", List.of(1L, 1L));
		conv.setIntsAttribute("pads", List.of(0L, 0L, 0L, 0L));
		conv.removeAttribute("dilations");
		conv.removeAttribute("strides");
		List<String> removed = new ArrayList<>();
		for (Node n : List.of(squeeze, in, out, unsqueeze)) {
			removed.add(ConstantFolder.label(n));
		}
		g.nodes().remove(conv);
		g.nodes().set(g.nodes().indexOf(squeeze), conv); // where the chain began: after the pooled map
		for (Node n : List.of(in, out, unsqueeze)) {
			g.nodes().remove(n);
		}
		g.removeUnusedInitializers();
		return new Chain(ConstantFolder.label(conv), removed);
	}

	/**
	 * The kernel w [1, 1, k] of a Conv1d of one channel, one group, stride 1, no auto_pad, whose padding keeps the length
	 * (left + right = d·(k − 1)); null for any other.
	 */
	private static float[] kernel(Graph g, Node conv) {
		Tensor w = conv.inputs().size() < 2 ? null : g.constant(conv.input(1));
		if (w == null || w.dataType() != DataType.FLOAT || w.dims().length != 3 || w.dims()[0] != 1 || w.dims()[1] != 1
				|| conv.intAttribute("group", 1) != 1 || !conv.stringAttribute("auto_pad", "NOTSET").equals("NOTSET")
				|| !conv.intsAttribute("strides").stream().allMatch(s -> s == 1)) {
			return null;
		}
		if (conv.inputs().size() > 2 && !conv.input(2).isEmpty()) {
			Tensor b = g.constant(conv.input(2));
			if (b == null || b.dataType() != DataType.FLOAT || b.elementCount() != 1) {
				return null;
			}
		}
		List<Long> pads = conv.intsAttribute("pads");
		long d = conv.intsAttribute("dilations").isEmpty() ? 1 : conv.intsAttribute("dilations").get(0);
		long k = w.dims()[2];
		long total = pads.isEmpty() ? 0 : pads.get(0) + pads.get(1);
		return total == d * (k - 1) ? w.toFloatArray() : null;
	}

	/** The one node reading {@code n}'s one output, of type {@code op}; null if another reads it or it is a graph output. */
	private static Node soleReader(Graph g, Node n, String op) {
		if (n.outputs().size() != 1 || g.isOutput(n.output(0))) {
			return null;
		}
		List<Node> readers = g.consumers(n.output(0));
		return readers.size() == 1 && readers.get(0).isStandard() && readers.get(0).opType().equals(op) ? readers.get(0) : null;
	}

	private static boolean swapsLastTwo(Node transpose) {
		return transpose.intsAttribute("perm").equals(List.of(0L, 2L, 1L));
	}

	/** A Squeeze or Unsqueeze of exactly the last axis of rank {@code rank} (its input's for Squeeze, its output's for Unsqueeze). */
	private static boolean lastAxis(Graph g, Node n, int rank) {
		long[] axes;
		if (n.inputs().size() > 1 && !n.input(1).isEmpty()) {
			Tensor t = g.constant(n.input(1));
			if (t == null) {
				return false;
			}
			axes = t.toLongArray();
		} else {
			axes = n.intsAttribute("axes").stream().mapToLong(Long::longValue).toArray();
		}
		return axes.length == 1 && (axes[0] == rank - 1 || axes[0] == -1);
	}
}
