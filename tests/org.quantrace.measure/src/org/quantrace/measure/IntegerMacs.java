package org.quantrace.measure;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.IntBuffer;
import java.nio.LongBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnx.proto.OnnxMl.TensorShapeProto;
import ai.onnx.proto.OnnxMl.TypeProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;
import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtLoggingLevel;
import ai.onnxruntime.OrtSession;

/**
 * The share of multiply-accumulates that ONNX Runtime executes in integer kernels, read from the graph
 * ONNX Runtime itself runs: the model is opened with graph optimization EXTENDED (every fusion, the QDQ
 * node-unit fusions into QLinearConv/QGemm/QLinearMatMul included; level ALL adds only the NCHWc/NHWC
 * relayouts, which do not change what runs in integer), the optimized model ONNX Runtime saves is parsed
 * with the ONNX protobuf classes, and every Conv/ConvTranspose/MatMul/Gemm/Einsum/recurrent/attention node is
 * counted with the shapes of one probe run over a single zero sample (the optimized graph run with every
 * node output as a graph output). The bodies of If nodes in the main graph are probed the same way, each
 * as a model of its own (outer-scope initializers copied in, other outer-scope values fed as zeros of
 * their probed shape); both branches of an If count in {@link #share()}. What a run executes takes one branch
 * per If: {@link #executedShare()} weights each branch by how often the model took it on the measured data
 * ({@link #withBranchesTaken}), read from the If's own condition in runs of the unoptimized model.
 *
 * @param integerMacs  MACs per sample in integer kernels
 * @param floatMacs    MACs per sample in float kernels
 * @param byOp         MACs per sample by op type (domain-qualified when not ai.onnx)
 * @param opCounts     how often each op type occurs in the optimized graph, subgraphs included
 * @param uncounted    compute nodes whose shapes stayed unknown (their MACs are in neither sum)
 * @param probe        "probe run", or why the probe failed and declared shapes were used
 * @param branches     the MACs of each If of the main graph, per branch (in both sums above)
 * @param thenTaken    per If (by {@link Branches#key()}), the share of samples whose run took its then-branch; empty
 *                     until {@link #withBranchesTaken} measured it
 */
public record IntegerMacs(long integerMacs, long floatMacs, Map<String, Long> byOp, Map<String, Integer> opCounts, List<String> uncounted,
		String probe, List<Branches> branches, Map<String, Double> thenTaken) {

	/**
	 * The MACs per sample of one If of the main graph, by branch.
	 *
	 * @param key        the node's name, or "If #k" (k-th If of the main graph) when it has none
	 * @param condition  the name of its condition input
	 */
	public record Branches(String key, String condition, long thenInteger, long thenFloat, long elseInteger, long elseFloat) {
	}

	/** Integer kernels, by op type: what ONNX Runtime's CPU provider runs on 8-bit operands. */
	static final Set<String> INTEGER = Set.of("QLinearConv", "ConvInteger", "QLinearConvTranspose", "MatMulInteger", "QLinearMatMul", "QGemm",
			"DynamicQuantizeMatMul", "MatMulIntegerToFloat", "DynamicQuantizeLSTM", "QAttention");
	/** Float kernels that carry MACs. */
	static final Set<String> FLOAT = Set.of("Conv", "FusedConv", "NhwcFusedConv", "ConvTranspose", "MatMul", "FusedMatMul", "Gemm", "FusedGemm",
			"LSTM", "GRU", "RNN", "Attention", "MultiHeadAttention", "Einsum");

	/** Whether an op of {@link #byOp()} (domain-qualified or not) runs in an integer kernel. */
	public static boolean isInteger(String op) {
		return INTEGER.contains(op.substring(op.lastIndexOf('.') + 1));
	}

	/** Integer share of every MAC in the graph, both branches of each If included. */
	public double share() {
		long total = integerMacs + floatMacs;
		return total == 0 ? 0 : integerMacs / (double) total;
	}

	/**
	 * Integer share of the MACs a run executes: each If's branches weighted by how often they were taken
	 * ({@link #thenTaken}); equal to {@link #share()} when the model has no If or the branches were not measured.
	 */
	public double executedShare() {
		double integer = integerMacs;
		double floating = floatMacs;
		for (Branches b : branches) {
			Double p = thenTaken.get(b.key());
			if (p == null) {
				continue;
			}
			integer += p * b.thenInteger() + (1 - p) * b.elseInteger() - b.thenInteger() - b.elseInteger();
			floating += p * b.thenFloat() + (1 - p) * b.elseFloat() - b.thenFloat() - b.elseFloat();
		}
		double total = integer + floating;
		return total == 0 ? 0 : integer / total;
	}

	/**
	 * This count with {@link #thenTaken} measured: {@code model} (the model counted, not its optimized form) is run
	 * over {@code data} in batches of {@code batch}, with the condition of each If of the main graph as an extra
	 * output, and each batch's samples are put to the branch its condition chose.
	 */
	public IntegerMacs withBranchesTaken(Path model, Samples data, int batch) throws OrtException {
		if (branches.isEmpty()) {
			return this;
		}
		ModelProto proto = LoadedModel.parse(model);
		GraphProto.Builder g = proto.getGraph().toBuilder();
		Set<String> outputs = new HashSet<>();
		g.getOutputList().forEach(o -> outputs.add(o.getName()));
		for (Branches b : branches) {
			if (outputs.add(b.condition())) {
				g.addOutput(ValueInfoProto.newBuilder().setName(b.condition()));
			}
		}
		Map<String, Long> thenSamples = new HashMap<>();
		try {
			Path augmented = Files.createTempFile("branches", ".onnx");
			try {
				Files.write(augmented, proto.toBuilder().setGraph(g).build().toByteArray());
				try (LoadedModel m = LoadedModel.open(augmented, Measure.THREADS)) {
					Set<String> wanted = new HashSet<>();
					branches.forEach(b -> wanted.add(b.condition()));
					for (int from = 0; from < data.count(); from += batch) {
						int n = Math.min(batch, data.count() - from);
						try (OnnxTensor x = m.tensor(data.x(), from, n, data.shape()); OrtSession.Result r = m.session.run(Map.of(m.input, x), wanted)) {
							for (Branches b : branches) {
								if (condition(r.get(b.condition()).orElseThrow())) {
									thenSamples.merge(b.key(), (long) n, Long::sum);
								}
							}
						}
					}
				}
			} finally {
				Files.deleteIfExists(augmented);
			}
		} catch (IOException e) {
			throw new UncheckedIOException(e);
		}
		Map<String, Double> taken = new TreeMap<>();
		for (Branches b : branches) {
			taken.put(b.key(), thenSamples.getOrDefault(b.key(), 0L) / (double) data.count());
		}
		return new IntegerMacs(integerMacs, floatMacs, byOp, opCounts, uncounted, probe, branches, taken);
	}

	/** An If condition's value: a bool tensor of one element. */
	private static boolean condition(OnnxValue v) throws OrtException {
		Object value = v.getValue();
		if (value instanceof Boolean b) {
			return b;
		}
		if (value instanceof boolean[] a && a.length == 1) {
			return a[0];
		}
		throw new IllegalArgumentException("an If condition of " + ((OnnxTensor) v).getInfo().getShape().length + " dimensions is not one value");
	}

	/** Counts {@code model} as ONNX Runtime optimizes it; keeps the optimized model at {@code keep} when given. */
	static IntegerMacs of(Path model, long[] sampleShape, Path keep) throws OrtException {
		try {
			Path target = keep != null ? keep : Files.createTempFile("optimized", ".onnx");
			try {
				return count(model, target, sampleShape);
			} finally {
				if (keep == null) {
					Files.deleteIfExists(target);
				}
			}
		} catch (IOException e) {
			throw new UncheckedIOException(e);
		}
	}

	private static IntegerMacs count(Path model, Path optimized, long[] sampleShape) throws OrtException {
		try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
			options.setIntraOpNumThreads(1);
			options.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.EXTENDED_OPT);
			options.setOptimizedModelFilePath(optimized.toString());
			options.setSessionLogLevel(OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR);
			LoadedModel.ENV.createSession(model.toString(), options).close();
		}
		ModelProto proto = LoadedModel.parse(optimized);
		Map<String, Probed> probed = new HashMap<>();
		String probe;
		try {
			probed.putAll(probe(proto, inputs(proto, sampleShape)));
			probe = "probe run";
		} catch (OrtException | RuntimeException e) {
			probed.clear();
			probe = "probe failed (" + String.valueOf(e.getMessage()).lines().findFirst().orElse("") + "); declared shapes, batch axis 1";
		}
		Counter c = new Counter(proto);
		c.graph(proto.getGraph(), probed, 0);
		return new IntegerMacs(c.integer, c.floating, c.byOp, c.ops, c.uncounted, probe, c.branches, Map.of());
	}

	/** Shape and element type of a tensor seen in a probe run. */
	record Probed(long[] shape, OnnxJavaType type) {
	}

	/** Zero inputs of batch 1 for the main graph. */
	private static Map<String, Probed> inputs(ModelProto proto, long[] sampleShape) {
		long[] shape = new long[sampleShape.length + 1];
		shape[0] = 1;
		System.arraycopy(sampleShape, 0, shape, 1, sampleShape.length);
		Set<String> initializers = new HashSet<>();
		proto.getGraph().getInitializerList().forEach(t -> initializers.add(t.getName()));
		Map<String, Probed> in = new HashMap<>();
		for (ValueInfoProto v : proto.getGraph().getInputList()) {
			if (!initializers.contains(v.getName())) {
				in.put(v.getName(), new Probed(shape, javaType(v.getType().getTensorType().getElemType())));
			}
		}
		return in;
	}

	/**
	 * Runs {@code proto} once on zeros with every node output of its graph as a graph output (outputs need
	 * no declared type: ONNX Runtime infers it) and returns what it saw, inputs included.
	 */
	private static Map<String, Probed> probe(ModelProto proto, Map<String, Probed> inputs) throws OrtException {
		GraphProto.Builder g = proto.getGraph().toBuilder();
		Set<String> outputs = new HashSet<>();
		g.getOutputList().forEach(o -> outputs.add(o.getName()));
		for (NodeProto n : proto.getGraph().getNodeList()) {
			for (String o : n.getOutputList()) {
				if (!o.isEmpty() && outputs.add(o)) {
					g.addOutput(ValueInfoProto.newBuilder().setName(o));
				}
			}
		}
		byte[] bytes = proto.toBuilder().setGraph(g).build().toByteArray();
		Map<String, Probed> seen = new HashMap<>(inputs);
		try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
			options.setIntraOpNumThreads(1);
			options.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.NO_OPT);
			options.setSessionLogLevel(OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR);
			try (OrtSession s = LoadedModel.ENV.createSession(bytes, options)) {
				Map<String, OnnxTensor> feed = new HashMap<>();
				try {
					for (String name : s.getInputNames()) {
						Probed info = inputs.get(name);
						if (info == null) {
							throw new IllegalArgumentException("no probe value for input " + name);
						}
						feed.put(name, zeros(info));
					}
					try (OrtSession.Result r = s.run(feed)) {
						for (Map.Entry<String, OnnxValue> e : r) {
							if (e.getValue() instanceof OnnxTensor t) {
								seen.put(e.getKey(), new Probed(t.getInfo().getShape(), t.getInfo().type));
							}
						}
					}
				} finally {
					feed.values().forEach(OnnxTensor::close);
				}
			}
		}
		return seen;
	}

	/**
	 * Probes a subgraph as a model of its own: outer-scope initializers are copied in, the other outer-scope
	 * values it reads become inputs fed with zeros of the shape the outer probe saw.
	 */
	private static Map<String, Probed> probeSubgraph(ModelProto model, GraphProto sub, Map<String, TensorProto> outerInitializers,
			Map<String, Probed> outer) throws OrtException {
		if (sub.getInputCount() > 0) { // Loop/Scan bodies take iteration inputs: not probed
			throw new IllegalArgumentException("subgraph " + sub.getName() + " has formal inputs");
		}
		Set<String> defined = new HashSet<>();
		sub.getInitializerList().forEach(t -> defined.add(t.getName()));
		sub.getNodeList().forEach(n -> defined.addAll(n.getOutputList()));
		GraphProto.Builder g = sub.toBuilder();
		Map<String, Probed> inputs = new HashMap<>();
		Set<String> added = new HashSet<>();
		for (NodeProto n : sub.getNodeList()) {
			for (String in : n.getInputList()) {
				if (in.isEmpty() || defined.contains(in) || !added.add(in)) {
					continue;
				}
				if (outerInitializers.containsKey(in)) {
					g.addInitializer(outerInitializers.get(in));
				} else if (outer.containsKey(in)) {
					Probed info = outer.get(in);
					inputs.put(in, info);
					g.addInput(ValueInfoProto.newBuilder().setName(in)
							.setType(TypeProto.newBuilder().setTensorType(TypeProto.Tensor.newBuilder().setElemType(onnxType(info.type())))));
				} else {
					throw new IllegalArgumentException("outer value " + in + " of subgraph " + sub.getName() + " was not probed");
				}
			}
		}
		return probe(model.toBuilder().setGraph(g).build(), inputs);
	}

	private static OnnxTensor zeros(Probed info) throws OrtException {
		int n = (int) Arrays.stream(info.shape()).reduce(1, (a, b) -> a * b);
		return switch (info.type()) {
		case FLOAT -> OnnxTensor.createTensor(LoadedModel.ENV, FloatBuffer.allocate(n), info.shape());
		case INT64 -> OnnxTensor.createTensor(LoadedModel.ENV, LongBuffer.allocate(n), info.shape());
		case INT32 -> OnnxTensor.createTensor(LoadedModel.ENV, IntBuffer.allocate(n), info.shape());
		case UINT8, INT8, BOOL -> OnnxTensor.createTensor(LoadedModel.ENV, ByteBuffer.allocateDirect(n).order(ByteOrder.nativeOrder()), info.shape(),
				info.type());
		default -> throw new IllegalArgumentException("cannot feed zeros of " + info.type());
		};
	}

	private static OnnxJavaType javaType(int onnxType) {
		return switch (onnxType) {
		case 1 -> OnnxJavaType.FLOAT;
		case 2 -> OnnxJavaType.UINT8;
		case 3 -> OnnxJavaType.INT8;
		case 6 -> OnnxJavaType.INT32;
		case 7 -> OnnxJavaType.INT64;
		case 9 -> OnnxJavaType.BOOL;
		default -> throw new IllegalArgumentException("input of ONNX type " + onnxType);
		};
	}

	private static int onnxType(OnnxJavaType t) {
		return switch (t) {
		case FLOAT -> 1;
		case UINT8 -> 2;
		case INT8 -> 3;
		case INT32 -> 6;
		case INT64 -> 7;
		case BOOL -> 9;
		default -> throw new IllegalArgumentException("value of type " + t);
		};
	}

	/** Walks a graph and its subgraphs, summing MACs. */
	private static final class Counter {
		final ModelProto model;
		final Map<String, TensorProto> initializers = new HashMap<>();
		final Map<String, Long> byOp = new TreeMap<>();
		final Map<String, Integer> ops = new TreeMap<>();
		final List<String> uncounted = new ArrayList<>();
		/** Declared shapes (initializers, Constant nodes, value_info) of the graphs walked, outer scopes included. */
		final Map<String, long[]> declared = new HashMap<>();
		final List<Branches> branches = new ArrayList<>();
		long integer;
		long floating;

		Counter(ModelProto model) {
			this.model = model;
			model.getGraph().getInitializerList().forEach(t -> initializers.put(t.getName(), t));
		}

		/** Counts a graph whose tensors {@code probed} knows; the subgraphs of the main graph ({@code depth} 0) are probed in turn. */
		void graph(GraphProto g, Map<String, Probed> probed, int depth) {
			for (TensorProto t : g.getInitializerList()) {
				declared.put(t.getName(), t.getDimsList().stream().mapToLong(Long::longValue).toArray());
			}
			for (List<ValueInfoProto> list : List.of(g.getInputList(), g.getOutputList(), g.getValueInfoList())) {
				for (ValueInfoProto v : list) {
					long[] s = declaredShape(v);
					if (s != null) {
						declared.putIfAbsent(v.getName(), s);
					}
				}
			}
			for (NodeProto n : g.getNodeList()) {
				if (n.getOpType().equals("Constant")) {
					n.getAttributeList().stream().filter(a -> a.getName().equals("value"))
							.forEach(a -> declared.put(n.getOutput(0), a.getT().getDimsList().stream().mapToLong(Long::longValue).toArray()));
				}
			}
			for (NodeProto n : g.getNodeList()) {
				String op = n.getDomain().isEmpty() || n.getDomain().equals("ai.onnx") ? n.getOpType() : n.getDomain() + "." + n.getOpType();
				ops.merge(op, 1, Integer::sum);
				node(n, op, probed);
				boolean mainIf = depth == 0 && op.equals("If");
				long[] byBranch = new long[4]; // then integer, then float, else integer, else float
				for (AttributeProto a : n.getAttributeList()) {
					List<GraphProto> subs = new ArrayList<>(a.getGraphsList());
					if (a.hasG()) {
						subs.add(a.getG());
					}
					for (GraphProto sub : subs) {
						long integerBefore = integer;
						long floatBefore = floating;
						Map<String, Probed> inner = Map.of();
						if (depth == 0 && !probed.isEmpty()) {
							try {
								inner = probeSubgraph(model, sub, initializers, probed);
							} catch (OrtException | RuntimeException e) {
								uncounted.add("subgraph " + sub.getName() + " not probed: " + String.valueOf(e.getMessage()).lines().findFirst().orElse(""));
							}
						}
						graph(sub, inner, depth + 1);
						if (mainIf) {
							int at = a.getName().equals("then_branch") ? 0 : 2;
							byBranch[at] += integer - integerBefore;
							byBranch[at + 1] += floating - floatBefore;
						}
					}
				}
				if (mainIf) {
					String key = n.getName().isEmpty() ? "If #" + (branches.size() + 1) : n.getName();
					branches.add(new Branches(key, n.getInput(0), byBranch[0], byBranch[1], byBranch[2], byBranch[3]));
				}
			}
		}

		private void node(NodeProto n, String op, Map<String, Probed> probed) {
			boolean isInt = INTEGER.contains(n.getOpType());
			if (!isInt && !FLOAT.contains(n.getOpType())) {
				return;
			}
			Long macs = macs(n, probed);
			if (macs == null) {
				uncounted.add(op + " " + n.getName());
				return;
			}
			byOp.merge(op, macs, Long::sum);
			if (isInt) {
				integer += macs;
			} else {
				floating += macs;
			}
		}

		/** MACs per sample, or null when a needed shape is unknown. */
		private Long macs(NodeProto n, Map<String, Probed> probed) {
			String t = n.getOpType();
			int w = t.startsWith("QLinearConv") ? 3 : 1; // QLinearConv(x, x_scale, x_zero_point, w, ...)
			switch (t) {
			case "Conv", "FusedConv", "NhwcFusedConv", "ConvInteger", "QLinearConv": { // out elements x (C_in / group x kernel)
				long[] out = shape(n.getOutput(0), probed);
				long[] wt = shape(n.getInput(w), probed);
				return out == null || wt == null ? null : numel(out) * (numel(wt) / wt[0]);
			}
			case "ConvTranspose", "QLinearConvTranspose": { // in elements x (C_out / group x kernel)
				long[] x = shape(n.getInput(0), probed);
				long[] wt = shape(n.getInput(w), probed);
				return x == null || wt == null ? null : numel(x) * (numel(wt) / wt[0]);
			}
			case "MatMul", "FusedMatMul", "MatMulInteger", "QLinearMatMul", "DynamicQuantizeMatMul", "MatMulIntegerToFloat": { // out elements x K
				long[] a = shape(n.getInput(0), probed);
				long[] out = shape(n.getOutput(0), probed);
				if (a == null || out == null) {
					return null;
				}
				long k = a.length == 1 ? a[0] : intAttr(n, "transA", 0) == 1 ? a[a.length - 2] : a[a.length - 1];
				return numel(out) * k;
			}
			case "Gemm", "FusedGemm", "QGemm": {
				long[] a = shape(n.getInput(0), probed);
				long[] out = shape(n.getOutput(0), probed);
				return a == null || out == null ? null : numel(out) * (intAttr(n, "transA", 0) == 1 ? a[0] : a[1]);
			}
			case "LSTM", "GRU", "RNN", "DynamicQuantizeLSTM": { // steps x batch x (input and recurrent weights)
				long[] x = shape(n.getInput(0), probed);
				long[] wt = shape(n.getInput(1), probed);
				long[] r = shape(n.getInput(2), probed);
				return x == null || wt == null || r == null ? null : x[0] * x[1] * (numel(wt) + numel(r));
			}
			case "Attention", "QAttention": { // QKV projection + QK^T + AV
				long[] x = shape(n.getInput(0), probed);
				long[] wt = shape(n.getInput(1), probed);
				return x == null || wt == null || x.length != 3 ? null : x[0] * x[1] * numel(wt) + 2 * x[0] * x[1] * x[1] * (wt[1] / 3);
			}
			case "MultiHeadAttention": { // QK^T + AV on projected inputs
				long[] q = shape(n.getInput(0), probed);
				return q == null || q.length != 3 ? null : 2 * q[0] * q[1] * q[1] * q[2];
			}
			case "Einsum":
				return einsumMacs(n, probed);
			default:
				return null;
			}
		}

		/**
		 * A two-operand Einsum multiplies once per combination of its letters' values, kept and contracted alike
		 * (nchw,ndhw->ncd: n·c·d·h·w); null (uncounted) for an ellipsis, another operand count or an unknown shape.
		 */
		private Long einsumMacs(NodeProto n, Map<String, Probed> probed) {
			String equation = n.getAttributeList().stream().filter(a -> a.getName().equals("equation")).map(a -> a.getS().toStringUtf8())
					.findFirst().orElse("").replace(" ", "");
			String[] operands = equation.split("->", -1)[0].split(",", -1);
			if (operands.length != 2 || equation.contains("...") || n.getInputCount() != 2) {
				return null;
			}
			Map<Character, Long> sizes = new java.util.TreeMap<>();
			for (int i = 0; i < 2; i++) {
				long[] s = shape(n.getInput(i), probed);
				if (s == null || s.length != operands[i].length()) {
					return null;
				}
				for (int k = 0; k < s.length; k++) {
					sizes.merge(operands[i].charAt(k), s[k], Math::max); // a size 1 broadcasts
				}
			}
			return sizes.values().stream().reduce(1L, (x, y) -> x * y);
		}

		private long[] shape(String name, Map<String, Probed> probed) {
			Probed s = probed.get(name);
			return s != null ? s.shape() : declared.get(name);
		}
	}

	/** A value's declared shape with a symbolic batch axis taken as 1, or null when another axis is unknown. */
	private static long[] declaredShape(ValueInfoProto v) {
		if (!v.getType().hasTensorType() || !v.getType().getTensorType().hasShape()) {
			return null;
		}
		List<TensorShapeProto.Dimension> dims = v.getType().getTensorType().getShape().getDimList();
		long[] s = new long[dims.size()];
		for (int i = 0; i < s.length; i++) {
			if (dims.get(i).hasDimValue()) {
				s[i] = dims.get(i).getDimValue();
			} else if (i == 0) {
				s[i] = 1;
			} else {
				return null;
			}
		}
		return s;
	}

	private static long intAttr(NodeProto n, String name, long fallback) {
		return n.getAttributeList().stream().filter(a -> a.getName().equals(name)).mapToLong(AttributeProto::getI).findFirst().orElse(fallback);
	}

	private static long numel(long[] s) {
		long n = 1;
		for (long d : s) {
			n *= d;
		}
		return n;
	}
}
