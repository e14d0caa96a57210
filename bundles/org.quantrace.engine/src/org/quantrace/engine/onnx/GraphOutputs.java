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

	/** @throws InvalidInputException when {@code model}'s graph declares no outputs */
	public static void requireSome(OnnxModel model, String source) {
		if (model.graph().outputs().isEmpty()) {
			throw new InvalidInputException(source + ": the graph declares no outputs, so running it computes nothing to evaluate, calibrate or keep",
					"export the model again with its outputs (torch.onnx.export(..., output_names=[...])), or add the tensor it computes last to graph.output");
		}
	}
}
