package org.quantrace.engine.runtime;

import org.quantrace.engine.InvalidInputException;
import org.quantrace.engine.onnx.Node;
import org.quantrace.engine.onnx.OnnxModel;

/**
 * Model forms on which ONNX Runtime's CPU kernels crash the process instead of reporting an error: refused before a session
 * opens, as invalid input (exit 2) with what to change, since a crash leaves the user an exit 134 and a JVM error file.
 */
public final class RuntimeCrashes {

	private RuntimeCrashes() {
	}

	/**
	 * Refuses a com.microsoft Attention without its bias input (input 2 absent or empty): ONNX Runtime 1.29's CPU Attention
	 * kernel dereferences the missing bias when the session runs (SIGSEGV in OrtSession.run; attn41 found it in convert's
	 * shape probe, tests/data/wild/README.md).
	 */
	public static void refuse(OnnxModel model, String source) {
		for (Node n : model.graph().allNodes()) {
			if (n.opType().equals("Attention") && n.domain().equals("com.microsoft") && (n.inputs().size() < 3 || n.input(2).isEmpty())) {
				throw new InvalidInputException(source + ": node '" + n.name() + "' (com.microsoft Attention) has no bias input, on which ONNX Runtime "
						+ InferenceSession.runtimeVersion() + "'s CPU Attention kernel crashes the process",
						"give the Attention a bias of zeros as its third input (a float initializer of shape [3 x hidden size], or the sum of"
								+ " qkv_hidden_sizes), which computes the same, or export it again with its bias (ONNX Runtime's transformers optimizer writes one)");
			}
		}
	}
}
