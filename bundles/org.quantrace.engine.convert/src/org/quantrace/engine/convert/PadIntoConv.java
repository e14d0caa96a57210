package org.quantrace.engine.convert;

import java.util.ArrayList;
import java.util.List;

import org.quantrace.engine.onnx.Graph;
import org.quantrace.engine.onnx.Node;
import org.quantrace.engine.onnx.Pads;
import org.quantrace.engine.onnx.Tensor;

/**
 * Writes a Pad of zeros that only a Conv reads into that Conv's own pads: Paddle2ONNX's pad2d before a stride-2 depthwise Conv,
 * Keras' ZeroPadding2D as tf2onnx writes it. A Conv pads its input with zeros, so Conv(Pad(x, p, 0), pads q) is Conv(x, pads
 * p + q) exactly when p pads only the spatial axes, by non-negative amounts. ONNX Runtime makes the same fold in float
 * (PadFusion), so the float model runs as before; a quantized model held the Pad on integer codes (padding with the zero
 * point) between two QLinearConvs, which ONNX Runtime cannot fold, and ran it as a separate uint8 kernel. Measured on
 * make_exporters30's paddle10seg (two such Pads, one thread, batch 64, org.quantrace.measure.CpuTime against the converted
 * fp32): fiq-int8 1.47-1.51x with the Pads, 0.86-0.96x with them folded by hand (tests/data/wild/README.md, speed36).
 */
final class PadIntoConv {

	private PadIntoConv() {
	}

	/** Folds every such Pad of {@code g}; returns the labels of the Pads removed and adds one rewrite if any. */
	static List<String> fold(Graph g, int opset, List<Rewrite> rewrites) {
		List<String> removed = new ArrayList<>();
		List<String> where = new ArrayList<>();
		for (Node pad : List.copyOf(g.nodes())) {
			Node conv = pad.isStandard() && pad.opType().equals("Pad") ? soleConv(g, pad) : null;
			long[] p = conv == null ? null : zeroPads(g, pad, opset);
			int spatial = p == null ? -1 : p.length / 2 - 2;
			if (spatial < 1 || p[0] != 0 || p[1] != 0 || p[spatial + 2] != 0 || p[spatial + 3] != 0) {
				continue;
			}
			List<Long> own = conv.intsAttribute("pads");
			if (!own.isEmpty() && own.size() != 2 * spatial) {
				continue;
			}
			List<Long> pads = new ArrayList<>();
			for (int side = 0; side < 2; side++) { // the Conv's pads: every spatial axis's begin, then every end
				for (int i = 0; i < spatial; i++) {
					pads.add(p[side * (spatial + 2) + 2 + i] + (own.isEmpty() ? 0 : own.get(side * spatial + i)));
				}
			}
			conv.setInputs(replaceFirst(conv.inputs(), pad.input(0)));
			conv.setIntsAttribute("pads", pads);
			removed.add(ConstantFolder.label(pad));
			where.add("'" + ConstantFolder.label(conv) + "'");
			g.nodes().remove(pad);
		}
		if (!where.isEmpty()) {
			g.removeUnusedInitializers();
			rewrites.add(new Rewrite(Rewrite.FUSION, "Pad of zeros on the spatial axes -> the Conv that alone reads it, its padding written into the"
					+ " Conv's pads (a Conv pads with zeros), " + ParallelConvs.times(where)));
		}
		return removed;
	}

	/** The one Conv reading {@code pad}'s output as its input (not a weight), with no auto_pad; null otherwise. */
	private static Node soleConv(Graph g, Node pad) {
		if (pad.outputs().size() != 1 || g.isOutput(pad.output(0))) {
			return null;
		}
		List<Node> readers = g.consumers(pad.output(0));
		Node conv = readers.size() == 1 ? readers.get(0) : null;
		return conv != null && conv.isStandard() && conv.opType().equals("Conv") && conv.input(0).equals(pad.output(0))
				&& conv.inputs().stream().filter(pad.output(0)::equals).count() == 1 && conv.stringAttribute("auto_pad", "NOTSET").equals("NOTSET") ? conv : null;
	}

	/**
	 * The pads of a constant-mode Pad of the value 0 (opset 10 and below: attributes; 11 and above: a constant pads input, a
	 * constant value absent or 0, no axes input), each non-negative; null for any other Pad.
	 */
	private static long[] zeroPads(Graph g, Node pad, int opset) {
		if (!pad.stringAttribute("mode", "constant").equals("constant")) {
			return null;
		}
		long[] p = Pads.of(g, pad); // the one reader of a Pad's pads, attribute or constant input
		if (p == null || pad.inputs().size() > 3 && !pad.input(3).isEmpty()) {
			return null;
		}
		if (opset < 11 ? pad.floatAttribute("value", 0f) != 0f : pad.inputs().size() > 2 && !pad.input(2).isEmpty() && !zero(g.constant(pad.input(2)))) {
			return null;
		}
		for (long x : p) {
			if (x < 0) {
				return null;
			}
		}
		return p.length >= 6 && p.length % 2 == 0 ? p : null;
	}

	private static boolean zero(Tensor v) {
		return v != null && v.elementCount() == 1 && v.toFloatArray()[0] == 0f;
	}

	private static List<String> replaceFirst(List<String> inputs, String x) {
		List<String> in = new ArrayList<>(inputs);
		in.set(0, x);
		return in;
	}
}
