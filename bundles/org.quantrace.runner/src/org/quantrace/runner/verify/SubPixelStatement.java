package org.quantrace.runner.verify;

import static org.quantrace.runner.verify.Repeats.clamps;
import static org.quantrace.runner.verify.Repeats.dequantized;
import static org.quantrace.runner.verify.Repeats.group;
import static org.quantrace.runner.verify.Repeats.ints;
import static org.quantrace.runner.verify.Repeats.orOnes;
import static org.quantrace.runner.verify.Repeats.orZeros;

import java.util.List;

import org.quantrace.engine.onnx.Tensor;
import org.quantrace.runner.verify.Repeats.Dequantized;

import ai.onnx.proto.OnnxMl.NodeProto;

/**
 * One ConvTranspose's phases, as {@link Repeats} checks a ConvTranspose the quantized model computes as a sub-pixel Conv and
 * an interleave of its phases: the statement its record must hold, or words no honest record has.
 */
final class SubPixelStatement {
	private final ModelFacts model;
	private final ModelFacts input;
	private final NodeProto up;
	private final NodeProto conv;
	private final long[] d;
	private final float[] f;
	private final long sh;
	private final long sw;
	private final long kh;
	private final long kw;
	private final List<Long> pads;
	private final float[] bias;

	SubPixelStatement(ModelFacts model, ModelFacts input, NodeProto up, NodeProto conv, Tensor w) {
		this.model = model;
		this.input = input;
		this.up = up;
		this.conv = conv;
		d = w.dims();
		f = w.toFloatArray();
		List<Long> s = orOnes(ints(up, "strides"));
		sh = s.get(0);
		sw = s.get(1);
		kh = (d[2] + sh - 1) / sh;
		kw = (d[3] + sw - 1) / sw;
		pads = orZeros(ints(up, "pads"), 4);
		Tensor b = up.getInputCount() > 2 && !up.getInput(2).isEmpty() ? input.value(up.getInput(2)) : null;
		bias = b == null ? null : b.toFloatArray();
	}

	String check() {
		long cin = d[0];
		long cout = d[1];
		long phases = sh * sw * cout;
		String words = "ConvTranspose (stride " + sh + "x" + sw + ") rewritten as a sub-pixel Conv " + cin + " → " + phases + " of its " + sh * sw
				+ " phases' taps and an interleave of the phases";
		Dequantized q = conv.getInputCount() < 2 ? null : dequantized(model, conv.getInput(1));
		List<Long> convPads = orZeros(ints(conv, "pads"), 4);
		if (group(up) != 1 || !orOnes(ints(up, "dilations")).equals(List.of(1L, 1L)) || group(conv) != 1
				|| !orOnes(ints(conv, "strides")).equals(List.of(1L, 1L)) || !orOnes(ints(conv, "dilations")).equals(List.of(1L, 1L))
				|| !orOnes(ints(conv, "kernel_shape")).equals(List.of(kh, kw)) || convPads.get(0) != kh - 1 - pads.get(0) / sh
				|| convPads.get(1) != kw - 1 - pads.get(1) / sw || q == null || q.dims().length != 4 || q.dims()[0] != phases || q.dims()[1] != cin
				|| q.dims()[2] != kh || q.dims()[3] != kw) {
			return "ConvTranspose computed by a Conv that is not its " + sh * sw + " phases' window [" + phases + ", " + cin + ", " + kh + ", " + kw + "]";
		}
		if (!q.near(this::tap)) {
			return "ConvTranspose computed by a Conv whose weights are not its phases' taps";
		}
		boolean biased = up.getInputCount() > 2 && !up.getInput(2).isEmpty();
		Dequantized b = conv.getInputCount() > 2 && !conv.getInput(2).isEmpty() ? dequantized(model, conv.getInput(2)) : null;
		if (biased != (b != null) || b != null && (bias == null || b.dims().length != 1 || b.dims()[0] != phases || !b.near(i -> bias[(int) (i % cout)]))) {
			return "ConvTranspose computed by a Conv whose bias is not its bias once per phase";
		}
		String wrong = interleave(cout);
		return wrong != null ? wrong : words;
	}

	/** The phase weight at flat index i of [s_h·s_w·C_out, C_in, K_h, K_w]. */
	private double tap(int i) {
		long jw = i % kw;
		long jh = i / kw % kh;
		long ci = i / (kw * kh) % d[0];
		long o = i / (kw * kh * d[0]);
		long c = o % d[1];
		long rw = o / d[1] % sw;
		long rh = o / d[1] / sw;
		long th = (kh - 1 - jh) * sh + rh;
		long tw = (kw - 1 - jw) * sw + rw;
		return th < d[2] && tw < d[3] ? f[(int) (((ci * d[1] + c) * d[2] + th) * d[3] + tw)] : 0;
	}

	/** Why the nodes from the Conv's output to the ConvTranspose's output are not the interleave of its phases, or null. */
	private String interleave(long cout) {
		String at = conv.getOutput(0);
		// a Relu that was the ConvTranspose's only reader goes before the interleave, kept or clamped by the Conv's QuantizeLinear
		List<NodeProto> readers = input.consumers(up.getOutput(0));
		NodeProto relu = readers.size() == 1 && readers.get(0).getOpType().equals("Relu") ? readers.get(0) : null;
		NodeProto first = next(at);
		boolean kept = first != null && first.getOpType().equals("Relu");
		if (kept) {
			at = first.getOutput(0);
		}
		String end = relu != null && (kept || clamps(model, conv.getOutput(0))) ? relu.getOutput(0) : up.getOutput(0);
		List<List<Long>> perms = List.of(List.of(0L, 2L, 3L, 1L), List.of(0L, 1L, 3L, 2L, 4L), List.of(0L, 3L, 1L, 2L));
		for (int step = 0; step < 5; step++) {
			NodeProto n = next(at);
			String op = step % 2 == 0 ? "Transpose" : "Reshape";
			if (n == null || !n.getOpType().equals(op)) {
				return "ConvTranspose computed by a Conv whose phases are not interleaved (step " + (step + 1) + " is no " + op + ")";
			}
			if (op.equals("Transpose") && !ints(n, "perm").equals(perms.get(step / 2))) {
				return "ConvTranspose computed by a Conv whose phases are moved by Transpose '" + n.getName() + "' of perm " + ints(n, "perm");
			}
			Tensor shape = op.equals("Reshape") && n.getInputCount() > 1 ? model.value(n.getInput(1)) : null;
			long[] v = shape == null ? null : shape.toLongArray();
			if (op.equals("Reshape") && (v == null || !(step == 1 ? java.util.Arrays.equals(v, new long[] { 0, 0, 0, sh, sw * cout })
					: v.length == 4 && v[0] == 0 && v[1] == -1 && v[2] > 0 && v[2] % sw == 0 && v[3] == cout))) {
				return "ConvTranspose computed by a Conv whose phases are reshaped by '" + n.getName() + "' to " + java.util.Arrays.toString(v);
			}
			at = n.getOutput(0);
		}
		NodeProto crop = at.equals(end) ? null : next(at);
		if (crop != null && crop.getOpType().equals("Slice") && crop.getOutput(0).equals(end)) {
			long[] starts = longs(crop, 1);
			long[] axes = longs(crop, 3);
			if (starts == null || axes == null || !java.util.Arrays.equals(axes, new long[] { 2, 3 })
					|| !java.util.Arrays.equals(starts, new long[] { pads.get(0) % sh, pads.get(1) % sw })) {
				return "ConvTranspose computed by a Conv whose interleaved phases are cropped by '" + crop.getName() + "' elsewhere than from its pads";
			}
			at = crop.getOutput(0);
		}
		if (kept && relu == null) {
			return "ConvTranspose computed by a Conv whose phases pass a Relu '" + first.getName() + "' the float model does not have";
		}
		return at.equals(end) ? null : "ConvTranspose computed by a Conv whose interleaved phases do not end in '" + end + "'";
	}

	private long[] longs(NodeProto n, int input) {
		Tensor t = n.getInputCount() > input ? model.value(n.getInput(input)) : null;
		return t == null ? null : t.toLongArray();
	}

	/** The one node reading {@code tensor}, past QuantizeLinear/DequantizeLinear hops; null: none or several. */
	private NodeProto next(String tensor) {
		List<NodeProto> readers = model.consumers(tensor);
		while (readers.size() == 1 && (readers.get(0).getOpType().equals("QuantizeLinear") || readers.get(0).getOpType().equals("DequantizeLinear"))) {
			readers = model.consumers(readers.get(0).getOutput(0));
		}
		return readers.size() == 1 ? readers.get(0) : null;
	}
}
