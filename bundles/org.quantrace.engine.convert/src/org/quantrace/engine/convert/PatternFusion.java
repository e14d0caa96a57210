package org.quantrace.engine.convert;

import java.util.ArrayList;
import java.nio.FloatBuffer;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;

import org.quantrace.engine.InvalidInputException;
import org.quantrace.engine.QuantraceException;
import org.quantrace.engine.onnx.Graph;
import org.quantrace.engine.onnx.Node;
import org.quantrace.engine.onnx.OnnxModel;
import org.quantrace.engine.onnx.OpsetUpgrade;
import org.quantrace.engine.onnx.Tensor;
import org.quantrace.engine.runtime.InferenceSession;
import org.quantrace.engine.runtime.NdArray;
import org.quantrace.engine.runtime.SessionSettings;

import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnx.proto.OnnxMl.TensorShapeProto;
import ai.onnx.proto.OnnxMl.TypeProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;

/**
 * Replaces the decompositions {@link Patterns} finds in the main graph by the fused ops, so that ONNX Runtime and the
 * quantizer see one HardSwish, Gelu or LayerNormalization where the exporter wrote four to nine nodes. A fused op newer
 * than the model's opset is used when {@link OpsetUpgrade} can raise the whole model to it (the upgrade is reported);
 * otherwise HardSwish becomes HardSigmoid · x and the others stay as they are. Each rewrite is checked before it is
 * made: the decomposition and its replacement run side by side in ONNX Runtime (no graph optimization, so the
 * decomposition is computed as written) on seeded random inputs of the tensor's shape, and a replacement that differs
 * is not made.
 */
final class PatternFusion {

	/** Largest difference accepted, relative to the largest output magnitude (float rounding of a different evaluation order). */
	static final double TOLERANCE = 1e-4;
	private static final int CHECK_SEED = 0;

	private PatternFusion() {
	}

	/**
	 * Fuses what it can; returns the names of the nodes replaced, each with its reason (a mean written as GlobalAveragePool or as a
	 * Conv is no fused decomposition), and adds one rewrite per fused op (and per refusal).
	 */
	static List<Map.Entry<String, Removal.Reason>> fuse(OnnxModel model, String source, Map<String, Integer> ranks, List<Rewrite> rewrites) {
		StaticShapes shapes = StaticShapes.infer(model, source);
		if (shapes.isEmpty()) {
			return List.of();
		}
		List<Patterns.Match> matches = new Patterns(model.graph(), shapes, ranks, model.opset()).find();
		if (matches.isEmpty()) {
			return List.of();
		}
		int from = model.opset();
		int reached = upgradeFor(model, matches, source, ranks, rewrites);
		if (reached > from) {
			matches = new Patterns(model.graph(), shapes, ranks, model.opset()).find(); // the upgrade rewrote nodes
		}
		List<Patterns.Match> feasible = new ArrayList<>();
		Map<String, String> refused = new LinkedHashMap<>();
		for (Patterns.Match m : matches) {
			if (m.opset() <= model.opset()) {
				feasible.add(m);
			} else if (m.op().equals("HardSwish")) {
				feasible.add(new Patterns.Match("HardSwish", 6, m.nodes(), m.input(), m.output(), Patterns.swishAsHardSigmoidMul(m), m.constants(), m.through()));
			} else {
				refused.merge(m.op(), "'" + ConstantFolder.label(m.nodes().get(m.nodes().size() - 1)) + "'", (a, b) -> a + ", " + b);
			}
		}
		refused.forEach((op, where) -> rewrites.add(Rewrite.notMade(Rewrite.FUSION, op + " not fused (" + where + "): it needs opset "
				+ (op.equals("Gelu") ? 20 : 17) + " and the model stays at opset " + model.opset())));
		Map<Patterns.Match, Double> differences = differences(model, feasible, shapes, ranks, source);
		List<Map.Entry<String, Removal.Reason>> replaced = new ArrayList<>();
		Map<String, List<Patterns.Match>> done = new LinkedHashMap<>();
		Map<String, Double> worst = new LinkedHashMap<>();
		for (Patterns.Match m : feasible) {
			Double d = differences.get(m);
			if (d == null || !(d <= TOLERANCE)) {
				rewrites.add(Rewrite.notMade(Rewrite.FUSION, m.describe() + " not made: " + (d == null ? "ONNX Runtime could not run the check"
						: String.format(Locale.ROOT, "the fused op differs by %.3g (relative) on random inputs", d))));
				continue;
			}
			apply(model.graph(), m);
			m.nodes().forEach(n -> replaced.add(Map.entry(ConstantFolder.label(n), reason(m))));
			done.computeIfAbsent(label(m), k -> new ArrayList<>()).add(m);
			worst.merge(label(m), d, Math::max);
		}
		done.forEach((what, list) -> rewrites.add(new Rewrite(Rewrite.FUSION, what + ", " + list.size() + " time" + (list.size() == 1 ? "" : "s")
				+ " (" + String.join(", ", list.stream().map(m -> "'" + ConstantFolder.label(m.nodes().get(m.nodes().size() - 1)) + "'").toList())
				+ String.format(Locale.ROOT, "); largest difference on seeded random inputs %.2g relative to the output's magnitude", worst.get(what)))));
		return replaced;
	}

	/** Why the match's nodes went: a ReduceMean written as GlobalAveragePool or a 1x1 Conv, else a decomposition fused. */
	private static Removal.Reason reason(Patterns.Match m) {
		return switch (m.op()) {
		case "GlobalAveragePool" -> Removal.Reason.MEAN_AS_POOL;
		case "Conv" -> Removal.Reason.MEAN_AS_CONV;
		default -> Removal.Reason.PATTERN_FUSED;
		};
	}

	/** "Add, Relu, Clip, Mul, Div -> HardSwish" */
	private static String label(Patterns.Match m) {
		List<String> produced = new ArrayList<>();
		m.replacement().forEach(r -> produced.add(r.getOpType()));
		return String.join(", ", m.nodes().stream().map(Node::opType).toList()) + " -> " + String.join(" and ", produced);
	}

	/**
	 * Raises the model's opset to the newest one its matches need that {@link OpsetUpgrade} reaches; returns the opset
	 * the model is at afterwards.
	 */
	private static int upgradeFor(OnnxModel model, List<Patterns.Match> matches, String source, Map<String, Integer> ranks, List<Rewrite> rewrites) {
		int from = model.opset();
		TreeSet<Integer> wanted = new TreeSet<>();
		matches.stream().filter(m -> m.opset() > from).forEach(m -> wanted.add(m.opset()));
		String why = null;
		for (int target : wanted.descendingSet()) {
			try {
				OnnxModel trial = model.copy();
				OpsetUpgrade.upgrade(trial, target, source, ranks);
			} catch (InvalidInputException e) {
				why = why == null ? e.getMessage() : why;
				continue;
			}
			OpsetUpgrade.upgrade(model, target, source, ranks);
			Set<String> ops = new java.util.TreeSet<>();
			matches.stream().filter(m -> m.opset() > from && m.opset() <= target).forEach(m -> ops.add(m.op()));
			rewrites.add(new Rewrite(Rewrite.OPSET, "default-domain opset " + from + " -> " + target + ", for the fused " + String.join(", ", ops)
					+ " (every op of the model checked to mean the same at " + target + ")"));
			return target;
		}
		if (why != null) {
			rewrites.add(Rewrite.notMade(Rewrite.OPSET, "opset " + from + " kept: " + why));
		}
		return from;
	}

	private static void apply(Graph g, Patterns.Match m) {
		Node last = g.producer(m.output()).orElseThrow();
		int at = g.nodes().indexOf(last);
		m.constants().forEach(g::putInitializer);
		List<Node> inserted = m.replacement().stream().map(g::newNode).toList();
		g.nodes().addAll(at, inserted);
		g.nodes().removeAll(new HashSet<>(m.nodes()));
	}

	/**
	 * Each match's largest difference between its decomposition and its replacement, relative to the largest output
	 * magnitude, both run in one model each (every match side by side, fed the same seeded random values); null for a
	 * match that could not be checked.
	 */
	private static Map<Patterns.Match, Double> differences(OnnxModel model, List<Patterns.Match> matches, StaticShapes shapes, Map<String, Integer> ranks,
			String source) {
		Map<Patterns.Match, Double> result = new LinkedHashMap<>();
		if (matches.isEmpty()) {
			return result;
		}
		Graph g = model.graph();
		GraphProto.Builder original = GraphProto.newBuilder().setName("decomposed");
		GraphProto.Builder fused = GraphProto.newBuilder().setName("fused");
		Map<String, long[]> inputs = new LinkedHashMap<>();
		Set<String> constants = new HashSet<>();
		Set<String> outputs = new LinkedHashSet<>();
		Map<String, long[]> expected = new LinkedHashMap<>(); // the patterns are elementwise or normalize along an axis
		int k = 0;
		for (Patterns.Match m : matches) {
			// each decomposition reads an input of its own: one match's output may be the next one's input
			String x = "check_" + k++ + "_" + m.input();
			long[] shape = shapes.concrete(m.input(), 2);
			Integer probed = ranks.get(m.input());
			if (shape == null && probed != null && probed > 0) { // a rank only a run showed (see Patterns#rank)
				shape = new long[probed];
				java.util.Arrays.fill(shape, 2);
			}
			inputs.put(x, shape == null ? new long[] { 4, 64 } : shape);
			outputs.add(m.output());
			expected.put(m.output(), inputs.get(x));
			Set<String> produced = new HashSet<>();
			m.decomposition().forEach(n -> produced.addAll(n.outputs()));
			for (Node n : m.decomposition()) {
				original.addNode(readingFrom(n.toProto(), m.input(), x));
				for (String i : n.inputs()) {
					Tensor c = i.isEmpty() || produced.contains(i) || i.equals(m.input()) ? null : g.constant(i);
					if (c != null && constants.add(i)) {
						original.addInitializer(c.proto());
					}
				}
			}
			m.replacement().forEach(r -> fused.addNode(readingFrom(r, m.input(), x)));
			m.constants().forEach(t -> fused.addInitializer(t.proto()));
			original.addOutput(ValueInfoProto.newBuilder().setName(m.output()));
			fused.addOutput(ValueInfoProto.newBuilder().setName(m.output()));
		}
		Map<String, NdArray> feed = new LinkedHashMap<>();
		Random random = new Random(CHECK_SEED);
		for (Map.Entry<String, long[]> e : inputs.entrySet()) {
			ValueInfoProto v = floatInput(e.getKey(), e.getValue());
			original.addInput(v);
			fused.addInput(v);
			long n = 1;
			for (long d : e.getValue()) {
				n *= d;
			}
			float[] x = new float[Math.toIntExact(n)];
			for (int i = 0; i < x.length; i++) {
				x[i] = (float) (3 * random.nextGaussian()); // HardSwish's and GELU's bends lie within [-3, 3]
			}
			feed.put(e.getKey(), NdArray.ofFloats(e.getValue(), x));
		}
		SessionSettings plain = SessionSettings.defaults().withOptimization(SessionSettings.Optimization.NONE).withThreads(1).withoutArena();
		// every output compared where the sessions wrote it: copied into Java arrays (ONNX Runtime's copy, an array, then
		// another for the comparison), ConvNeXt-T's 18 GELU checks made 460 MB of garbage, more than the model itself
		long[] first = feed.values().iterator().next().shape();
		long batch = first.length == 0 ? -1 : first[0];
		try (InferenceSession sa = InferenceSession.open(model(model, original), plain, source + " (decomposed patterns)");
				InferenceSession sb = InferenceSession.open(model(model, fused), plain, source + " (fused patterns)")) {
			Map<String, FloatBuffer> a = new LinkedHashMap<>();
			Map<String, FloatBuffer> b = new LinkedHashMap<>();
			sa.expectOutputShapes(outputs, batch, expected);
			sb.expectOutputShapes(outputs, batch, expected);
			sa.run(feed, outputs, (name, shape, values) -> a.put(name, values));
			sb.run(feed, outputs, (name, shape, values) -> b.put(name, values));
			for (Patterns.Match m : matches) {
				FloatBuffer xa = a.get(m.output());
				FloatBuffer yb = b.get(m.output());
				if (xa == null || yb == null) {
					continue; // not a float output: not checked
				}
				OutputDifference d = new OutputDifference();
				d.add(m.output(), xa, yb);
				result.put(m, d.maxDifference() / Math.max(1, d.maxMagnitude()));
			}
		} catch (QuantraceException e) {
			return result;
		}
		return result;
	}

	private static NodeProto readingFrom(NodeProto n, String from, String to) {
		NodeProto.Builder b = n.toBuilder();
		for (int i = 0; i < b.getInputCount(); i++) {
			if (b.getInput(i).equals(from)) {
				b.setInput(i, to);
			}
		}
		return b.build();
	}

	private static byte[] model(OnnxModel model, GraphProto.Builder graph) {
		ModelProto m = model.toProto().toBuilder().clearGraph().setGraph(graph).build();
		return m.toByteArray();
	}

	private static ValueInfoProto floatInput(String name, long[] shape) {
		TensorShapeProto.Builder s = TensorShapeProto.newBuilder();
		for (long d : shape) {
			s.addDim(TensorShapeProto.Dimension.newBuilder().setDimValue(d));
		}
		return ValueInfoProto.newBuilder().setName(name)
				.setType(TypeProto.newBuilder().setTensorType(TypeProto.Tensor.newBuilder().setElemType(TensorProto.DataType.FLOAT_VALUE).setShape(s)))
				.build();
	}
}
