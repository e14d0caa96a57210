package org.quantrace.engine.onnx;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.AttributeProto.AttributeType;
import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.NodeProto;

/**
 * A node of a {@link Graph}. Edits go to the underlying protobuf builder, so a node that was not
 * touched serializes to exactly the bytes it was read from. Subgraph attributes (If, Loop, Scan) are
 * exposed as {@link Graph}s and written back on serialization.
 */
public final class Node {

	private final Graph owner;
	private final NodeProto.Builder proto;
	/** Subgraphs by attribute name; a GRAPHS attribute contributes "name[i]" entries. */
	private final Map<String, Graph> subgraphs = new LinkedHashMap<>();

	Node(Graph owner, NodeProto source) {
		this.owner = owner;
		this.proto = source.toBuilder();
		for (AttributeProto a : source.getAttributeList()) {
			if (a.getType() == AttributeType.GRAPH || a.hasG()) {
				subgraphs.put(a.getName(), new Graph(a.getG(), this));
			}
			for (int i = 0; i < a.getGraphsCount(); i++) {
				subgraphs.put(a.getName() + "[" + i + "]", new Graph(a.getGraphs(i), this));
			}
		}
	}

	/** The graph this node belongs to. */
	public Graph graph() {
		return owner;
	}

	public String name() {
		return proto.getName();
	}

	/** How a message names this node: its name, or for an unnamed one (an export without node names) its op and first output. */
	public String label() {
		return name().isEmpty() ? opType() + " -> " + output(0) : name();
	}

	public void setName(String name) {
		proto.setName(name);
	}

	public String opType() {
		return proto.getOpType();
	}

	/** The operator domain; "" for the default ai.onnx domain. */
	public String domain() {
		return proto.getDomain();
	}

	/** Whether the node is in the default ONNX domain ("" or ai.onnx), where op types mean the standard operators. */
	public boolean isStandard() {
		return proto.getDomain().isEmpty() || proto.getDomain().equals("ai.onnx");
	}

	/** Input tensor names; "" marks an omitted optional input. */
	public List<String> inputs() {
		return Collections.unmodifiableList(proto.getInputList());
	}

	public String input(int index) {
		return index < proto.getInputCount() ? proto.getInput(index) : "";
	}

	public void setInput(int index, String tensor) {
		while (proto.getInputCount() <= index) {
			proto.addInput("");
		}
		proto.setInput(index, tensor);
	}

	public void setInputs(List<String> tensors) {
		proto.clearInput().addAllInput(tensors);
	}

	public List<String> outputs() {
		return Collections.unmodifiableList(proto.getOutputList());
	}

	public String output(int index) {
		return index < proto.getOutputCount() ? proto.getOutput(index) : "";
	}

	public void setOutputs(List<String> tensors) {
		proto.clearOutput().addAllOutput(tensors);
	}

	public void setOutput(int index, String tensor) {
		proto.setOutput(index, tensor);
	}

	// ------------------------------------------------------------------ attributes

	public List<AttributeProto> attributes() {
		return Collections.unmodifiableList(proto.getAttributeList());
	}

	public Optional<AttributeProto> attribute(String name) {
		return proto.getAttributeList().stream().filter(a -> a.getName().equals(name)).findFirst();
	}

	public long intAttribute(String name, long defaultValue) {
		return attribute(name).map(AttributeProto::getI).orElse(defaultValue);
	}

	public float floatAttribute(String name, float defaultValue) {
		return attribute(name).map(AttributeProto::getF).orElse(defaultValue);
	}

	public String stringAttribute(String name, String defaultValue) {
		return attribute(name).map(a -> a.getS().toStringUtf8()).orElse(defaultValue);
	}

	public List<Long> intsAttribute(String name) {
		return attribute(name).map(AttributeProto::getIntsList).orElse(List.of());
	}

	public Optional<Tensor> tensorAttribute(String name) {
		return attribute(name).filter(AttributeProto::hasT).map(a -> Tensor.of(a.getT()));
	}

	/** Adds or replaces an attribute, keeping the position of a replaced one. */
	public void setAttribute(AttributeProto attribute) {
		for (int i = 0; i < proto.getAttributeCount(); i++) {
			if (proto.getAttribute(i).getName().equals(attribute.getName())) {
				proto.setAttribute(i, attribute);
				return;
			}
		}
		proto.addAttribute(attribute);
	}

	public void setIntAttribute(String name, long value) {
		setAttribute(AttributeProto.newBuilder().setName(name).setType(AttributeType.INT).setI(value).build());
	}

	public void setFloatAttribute(String name, float value) {
		setAttribute(AttributeProto.newBuilder().setName(name).setType(AttributeType.FLOAT).setF(value).build());
	}

	public void setIntsAttribute(String name, List<Long> values) {
		setAttribute(AttributeProto.newBuilder().setName(name).setType(AttributeType.INTS).addAllInts(values).build());
	}

	public void removeAttribute(String name) {
		for (int i = 0; i < proto.getAttributeCount(); i++) {
			if (proto.getAttribute(i).getName().equals(name)) {
				proto.removeAttribute(i);
				return;
			}
		}
	}

	/** Subgraphs held in attributes, keyed by attribute name ("body", "then_branch", "graphs[0]"). */
	public Map<String, Graph> subgraphs() {
		return Collections.unmodifiableMap(subgraphs);
	}

	// ------------------------------------------------------------------ serialization

	/** The node as protobuf, subgraphs included. */
	public NodeProto toProto() {
		if (subgraphs.isEmpty()) {
			return proto.build();
		}
		NodeProto.Builder copy = proto.clone();
		List<AttributeProto> attributes = new ArrayList<>();
		for (AttributeProto a : copy.getAttributeList()) {
			AttributeProto.Builder ab = a.toBuilder();
			Graph g = subgraphs.get(a.getName());
			if (g != null) {
				ab.setG(g.toProto());
			}
			for (int i = 0; i < a.getGraphsCount(); i++) {
				GraphProto sub = subgraphs.get(a.getName() + "[" + i + "]").toProto();
				ab.setGraphs(i, sub);
			}
			attributes.add(ab.build());
		}
		return copy.clearAttribute().addAllAttribute(attributes).build();
	}

	@Override
	public String toString() {
		return opType() + " '" + name() + "' " + inputs() + " -> " + outputs();
	}
}
