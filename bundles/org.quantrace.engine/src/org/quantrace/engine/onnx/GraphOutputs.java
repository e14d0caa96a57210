package org.quantrace.engine.onnx;

import org.quantrace.engine.InvalidInputException;

import ai.onnx.proto.OnnxMl.TypeProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;

/**
 * A graph that declares no outputs (graph.output empty, as an export that lost its output names writes it) computes nothing a
 * step can read: ONNX Runtime loads it and refuses every run ("Unexpected number of requestedOutputs"), which the start-up probe
 * said as the graph contradicting its declared input, and convert's dead-code elimination removed every node, then stopped at its
 * own check of the empty result, exit 3 "this is a Quantrace bug". The model's fault, said before any work.
 * <p>
 * An output that is no tensor (a sequence, a map: skl2onnx's ZipMap of a classifier's probabilities) cannot be read, calibrated or
 * compared either: each run stopped at it, and convert and the start-up probe wrapped that in their own hints ("give real inputs",
 * "the graph contradicts its own declared input"), which sent a scikit-learn user to the wrong fix (unseen32's skllr). Said here,
 * before any work, with the node that makes it and how to get a tensor instead.
 */
public final class GraphOutputs {

	private GraphOutputs() {
	}

	private static final String HINT = "export the model again with its outputs (torch.onnx.export(..., output_names=[...])), or add the tensor it"
			+ " computes last to graph.output";

	/** @throws InvalidInputException when {@code model}'s graph declares no outputs, or an output that is no tensor */
	public static void requireReadable(OnnxModel model, String source) {
		if (model.graph().outputs().isEmpty()) {
			throw new InvalidInputException(source + ": the graph declares no outputs, so running it computes nothing to evaluate, calibrate or keep", HINT);
		}
		for (ValueInfoProto v : model.graph().outputs()) {
			String kind = kind(v.getType());
			if (kind != null) {
				throw new InvalidInputException(source + ": output '" + v.getName() + "' is " + kind + made(model, v.getName())
						+ ", not a tensor: Quantrace reads, calibrates and compares tensor outputs only", hintFor(model, v.getName()));
			}
		}
	}

	/** The declared output's kind when it is no tensor ("a sequence of maps (int64 to float32)"), else null (a tensor, or no type declared). */
	private static String kind(TypeProto t) {
		return switch (t.getValueCase()) {
		case SEQUENCE_TYPE -> "a sequence" + (t.getSequenceType().hasElemType() ? " of " + plural(t.getSequenceType().getElemType()) : "");
		case MAP_TYPE -> "a map " + mapTypes(t.getMapType());
		case SPARSE_TENSOR_TYPE -> "a sparse tensor";
		case OPTIONAL_TYPE -> t.getOptionalType().getElemType().hasTensorType() ? null : "an optional value";
		default -> null;
		};
	}

	private static String plural(TypeProto t) {
		return switch (t.getValueCase()) {
		case MAP_TYPE -> "maps " + mapTypes(t.getMapType());
		case TENSOR_TYPE -> "tensors (" + typeName(t.getTensorType().getElemType()) + ")";
		case SEQUENCE_TYPE -> "sequences";
		default -> "values";
		};
	}

	private static String mapTypes(TypeProto.Map m) {
		String value = m.getValueType().hasTensorType() ? typeName(m.getValueType().getTensorType().getElemType()) : "values";
		return "(" + typeName(m.getKeyType()) + " to " + value + ")";
	}

	/** "int64", or "type 99" for a code no ONNX type has (a damaged file is still refused with its message, not an exception of ours). */
	private static String typeName(int code) {
		try {
			return DataType.of(code).displayName().toLowerCase(java.util.Locale.ROOT);
		} catch (IllegalArgumentException e) {
			return "type " + code;
		}
	}

	/** ", made by ai.onnx.ml ZipMap 'ZipMap' from tensor 'probabilities'", or "" when no node of the main graph makes it. */
	private static String made(OnnxModel model, String output) {
		return model.graph().producer(output).map(n -> ", made by " + (n.isStandard() ? "" : n.domain() + " ") + n.opType() + " '" + n.name() + "'"
				+ (n.inputs().isEmpty() || n.input(0).isEmpty() ? "" : " from tensor '" + n.input(0) + "'")).orElse("");
	}

	private static String hintFor(OnnxModel model, String output) {
		var zipMap = model.graph().producer(output).filter(n -> n.opType().equals("ZipMap") && n.domain().equals("ai.onnx.ml"));
		if (zipMap.isPresent()) {
			return "convert the scikit-learn model with skl2onnx's ZipMap off (to_onnx(model, X, options={'zipmap': False})): its probabilities are then a"
					+ " float tensor [N, classes]; or make the ZipMap's input '" + zipMap.get().input(0) + "' the graph's output in its place";
		}
		return "make the model's outputs tensors (e.g. torch.stack or torch.cat of a list instead of returning the list)";
	}

	/**
	 * What inspect notes of a graph without outputs or with one that is no tensor (it lists such a model as any other: hostile14
	 * found it said nothing), or null when every command can read its outputs.
	 */
	public static String note(OnnxModel model, String source) {
		if (model.graph().outputs().isEmpty()) {
			return source + ": the graph declares no outputs, so running it computes nothing: every command that runs or changes it refuses it (exit 2); " + HINT;
		}
		try {
			requireReadable(model, source);
			return null;
		} catch (InvalidInputException e) {
			return e.getMessage() + "; every command that runs or changes it refuses it (exit 2): " + e.hint();
		}
	}
}
