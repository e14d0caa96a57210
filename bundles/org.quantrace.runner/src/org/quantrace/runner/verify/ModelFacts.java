package org.quantrace.runner.verify;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.quantrace.engine.SafeFiles;
import org.quantrace.engine.onnx.DataType;
import org.quantrace.engine.onnx.Tensor;

import com.google.protobuf.InvalidProtocolBufferException;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.OperatorSetIdProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnx.proto.OnnxMl.TensorShapeProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;

/**
 * What an ONNX file holds, read from its protobuf by this package's own code (not by the code that wrote the
 * trace): hash and size, header, graph inputs and outputs with their integer quantization, the tensors by
 * element type and the parameter count. {@link Quantizations} reads the quantization of its tensors.
 */
public final class ModelFacts {

	/** A graph input or output: element type, shape (sizes, symbolic names or "?"), and for an integer one its scale and zero point. */
	public record Io(String name, String elementType, List<String> shape, Float scale, Long zeroPoint) {

		/**
		 * Whether it holds indices, ids or flags (int32, int64, bool: an ArgMax label, token ids), which no scheme quantizes:
		 * a scheme's I/O type applies to the float inputs and outputs only.
		 */
		public boolean indices() {
			return java.util.Set.of("int32", "int64", "bool").contains(elementType.toLowerCase(java.util.Locale.ROOT));
		}
	}

	/** Tensors of one element type: all of them, the stored ones (initializers, constants), and the bytes of those. */
	public record TypeCount(int tensors, int weights, long weightBytes) {
		TypeCount plus(TypeCount o) {
			return new TypeCount(tensors + o.tensors, weights + o.weights, weightBytes + o.weightBytes);
		}
	}

	final Path file;
	final ModelProto proto;
	final GraphProto graph;
	final String sha256;
	final long sizeBytes;
	/**
	 * Every stored tensor (initializers and Constant nodes) by name, of the main graph and of every If/Loop/Scan
	 * body: a quantized branch holds its own codes, scales and zero points.
	 */
	final Map<String, TensorProto> stored = new HashMap<>();
	/** The node writing each value, in whichever graph it runs. */
	final Map<String, NodeProto> producers = new HashMap<>();
	final Map<String, NodeProto> named = new HashMap<>();
	/** The nodes reading each value, a body's nodes included (they read outer-scope values by name). */
	final Map<String, List<NodeProto>> consumers = new HashMap<>();
	/** The main graph, then each body after the graph holding it. */
	final List<GraphProto> graphs = new ArrayList<>();
	/** The graph each node runs in. */
	final Map<NodeProto, GraphProto> scope = new IdentityHashMap<>();
	final Map<String, DataType> types;
	/** The types the inventory counts ({@link #typedAsTheEngineCan}); null until {@link #inventory} first needs them. */
	private Map<String, DataType> inventoried;

	private ModelFacts(Path file, ModelProto proto, String sha256, long sizeBytes) {
		this.file = file;
		this.proto = proto;
		this.graph = proto.getGraph();
		this.sha256 = sha256;
		this.sizeBytes = sizeBytes;
		graphs(graph, graphs);
		// A body sees the values of its enclosing graphs by name and may not redefine them (ONNX's single
		// assignment across scopes), so one map per kind holds every scope; the enclosing graph is indexed first.
		for (GraphProto g : graphs) {
			g.getInitializerList().forEach(t -> stored.putIfAbsent(t.getName(), t));
			for (NodeProto n : g.getNodeList()) {
				scope.put(n, g);
				constant(n).ifPresent(t -> stored.putIfAbsent(n.getOutput(0), t));
				n.getOutputList().stream().filter(o -> !o.isEmpty()).forEach(o -> producers.putIfAbsent(o, n));
				if (!n.getName().isEmpty()) {
					named.putIfAbsent(n.getName(), n);
				}
				n.getInputList().forEach(i -> consumers.computeIfAbsent(i, k -> new ArrayList<>()).add(n));
			}
		}
		this.types = ElementTypes.infer(this);
	}

	/** The nodes of every graph: the main graph's, then those of each body. */
	List<NodeProto> nodes() {
		List<NodeProto> all = new ArrayList<>();
		graphs.forEach(g -> all.addAll(g.getNodeList()));
		return all;
	}

	/**
	 * The integer weights a weight-only quantized model stores (a dynamic-range output whose weights are read through Cast to a
	 * float type and then Mul or Sub), counted by element type ("int8" → 4); empty for a model that stores none. A recipe that
	 * quantizes such a model rounds those weights again, and the run warns (model-weight-only): verify derives the warning here.
	 */
	public java.util.SortedMap<String, Integer> weightOnly() {
		java.util.SortedMap<String, java.util.Set<String>> byType = new java.util.TreeMap<>();
		for (NodeProto n : nodes()) {
			TensorProto t = n.getOpType().equals("Cast") && n.getInputCount() > 0 ? stored.get(n.getInput(0)) : null;
			long to = n.getAttributeList().stream().filter(a -> a.getName().equals("to")).mapToLong(a -> a.getI()).findFirst().orElse(0);
			DataType type = t == null ? null : knownType(t.getDataType());
			boolean toFloat = to == DataType.FLOAT.code() || to == DataType.FLOAT16.code() || to == DataType.BFLOAT16.code() || to == DataType.DOUBLE.code();
			if (type != null && type.isInteger() && toFloat && n.getOutputCount() > 0 && consumers.getOrDefault(n.getOutput(0), List.of()).stream()
					.anyMatch(c -> c.getOpType().equals("Mul") || c.getOpType().equals("Sub"))) {
				byType.computeIfAbsent(type.displayName().toLowerCase(java.util.Locale.ROOT), k -> new java.util.LinkedHashSet<>()).add(n.getInput(0));
			}
		}
		java.util.SortedMap<String, Integer> counts = new java.util.TreeMap<>();
		byType.forEach((k, v) -> counts.put(k, v.size()));
		return counts;
	}

	/**
	 * What a warning about ONNX Runtime's int4 weight-only form must say of this model, read from its nodes by verify's own code:
	 * per com.microsoft.MatMulNBits, "'name' K 32 x N 16" and its form "stored 4-bit weight codes in blocks of 16 along K, zero
	 * points stored" (or "no zero points (symmetric)"), and the count of each form ("2 com.microsoft.MatMulNBits on "); empty for a
	 * model of none. A node without a name is named by its op and first output, as the run names it.
	 */
	public List<String> nBitsPieces() {
		java.util.Map<String, Integer> forms = new java.util.LinkedHashMap<>();
		List<String> pieces = new ArrayList<>();
		for (NodeProto n : nodes()) {
			if (!n.getOpType().equals("MatMulNBits") || !n.getDomain().equals("com.microsoft")) {
				continue;
			}
			java.util.Map<String, Long> a = new java.util.HashMap<>();
			n.getAttributeList().forEach(x -> a.put(x.getName(), x.getI()));
			boolean zeroPoints = n.getInputCount() > 3 && !n.getInput(3).isEmpty();
			String form = "stored " + a.getOrDefault("bits", 4L) + "-bit weight codes in blocks of " + a.getOrDefault("block_size", 0L) + " along K, "
					+ (zeroPoints ? "zero points stored" : "no zero points (symmetric)");
			forms.merge(form, 1, Integer::sum);
			if (forms.get(form) <= 8) {
				String name = n.getName().isEmpty() ? n.getOpType() + " -> " + n.getOutput(0) : n.getName();
				pieces.add("'" + name + "' K " + a.getOrDefault("K", 0L) + " x N " + a.getOrDefault("N", 0L));
			}
		}
		forms.forEach((form, k) -> pieces.add(k + " com.microsoft.MatMulNBits on " + form + " ("));
		return pieces;
	}

	private static DataType knownType(int code) {
		try {
			return DataType.of(code);
		} catch (IllegalArgumentException e) {
			return null;
		}
	}

	/** Reads {@code file}; an unreadable or non-ONNX file is a finding, not an error of verify. */
	public static ModelFacts read(Path file) throws IOException {
		byte[] bytes = Files.readAllBytes(file);
		try {
			ModelProto proto = ModelProto.parseFrom(bytes);
			if (!proto.hasGraph()) {
				throw new IOException(file.getFileName() + " is not an ONNX model (no graph)");
			}
			// unnamed nodes named as the quantizer names them before it records its layers
			return new ModelFacts(file, org.quantrace.engine.onnx.NodeNames.filled(proto), SafeFiles.sha256(bytes), bytes.length);
		} catch (InvalidProtocolBufferException e) {
			throw new IOException(file.getFileName() + " is not an ONNX model (" + e.getMessage() + ")", e);
		}
	}

	/**
	 * Whether the model runs {@code node} on integers, as verify re-derives it for the records from the graph's structure
	 * (an integer kernel, a QDQ group ONNX Runtime fuses, codes moved); null when the model has no such node.
	 */
	public Boolean runsOnIntegers(String node) {
		return new Quantizations(this).layerQuantized(node, null);
	}

	public String sha256() {
		return sha256;
	}

	public long sizeBytes() {
		return sizeBytes;
	}

	/** The file's producer_name and producer_version, as the ONNX header holds them ("" where absent). */
	public String[] producer() {
		return new String[] { proto.getProducerName(), proto.getProducerVersion() };
	}

	public long irVersion() {
		return proto.getIrVersion();
	}

	/** The opset of the default (ai.onnx) domain, 0 when the model imports none. */
	public int opset() {
		for (OperatorSetIdProto o : proto.getOpsetImportList()) {
			if (o.getDomain().isEmpty() || o.getDomain().equals("ai.onnx")) {
				return (int) o.getVersion();
			}
		}
		return 0;
	}

	public String producerName() {
		return proto.getProducerName();
	}

	public String producerVersion() {
		return proto.getProducerVersion();
	}

	/** Inputs fed at run time (graph inputs that are not initializers). */
	public List<Io> inputs() {
		List<Io> result = new ArrayList<>();
		Set<String> initializers = new HashSet<>();
		graph.getInitializerList().forEach(t -> initializers.add(t.getName()));
		for (ValueInfoProto v : graph.getInputList()) {
			if (!initializers.contains(v.getName())) {
				List<Io> read = consumers.getOrDefault(v.getName(), List.of()).stream().filter(n -> n.getOpType().equals("DequantizeLinear"))
						.map(n -> io(v, n)).distinct().toList();
				// readers that disagree state no one scale and zero point of the input: none, so a record claiming one is a mismatch
				result.add(read.size() == 1 ? read.get(0) : io(v, null));
			}
		}
		return result;
	}

	public List<Io> outputs() {
		return graph.getOutputList().stream().map(v -> {
			NodeProto writer = producers.get(v.getName());
			return io(v, writer != null && writer.getOpType().equals("QuantizeLinear") ? writer : null);
		}).toList();
	}

	/** An integer input read by a DequantizeLinear, or output written by a QuantizeLinear, has the scale and zero point of that node. */
	private Io io(ValueInfoProto v, NodeProto qdq) {
		DataType type = v.getType().hasTensorType() ? DataType.of(v.getType().getTensorType().getElemType()) : DataType.UNDEFINED;
		List<String> shape = null;
		if (v.getType().hasTensorType() && v.getType().getTensorType().hasShape()) {
			shape = new ArrayList<>();
			for (TensorShapeProto.Dimension d : v.getType().getTensorType().getShape().getDimList()) {
				shape.add(d.hasDimValue() ? String.valueOf(d.getDimValue()) : d.hasDimParam() && !d.getDimParam().isEmpty() ? d.getDimParam() : "?");
			}
		}
		Float scale = null;
		Long zero = null;
		if (type.isInteger() && qdq != null) {
			TensorProto s = stored.get(qdq.getInput(1));
			TensorProto z = qdq.getInputCount() > 2 && !qdq.getInput(2).isEmpty() ? stored.get(qdq.getInput(2)) : null;
			if (s != null && Tensor.of(s).elementCount() == 1) {
				scale = Tensor.of(s).toFloatArray()[0];
				zero = z == null ? 0L : Tensor.of(z).toLongArray()[0];
			}
		}
		return new Io(v.getName(), type.displayName(), shape, scale, zero);
	}

	/**
	 * Tensors by element type, as the inventories count them: the runtime inputs, every initializer and
	 * Constant of every graph, then every node output, each name once; the stored ones are the weights.
	 * UINT8, INT8, INT16, INT32 and FLOAT32 are always present. The engine types the values a model computes by ONNX
	 * Runtime's inference when it loads the model, so of a model ONNX Runtime does not load (a BatchNormalization with its
	 * training outputs under an opset that has none: the example's model with its opset import raised to 17, which the
	 * run's convert step repairs) only the types the model states count, the rest as no element type (an honest run of
	 * it failed verify with 6 mismatches). A model holding float64 values is typed as the engine types its float32
	 * narrowing, which ONNX Runtime loads where it does not load the model.
	 */
	public Map<String, TypeCount> inventory() {
		Map<String, DataType> types = typedAsTheEngineCan();
		Map<String, TypeCount> counts = new LinkedHashMap<>();
		for (String t : List.of("UINT8", "INT8", "INT16", "INT32", "FLOAT32")) {
			counts.put(t, new TypeCount(0, 0, 0));
		}
		Set<String> seen = new HashSet<>();
		for (Io in : inputs()) {
			if (seen.add(in.name())) {
				counts.merge(in.elementType(), new TypeCount(1, 0, 0), TypeCount::plus);
			}
		}
		for (GraphProto g : graphs) {
			for (TensorProto t : g.getInitializerList()) {
				stored(t.getName(), t, seen, counts);
			}
		}
		for (GraphProto g : graphs) {
			for (NodeProto n : g.getNodeList()) {
				constant(n).ifPresent(t -> stored(n.getOutput(0), t, seen, counts));
			}
		}
		for (GraphProto g : graphs) {
			for (NodeProto n : g.getNodeList()) {
				if (!n.getOpType().equals("Constant")) {
					for (String o : n.getOutputList()) {
						if (!o.isEmpty() && seen.add(o)) {
							DataType type = types.get(o);
							counts.merge(type == null ? org.quantrace.report.UntypedValues.TYPE : type.displayName(), new TypeCount(1, 0, 0), TypeCount::plus);
						}
					}
				}
			}
		}
		return counts;
	}

	/** Worked out once per file: the trace's and report.html's checks each count the inventory, and {@link #loads} opens a session. */
	private Map<String, DataType> typedAsTheEngineCan() {
		if (inventoried == null) {
			Map<String, DataType> declared = ElementTypes.declared(this);
			inventoried = declared.keySet().containsAll(types.keySet()) || declared.containsValue(DataType.DOUBLE) || types.containsValue(DataType.DOUBLE)
					|| loads() ? types : declared;
		}
		return inventoried;
	}

	/** Whether ONNX Runtime loads the model file as it is (verify's own session, closed at once). */
	private boolean loads() {
		try (var session = org.quantrace.engine.runtime.InferenceSession.open(org.quantrace.engine.onnx.OnnxModel.load(file),
				org.quantrace.engine.runtime.SessionSettings.defaults().withThreads(1), file.toString())) {
			return true;
		} catch (RuntimeException refused) {
			return false;
		}
	}

	private static void stored(String name, TensorProto t, Set<String> seen, Map<String, TypeCount> counts) {
		if (seen.add(name)) {
			DataType type = DataType.of(t.getDataType());
			counts.merge(type.displayName(), new TypeCount(1, 1, bytes(t)), TypeCount::plus);
		}
	}

	/**
	 * The numbers a model learns: elements of every initializer and Constant but indices, flags and strings, and but the
	 * scales and zero points quantization added ({@link #quantizationParameters()}): a quantized model has the count of its
	 * float model, its weights and biases being integer codes.
	 */
	public long parameters() {
		return count(false);
	}

	/**
	 * The parameter count a record of {@code a} states: {@link #parameters()}, or, in a trace written before scales and zero
	 * points were counted apart, both together as those runs counted them, so that verify of an earlier output folder does
	 * not call its honest count a mismatch.
	 */
	public long parametersAsRecorded(org.quantrace.model.trace.ModelArtifact a) {
		return countedApart(a) ? parameters() : parameters() + quantizationParameters();
	}

	/**
	 * Whether the trace holding {@code a} counts scales and zero points apart. Decided for the whole trace, not per record (a
	 * count of 0 is not written, so one record cannot tell): a trace written since gives every quantized model a count, one
	 * written before none; a trace of float models only has nothing to count apart either way.
	 */
	public static boolean countedApart(org.quantrace.model.trace.ModelArtifact a) {
		return !(a.eContainer() instanceof org.quantrace.model.trace.TraceModel t)
				|| t.getArtifacts().stream().anyMatch(x -> x.getQuantizationParameterCount() != 0);
	}

	/** Elements of the stored scales and zero points ({@link #quantizationTensors()}): 0 for a float model. */
	public long quantizationParameters() {
		return count(true);
	}

	private long count(boolean quantization) {
		return counted(quantization).values().stream().mapToLong(Long::longValue).sum();
	}

	/** The stored tensors {@link #parameters()} (or, {@code quantization}, {@link #quantizationParameters()}) counts, with their element counts. */
	Map<String, Long> counted(boolean quantization) {
		Set<String> seen = new HashSet<>();
		inputs().forEach(i -> seen.add(i.name()));
		Set<String> scalesAndZeroPoints = quantizationTensors();
		Map<String, Long> counted = new java.util.LinkedHashMap<>();
		List<Map.Entry<String, TensorProto>> all = new ArrayList<>();
		graphs.forEach(g -> g.getInitializerList().forEach(t -> all.add(Map.entry(t.getName(), t))));
		graphs.forEach(g -> g.getNodeList().forEach(c -> constant(c).ifPresent(t -> all.add(Map.entry(c.getOutput(0), t)))));
		for (Map.Entry<String, TensorProto> e : all) {
			DataType type = DataType.of(e.getValue().getDataType());
			if (!seen.add(e.getKey())) {
				continue;
			}
			if (scalesAndZeroPoints.contains(e.getKey()) == quantization
					&& (quantization || type != DataType.INT64 && type != DataType.BOOL && type != DataType.STRING)) {
				counted.put(e.getKey(), elements(e.getValue()));
			}
		}
		return counted;
	}

	/**
	 * The inputs of the quantized ops by their names in the operator schemas (ONNX and com.microsoft), to tell a scale or
	 * zero point ("..._scale", "..._zero_point") from the codes and float values. QLinearConcat's inputs after its two
	 * first are (tensor, scale, zero point) triples.
	 */
	private static final Map<String, List<String>> SCHEMA_INPUTS = Map.ofEntries(
			Map.entry("QuantizeLinear", List.of("x", "y_scale", "y_zero_point")),
			Map.entry("DequantizeLinear", List.of("x", "x_scale", "x_zero_point")),
			Map.entry("MatMulInteger", List.of("A", "B", "a_zero_point", "b_zero_point")),
			Map.entry("ConvInteger", List.of("x", "w", "x_zero_point", "w_zero_point")),
			Map.entry("QLinearConv", List.of("x", "x_scale", "x_zero_point", "w", "w_scale", "w_zero_point", "y_scale", "y_zero_point", "B")),
			Map.entry("QLinearMatMul", List.of("a", "a_scale", "a_zero_point", "b", "b_scale", "b_zero_point", "y_scale", "y_zero_point")),
			Map.entry("QLinearAdd", List.of("A", "A_scale", "A_zero_point", "B", "B_scale", "B_zero_point", "C_scale", "C_zero_point")),
			Map.entry("QLinearMul", List.of("A", "A_scale", "A_zero_point", "B", "B_scale", "B_zero_point", "C_scale", "C_zero_point")),
			Map.entry("QGemm", List.of("A", "a_scale", "a_zero_point", "B", "b_scale", "b_zero_point", "C", "y_scale", "y_zero_point")),
			Map.entry("QLinearSigmoid", List.of("X", "X_scale", "X_zero_point", "Y_scale", "Y_zero_point")),
			Map.entry("QLinearLeakyRelu", List.of("X", "X_scale", "X_zero_point", "Y_scale", "Y_zero_point")),
			Map.entry("QLinearSoftmax", List.of("X", "X_scale", "x_zero_point", "y_scale", "y_zero_point")),
			Map.entry("QLinearGlobalAveragePool", List.of("X", "x_scale", "x_zero_point", "y_scale", "y_zero_point")),
			Map.entry("QLinearAveragePool", List.of("X", "x_scale", "x_zero_point", "y_scale", "y_zero_point")),
			Map.entry("QLinearWhere", List.of("condition", "X", "x_scale", "x_zero_point", "Y", "y_scale", "y_zero_point", "z_scale", "z_zero_point")),
			Map.entry("MatMulIntegerToFloat", List.of("A", "B", "a_scale", "b_scale", "a_zero_point", "b_zero_point", "bias")),
			Map.entry("DynamicQuantizeMatMul", List.of("A", "B", "b_scale", "b_zero_point", "bias")),
			Map.entry("DynamicQuantizeLSTM", List.of("X", "W", "R", "B", "sequence_lens", "initial_h", "initial_c", "P", "W_scale", "W_zero_point",
					"R_scale", "R_zero_point")));

	/** The name of input {@code i} of {@code n} in its operator's schema, "" when the schema names none. */
	private static String schemaInput(NodeProto n, int i) {
		if (n.getOpType().equals("QLinearConcat")) {
			return i == 0 ? "Y_scale" : i == 1 ? "Y_zero_point" : List.of("X", "X_scale", "X_zero_point").get((i - 2) % 3);
		}
		List<String> names = SCHEMA_INPUTS.getOrDefault(n.getOpType(), List.of());
		return i < names.size() ? names.get(i) : "";
	}

	/**
	 * The stored tensors that are scales or zero points, not learnt values: every node reading one reads it as an input the
	 * operator's schema names a scale or zero point, or as the factor (Mul) or offset (Sub) applied to integer codes made
	 * float: stored integers through a Cast (weight-only codes), or the y_scale DynamicQuantizeLinear computes at run time.
	 */
	Set<String> quantizationTensors() {
		if (quantizationTensors == null) { // asked by both counts, for each record that states them
			quantizationTensors = Set.copyOf(findQuantizationTensors());
		}
		return quantizationTensors;
	}

	private Set<String> quantizationTensors;

	private Set<String> findQuantizationTensors() {
		Set<String> scales = new HashSet<>();
		Set<String> values = new HashSet<>();
		for (NodeProto n : nodes()) {
			boolean dequantizing = (n.getOpType().equals("Mul") || n.getOpType().equals("Sub"))
					&& n.getInputList().stream().anyMatch(i -> codesMadeFloat(i, n.getOpType().equals("Mul")));
			for (int i = 0; i < n.getInputCount(); i++) {
				String name = n.getInput(i);
				if (!stored.containsKey(name)) {
					continue;
				}
				String role = schemaInput(n, i);
				boolean scale = role.endsWith("scale") || role.endsWith("zero_point") || dequantizing && !codesMadeFloat(name, true);
				(scale ? scales : values).add(name);
			}
		}
		scales.removeAll(values);
		return scales;
	}

	/** Whether {@code value} is integer codes cast to a float type from a stored tensor, or (withScale) DynamicQuantizeLinear's y_scale. */
	private boolean codesMadeFloat(String value, boolean withScale) {
		NodeProto p = producers.get(value);
		if (p == null) {
			return false;
		}
		if (withScale && p.getOpType().equals("DynamicQuantizeLinear")) {
			return p.getOutputCount() > 1 && p.getOutput(1).equals(value);
		}
		if (!p.getOpType().equals("Cast") || p.getInputCount() == 0 || !stored.containsKey(p.getInput(0))) {
			return false;
		}
		DataType from = knownType(stored.get(p.getInput(0)).getDataType());
		long to = p.getAttributeList().stream().filter(a -> a.getName().equals("to")).mapToLong(a -> a.getI()).findFirst().orElse(0);
		return from != null && from.isInteger() && from != DataType.INT64 && (to == DataType.FLOAT.code() || to == DataType.FLOAT16.code()
				|| to == DataType.BFLOAT16.code() || to == DataType.DOUBLE.code());
	}

	static long elements(TensorProto t) {
		long n = 1;
		for (long d : t.getDimsList()) {
			n *= d;
		}
		return n;
	}

	private static long bytes(TensorProto t) {
		DataType type = DataType.of(t.getDataType());
		return type == DataType.STRING ? t.getStringDataList().stream().mapToLong(s -> s.size()).sum() : type.storageBytes(elements(t));
	}

	/** {@code g}, then each body after the graph holding it, depth first (as the engine's Graph.graphs visits them). */
	static void graphs(GraphProto g, List<GraphProto> out) {
		out.add(g);
		for (NodeProto n : g.getNodeList()) {
			for (AttributeProto a : n.getAttributeList()) {
				if (a.hasG()) {
					graphs(a.getG(), out);
				}
				a.getGraphsList().forEach(sub -> graphs(sub, out));
			}
		}
	}

	/** The tensor a Constant node of the default domain produces (string and sparse values are not weights). */
	static java.util.Optional<TensorProto> constant(NodeProto n) {
		if (!n.getOpType().equals("Constant") || !n.getDomain().isEmpty() && !n.getDomain().equals("ai.onnx")) {
			return java.util.Optional.empty();
		}
		for (AttributeProto a : n.getAttributeList()) {
			TensorProto.Builder t = TensorProto.newBuilder().setName(n.getOutput(0));
			switch (a.getName()) {
			case "value" -> {
				if (a.hasT()) {
					return java.util.Optional.of(a.getT());
				}
			}
			case "value_float" -> {
				return java.util.Optional.of(t.setDataType(TensorProto.DataType.FLOAT_VALUE).addFloatData(a.getF()).build());
			}
			case "value_floats" -> {
				return java.util.Optional.of(t.setDataType(TensorProto.DataType.FLOAT_VALUE).addDims(a.getFloatsCount()).addAllFloatData(a.getFloatsList()).build());
			}
			case "value_int" -> {
				return java.util.Optional.of(t.setDataType(TensorProto.DataType.INT64_VALUE).addInt64Data(a.getI()).build());
			}
			case "value_ints" -> {
				return java.util.Optional.of(t.setDataType(TensorProto.DataType.INT64_VALUE).addDims(a.getIntsCount()).addAllInt64Data(a.getIntsList()).build());
			}
			default -> {
			}
			}
		}
		return java.util.Optional.empty();
	}

	/** Whether the model holds a tensor of that name: stored, a graph input, or a node's output. */
	boolean holds(String tensor) {
		return stored.containsKey(tensor) || producers.containsKey(tensor) || graph.getInputList().stream().anyMatch(v -> v.getName().equals(tensor));
	}

	NodeProto producer(String tensor) {
		return producers.get(tensor);
	}

	List<NodeProto> consumers(String tensor) {
		return consumers.getOrDefault(tensor, List.of());
	}

	NodeProto node(String name) {
		return name == null ? null : named.get(name);
	}

	/** Whether a body of the node {@code owner} (an If, Loop or Scan), or a body nested in one, holds a node named {@code name}. */
	boolean inBody(String owner, String name) {
		List<GraphProto> all = new ArrayList<>();
		graphs(graph, all);
		for (GraphProto g : all) {
			for (NodeProto n : g.getNodeList()) {
				if (n.getName().equals(owner)) {
					List<GraphProto> bodies = new ArrayList<>();
					for (AttributeProto a : n.getAttributeList()) {
						if (a.hasG()) {
							graphs(a.getG(), bodies);
						}
						a.getGraphsList().forEach(sub -> graphs(sub, bodies));
					}
					return bodies.stream().flatMap(b -> b.getNodeList().stream()).anyMatch(x -> x.getName().equals(name));
				}
			}
		}
		return false;
	}

	/** A stored tensor's values (scales, zero points) through the engine's low-level tensor decoding. */
	Tensor value(String name) {
		TensorProto t = stored.get(name);
		return t == null ? null : Tensor.of(t);
	}

	@Override
	public String toString() {
		return file.toString();
	}
}
