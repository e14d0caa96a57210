package org.quantrace.engine.convert;

import java.util.ArrayList;
import java.util.List;

import org.quantrace.engine.onnx.DataType;
import org.quantrace.engine.onnx.Graph;
import org.quantrace.engine.onnx.Node;
import org.quantrace.engine.onnx.Tensor;

/**
 * Folds a Pad of zeros on the spatial axes into the Conv that alone reads it, whose pads then add the Pad's (tf2onnx's
 * ZeroPadding2D before a stride-2 depthwise Conv, TensorFlow's asymmetric 'same' padding). The same function exactly: a Conv
 * pads with zeros. ONNX Runtime makes the same fusion in a float model when it loads it (its PadFusion), but not once the
 * Conv is quantized: the Pad then reads codes and writes a DequantizeLinear, and ran as an op of its own on the 8-bit
 * codes before the QLinearConv (tf9cls fiq-int8: 1.9-2.0x its converted fp32's CPU time with the two Pads, 1.7x without,
 * one thread, batch 64; tests/data/wild/README.md, speed37). Only a constant-mode Pad whose pads are constant,
 * non-negative and zero on the batch and channel axes, with a zero pad value, before a Conv without auto_pad.
 */
final class PadIntoConv {

	private PadIntoConv() {
	}

	/** Folds each such Pad of the main graph; returns the removed Pads' names and adds one rewrite when any were. */
	static List<String> fold(Graph g, List<Rewrite> rewrites) {
		List<String> removed = new ArrayList<>();
		List<String> where = new ArrayList<>();
		for (Node pad : List.copyOf(g.nodes())) {
			if (!pad.isStandard() || !pad.opType().equals("Pad") || g.isOutput(pad.output(0))) {
				continue;
			}
			List<Node> readers = g.consumers(pad.output(0));
			Node conv = readers.size() == 1 ? readers.get(0) : null;
			long[] pads = conv == null ? null : zeroPads(g, pad);
			if (pads == null || !conv.isStandard() || !conv.opType().equals("Conv") || conv.inputs().indexOf(pad.output(0)) != 0
					|| conv.inputs().lastIndexOf(pad.output(0)) != 0 || !conv.stringAttribute("auto_pad", "NOTSET").equals("NOTSET")) {
				continue;
			}
			int rank = pads.length / 2;
			int spatial = rank - 2;
			List<Long> own = conv.intsAttribute("pads");
			if (spatial < 1 || (!own.isEmpty() && own.size() != 2 * spatial)) {
				continue;
			}
			List<Long> merged = new ArrayList<>();
			for (int i = 0; i < 2 * spatial; i++) {
				int axis = 2 + i % spatial;
				long added = i < spatial ? pads[axis] : pads[rank + axis];
				merged.add((own.isEmpty() ? 0 : own.get(i)) + added);
			}
			conv.setIntsAttribute("pads", merged);
			conv.setInput(0, pad.input(0));
			g.nodes().remove(pad);
			for (String i : pad.inputs().subList(1, pad.inputs().size())) {
				if (!i.isEmpty() && g.initializer(i) != null && g.consumers(i).isEmpty() && !g.isOutput(i)) {
					g.removeInitializer(i);
				}
			}
			removed.add(ConstantFolder.label(pad));
			where.add("'" + ConstantFolder.label(pad) + "' into '" + ConstantFolder.label(conv) + "' (pads " + merged + ")");
		}
		if (!removed.isEmpty()) {
			rewrites.add(new Rewrite(Rewrite.FUSION, "Pad of zeros folded into the Conv that reads it (the Conv's pads add the Pad's), " + removed.size()
					+ (removed.size() == 1 ? " time: " : " times: ") + String.join("; ", where)));
		}
		return removed;
	}

	/**
	 * The Pad's pads when it pads with zeros in constant mode on the spatial axes only (non-negative, none on axes 0 and 1);
	 * null otherwise (another mode, a pad value other than 0, an axes input, computed pads).
	 */
	private static long[] zeroPads(Graph g, Node pad) {
		if (!pad.stringAttribute("mode", "constant").equals("constant") || pad.inputs().size() > 3) {
			return null;
		}
		long[] pads;
		if (pad.inputs().size() < 2 || pad.input(1).isEmpty()) { // opset <= 10: attributes
			List<Long> a = pad.intsAttribute("pads");
			if (a.isEmpty() || pad.floatAttribute("value", 0f) != 0f) {
				return null;
			}
			pads = a.stream().mapToLong(Long::longValue).toArray();
		} else {
			Tensor t = g.constant(pad.input(1));
			if (t == null || t.dataType() != DataType.INT64) {
				return null;
			}
			pads = t.toLongArray();
			if (pad.inputs().size() == 3 && !pad.input(2).isEmpty()) {
				Tensor v = g.constant(pad.input(2));
				if (v == null || v.dataType() != DataType.FLOAT || v.elementCount() != 1 || v.toFloatArray()[0] != 0f) {
					return null;
				}
			}
		}
		int rank = pads.length / 2;
		if (pads.length % 2 != 0 || rank < 3 || pads[0] != 0 || pads[1] != 0 || pads[rank] != 0 || pads[rank + 1] != 0) {
			return null;
		}
		for (long p : pads) {
			if (p < 0) {
				return null;
			}
		}
		return pads;
	}
}
