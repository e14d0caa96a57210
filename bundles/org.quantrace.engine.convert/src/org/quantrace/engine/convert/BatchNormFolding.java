package org.quantrace.engine.convert;

import java.util.List;
import java.util.Optional;

import org.quantrace.engine.onnx.Graph;
import org.quantrace.engine.onnx.Node;
import org.quantrace.engine.onnx.Tensor;

import ai.onnx.proto.OnnxMl.NodeProto;

/**
 * Folds an inference-mode BatchNormalization y = a·x + b (a = γ / sqrt(σ² + ε), b = β − a·μ) into the
 * Conv/ConvTranspose/Gemm/MatMul before it by scaling that op's weights per output channel and shifting
 * its bias; where there is none (a BatchNorm after an activation, ConvMixer's GELU → BatchNorm), into the Conv or Gemm
 * after it when that computes on it exactly (see {@link #foldIntoReader}); else replaces it by a per-channel Mul and Add.
 * A per-channel Mul/Add that an exporter already wrote after a Conv (a Keras BatchNorm as tf2onnx writes it) is folded into
 * that Conv the same way ({@link #foldAffineIntoConv}).
 */
final class BatchNormFolding {

	private BatchNormFolding() {
	}

	/**
	 * What happened to one BatchNormalization: folded into {@code into} (the layer before it, or after it when
	 * {@code following}; {@code across} the Flatten, Reshape or Transpose between, "Flatten name"), or made a Mul/Add (into
	 * null), its shift moved {@code through} an Add.
	 */
	record Outcome(String batchNorm, String into, boolean following, String through, String across) {

		Outcome(String batchNorm, String into, boolean following) {
			this(batchNorm, into, following, null, null);
		}
	}

	/**
	 * Folds {@code bn} (already in inference form: one output) of graph {@code g}, whose parameters may be constants of an
	 * enclosing graph; null when its parameters are not constant, or when it stands alone and the rank of its input is
	 * unknown ({@code inputRank} &lt; 0), so that the per-channel Mul and Add could not be shaped to broadcast.
	 */
	static Outcome fold(Graph g, Node bn, int inputRank) {
		Tensor scale = g.constant(bn.input(1));
		Tensor bias = g.constant(bn.input(2));
		Tensor mean = g.constant(bn.input(3));
		Tensor var = g.constant(bn.input(4));
		if (scale == null || bias == null || mean == null || var == null) {
			return null;
		}
		float eps = bn.floatAttribute("epsilon", 1e-5f);
		float[] gamma = scale.toFloatArray();
		float[] beta = bias.toFloatArray();
		float[] mu = mean.toFloatArray();
		float[] sigma2 = var.toFloatArray();
		int c = gamma.length;
		float[] a = new float[c];
		float[] b = new float[c];
		for (int i = 0; i < c; i++) {
			a[i] = (float) (gamma[i] / Math.sqrt(sigma2[i] + (double) eps));
			b[i] = beta[i] - a[i] * mu[i];
		}
		String x = bn.input(0);
		String y = bn.output(0);
		Optional<Node> producer = g.producer(x);
		boolean onlyReader = g.allNodes().stream().filter(n -> n.inputs().contains(x)).count() == 1
				&& g.outputs().stream().noneMatch(v -> v.getName().equals(x));
		if (producer.isPresent() && onlyReader && foldInto(g, producer.get(), a, b)) {
			producer.get().setOutput(producer.get().outputs().indexOf(x), y);
			g.nodes().remove(bn);
			return new Outcome(ConstantFolder.label(bn), ConstantFolder.label(producer.get()), false);
		}
		Node layer = producer.isPresent() && onlyReader ? foldAcross(g, producer.get(), a, b) : null;
		if (layer == null && producer.isPresent() && onlyReader) {
			layer = foldAcrossChannelSplit(g, producer.get(), a, b);
		}
		if (layer != null) {
			producer.get().setOutput(0, y);
			g.nodes().remove(bn);
			return new Outcome(ConstantFolder.label(bn), ConstantFolder.label(layer), false, null, producer.get().opType() + " " + ConstantFolder.label(producer.get()));
		}
		Node reader = foldIntoReader(g, bn, a, b);
		if (reader != null) {
			return new Outcome(ConstantFolder.label(bn), ConstantFolder.label(reader), true);
		}
		if (inputRank < 0) {
			return null;
		}
		Node[] through = shiftThroughAdd(g, bn, b, inputRank);
		// standalone: y = x * a + b with a, b shaped [C, 1, ..., 1] to broadcast over NC... (only x * a when the shift went on)
		long[] shape = new long[Math.max(1, inputRank - 1)];
		java.util.Arrays.fill(shape, 1);
		shape[0] = c;
		java.util.Set<String> names = root(g).tensorNames();
		String aName = g.uniqueName(bn.name() + "_scale", names);
		String bName = g.uniqueName(bn.name() + "_shift", names);
		String mid = g.uniqueName(bn.name() + "_scaled", names);
		g.putInitializer(Tensor.ofFloats(aName, shape, a));
		if (through == null) {
			g.putInitializer(Tensor.ofFloats(bName, shape, b));
		}
		int at = g.nodes().indexOf(bn);
		if (through != null) {
			g.nodes().set(at, g.newNode(NodeProto.newBuilder().setOpType("Mul").setName(bn.name() + "_mul").addInput(x).addInput(aName).addOutput(y).build()));
			return new Outcome(ConstantFolder.label(bn), ConstantFolder.label(through[1]), true, ConstantFolder.label(through[0]), null);
		}
		g.nodes().set(at, g.newNode(NodeProto.newBuilder().setOpType("Mul").setName(bn.name() + "_mul").addInput(x).addInput(aName).addOutput(mid).build()));
		g.nodes().add(at + 1, g.newNode(NodeProto.newBuilder().setOpType("Add").setName(bn.name() + "_add").addInput(mid).addInput(bName).addOutput(y).build()));
		return new Outcome(ConstantFolder.label(bn), null, false);
	}

	/**
	 * Folds y = a·x + b into the MatMul (of a constant matrix) or Gemm whose output reaches the BatchNormalization only through
	 * {@code mover}, a Flatten, a Reshape to [M, C] or a Transpose that puts the layer's last axis (its output columns) at
	 * the BatchNormalization's channel axis 1. LeViT's token BatchNorm is exported `MatMul → Flatten → BatchNormalization over
	 * [N·T, C] → Reshape`, a BatchNorm1d over [N, C, T] as `MatMul → Transpose → BatchNormalization`. Column o of the layer is
	 * channel o of the BatchNormalization: a Flatten's or a [M, C] Reshape's second dimension is C only if the dimensions
	 * flattened with the last one are all 1 (the BatchNormalization's C parameters, the layer's C columns), so every value
	 * keeps its column. Folding is then exact up to float rounding, as into a layer right before it, and the quantizer sees one
	 * MatMul (with its bias Add) where it would run a QLinearMul and a QLinearAdd per layer. Returns the layer folded into
	 * (the mover still reads its output), or null (nothing changed).
	 */
	private static Node foldAcross(Graph g, Node mover, float[] a, float[] b) {
		if (!mover.domain().isEmpty() || mover.outputs().size() != 1) {
			return null;
		}
		boolean keepsColumns = switch (mover.opType()) {
		case "Flatten" -> true;
		case "Reshape" -> g.constant(mover.input(1)) != null && g.constant(mover.input(1)).elementCount() == 2;
		case "Transpose" -> {
			List<Long> perm = mover.intsAttribute("perm");
			yield perm.size() >= 2 && perm.get(1) == perm.size() - 1;
		}
		default -> false;
		};
		Node layer = keepsColumns ? g.producer(mover.input(0)).orElse(null) : null;
		if (layer == null || !(layer.opType().equals("MatMul") || layer.opType().equals("Gemm")) || !layer.domain().isEmpty()
				|| onlyReader(g, layer.output(0)) != mover || layer.outputs().size() != 1) {
			return null;
		}
		return foldInto(g, layer, a, b) ? layer : null;
	}

	/**
	 * Folds y = a·x + b into the Conv whose output reaches the BatchNormalization only through {@code reshape}, a Reshape that
	 * keeps the batch axis (target [0, C, ...], allowzero 0) and puts C = a.length on axis 1 where the Conv writes C·k
	 * channels: a p4 group-equivariant CNN's BatchNorm3d over the [N, C, 4, H, W] view of a Conv's [N, 4C, H, W]
	 * (make_unseen31.py p4cnn). Per sample the Reshape keeps the row-major order, so channel c of the view holds the values
	 * k·c ... k·c + k − 1 of the Conv's channels whole (each Conv channel's H·W values are one run, and the view's channel is
	 * one run of k of them, whatever the remaining target dims), and the fold is exact up to float rounding with factor and
	 * term repeated k times. Unfolded, the map ran as a Mul and an Add on the 5-D view (two kernels where the original had
	 * one, and an integer Mul/Add pair per layer once quantized). Returns the Conv folded into, or null (nothing changed).
	 */
	private static Node foldAcrossChannelSplit(Graph g, Node reshape, float[] a, float[] b) {
		if (!reshape.isStandard() || !reshape.opType().equals("Reshape") || reshape.outputs().size() != 1 || reshape.inputs().size() != 2
				|| reshape.intAttribute("allowzero", 0) != 0) {
			return null;
		}
		Tensor target = g.constant(reshape.input(1));
		long[] dims = target == null || target.dims().length != 1 ? null : target.toLongArray();
		if (dims == null || dims.length < 3 || dims[0] != 0 || dims[1] != a.length) {
			return null; // the batch axis must be copied, so that axis 1 splits each sample's values alone
		}
		Node conv = g.producer(reshape.input(0)).orElse(null);
		if (conv == null || !conv.isStandard() || !conv.opType().equals("Conv") || conv.outputs().size() != 1 || onlyReader(g, conv.output(0)) != reshape) {
			return null;
		}
		Tensor w = g.constant(conv.input(1));
		if (w == null || w.dims().length < 3 || w.dims()[0] % a.length != 0) {
			return null;
		}
		int k = (int) (w.dims()[0] / a.length);
		float[] aa = new float[a.length * k];
		float[] bb = new float[a.length * k];
		for (int o = 0; o < aa.length; o++) {
			aa[o] = a[o / k];
			bb[o] = b[o / k];
		}
		return foldInto(g, conv, aa, bb) ? conv : null;
	}

	/**
	 * Folds a per-channel affine map that an exporter wrote as ops after a Conv into that Conv's weights and bias: a Mul by a
	 * constant, an Add of one, or a Mul then an Add (y = a·conv(x) + b), each constant one value per output channel of the
	 * Conv (shaped to broadcast over axis 1: [C, 1, 1] or [1, C, 1, 1] after a 2-D Conv) or one value for all. tf2onnx writes
	 * a Keras model's BatchNormalization so ('batchnorm/mul_1', 'batchnorm/add_1'; after {@link LayoutTransposes} they read
	 * the Conv directly), and layer scales are such Muls. W'[o] = a[o]·W[o], bias'[o] = a[o]·bias[o] + b[o] is exact whatever
	 * the Conv's padding (the map acts on its outputs). Without the fold the quantizer runs the map as one more depthwise 1x1
	 * QLinearConv per Conv (make_unseen11.py kerasnhwc: 12 % of its int8 kernel time). {@code op} is the Mul or the Add read;
	 * the Conv's output must be read by it alone (and the Mul's by the Add alone), none of them a graph output. Returns what
	 * was folded, or null (nothing changed).
	 */
	static Affine foldAffineIntoConv(Graph g, Node op) {
		if (!op.domain().isEmpty() || !(op.opType().equals("Mul") || op.opType().equals("Add")) || op.inputs().size() != 2) {
			return null;
		}
		int side = constantSide(g, op);
		if (side < 0) {
			return null;
		}
		Node conv = g.producer(op.input(1 - side)).orElse(null);
		// tf2onnx's NHWC Conv: Transpose(0,3,1,2), Conv, Transpose(0,2,3,1), then the map over the last axis. Where the layout
		// pass cannot cancel that Transpose (a Pad, Split or Slice in NHWC follows), the map folds through it all the same.
		Node layout = conv != null && conv.isStandard() && conv.opType().equals("Transpose") && conv.inputs().size() == 1 && onlyReader(g, conv.output(0)) == op
				? conv : null;
		if (layout != null) {
			conv = g.producer(layout.input(0)).orElse(null);
		}
		if (conv == null || !conv.opType().equals("Conv") || !conv.domain().isEmpty() || onlyReader(g, conv.output(0)) != (layout != null ? layout : op)
				|| conv.outputs().size() != 1) {
			return null;
		}
		Tensor w = g.constant(conv.input(1));
		if (w == null || w.dataType() != org.quantrace.engine.onnx.DataType.FLOAT || w.dims().length < 3) {
			return null;
		}
		int c = (int) w.dims()[0];
		int rank = channelRank(layout, w.dims().length);
		if (rank < 0) {
			return null;
		}
		float[] first = g.constant(op.input(side)).channelValues(c, rank);
		if (first == null) {
			return null;
		}
		float[] a = new float[c];
		float[] b = new float[c];
		Node add = null;
		if (op.opType().equals("Mul")) {
			a = first;
			Node reader = onlyReader(g, op.output(0));
			int addSide = reader != null && reader.opType().equals("Add") && reader.domain().isEmpty() && reader.inputs().size() == 2 ? constantSide(g, reader) : -1;
			float[] shift = addSide >= 0 && reader.input(1 - addSide).equals(op.output(0)) ? g.constant(reader.input(addSide)).channelValues(c, rank) : null;
			if (shift != null) {
				add = reader;
				b = shift;
			}
		} else {
			java.util.Arrays.fill(a, 1f);
			b = first;
		}
		for (int i = 0; i < c; i++) {
			if (!Float.isFinite(a[i]) || !Float.isFinite(b[i])) {
				return null;
			}
		}
		Node last = add != null ? add : op;
		if (!foldInto(g, conv, a, b)) {
			return null;
		}
		(layout != null ? layout : conv).setOutput(0, last.output(0));
		g.nodes().remove(op);
		if (add != null) {
			g.nodes().remove(add);
		}
		List<String> gone = add != null ? List.of(ConstantFolder.label(op), ConstantFolder.label(add)) : List.of(ConstantFolder.label(op));
		return new Affine("'" + String.join("' and '", gone) + "' into '" + ConstantFolder.label(conv) + "'", gone);
	}

	/**
	 * The rank r for which the Conv's channels are axis 1 of a right-aligned rank-r constant ({@link Tensor#channelValues}):
	 * the Conv's own rank, or, behind a Transpose that moves the channels to axis j >= 1, rank - j + 1 (NHWC: 2, so [C]).
	 * -1 when the Transpose has no perm of that rank or moves the channels to the batch axis.
	 */
	private static int channelRank(Node layout, int rank) {
		if (layout == null) {
			return rank;
		}
		List<Long> perm = layout.intsAttribute("perm");
		int j = perm.size() == rank ? perm.indexOf(1L) : -1;
		return j >= 1 ? rank - j + 1 : -1;
	}

	/** A per-channel Mul/Add folded into its Conv: the words for the log ("'mul' and 'add' into 'conv'") and the nodes removed. */
	record Affine(String words, List<String> removed) {
	}

	/** Which input of a two-input op is a float constant (0 or 1), or -1 (none, or both). */
	private static int constantSide(Graph g, Node op) {
		Tensor t0 = g.constant(op.input(0));
		Tensor t1 = g.constant(op.input(1));
		if ((t0 == null) == (t1 == null)) {
			return -1;
		}
		Tensor t = t0 != null ? t0 : t1;
		return t.dataType() == org.quantrace.engine.onnx.DataType.FLOAT ? (t0 != null ? 0 : 1) : -1;
	}

	/**
	 * Folds y = a·x + b (per channel of axis 1) into the one layer that reads y, where that layer computes on it exactly:
	 * a Conv without padding (W'[o, i] = W[o, i]·a[c(i)], bias'[o] = bias[o] + Σ W[o, i]·b[c(i)]: every tap of every output
	 * reads a real input value, so the shift adds the same sum everywhere; a padded Conv reads zeros at the border where
	 * the shifted input would be b, so the border outputs would differ), or a Gemm on [N, C] (A·diag(a)·B + b·B), also behind
	 * a GlobalAveragePool and a Flatten (both commute with a per-channel affine map: the mean of a·x + b is a·mean(x) + b).
	 * Returns the layer folded into, or null (nothing changed).
	 */
	private static Node foldIntoReader(Graph g, Node bn, float[] a, float[] b) {
		String y = bn.output(0);
		Node reader = onlyReader(g, y);
		Node pool = null;
		Node flatten = null;
		if (reader != null && reader.opType().equals("GlobalAveragePool") && reader.domain().isEmpty()) {
			pool = reader;
			flatten = onlyReader(g, pool.output(0));
			reader = flatten != null && flatten.opType().equals("Flatten") && flatten.domain().isEmpty() && flatten.intAttribute("axis", 1) == 1
					? onlyReader(g, flatten.output(0)) : null;
		}
		if (reader == null || !reader.domain().isEmpty() || reader.inputs().size() < 2 || !reader.input(0).equals(pool == null ? y : flatten.output(0))
				|| reader.input(1).equals(reader.input(0))) {
			return null;
		}
		Tensor w = g.constant(reader.input(1));
		if (w == null || w.dataType() != org.quantrace.engine.onnx.DataType.FLOAT) {
			return null;
		}
		long[] dims = w.dims();
		int c = a.length;
		float[] values = w.toFloatArray();
		float[] shift;
		String biasName = reader.inputs().size() > 2 ? reader.input(2) : "";
		float scaleOfShift = 1f;
		switch (reader.opType()) {
		case "Conv" -> {
			if (pool != null || dims.length < 3 || !unpadded(reader)) {
				return null;
			}
			long group = reader.intAttribute("group", 1);
			long perGroupIn = dims[1];
			if (group < 1 || perGroupIn * group != c || dims[0] % group != 0) {
				return null;
			}
			long outPerGroup = dims[0] / group;
			long taps = 1;
			for (int d = 2; d < dims.length; d++) {
				taps *= dims[d];
			}
			shift = new float[(int) dims[0]];
			for (int i = 0; i < values.length; i++) {
				int o = (int) (i / (perGroupIn * taps));
				int channel = (int) ((o / outPerGroup) * perGroupIn + (i / taps) % perGroupIn);
				shift[o] += values[i] * b[channel];
				values[i] *= a[channel];
			}
		}
		case "Gemm" -> {
			if (reader.intAttribute("transA", 0) != 0 || dims.length != 2) {
				return null;
			}
			boolean transB = reader.intAttribute("transB", 0) == 1;
			long in = transB ? dims[1] : dims[0];
			long out = transB ? dims[0] : dims[1];
			float beta = reader.floatAttribute("beta", 1f);
			if (in != c || beta == 0f) {
				return null; // beta = 0: C is ignored, nowhere to put the shift
			}
			// alpha·(A·diag(a) + 1·bᵀ)·B + beta·C = alpha·A·diag(a)·B + beta·(C + alpha/beta · bᵀ·B)
			scaleOfShift = reader.floatAttribute("alpha", 1f) / beta;
			shift = new float[(int) out];
			for (int i = 0; i < values.length; i++) {
				int row = (int) (i / dims[1]);
				int col = (int) (i % dims[1]);
				int channel = transB ? col : row;
				shift[transB ? row : col] += values[i] * b[channel];
				values[i] *= a[channel];
			}
		}
		default -> {
			return null;
		}
		}
		float[] oldBias = biasName.isEmpty() ? new float[shift.length] : constantVector(g, biasName, shift.length);
		if (oldBias == null || g.constant(biasName) != null && g.constant(biasName).dims().length != 1) {
			return null;
		}
		float[] newBias = new float[shift.length];
		for (int i = 0; i < shift.length; i++) {
			newBias[i] = oldBias[i] + scaleOfShift * shift[i];
		}
		reader.setInput(2, putFolded(g, reader, dims, values, biasName, newBias));
		// the layer (or the pool) now reads the BatchNormalization's input
		(pool != null ? pool : reader).setInput(0, bn.input(0));
		g.nodes().remove(bn);
		return reader;
	}

	/**
	 * Moves the shift b of y = a·x + b through the one Add that reads y (ConvMixer's residual sum after GELU → BatchNorm)
	 * into the bias of the unpadded Conv that alone reads the sum: Conv(a·x + b + r) = Conv(a·x + r) + W·b exactly, as in
	 * {@link #foldIntoReader}; the scale stays a Mul, since r is not scaled. The sum must keep y's rank (the Conv's), so
	 * that its channels are y's. Returns {Add, Conv} with the Conv's bias rewritten, or null (nothing changed).
	 */
	private static Node[] shiftThroughAdd(Graph g, Node bn, float[] b, int inputRank) {
		Node add = onlyReader(g, bn.output(0));
		if (add == null || !add.opType().equals("Add") || !add.domain().isEmpty() || add.inputs().size() != 2 || add.input(0).equals(add.input(1))) {
			return null;
		}
		Node conv = onlyReader(g, add.output(0));
		if (conv == null || !conv.opType().equals("Conv") || !conv.domain().isEmpty() || !conv.input(0).equals(add.output(0)) || !unpadded(conv)) {
			return null;
		}
		Tensor w = g.constant(conv.input(1));
		if (w == null || w.dataType() != org.quantrace.engine.onnx.DataType.FLOAT || w.dims().length != inputRank) {
			return null;
		}
		long[] dims = w.dims();
		long group = conv.intAttribute("group", 1);
		long perGroupIn = dims[1];
		if (group < 1 || perGroupIn * group != b.length || dims[0] % group != 0) {
			return null;
		}
		long outPerGroup = dims[0] / group;
		long taps = 1;
		for (int d = 2; d < dims.length; d++) {
			taps *= dims[d];
		}
		float[] values = w.toFloatArray();
		float[] shift = new float[(int) dims[0]];
		for (int i = 0; i < values.length; i++) {
			int o = (int) (i / (perGroupIn * taps));
			shift[o] += values[i] * b[(int) ((o / outPerGroup) * perGroupIn + (i / taps) % perGroupIn)];
		}
		String biasName = conv.input(2);
		float[] bias = biasName.isEmpty() ? new float[shift.length] : constantVector(g, biasName, shift.length);
		if (bias == null || !biasName.isEmpty() && g.constant(biasName).dims().length != 1) {
			return null;
		}
		for (int i = 0; i < shift.length; i++) {
			bias[i] += shift[i];
		}
		String bName = g.uniqueName((biasName.isEmpty() ? conv.name() + "_bias" : biasName) + "_bn_shift", root(g).tensorNames());
		g.putInitializer(Tensor.ofFloats(bName, new long[] { shift.length }, bias));
		conv.setInput(2, bName);
		return new Node[] { add, conv };
	}

	/** Whether a Conv reads no padding (no pads, all zero, or auto_pad VALID). */
	private static boolean unpadded(Node conv) {
		String autoPad = conv.stringAttribute("auto_pad", "NOTSET");
		if (autoPad.equals("SAME_UPPER") || autoPad.equals("SAME_LOWER")) {
			return false;
		}
		return conv.intsAttribute("pads").stream().allMatch(p -> p == 0);
	}

	/** The one node that reads {@code tensor}, when it is not also a graph output; else null. */
	private static Node onlyReader(Graph g, String tensor) {
		List<Node> readers = g.allNodes().stream().filter(n -> n.inputs().contains(tensor)).toList();
		if (readers.size() != 1 || g.outputs().stream().anyMatch(v -> v.getName().equals(tensor))
				|| readers.get(0).inputs().stream().filter(tensor::equals).count() != 1 || !g.nodes().contains(readers.get(0))) {
			return null;
		}
		return readers.get(0);
	}

	/** Scales the producer's weights per output channel by a and adds b to its bias; false if it cannot. */
	private static boolean foldInto(Graph g, Node p, float[] a, float[] b) {
		Tensor w = g.constant(p.input(1));
		if (w == null || w.dataType() != org.quantrace.engine.onnx.DataType.FLOAT) {
			return false;
		}
		long[] dims = w.dims();
		int axis;
		switch (p.opType()) {
		case "Conv" -> axis = 0;
		case "ConvTranspose" -> {
			if (p.intAttribute("group", 1) != 1) {
				return false;
			}
			axis = 1;
		}
		case "Gemm" -> {
			if (p.intAttribute("transA", 0) != 0) {
				return false;
			}
			axis = p.intAttribute("transB", 0) == 1 ? 0 : 1;
		}
		case "MatMul" -> {
			if (dims.length != 2) {
				return false;
			}
			axis = 1;
		}
		default -> {
			return false;
		}
		}
		if (dims[axis] != a.length) {
			return false;
		}
		float beta = p.opType().equals("Gemm") ? p.floatAttribute("beta", 1f) : 1f;
		if (beta == 0f) {
			return false; // C is ignored: nowhere to put the shift
		}
		float[] values = w.toFloatArray();
		long inner = 1;
		for (int d = axis + 1; d < dims.length; d++) {
			inner *= dims[d];
		}
		for (int i = 0; i < values.length; i++) {
			values[i] *= a[(int) ((i / inner) % a.length)];
		}
		String biasName = p.opType().equals("MatMul") ? "" : p.input(2);
		float[] oldBias = biasName.isEmpty() ? new float[a.length] : constantVector(g, biasName, a.length);
		if (oldBias == null) {
			return false;
		}
		float[] newBias = new float[a.length];
		for (int i = 0; i < a.length; i++) {
			// Gemm computes alpha·A·B + beta·C: the BN shift goes into C divided by beta
			newBias[i] = p.opType().equals("Gemm") ? (a[i] * beta * oldBias[i] + b[i]) / beta : a[i] * oldBias[i] + b[i];
		}
		String bName = putFolded(g, p, dims, values, biasName, newBias);
		if (p.opType().equals("MatMul")) {
			String out = g.uniqueName(p.output(0) + "_matmul", root(g).tensorNames());
			String y = p.output(0);
			p.setOutput(0, out);
			g.nodes().add(g.nodes().indexOf(p) + 1,
					g.newNode(NodeProto.newBuilder().setOpType("Add").setName(p.name() + "_bn_bias").addInput(out).addInput(bName).addOutput(y).build()));
		} else {
			p.setInput(2, bName);
		}
		return true;
	}

	/**
	 * A layer's folded weights and bias as initializers of their own ("…_bn_folded"), the layer's weights pointed at them;
	 * returns the bias's name for the caller to wire (a Conv's third input, a MatMul's Add).
	 */
	private static String putFolded(Graph g, Node layer, long[] dims, float[] weights, String biasName, float[] bias) {
		java.util.Set<String> names = root(g).tensorNames();
		String wName = g.uniqueName(layer.input(1) + "_bn_folded", names);
		g.putInitializer(Tensor.ofFloats(wName, dims, weights));
		layer.setInput(1, wName);
		String bName = g.uniqueName((biasName.isEmpty() ? layer.name() + "_bias" : biasName) + "_bn_folded", names);
		g.putInitializer(Tensor.ofFloats(bName, new long[] { bias.length }, bias));
		return bName;
	}

	private static float[] constantVector(Graph g, String name, int length) {
		Tensor t = g.constant(name);
		if (t == null || t.elementCount() != length) {
			return null;
		}
		return t.toFloatArray();
	}

	/** The main graph: names of new tensors must be unique across every scope. */
	static Graph root(Graph g) {
		Graph r = g;
		while (r.parent() != null) {
			r = r.parent();
		}
		return r;
	}
}
