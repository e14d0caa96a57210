package org.quantrace.engine.onnx;

import java.util.ArrayList;
import java.util.List;

import ai.onnx.proto.OnnxMl.TensorShapeProto;
import ai.onnx.proto.OnnxMl.TypeProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;

/**
 * Name, element type and shape of a graph input, output or intermediate tensor. Each dimension is a
 * size, a symbolic name (e.g. "N" for a dynamic batch), or "?" when unknown; an unknown rank is null.
 */
public record TensorInfo(String name, DataType type, List<String> shape) {

	public static TensorInfo of(ValueInfoProto v) {
		TypeProto t = v.getType();
		if (!t.hasTensorType()) {
			return new TensorInfo(v.getName(), DataType.UNDEFINED, null);
		}
		TypeProto.Tensor tt = t.getTensorType();
		List<String> dims = null;
		if (tt.hasShape()) {
			dims = new ArrayList<>();
			for (TensorShapeProto.Dimension d : tt.getShape().getDimList()) {
				dims.add(d.hasDimValue() ? Long.toString(d.getDimValue()) : d.hasDimParam() && !d.getDimParam().isEmpty() ? d.getDimParam() : "?");
			}
		}
		return new TensorInfo(v.getName(), DataType.of(tt.getElemType()), dims);
	}

	/**
	 * The batch size this tensor's first axis is fixed to (1 for a model exported without a dynamic batch axis, as
	 * tf2onnx and static exports write them), or 0 when that axis is symbolic, unknown or absent.
	 */
	public int fixedBatch() {
		String first = shape == null || shape.isEmpty() ? "" : shape.get(0);
		return !first.isEmpty() && first.chars().allMatch(Character::isDigit) ? Math.toIntExact(Long.parseLong(first)) : 0;
	}

	public static TensorInfo of(String name, DataType type, long[] shape) {
		List<String> dims = new ArrayList<>();
		for (long d : shape) {
			dims.add(d < 0 ? "?" : Long.toString(d));
		}
		return new TensorInfo(name, type, dims);
	}

	/** "[N, 1, 28, 28]", or "[?]" for an unknown rank. */
	public String shapeText() {
		return shape == null ? "[?]" : "[" + String.join(", ", shape) + "]";
	}

	/** Element count when every dimension is known, else -1. */
	public long elementCount() {
		if (shape == null) {
			return -1;
		}
		long n = 1;
		for (String d : shape) {
			if (!d.chars().allMatch(Character::isDigit) || d.isEmpty()) {
				return -1;
			}
			n *= Long.parseLong(d);
		}
		return n;
	}
}
