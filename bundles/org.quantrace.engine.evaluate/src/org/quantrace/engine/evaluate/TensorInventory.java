package org.quantrace.engine.evaluate;

import java.util.LinkedHashMap;
import java.util.Map;

import org.quantrace.engine.inspect.Inspection;
import org.quantrace.engine.inspect.ModelInspector;
import org.quantrace.engine.onnx.OnnxModel;

/**
 * How many tensors of each element type a model holds, and their bytes: the deck's "why are DRQ and
 * unquantized almost identical" comparison (DRQ keeps its activations float; FIQ turns them into integers).
 */
public record TensorInventory(Map<String, Count> byType) {

	/** Tensors of one type: all of them, the read-only ones (weights), and the bytes of the read-only ones. */
	public record Count(int tensors, int readOnly, long readOnlyBytes) {
	}

	public static TensorInventory of(OnnxModel model, String name) {
		Inspection in = ModelInspector.inspect(model, name, 0, "", true);
		Map<String, Count> m = new LinkedHashMap<>();
		for (String type : new String[] { "UINT8", "INT8", "INT16", "INT32", "FLOAT32" }) {
			m.put(type, new Count(0, 0, 0));
		}
		for (Inspection.TensorEntry t : in.tensors()) {
			m.merge(t.type(), new Count(1, t.readOnly() ? 1 : 0, t.bytes()),
					(a, b) -> new Count(a.tensors() + b.tensors(), a.readOnly() + b.readOnly(), a.readOnlyBytes() + b.readOnlyBytes()));
		}
		return new TensorInventory(m);
	}
}
