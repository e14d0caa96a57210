package org.quantrace.engine.convert;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.quantrace.engine.onnx.DataType;
import org.quantrace.engine.onnx.Graph;
import org.quantrace.engine.onnx.Node;
import org.quantrace.engine.onnx.Tensor;

/**
 * A Conv whose output only Slices and Splits along the channel axis read (a ConvLSTM's four gates computed by one Conv
 * and cut apart, a GLU's two halves, a gated TCN's tanh and sigmoid halves) is written as one Conv per piece, of that
 * piece's output channels' weights and bias, writing the piece's tensor: each output channel is the same sum of the same
 * products, so the model computes exactly what it did. What it is for: a quantized Conv has one output scale, set by its
 * widest piece, and the Slice or Split passes the codes on at that scale; written apart, each piece is quantized at its own
 * range (convlstm: the gate Conv's scale 0.16-0.20, each gate's 0.08-0.17; fiq-int8 0.20 pt closer to fp32 on average over
 * six calibration sets, tests/data/wild/README.md, branch acc12). The pieces' Convs run the same multiply-accumulates.
 * <p>
 * Weights several Convs share (an unrolled cell reads one gate Conv's weights at every step) are sliced once: the pieces of
 * every step read the same sliced constants, so the model keeps its parameter count. Only plain Convs (one group) with
 * constant weights (and bias), read by Slices whose starts, ends and axes are constants on axis 1 with step 1, or by
 * Splits on axis 1, into at least two pieces that do not overlap (a piece's channels computed once), are written so; a Conv
 * that is a graph output or that anything else reads is left whole.
 */
final class ChannelPieces {

	private ChannelPieces() {
	}

	/** Writes each such Conv of {@code g} as its pieces; returns the names of the nodes replaced and adds one rewrite. */
	static List<String> split(Graph g, List<Rewrite> rewrites) {
		List<String> removed = new ArrayList<>();
		List<String> said = new ArrayList<>();
		java.util.Set<String> sliced = new java.util.LinkedHashSet<>();
		for (Node conv : List.copyOf(g.nodes())) {
			Map<String, int[]> pieces = pieces(g, conv);
			if (pieces == null) {
				continue;
			}
			Tensor w = g.constant(conv.input(1));
			Tensor b = conv.inputs().size() > 2 && !conv.input(2).isEmpty() ? g.constant(conv.input(2)) : null;
			List<Node> written = new ArrayList<>();
			for (Map.Entry<String, int[]> p : pieces.entrySet()) {
				int from = p.getValue()[0];
				int to = p.getValue()[1];
				Node piece = g.newNode(conv.toProto());
				piece.setName(conv.name() + "_channels_" + from + "_" + to);
				piece.setInput(1, slice(g, conv.input(1), w, from, to));
				if (b != null) {
					piece.setInput(2, slice(g, conv.input(2), b, from, to));
				}
				piece.setOutputs(List.of(p.getKey()));
				written.add(piece);
			}
			sliced.addAll(conv.inputs().subList(1, conv.inputs().size()));
			int at = g.nodes().indexOf(conv);
			List<Node> readers = g.consumers(conv.output(0));
			g.nodes().remove(conv);
			readers.forEach(r -> g.nodes().remove(r));
			g.nodes().addAll(at, written);
			removed.add(conv.name());
			readers.forEach(r -> removed.add(r.name()));
			said.add("'" + conv.name() + "' (" + pieces.size() + " pieces: "
					+ String.join(", ", pieces.values().stream().map(r -> r[0] + "-" + (r[1] - 1)).toList()) + ")");
		}
		if (!said.isEmpty()) {
			java.util.Set<String> read = new java.util.HashSet<>();
			g.allNodes().forEach(n -> read.addAll(n.inputs()));
			sliced.stream().filter(t -> !read.contains(t) && !g.isOutput(t)).forEach(g::removeInitializer); // every reader sliced it
			rewrites.add(new Rewrite(Rewrite.CHANNEL_PIECES, said.size() + (said.size() == 1 ? " Conv" : " Convs")
					+ " read only by channel Slices or Splits written as one Conv per piece (each piece's own output range when quantized): "
					+ String.join(", ", said.subList(0, Math.min(8, said.size()))) + (said.size() > 8 ? " and " + (said.size() - 8) + " more" : "")));
		}
		return removed;
	}

	/**
	 * Per tensor a reader of {@code conv}'s output writes, the output channels [from, to) it holds, when {@code conv} is a
	 * Conv this rewrite applies to and its readers cut it into at least two pieces; else null.
	 */
	static Map<String, int[]> pieces(Graph g, Node conv) {
		if (!conv.opType().equals("Conv") || !conv.isStandard() || conv.intAttribute("group", 1) != 1 || conv.inputs().size() < 2
				|| g.isOutput(conv.output(0))) {
			return null;
		}
		Tensor w = g.constant(conv.input(1));
		Tensor b = conv.inputs().size() > 2 && !conv.input(2).isEmpty() ? g.constant(conv.input(2)) : null;
		if (w == null || w.dataType() != DataType.FLOAT || w.dims().length < 3 || conv.inputs().size() > 2 && !conv.input(2).isEmpty() && b == null) {
			return null;
		}
		int channels = (int) w.dims()[0];
		int rank = w.dims().length;
		List<Node> readers = g.consumers(conv.output(0));
		if (readers.isEmpty()) {
			return null;
		}
		Map<String, int[]> pieces = new LinkedHashMap<>();
		for (Node r : readers) {
			if (!r.isStandard() || !r.subgraphs().isEmpty() || !r.input(0).equals(conv.output(0)) || r.inputs().stream().skip(1).anyMatch(conv.output(0)::equals)) {
				return null;
			}
			if (r.opType().equals("Slice") && r.inputs().size() >= 3) {
				long[] starts = longs(g, r.input(1));
				long[] ends = longs(g, r.input(2));
				long[] axes = r.inputs().size() > 3 && !r.input(3).isEmpty() ? longs(g, r.input(3)) : new long[] { 0 };
				long[] steps = r.inputs().size() > 4 && !r.input(4).isEmpty() ? longs(g, r.input(4)) : new long[] { 1 };
				if (starts == null || ends == null || axes == null || steps == null || starts.length != 1 || ends.length != 1 || axes.length != 1
						|| steps.length != 1 || steps[0] != 1 || (axes[0] < 0 ? axes[0] + rank : axes[0]) != 1) {
					return null;
				}
				int from = (int) clamp(starts[0] < 0 ? starts[0] + channels : starts[0], channels);
				int to = (int) clamp(ends[0] < 0 ? ends[0] + channels : ends[0], channels);
				if (from >= to) {
					return null;
				}
				pieces.put(r.output(0), new int[] { from, to });
			} else if (r.opType().equals("Split")) {
				long axis = r.intAttribute("axis", 0);
				if ((axis < 0 ? axis + rank : axis) != 1) {
					return null;
				}
				long[] sizes = r.inputs().size() > 1 && !r.input(1).isEmpty() ? longs(g, r.input(1))
						: r.attribute("split").isPresent() ? r.intsAttribute("split").stream().mapToLong(Long::longValue).toArray() : null;
				int n = r.outputs().size();
				if (sizes == null) {
					if (r.attribute("num_outputs").isPresent() || channels % n != 0) {
						return null; // opset 18's uneven last piece: not worth its own rule
					}
					sizes = new long[n];
					java.util.Arrays.fill(sizes, channels / n);
				}
				if (sizes.length != n || java.util.Arrays.stream(sizes).sum() != channels) {
					return null;
				}
				int from = 0;
				for (int i = 0; i < n; i++) {
					int to = from + (int) sizes[i];
					if (!r.output(i).isEmpty() && to > from) {
						pieces.put(r.output(i), new int[] { from, to });
					}
					from = to;
				}
			} else {
				return null;
			}
		}
		// at least two pieces, none overlapping another (overlapping pieces would compute some channels twice)
		int width = pieces.values().stream().mapToInt(r -> r[1] - r[0]).sum();
		boolean[] taken = new boolean[channels];
		for (int[] r : pieces.values()) {
			for (int c = r[0]; c < r[1]; c++) {
				if (taken[c]) {
					return null;
				}
				taken[c] = true;
			}
		}
		return pieces.size() < 2 || width == 0 ? null : pieces;
	}

	private static long clamp(long v, long channels) {
		return Math.max(0, Math.min(v, channels));
	}

	private static long[] longs(Graph g, String tensor) {
		Tensor t = g.constant(tensor);
		return t == null ? null : t.toLongArray();
	}

	/** The constant of output channels [from, to) of {@code t} (named after it: shared by every Conv that reads {@code name}). */
	private static String slice(Graph g, String name, Tensor t, int from, int to) {
		String sliced = name + "_channels_" + from + "_" + to;
		if (g.initializer(sliced) == null) {
			long[] dims = t.dims().clone();
			int per = (int) (t.elementCount() / dims[0]);
			float[] all = t.toFloatArray();
			float[] part = new float[(to - from) * per];
			System.arraycopy(all, from * per, part, 0, part.length);
			dims[0] = to - from;
			g.putInitializer(Tensor.ofFloats(sliced, dims, part));
		}
		return sliced;
	}
}
