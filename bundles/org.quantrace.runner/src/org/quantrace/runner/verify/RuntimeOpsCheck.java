package org.quantrace.runner.verify;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.quantrace.model.trace.ConversionRecord;
import org.quantrace.model.trace.Parameter;

import ai.onnx.proto.OnnxMl.NodeProto;

/**
 * The conversion's statement that it wrote ONNX Runtime's contrib ops as standard ops ("N of ONNX Runtime's fused ops ...":
 * FusedConv, FusedGemm, FusedMatMul; "N of ONNX Runtime's attention ops ...": Attention, MultiHeadAttention), against the two
 * models. These rewrites remove no node (the layer keeps the contrib node's name), so Appendix A's checks do not reach them:
 * N must be the number of the verified model's com.microsoft nodes of those ops that the converted model no longer holds as
 * such, and each node the line names ("'name' (Attention -> MatMul + ...)") must be one of them, of the op it says, its name
 * in the converted model (where a later rewrite left it) on one of the standard ops the line lists. That the ops compute what
 * the contrib op did is the conversion's difference, made again by {@code ConversionRecheck}; the ops each line lists, against
 * the replacement the converted model holds, by {@link RuntimeOpLists}.
 */
final class RuntimeOpsCheck {

	private static final String DOMAIN = "com.microsoft";
	private static final Pattern HEAD = Pattern.compile("^(\\d+) of ONNX Runtime's (fused|attention) ops \\(");
	private static final Pattern NAMED = Pattern.compile("'([^']*)' \\((\\w+) -> ([\\w +]+)\\)");
	private static final Map<String, Set<String>> OPS = Map.of("fused", Set.of("FusedConv", "FusedGemm", "FusedMatMul"), "attention",
			Set.of("Attention", "MultiHeadAttention"));

	private RuntimeOpsCheck() {
	}

	static void check(LogCheck.Log log, ConversionRecord c, ModelFacts original, ModelFacts converted) {
		Map<String, NodeProto> after = new HashMap<>();
		converted.graph.getNodeList().forEach(n -> after.put(n.getName(), n));
		for (Parameter p : c.getRewrites()) {
			Matcher head = HEAD.matcher(p.getValue());
			if (!"fusion".equals(p.getKey()) || !head.find()) {
				continue;
			}
			Set<String> ops = OPS.get(head.group(2));
			String at = "Table 1, rewrites, ONNX Runtime's " + head.group(2) + " ops ";
			long written = original.graph.getNodeList().stream().filter(n -> DOMAIN.equals(n.getDomain()) && ops.contains(n.getOpType()))
					.filter(n -> !contrib(after.get(n.getName()))).count();
			log.same(at + "written as standard ops", Long.parseLong(head.group(1)), written);
			Matcher named = NAMED.matcher(p.getValue());
			while (named.find()) {
				NodeProto was = original.node(named.group(1));
				NodeProto now = after.get(named.group(1));
				List<String> writtenOps = List.of(named.group(3).split(" \\+ "));
				String said = named.group(2) + " -> " + named.group(3);
				if (was == null || !DOMAIN.equals(was.getDomain()) || !was.getOpType().equals(named.group(2))) {
					log.mismatch(at + "'" + named.group(1) + "'", said, was == null ? "no such node in the verified model"
							: "a " + (was.getDomain().isEmpty() ? "" : was.getDomain() + ".") + was.getOpType() + " in the verified model");
				} else if (now != null && (contrib(now) || !writtenOps.contains(now.getOpType()))) {
					log.mismatch(at + "'" + named.group(1) + "'", said, "a " + (now.getDomain().isEmpty() ? "" : now.getDomain() + ".") + now.getOpType()
							+ " of that name in the converted model");
				} else {
					String refuted = RuntimeOpLists.refuted(was, writtenOps, original, converted);
					if (refuted != null) {
						log.mismatch(at + "'" + named.group(1) + "' replacement ops", said, refuted);
					}
				}
			}
		}
	}

	private static boolean contrib(NodeProto n) {
		return n != null && DOMAIN.equals(n.getDomain());
	}
}
