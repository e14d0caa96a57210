package org.quantrace.engine.onnx;

import org.quantrace.engine.InvalidInputException;

/**
 * A graph that declares no outputs (graph.output empty, as an export that lost its output names writes it) computes nothing a
 * step can read: ONNX Runtime loads it and refuses every run ("Unexpected number of requestedOutputs"), which the start-up probe
 * said as the graph contradicting its declared input, and convert's dead-code elimination removed every node, then stopped at its
 * own check of the empty result, exit 3 "this is a Quantrace bug". The model's fault, said before any work.
 */
public final class GraphOutputs {

	private GraphOutputs() {
	}

	private static final String HINT = "export the model again with its outputs (torch.onnx.export(..., output_names=[...])), or add the tensor it"
			+ " computes last to graph.output";

	/** @throws InvalidInputException when {@code model}'s graph declares no outputs */
	public static void requireSome(OnnxModel model, String source) {
		if (model.graph().outputs().isEmpty()) {
			throw new InvalidInputException(source + ": the graph declares no outputs, so running it computes nothing to evaluate, calibrate or keep", HINT);
		}
	}

	/**
	 * What inspect notes of a graph without outputs (it lists such a model as any other: hostile14 found it said nothing), or null
	 * when the graph declares some.
	 */
	public static String note(OnnxModel model, String source) {
		return model.graph().outputs().isEmpty() ? source + ": the graph declares no outputs, so running it computes nothing: every command that runs"
				+ " or changes it refuses it (exit 2); " + HINT : null;
	}
}
