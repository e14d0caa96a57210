package org.quantrace.engine.quantize;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

import org.quantrace.engine.calibrate.Calibrator;
import org.quantrace.engine.onnx.Graph;
import org.quantrace.engine.onnx.Node;
import org.quantrace.engine.onnx.OnnxModel;
import org.quantrace.engine.onnx.Tensor;
import org.quantrace.engine.onnx.TensorInfo;

/**
 * Rewrites, before a full-integer model is planned and calibrated, each 2-D ConvTranspose the op table says to rewrite
 * ({@link OpRules#subPixelConvTranspose}) as a sub-pixel Conv and an interleave of its phases, exactly in float.
 * <p>
 * ConvTranspose of stride s, kernel k, begin pad p: output u + p = q·s + r (phase r &lt; s) sums x[q - m]·w[m·s + r] over
 * m &lt; K = ceil(k/s). So phase r is a Conv of kernel K over x with the taps w[(K-1-j)·s + r] (flipped; 0 past k), begin pad
 * K-1 - floor(p/s): one Conv of s_h·s_w·C_out output channels, channel (r_h·s_w + r_w)·C_out + c, under the ConvTranspose's
 * name, its bias repeated per phase. Its phases are interleaved channel-last, by moves ONNX Runtime runs on the codes and
 * partly cancels against the NHWC QLinearConv's own Transposes (speed13 measured DepthToSpace slower): Transpose
 * [0, 2, 3, 1], Reshape [N, H, W, s_h, s_w·C], Transpose [0, 1, 3, 2, 4], Reshape [N, H·s_h, W·s_w, C], Transpose
 * [0, 3, 1, 2], and a Slice that crops pad mod s in front and what lies past the output behind (pads, output_padding).
 * Positions past the ConvTranspose's own taps get only the bias in both forms, so output_padding is exact too. A Relu that
 * is the ConvTranspose's only reader moves before the interleave, where the Conv's QuantizeLinear clamps it.
 * <p>
 * A rewrite the plan then leaves float (an exclusion, float-slow-kernels, a recovery trial) is undone: the float form ran
 * slower than the float ConvTranspose ({@link Rewrites}). The Conv's layer says what was done ({@link #rewritten}), a
 * ConvTranspose left as it is why ({@link #left}); verify re-derives the weights and the interleave from the two models.
 */
public final class SubPixelConvs {

	private SubPixelConvs() {
	}

	/** Whether {@code graph} holds a ConvTranspose (rewritten or said why not, so that the caller finds the shapes first). */
	static boolean any(Graph graph) {
		return graph.nodes().stream().anyMatch(n -> "ConvTranspose".equals(n.opType()));
	}

	/** What {@link #apply} did. Its rule: a rewrite is undone when the plan leaves the sub-pixel Conv float. */
	static final class Rewrites extends ExactRewrites {
		@Override
		boolean undoes(Graph graph, Rewrite r, Predicate<String> leftFloat) {
			return leftFloat.test(r.convs().get(0).name());
		}
	}

	/**
	 * The float model with every ConvTranspose the op table rewrites written as its sub-pixel Conv and interleave: what the
	 * quantizer quantizes in its place, for checking it against ONNX Runtime's ConvTranspose.
	 */
	public static OnnxModel floatForm(OnnxModel source, String modelName) {
		OnnxModel model = source.copy();
		apply(model.graph(), Calibrator.shapes(model, modelName), n -> true);
		return model;
	}

	/**
	 * Rewrites the ConvTransposes the op table says to rewrite whose input's height and width {@code types} knows and that
	 * {@code eligible} accepts (they will run on 8-bit integers); notes why for the others.
	 */
	static Rewrites apply(Graph graph, Map<String, TensorInfo> types, Predicate<Node> eligible) {
		Rewrites rewrites = new Rewrites();
		GraphEditor ed = new GraphEditor(graph);
		for (Node up : List.copyOf(graph.nodes())) {
			if (!"ConvTranspose".equals(up.opType()) || !eligible.test(up)) {
				continue;
			}
			String why = OpRules.subPixelConvTranspose(up);
			TensorInfo in = types.get(up.input(0));
			List<String> shape = in == null ? null : in.shape();
			if (why != null && (shape == null || shape.size() != 4 || !shape.get(2).matches("\\d{1,9}") || !shape.get(3).matches("\\d{1,9}"))) {
				rewrites.notes().put(up.name(), left("its input's height and width are not known before it runs"));
				continue;
			}
			if (why == null) {
				rewrites.notes().put(up.name(), left(OpRules.subPixelRefusal(up)));
				continue;
			}
			Phases p = new Phases(up, Integer.parseInt(shape.get(2)), Integer.parseInt(shape.get(3)));
			rewrites.done(write(graph, ed, up, p));
			rewrites.notes().put(up.name(), rewritten(p.sh, p.sw, p.cin, p.channels()) + ": " + why);
		}
		if (!rewrites.convs().isEmpty()) {
			ed.sort();
		}
		return rewrites;
	}

	/** Writes the Conv under {@code up}'s name and the interleave ending in {@code up}'s output. */
	private static ExactRewrites.Rewrite write(Graph graph, GraphEditor ed, Node up, Phases p) {
		String name = up.name();
		List<String> constants = new ArrayList<>();
		String weights = ed.constant(name + "_phases", Tensor.ofFloats("w", new long[] { p.channels(), p.cin, p.kh, p.kw }, p.weights()));
		constants.add(weights);
		List<String> inputs = new ArrayList<>(List.of(up.input(0), weights));
		if (up.inputs().size() > 2 && !up.input(2).isEmpty()) {
			String bias = ed.constant(name + "_phase_bias", Tensor.ofFloats("b", new long[] { p.channels() }, p.bias(graph.constant(up.input(2)))));
			constants.add(bias);
			inputs.add(bias);
		}
		String y = up.output(0);
		Node conv = graph.newNode(ai.onnx.proto.OnnxMl.NodeProto.newBuilder().setOpType("Conv").setName(name).addAllInput(inputs)
				.addOutput(ed.fresh(y + "_phases")).build());
		conv.setIntsAttribute("kernel_shape", List.of((long) p.kh, (long) p.kw));
		conv.setIntsAttribute("pads", List.of((long) p.bh, (long) p.bw, (long) p.eh, (long) p.ew));
		graph.nodes().set(graph.nodes().indexOf(up), conv);
		List<Node> written = new ArrayList<>(List.of(conv));
		// a Relu that is the only reader goes before the interleave (it commutes with moves): there the QuantizeLinear of the
		// Conv clamps it, where after the moves it would be a float Relu between DequantizeLinear and QuantizeLinear
		List<Node> readers = graph.consumers(y);
		Node relu = readers.size() == 1 && "Relu".equals(readers.get(0).opType()) && !graph.isOutput(y) ? readers.get(0) : null;
		List<ExactRewrites.Removed> removed = new ArrayList<>();
		String phases = conv.output(0);
		if (relu != null) {
			removed.add(new ExactRewrites.Removed(relu, graph.nodes().indexOf(relu)));
			graph.nodes().remove(relu);
			phases = ed.fresh(phases + "_relu");
			Node before = graph.newNode(relu.toProto().toBuilder().setInput(0, conv.output(0)).setOutput(0, phases).build());
			graph.nodes().add(before);
			written.add(before);
			y = relu.output(0);
		}
		String nhwc = move(ed, written, "Transpose", name + "/to_nhwc", phases, null, null, List.of(0L, 2L, 3L, 1L));
		String rows = longs(ed, constants, name + "/phase_rows", 0, 0, 0, p.sh, (long) p.sw * p.cout);
		String split = move(ed, written, "Reshape", name + "/split_phases", nhwc, rows, null, null);
		String moved = move(ed, written, "Transpose", name + "/interleave", split, null, null, List.of(0L, 1L, 3L, 2L, 4L));
		String merged = longs(ed, constants, name + "/interleaved", 0, -1, (long) p.convCols() * p.sw, p.cout);
		String image = move(ed, written, "Reshape", name + "/merge_phases", moved, merged, null, null);
		boolean crop = p.cropped();
		String nchw = move(ed, written, "Transpose", name + "/to_nchw", image, null, crop ? null : y, List.of(0L, 3L, 1L, 2L));
		if (crop) {
			String starts = longs(ed, constants, name + "/crop_starts", p.ch, p.cw);
			String ends = longs(ed, constants, name + "/crop_ends", p.ch + p.oh, p.cw + p.ow);
			String axes = longs(ed, constants, name + "/crop_axes", 2, 3);
			written.add(ed.add("Slice", name + "/crop", List.of(nchw, starts, ends, axes), List.of(y)));
		}
		return new ExactRewrites.Rewrite(up, written, List.of(conv), constants, removed);
	}

	/** Adds a Transpose (perm) or Reshape (shape) of {@code x}; its output is {@code out}, or a fresh name after {@code base}. */
	private static String move(GraphEditor ed, List<Node> written, String op, String name, String x, String shape, String out, List<Long> perm) {
		String y = out != null ? out : ed.fresh(written.get(0).output(0) + "_" + name.substring(name.lastIndexOf('/') + 1));
		Node n = ed.add(op, name, shape == null ? List.of(x) : List.of(x, shape), List.of(y));
		if (perm != null) {
			n.setIntsAttribute("perm", perm);
		}
		written.add(n);
		return y;
	}

	private static String longs(GraphEditor ed, List<String> constants, String base, long... values) {
		String name = ed.constant(base, Tensor.ofLongs("v", new long[] { values.length }, values));
		constants.add(name);
		return name;
	}

	/**
	 * One ConvTranspose's sub-pixel geometry per spatial axis: strides, the phase kernel K = ceil(k/s), the Conv's begin pad
	 * K-1 - floor(p/s) and end pad (enough rows to cover the output), the crop's start p mod s and the output size.
	 */
	static final class Phases {
		final int cin, cout, kh0, kw0, sh, sw, kh, kw, bh, bw, eh, ew, ch, cw, oh, ow, h, w;
		private final float[] taps;

		Phases(Node up, int h, int w) {
			Tensor t = up.graph().constant(up.input(1));
			long[] d = t.dims();
			cin = (int) d[0];
			cout = (int) d[1];
			kh0 = (int) d[2];
			kw0 = (int) d[3];
			taps = t.toFloatArray();
			List<Long> s = up.intsAttribute("strides");
			List<Long> pads = up.intsAttribute("pads");
			List<Long> extra = up.intsAttribute("output_padding");
			sh = s.isEmpty() ? 1 : s.get(0).intValue();
			sw = s.isEmpty() ? 1 : s.get(1).intValue();
			this.h = h;
			this.w = w;
			kh = (kh0 + sh - 1) / sh;
			kw = (kw0 + sw - 1) / sw;
			int pbh = pads.isEmpty() ? 0 : pads.get(0).intValue();
			int pbw = pads.isEmpty() ? 0 : pads.get(1).intValue();
			oh = sh * (h - 1) + kh0 - pbh - (pads.isEmpty() ? 0 : pads.get(2).intValue()) + (extra.isEmpty() ? 0 : extra.get(0).intValue());
			ow = sw * (w - 1) + kw0 - pbw - (pads.isEmpty() ? 0 : pads.get(3).intValue()) + (extra.isEmpty() ? 0 : extra.get(1).intValue());
			bh = kh - 1 - pbh / sh;
			bw = kw - 1 - pbw / sw;
			ch = pbh % sh;
			cw = pbw % sw;
			eh = Math.max(0, ceil(ch + oh, sh) - h - bh + kh - 1);
			ew = Math.max(0, ceil(cw + ow, sw) - w - bw + kw - 1);
		}

		private static int ceil(int a, int b) {
			return (a + b - 1) / b;
		}

		int channels() {
			return sh * sw * cout;
		}

		int convRows() {
			return h + bh + eh - kh + 1;
		}

		int convCols() {
			return w + bw + ew - kw + 1;
		}

		/** Whether the interleaved phases hold more than the output (pads, output_padding): then a Slice crops them. */
		boolean cropped() {
			return ch != 0 || cw != 0 || convRows() * sh != oh || convCols() * sw != ow;
		}

		/** The Conv's weights [s_h·s_w·C_out, C_in, K_h, K_w]: phase (r_h, r_w), channel c reads w[ci, c, (K_h-1-j_h)·s_h + r_h, ...]. */
		float[] weights() {
			float[] v = new float[channels() * cin * kh * kw];
			for (int rh = 0; rh < sh; rh++) {
				for (int rw = 0; rw < sw; rw++) {
					for (int c = 0; c < cout; c++) {
						int o = (rh * sw + rw) * cout + c;
						for (int ci = 0; ci < cin; ci++) {
							for (int jh = 0; jh < kh; jh++) {
								int th = (kh - 1 - jh) * sh + rh;
								for (int jw = 0; jw < kw; jw++) {
									int tw = (kw - 1 - jw) * sw + rw;
									if (th < kh0 && tw < kw0) {
										v[((o * cin + ci) * kh + jh) * kw + jw] = taps[((ci * cout + c) * kh0 + th) * kw0 + tw];
									}
								}
							}
						}
					}
				}
			}
			return v;
		}

		/** The ConvTranspose's bias, once per phase. */
		float[] bias(Tensor b) {
			float[] f = b.toFloatArray();
			float[] v = new float[channels()];
			for (int i = 0; i < v.length; i++) {
				v[i] = f[i % cout];
			}
			return v;
		}
	}

	/** What the Conv's layer says; verify re-derives the same words from the two models. */
	static String rewritten(int sh, int sw, int inputs, int outputs) {
		return "ConvTranspose (stride " + sh + "x" + sw + ") rewritten as a sub-pixel Conv " + inputs + " → " + outputs + " of its " + sh * sw
				+ " phases' taps and an interleave of the phases";
	}

	/** What a ConvTranspose's layer says when it stays one. */
	static String left(String why) {
		return "not rewritten as a sub-pixel Conv (" + why + ")";
	}
}
