package org.quantrace.engine.convert;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.quantrace.engine.onnx.DataType;
import org.quantrace.engine.onnx.Graph;
import org.quantrace.engine.onnx.Node;
import org.quantrace.engine.onnx.Tensor;

/**
 * Folds the shape arithmetic exporters write (Shape → Gather/Slice → Unsqueeze → Concat → Reshape) wherever the
 * dimensions it reads are static. Each small integer vector of the main graph is followed element by element: an
 * element is a known number, or dimension i of some tensor that ONNX Runtime's shape inference cannot fix (a dynamic
 * batch). Only ops that copy elements (Shape, Gather, Slice, Unsqueeze, Squeeze, Concat, Cast, Identity, Reshape of a
 * vector) are followed, so an element is known exactly when it is; arithmetic on shapes is left to the constant folder,
 * which evaluates it with ONNX Runtime once its inputs are known.
 * <ul>
 * <li>a vector whose elements are all known becomes an initializer;</li>
 * <li>a Reshape target with unknown elements is made constant where that is exact: an element that is dimension i of
 * the Reshape's own input, at position i, becomes 0 (copy, when allowzero is 0), and a single element left unknown
 * becomes -1 (inferred from the element count, which the original reshape had to match).</li>
 * </ul>
 */
final class ShapeFolding {

	/**
	 * An element of a shape vector: a known value, dimension {@code axis} of {@code tensor} (unknown before run time), or a
	 * value computed at run time from unknown dimensions ({@link #COMPUTED}: {@code tensor} empty, {@code axis} -1).
	 */
	private record Element(long value, String tensor, int axis) {
		static final Element COMPUTED = new Element(0, "", -1);

		static Element known(long v) {
			return new Element(v, null, -1);
		}

		boolean isKnown() {
			return tensor == null;
		}

		/** Whether this is dimension {@link #axis} of a tensor (not a value computed from dimensions). */
		boolean isDimension() {
			return tensor != null && !tensor.isEmpty();
		}
	}

	/** A tracked integer tensor: scalar or 1-D, its element type and elements. */
	private record Vector(boolean scalar, DataType type, List<Element> elements) {
		boolean allKnown() {
			return elements.stream().allMatch(Element::isKnown);
		}

		long[] values() {
			return elements.stream().mapToLong(Element::value).toArray();
		}
	}

	private static final int MAX_ELEMENTS = 64;

	private ShapeFolding() {
	}

	/** One pass over the main graph with the shapes ONNX Runtime infers now; returns the nodes replaced. */
	static List<String> fold(Graph g, StaticShapes shapes, int opset, List<Rewrite> rewrites) {
		Map<String, Vector> vectors = new HashMap<>();
		for (Tensor t : g.initializers()) {
			if ((t.dataType() == DataType.INT64 || t.dataType() == DataType.INT32) && t.dims().length <= 1 && t.elementCount() <= MAX_ELEMENTS) {
				List<Element> e = new ArrayList<>();
				Arrays.stream(t.toLongArray()).forEach(v -> e.add(Element.known(v)));
				vectors.put(t.name(), new Vector(t.dims().length == 0, t.dataType(), e));
			}
		}
		List<String> replaced = new ArrayList<>();
		Map<String, Integer> foldedOps = new java.util.TreeMap<>();
		for (Node n : g.topologicalOrder()) {
			if (!n.domain().isEmpty() || n.outputs().size() != 1 || n.output(0).isEmpty()) {
				continue;
			}
			Vector v = follow(n, vectors, shapes);
			if (v == null || v.elements().size() > MAX_ELEMENTS) {
				continue;
			}
			vectors.put(n.output(0), v);
			if (v.allKnown() && v.type() != DataType.BOOL && g.initializer(n.output(0)) == null) {
				long[] dims = v.scalar() ? new long[0] : new long[] { v.elements().size() };
				long[] values = v.values();
				g.putInitializer(v.type() == DataType.INT32
						? Tensor.ofInts(n.output(0), dims, Arrays.stream(values).mapToInt(Math::toIntExact).toArray())
						: Tensor.ofLongs(n.output(0), dims, values));
				g.nodes().remove(n);
				replaced.add(ConstantFolder.label(n));
				foldedOps.merge(n.opType(), 1, Integer::sum);
			}
		}
		if (!foldedOps.isEmpty()) {
			rewrites.add(new Rewrite(Rewrite.SHAPES, replaced.size() + " node" + (replaced.size() == 1 ? "" : "s")
					+ " computing shapes that ONNX Runtime's shape inference fixes became initializers (" + ConstantFolder.opCounts(foldedOps) + ")"));
		}
		for (Node r : List.copyOf(g.nodes())) {
			if (r.opType().equals("Reshape") && r.domain().isEmpty() && g.initializer(r.input(1)) == null) {
				Vector target = vectors.get(r.input(1));
				long[] resolved = target == null ? null : resolveTarget(g, r, target);
				if (resolved != null) {
					String name = g.uniqueName(r.input(1) + "_static", g.tensorNames());
					g.putInitializer(Tensor.ofLongs(name, new long[] { resolved.length }, resolved));
					rewrites.add(new Rewrite(Rewrite.SHAPES, "Reshape '" + ConstantFolder.label(r) + "': target " + Arrays.toString(resolved)
							+ " instead of '" + r.input(1) + "' computed at run time"));
					r.setInput(1, name);
					replaced.add(ConstantFolder.label(r) + " (target)");
				}
			}
		}
		if (opset >= 11) {
			for (Node c : List.copyOf(g.nodes())) {
				if (c.opType().equals("Concat") && c.domain().isEmpty() && g.nodes().contains(c)) {
					String made = expandedConstant(g, c, shapes, vectors, replaced);
					if (made != null) {
						rewrites.add(new Rewrite(Rewrite.SHAPES, made));
					}
				}
			}
		}
		return replaced;
	}

	/**
	 * A constant broadcast over the batch and joined to a tensor, as torchvision's VisionTransformer prepends its class
	 * token: {@code Concat(Expand(C, [batch, 1, 1]), x, axis=1)}, the Expand's target computed from {@code x.shape[0]} at run
	 * time (with a dynamic batch nothing of it folds: Shape, Gather, Unsqueeze, Concat, Reshape, Equal, Where, Expand and the
	 * Concat were float layers). Written without the batch: {@code Pad(x)} with zeros where C goes, plus a constant holding C
	 * there and zeros elsewhere, merged into the Add of a constant that reads the Concat (the position embedding) when there
	 * is one. Exact: 0 + C, x + 0 and (C + P) read 0 + (C + P) are the same floats (the sign of a zero sum aside). Returns
	 * the rewrite's description, or null when the Concat is not one; adds the Expand and the Concat to {@code removed}.
	 */
	private static String expandedConstant(Graph g, Node concat, StaticShapes shapes, Map<String, Vector> vectors, List<String> removed) {
		if (concat.inputs().size() != 2) {
			return null;
		}
		int at = -1;
		Node expand = null;
		for (int i = 0; i < 2; i++) {
			Node p = g.producer(concat.input(i)).orElse(null);
			if (p != null && p.opType().equals("Expand") && p.domain().isEmpty() && g.consumers(p.output(0)).size() == 1) {
				at = i;
				expand = p;
			}
		}
		if (expand == null) {
			return null;
		}
		String x = concat.input(1 - at);
		Tensor constant = g.initializer(expand.input(0));
		Vector target = vectors.get(expand.input(1));
		long[] dims = shapes.of(x);
		if (constant == null || constant.dataType() != DataType.FLOAT || target == null || target.scalar() || dims == null
				|| constant.dims().length != dims.length || target.elements().size() != dims.length) {
			return null;
		}
		int rank = dims.length;
		int axis = (int) concat.intAttribute("axis", 0);
		axis = axis < 0 ? axis + rank : axis;
		if (axis < 0 || axis >= rank || dims[axis] < 0) {
			return null;
		}
		long[] c = constant.dims();
		long[] block = new long[rank]; // the sum's constant: 1 where the batch broadcasts
		for (int j = 0; j < rank; j++) {
			Element e = target.elements().get(j);
			if (j == axis) {
				if (!e.isKnown() || !(c[j] == 1 || e.value() == 1 || e.value() == c[j])) {
					return null;
				}
				block[j] = dims[j] + Math.max(c[j], e.value());
			} else if (e.isKnown()) {
				long out = c[j] == 1 ? e.value() : c[j];
				if (!(e.value() == 1 || c[j] == 1 || e.value() == c[j]) || dims[j] < 0 || out != dims[j]) {
					return null;
				}
				block[j] = dims[j];
			} else {
				if (c[j] != 1 || !e.isDimension() || !sameDimension(g, x, j, e.tensor(), e.axis(), 0)) {
					return null;
				}
				block[j] = 1;
			}
		}
		long prefix = block[axis] - dims[axis];
		float[] values = broadcast(constant.toFloatArray(), c, block, axis, at == 0 ? 0 : dims[axis], prefix);
		// the Add of a constant that alone reads the Concat takes the class token into its constant
		List<Node> readers = g.consumers(concat.output(0));
		Node add = null;
		Tensor addend = null;
		if (readers.size() == 1 && readers.get(0).opType().equals("Add") && readers.get(0).domain().isEmpty() && readers.get(0).inputs().size() == 2
				&& !g.isOutput(concat.output(0))) {
			Node r = readers.get(0);
			Tensor t = g.initializer(r.input(0).equals(concat.output(0)) ? r.input(1) : r.input(0));
			if (t != null && t.dataType() == DataType.FLOAT && !r.input(0).equals(r.input(1)) && broadcastsTo(t.dims(), block)) {
				add = r;
				addend = t;
			}
		}
		if (add != null) {
			float[] a = broadcast(addend.toFloatArray(), leftPadded(addend.dims(), rank), block, -1, 0, 0);
			float[] mask = values;
			values = new float[a.length];
			boolean[] inBlock = prefixMask(block, axis, at == 0 ? 0 : dims[axis], prefix);
			for (int i = 0; i < a.length; i++) {
				values[i] = inBlock[i] ? mask[i] + a[i] : a[i];
			}
		}
		long[] pads = new long[2 * rank];
		pads[at == 0 ? axis : rank + axis] = prefix;
		String padsName = g.uniqueName(concat.output(0) + "_pads", g.tensorNames());
		g.putInitializer(Tensor.ofLongs(padsName, new long[] { pads.length }, pads));
		String padded = g.uniqueName(concat.output(0) + "_padded", g.tensorNames());
		String valuesName = g.uniqueName((add != null ? add.output(0) : concat.output(0)) + "_constant", g.tensorNames());
		g.putInitializer(Tensor.ofFloats(valuesName, block, values));
		int index = g.nodes().indexOf(concat);
		g.nodes().set(index, g.newNode(ai.onnx.proto.OnnxMl.NodeProto.newBuilder().setOpType("Pad").setName(concat.name() + "_pad").addInput(x)
				.addInput(padsName).addOutput(padded).build()));
		g.nodes().remove(expand);
		removed.add(ConstantFolder.label(expand)); // both are gone from the model (the conversion log lists them)
		removed.add(ConstantFolder.label(concat));
		if (add != null) {
			add.setInputs(List.of(padded, valuesName));
		} else {
			g.nodes().add(g.nodes().indexOf(g.producer(padded).orElseThrow()) + 1, g.newNode(ai.onnx.proto.OnnxMl.NodeProto.newBuilder().setOpType("Add")
					.setName(concat.name() + "_add").addInput(padded).addInput(valuesName).addOutput(concat.output(0)).build()));
		}
		return "Concat '" + ConstantFolder.label(concat) + "' of the constant '" + expand.input(0) + "' expanded over the batch: Pad of '" + x
				+ "' plus a constant" + (add != null ? " (merged into the Add '" + ConstantFolder.label(add) + "')" : "")
				+ ", no shape computed at run time";
	}

	private static long[] leftPadded(long[] dims, int rank) {
		long[] out = new long[rank];
		Arrays.fill(out, 1);
		System.arraycopy(dims, 0, out, rank - dims.length, dims.length);
		return out;
	}

	private static boolean broadcastsTo(long[] dims, long[] shape) {
		if (dims.length > shape.length) {
			return false;
		}
		long[] d = leftPadded(dims, shape.length);
		for (int j = 0; j < shape.length; j++) {
			if (d[j] != 1 && d[j] != shape[j]) {
				return false;
			}
		}
		return true;
	}

	/** Whether each element of a tensor of {@code shape} lies in [from, from + count) along {@code axis}. */
	private static boolean[] prefixMask(long[] shape, int axis, long from, long count) {
		int n = Math.toIntExact(Arrays.stream(shape).reduce(1, (p, q) -> p * q));
		boolean[] in = new boolean[n];
		long inner = 1;
		for (int j = axis + 1; j < shape.length; j++) {
			inner *= shape[j];
		}
		for (int i = 0; i < n; i++) {
			long along = i / inner % shape[axis];
			in[i] = along >= from && along < from + count;
		}
		return in;
	}

	/**
	 * {@code values} of shape {@code dims} (same rank, each 1 or the shape's) broadcast to {@code shape}; with {@code axis}
	 * at least 0, only into [from, from + count) along that axis (index along it counted from {@code from}), zeros elsewhere.
	 */
	private static float[] broadcast(float[] values, long[] dims, long[] shape, int axis, long from, long count) {
		int n = Math.toIntExact(Arrays.stream(shape).reduce(1, (p, q) -> p * q));
		float[] out = new float[n];
		int rank = shape.length;
		long[] index = new long[rank];
		for (int i = 0; i < n; i++) {
			long rest = i;
			for (int j = rank - 1; j >= 0; j--) {
				index[j] = rest % shape[j];
				rest /= shape[j];
			}
			if (axis >= 0 && (index[axis] < from || index[axis] >= from + count)) {
				continue;
			}
			long source = 0;
			for (int j = 0; j < rank; j++) {
				long k = axis == j ? index[j] - from : index[j];
				source = source * dims[j] + (dims[j] == 1 ? 0 : k);
			}
			out[i] = values[(int) source];
		}
		return out;
	}

	/** The constant target equivalent to {@code target} for this Reshape, or null when none is exact. */
	private static long[] resolveTarget(Graph g, Node reshape, Vector target) {
		boolean allowZero = reshape.intAttribute("allowzero", 0) != 0;
		List<Element> e = target.elements();
		long[] out = new long[e.size()];
		int unknown = -1;
		boolean hasInfer = false;
		for (int i = 0; i < out.length; i++) {
			Element x = e.get(i);
			if (x.isKnown()) {
				out[i] = x.value();
				hasInfer |= x.value() == -1;
				if (allowZero && x.value() == 0) {
					return null; // a real zero-sized dimension: no -1 can stand for anything then
				}
			} else if (!allowZero && x.isDimension() && sameDimension(g, reshape.input(0), i, x.tensor(), x.axis(), 0)) {
				out[i] = 0; // dimension i of the input itself, copied
			} else if (unknown < 0) {
				unknown = i;
			} else {
				return null; // two unknown elements
			}
		}
		if (unknown >= 0) {
			if (hasInfer) {
				return null;
			}
			out[unknown] = -1;
		}
		return out;
	}

	/** Ops whose output has their first input's shape. */
	private static final java.util.Set<String> SAME_SHAPE = java.util.Set.of("Relu", "LeakyRelu", "Sigmoid", "Tanh", "Clip", "HardSigmoid",
			"HardSwish", "Identity", "Cast", "Neg", "Abs", "Erf", "Softplus", "Elu", "Dropout", "PRelu", "Sqrt", "Exp", "Log", "Reciprocal",
			"Softmax", "LogSoftmax", "LRN", "InstanceNormalization", "Selu", "Celu", "Softsign", "Mish");

	/**
	 * Whether dimension {@code axis} of {@code tensor} is, in every run, dimension {@code sourceAxis} of {@code source}:
	 * the same tensor, or reached through ops that carry that dimension over unchanged (a Transpose moves it, a Reshape
	 * whose constant target copies it with 0, an Unsqueeze or Squeeze of constant axes shifts it, an op whose output has
	 * its input's shape, a binary op of a tensor with itself: torch's LocalResponseNorm squares x and unsqueezes it before
	 * reshaping it to a target that takes x's batch). ShuffleNet's channel shuffle
	 * reshapes its Transpose's output to the batch of the tensor before the Transpose: both Reshapes' targets become
	 * constant, ONNX Runtime then infers the shapes after them, and the rest of the block folds.
	 */
	private static boolean sameDimension(Graph g, String tensor, int axis, String source, int sourceAxis, int depth) {
		if (tensor.equals(source)) {
			return axis == sourceAxis;
		}
		Node p = g.producer(tensor).orElse(null);
		if (p == null || depth > 8 || !p.domain().isEmpty() || p.inputs().isEmpty() || !p.output(0).equals(tensor)) {
			return false;
		}
		switch (p.opType()) {
		case "Transpose" -> {
			List<Long> perm = p.intsAttribute("perm");
			return perm != null && axis < perm.size() && sameDimension(g, p.input(0), perm.get(axis).intValue(), source, sourceAxis, depth + 1);
		}
		case "Reshape" -> {
			Tensor t = p.inputs().size() > 1 ? g.initializer(p.input(1)) : null;
			if (t == null || p.intAttribute("allowzero", 0) != 0) {
				return false;
			}
			long[] target = t.toLongArray();
			return axis < target.length && target[axis] == 0 && sameDimension(g, p.input(0), axis, source, sourceAxis, depth + 1);
		}
		case "Unsqueeze", "Squeeze" -> {
			long[] axes = axes(g, p);
			if (axes == null || Arrays.stream(axes).anyMatch(a -> a < 0)) {
				return false; // a negative axis needs the rank; Squeeze without axes drops what run time says is 1
			}
			int in = axis;
			if (p.opType().equals("Unsqueeze")) { // output axis -> input axis: the inserted axes are no input's
				if (Arrays.stream(axes).anyMatch(a -> a == axis)) {
					return false;
				}
				in = axis - (int) Arrays.stream(axes).filter(a -> a < axis).count();
			} else { // input axis of the axis-th kept one
				long[] sorted = axes.clone();
				Arrays.sort(sorted);
				for (long a : sorted) {
					if (a <= in) {
						in++;
					}
				}
			}
			return sameDimension(g, p.input(0), in, source, sourceAxis, depth + 1);
		}
		case "Add", "Sub", "Mul", "Div", "Pow", "Max", "Min" -> { // x op x (torch's x * x): no broadcasting, x's shape
			return p.inputs().size() == 2 && p.input(0).equals(p.input(1)) && sameDimension(g, p.input(0), axis, source, sourceAxis, depth + 1);
		}
		default -> {
			return SAME_SHAPE.contains(p.opType()) && sameDimension(g, p.input(0), axis, source, sourceAxis, depth + 1);
		}
		}
	}

	/** An Unsqueeze's or Squeeze's axes, from the attribute (opset < 13) or the constant second input; null if unknown. */
	private static long[] axes(Graph g, Node p) {
		List<Long> attr = p.intsAttribute("axes");
		if (attr != null) {
			return attr.stream().mapToLong(Long::longValue).toArray();
		}
		Tensor t = p.inputs().size() > 1 && !p.input(1).isEmpty() ? g.initializer(p.input(1)) : null;
		return t == null ? null : t.toLongArray();
	}

	/** The vector {@code n} outputs, if it is one of the element-copying ops over tracked vectors. */
	private static Vector follow(Node n, Map<String, Vector> vectors, StaticShapes shapes) {
		Vector in = vectors.get(n.input(0));
		switch (n.opType()) {
		case "Shape" -> {
			long[] d = shapes.of(n.input(0));
			if (d == null) {
				return null;
			}
			int rank = d.length;
			int start = clampAxis(n.intAttribute("start", 0), rank);
			int end = clampAxis(n.intAttribute("end", rank), rank);
			List<Element> e = new ArrayList<>();
			for (int i = start; i < end; i++) {
				e.add(d[i] >= 0 ? Element.known(d[i]) : new Element(0, n.input(0), i));
			}
			return new Vector(false, DataType.INT64, e);
		}
		case "Identity" -> {
			return in;
		}
		case "Cast" -> {
			long to = n.intAttribute("to", 0);
			return in != null && (to == DataType.INT64.code() || to == DataType.INT32.code())
					? new Vector(in.scalar(), to == DataType.INT64.code() ? DataType.INT64 : DataType.INT32, in.elements())
					: null;
		}
		case "Gather" -> {
			Vector idx = vectors.get(n.input(1));
			if (in == null || in.scalar() || n.intAttribute("axis", 0) != 0 || idx == null || !idx.allKnown()) {
				return null;
			}
			List<Element> e = new ArrayList<>();
			for (long i : idx.values()) {
				long at = i < 0 ? i + in.elements().size() : i;
				if (at < 0 || at >= in.elements().size()) {
					return null;
				}
				e.add(in.elements().get((int) at));
			}
			return new Vector(idx.scalar(), in.type(), e);
		}
		case "Unsqueeze" -> {
			List<Long> axes = axes(n, vectors);
			return in != null && in.scalar() && axes != null && axes.size() == 1 && (axes.get(0) == 0 || axes.get(0) == -1)
					? new Vector(false, in.type(), in.elements())
					: null;
		}
		case "Squeeze" -> {
			return in != null && !in.scalar() && in.elements().size() == 1 ? new Vector(true, in.type(), in.elements()) : null;
		}
		case "Concat" -> {
			if (n.intAttribute("axis", 0) != 0 && n.intAttribute("axis", 0) != -1) {
				return null;
			}
			List<Element> e = new ArrayList<>();
			DataType type = null;
			for (String i : n.inputs()) {
				Vector part = vectors.get(i);
				if (part == null || part.scalar() || type != null && type != part.type()) {
					return null;
				}
				type = part.type();
				e.addAll(part.elements());
			}
			return type == null ? null : new Vector(false, type, e);
		}
		case "Reshape" -> {
			Vector to = vectors.get(n.input(1));
			// a vector reshaped to one dimension ([-1] or [n]) keeps its elements
			return in != null && to != null && to.allKnown() && to.elements().size() == 1
					&& (to.values()[0] == -1 || to.values()[0] == in.elements().size()) ? new Vector(false, in.type(), in.elements()) : null;
		}
		case "Slice" -> {
			return slice(n, in, vectors);
		}
		case "Add", "Sub", "Mul", "Div" -> {
			return arithmetic(n, in, vectors.get(n.input(1)));
		}
		case "Equal" -> {
			return equal(in, vectors.get(n.input(1)));
		}
		case "Where" -> {
			return where(in, vectors.get(n.input(1)), vectors.get(n.input(2)));
		}
		default -> {
			return null;
		}
		}
	}

	/**
	 * Element-wise integer arithmetic on two tracked vectors (nn.MultiheadAttention's batch × heads, tokens × batch): known
	 * where both operands are known (ONNX Runtime's integer Div truncates, as Java's), {@link Element#COMPUTED} where
	 * either is not. A Reshape target with a single computed element still becomes constant, with -1 there.
	 */
	private static Vector arithmetic(Node n, Vector a, Vector b) {
		if (a == null || b == null || a.type() != b.type() || a.type() == DataType.BOOL) {
			return null;
		}
		int size = Math.max(a.elements().size(), b.elements().size());
		if (a.elements().size() != size && a.elements().size() != 1 || b.elements().size() != size && b.elements().size() != 1) {
			return null;
		}
		List<Element> out = new ArrayList<>();
		for (int i = 0; i < size; i++) {
			Element x = a.elements().get(a.elements().size() == 1 ? 0 : i);
			Element y = b.elements().get(b.elements().size() == 1 ? 0 : i);
			if (!x.isKnown() || !y.isKnown() || n.opType().equals("Div") && y.value() == 0) {
				out.add(Element.COMPUTED);
				continue;
			}
			long v = switch (n.opType()) {
			case "Add" -> x.value() + y.value();
			case "Sub" -> x.value() - y.value();
			case "Mul" -> x.value() * y.value();
			default -> x.value() / y.value();
			};
			out.add(Element.known(a.type() == DataType.INT32 ? (int) v : v));
		}
		return new Vector(a.scalar() && b.scalar(), a.type(), out);
	}

	/**
	 * Equal of two tracked vectors, as a BOOL vector (1 true, 0 false): known where both are known, and false where a
	 * dimension is compared with a negative number (a dimension is never negative). torch exports {@code expand(-1, ...)}
	 * (a ViT's class token) as Where(Equal(sizes, -1), 1, sizes): the sizes then stay followed element by element.
	 */
	private static Vector equal(Vector a, Vector b) {
		if (a == null || b == null || a.type() == DataType.BOOL || a.type() != b.type() || a.elements().size() != b.elements().size()) {
			return null;
		}
		List<Element> out = new ArrayList<>();
		for (int i = 0; i < a.elements().size(); i++) {
			Element x = a.elements().get(i);
			Element y = b.elements().get(i);
			if (x.isKnown() && y.isKnown()) {
				out.add(Element.known(x.value() == y.value() ? 1 : 0));
			} else if (x.isKnown() && x.value() < 0 && y.isDimension() || y.isKnown() && y.value() < 0 && x.isDimension()) {
				out.add(Element.known(0));
			} else {
				out.add(Element.COMPUTED);
			}
		}
		return new Vector(a.scalar() && b.scalar(), DataType.BOOL, out);
	}

	/** Where over tracked vectors of one length: the chosen element where the condition is known. */
	private static Vector where(Vector condition, Vector a, Vector b) {
		if (condition == null || a == null || b == null || condition.type() != DataType.BOOL || a.type() != b.type()
				|| a.elements().size() != condition.elements().size() || b.elements().size() != condition.elements().size()) {
			return null;
		}
		List<Element> out = new ArrayList<>();
		for (int i = 0; i < condition.elements().size(); i++) {
			Element c = condition.elements().get(i);
			out.add(!c.isKnown() ? Element.COMPUTED : c.value() != 0 ? a.elements().get(i) : b.elements().get(i));
		}
		return new Vector(condition.scalar(), a.type(), out);
	}

	private static Vector slice(Node n, Vector in, Map<String, Vector> vectors) {
		if (in == null || in.scalar()) {
			return null;
		}
		long start;
		long end;
		long step = 1;
		if (n.attribute("starts").isPresent()) { // Slice-1: attributes
			if (n.intsAttribute("starts").size() != 1 || n.intsAttribute("axes").size() > 1 && n.intsAttribute("axes").get(0) != 0) {
				return null;
			}
			start = n.intsAttribute("starts").get(0);
			end = n.intsAttribute("ends").get(0);
		} else {
			Vector s = vectors.get(n.input(1));
			Vector e = vectors.get(n.input(2));
			Vector axes = n.input(3).isEmpty() ? null : vectors.get(n.input(3));
			Vector steps = n.input(4).isEmpty() ? null : vectors.get(n.input(4));
			if (s == null || e == null || !s.allKnown() || !e.allKnown() || s.elements().size() != 1 || !n.input(3).isEmpty() && (axes == null
					|| !axes.allKnown() || axes.values()[0] != 0 && axes.values()[0] != -1) || !n.input(4).isEmpty() && (steps == null || !steps.allKnown())) {
				return null;
			}
			start = s.values()[0];
			end = e.values()[0];
			step = steps == null ? 1 : steps.values()[0];
		}
		int size = in.elements().size();
		if (step <= 0) {
			return null; // reversed slices of shapes do not occur in exporters' output
		}
		long from = Math.max(0, Math.min(size, start < 0 ? start + size : start));
		long to = Math.max(0, Math.min(size, end < 0 ? end + size : end));
		List<Element> out = new ArrayList<>();
		for (long i = from; i < to; i += step) {
			out.add(in.elements().get((int) i));
		}
		return new Vector(false, in.type(), out);
	}

	private static List<Long> axes(Node n, Map<String, Vector> vectors) {
		if (n.attribute("axes").isPresent()) {
			return n.intsAttribute("axes");
		}
		Vector a = vectors.get(n.input(1));
		return a == null || !a.allKnown() ? null : Arrays.stream(a.values()).boxed().toList();
	}

	private static int clampAxis(long axis, int rank) {
		long a = axis < 0 ? axis + rank : axis;
		return (int) Math.max(0, Math.min(rank, a));
	}
}
