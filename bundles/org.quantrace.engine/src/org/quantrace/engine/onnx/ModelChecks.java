package org.quantrace.engine.onnx;

import java.util.List;

import org.quantrace.engine.InvalidInputException;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnx.proto.OnnxMl.TensorShapeProto;
import ai.onnx.proto.OnnxMl.TypeProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;

/**
 * What a model read from a file must satisfy before any code works on it, so that a damaged or hostile
 * file is an input error naming the file and the tensor, never an arithmetic overflow or an array index
 * deep inside a transformation: known element types, dimensions that are not negative and whose product
 * fits, stored data of the size the dimensions declare, and a main graph without cycles.
 */
final class ModelChecks {

	private static final String REEXPORT = "the file is damaged or was not written by an ONNX exporter: export the model again";

	private ModelChecks() {
	}

	static void check(GraphProto main, Graph graph, String source) {
		checkGraph(main, source);
		List<Node> cyclic = graph.unorderable();
		if (!cyclic.isEmpty()) {
			throw new InvalidInputException(source + ": the graph has a cycle: no order runs nodes " + names(cyclic)
					+ " after the nodes their inputs come from", REEXPORT);
		}
	}

	private static String names(List<Node> nodes) {
		List<String> names = nodes.stream().limit(5).map(n -> "'" + (n.name().isEmpty() ? n.opType() : n.name()) + "'").toList();
		return String.join(", ", names) + (nodes.size() > 5 ? " and " + (nodes.size() - 5) + " more" : "");
	}

	private static void checkGraph(GraphProto g, String source) {
		for (TensorProto t : g.getInitializerList()) {
			checkTensor(t, "initializer", source);
		}
		for (ValueInfoProto v : g.getInputList()) {
			checkValueInfo(v, "input", source);
		}
		for (ValueInfoProto v : g.getOutputList()) {
			checkValueInfo(v, "output", source);
		}
		for (ValueInfoProto v : g.getValueInfoList()) {
			checkValueInfo(v, "value info", source);
		}
		for (NodeProto n : g.getNodeList()) {
			for (AttributeProto a : n.getAttributeList()) {
				String where = "attribute '" + a.getName() + "' of node '" + n.getName() + "'";
				if (a.hasT()) {
					checkTensor(a.getT(), where, source);
				}
				for (TensorProto t : a.getTensorsList()) {
					checkTensor(t, where, source);
				}
				if (a.hasG()) {
					checkGraph(a.getG(), source);
				}
				for (GraphProto sub : a.getGraphsList()) {
					checkGraph(sub, source);
				}
			}
		}
	}

	/** Known type, sane dimensions, and (unless stored externally and not yet read) the data the dimensions declare. */
	static void checkTensor(TensorProto t, String where, String source) {
		String what = source + ": tensor '" + t.getName() + "' (" + where + ")";
		DataType type = type(t.getDataType(), what);
		long count = elementCount(t.getDimsList(), what);
		if (type == DataType.UNDEFINED) {
			throw new InvalidInputException(what + ": has no element type", REEXPORT);
		}
		if (t.getDataLocation() == TensorProto.DataLocation.EXTERNAL || t.hasSegment()) {
			return;
		}
		if (type == DataType.STRING) {
			if (t.getStringDataCount() != count) {
				throw new InvalidInputException(what + ": declares " + count + " strings but holds " + t.getStringDataCount(), REEXPORT);
			}
			return;
		}
		if (t.hasRawData()) {
			long expected = type.storageBytes(count);
			if (t.getRawData().size() != expected) {
				throw new InvalidInputException(what + ": declares dimensions " + t.getDimsList() + " of " + type + " (" + expected + " bytes) but holds "
						+ t.getRawData().size() + " bytes", REEXPORT);
			}
			return;
		}
		long held = switch (type) {
		case FLOAT -> t.getFloatDataCount();
		case COMPLEX64 -> t.getFloatDataCount() / 2;
		case DOUBLE -> t.getDoubleDataCount();
		case COMPLEX128 -> t.getDoubleDataCount() / 2;
		case INT64 -> t.getInt64DataCount();
		case UINT32, UINT64 -> t.getUint64DataCount();
		case INT4, UINT4 -> t.getInt32DataCount() * 2L;
		default -> t.getInt32DataCount();
		};
		boolean fits = type == DataType.INT4 || type == DataType.UINT4 ? held == count || held == count + 1 : held == count;
		if (!fits) {
			throw new InvalidInputException(what + ": declares dimensions " + t.getDimsList() + " (" + count + " values of " + type + ") but holds "
					+ held, REEXPORT);
		}
	}

	private static void checkValueInfo(ValueInfoProto v, String where, String source) {
		TypeProto type = v.getType();
		if (!type.hasTensorType()) {
			return; // sequences, maps, optionals: ONNX Runtime judges them
		}
		String what = source + ": " + where + " '" + v.getName() + "'";
		type(type.getTensorType().getElemType(), what);
		if (type.getTensorType().hasShape()) {
			long n = 1;
			for (TensorShapeProto.Dimension d : type.getTensorType().getShape().getDimList()) {
				if (d.hasDimValue() && d.getDimValue() > 0) {
					n = multiply(n, d.getDimValue(), what, type.getTensorType().getShape().getDimList().stream()
							.map(x -> x.hasDimValue() ? Long.toString(x.getDimValue()) : x.getDimParam()).toList());
				}
			}
		}
	}

	private static DataType type(int code, String what) {
		try {
			return DataType.of(code);
		} catch (IllegalArgumentException e) {
			throw new InvalidInputException(what + ": unknown element type " + code + " (known: 0 to 22, up to INT4)",
					"export the model with types ONNX 1.17 knows, or convert that tensor", e);
		}
	}

	private static long elementCount(List<Long> dims, String what) {
		long n = 1;
		for (long d : dims) {
			if (d < 0) {
				throw new InvalidInputException(what + ": negative dimension in " + dims, REEXPORT);
			}
			n = multiply(n, d, what, dims);
		}
		return n;
	}

	private static long multiply(long n, long d, String what, List<?> dims) {
		try {
			return Math.multiplyExact(n, d);
		} catch (ArithmeticException e) {
			throw new InvalidInputException(what + ": dimensions " + dims + " overflow: their product exceeds " + Long.MAX_VALUE + " elements", REEXPORT);
		}
	}
}
