package org.quantrace.engine.quantize;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import org.quantrace.engine.onnx.Graph;
import org.quantrace.engine.onnx.Node;

/**
 * The tail of a GroupNorm spelled as PyTorch exports nn.GroupNorm at opsets below 18 (Reshape to [N, G, -1] →
 * InstanceNormalization → Reshape back → Mul by the per-channel weight → Add of the per-channel bias) when a SiLU
 * x·sigmoid(x) alone reads it: the Reshape back, the Mul and the Add (either may be missing: affine=False) and the SiLU's
 * Sigmoid and Mul. The op table keeps these float ({@link OpRules#groupNormSiluTail}); this class only finds them.
 */
final class GroupNormTail {

	/** The ops a tail is made of: a walk back from one of them to its InstanceNormalization goes through these only. */
	private static final Set<String> TAIL_OPS = Set.of("Reshape", "Mul", "Add", "Sigmoid");

	/** Reshape back, Mul, Add, Sigmoid, Mul: the longest walk from a tail node back to its InstanceNormalization. */
	private static final int LONGEST = 5;

	private GroupNormTail() {
	}

	/** The InstanceNormalization whose tail holds {@code n}, or null. */
	static Node normOf(Node n) {
		if (!n.isStandard() || !TAIL_OPS.contains(n.opType())) {
			return null;
		}
		Graph g = n.graph();
		Node at = n;
		for (int step = 0; step < LONGEST; step++) {
			// the SiLU's Mul reads the Sigmoid and the tail's end: either leads back to the same InstanceNormalization
			String in = at.inputs().stream().filter(t -> !t.isEmpty() && g.constant(t) == null).findFirst().orElse(null);
			Node p = in == null ? null : g.producer(in).orElse(null);
			if (p == null || !p.isStandard()) {
				return null;
			}
			if (p.opType().equals("InstanceNormalization")) {
				return of(p).contains(n) ? p : null;
			}
			if (!TAIL_OPS.contains(p.opType())) {
				return null;
			}
			at = p;
		}
		return null;
	}

	/** The tail of {@code norm} in graph order (Reshape, [Mul], [Add], Sigmoid, Mul), or an empty list where the pattern does not hold. */
	static List<Node> of(Node norm) {
		Graph g = norm.graph();
		Node grouped = norm.inputs().isEmpty() ? null : g.producer(norm.input(0)).orElse(null);
		if (!norm.isStandard() || !norm.opType().equals("InstanceNormalization") || grouped == null || !grouped.opType().equals("Reshape")) {
			return List.of();
		}
		List<Node> tail = new ArrayList<>();
		Node back = soleReader(g, norm, "Reshape");
		if (back == null) {
			return List.of();
		}
		tail.add(back);
		Node end = back;
		for (String op : List.of("Mul", "Add")) {
			Node affine = soleReader(g, end, op);
			if (affine != null && OpRules.channelConstant(affine) != null) {
				tail.add(affine);
				end = affine;
			}
		}
		List<Node> silu = SiluReaders.of(g, end.output(0));
		if (silu.isEmpty()) {
			return List.of();
		}
		tail.addAll(silu);
		return tail;
	}

	/** The one reader of {@code n}'s one output when it is a standard {@code op} and that output no graph output; else null. */
	private static Node soleReader(Graph g, Node n, String op) {
		if (n.outputs().size() != 1 || g.isOutput(n.output(0))) {
			return null;
		}
		List<Node> readers = g.consumers(n.output(0));
		return readers.size() == 1 && readers.get(0).isStandard() && readers.get(0).opType().equals(op) ? readers.get(0) : null;
	}
}
