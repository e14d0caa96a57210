package org.quantrace.measure;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Optional;

import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.TensorProto;

/**
 * How an integer input is fed and an integer output read: the scale and zero point of the
 * DequantizeLinear that reads the input (q = round(r / s) + z) and of the QuantizeLinear that writes the
 * output (r = s (q - z)), taken from the model file itself.
 */
record IoScales(float scale, long zeroPoint) {

	static Optional<IoScales> ofInput(ModelProto model, String input) {
		GraphProto g = model.getGraph();
		return g.getNodeList().stream().filter(n -> n.getOpType().equals("DequantizeLinear") && n.getInput(0).equals(input)).findFirst()
				.flatMap(n -> of(g, n));
	}

	static Optional<IoScales> ofOutput(ModelProto model, String output) {
		GraphProto g = model.getGraph();
		return g.getNodeList().stream().filter(n -> n.getOpType().equals("QuantizeLinear") && n.getOutput(0).equals(output)).findFirst()
				.flatMap(n -> of(g, n));
	}

	private static Optional<IoScales> of(GraphProto g, NodeProto qdq) {
		Optional<TensorProto> scale = constant(g, qdq.getInput(1));
		Optional<TensorProto> zero = qdq.getInputCount() > 2 && !qdq.getInput(2).isEmpty() ? constant(g, qdq.getInput(2)) : Optional.empty();
		return scale.map(s -> new IoScales((float) first(s), zero.map(z -> (long) first(z)).orElse(0L)));
	}

	static Optional<TensorProto> constant(GraphProto g, String name) {
		Optional<TensorProto> init = g.getInitializerList().stream().filter(t -> t.getName().equals(name)).findFirst();
		if (init.isPresent()) {
			return init;
		}
		return g.getNodeList().stream().filter(n -> n.getOpType().equals("Constant") && n.getOutput(0).equals(name))
				.flatMap(n -> n.getAttributeList().stream()).filter(a -> a.getName().equals("value")).map(a -> a.getT()).findFirst();
	}

	/** The first element of a tensor, whichever way the file stores it. */
	static double first(TensorProto t) {
		ByteBuffer raw = t.getRawData().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
		boolean hasRaw = !t.getRawData().isEmpty();
		return switch (t.getDataType()) {
		case 1 -> hasRaw ? raw.getFloat(0) : t.getFloatData(0); // FLOAT
		case 2 -> hasRaw ? raw.get(0) & 0xFF : t.getInt32Data(0); // UINT8
		case 3 -> hasRaw ? raw.get(0) : t.getInt32Data(0); // INT8
		case 4 -> hasRaw ? raw.getShort(0) & 0xFFFF : t.getInt32Data(0); // UINT16
		case 5 -> hasRaw ? raw.getShort(0) : t.getInt32Data(0); // INT16
		case 6 -> hasRaw ? raw.getInt(0) : t.getInt32Data(0); // INT32
		case 7 -> hasRaw ? raw.getLong(0) : t.getInt64Data(0); // INT64
		case 11 -> hasRaw ? raw.getDouble(0) : t.getDoubleData(0); // DOUBLE
		default -> throw new IllegalArgumentException("tensor " + t.getName() + " of ONNX type " + t.getDataType());
		};
	}

	long quantize(float r, long qmin, long qmax) {
		return Math.max(qmin, Math.min(qmax, (long) Math.rint(r / scale) + zeroPoint));
	}

	float dequantize(long q) {
		return (q - zeroPoint) * scale;
	}
}
