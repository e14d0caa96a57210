package org.quantrace.engine.onnx;

import java.util.Set;

/**
 * The ONNX ops whose output is a container, not a tensor: a tensor sequence or an optional value. ONNX Runtime's Java API
 * reads neither as a graph output of its own (an optional output fails its output info, "Invalid ONNXType found", and a
 * run that returns one crashed the JVM in native code: make_seq2.py's "optional", whose If's else branch builds an empty
 * Optional from no inputs, was folded as a constant and `convert` died with SIGSEGV, exit 134).
 */
public final class ContainerOps {

	/** Ops whose output is a tensor sequence. */
	public static final Set<String> SEQUENCE_OUT = Set.of("SequenceEmpty", "SequenceConstruct", "SplitToSequence", "SequenceInsert", "SequenceErase",
			"SequenceMap");
	/** Ops whose output is an optional value (OptionalGetElement of an optional sequence gives a sequence; of an optional tensor a tensor). */
	public static final Set<String> OPTIONAL_OUT = Set.of("Optional");

	private ContainerOps() {
	}

	/** Whether an output of {@code opType} (ai.onnx) may be no tensor. */
	public static boolean writesContainer(String opType) {
		return SEQUENCE_OUT.contains(opType) || OPTIONAL_OUT.contains(opType);
	}

	/**
	 * Whether output {@code index} of {@code n} is an optional value: an Optional's, or an If's or Loop's whose body declares
	 * that output optional (ONNX requires a subgraph's outputs to be declared).
	 */
	public static boolean writesOptional(Node n, int index) {
		if (OPTIONAL_OUT.contains(n.opType())) {
			return true;
		}
		int at = n.opType().equals("Loop") ? index + 1 : index; // a Loop body's first output is the loop condition
		return (n.opType().equals("If") || n.opType().equals("Loop")) && n.subgraphs().values().stream()
				.anyMatch(g -> g.outputs().size() > at && g.outputs().get(at).getType().hasOptionalType());
	}
}
