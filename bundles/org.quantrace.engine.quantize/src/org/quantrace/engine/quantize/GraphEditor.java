package org.quantrace.engine.quantize;

import java.util.HashSet;
import java.util.List;
import java.util.Set;

import org.quantrace.engine.onnx.DataType;
import org.quantrace.engine.onnx.Graph;
import org.quantrace.engine.onnx.Node;
import org.quantrace.engine.onnx.Tensor;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.TypeProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;

/** Small graph edits the quantization writers share: fresh names, new nodes, rewiring, constants. */
final class GraphEditor {

	final Graph graph;
	private final Set<String> names;

	GraphEditor(Graph graph) {
		this.graph = graph;
		// the names of the whole model: a name in an If branch must not shadow one of the enclosing graphs or of the other branch
		Graph main = graph;
		while (main.parent() != null) {
			main = main.parent();
		}
		this.names = new HashSet<>(main.tensorNames());
		main.allNodes().forEach(n -> names.add(n.name()));
	}

	String fresh(String base) {
		return graph.uniqueName(base, names);
	}

	/**
	 * Appends a node (the writers sort the graph topologically at the end). A null name leaves the node
	 * unnamed: Q/DQ nodes are identified by the tensors they read and write, and their names would cost
	 * a few percent of a small quantized model's size.
	 */
	Node add(String opType, String name, List<String> inputs, List<String> outputs, AttributeProto... attributes) {
		return add("", opType, name, inputs, outputs, attributes);
	}

	Node add(String domain, String opType, String name, List<String> inputs, List<String> outputs, AttributeProto... attributes) {
		NodeProto.Builder b = NodeProto.newBuilder().setOpType(opType).addAllInput(inputs).addAllOutput(outputs);
		if (name != null) {
			b.setName(fresh(name));
		}
		if (!domain.isEmpty()) {
			b.setDomain(domain);
		}
		for (AttributeProto a : attributes) {
			b.addAttribute(a);
		}
		Node n = graph.newNode(b.build());
		graph.nodes().add(n);
		return n;
	}

	static AttributeProto intAttribute(String name, long value) {
		return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INT).setI(value).build();
	}

	/** Adds an initializer under a fresh name derived from {@code base}; returns the name. */
	String constant(String base, Tensor value) {
		String name = fresh(base);
		graph.putInitializer(value.withName(name));
		return name;
	}

	String scalarFloat(String base, float value) {
		return constant(base, Tensor.ofFloats(base, new long[0], new float[] { value }));
	}

	/** A zero point (scalar, or 1-D when {@code perChannel}) of the given integer type. */
	String zeroPoint(String base, QuantType type, long[] values, boolean perChannel) {
		long[] dims = perChannel ? new long[] { values.length } : new long[0];
		return constant(base, codes(base, type.dataType(), dims, perChannel ? values : new long[] { values[0] }));
	}

	/** Integer codes stored as the narrowest ONNX type. */
	static Tensor codes(String name, DataType type, long[] dims, long[] values) {
		return switch (type) {
		case INT8, UINT8 -> {
			byte[] b = new byte[values.length];
			for (int i = 0; i < b.length; i++) {
				b[i] = (byte) values[i];
			}
			yield Tensor.ofBytes(name, type, dims, b);
		}
		case INT16 -> {
			short[] s = new short[values.length];
			for (int i = 0; i < s.length; i++) {
				s[i] = (short) values[i];
			}
			yield Tensor.ofShorts(name, type, dims, s);
		}
		case INT32 -> {
			int[] v = new int[values.length];
			for (int i = 0; i < v.length; i++) {
				v[i] = (int) values[i];
			}
			yield Tensor.ofInts(name, dims, v);
		}
		default -> throw new IllegalArgumentException("no integer storage for " + type);
		};
	}

	/**
	 * Points every input of every node that reads {@code from} at {@code to}, except nodes in {@code keep}; nodes
	 * of If/Loop/Scan bodies that read {@code from} from the outer scope too (an integer model input read inside
	 * a branch would otherwise reach a float op as int8, and ONNX Runtime refuses the model).
	 */
	void rewireConsumers(String from, String to, Set<Node> keep) {
		for (Node n : graph.allNodes()) {
			if (keep.contains(n)) {
				continue;
			}
			for (int i = 0; i < n.inputs().size(); i++) {
				if (n.input(i).equals(from)) {
					n.setInput(i, to);
				}
			}
		}
	}

	/** Whether any node still reads {@code tensor}, subgraph nodes (which may read outer-scope values) included. */
	boolean isRead(String tensor) {
		return graph.allNodes().stream().anyMatch(n -> n.inputs().contains(tensor));
	}

	/** Changes the element type of a graph input or output's declared type. */
	static ValueInfoProto withElementType(ValueInfoProto v, DataType type) {
		TypeProto.Tensor.Builder t = v.getType().getTensorType().toBuilder().setElemType(type.code());
		return v.toBuilder().setType(v.getType().toBuilder().setTensorType(t)).build();
	}

	/** Sorts the nodes so each comes after the producers of its inputs (writers append nodes at the end). */
	void sort() {
		List<Node> order = graph.topologicalOrder();
		graph.nodes().clear();
		graph.nodes().addAll(order);
	}
}
