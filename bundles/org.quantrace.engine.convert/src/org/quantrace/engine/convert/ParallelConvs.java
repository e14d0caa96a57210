package org.quantrace.engine.convert;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Set;

import org.quantrace.engine.onnx.Graph;
import org.quantrace.engine.onnx.Node;
import org.quantrace.engine.onnx.Tensor;

/**
 * Merges parallel Convs that read one input and are summed into one Conv, as RepVGG and MobileOne do before deployment
 * ("structural re-parameterization"): an Add of two terms over the same input x, each a Conv of x with constant weights
 * (same group, strides and dilation, odd kernels padded to their centre, so every branch's output has the same shape
 * and each tap lines up), a per-channel affine map of x (an identity BatchNormalization that conversion made a Mul and
 * an Add, or a Mul alone) or x itself, becomes one Conv whose kernel is the largest branch's: the smaller kernels are
 * zero-padded around their centre and summed, the identity terms added at the centre tap of each channel's own
 * weight, the biases summed. Exact in real arithmetic (the float sums are reordered). Repeated, a chain of Adds over k
 * branches becomes one Conv: a MobileOne stage of three 3x3 depthwise branches, a 1x1 branch and an identity
 * BatchNormalization (five terms, four Adds) is one 3x3 depthwise Conv, whose output quantized once replaces five
 * quantized branch outputs and four requantizing QLinearAdds.
 */
final class ParallelConvs {

	private ParallelConvs() {
	}

	/**
	 * One summand of the Add: a Conv of x, or a·x + b with float constants a and b (a null: 1; b null: 0; per channel or
	 * not is decided once the Conv's channels are known), with the nodes it takes.
	 */
	private record Term(Node conv, String x, Tensor scale, Tensor shift, List<Node> nodes) {

		/** a and b for each of c channels of a tensor of the given rank, or null when either is not per channel. */
		float[][] perChannel(int c, int rank) {
			float[] a = scale == null ? null : scale.channelValues(c, rank);
			float[] b = shift == null ? null : shift.channelValues(c, rank);
			return (scale == null || a != null) && (shift == null || b != null) ? new float[][] { a, b } : null;
		}
	}

	/** Merges until nothing is left to merge; returns the labels of the nodes removed and adds one rewrite if any. */
	static List<String> merge(Graph g, List<Rewrite> rewrites) {
		List<String> removed = new ArrayList<>();
		List<String> merged = new ArrayList<>();
		for (boolean changed = true; changed;) {
			changed = false;
			for (Node add : List.copyOf(g.nodes())) {
				if (!g.nodes().contains(add) || !add.opType().equals("Add") || !add.isStandard() || add.inputs().size() != 2) {
					continue;
				}
				List<String> gone = mergeAt(g, add);
				if (gone != null) {
					removed.addAll(gone);
					merged.add("'" + ConstantFolder.label(add) + "'");
					changed = true;
				}
			}
		}
		if (!merged.isEmpty()) {
			rewrites.add(new Rewrite(Rewrite.FUSION, "parallel Convs of one input summed -> one Conv (weights and biases summed, smaller kernels"
					+ " zero-padded about their centre, identity and per-channel terms on the centre tap), " + times(merged)));
		}
		return removed;
	}

	/** "N time(s) ('a', 'b' ... and K more)": how often a fusion was made and where, the first eight named. */
	static String times(List<String> where) {
		return where.size() + " time" + (where.size() == 1 ? "" : "s") + " (" + String.join(", ", where.subList(0, Math.min(8, where.size())))
				+ (where.size() > 8 ? " and " + (where.size() - 8) + " more" : "") + ")";
	}

	/** Merges the two terms of {@code add} into one Conv writing its output; null when they are no such pair. */
	private static List<String> mergeAt(Graph g, Node add) {
		Term a = term(g, add, add.input(0));
		Term b = term(g, add, add.input(1));
		if (a.conv() == null && b.conv() == null) {
			return null;
		}
		Node conv = a.conv() != null ? a.conv() : b.conv();
		String x = conv.input(0);
		Tensor w = g.constant(conv.input(1));
		long[] dims = w.dims();
		long cout = dims[0];
		// a term that is no Conv is x itself when it is not a per-channel map of x (x + Conv(x), x made by a Mul and an Add)
		if (a.conv() == null && (!a.x().equals(x) || a.perChannel((int) cout, dims.length) == null)) {
			a = new Term(null, add.input(0), null, null, List.of());
		}
		if (b.conv() == null && (!b.x().equals(x) || b.perChannel((int) cout, dims.length) == null)) {
			b = new Term(null, add.input(1), null, null, List.of());
		}
		if (!a.x().equals(x) || !b.x().equals(x)) {
			return null;
		}
		Node other = a.conv() != null && b.conv() != null ? b.conv() : null;
		if (other != null && !compatible(conv, other)) {
			return null;
		}
		long group = conv.intAttribute("group", 1);
		long perGroup = dims[1];
		int spatial = dims.length - 2;
		long[] kernel = Arrays.copyOfRange(dims, 2, dims.length);
		long[] dilation = dilations(conv, spatial);
		if (other != null) {
			long[] ok = Arrays.copyOfRange(g.constant(other.input(1)).dims(), 2, dims.length);
			long[] od = dilations(other, spatial);
			for (int i = 0; i < spatial; i++) {
				if (ok[i] > 1 && kernel[i] > 1 && od[i] != dilation[i]) {
					return null;
				}
				if (ok[i] > kernel[i]) {
					dilation[i] = od[i];
				}
				kernel[i] = Math.max(kernel[i], ok[i]);
			}
		}
		Term identity = a.conv() == null ? a : b.conv() == null ? b : null;
		if (identity != null && (cout != perGroup * group || strides(conv, spatial).stream().anyMatch(s -> s != 1))) {
			return null; // an identity term needs as many outputs as inputs and stride 1
		}
		long[] newDims = new long[dims.length];
		newDims[0] = cout;
		newDims[1] = perGroup;
		System.arraycopy(kernel, 0, newDims, 2, spatial);
		int taps = (int) Arrays.stream(kernel).reduce(1, (p, q) -> p * q);
		float[] weights = new float[Math.toIntExact(cout * perGroup * taps)];
		float[] bias = new float[(int) cout];
		add(weights, kernel, w.toFloatArray(), w.dims());
		addBias(g, conv, bias);
		if (other != null) {
			Tensor ow = g.constant(other.input(1));
			add(weights, kernel, ow.toFloatArray(), ow.dims());
			addBias(g, other, bias);
		} else {
			long outsPerGroup = cout / group;
			int centre = centre(kernel);
			float[][] map = identity.perChannel((int) cout, dims.length);
			for (int c = 0; c < cout; c++) {
				long within = c - (c / outsPerGroup) * perGroup; // input channel c's index among its group's inputs
				weights[(int) ((c * perGroup + within) * taps + centre)] += map[0] == null ? 1f : map[0][c];
				bias[c] += map[1] == null ? 0f : map[1][c];
			}
		}
		Set<String> names = g.tensorNames();
		String wName = g.uniqueName(conv.input(1) + "_merged", names);
		names.add(wName);
		String bName = g.uniqueName(conv.name() + "_bias_merged", names);
		g.putInitializer(Tensor.ofFloats(wName, newDims, weights));
		g.putInitializer(Tensor.ofFloats(bName, new long[] { cout }, bias));
		List<String> removed = new ArrayList<>();
		for (Term t : List.of(a, b)) {
			for (Node n : t.nodes()) {
				if (n != conv) {
					removed.add(ConstantFolder.label(n));
					g.nodes().remove(n);
				}
			}
		}
		conv.setInputs(List.of(x, wName, bName));
		List<Long> pads = new ArrayList<>();
		for (int side = 0; side < 2; side++) {
			for (int i = 0; i < spatial; i++) {
				pads.add(dilation[i] * (kernel[i] - 1) / 2);
			}
		}
		conv.setIntsAttribute("pads", pads);
		conv.setIntsAttribute("kernel_shape", Arrays.stream(kernel).boxed().toList());
		conv.setIntsAttribute("dilations", Arrays.stream(dilation).boxed().toList());
		conv.setOutputs(List.of(add.output(0)));
		int at = g.nodes().indexOf(add);
		g.nodes().remove(conv);
		g.nodes().add(Math.min(at, g.nodes().size()), conv); // where the Add was: after every branch's input
		g.nodes().remove(add);
		removed.add(ConstantFolder.label(add));
		g.removeUnusedInitializers();
		return removed;
	}

	/**
	 * The summand {@code t} of {@code add}: a Conv only {@code add} reads, a per-channel Mul (and Add) of some x only it reads,
	 * else {@code t} itself (an identity term, if the other term is a Conv of {@code t}).
	 */
	private static Term term(Graph g, Node add, String t) {
		Term itself = new Term(null, t, null, null, List.of());
		Optional<Node> p = g.producer(t);
		if (p.isEmpty() || !onlyFor(g, t, add)) {
			return itself;
		}
		Node n = p.get();
		if (n.opType().equals("Conv") && n.isStandard() && centred(g, n)) {
			return new Term(n, n.input(0), null, null, List.of(n));
		}
		Tensor shift = null;
		List<Node> nodes = new ArrayList<>();
		if (n.opType().equals("Add") && n.isStandard() && n.inputs().size() == 2) {
			for (int i = 0; i < 2 && shift == null; i++) {
				Tensor s = floatConstant(g, n.input(1 - i));
				Optional<Node> mul = g.producer(n.input(i));
				if (s != null && mul.isPresent() && mul.get().opType().equals("Mul") && mul.get().isStandard() && onlyFor(g, n.input(i), n)) {
					shift = s;
					nodes.add(n);
					n = mul.get();
				}
			}
			if (shift == null) {
				return itself;
			}
		}
		if (n.opType().equals("Mul") && n.isStandard() && n.inputs().size() == 2) {
			for (int i = 0; i < 2; i++) {
				Tensor s = floatConstant(g, n.input(1 - i));
				if (s != null && g.constant(n.input(i)) == null) {
					nodes.add(n);
					return new Term(null, n.input(i), s, shift, nodes);
				}
			}
		}
		return itself;
	}

	/** Whether {@code reader} is the one node reading {@code tensor}, which is no graph output. */
	private static boolean onlyFor(Graph g, String tensor, Node reader) {
		return !g.isOutput(tensor) && g.consumers(tensor).size() == 1 && g.consumers(tensor).get(0) == reader
				&& reader.inputs().stream().filter(tensor::equals).count() == 1;
	}

	/** The float constant named, or null. */
	private static Tensor floatConstant(Graph g, String name) {
		Tensor t = g.constant(name);
		return t != null && t.dataType() == org.quantrace.engine.onnx.DataType.FLOAT ? t : null;
	}

	/** A Conv with constant weights (and bias), explicit pads equal on both sides at the centre of odd kernels. */
	static boolean centred(Graph g, Node conv) {
		Tensor w = g.constant(conv.input(1));
		if (w == null || w.dataType() != org.quantrace.engine.onnx.DataType.FLOAT || w.dims().length < 3
				|| conv.inputs().size() > 2 && !conv.input(2).isEmpty() && g.constant(conv.input(2)) == null) {
			return false;
		}
		String autoPad = conv.stringAttribute("auto_pad", "NOTSET");
		if (!autoPad.equals("NOTSET") && !autoPad.isEmpty()) {
			return false;
		}
		int spatial = w.dims().length - 2;
		List<Long> pads = conv.intsAttribute("pads");
		long[] dil = dilations(conv, spatial);
		for (int i = 0; i < spatial; i++) {
			long k = w.dims()[2 + i];
			long want = dil[i] * (k - 1) / 2;
			long begin = pads.isEmpty() ? 0 : pads.get(i);
			long end = pads.isEmpty() ? 0 : pads.get(spatial + i);
			if (k % 2 == 0 || begin != want || end != want) {
				return false;
			}
		}
		return true;
	}

	/** Two Convs of one group, strides and [O, I/g] (their kernels, pads and dilations are checked apart). */
	private static boolean compatible(Node a, Node b) {
		return a.intAttribute("group", 1) == b.intAttribute("group", 1) && strides(a, 2).equals(strides(b, 2))
				&& Arrays.equals(Arrays.copyOf(a.graph().constant(a.input(1)).dims(), 2), Arrays.copyOf(b.graph().constant(b.input(1)).dims(), 2))
				&& a.graph().constant(a.input(1)).dims().length == b.graph().constant(b.input(1)).dims().length;
	}

	static List<Long> strides(Node conv, int spatial) {
		List<Long> s = conv.intsAttribute("strides");
		return s.isEmpty() ? java.util.Collections.nCopies(spatial, 1L) : s;
	}

	static long[] dilations(Node conv, int spatial) {
		List<Long> d = conv.intsAttribute("dilations");
		long[] r = new long[spatial];
		for (int i = 0; i < spatial; i++) {
			r[i] = d.isEmpty() ? 1 : d.get(i);
		}
		return r;
	}

	/** The flat index of the centre tap of a kernel of odd sizes. */
	private static int centre(long[] kernel) {
		int index = 0;
		for (long k : kernel) {
			index = (int) (index * k + (k - 1) / 2);
		}
		return index;
	}

	/** Adds weights of dims {@code from} (same [O, I/g], a kernel no larger on any axis) into {@code to}, about the centre. */
	static void add(float[] to, long[] kernel, float[] from, long[] dims) {
		int spatial = kernel.length;
		long[] small = Arrays.copyOfRange(dims, 2, dims.length);
		int bigTaps = (int) Arrays.stream(kernel).reduce(1, (p, q) -> p * q);
		int smallTaps = (int) Arrays.stream(small).reduce(1, (p, q) -> p * q);
		int filters = (int) (dims[0] * dims[1]);
		for (int f = 0; f < filters; f++) {
			for (int s = 0; s < smallTaps; s++) {
				int rest = s;
				int big = 0;
				int[] idx = new int[spatial];
				for (int i = spatial - 1; i >= 0; i--) {
					idx[i] = (int) (rest % small[i]);
					rest /= small[i];
				}
				for (int i = 0; i < spatial; i++) {
					big = (int) (big * kernel[i] + idx[i] + (kernel[i] - small[i]) / 2);
				}
				to[f * bigTaps + big] += from[f * smallTaps + s];
			}
		}
	}

	static void addBias(Graph g, Node conv, float[] bias) {
		if (conv.inputs().size() > 2 && !conv.input(2).isEmpty()) {
			float[] b = g.constant(conv.input(2)).toFloatArray();
			for (int i = 0; i < bias.length; i++) {
				bias[i] += b[i];
			}
		}
	}
}
