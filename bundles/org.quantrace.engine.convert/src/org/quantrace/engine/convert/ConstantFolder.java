package org.quantrace.engine.convert;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.quantrace.engine.onnx.Graph;
import org.quantrace.engine.onnx.Node;
import org.quantrace.engine.onnx.OnnxModel;
import org.quantrace.engine.onnx.Tensor;
import org.quantrace.engine.runtime.InferenceSession;
import org.quantrace.engine.runtime.NdArray;
import org.quantrace.engine.runtime.SessionSettings;

import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;

/**
 * Replaces every node of the main graph whose inputs are all constant by initializers holding its
 * outputs, computed by ONNX Runtime itself (so folding cannot disagree with running). Constant nodes
 * become initializers the same way. Random and control-flow ops are never folded.
 */
final class ConstantFolder {

	private static final Set<String> NEVER = Set.of("RandomNormal", "RandomUniform", "RandomNormalLike", "RandomUniformLike", "Multinomial",
			"Bernoulli", "Dropout", "If", "Loop", "Scan", "QuantizeLinear", "DequantizeLinear");

	private ConstantFolder() {
	}

	/** Folds in place; returns the number of nodes folded away. */
	static int fold(OnnxModel model, String source) {
		Graph g = model.graph();
		Set<String> constant = new HashSet<>();
		g.initializers().forEach(t -> constant.add(t.name()));
		Set<String> graphInputs = new HashSet<>();
		g.runtimeInputs().forEach(v -> graphInputs.add(v.getName()));
		List<Node> foldable = new ArrayList<>();
		for (Node n : g.topologicalOrder()) {
			boolean allConstant = n.inputs().stream().allMatch(i -> i.isEmpty() || constant.contains(i));
			if (allConstant && n.subgraphs().isEmpty() && n.domain().isEmpty() && !NEVER.contains(n.opType())) {
				foldable.add(n);
				n.outputs().stream().filter(o -> !o.isEmpty()).forEach(constant::add);
			}
		}
		if (foldable.isEmpty()) {
			return 0;
		}
		Set<Node> folded = new HashSet<>(foldable);
		Set<String> needed = new LinkedHashSet<>();
		Set<String> exported = new HashSet<>();
		g.outputs().forEach(v -> exported.add(v.getName()));
		for (Node n : foldable) {
			for (String o : n.outputs()) {
				boolean readOutside = g.allNodes().stream().anyMatch(c -> !folded.contains(c) && c.inputs().contains(o));
				if (!o.isEmpty() && (readOutside || exported.contains(o))) {
					needed.add(o);
				}
			}
		}
		Map<String, NdArray> values = needed.isEmpty() ? Map.of() : evaluate(model, foldable, needed, source);
		g.nodes().removeAll(folded);
		for (Map.Entry<String, NdArray> e : values.entrySet()) {
			g.putInitializer(toTensor(e.getKey(), e.getValue()));
		}
		return foldable.size();
	}

	/** Runs just the foldable nodes (no inputs) and returns the needed outputs. */
	private static Map<String, NdArray> evaluate(OnnxModel model, List<Node> nodes, Set<String> outputs, String source) {
		Graph g = model.graph();
		GraphProto.Builder b = GraphProto.newBuilder().setName("constant_folding");
		Set<String> used = new HashSet<>();
		for (Node n : nodes) {
			used.addAll(n.inputs());
		}
		nodes.forEach(n -> b.addNode(n.toProto()));
		for (Tensor t : g.initializers()) {
			if (used.contains(t.name())) {
				b.addInitializer(t.proto());
			}
		}
		outputs.forEach(o -> b.addOutput(ValueInfoProto.newBuilder().setName(o)));
		ModelProto m = model.toProto().toBuilder().setGraph(b).build();
		try (InferenceSession s = InferenceSession.open(m.toByteArray(), SessionSettings.defaults().withThreads(1), source + " (constant folding)")) {
			return s.run(Map.of());
		}
	}

	static Tensor toTensor(String name, NdArray a) {
		long[] shape = a.shape();
		return switch (a.type()) {
		case FLOAT -> Tensor.ofFloats(name, shape, a.floats());
		case INT64 -> Tensor.ofLongs(name, shape, (long[]) a.data());
		case INT32 -> Tensor.ofInts(name, shape, (int[]) a.data());
		case INT8, UINT8, BOOL -> Tensor.ofBytes(name, a.type(), shape, a.bytes());
		case INT16, UINT16 -> Tensor.ofShorts(name, a.type(), shape, (short[]) a.data());
		default -> throw new IllegalStateException("cannot store a folded " + a.type() + " tensor");
		};
	}
}
