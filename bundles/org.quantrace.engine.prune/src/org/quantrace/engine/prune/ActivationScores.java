package org.quantrace.engine.prune;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.quantrace.engine.data.ChannelMeans;
import org.quantrace.engine.data.Dataset;
import org.quantrace.engine.onnx.Graph;
import org.quantrace.engine.onnx.Node;
import org.quantrace.engine.onnx.OnnxModel;
import org.quantrace.engine.onnx.TensorInfo;

import ai.onnx.proto.OnnxMl.NodeProto;

/**
 * The activation criterion: a channel's score is the mean |activation| its readers see over the samples, relative to the mean of
 * its layer's channels (as the weight criteria's norms are), averaged over the tensors its readers read. Without fine-tuning the
 * filter norms can rank a layer's channels wrongly: on the zoo ResNet, whose exporter folded BatchNorm into the convolutions, the
 * lowest-norm 5 % kept top-1 0.42 where random channels kept 0.66-0.80 and the lowest mean |activation| 0.73 (prune8's finding).
 * Each read tensor is reduced inside ONNX Runtime (Abs, then GlobalAveragePool over the spatial axes) and only [N, C] leaves it;
 * the samples stream chunk by chunk ({@link ChannelMeans}), so memory stays flat in their number.
 */
final class ActivationScores {

	/** Ops that take a space's channels as they are, rather than passing them on: what they read is what the channel is worth. */
	private static final Set<String> READERS = Set.of("Conv", "ConvTranspose", "Gemm", "MatMul", "Flatten", "Reshape", "Concat");

	private final List<double[]> scores = new ArrayList<>();
	private final PruningResult.ScoringSamples samples;

	private ActivationScores(List<double[]> scores, PruningResult.ScoringSamples samples) {
		this.scores.addAll(scores);
		this.samples = samples;
	}

	/** The score of each channel of each space (in the order given), from {@code data}'s samples run through {@code model}. */
	static ActivationScores of(OnnxModel model, String name, List<ChannelPruning.Space> spaces, ChannelPruning analysis, Map<String, TensorInfo> shapes,
			Dataset data) {
		OnnxModel probed = model.copy();
		Graph g = probed.graph();
		Set<String> names = g.tensorNames();
		Map<String, Integer> axes = new LinkedHashMap<>();
		List<List<String>> bySpace = new ArrayList<>();
		Map<String, String> reducedOf = new LinkedHashMap<>();
		for (ChannelPruning.Space s : spaces) {
			List<String> reduced = new ArrayList<>();
			for (String t : readTensors(g, s)) {
				reduced.add(reducedOf.computeIfAbsent(t, k -> reduce(g, k, analysis.channelsLast(s), shapes.get(k), names, axes)));
			}
			bySpace.add(reduced);
		}
		MessageDigest digest = sha256();
		Map<String, double[]> means = ChannelMeans.of(probed, axes, data, data.size(), model, name, digest);
		List<double[]> result = new ArrayList<>();
		for (int si = 0; si < spaces.size(); si++) {
			double[] total = new double[spaces.get(si).channels];
			List<String> reduced = bySpace.get(si);
			for (String r : reduced) {
				double[] m = relative(means.get(r));
				for (int c = 0; c < total.length && c < m.length; c++) {
					total[c] += m[c] / reduced.size();
				}
			}
			result.add(total);
		}
		return new ActivationScores(result, new PruningResult.ScoringSamples(data.size(), HexFormat.of().formatHex(digest.digest())));
	}

	double[] of(int space) {
		return scores.get(space);
	}

	PruningResult.ScoringSamples samples() {
		return samples;
	}

	/**
	 * The tensors of the space's own channels (not a Concat's wider output) that a layer, a flattening or a Concat reads; the
	 * producers' outputs when none is (a space whose channels reach its readers only through a Concat part seen elsewhere).
	 */
	private static List<String> readTensors(Graph g, ChannelPruning.Space s) {
		List<String> read = new ArrayList<>();
		for (Node n : g.nodes()) {
			for (int k = 0; k < n.inputs().size(); k++) {
				String t = n.input(k);
				boolean reads = READERS.contains(n.opType()) && (k == 0 || n.opType().equals("Concat"));
				if (reads && s.reached.contains(t) && !read.contains(t)) {
					read.add(t);
				}
			}
		}
		if (read.isEmpty()) {
			s.producers.forEach(p -> read.add(p.output(0)));
		}
		return read;
	}

	/**
	 * Adds Abs (and, for a channels-first tensor of rank 3 to 5, GlobalAveragePool) after {@code t} and returns the tensor to
	 * fetch; its channel axis goes into {@code axes}.
	 */
	private static String reduce(Graph g, String t, boolean channelsLast, TensorInfo info, Set<String> names, Map<String, Integer> axes) {
		String abs = g.uniqueName(t + "_prune_abs", names);
		names.add(abs);
		g.nodes().add(g.newNode(NodeProto.newBuilder().setOpType("Abs").setName(abs).addInput(t).addOutput(abs).build()));
		int rank = info == null || info.shape() == null ? -1 : info.shape().size();
		if (channelsLast || rank < 3 || rank > 5) {
			axes.put(abs, channelsLast ? -1 : 1);
			return abs;
		}
		String pooled = g.uniqueName(t + "_prune_mean_abs", names);
		names.add(pooled);
		g.nodes().add(g.newNode(NodeProto.newBuilder().setOpType("GlobalAveragePool").setName(pooled).addInput(abs).addOutput(pooled).build()));
		axes.put(pooled, 1);
		return pooled;
	}

	/** Each value over the mean of all: channels of layers of different scales compare (torch-pruning's "mean" normalizer). */
	private static double[] relative(double[] m) {
		double mean = 0;
		for (double v : m) {
			mean += v / m.length;
		}
		double[] r = new double[m.length];
		for (int c = 0; c < m.length; c++) {
			r[c] = mean > 0 ? m[c] / mean : 0;
		}
		return r;
	}

	private static MessageDigest sha256() {
		try {
			return MessageDigest.getInstance("SHA-256");
		} catch (NoSuchAlgorithmException e) {
			throw new IllegalStateException(e);
		}
	}
}
