package org.quantrace.engine.evaluate;

import org.quantrace.engine.onnx.OnnxModel;

/** A model to evaluate under a name (e.g. "original", "fiq_int8"), with its serialized size. */
public record Variant(String name, OnnxModel model, long sizeBytes) {

	public static Variant of(String name, OnnxModel model) {
		return new Variant(name, model, model.toBytes().length);
	}
}
