package org.quantrace.runner.verify;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.WeakHashMap;
import java.util.function.Predicate;

import org.quantrace.engine.QuantraceException;
import org.quantrace.engine.convert.Freezer;
import org.quantrace.engine.onnx.DataType;
import org.quantrace.engine.onnx.OnnxModel;
import org.quantrace.engine.onnx.TensorInfo;
import org.quantrace.engine.runtime.InferenceSession;
import org.quantrace.engine.runtime.NdArray;
import org.quantrace.engine.runtime.SessionSettings;
import org.quantrace.engine.runtime.ShapeProbe;

import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnx.proto.OnnxMl.TensorShapeProto;
import ai.onnx.proto.OnnxMl.TypeProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;

/**
 * A rewrite's replacement run against what it replaced, in verify's own ONNX Runtime sessions: the converted model's nodes that
 * compute a set of tensors from tensors both models hold, and the verified model's nodes that computed them from the same
 * tensors, each cut out as a model of its own, fed the same seeded random values (no graph optimization: each computed as
 * written), must give the same outputs within a relative {@link #TOLERANCE} (the float sums reordered; the conversion's own
 * checks accept 1e-4 on their inputs).
 */
final class ReplacementRun {

	static final double TOLERANCE = 1e-3;
	/** The most nodes either side may take: a rewrite replaces a handful; a walk that grows beyond is no rewrite's. */
	private static final int MAX_NODES = 256;
	private static final long MAX_ELEMENTS = 1 << 22;
	private static final int SEED = 19;

	/** Each converted model's tensor shapes, run once on zeros by {@link ShapeProbe}, for the random inputs. */
	private static final Map<ModelFacts, Map<String, TensorInfo>> SHAPES = new WeakHashMap<>();

	private ReplacementRun() {
	}

	/** The nodes of a graph that compute {@code outputs} from {@code leaves} (and stored constants), in the graph's order. */
	record Cone(List<NodeProto> nodes, List<String> outputs, Set<String> leaves, Set<String> constants) {

		/** The cone of {@code outputs} in {@code m}'s main graph, down to the tensors {@code leaf} accepts; null when it reaches no leaf or grows too large. */
		static Cone in(ModelFacts m, List<String> outputs, Predicate<String> leaf) {
			Set<NodeProto> nodes = new HashSet<>();
			Set<String> leaves = new LinkedHashSet<>();
			Set<String> constants = new LinkedHashSet<>();
			Deque<String> todo = new ArrayDeque<>(outputs);
			Set<String> seen = new HashSet<>();
			while (!todo.isEmpty()) {
				String t = todo.pop();
				if (t.isEmpty() || !seen.add(t)) {
					continue;
				}
				if (m.stored.containsKey(t) && m.producer(t) == null || m.stored.containsKey(t) && m.producer(t).getOpType().equals("Constant")) {
					constants.add(t);
					continue;
				}
				if (leaf.test(t) && !outputs.contains(t)) {
					leaves.add(t);
					continue;
				}
				NodeProto p = m.producer(t);
				if (p == null || m.scope.get(p) != m.graph || p.getAttributeList().stream().anyMatch(a -> a.hasG() || a.getGraphsCount() > 0)) {
					return null;
				}
				if (nodes.add(p) && nodes.size() > MAX_NODES) {
					return null;
				}
				p.getInputList().forEach(todo::push);
			}
			List<NodeProto> ordered = m.graph.getNodeList().stream().filter(nodes::contains).toList();
			return new Cone(ordered, outputs, leaves, constants);
		}
	}

	/**
	 * Null when the verified model computed the cone's outputs from the cone's leaves as the converted model's {@code cone} does
	 * (or the two cannot be run side by side: a leaf that is no float tensor, a graph input the verified model read besides);
	 * else what differs.
	 */
	static String differs(ModelFacts original, ModelFacts converted, Cone cone) {
		Cone before = Cone.in(original, cone.outputs(), cone.leaves()::contains);
		if (before == null || !before.leaves().equals(cone.leaves())) {
			return null;
		}
		Map<String, TensorInfo> shapes = shapes(converted);
		if (shapes == null) {
			return null;
		}
		Map<String, NdArray> feed = new LinkedHashMap<>();
		Random random = new Random(SEED);
		for (String x : cone.leaves()) {
			TensorInfo info = shapes.get(x);
			long n = info == null ? -1 : info.elementCount();
			if (n < 0 || n > MAX_ELEMENTS || info.type() != DataType.FLOAT) {
				return null;
			}
			float[] v = new float[(int) n];
			for (int i = 0; i < v.length; i++) {
				v[i] = (float) (3 * random.nextGaussian()); // spans the bends of HardSwish, GELU and alike
			}
			feed.put(x, NdArray.ofFloats(dims(info), v));
		}
		SessionSettings plain = SessionSettings.defaults().withOptimization(SessionSettings.Optimization.NONE).withThreads(1).withoutArena();
		Map<String, NdArray> a;
		Map<String, NdArray> b;
		try (InferenceSession sa = InferenceSession.open(model(original, before, shapes), plain, original.file + " (verify: replaced nodes)");
				InferenceSession sb = InferenceSession.open(model(converted, cone, shapes), plain, converted.file + " (verify: replacement)")) {
			a = sa.run(feed);
			b = sb.run(feed);
		} catch (QuantraceException | IllegalArgumentException e) {
			return null; // a cut ONNX Runtime cannot run alone (an op needing what the cut left out): the whole is checked by --deep
		}
		for (String o : cone.outputs()) {
			NdArray x = a.get(o);
			NdArray y = b.get(o);
			if (x == null || y == null || x.type() != DataType.FLOAT || y.type() != DataType.FLOAT) {
				continue;
			}
			float[] xs = x.toFloats();
			float[] ys = y.toFloats();
			if (xs.length != ys.length) {
				return "the converted model's " + ops(cone) + " write " + o + " with " + ys.length + " values from " + cone.leaves() + ", the verified model's "
						+ ops(before) + " wrote " + xs.length;
			}
			double worst = 0;
			double magnitude = 1;
			for (int i = 0; i < xs.length; i++) {
				worst = Math.max(worst, Math.abs((double) xs[i] - ys[i]));
				magnitude = Math.max(magnitude, Math.abs(xs[i]));
			}
			if (!(worst <= TOLERANCE * magnitude)) {
				return String.format(Locale.ROOT, "the converted model's %s compute %s from %s otherwise than the verified model's %s: they differ by %.3g"
						+ " (relative to the output's magnitude; at most %.0e is the same function) on seeded random inputs", ops(cone), o, cone.leaves(), ops(before),
						worst / magnitude, TOLERANCE);
			}
		}
		return null;
	}

	private static String ops(Cone c) {
		return c.nodes().stream().map(n -> n.getOpType() + (n.getName().isEmpty() ? "" : " " + n.getName())).toList().toString();
	}

	private static synchronized Map<String, TensorInfo> shapes(ModelFacts converted) {
		return SHAPES.computeIfAbsent(converted, k -> {
			try {
				Map<String, TensorInfo> shapes = new java.util.HashMap<>(ShapeProbe.probe(OnnxModel.load(k.file), k.file.toString()));
				k.graph.getInputList().forEach(v -> shapes.putIfAbsent(v.getName(), fed(v)));
				return shapes;
			} catch (QuantraceException e) {
				return null;
			}
		});
	}

	/**
	 * A graph input as the probe fed it, its dynamic dimensions 1: the probe returns only what nodes compute, and without the inputs a
	 * cone reading one (an attention scale folded into Q's projection of the model's input) was not run at all (forge67).
	 */
	private static TensorInfo fed(ValueInfoProto v) {
		TensorInfo declared = TensorInfo.of(v);
		if (declared.shape() == null) {
			return declared;
		}
		return TensorInfo.of(v.getName(), declared.type(), declared.shape().stream().mapToLong(d -> !d.isEmpty() && d.chars().allMatch(Character::isDigit) ? Long.parseLong(d) : 1).toArray());
	}

	private static long[] dims(TensorInfo info) {
		return info.shape().stream().mapToLong(Long::parseLong).toArray();
	}

	/**
	 * The cone as a model of its own: its leaves the inputs, its constants initializers, at the model's opsets; as it computes at
	 * inference, as the conversion's check runs the verified model ({@link Freezer#inferenceView}: a training-mode export's
	 * BatchNormalizations on their running statistics, its Dropouts passing their input through).
	 */
	private static byte[] model(ModelFacts m, Cone cone, Map<String, TensorInfo> shapes) {
		GraphProto.Builder g = GraphProto.newBuilder().setName("cut");
		g.addAllNode(cone.nodes());
		for (String c : cone.constants()) {
			g.addInitializer(m.stored.get(c).toBuilder().setName(c));
		}
		for (String x : cone.leaves()) {
			TensorShapeProto.Builder s = TensorShapeProto.newBuilder();
			for (long d : dims(shapes.get(x))) {
				s.addDim(TensorShapeProto.Dimension.newBuilder().setDimValue(d));
			}
			g.addInput(ValueInfoProto.newBuilder().setName(x)
					.setType(TypeProto.newBuilder().setTensorType(TypeProto.Tensor.newBuilder().setElemType(TensorProto.DataType.FLOAT_VALUE).setShape(s))));
		}
		cone.outputs().forEach(o -> g.addOutput(ValueInfoProto.newBuilder().setName(o)));
		return Freezer.inferenceView(OnnxModel.of(ModelProto.newBuilder().setIrVersion(m.proto.getIrVersion()).addAllOpsetImport(m.proto.getOpsetImportList())
				.addAllFunctions(m.proto.getFunctionsList()).setGraph(g).build())).toBytes();
	}
}
