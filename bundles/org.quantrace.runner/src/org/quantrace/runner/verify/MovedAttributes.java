package org.quantrace.runner.verify;

import java.util.Arrays;
import java.util.Map;
import java.util.Set;

import org.quantrace.engine.onnx.Tensor;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.NodeProto;

/**
 * Attributes ONNX turned into inputs between opsets 10 and 18, with the input each became, as the operators' changelog gives
 * them (Clip-11, Pad-11, Slice-10, TopK-10, Dropout-12, Squeeze/Unsqueeze/ReduceSum/Split-13, the other Reduce ops at 18).
 * A quantizer that raises a model's opset (to 13 for per-channel QuantizeLinear) rewrites a layer it leaves float that way:
 * lrnnet's opset-11 Squeeze with {@code axes} [1] is kept as a Squeeze reading a constant [1], which an honest run's verify
 * took for a changed attribute. This table is verify's own reading of the specification, not the upgrade's code.
 */
final class MovedAttributes {

	private static final Map<String, Integer> AXES = Map.of("axes", 1);

	private static final Map<String, Map<String, Integer>> INPUT = Map.ofEntries(Map.entry("Clip", Map.of("min", 1, "max", 2)),
			Map.entry("Pad", Map.of("pads", 1, "value", 2)), Map.entry("Slice", Map.of("starts", 1, "ends", 2, "axes", 3)),
			Map.entry("TopK", Map.of("k", 1)), Map.entry("Dropout", Map.of("ratio", 1)), Map.entry("Split", Map.of("split", 1)),
			Map.entry("Squeeze", AXES), Map.entry("Unsqueeze", AXES), Map.entry("ReduceSum", AXES), Map.entry("ReduceMax", AXES),
			Map.entry("ReduceMin", AXES), Map.entry("ReduceMean", AXES), Map.entry("ReduceProd", AXES), Map.entry("ReduceL1", AXES),
			Map.entry("ReduceL2", AXES), Map.entry("ReduceLogSum", AXES), Map.entry("ReduceLogSumExp", AXES), Map.entry("ReduceSumSquare", AXES));

	private MovedAttributes() {
	}

	/**
	 * Whether {@code kept} (a node of the quantized model {@code f}) has the attributes {@code original} has: each either an
	 * attribute equal to the original's, or, where the specification made it an input, that input holding the attribute's values.
	 * An attribute the original does not have is never agreed to.
	 */
	static boolean agree(Set<AttributeProto> kept, Set<AttributeProto> original, NodeProto keptNode, ModelFacts f) {
		if (!original.containsAll(kept)) {
			return false;
		}
		Map<String, Integer> inputs = INPUT.getOrDefault(keptNode.getOpType(), Map.of());
		for (AttributeProto a : original) {
			if (kept.contains(a)) {
				continue;
			}
			Integer at = inputs.get(a.getName());
			Tensor t = at == null || at >= keptNode.getInputCount() ? null : f.value(keptNode.getInput(at));
			if (t == null || !holds(t, a)) {
				return false;
			}
		}
		return true;
	}

	private static boolean holds(Tensor t, AttributeProto a) {
		try {
			return switch (a.getType()) {
			case INTS -> Arrays.equals(t.toLongArray(), a.getIntsList().stream().mapToLong(Long::longValue).toArray());
			case INT -> Arrays.equals(t.toLongArray(), new long[] { a.getI() });
			case FLOAT -> !t.dataType().isInteger() && Arrays.equals(t.toFloatArray(), new float[] { a.getF() });
			default -> false;
			};
		} catch (RuntimeException e) { // a type this check does not decode
			return false;
		}
	}
}
