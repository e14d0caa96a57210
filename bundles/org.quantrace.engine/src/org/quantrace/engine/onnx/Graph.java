package org.quantrace.engine.onnx;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;

import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;

/**
 * A (sub)graph: nodes in file order, initializers by name, inputs, outputs and value infos. Fields we do
 * not model (name, doc string, sparse initializers, quantization annotations, metadata) are kept from the
 * source protobuf, so reading and writing an unchanged graph is byte-identical.
 */
public final class Graph {

	private final GraphProto header;
	private final Node owner;
	private final List<Node> nodes = new ArrayList<>();
	private final Map<String, Tensor> initializers = new LinkedHashMap<>();
	private final List<ValueInfoProto> inputs;
	private final List<ValueInfoProto> outputs;
	private final List<ValueInfoProto> valueInfos;

	Graph(GraphProto source, Node owner) {
		this.owner = owner;
		this.header = source.toBuilder().clearNode().clearInitializer().clearInput().clearOutput().clearValueInfo().build();
		for (NodeProto n : source.getNodeList()) {
			nodes.add(new Node(this, n));
		}
		for (TensorProto t : source.getInitializerList()) {
			initializers.put(t.getName(), Tensor.of(t));
		}
		inputs = new ArrayList<>(source.getInputList());
		outputs = new ArrayList<>(source.getOutputList());
		valueInfos = new ArrayList<>(source.getValueInfoList());
	}

	public String name() {
		return header.getName();
	}

	/** The node whose attribute holds this graph; null for the main graph. */
	public Node owner() {
		return owner;
	}

	/** The enclosing graph of a subgraph; null for the main graph. */
	public Graph parent() {
		return owner == null ? null : owner.graph();
	}

	// ------------------------------------------------------------------ nodes

	/** The nodes in file order; the list is live (edit it to add, remove or reorder nodes). */
	public List<Node> nodes() {
		return nodes;
	}

	/** Creates a node of this graph (not yet added to {@link #nodes()}). */
	public Node newNode(NodeProto proto) {
		return new Node(this, proto);
	}

	/** This graph's nodes, each followed by the nodes of its subgraphs, depth first. */
	public List<Node> allNodes() {
		List<Node> all = new ArrayList<>();
		visit(all::add);
		return all;
	}

	/** This graph and every subgraph nested in its nodes, depth first (parents before their subgraphs). */
	public List<Graph> graphs() {
		List<Graph> all = new ArrayList<>();
		all.add(this);
		for (Node n : nodes) {
			for (Graph g : n.subgraphs().values()) {
				all.addAll(g.graphs());
			}
		}
		return all;
	}

	private void visit(Consumer<Node> action) {
		for (Node n : nodes) {
			action.accept(n);
			for (Graph g : n.subgraphs().values()) {
				g.visit(action);
			}
		}
	}

	/** The node of this graph that produces {@code tensor}, if any. */
	public Optional<Node> producer(String tensor) {
		for (Node n : nodes) {
			if (n.outputs().contains(tensor)) {
				return Optional.of(n);
			}
		}
		return Optional.empty();
	}

	/** The nodes of this graph that read {@code tensor}, including through their subgraphs. */
	public List<Node> consumers(String tensor) {
		List<Node> result = new ArrayList<>();
		for (Node n : nodes) {
			if (n.inputs().contains(tensor) || n.subgraphs().values().stream().anyMatch(g -> g.readsFromOuterScope(tensor))) {
				result.add(n);
			}
		}
		return result;
	}

	private boolean readsFromOuterScope(String tensor) {
		return allNodes().stream().anyMatch(n -> n.inputs().contains(tensor));
	}

	// ------------------------------------------------------------------ tensors

	public Collection<Tensor> initializers() {
		return Collections.unmodifiableCollection(initializers.values());
	}

	public Tensor initializer(String name) {
		return initializers.get(name);
	}

	/** Adds or replaces (in place) an initializer. */
	public void putInitializer(Tensor tensor) {
		initializers.put(tensor.name(), tensor);
	}

	public Tensor removeInitializer(String name) {
		return initializers.remove(name);
	}

	/**
	 * Drops the initializers no node reads (subgraphs included) and no output exports, and their entries
	 * among the graph inputs (IR &lt; 4 lists them there). Returns how many went.
	 */
	public int removeUnusedInitializers() {
		Set<String> used = new HashSet<>();
		allNodes().forEach(n -> used.addAll(n.inputs()));
		outputs.forEach(v -> used.add(v.getName()));
		List<String> unused = initializers.keySet().stream().filter(n -> !used.contains(n)).toList();
		unused.forEach(initializers::remove);
		inputs.removeIf(v -> unused.contains(v.getName()));
		return unused.size();
	}

	/**
	 * The constant value of {@code tensor}: an initializer, or the value of a Constant node, looked up in
	 * this graph and then in the enclosing graphs (subgraphs may read outer-scope constants). Null if the
	 * tensor is computed at run time.
	 */
	public Tensor constant(String tensor) {
		for (Graph g = this; g != null; g = g.parent()) {
			Tensor t = g.initializers.get(tensor);
			if (t != null) {
				return t;
			}
			Optional<Node> producer = g.producer(tensor);
			if (producer.isPresent()) {
				return Constants.valueOf(producer.get()).orElse(null);
			}
		}
		return null;
	}

	public List<ValueInfoProto> inputs() {
		return inputs;
	}

	public List<ValueInfoProto> outputs() {
		return outputs;
	}

	/** Whether {@code tensor} is one of this graph's outputs (a rewrite must keep its name). */
	public boolean isOutput(String tensor) {
		return outputs.stream().anyMatch(v -> v.getName().equals(tensor));
	}

	/** Whether {@code tensor} is one of this graph's declared inputs (initializers listed as inputs included). */
	public boolean isInput(String tensor) {
		return inputs.stream().anyMatch(v -> v.getName().equals(tensor));
	}

	public List<ValueInfoProto> valueInfos() {
		return valueInfos;
	}

	/** Graph inputs that are not initializers (older IRs list initializers as inputs too). */
	public List<ValueInfoProto> runtimeInputs() {
		return inputs.stream().filter(v -> !initializers.containsKey(v.getName())).toList();
	}

	/** Every tensor name used in this graph and its subgraphs. */
	public Set<String> tensorNames() {
		Set<String> names = new HashSet<>(initializers.keySet());
		inputs.forEach(v -> names.add(v.getName()));
		outputs.forEach(v -> names.add(v.getName()));
		for (Node n : allNodes()) {
			names.addAll(n.inputs());
			names.addAll(n.outputs());
		}
		return names;
	}

	/** A name not yet used in this graph, derived from {@code base}. */
	public String uniqueName(String base, Set<String> taken) {
		if (!taken.contains(base)) {
			taken.add(base);
			return base;
		}
		for (int i = 1;; i++) {
			String candidate = base + "_" + i;
			if (!taken.contains(candidate)) {
				taken.add(candidate);
				return candidate;
			}
		}
	}

	/**
	 * The nodes in an order where every node comes after the producers of its inputs (Kahn's algorithm,
	 * stable with respect to file order).
	 *
	 * @throws IllegalStateException if the graph has a cycle
	 */
	public List<Node> topologicalOrder() {
		List<Node> order = order();
		if (order.size() != nodes.size()) {
			throw new IllegalStateException("graph '" + name() + "' has a cycle");
		}
		return order;
	}

	/** The nodes that no order can place: those on a cycle and those that depend on one (empty for a valid graph). */
	public List<Node> unorderable() {
		Set<Node> ordered = new HashSet<>(order());
		return nodes.stream().filter(n -> !ordered.contains(n)).toList();
	}

	/** Kahn's algorithm: every node whose inputs' producers can be ordered, stable with respect to file order. */
	private List<Node> order() {
		Map<String, Node> producers = new HashMap<>();
		for (Node n : nodes) {
			for (String o : n.outputs()) {
				if (!o.isEmpty()) {
					producers.put(o, n);
				}
			}
		}
		Map<Node, Integer> pending = new HashMap<>();
		Map<Node, List<Node>> dependents = new HashMap<>();
		for (Node n : nodes) {
			Set<Node> deps = new HashSet<>();
			List<String> reads = new ArrayList<>(n.inputs());
			for (Graph sub : n.subgraphs().values()) { // subgraphs may read this graph's tensors by name
				sub.allNodes().forEach(inner -> reads.addAll(inner.inputs()));
			}
			for (String in : reads) {
				Node p = producers.get(in);
				if (p != null && p != n) {
					deps.add(p);
				}
			}
			pending.put(n, deps.size());
			for (Node d : deps) {
				dependents.computeIfAbsent(d, k -> new ArrayList<>()).add(n);
			}
		}
		List<Node> order = new ArrayList<>();
		Deque<Node> ready = new ArrayDeque<>();
		for (Node n : nodes) {
			if (pending.get(n) == 0) {
				ready.add(n);
			}
		}
		Map<Node, Integer> position = new HashMap<>();
		for (int i = 0; i < nodes.size(); i++) {
			position.put(nodes.get(i), i);
		}
		while (!ready.isEmpty()) {
			Node n = ready.poll();
			order.add(n);
			List<Node> freed = new ArrayList<>();
			for (Node d : dependents.getOrDefault(n, List.of())) {
				if (pending.merge(d, -1, Integer::sum) == 0) {
					freed.add(d);
				}
			}
			freed.sort((a, b) -> Integer.compare(position.get(a), position.get(b)));
			// keep file order among nodes that become ready together
			List<Node> merged = new ArrayList<>(ready);
			merged.addAll(freed);
			merged.sort((a, b) -> Integer.compare(position.get(a), position.get(b)));
			ready.clear();
			ready.addAll(merged);
		}
		return order;
	}

	// ------------------------------------------------------------------ serialization

	public GraphProto toProto() {
		GraphProto.Builder b = header.toBuilder();
		for (Node n : nodes) {
			b.addNode(n.toProto());
		}
		for (Tensor t : initializers.values()) {
			b.addInitializer(t.proto());
		}
		return b.addAllInput(inputs).addAllOutput(outputs).addAllValueInfo(valueInfos).build();
	}

	@Override
	public String toString() {
		return "graph '" + name() + "' (" + nodes.size() + " nodes, " + initializers.size() + " initializers)";
	}
}
