package org.quantrace.engine.prune;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.quantrace.engine.onnx.Graph;
import org.quantrace.engine.onnx.Node;
import org.quantrace.engine.onnx.Tensor;
import org.quantrace.engine.onnx.TensorInfo;


/**
 * Structured (channel/filter) pruning: removes whole output channels of Conv/Gemm/MatMul layers and
 * rewires every reader, so the model really gets smaller and faster. Channels flow from a layer through
 * channel-preserving ops (activations, pooling, BatchNormalization, depthwise convolutions, per-channel
 * constants) to the layers that consume them (a Conv's input channels, a dense layer's input features,
 * also after Flatten). Layers whose outputs meet in an Add share one channel space and lose the same
 * channels, so residual branches stay consistent. Through a Concat along the channels (U-Net's skips,
 * DenseNet, a BiFPN head) a layer's channels are a part of a wider tensor, at an offset: its readers lose
 * the slice of every part once all parts are known ({@link ConcatParts}). A layer whose channels reach
 * anything else (a model output, a Shape, a grouped convolution...) is left whole, with the reason.
 */
final class ChannelPruning {

	/** Element-wise activations keep the channels apart; Sin and Cos too (make_unseen25's siren: sin(30 (W x + b)) layers). */
	private static final Set<String> PASS_THROUGH = Set.of("Relu", "LeakyRelu", "Sigmoid", "Tanh", "Clip", "HardSigmoid", "HardSwish", "Elu",
			"Selu", "Softplus", "Erf", "Gelu", "Sin", "Cos", "Identity", "Dropout", "MaxPool", "AveragePool", "GlobalAveragePool", "GlobalMaxPool", "PRelu");
	/**
	 * What keeps the channels of a MatMul's [N, ..., C] output apart along its last axis: element-wise activations (GELU
	 * as torch writes it below opset 20: Div, Erf, Add, Mul, Mul) and element-wise ops with scalars, per-channel vectors or
	 * the same channels, up to the next layer's MatMul. Pools, BatchNormalization, Convs, PRelu's [C, 1, 1] slopes and
	 * Flatten read the channels at axis 1.
	 */
	private static final Set<String> LAST_AXIS_ACTIVATIONS = Set.of("Relu", "LeakyRelu", "Sigmoid", "Tanh", "Clip", "HardSigmoid", "HardSwish",
			"Elu", "Selu", "Softplus", "Erf", "Gelu", "Sin", "Cos", "Identity", "Dropout");
	private static final Set<String> ELEMENTWISE = Set.of("Add", "Sub", "Mul", "Div");
	private static final Set<String> REDUCTIONS = Set.of("ReduceL1", "ReduceL2", "ReduceLogSum", "ReduceLogSumExp", "ReduceMax", "ReduceMean",
			"ReduceMin", "ReduceProd", "ReduceSum", "ReduceSumSquare");

	/** Channels shared by layers whose outputs are combined elementwise. */
	static final class Space {
		final List<Node> producers = new ArrayList<>();
		final Set<Node> coupling = new LinkedHashSet<>();
		/** Keyed by the node, and for a producer's own outputs by the node and "outputs" (a layer can be both). */
		final Map<Object, Action> actions = new LinkedHashMap<>();
		/** The tensors that carry this space's channels. */
		final Set<String> reached = new java.util.HashSet<>();
		int channels;
		String failure;
	}

	/** A rewrite applied to one node once the kept channels are known. */
	interface Action {
		void apply(Graph g, int[] kept);
	}

	private final Graph g;
	private final Map<String, TensorInfo> shapes;
	private final Map<String, List<Node>> readers = new HashMap<>();
	private final Set<String> graphOutputs = new java.util.HashSet<>();
	private final ConcatParts parts = new ConcatParts();

	ChannelPruning(Graph g, Map<String, TensorInfo> shapes) {
		this.g = g;
		this.shapes = shapes;
		for (Node n : g.nodes()) {
			n.inputs().forEach(i -> readers.computeIfAbsent(i, k -> new ArrayList<>()).add(n));
		}
		g.outputs().forEach(v -> graphOutputs.add(v.getName()));
	}

	/** The channel spaces of the given layers after merging the coupled ones; failures carry reasons. */
	List<Space> spaces(List<WeightMatrix> layers) {
		List<Space> spaces = new ArrayList<>();
		for (WeightMatrix w : layers) {
			Space s = new Space();
			s.producers.add(w.node);
			s.channels = w.outputs;
			// its own key: a layer whose input channels are of the same space (MobileNetV2's expansion-1 block: the stem's
			// channels through the depthwise conv into the projection, added back to the stem's) lost one of its two
			// rewrites when the spaces merged, and the pruned model did not load
			s.actions.put(List.of(w.node, "outputs"), (graph, kept) -> sliceOutputs(graph, w.node, kept));
			walk(w.node.output(0), s, w.outputs, s.reached, null);
			spaces.add(s);
		}
		return merge(spaces);
	}

	/**
	 * Follows {@code tensor}, which holds {@code channels} channels: the space's own, or, past a Concat, a wider tensor with the
	 * space's channels as its {@code part}.
	 */
	private void walk(String tensor, Space s, int channels, Set<String> seen, ConcatParts.Part part) {
		// a wide tensor is walked once per part of the space's channels in it (DGCNN: the max and the mean of one layer, joined)
		if (s.failure != null || !seen.add(part == null ? tensor : tensor + "#" + part.offset())) {
			return;
		}
		if (graphOutputs.contains(tensor)) {
			s.failure = "its channels reach the model output '" + tensor + "'";
			return;
		}
		for (Node c : readers.getOrDefault(tensor, List.of())) {
			int k = c.inputs().indexOf(tensor);
			String op = c.opType();
			if (!c.domain().isEmpty() || channelsLast(s) && !keepsLastAxis(c, k, channels, tensor)) {
				fail(s, c);
			} else if (PASS_THROUGH.contains(op) && k == 0) {
				if (op.equals("PRelu") && g.initializer(c.input(1)) != null && g.initializer(c.input(1)).elementCount() == channels) {
					put(s, c, part, (graph, kept) -> sliceConstantInput(graph, c, 1, kept, channels));
				}
				walk(c.output(0), s, channels, seen, part);
			} else if (op.equals("BatchNormalization") && k == 0 && c.inputs().subList(1, 5).stream().allMatch(i -> g.initializer(i) != null)) {
				put(s, c, part, (graph, kept) -> {
					for (int i = 1; i <= 4; i++) {
						sliceConstantInput(graph, c, i, kept, channels);
					}
				});
				walk(c.output(0), s, channels, seen, part);
			} else if (op.equals("Conv") && k == 0 && g.initializer(c.input(1)) != null) {
				long group = c.intAttribute("group", 1);
				Tensor w = g.initializer(c.input(1));
				if (group == 1) {
					put(s, c, part, (graph, kept) -> sliceAxis(graph, c, 1, 1, kept));
				} else if (group == channels && w.dims()[1] == 1) { // depthwise: channel in = channel out
					put(s, c, part, (graph, kept) -> {
						sliceAxis(graph, c, 1, 0, kept);
						if (!c.input(2).isEmpty()) {
							sliceConstantInput(graph, c, 2, kept, channels);
						}
						c.setIntAttribute("group", kept.length);
					});
					walk(c.output(0), s, channels, seen, part);
				} else {
					s.failure = "its channels feed the grouped convolution '" + c.name() + "'";
				}
			} else if (ELEMENTWISE.contains(op) && k <= 1) {
				String other = c.input(1 - k);
				Tensor constant = g.initializer(other);
				if (constant == null && part != null && !oneElement(other)) {
					// the other operand would have to lose this part's slice of a tensor of several layers' channels
					s.failure = "'" + c.name() + "' (" + op + ") combines the channels of '" + part.concat().name() + "' (Concat) with '" + other
							+ "', whose channels are not pruned with them";
				} else if (constant == null) {
					s.coupling.add(c); // combined with another branch: same channels must go
					walk(c.output(0), s, channels, seen, part);
				} else if (constant.elementCount() == 1) {
					walk(c.output(0), s, channels, seen, part);
				} else if (constant.elementCount() == channels && perChannel(constant.dims())) {
					put(s, c, part, (graph, kept) -> sliceConstantInput(graph, c, 1 - k, kept, channels));
					walk(c.output(0), s, channels, seen, part);
				} else {
					s.failure = "'" + c.name() + "' (" + op + ") combines its channels with a constant of shape " + Arrays.toString(constant.dims());
				}
			} else if (op.equals("Reshape") && k == 0 && part == null && viewKeepingLastAxis(c, tensor, channels, channelsLast(s))) {
				// [N·T, C] ↔ [N, T, C] with the channels whole on the last axis both sides (convert's 2-D view of a product and its bias)
				put(s, c, part, (graph, kept) -> lastOfTarget(graph, c, kept.length));
				walk(c.output(0), s, channels, seen, part);
			} else if ((op.equals("Flatten") && k == 0 && c.intAttribute("axis", 1) == 1) || (op.equals("Reshape") && k == 0 && flattens(c))) {
				int spatial = spatial(tensor);
				if (spatial < 1) {
					s.failure = "the size of '" + tensor + "' is unknown, so its flattened features cannot be mapped to channels";
					return;
				}
				if (op.equals("Reshape")) {
					put(s, c, part, (graph, kept) -> resizeReshape(graph, c, kept.length * spatial, channels * spatial));
				}
				for (Node dense : readers.getOrDefault(c.output(0), List.of())) {
					if (!denseInput(dense, c.output(0))) {
						fail(s, dense);
						return;
					}
					put(s, dense, part, (graph, kept) -> sliceDenseInputs(graph, dense, kept, spatial));
				}
				if (graphOutputs.contains(c.output(0))) {
					s.failure = "its channels reach the model output '" + c.output(0) + "'";
				}
			} else if (REDUCTIONS.contains(op) && k == 0 && reducesOtherAxes(c, tensor, channelsLast(s))) {
				walk(c.output(0), s, channels, seen, part);
			} else if (denseInput(c, tensor) && (spatial(tensor) == 1 || channelsLast(s))) {
				put(s, c, part, (graph, kept) -> sliceDenseInputs(graph, c, kept, 1));
			} else if (op.equals("Concat")) {
				concat(c, tensor, s, seen, part);
			} else if (op.equals("Pad") && k == 0 && padLeavesChannels(c, tensor, channelsLast(s))) {
				walk(c.output(0), s, channels, seen, part); // Keras ZeroPadding2D: each channel padded on its own, no channel added
			} else if ((op.equals("Resize") || op.equals("Upsample")) && k == 0 && !channelsLast(s) && resizeKeepsChannels(c)) {
				walk(c.output(0), s, channels, seen, part);
			} else if (op.equals("Reshape") && k == 0 && !channelsLast(s) && sizedByOwnShape(c.input(1), tensor)) {
				walk(c.output(0), s, channels, seen, part); // [N, C, ...] from the tensor's own N and C: the channels stay at axis 1
			} else if (op.equals("Shape") && !channelsLast(s) && sizesItself(c, tensor)) {
				continue; // its count is read at run time to size this very tensor
			} else if (op.equals("Shape")) {
				s.failure = "its channels reach '" + c.name() + "' (Shape): the graph computes with their count, which pruning would change";
			} else {
				fail(s, c);
			}
			if (s.failure != null) {
				return;
			}
		}
	}

	/**
	 * A Concat along the channel axis: the space's channels become the part of its output at the offset of the inputs before them
	 * (a part at each input they are); the walk goes on in the wider tensor. Along another axis, or with channel counts the shape
	 * probe did not find, the space is left whole.
	 */
	private void concat(Node c, String tensor, Space s, Set<String> seen, ConcatParts.Part part) {
		TensorInfo info = shapes.get(tensor);
		int rank = info == null || info.shape() == null ? -1 : info.shape().size();
		long axis = c.intAttribute("axis", 0);
		int channelAxis = channelsLast(s) ? rank - 1 : 1;
		if (rank < 2 || (axis < 0 ? axis + rank : axis) != channelAxis) {
			s.failure = "its channels reach '" + c.name() + "' (Concat), which joins tensors along axis " + axis + ", not along the channels";
			return;
		}
		int width = 0;
		List<Integer> at = new ArrayList<>();
		for (String input : c.inputs()) {
			int n = channelCount(input, channelAxis);
			if (n < 0) {
				s.failure = "the channel count of '" + input + "', an input of '" + c.name() + "' (Concat), is unknown";
				return;
			}
			if (input.equals(tensor)) {
				at.add(width);
			}
			width += n;
		}
		for (int offset : at) { // concat(x, x): a part at each offset
			walk(c.output(0), s, width, seen, new ConcatParts.Part(c, (part == null ? 0 : part.offset()) + offset, s.channels, width));
		}
	}

	/**
	 * A Resize (Upsample) that scales only the spatial axes: stored scales of 1 for the batch and the channels, or sizes computed
	 * from the input's own batch and channel counts (torch's interpolate(size=...): Shape, Slice [0:2], Concat with the new H, W;
	 * make_unseen26's bifpn). Sizes stored in the file name the channel count and are no such Resize.
	 */
	private boolean resizeKeepsChannels(Node resize) {
		int scalesInput = resize.opType().equals("Upsample") ? 1 : 2;
		if (resize.inputs().size() > 3 && !resize.input(3).isEmpty()) {
			return sizedByOwnShape(resize.input(3), resize.input(0));
		}
		Tensor scales = resize.inputs().size() > scalesInput && !resize.input(scalesInput).isEmpty() ? g.constant(resize.input(scalesInput)) : null;
		float[] v = scales == null ? new float[0] : scales.toFloatArray();
		return v.length >= 2 && v[0] == 1 && v[1] == 1;
	}

	/** Whether {@code shape} is Concat(Slice(Shape(tensor), 0, 2), stored dims...): the tensor's own batch and channel counts first. */
	private boolean sizedByOwnShape(String shape, String tensor) {
		Node concat = g.producer(shape).orElse(null);
		if (concat == null || !concat.opType().equals("Concat") || concat.inputs().isEmpty()) {
			return false;
		}
		Node slice = g.producer(concat.input(0)).orElse(null);
		Node source = slice == null || !slice.opType().equals("Slice") ? null : g.producer(slice.input(0)).orElse(null);
		return source != null && source.opType().equals("Shape") && source.input(0).equals(tensor) && storedLongs(slice, 1, 0) && storedLongs(slice, 2, 2)
				&& (slice.inputs().size() < 4 || slice.input(3).isEmpty() || storedLongs(slice, 3, 0))
				&& concat.inputs().subList(1, concat.inputs().size()).stream().allMatch(i -> g.constant(i) != null);
	}

	/** A Shape of the tensor that only sizes Resizes or Reshapes of that same tensor (its batch and channel counts kept in place). */
	private boolean sizesItself(Node shape, String tensor) {
		List<Node> slices = readers.getOrDefault(shape.output(0), List.of());
		if (slices.isEmpty() || graphOutputs.contains(shape.output(0))) {
			return false;
		}
		for (Node slice : slices) {
			if (!slice.opType().equals("Slice")) {
				return false;
			}
			for (Node concat : readers.getOrDefault(slice.output(0), List.of())) {
				for (Node user : readers.getOrDefault(concat.output(0), List.of())) {
					int at = user.inputs().indexOf(concat.output(0));
					boolean sizes = user.opType().equals("Resize") && at == 3 || user.opType().equals("Reshape") && at == 1;
					if (!sizes || !user.input(0).equals(tensor) || !sizedByOwnShape(concat.output(0), tensor)) {
						return false;
					}
				}
			}
		}
		return true;
	}

	/**
	 * A Pad whose pads are zero at the channel axis (1, or the last for channels-last) of {@code tensor}: it pads the spatial axes
	 * of each channel alone (tf2onnx's ZeroPadding2D before a strided depthwise Conv, make_exporters30's tf9cls), so its output
	 * holds the same channels and the pruned model needs no change to it. A Pad of the channel axis, or of pads computed at run
	 * time or of a rank the shape probe did not find, is no such Pad.
	 */
	private boolean padLeavesChannels(Node pad, String tensor, boolean channelsLast) {
		TensorInfo info = shapes.get(tensor);
		int rank = info == null || info.shape() == null ? -1 : info.shape().size();
		return rank >= 2 && org.quantrace.engine.onnx.Pads.leavesAxis(g, pad, channelsLast ? rank - 1 : 1, rank);
	}

	private boolean storedLongs(Node n, int input, long value) {
		Tensor t = n.inputs().size() > input && !n.input(input).isEmpty() ? g.constant(n.input(input)) : null;
		return t != null && t.elementCount() == 1 && t.toLongArray()[0] == value;
	}

	private int channelCount(String tensor, int axis) {
		TensorInfo info = shapes.get(tensor);
		if (info == null || info.shape() == null || info.shape().size() <= axis || !info.shape().get(axis).matches("\\d+")) {
			return -1;
		}
		return Integer.parseInt(info.shape().get(axis));
	}

	/** Registers a rewrite of {@code key}: as it is for the space's own channels, through {@link ConcatParts} for a part of a wider tensor. */
	private void put(Space s, Object key, ConcatParts.Part part, Action rewrite) {
		if (part == null) {
			s.actions.put(key, rewrite);
		} else { // one action per part: several parts of one space may reach the same reader
			s.actions.put(List.of(key, part), (graph, kept) -> parts.remove(key, part, kept, rewrite));
		}
	}

	/** Applies the rewrites of the tensors that hold several layers' channels, once every space has said which of its channels go. */
	void applyParts(Graph graph) {
		parts.apply(graph);
	}

	private void fail(Space s, Node c) {
		s.failure = "its channels reach '" + c.name() + "' (" + (c.domain().isEmpty() ? "" : c.domain() + ".") + c.opType()
				+ "), which does not keep channels apart";
	}

	/**
	 * Whether the space's channels lie along the last axis of a tensor of rank 3 or more: a transformer's feed-forward
	 * MatMul on [N, T, C] tokens (or channels-last [N, H, W, C]) whose hidden channels the next MatMul reads, the
	 * structured pruning of transformer MLPs (make_unseen24's sparsemax, slot, xcit, focal: "does not keep channels apart").
	 */
	boolean channelsLast(Space s) {
		Node p = s.producers.get(0);
		TensorInfo out = shapes.get(p.output(0));
		return p.opType().equals("MatMul") && out != null && out.shape() != null && out.shape().size() >= 3;
	}

	private boolean keepsLastAxis(Node c, int k, int channels, String tensor) {
		String op = c.opType();
		if (LAST_AXIS_ACTIVATIONS.contains(op)) {
			return k == 0;
		}
		if (op.equals("Concat")) {
			return true; // its axis is checked where the walk meets it
		}
		if (op.equals("Pad")) {
			return k == 0 && padLeavesChannels(c, tensor, true);
		}
		if (REDUCTIONS.contains(op)) {
			return k == 0 && reducesOtherAxes(c, tensor, true);
		}
		if (ELEMENTWISE.contains(op) && k <= 1) {
			Tensor constant = g.initializer(c.input(1 - k));
			return constant == null || constant.elementCount() == 1 || constant.dims().length == 1 && constant.elementCount() == channels;
		}
		return op.equals("MatMul") && k == 0;
	}

	/**
	 * Whether a reduction of {@code tensor} leaves its batch axis and its channel axis (1, or the last one for channels-last)
	 * alone: its output holds the same channels at the same axis, kept dimensions or not. ConvNeXt V2's GRN takes the L2 norm
	 * over H and W, then divides by its mean over the channels: refused at the ReduceL2, the record named the op that keeps the
	 * channels apart (make_unseen25's convnext2); the walk now goes on to the ReduceMean that mixes them. Axes given neither as
	 * an attribute nor as a stored input, or a rank the shape probe did not find, are no such reduction.
	 */
	private boolean reducesOtherAxes(Node c, String tensor, boolean channelsLast) {
		TensorInfo info = shapes.get(tensor);
		List<Long> axes = c.intsAttribute("axes");
		if (axes.isEmpty() && c.inputs().size() > 1 && !c.input(1).isEmpty() && g.constant(c.input(1)) != null) {
			axes = Arrays.stream(g.constant(c.input(1)).toLongArray()).boxed().toList();
		}
		if (info == null || info.shape() == null || axes.isEmpty()) {
			return false;
		}
		int rank = info.shape().size();
		int channelAxis = channelsLast ? rank - 1 : 1;
		return axes.stream().mapToLong(a -> a < 0 ? a + rank : a).noneMatch(a -> a == 0 || a == channelAxis);
	}

	private boolean denseInput(Node n, String tensor) {
		return (n.opType().equals("Gemm") || n.opType().equals("MatMul")) && n.input(0).equals(tensor) && WeightMatrix.of(g, n) != null;
	}

	/**
	 * A Reshape with a constant target (no 0, allowzero 0) whose input and output both hold the {@code channels} on their last
	 * axis, one side 2-D: [N·T, C] ↔ [N, T, C] only regroups the rows. On a rank-3 (or more) input the channels are on its
	 * last axis when the space is channels-last, or when its axis 1 holds another count (a space of channels on axis 1 has them
	 * there); a count equal on both axes is not told apart and refused.
	 */
	private boolean viewKeepingLastAxis(Node reshape, String tensor, int channels, boolean channelsLast) {
		Tensor target = g.initializer(reshape.input(1));
		TensorInfo in = shapes.get(tensor);
		if (target == null || reshape.intAttribute("allowzero", 0) != 0 || in == null || in.shape() == null || in.shape().size() < 2) {
			return false;
		}
		long[] t = target.toLongArray();
		int rank = in.shape().size();
		if (t.length < 2 || t[t.length - 1] != channels || Arrays.stream(t).anyMatch(d -> d == 0) || channelCount(tensor, rank - 1) != channels
				|| (rank == 2) == (t.length == 2)) {
			return false;
		}
		return rank == 2 || channelsLast || channelCount(tensor, 1) != channels;
	}

	/** The target of a view keeping the channels on its last axis, with {@code kept} channels there. */
	private static void lastOfTarget(Graph g, Node reshape, int kept) {
		Tensor shape = g.initializer(reshape.input(1));
		long[] s = shape.toLongArray();
		s[s.length - 1] = kept;
		replace(g, reshape, 1, Tensor.ofLongs(shape.name(), shape.dims(), s));
	}

	/** A Reshape to [batch, -1] (or [0, -1]): flattening the channels and spatial positions together. */
	private boolean flattens(Node reshape) {
		Tensor shape = g.initializer(reshape.input(1));
		if (shape == null || shape.elementCount() != 2) {
			return false;
		}
		long[] s = shape.toLongArray();
		return s[0] == 0 || s[0] == 1 || s[1] == -1 || s[0] == -1;
	}

	private static boolean perChannel(long[] dims) {
		int nonOne = 0;
		for (long d : dims) {
			nonOne += d != 1 ? 1 : 0;
		}
		return nonOne == 1 && (dims.length == 3 || (dims.length == 4 && dims[0] == 1) || dims.length == 1);
	}

	/** Elements per channel of a [N, C, ...] tensor (from the shape probe), or -1 if unknown. */
	private int spatial(String tensor) {
		TensorInfo info = shapes.get(tensor);
		if (info == null || info.shape() == null || info.shape().size() < 2) {
			return -1;
		}
		long s = 1;
		for (int d = 2; d < info.shape().size(); d++) {
			s *= Long.parseLong(info.shape().get(d));
		}
		return (int) s;
	}

	/**
	 * Spaces touching the same Add are one space. An Add whose other operand carries channels of no space
	 * (an excluded layer's, a layer without constant weights', the model input's) cannot lose channels on
	 * one side only: its space is left whole.
	 */
	private List<Space> merge(List<Space> spaces) {
		Map<Node, Space> byCoupling = new IdentityHashMap<>();
		Map<Space, Space> parent = new IdentityHashMap<>();
		spaces.forEach(s -> parent.put(s, s));
		for (Space s : spaces) {
			for (Node c : s.coupling) {
				Space other = byCoupling.putIfAbsent(c, s);
				if (other != null) {
					parent.put(find(parent, s), find(parent, other));
				}
			}
		}
		Map<Space, Space> merged = new LinkedHashMap<>();
		for (Space s : spaces) {
			Space root = find(parent, s);
			Space m = merged.computeIfAbsent(root, r -> {
				Space x = new Space();
				x.channels = r.channels;
				return x;
			});
			m.producers.addAll(s.producers);
			m.reached.addAll(s.reached);
			s.actions.forEach(m.actions::putIfAbsent);
			m.coupling.addAll(s.coupling);
			if (s.failure != null && m.failure == null) {
				m.failure = s.failure;
			}
			if (s.channels != m.channels && m.failure == null) {
				m.failure = "layers added together have different channel counts";
			}
		}
		for (Space m : merged.values()) {
			for (Node c : m.coupling) {
				for (String operand : c.inputs().subList(0, 2)) {
					if (m.failure == null && !m.reached.contains(operand) && !constant(operand) && !oneElement(operand)) {
						m.failure = "'" + c.name() + "' (" + c.opType() + ") combines its channels with '" + operand
								+ "', whose channels are not pruned with them (an excluded or unprunable layer's, or an input's)";
					}
				}
			}
		}
		return new ArrayList<>(merged.values());
	}

	/**
	 * A tensor of one element by the shape probe, computed at run time: EfficientDet's fast normalized fusion scales each input
	 * by relu(w_i) / (sum relu(w) + eps), Gathered from a parameter vector (make_unseen26's bifpn). Broadcast over every
	 * channel, it has none to lose, as a stored scalar; one computed from the space's own channels is refused where the walk
	 * meets the reduction that mixes them.
	 */
	private boolean oneElement(String tensor) {
		TensorInfo info = shapes.get(tensor);
		return info != null && info.shape() != null && info.shape().stream().allMatch("1"::equals);
	}

	/** An initializer or the output of a Constant node (folded or not, it has no channels to lose). */
	private boolean constant(String tensor) {
		return g.initializer(tensor) != null || g.producer(tensor).filter(n -> n.opType().equals("Constant")).isPresent();
	}

	private static Space find(Map<Space, Space> parent, Space s) {
		while (parent.get(s) != s) {
			s = parent.get(s);
		}
		return s;
	}

	// ------------------------------------------------------------------ rewrites

	private static void sliceOutputs(Graph g, Node p, int[] kept) {
		WeightMatrix w = WeightMatrix.of(g, p);
		sliceAxis(g, p, 1, w.outputAxis(), kept);
		if (!p.input(2).isEmpty() && g.initializer(p.input(2)) != null && g.initializer(p.input(2)).elementCount() == w.outputs) {
			sliceConstantInput(g, p, 2, kept, w.outputs);
		}
	}

	/** Keeps the given indices along one axis of a constant input (written as a new initializer). */
	static void sliceAxis(Graph g, Node n, int input, int axis, int[] kept) {
		Tensor t = g.initializer(n.input(input));
		long[] dims = t.dims();
		float[] v = t.toFloatArray();
		long inner = 1;
		for (int d = axis + 1; d < dims.length; d++) {
			inner *= dims[d];
		}
		long outer = v.length / (dims[axis] * inner);
		float[] out = new float[(int) (outer * kept.length * inner)];
		int o = 0;
		for (long a = 0; a < outer; a++) {
			for (int k : kept) {
				long base = (a * dims[axis] + k) * inner;
				for (long i = 0; i < inner; i++) {
					out[o++] = v[(int) (base + i)];
				}
			}
		}
		long[] newDims = dims.clone();
		newDims[axis] = kept.length;
		replace(g, n, input, Tensor.ofFloats(t.name(), newDims, out));
	}

	private static void sliceConstantInput(Graph g, Node n, int input, int[] kept, int channels) {
		Tensor t = g.initializer(n.input(input));
		long[] dims = t.dims();
		int axis = 0;
		for (int d = 0; d < dims.length; d++) {
			if (dims[d] == channels) {
				axis = d;
			}
		}
		sliceAxis(g, n, input, axis, kept);
	}

	/** Input features c·S .. c·S + S - 1 belong to channel c (S spatial positions per channel). */
	private static void sliceDenseInputs(Graph g, Node dense, int[] kept, int spatial) {
		WeightMatrix w = WeightMatrix.of(g, dense);
		int[] features = new int[kept.length * spatial];
		int f = 0;
		for (int c : kept) {
			for (int s = 0; s < spatial; s++) {
				features[f++] = c * spatial + s;
			}
		}
		sliceAxis(g, dense, 1, w.inputAxis(), features);
	}

	private static void resizeReshape(Graph g, Node reshape, int newFeatures, int oldFeatures) {
		Tensor shape = g.initializer(reshape.input(1));
		long[] s = shape.toLongArray();
		if (s[1] == oldFeatures) {
			s[1] = newFeatures;
			replace(g, reshape, 1, Tensor.ofLongs(shape.name(), shape.dims(), s));
		}
	}

	/** Writes a modified constant under a fresh name, so other readers of the original keep it. */
	private static void replace(Graph g, Node n, int input, Tensor value) {
		String name = g.uniqueName(value.name() + "_pruned", g.tensorNames());
		g.putInitializer(value.withName(name));
		n.setInput(input, name);
	}
}
