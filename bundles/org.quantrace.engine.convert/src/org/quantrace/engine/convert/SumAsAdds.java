package org.quantrace.engine.convert;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import org.quantrace.engine.onnx.Graph;
import org.quantrace.engine.onnx.Node;

import ai.onnx.proto.OnnxMl.NodeProto;

/**
 * A Sum of n >= 2 inputs written as a chain of n - 1 Adds, ((x1 + x2) + x3) + ...: the same function (Sum and Add broadcast
 * alike from opset 8 on; Sum-7's inputs are of one shape, which Add-7 takes too). What it is for: ONNX Runtime (CPU) has no
 * integer Sum, so a quantized model ran each Sum in float between DequantizeLinear and QuantizeLinear, and the layer feeding it
 * got no QuantizeLinear after it, so it was not fused either: make_unseen35's caffe6 (old Caffe2/zoo exporters write Sum where
 * torch writes Add) ran its skip Gemm in float on weights dequantized at every run, its fiq-int8 model 2.1-2.3x fp32's CPU time,
 * seg9's two skip Sums 1.4-1.5x. Add quantized is QLinearAdd. The Sum's name goes (the Adds are new nodes; PhIMT0002 lists the
 * Sum as removed, {@link Removal.Reason#SUM_AS_ADDS}); its output keeps its name, so its readers are unchanged.
 * <p>
 * Main graph only, after constant folding (a Sum of constants has been folded by then); a Sum of one input is left.
 */
final class SumAsAdds {

	private SumAsAdds() {
	}

	/** Writes each Sum of two or more inputs of the main graph {@code g} as Adds; returns the Sums removed (their labels). */
	static List<String> rewrite(Graph g, List<Rewrite> rewrites) {
		List<String> removed = new ArrayList<>();
		List<String> said = new ArrayList<>();
		Set<String> names = g.tensorNames();
		g.allNodes().forEach(n -> names.add(n.name())); // the Adds' names too: none may take another node's
		for (Node s : List.copyOf(g.nodes())) {
			if (!s.opType().equals("Sum") || !s.isStandard() || s.inputs().size() < 2 || s.outputs().size() != 1) {
				continue;
			}
			List<Node> adds = new ArrayList<>();
			String acc = s.input(0);
			String base = s.name().isEmpty() ? "Sum" : s.name();
			for (int i = 1; i < s.inputs().size(); i++) {
				boolean last = i == s.inputs().size() - 1;
				String out = last ? s.output(0) : g.uniqueName(s.output(0) + "_partial" + i, names);
				String name = g.uniqueName(base + "/add" + i, names);
				adds.add(g.newNode(NodeProto.newBuilder().setOpType("Add").setName(name).addInput(acc).addInput(s.input(i)).addOutput(out).build()));
				acc = out;
			}
			int at = g.nodes().indexOf(s);
			g.nodes().remove(s);
			g.nodes().addAll(at, adds);
			removed.add(s.label());
			said.add("'" + s.label() + "' (" + s.inputs().size() + " inputs)");
		}
		if (!said.isEmpty()) {
			rewrites.add(new Rewrite(Rewrite.SUMS, said.size() + (said.size() == 1 ? " Sum" : " Sums") + " of n inputs written as n - 1 Adds (the same"
					+ " sum, added in the inputs' order), which ONNX Runtime runs, quantized, on integers (QLinearAdd; it has no integer Sum): "
					+ String.join(", ", said.subList(0, Math.min(8, said.size()))) + (said.size() > 8 ? " and " + (said.size() - 8) + " more" : "")));
		}
		return removed;
	}
}
