package org.quantrace.engine.convert;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

import org.quantrace.engine.QuantraceException;
import org.quantrace.engine.onnx.Constants;
import org.quantrace.engine.onnx.ContainerOps;
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
 * Folds constants in every graph, subgraphs of If/Loop/Scan included: Constant nodes become initializers of the
 * graph they are in, and every node whose inputs are all constant (initializers of its graph or of an enclosing one)
 * is replaced by initializers holding its outputs, computed by ONNX Runtime itself, so that folding cannot disagree
 * with running. Random, control-flow and quantization ops are never folded, nor ops that write a sequence or an optional
 * value ({@link ContainerOps}): no initializer can hold one, and ONNX Runtime's Java API cannot return one.
 */
final class ConstantFolder {

	private static final Set<String> NEVER = java.util.stream.Stream.concat(org.quantrace.engine.onnx.RandomOps.GENERATORS.stream(),
			Set.of("Dropout", "If", "Loop", "Scan", "QuantizeLinear", "DequantizeLinear").stream()).collect(java.util.stream.Collectors.toUnmodifiableSet());

	private ConstantFolder() {
	}

	/**
	 * One pass over every graph; returns the names of the nodes folded away (Constant nodes included) and adds what it did
	 * to {@code rewrites}. The nodes named in {@code written} are the conversion's own (the opset upgrade's Unsqueeze of a
	 * legacy broadcast's constant, an inlined function's nodes): counted apart, so the count says what folding did to the
	 * original's nodes (unseen63: caffe6's "1 node ... (Unsqueeze)" was the upgrade's).
	 */
	static List<String> fold(OnnxModel model, String source, List<Rewrite> rewrites, Set<String> written) {
		List<String> folded = new ArrayList<>();
		Map<String, Integer> hoistedIn = new TreeMap<>();
		Map<String, Integer> evaluatedOps = new TreeMap<>();
		Map<String, Integer> evaluatedWritten = new TreeMap<>();
		List<String> problems = new ArrayList<>();
		for (Graph g : model.graph().graphs()) {
			for (Node n : List.copyOf(g.nodes())) {
				Optional<Tensor> value = Constants.valueOf(n);
				if (value.isPresent() && g.initializer(n.output(0)) == null) {
					g.putInitializer(value.get());
					g.nodes().remove(n);
					folded.add(label(n));
					hoistedIn.merge(scope(g), 1, Integer::sum);
				}
			}
			List<Node> done = evaluate(model, g, source, problems);
			done.forEach(n -> {
				folded.add(label(n));
				(written.contains(n.name()) ? evaluatedWritten : evaluatedOps).merge(n.opType(), 1, Integer::sum);
			});
		}
		hoistedIn.forEach((scope, count) -> rewrites.add(new Rewrite(Rewrite.CONSTANT_NODES, count + " Constant node" + (count == 1 ? "" : "s")
				+ " of the " + scope + (count == 1 ? " became an initializer" : " became initializers"))));
		int total = evaluatedOps.values().stream().mapToInt(Integer::intValue).sum();
		int own = evaluatedWritten.values().stream().mapToInt(Integer::intValue).sum();
		String ownWords = own + " node" + (own == 1 ? "" : "s") + " the conversion itself wrote (" + opCounts(evaluatedWritten) + ")";
		if (total > 0) {
			rewrites.add(new Rewrite(Rewrite.CONSTANTS, total + " node" + (total == 1 ? "" : "s") + " with only constant inputs evaluated by ONNX Runtime "
					+ "and replaced by their outputs (" + opCounts(evaluatedOps) + ")" + (own > 0 ? "; also " + ownWords + ", no node of the original" : "")));
		} else if (own > 0) {
			rewrites.add(new Rewrite(Rewrite.CONSTANTS, "no node of the original folded; " + ownWords + " had only constant inputs: evaluated by ONNX Runtime"
					+ " and replaced by " + (own == 1 ? "its" : "their") + " outputs"));
		}
		problems.forEach(p -> rewrites.add(Rewrite.notMade(Rewrite.CONSTANTS, p)));
		return folded;
	}

	/**
	 * The main graph's "N Constant nodes ... became initializers" as the converted file holds them: a constant only a removed
	 * node read (the example's Dropout ratio and mode) is gone with it, and the sentence alone sent an assessor looking for
	 * initializers the file has not. Says how many of them the converted model no longer has.
	 */
	static void sayWhichLeft(OnnxModel source, OnnxModel converted, List<Rewrite> rewrites) {
		Set<String> computed = new HashSet<>();
		converted.graph().nodes().forEach(n -> computed.addAll(n.outputs()));
		long gone = source.graph().nodes().stream().filter(n -> n.opType().equals("Constant") && !n.outputs().isEmpty()).map(n -> n.output(0))
				.filter(o -> converted.graph().initializer(o) == null && !computed.contains(o)).count();
		if (gone == 0) {
			return;
		}
		rewrites.replaceAll(r -> r.kind().equals(Rewrite.CONSTANT_NODES) && r.made() && r.description().contains(" of the main graph became")
				? new Rewrite(r.kind(), r.description() + "; " + gone + (gone == 1 ? " of them is" : " of them are")
						+ " not in the converted model: only nodes removed or folded since read " + (gone == 1 ? "it" : "them"))
				: r);
	}

	static String opCounts(Map<String, Integer> counts) {
		List<String> parts = new ArrayList<>();
		counts.forEach((op, c) -> parts.add(op + (c > 1 ? " x" + c : "")));
		return String.join(", ", parts);
	}

	/** "main graph", or "subgraph 'then_branch' of If 'name'". */
	static String scope(Graph g) {
		return g.owner() == null ? "main graph" : "subgraph '" + g.name() + "' of " + g.owner().opType() + " '" + g.owner().name() + "'";
	}

	static String label(Node n) {
		return n.label();
	}

	/** Folds the nodes of {@code g} whose inputs are all constant; returns them (empty if ONNX Runtime cannot evaluate them). */
	private static List<Node> evaluate(OnnxModel model, Graph g, String source, List<String> problems) {
		Set<String> constant = new HashSet<>();
		for (Graph s = g; s != null; s = s.parent()) {
			s.initializers().forEach(t -> constant.add(t.name()));
		}
		List<Node> foldable = new ArrayList<>();
		for (Node n : g.topologicalOrder()) {
			boolean allConstant = n.inputs().stream().allMatch(i -> i.isEmpty() || constant.contains(i));
			if (allConstant && n.subgraphs().isEmpty() && n.domain().isEmpty() && !NEVER.contains(n.opType())
					&& !ContainerOps.writesContainer(n.opType())) {
				foldable.add(n);
				n.outputs().stream().filter(o -> !o.isEmpty()).forEach(constant::add);
			}
		}
		if (foldable.isEmpty()) {
			return List.of();
		}
		Set<Node> folded = new HashSet<>(foldable);
		Set<String> needed = new LinkedHashSet<>();
		Set<String> exported = new HashSet<>();
		g.outputs().forEach(v -> exported.add(v.getName()));
		Set<String> readOutside = new HashSet<>();
		g.allNodes().stream().filter(c -> !folded.contains(c)).forEach(c -> readOutside.addAll(c.inputs()));
		for (Node n : foldable) {
			for (String o : n.outputs()) {
				if (!o.isEmpty() && (readOutside.contains(o) || exported.contains(o))) {
					needed.add(o);
				}
			}
		}
		Map<String, Tensor> values = new LinkedHashMap<>();
		if (!needed.isEmpty()) {
			try {
				for (Map.Entry<String, NdArray> e : run(model, g, foldable, needed, source).entrySet()) {
					values.put(e.getKey(), toTensor(e.getKey(), e.getValue()));
				}
			} catch (QuantraceException | IllegalArgumentException | IllegalStateException e) {
				problems.add("not folded in the " + scope(g) + ": ONNX Runtime could not evaluate its " + foldable.size() + " constant node(s) ("
						+ e.getMessage() + ")");
				return List.of();
			}
		}
		g.nodes().removeAll(folded);
		values.values().forEach(g::putInitializer);
		return foldable;
	}

	/** Runs just the foldable nodes (no inputs) with the constants they read, wherever those are declared. */
	private static Map<String, NdArray> run(OnnxModel model, Graph g, List<Node> nodes, Set<String> outputs, String source) {
		GraphProto.Builder b = GraphProto.newBuilder().setName("constant_folding");
		Set<String> produced = new HashSet<>();
		nodes.forEach(n -> produced.addAll(n.outputs()));
		Map<String, Tensor> used = new HashMap<>();
		for (Node n : nodes) {
			b.addNode(n.toProto());
			for (String i : n.inputs()) {
				if (!i.isEmpty() && !produced.contains(i) && !used.containsKey(i)) {
					used.put(i, g.constant(i));
				}
			}
		}
		used.values().forEach(t -> b.addInitializer(t.proto()));
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
