package org.quantrace.engine.prune;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.Deflater;

import org.quantrace.engine.InvalidInputException;
import org.quantrace.engine.data.Dataset;
import org.quantrace.engine.onnx.Graph;
import org.quantrace.engine.onnx.Node;
import org.quantrace.engine.onnx.OnnxModel;
import org.quantrace.engine.onnx.Tensor;
import org.quantrace.engine.onnx.TensorInfo;
import org.quantrace.engine.runtime.InferenceSession;
import org.quantrace.engine.runtime.ShapeProbe;
import org.quantrace.model.recipe.PruningCriterion;
import org.quantrace.model.recipe.PruningPattern;
import org.quantrace.model.recipe.ThresholdScope;

/**
 * Magnitude pruning of the weights of Conv, Gemm and MatMul layers. Element-, vector- and block-wise
 * patterns set the lowest-scoring groups of weights to zero (the model keeps its shape; sparsity shows in
 * the compressed size); the channel pattern removes whole filters (see {@link ChannelPruning}). A group's
 * score is the mean |w| (L1) or the root mean square (L2) of its weights, so groups of different layers
 * compare; a global threshold ranks all groups together, a local one ranks each layer's own.
 */
public final class Pruner {

	private Pruner() {
	}

	/** Why a weighted layer whose weights a Constant node holds is not pruned (convert folds them into initializers). */
	static final String CONSTANT_NODE_WEIGHTS = "its weights are the output of a Constant node: convert the model first, which folds them into initializers";

	public static PruningResult prune(OnnxModel source, String name, PruningSpec spec) {
		return prune(source, name, spec, null);
	}

	/**
	 * Prunes {@code source}; {@code data} holds the samples the activation criterion scores channels on (every sample of it;
	 * null for the weight criteria, which do not read it).
	 */
	public static PruningResult prune(OnnxModel source, String name, PruningSpec spec, Dataset data) {
		if (spec.criterion() == PruningCriterion.ACTIVATION && spec.pattern() != PruningPattern.CHANNEL) {
			throw new InvalidInputException("the activation criterion scores whole channels, not the " + spec.pattern().getLiteral() + " pattern's groups",
					"prune by pattern channel, or score groups of weights by l1-magnitude or l2-magnitude");
		}
		if (spec.criterion() == PruningCriterion.ACTIVATION && data == null) {
			throw new InvalidInputException(name + ": the activation criterion scores channels by their activations on samples, and none were given",
					"give calibration data (quantrace prune --data DATASET; a recipe declares a dataset with role calibration)");
		}
		// its weights are no float32 tensors: every layer was left as it is, and the step reported success
		org.quantrace.engine.onnx.FloatWidening.requireFloat32Weights(source, name, "pruning", "prune");
		org.quantrace.engine.onnx.QuantizedOps.requireFloat(source, name, "pruning", "prune");
		OnnxModel model = source.copy();
		Graph g = model.graph();
		Map<String, String> notPruned = new LinkedHashMap<>();
		List<WeightMatrix> layers = new ArrayList<>();
		for (Node n : g.nodes()) {
			WeightMatrix w = WeightMatrix.of(g, n);
			if (w == null) {
				if (List.of("Conv", "Gemm", "MatMul", "ConvTranspose").contains(n.opType())) {
					notPruned.put(n.name(), n.inputs().size() > 1 && g.producer(n.input(1)).filter(p -> p.opType().equals("Constant")).isPresent()
							? CONSTANT_NODE_WEIGHTS : "weights are not a constant float tensor of a supported layout");
				}
			} else if (spec.exclusionReason(n.name()) != null) {
				notPruned.put(n.name(), spec.exclusionReason(n.name()));
			} else if (n.opType().equals("Conv") && n.intAttribute("group", 1) != 1 && spec.pattern() == PruningPattern.CHANNEL) {
				notPruned.put(n.name(), "grouped convolution: its filters are tied to input groups");
			} else {
				layers.add(w);
			}
		}
		if (layers.isEmpty() && notPruned.containsValue(CONSTANT_NODE_WEIGHTS)) {
			// the model came through unchanged, "Parameters 0 -> 0 (sparsity NaN%)", and the step said it wrote it (exit 0)
			throw new InvalidInputException(name + ": nothing to prune: the weights of " + notPruned.values().stream().filter(CONSTANT_NODE_WEIGHTS::equals).count()
					+ " layers are outputs of Constant nodes (an exporter's form at old opsets), not initializers",
					"convert the model first (`quantrace convert`, or a convert step before the recipe's prune step): it folds them into initializers");
		}
		Map<String, LayerCost> before = LayerCost.of(source, name);
		Map<String, int[]> channels = new LinkedHashMap<>();
		Map<String, String> held = new LinkedHashMap<>();
		List<PruningResult.ChannelScores> scored = new ArrayList<>();
		PruningResult.ScoringSamples samples = null;
		if (spec.pattern() == PruningPattern.CHANNEL) {
			Map<String, TensorInfo> shapes = shapes(source, name);
			ChannelPruning analysis = new ChannelPruning(g, shapes);
			List<ChannelPruning.Space> spaces = prunable(analysis, layers, notPruned);
			List<double[]> scores;
			if (spec.criterion() == PruningCriterion.ACTIVATION && !spaces.isEmpty()) {
				ActivationScores a = ActivationScores.of(source, name, spaces, analysis, shapes, data);
				scores = java.util.stream.IntStream.range(0, spaces.size()).mapToObj(a::of).toList();
				samples = a.samples();
			} else {
				scores = spaces.stream().map(s -> weightScores(g, s, spec.criterion())).toList();
			}
			pruneChannels(g, analysis, spaces, scores, spec, held, channels, scored);
		} else {
			pruneUnstructured(g, layers, spec);
		}
		g.removeUnusedInitializers(); // the originals of rewritten weights
		g.valueInfos().clear(); // shapes changed; ONNX Runtime infers them again
		checkLoads(model, source, name);
		Map<String, LayerCost> after = LayerCost.of(model, name);
		List<PruningResult.Layer> report = new ArrayList<>();
		long paramsBefore = 0;
		long paramsAfter = 0;
		for (LayerCost b : before.values()) {
			LayerCost a = after.get(b.layer());
			if (a == null) {
				continue;
			}
			// channel pruning removes filters with their biases: all parameters count; the other patterns rank and zero weights alone,
			// their target a share of the weights, so the figure counts weights (with the biases, 30 % read as 28.86 %: assessor59)
			boolean channel = spec.pattern() == PruningPattern.CHANNEL;
			long counted = channel ? b.parameters() : b.weights();
			long nonZeroAfter = channel ? a.parameters() : a.nonZeroWeights();
			// a layer's own channels, or those it lost with the layer it reads (channel pruning only: the others keep every filter)
			int[] ch = channels.containsKey(b.layer()) ? channels.get(b.layer())
					: spec.pattern() == PruningPattern.CHANNEL ? followed(source.graph(), g, b.layer()) : new int[] { -1, -1 };
			long flopsAfter = spec.pattern() == PruningPattern.CHANNEL ? a.flops() : a.sparseFlops();
			report.add(new PruningResult.Layer(b.layer(), b.opType(), counted, nonZeroAfter, counted == 0 ? 0 : 1 - nonZeroAfter / (double) counted,
					b.flops(), flopsAfter, ch[0], ch[1]));
			paramsBefore += counted;
			paramsAfter += nonZeroAfter;
		}
		byte[] bytesBefore = source.toBytes();
		byte[] bytesAfter = model.toBytes();
		return new PruningResult(model, spec, report, notPruned, held, paramsBefore, paramsAfter, paramsBefore == 0 ? 0 : 1 - paramsAfter / (double) paramsBefore, bytesBefore.length,
				bytesAfter.length, deflated(bytesBefore), deflated(bytesAfter), scored, samples);
	}

	// ------------------------------------------------------------------ element, vector, block

	/** A group of weights of one layer and its score. */
	private record Group(int layer, int index, int[] members, double score) {
	}

	private static void pruneUnstructured(Graph g, List<WeightMatrix> layers, PruningSpec spec) {
		List<List<Group>> byLayer = new ArrayList<>();
		for (int l = 0; l < layers.size(); l++) {
			byLayer.add(groups(layers.get(l), l, spec));
		}
		List<Group> pooled = new ArrayList<>();
		long pooledWeights = 0;
		for (int l = 0; l < layers.size(); l++) {
			Double own = spec.sparsityOf(layers.get(l).node.name());
			if (spec.scope() == ThresholdScope.LOCAL || own != null) {
				removeLowest(byLayer.get(l), layers.get(l).values.length, own != null ? own : spec.sparsity(), layers);
			} else {
				pooled.addAll(byLayer.get(l));
				pooledWeights += layers.get(l).values.length;
			}
		}
		removeLowest(pooled, pooledWeights, spec.sparsity(), layers);
		for (WeightMatrix w : layers) {
			Tensor t = g.initializer(w.tensor);
			String name = g.uniqueName(w.tensor + "_pruned", g.tensorNames());
			g.putInitializer(Tensor.ofFloats(name, t.dims(), w.values));
			w.node.setInput(1, name);
		}
	}

	/** Zeroes the lowest-scoring groups until {@code percent} of {@code total} weights are removed. */
	private static void removeLowest(List<Group> groups, long total, double percent, List<WeightMatrix> layers) {
		List<Group> sorted = new ArrayList<>(groups);
		sorted.sort(Comparator.comparingDouble(Group::score).thenComparingInt(Group::layer).thenComparingInt(Group::index));
		long target = (long) Math.ceil(total * percent / 100);
		long removed = 0;
		for (Group grp : sorted) {
			if (removed >= target) {
				break;
			}
			float[] v = layers.get(grp.layer()).values;
			for (int i : grp.members()) {
				v[i] = 0;
			}
			removed += grp.members().length;
		}
	}

	private static List<Group> groups(WeightMatrix w, int layer, PruningSpec spec) {
		int rows;
		int cols;
		switch (spec.pattern()) {
		case ELEMENT -> {
			rows = 1;
			cols = 1;
		}
		case VECTOR -> {
			rows = 1;
			cols = spec.vectorLength();
		}
		default -> {
			rows = spec.blockRows();
			cols = spec.blockColumns();
		}
		}
		List<Group> groups = new ArrayList<>();
		int index = 0;
		for (int o0 = 0; o0 < w.outputs; o0 += rows) {
			for (int i0 = 0; i0 < w.inputs; i0 += cols) {
				int r = Math.min(rows, w.outputs - o0);
				int c = Math.min(cols, w.inputs - i0);
				int[] members = new int[r * c];
				double sum = 0;
				int m = 0;
				for (int o = o0; o < o0 + r; o++) {
					for (int i = i0; i < i0 + c; i++) {
						int at = w.index(o, i);
						members[m++] = at;
						float v = w.values[at];
						sum += spec.criterion() == PruningCriterion.L1_MAGNITUDE ? Math.abs(v) : v * (double) v;
					}
				}
				double score = spec.criterion() == PruningCriterion.L1_MAGNITUDE ? sum / members.length : Math.sqrt(sum / members.length);
				groups.add(new Group(layer, index++, members, score));
			}
		}
		return groups;
	}

	// ------------------------------------------------------------------ channels

	/** A channel of a space, scored by its layers' filter norms relative to each layer's average filter. */
	private record Channel(int space, int channel, double score) {
	}

	/** The channel spaces of the layers; those that cannot lose channels go to {@code notPruned} with the reason. */
	private static List<ChannelPruning.Space> prunable(ChannelPruning analysis, List<WeightMatrix> layers, Map<String, String> notPruned) {
		List<ChannelPruning.Space> spaces = new ArrayList<>();
		for (ChannelPruning.Space s : analysis.spaces(layers)) {
			if (s.failure != null) {
				s.producers.forEach(p -> notPruned.put(p.name(), s.failure));
			} else {
				spaces.add(s);
			}
		}
		return spaces;
	}

	/** Each channel's filter norm relative to its layer's average filter, averaged over the space's producers. */
	private static double[] weightScores(Graph g, ChannelPruning.Space space, PruningCriterion criterion) {
		double[] total = new double[space.channels];
		for (Node p : space.producers) {
			WeightMatrix w = WeightMatrix.of(g, p);
			double[] norms = new double[w.outputs];
			double mean = 0;
			for (int o = 0; o < w.outputs; o++) {
				double sum = 0;
				for (int i = 0; i < w.inputs; i++) {
					float v = w.get(o, i);
					sum += criterion == PruningCriterion.L1_MAGNITUDE ? Math.abs(v) : v * (double) v;
				}
				norms[o] = criterion == PruningCriterion.L1_MAGNITUDE ? sum / w.inputs : Math.sqrt(sum / w.inputs);
				mean += norms[o] / w.outputs;
			}
			for (int o = 0; o < w.outputs; o++) {
				total[o] += mean > 0 ? norms[o] / mean : 0;
			}
		}
		for (int o = 0; o < total.length; o++) {
			total[o] /= space.producers.size();
		}
		return total;
	}

	private static void pruneChannels(Graph g, ChannelPruning analysis, List<ChannelPruning.Space> spaces, List<double[]> channelScores, PruningSpec spec,
			Map<String, String> held, Map<String, int[]> report, List<PruningResult.ChannelScores> scored) {
		List<List<Channel>> scores = new ArrayList<>();
		for (int si = 0; si < spaces.size(); si++) {
			List<Channel> channels = new ArrayList<>();
			for (int c = 0; c < spaces.get(si).channels; c++) {
				channels.add(new Channel(si, c, channelScores.get(si)[c]));
			}
			scores.add(channels);
		}
		boolean[][] remove = new boolean[spaces.size()][];
		for (int si = 0; si < spaces.size(); si++) {
			remove[si] = new boolean[spaces.get(si).channels];
		}
		List<Channel> pooled = new ArrayList<>();
		int pooledChannels = 0;
		for (int si = 0; si < spaces.size(); si++) {
			Double own = spaces.get(si).producers.stream().map(p -> spec.sparsityOf(p.name())).filter(java.util.Objects::nonNull).findFirst().orElse(null);
			if (spec.scope() == ThresholdScope.LOCAL || own != null) {
				pickLowest(scores.get(si), spaces.get(si).channels, own != null ? own : spec.sparsity(), remove, spaces, 100, false);
			} else {
				pooled.addAll(scores.get(si));
				pooledChannels += spaces.get(si).channels;
			}
		}
		boolean[] atFloor = pickLowest(pooled, pooledChannels, spec.sparsity(), remove, spaces, LayerFloor.maxRemovedPercent(spec.sparsity()), true);
		for (int si = 0; si < spaces.size(); si++) {
			ChannelPruning.Space s = spaces.get(si);
			boolean[] gone = remove[si];
			int[] kept = java.util.stream.IntStream.range(0, s.channels).filter(c -> !gone[c]).toArray();
			for (ChannelPruning.Action a : s.actions.values()) {
				a.apply(g, kept);
			}
			scored.add(new PruningResult.ChannelScores(s.producers.stream().map(Node::name).toList(), channelScores.get(si),
					java.util.stream.IntStream.range(0, s.channels).filter(c -> gone[c]).toArray()));
			for (Node p : s.producers) {
				report.put(p.name(), new int[] { s.channels, kept.length });
				if (atFloor[si]) {
					held.put(p.name(), LayerFloor.reason(s.channels, kept.length, spec.sparsity(), s.producers.size()));
				}
			}
		}
		analysis.applyParts(g);
	}

	/**
	 * Marks the lowest-scoring channels for removal until {@code percent} of {@code total}; every space keeps one, and loses at most
	 * {@code maxPercent} of its channels (divided by its number of layers when {@code perLayer}: a space joined by residual Adds, see
	 * {@link LayerFloor}). Returns the spaces held at that floor (a channel of theirs was passed over).
	 */
	private static boolean[] pickLowest(List<Channel> channels, int total, double percent, boolean[][] remove, List<ChannelPruning.Space> spaces,
			double maxPercent, boolean perLayer) {
		List<Channel> sorted = new ArrayList<>(channels);
		sorted.sort(Comparator.comparingDouble(Channel::score).thenComparingInt(Channel::space).thenComparingInt(Channel::channel));
		int target = (int) Math.floor(total * percent / 100);
		int[] left = new int[remove.length];
		int[] floor = new int[remove.length];
		for (int si = 0; si < remove.length; si++) {
			left[si] = spaces.get(si).channels;
			floor[si] = LayerFloor.kept(left[si], perLayer ? maxPercent / spaces.get(si).producers.size() : maxPercent);
		}
		boolean[] atFloor = new boolean[remove.length];
		int removed = 0;
		for (Channel c : sorted) {
			if (removed >= target) {
				break;
			}
			if (left[c.space()] > floor[c.space()] && !remove[c.space()][c.channel()]) {
				remove[c.space()][c.channel()] = true;
				left[c.space()]--;
				removed++;
			} else if (!remove[c.space()][c.channel()]) {
				atFloor[c.space()] = true;
			}
		}
		return atFloor;
	}

	// ------------------------------------------------------------------ helpers

	/**
	 * The output channels of a layer that lost them with the layer it reads, not as a producer of its own: a depthwise Conv after a
	 * pruned expansion (MobileNet, EfficientNet, make_unseen26's bifpn). It was reported with no removed channels while its filters
	 * went 64 -> 39, and verify, counting them in the files, found the trace and PhIMT0003 wrong. {-1, -1} when they did not change.
	 */
	private static int[] followed(Graph before, Graph after, String layer) {
		WeightMatrix b = before.nodes().stream().filter(n -> n.name().equals(layer)).findFirst().map(n -> WeightMatrix.of(before, n)).orElse(null);
		WeightMatrix a = after.nodes().stream().filter(n -> n.name().equals(layer)).findFirst().map(n -> WeightMatrix.of(after, n)).orElse(null);
		return b == null || a == null || a.outputs == b.outputs ? new int[] { -1, -1 } : new int[] { b.outputs, a.outputs };
	}

	private static Map<String, TensorInfo> shapes(OnnxModel model, String name) {
		try {
			return ShapeProbe.probe(model, name);
		} catch (RuntimeException e) {
			return Map.of();
		}
	}

	private static void checkLoads(OnnxModel model, OnnxModel source, String name) {
		InferenceSession.requireLoads(model, "the pruned " + name, source, name, "this is a Quantrace bug; as a workaround exclude the layer named in the message");
	}

	static long deflated(byte[] bytes) {
		Deflater d = new Deflater(Deflater.BEST_COMPRESSION);
		d.setInput(bytes);
		d.finish();
		byte[] buffer = new byte[1 << 16];
		long n = 0;
		while (!d.finished()) {
			n += d.deflate(buffer);
		}
		d.end();
		return n;
	}
}
