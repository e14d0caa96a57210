package org.quantrace.runner.verify;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

import org.quantrace.engine.onnx.Graph;
import org.quantrace.engine.onnx.Node;
import org.quantrace.engine.onnx.OnnxModel;
import org.quantrace.engine.onnx.Tensor;

/**
 * A conversion that folded a quantization-aware-trained export's Div, BatchNormalization (and Mul, Add, Relu) after a QDQ
 * Conv into its weight scales and an int32 bias, re-derived by a second path from the original model: the converted
 * codes must be the original's (its stored codes, or ONNX's QuantizeLinear of its float weight), mirrored about the zero
 * point where the channel's factor is negative; each scale s·|A| and the int32 bias the nearest integer to (A·b + B) /
 * (s_x·s'), where A·conv + B is what the original's ops compute after the Conv (taken from their constants here, not
 * from the conversion). A converted model whose codes, scales or bias were edited with every hash recomputed, by less than
 * the conversion's output check sees, is found here.
 */
public final class TrainedScales {

	private TrainedScales() {
	}

	/** What differs, one line per layer (empty when every folded Conv of {@code converted} is re-derived from {@code original}). */
	public static List<String> mismatches(OnnxModel original, OnnxModel converted) {
		List<String> out = new ArrayList<>();
		Graph og = original.graph();
		Graph cg = converted.graph();
		for (Node oc : og.nodes()) {
			List<Node> after = LAYERS.contains(oc.opType()) ? after(og, oc) : List.of();
			Node cc = after.isEmpty() ? null : counterpart(cg, oc, after);
			Node owdq = producer(og, oc, 1, "DequantizeLinear");
			Node cwdq = cc == null ? null : producer(cg, cc, 1, "DequantizeLinear");
			// a layer the conversion folded reads stored codes at scales of its own; one it left reads the original's scale;
			// one with nothing after it had nothing folded into it
			if (owdq == null || cwdq == null || cg.initializer(cwdq.input(0)) == null || cwdq.input(1).equals(owdq.input(1))) {
				continue;
			}
			String why = layer(og, oc, owdq, after, cg, cc, cwdq);
			if (why != null) {
				String name = oc.name().isEmpty() ? oc.opType() + " -> " + oc.output(0) : oc.name();
				out.add("'" + name + "' (its " + after.stream().map(Node::opType).toList() + " folded into its weight scales and bias): " + why);
			}
		}
		return out;
	}

	/**
	 * The converted model's layer that was {@code oc}: the node of its name and op; for an unnamed original (onnx.helper, a
	 * stripped export: the conversion names the nodes it keeps, so names cannot pair them) the node of its op that reads the
	 * original's input tensor and writes what the last op folded into it wrote (the fold keeps both tensors); else null.
	 */
	private static Node counterpart(Graph cg, Node oc, List<Node> after) {
		String written = after.get(after.size() - 1).output(0);
		// a MatMul of a matrix whose shift needed a bias was made a Gemm (transB 0: the same weight axes)
		String op = oc.opType().equals("MatMul") && cg.nodes().stream().anyMatch(n -> n.opType().equals("Gemm") && n.output(0).equals(written)) ? "Gemm" : oc.opType();
		return cg.nodes().stream().filter(n -> n.opType().equals(op) && (oc.name().isEmpty()
				? !n.inputs().isEmpty() && n.input(0).equals(oc.input(0)) && n.output(0).equals(written) : n.name().equals(oc.name()))).findFirst().orElse(null);
	}

	/** The layers a QAT export's fold can take: their QDQ form runs on an integer kernel when a QuantizeLinear reads them. */
	private static final List<String> LAYERS = List.of("Conv", "ConvTranspose", "Gemm", "MatMul");

	/** The axis of the layer's weight that holds its output channels: ConvTranspose [C, M, k...] 1, Gemm 0 with transB, MatMul 1. */
	private static int outputAxis(Node layer) {
		return switch (layer.opType()) {
		case "ConvTranspose", "MatMul" -> 1;
		case "Gemm" -> layer.intAttribute("transB", 0) != 0 ? 0 : 1;
		default -> 0;
		};
	}

	/** The channel on {@code axis} of element {@code i} of a tensor of {@code dims}. */
	private static int channel(long[] dims, int axis, int i) {
		long inner = 1;
		for (int d = axis + 1; d < dims.length; d++) {
			inner *= dims[d];
		}
		return (int) (i / inner % dims[axis]);
	}

	/** The ops after the Conv up to the QuantizeLinear the original writes its output with, each the one reader of the last. */
	private static List<Node> after(Graph g, Node conv) {
		List<Node> ops = new ArrayList<>();
		String t = conv.output(0);
		while (g.consumers(t).size() == 1) {
			Node r = g.consumers(t).get(0);
			if (!List.of("Div", "Mul", "Add", "BatchNormalization", "Relu").contains(r.opType())) {
				break;
			}
			ops.add(r);
			t = r.output(0);
		}
		return ops;
	}

	private static String layer(Graph og, Node oc, Node owdq, List<Node> after, Graph cg, Node cc, Node cwdq) {
		long[] codes = originalCodes(og, owdq, outputAxis(oc));
		Tensor os = constant(og, owdq.input(1));
		Tensor cs0 = constant(cg, cwdq.input(1));
		if (codes == null || os == null || cs0 == null) {
			return "the original's weight codes or scales, or the converted scales, are no constants";
		}
		float[] s = os.toFloatArray();
		Tensor oz = owdq.inputs().size() > 2 && !owdq.input(2).isEmpty() ? constant(og, owdq.input(2)) : null;
		long[] z = oz == null ? new long[1] : oz.toLongArray();
		long[] dims = cg.initializer(cwdq.input(0)).dims();
		int axis = outputAxis(oc);
		int channels = dims.length < (oc.opType().startsWith("Conv") ? 3 : 2) ? 0 : (int) dims[axis];
		if (channels < 1 || s.length != 1 && s.length != channels || z.length != 1 && z.length != channels) {
			return "the converted weight is no " + oc.opType() + " weight, or the original's scales and zero points are not per output channel";
		}
		double[] scale = new double[channels];
		double[] shift = new double[channels];
		java.util.Arrays.fill(scale, 1);
		for (Node op : after) {
			if (!op.opType().equals("Relu") && !affine(og, op, scale, shift)) {
				return "'" + op.name() + "' is no per-channel map of constants";
			}
		}
		long[] cq = cg.initializer(cwdq.input(0)).toLongArray();
		float[] cs = cs0.toFloatArray();
		Node bdq = producer(cg, cc, 2, "DequantizeLinear");
		Tensor xs = Optional.ofNullable(producer(og, oc, 0, "DequantizeLinear")).map(d -> constant(og, d.input(1))).orElse(null);
		if (cc.opType().equals("Gemm") && (cc.intAttribute("transA", 0) != 0 || cc.intAttribute("transB", 0) != (oc.opType().equals("MatMul") ? 0 : oc.intAttribute("transB", 0)))) {
			return "the converted Gemm transposes differently from the original " + oc.opType();
		}
		if (oc.opType().equals("MatMul") && cc.opType().equals("MatMul")) {
			// a MatMul takes no bias: the fold is exact only where nothing shifts its output
			return cc.inputs().size() > 2 ? "a MatMul reads a bias" : java.util.Arrays.stream(shift).anyMatch(v -> v != 0)
					? "what followed the MatMul shifts its output, which a MatMul without a bias cannot hold" : weights(codes, cq, cs, s, z, scale, dims, axis);
		}
		Tensor cb = bdq == null ? null : constant(cg, bdq.input(0));
		Tensor bs = bdq == null ? null : constant(cg, bdq.input(1));
		if (cb == null || bs == null || xs == null || xs.elementCount() != 1 || cs.length != channels || cb.elementCount() != channels
				|| bs.elementCount() != channels) {
			return "the converted " + oc.opType() + " has no per-channel int32 bias through a DequantizeLinear";
		}
		long[] bias = cb.toLongArray();
		float[] biasScale = bs.toFloatArray();
		Tensor ob = oc.inputs().size() > 2 && !oc.input(2).isEmpty() ? constant(og, oc.input(2)) : null;
		float[] b = ob != null ? ob.toFloatArray() : new float[channels];
		if (b.length != channels) {
			return "the original's bias does not have the converted " + oc.opType() + "'s " + channels + " output channels";
		}
		String weights = weights(codes, cq, cs, s, z, scale, dims, axis);
		if (weights != null) {
			return weights;
		}
		for (int c = 0; c < channels; c++) {
			double bsc = (double) xs.toFloatArray()[0] * cs[c];
			if (Math.abs(biasScale[c] - bsc) > 1e-6 * bsc) {
				return String.format(Locale.ROOT, "bias scale of channel %d: says %.9g, re-derived s_x·s_w %.9g", c, biasScale[c], bsc);
			}
			double real = (scale[c] * b[c] + shift[c]) / biasScale[c];
			if (Math.abs(bias[c] - real) > 0.5 + 1e-6 * Math.max(1, Math.abs(real))) {
				return String.format(Locale.ROOT, "int32 bias of channel %d: says %d, re-derived %.3f (A·b + B over its scale)", c, bias[c], real);
			}
		}
		return null;
	}

	/** The converted codes and scales against the original's codes mirrored where the factor is negative and scales s·|A|. */
	private static String weights(long[] codes, long[] cq, float[] cs, float[] s, long[] z, double[] scale, long[] dims, int axis) {
		int channels = scale.length;
		if (cq.length != codes.length || cs.length != channels) {
			return "the original's weight or the converted scales do not have the converted layer's " + channels + " output channels";
		}
		for (int i = 0; i < cq.length; i++) {
			int c = channel(dims, axis, i);
			long zc = z[z.length == 1 ? 0 : c];
			long expected = scale[c] < 0 ? 2 * zc - codes[i] : codes[i];
			if (cq[i] != expected) {
				return "weight code " + i + " (channel " + c + "): says " + cq[i] + ", re-derived " + expected + " from the original's codes";
			}
		}
		for (int c = 0; c < channels; c++) {
			double sc = s[s.length == 1 ? 0 : c] * Math.abs(scale[c]);
			if (Math.abs(cs[c] - sc) > 1e-6 * sc) {
				return String.format(Locale.ROOT, "weight scale of channel %d: says %.9g, re-derived %.9g", c, cs[c], sc);
			}
		}
		return null;
	}

	/** Composes op's k·x + t into (scale, shift); false when its constants are not one value per channel or one for all. */
	private static boolean affine(Graph g, Node op, double[] scale, double[] shift) {
		int n = scale.length;
		if (op.opType().equals("BatchNormalization")) {
			if (op.inputs().size() != 5) {
				return false;
			}
			float[][] p = new float[4][];
			for (int j = 0; j < 4; j++) {
				Tensor t = constant(g, op.input(j + 1));
				if (t == null || t.elementCount() != n) {
					return false;
				}
				p[j] = t.toFloatArray();
			}
			double eps = op.floatAttribute("epsilon", 1e-5f);
			for (int c = 0; c < n; c++) {
				double k = p[0][c] / Math.sqrt(p[3][c] + eps);
				scale[c] *= k;
				shift[c] = (shift[c] - p[2][c]) * k + p[1][c];
			}
			return true;
		}
		if (op.inputs().size() != 2) {
			return false;
		}
		Tensor t = constant(g, op.input(1)) != null ? constant(g, op.input(1)) : constant(g, op.input(0));
		if (t == null || t.elementCount() != 1 && t.elementCount() != n) {
			return false;
		}
		float[] v = t.toFloatArray();
		for (int c = 0; c < n; c++) {
			double k = v[v.length == 1 ? 0 : c];
			switch (op.opType()) {
			case "Div" -> {
				scale[c] /= k;
				shift[c] /= k;
			}
			case "Mul" -> {
				scale[c] *= k;
				shift[c] *= k;
			}
			default -> shift[c] += k;
			}
		}
		return true;
	}

	/** The original weight's codes: stored, or ONNX's QuantizeLinear of its float weight (round half to even of w / s, in float). */
	private static long[] originalCodes(Graph g, Node wdq, int axis) {
		Tensor stored = constant(g, wdq.input(0));
		if (stored != null) {
			return stored.toLongArray();
		}
		Node wq = g.producer(wdq.input(0)).orElse(null);
		Tensor w = wq == null ? null : constant(g, wq.input(0));
		if (w == null) {
			return null;
		}
		Tensor st = constant(g, wq.input(1));
		if (st == null || w.dims().length == 0) {
			return null;
		}
		float[] wf = w.toFloatArray();
		float[] s = st.toFloatArray();
		Tensor zt = wq.inputs().size() > 2 && !wq.input(2).isEmpty() ? constant(g, wq.input(2)) : null;
		long[] z = zt == null ? new long[1] : zt.toLongArray();
		boolean signed = zt != null && zt.dataType() == org.quantrace.engine.onnx.DataType.INT8;
		if (s.length != 1 && (w.dims().length <= axis || w.dims()[axis] != s.length)) {
			return null;
		}
		long[] q = new long[wf.length];
		for (int i = 0; i < wf.length; i++) {
			int c = s.length == 1 ? 0 : channel(w.dims(), axis, i);
			long v = (long) Math.rint(wf[i] / s[c]) + z[z.length == 1 ? 0 : c];
			q[i] = Math.max(signed ? -128 : 0, Math.min(signed ? 127 : 255, v));
		}
		return q;
	}

	/** A constant, also through the Identity nodes torch's export reads shared zero points through. */
	private static Tensor constant(Graph g, String name) {
		Node p = g.producer(name).orElse(null);
		return p != null && p.opType().equals("Identity") ? constant(g, p.input(0)) : g.constant(name);
	}

	/** The node of {@code opType} that writes input {@code i} of {@code n}, or null. */
	private static Node producer(Graph g, Node n, int i, String opType) {
		return n.inputs().size() > i ? g.producer(n.input(i)).filter(p -> p.opType().equals(opType)).orElse(null) : null;
	}
}
