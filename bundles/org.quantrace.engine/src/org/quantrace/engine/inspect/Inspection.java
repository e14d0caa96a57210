package org.quantrace.engine.inspect;

import java.util.List;
import java.util.Map;

import org.quantrace.engine.onnx.TensorInfo;

/**
 * What {@code quantrace inspect} reports about a model: header, layer index (the ordered op list the
 * results deck uses to label debugger charts), tensor inventory and totals.
 */
public record Inspection(String file, long fileBytes, String sha256, long irVersion, Map<String, Long> opsets,
		String producerName, String producerVersion, String graphName, List<TensorInfo> inputs, List<TensorInfo> outputs,
		List<Layer> layers, Map<String, Integer> opTypes, List<TensorEntry> tensors, Totals totals, List<String> notes) {

	/**
	 * One computing node. {@code graph} is "" for the main graph, else the path of the subgraph holding it
	 * (e.g. "If_0/then_branch").
	 */
	public record Layer(int index, String opType, String name, String graph, List<String> inputs, List<String> outputs) {
	}

	/**
	 * One tensor of the inventory, numbered like the deck's T#i. {@code kind}: input, initializer, constant,
	 * activation or output; read-only tensors (weights) carry their byte size.
	 */
	public record TensorEntry(int index, String name, String type, List<String> shape, boolean readOnly, long bytes, String kind) {
	}

	public record TypeTotal(int tensors, long elements, long bytes) {
	}

	/**
	 * Counts over the whole model (subgraphs included). Parameters are the elements of initializers and
	 * Constant values except INT64/BOOL/STRING ones, which hold shapes and indices rather than weights, and except the
	 * scales and zero points of a quantized model ({@link QuantizationParameters}), counted apart: a quantized model has
	 * the parameters of its float model (as integer codes) and the quantization parameters that were added.
	 */
	public record Totals(int nodes, int subgraphs, int initializers, int constantNodes, long parameters, long parameterBytes,
			Map<String, TypeTotal> readOnlyByType, long quantizationParameters, long quantizationParameterBytes) {
	}
}
