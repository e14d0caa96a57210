package org.quantrace.engine.onnx;

import java.util.HashSet;
import java.util.List;
import java.util.Set;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;

/**
 * Names for nodes that have none (ONNX allows them; hand-written graphs and some converters write them). The trace, the
 * logs and verify find a layer by its node name, so the quantizer names such nodes before it plans, and whatever reads a
 * model's raw protobuf to re-derive those records (verify) names them the same way: {@code <OpType>_<first output>},
 * which is unique because outputs are, with a counter only should another node already hold that name.
 */
public final class NodeNames {

	private NodeNames() {
	}

	/** The name {@link #fill} gives an unnamed node, before any collision counter. */
	public static String derived(String opType, List<String> outputs) {
		String first = outputs.stream().filter(o -> !o.isEmpty()).findFirst().orElse("");
		return first.isEmpty() ? opType : opType + "_" + first;
	}

	/** Names every unnamed node of {@code model}, its If/Loop/Scan bodies included. */
	public static void fill(OnnxModel model) {
		Set<String> taken = new HashSet<>();
		model.graph().graphs().forEach(g -> g.nodes().forEach(n -> taken.add(n.name())));
		for (Graph g : model.graph().graphs()) {
			for (Node n : g.nodes()) {
				if (n.name().isEmpty()) {
					n.setName(unique(derived(n.opType(), n.outputs()), taken));
				}
			}
		}
	}

	/** {@code model} itself when every node has a name, else a copy with the unnamed ones named as {@link #fill} names them. */
	public static OnnxModel named(OnnxModel model) {
		if (model.graph().graphs().stream().allMatch(g -> g.nodes().stream().noneMatch(n -> n.name().isEmpty()))) {
			return model;
		}
		OnnxModel copy = model.copy();
		fill(copy);
		return copy;
	}

	/** {@code model} with every unnamed node named as {@link #fill} names it (the same model when all have names). */
	public static ModelProto filled(ModelProto model) {
		Set<String> taken = new HashSet<>();
		collect(model.getGraph(), taken);
		if (!taken.contains("")) {
			return model;
		}
		return model.toBuilder().setGraph(filled(model.getGraph(), taken)).build();
	}

	private static void collect(GraphProto g, Set<String> taken) {
		for (NodeProto n : g.getNodeList()) {
			taken.add(n.getName());
			n.getAttributeList().stream().filter(AttributeProto::hasG).forEach(a -> collect(a.getG(), taken));
			n.getAttributeList().forEach(a -> a.getGraphsList().forEach(b -> collect(b, taken)));
		}
	}

	/** Names this graph's nodes first, then its bodies', in the order {@link Graph#graphs()} visits graphs. */
	private static GraphProto filled(GraphProto g, Set<String> taken) {
		GraphProto.Builder b = g.toBuilder();
		for (int i = 0; i < b.getNodeCount(); i++) {
			NodeProto n = b.getNode(i);
			if (n.getName().isEmpty()) {
				b.setNode(i, n.toBuilder().setName(unique(derived(n.getOpType(), n.getOutputList()), taken)));
			}
		}
		for (int i = 0; i < b.getNodeCount(); i++) {
			NodeProto.Builder n = b.getNodeBuilder(i);
			for (AttributeProto.Builder a : n.getAttributeBuilderList()) {
				if (a.hasG()) {
					a.setG(filled(a.getG(), taken));
				}
				for (int k = 0; k < a.getGraphsCount(); k++) {
					a.setGraphs(k, filled(a.getGraphs(k), taken));
				}
			}
		}
		return b.build();
	}

	private static String unique(String base, Set<String> taken) {
		String name = base;
		for (int i = 1; taken.contains(name); i++) {
			name = base + "_" + i;
		}
		taken.add(name);
		return name;
	}
}
