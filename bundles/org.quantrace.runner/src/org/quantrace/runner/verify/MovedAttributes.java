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
	static boolean agree(Set<AttributeProto> kept, Set<AttributeProto> original, NodeProto keptNode, ModelFacts f, int originalOpset) {
		if (!original.containsAll(withoutResize10Meaning(kept, original, keptNode, originalOpset))) {
			return false;
		}
		Map<String, Integer> inputs = INPUT.getOrDefault(keptNode.getOpType(), Map.of());
		for (AttributeProto a : original) {
			if (kept.contains(a)) {
				continue;
			}
			Integer at = inputs.get(a.getName());
			Tensor t = at == null || at >= keptNode.getInputCount() ? null : f.value(keptNode.getInput(at));
			boolean padCode = t != null && keptNode.getOpType().equals("Pad") && a.getName().equals("value") && t.dataType().isInteger();
			if (t == null || !(padCode ? padsWithCodeOf(t, a.getF(), keptNode, f) : holds(t, a))) {
				return false;
			}
		}
		return true;
	}

	/**
	 * Resize-10 samples asymmetrically (x_in = x_out / scale) and, nearest, takes the floor; Resize-11 says so in attributes whose
	 * defaults mean otherwise, so the upgrade spells them out: coordinate_transformation_mode "asymmetric", nearest_mode "floor".
	 * Those two, on a Resize of an opset-10 model that set neither, are the original's meaning, not attributes it lacks
	 * (make_exporters30.py paddle10seg: 3 mismatches on an honest run). Returns the kept attributes less those.
	 */
	private static Set<AttributeProto> withoutResize10Meaning(Set<AttributeProto> kept, Set<AttributeProto> original, NodeProto keptNode, int originalOpset) {
		if (!keptNode.getOpType().equals("Resize") || originalOpset >= 11
				|| original.stream().anyMatch(a -> a.getName().equals("coordinate_transformation_mode") || a.getName().equals("nearest_mode"))) {
			return kept;
		}
		Map<String, String> spelled = Map.of("coordinate_transformation_mode", "asymmetric", "nearest_mode", "floor");
		return kept.stream().filter(a -> !(a.getType() == AttributeProto.AttributeType.STRING && a.getS().toStringUtf8().equals(spelled.get(a.getName()))))
				.collect(java.util.stream.Collectors.toSet());
	}

	/**
	 * A Pad run on codes pads with the code of its pad value at the codes' scale and zero point: round(value / scale) + zero
	 * point, within the codes' type. tf2onnx's opset-9 ZeroPadding2D (make_exporters30.py tf9cls) quantized: value 0.0 became
	 * the zero point's code, which an honest run's verify took for a changed attribute. The scale and zero point are the
	 * QuantizeLinear's that wrote the codes, followed back through ops that move codes; none found: not agreed.
	 */
	private static boolean padsWithCodeOf(Tensor code, float value, NodeProto pad, ModelFacts f) {
		String codes = pad.getInput(0);
		for (int hops = 0; hops < 64 && code.elementCount() == 1; hops++) {
			NodeProto writer = f.producers.get(codes);
			if (writer == null || writer.getInputCount() == 0) {
				return false;
			}
			if (writer.getOpType().equals("QuantizeLinear")) {
				Tensor scale = f.value(writer.getInput(1));
				Tensor zero = writer.getInputCount() > 2 ? f.value(writer.getInput(2)) : null;
				if (scale == null || scale.elementCount() != 1 || zero != null && zero.elementCount() != 1) {
					return false;
				}
				long expected = Math.round(value / scale.toFloatArray()[0]) + (zero == null ? 0 : zero.toLongArray()[0]);
				long[] range = switch (code.dataType()) {
				case UINT8 -> new long[] { 0, 255 };
				case INT8 -> new long[] { -128, 127 };
				case UINT16 -> new long[] { 0, 65535 };
				case INT16 -> new long[] { -32768, 32767 };
				default -> new long[] { Long.MIN_VALUE, Long.MAX_VALUE };
				};
				return code.toLongArray()[0] == Math.max(range[0], Math.min(range[1], expected));
			}
			if (!Quantizations.movesCodes(writer.getOpType())) {
				return false;
			}
			codes = writer.getInput(0);
		}
		return false;
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
