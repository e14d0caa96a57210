package org.quantrace.engine.onnx;

import java.util.Optional;

import ai.onnx.proto.OnnxMl.AttributeProto;

/** Decodes the value of a Constant node, whichever of its value attributes it uses. */
public final class Constants {

	private Constants() {
	}

	/** The constant a Constant node produces, named after its output; empty for other nodes. */
	public static Optional<Tensor> valueOf(Node node) {
		if (!"Constant".equals(node.opType()) || !node.domain().isEmpty() && !"ai.onnx".equals(node.domain())) {
			return Optional.empty();
		}
		String name = node.output(0);
		for (AttributeProto a : node.attributes()) {
			Tensor t = switch (a.getName()) {
			case "value" -> a.hasT() ? Tensor.of(a.getT()) : null;
			case "value_float" -> Tensor.ofFloats(name, new long[0], new float[] { a.getF() });
			case "value_floats" -> Tensor.ofFloats(name, new long[] { a.getFloatsCount() }, toFloats(a));
			case "value_int" -> Tensor.ofLongs(name, new long[0], new long[] { a.getI() });
			case "value_ints" -> Tensor.ofLongs(name, new long[] { a.getIntsCount() },
					a.getIntsList().stream().mapToLong(Long::longValue).toArray());
			default -> null; // sparse_value and string values are not weights
			};
			if (t != null) {
				return Optional.of(t.name().equals(name) ? t : t.withName(name));
			}
		}
		return Optional.empty();
	}

	private static float[] toFloats(AttributeProto a) {
		float[] f = new float[a.getFloatsCount()];
		for (int i = 0; i < f.length; i++) {
			f[i] = a.getFloats(i);
		}
		return f;
	}
}
