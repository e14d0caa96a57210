package org.quantrace.engine.runtime;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.quantrace.engine.InvalidInputException;
import org.quantrace.engine.QuantraceException;
import org.quantrace.engine.onnx.ContainerOps;
import org.quantrace.engine.onnx.DataType;
import org.quantrace.engine.onnx.Graph;
import org.quantrace.engine.onnx.IoQuantization;
import org.quantrace.engine.onnx.Node;
import org.quantrace.engine.onnx.OnnxModel;
import org.quantrace.engine.onnx.Tensor;
import org.quantrace.engine.onnx.TensorInfo;

import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.TensorShapeProto;
import ai.onnx.proto.OnnxMl.TypeProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;

/**
 * Finds the element type and shape of every tensor of the main graph by running the model once on
 * zeros, with every intermediate tensor exposed as an output. Exporters rarely store value infos, and
 * running is the one shape inference that agrees with ONNX Runtime by construction. Dynamic dimensions
 * are run as 1, so intermediate shapes come out for a batch of one (as the results deck shows them). Values that are no
 * tensors (a SplitToSequence's tensor sequence, a scripted loop's list) are exposed but not requested: they have no shape; an
 * optional value is not exposed at all.
 */
public final class ShapeProbe {

	private ShapeProbe() {
	}

	public static Map<String, TensorInfo> probe(OnnxModel model, String source) {
		Map<String, NdArray> feed = new LinkedHashMap<>();
		OnnxModel copy = everyTensorAnOutput(model, feed, source);
		try (InferenceSession session = InferenceSession.open(copy, settings(), source)) {
			return session.runForShapes(feed, session.tensorOutputs()); // only types and shapes: no value is copied into Java
		}
	}

	/** What {@link #probeWithBodies} found: every tensor it reached, and why the bodies it could not run stay unknown. */
	public record Probed(Map<String, TensorInfo> tensors, List<String> notes) {
	}

	/**
	 * As {@link #probe}, and also the tensors computed inside If branches and Loop/Scan bodies, which ONNX
	 * Runtime cannot return from the enclosing model: each body runs once as a model of its own, on the values
	 * the enclosing graph computed for what it reads from there (its formal inputs: the Loop's or Scan's
	 * initial values, else zeros of their declared type and shape). Branches run whether or not the condition
	 * would take them. A body that cannot run that way (it reads a tensor sequence, which ONNX Runtime's Java API
	 * cannot feed) is typed by ONNX Runtime's inference when it loads the body, its shapes unknown; a body it
	 * cannot even load is named in the notes and its tensors are left out.
	 */
	public static Probed probeWithBodies(OnnxModel model, String source) {
		Map<String, DataType> half = new HashMap<>();
		Map<String, DataType> sequences = new HashMap<>();
		Map<String, NdArray> values = runMain(model, source, true, half, sequences);
		Map<String, TensorInfo> typed = new LinkedHashMap<>();
		List<String> notes = new ArrayList<>();
		ModelProto header = model.toProto().toBuilder().clearGraph().build();
		List<Graph> graphs = model.graph().graphs();
		for (Graph body : graphs.subList(1, graphs.size())) { // parents before their bodies: a body's reads are known when it runs
			String where = source + " (" + body.owner().opType() + " '" + body.owner().name() + "', body '" + body.name() + "')";
			String named = body.owner().opType() + " '" + body.owner().name() + "' body '" + body.name() + "'";
			try {
				values.putAll(runBody(header, body, values, where));
			} catch (QuantraceException | IllegalArgumentException e) {
				try {
					typed.putAll(typeBody(header, body, values, typed, sequences, where));
					notes.add("shapes of " + named + " unknown: it could not be run on its own (" + e.getMessage()
							+ "); its element types are ONNX Runtime's inference when it loads the body");
				} catch (QuantraceException | IllegalArgumentException notLoaded) {
					notes.add("tensors of " + named + " unknown: it could not be run on its own (" + e.getMessage() + ")");
				}
			}
		}
		Map<String, TensorInfo> tensors = infos(values, half);
		typed.forEach(tensors::putIfAbsent);
		return new Probed(tensors, notes);
	}

	/**
	 * Runs the main graph on zeros with every node output exposed; returns every value (and the zeros fed, {@code withInputs}).
	 * The session reads half-precision and float64 values as float32: their real types go into {@code half}.
	 */
	private static Map<String, NdArray> runMain(OnnxModel model, String source, boolean withInputs, Map<String, DataType> half,
			Map<String, DataType> sequences) {
		Map<String, NdArray> feed = new LinkedHashMap<>();
		OnnxModel copy = everyTensorAnOutput(model, feed, source);
		Map<String, NdArray> values = new LinkedHashMap<>();
		try (InferenceSession session = InferenceSession.open(copy, settings(), source)) {
			values.putAll(session.run(feed, session.tensorOutputs())); // a sequence between nodes has no tensor shape
			sequences.putAll(session.sequenceOutputs());
			for (TensorInfo t : session.outputs()) {
				if (t.type() == DataType.FLOAT16 || t.type() == DataType.BFLOAT16 || t.type() == DataType.DOUBLE
						|| org.quantrace.engine.onnx.Float8.is(t.type())) {
					half.put(t.name(), t.type());
				}
			}
		}
		for (ValueInfoProto v : copy.graph().runtimeInputs()) {
			DataType declared = TensorInfo.of(v).type();
			if (declared == DataType.FLOAT16 || declared == DataType.BFLOAT16) {
				half.put(v.getName(), declared);
			}
		}
		if (withInputs) {
			feed.forEach(values::putIfAbsent);
		}
		return values;
	}

	/**
	 * The element type of every node output of the main graph as ONNX Runtime infers it when it loads the model, without
	 * running it; their shapes are left unknown. What a model that cannot be run on made-up zeros still states: a model
	 * with dynamic height and width whose branches meet again after strided and upsampled paths (an HRNet's fusion: at 1x1
	 * the branches come out 2x2 and 4x4) fails {@link #probe} at every symbolic dimension 1, and its element types do not
	 * depend on the size it would run at.
	 *
	 * @throws InvalidInputException when ONNX Runtime cannot load the model
	 */
	public static Map<String, TensorInfo> types(OnnxModel model, String source) {
		OnnxModel copy = everyTensorAnOutput(model, null, source);
		Map<String, TensorInfo> result = new LinkedHashMap<>();
		try (InferenceSession session = InferenceSession.open(copy, settings(), source)) {
			for (TensorInfo t : session.outputs()) {
				if (t.type() != DataType.UNDEFINED) {
					result.put(t.name(), new TensorInfo(t.name(), t.type(), null));
				}
			}
		}
		return result;
	}

	/**
	 * A copy of {@code model} with every node output of its main graph an output, and zeros for its inputs put in {@code feed}
	 * (none when {@code feed} is null).
	 */
	private static OnnxModel everyTensorAnOutput(OnnxModel model, Map<String, NdArray> feed, String source) {
		OnnxModel copy = model.copy();
		Graph g = copy.graph();
		Set<String> exposed = new HashSet<>();
		g.outputs().forEach(v -> exposed.add(v.getName()));
		g.inputs().forEach(v -> exposed.add(v.getName()));
		for (Node n : g.nodes()) {
			for (int i = 0; i < n.outputs().size(); i++) {
				String o = n.output(i);
				// an optional value is not exposed: ONNX Runtime's Java API cannot even describe such an output ("Invalid ONNXType")
				if (!o.isEmpty() && g.initializer(o) == null && !ContainerOps.writesOptional(n, i) && exposed.add(o)) {
					g.outputs().add(ValueInfoProto.newBuilder().setName(o).build());
				}
			}
		}
		if (feed != null) {
			for (ValueInfoProto v : g.runtimeInputs()) {
				feed.put(v.getName(), zeros(v, 1, source));
			}
		}
		return copy;
	}

	/**
	 * Runs {@code body} as a model of its own: its nodes and initializers; what it reads from the enclosing
	 * graphs as inputs fed with their computed {@code values} (constants of those graphs as initializers); every
	 * node output exposed. Nested bodies stay inside their nodes (they run in turn, after this one).
	 */
	private static Map<String, NdArray> runBody(ModelProto header, Graph body, Map<String, NdArray> values, String where) {
		GraphProto.Builder b = standalone(body);
		Map<String, NdArray> feed = new LinkedHashMap<>();
		for (int k = 0; k < body.inputs().size(); k++) {
			ValueInfoProto v = body.inputs().get(k);
			if (body.initializer(v.getName()) == null) {
				feed.put(v.getName(), formalInput(body, k, values, where));
			}
		}
		for (String in : outerReads(body, b, feed.keySet())) {
			if (!values.containsKey(in)) {
				throw new QuantraceException(where + ": '" + in + "', which it reads from the enclosing graph, was not computed", null);
			}
			feed.put(in, values.get(in));
		}
		feed.forEach((name, value) -> b.addInput(valueInfo(name, value)));
		Map<String, NdArray> result = new LinkedHashMap<>(feed);
		try (InferenceSession session = InferenceSession.open(header.toBuilder().setGraph(b).build().toByteArray(), settings(), where)) {
			result.putAll(session.run(feed, session.tensorOutputs()));
		}
		return result;
	}

	/**
	 * The element types of the tensors {@code body} computes, as ONNX Runtime infers them when it loads the body as a model of its
	 * own (not run; shapes unknown): its formal inputs as the body declares them, what it reads from the enclosing graphs typed
	 * by their computed {@code values}, the {@code typed} tensors of bodies typed so, or the enclosing {@code sequences}; the
	 * sequences the body computes are added to {@code sequences}.
	 */
	private static Map<String, TensorInfo> typeBody(ModelProto header, Graph body, Map<String, NdArray> values, Map<String, TensorInfo> typed,
			Map<String, DataType> sequences, String where) {
		GraphProto.Builder b = standalone(body);
		Set<String> formal = new HashSet<>();
		for (ValueInfoProto v : body.inputs()) {
			if (body.initializer(v.getName()) == null && formal.add(v.getName())) {
				if (v.getType().getValueCase() == TypeProto.ValueCase.VALUE_NOT_SET) {
					throw new QuantraceException(where + ": its input '" + v.getName() + "' declares no type", null);
				}
				b.addInput(v);
			}
		}
		for (String in : outerReads(body, b, formal)) {
			TypeProto.Builder type = TypeProto.newBuilder();
			if (values.containsKey(in) || typed.containsKey(in)) {
				DataType t = values.containsKey(in) ? values.get(in).type() : typed.get(in).type();
				type.setTensorType(TypeProto.Tensor.newBuilder().setElemType(t.code()));
			} else if (sequences.containsKey(in)) {
				type.setSequenceType(TypeProto.Sequence.newBuilder()
						.setElemType(TypeProto.newBuilder().setTensorType(TypeProto.Tensor.newBuilder().setElemType(sequences.get(in).code()))));
			} else {
				DataType optional = optionalOf(body, in, values);
				if (optional == null) {
					throw new QuantraceException(where + ": '" + in + "', which it reads from the enclosing graph, has no known type", null);
				}
				type.setOptionalType(TypeProto.Optional.newBuilder()
						.setElemType(TypeProto.newBuilder().setTensorType(TypeProto.Tensor.newBuilder().setElemType(optional.code()))));
			}
			b.addInput(ValueInfoProto.newBuilder().setName(in).setType(type));
		}
		Map<String, TensorInfo> result = new LinkedHashMap<>();
		try (InferenceSession session = InferenceSession.open(header.toBuilder().setGraph(b).build().toByteArray(), settings(), where)) {
			session.outputs().stream().filter(t -> t.type() != DataType.UNDEFINED).forEach(t -> result.put(t.name(), new TensorInfo(t.name(), t.type(), null)));
			sequences.putAll(session.sequenceOutputs());
		}
		return result;
	}

	/**
	 * The element type of {@code name} when an enclosing graph of {@code body} wraps a computed tensor into it by an Optional
	 * node (ONNX Runtime's Java API can neither feed nor return an optional value, so a body reading one is loaded, not run),
	 * else null.
	 */
	private static DataType optionalOf(Graph body, String name, Map<String, NdArray> values) {
		for (Graph g = body.parent(); g != null; g = g.parent()) {
			for (Node n : g.nodes()) {
				if (n.opType().equals("Optional") && n.outputs().contains(name) && !n.inputs().isEmpty() && values.containsKey(n.input(0))) {
					return values.get(n.input(0)).type();
				}
			}
		}
		return null;
	}

	/** {@code body} as a graph of its own: its nodes and initializers, every node output an output; nested bodies stay inside their nodes. */
	private static GraphProto.Builder standalone(Graph body) {
		GraphProto.Builder b = GraphProto.newBuilder().setName(body.name());
		body.nodes().forEach(n -> b.addNode(n.toProto()));
		body.initializers().forEach(t -> b.addInitializer(t.proto()));
		for (Node n : body.nodes()) {
			for (int i = 0; i < n.outputs().size(); i++) {
				if (!n.output(i).isEmpty() && !ContainerOps.writesOptional(n, i)) { // as in the main graph: an optional is not exposed
					b.addOutput(ValueInfoProto.newBuilder().setName(n.output(i)));
				}
			}
		}
		return b;
	}

	/**
	 * What {@code body} (and the bodies nested in it) reads from the enclosing graphs apart from its {@code formal} inputs, each
	 * once: the enclosing graphs' constants are added to {@code b} as initializers, the others returned, to be fed or declared.
	 */
	private static Set<String> outerReads(Graph body, GraphProto.Builder b, Set<String> formal) {
		Set<String> local = new HashSet<>();
		for (Graph g : body.graphs()) {
			g.initializers().forEach(t -> local.add(t.name()));
			g.inputs().forEach(v -> local.add(v.getName()));
			g.nodes().forEach(n -> local.addAll(n.outputs()));
		}
		Set<String> reads = new java.util.LinkedHashSet<>();
		for (Node n : body.allNodes()) {
			for (String in : n.inputs()) {
				if (in.isEmpty() || local.contains(in) || formal.contains(in) || reads.contains(in)
						|| b.getInitializerList().stream().anyMatch(t -> t.getName().equals(in))) {
					continue;
				}
				Tensor constant = body.parent().constant(in);
				if (constant != null) {
					b.addInitializer(constant.withName(in).proto());
				} else {
					reads.add(in);
				}
			}
		}
		return reads;
	}

	/**
	 * The value of formal input {@code k} of a Loop or Scan body: the enclosing node's initial value where the
	 * input carries one (a Loop's dependencies from its third input on, a Scan's state variables), a Scan input
	 * without its scan axis, else zeros of the declared type and shape (iteration count, condition).
	 */
	private static NdArray formalInput(Graph body, int k, Map<String, NdArray> values, String where) {
		Node owner = body.owner();
		ValueInfoProto declared = body.inputs().get(k);
		if (owner.opType().equals("Loop") && k >= 2 && k < owner.inputs().size() && values.containsKey(owner.input(k))) {
			return values.get(owner.input(k));
		}
		if (owner.opType().equals("Scan")) {
			int states = body.inputs().size() - (int) owner.intAttribute("num_scan_inputs", 0);
			NdArray outer = k < owner.inputs().size() ? values.get(owner.input(k)) : null;
			if (outer != null && k < states) {
				return outer;
			}
			if (outer != null) {
				List<Long> axes = owner.intsAttribute("scan_input_axes");
				int axis = (int) (k - states < axes.size() ? axes.get(k - states) : 0);
				long[] shape = outer.shape();
				axis = axis < 0 ? axis + shape.length : axis;
				long[] slice = new long[shape.length - 1];
				for (int i = 0, j = 0; i < shape.length; i++) {
					if (i != axis) {
						slice[j++] = shape[i];
					}
				}
				return NdArray.zeros(outer.type(), slice);
			}
		}
		TensorInfo info = TensorInfo.of(declared);
		if (info.type() == DataType.UNDEFINED || info.shape() == null) {
			throw new QuantraceException(where + ": its input '" + declared.getName() + "' declares no type or shape", null);
		}
		return zeros(declared, 1, where);
	}

	private static ValueInfoProto valueInfo(String name, NdArray value) {
		TensorShapeProto.Builder shape = TensorShapeProto.newBuilder();
		for (long d : value.shape()) {
			shape.addDim(TensorShapeProto.Dimension.newBuilder().setDimValue(d));
		}
		return ValueInfoProto.newBuilder().setName(name)
				.setType(TypeProto.newBuilder().setTensorType(TypeProto.Tensor.newBuilder().setElemType(value.type().code()).setShape(shape))).build();
	}

	private static Map<String, TensorInfo> infos(Map<String, NdArray> values, Map<String, DataType> half) {
		Map<String, TensorInfo> result = new LinkedHashMap<>();
		values.forEach((name, value) -> result.put(name, TensorInfo.of(name, half.getOrDefault(name, value.type()), value.shape())));
		return result;
	}

	/** One run, every tensor kept to the end: memory from the system, given back when the run ends (no arena to keep it). */
	private static SessionSettings settings() {
		return SessionSettings.defaults().withOptimization(SessionSettings.Optimization.NONE).withThreads(1).withoutArena();
	}

	/**
	 * Requires that ONNX Runtime runs {@code model} on one sample: {@code sample} (a batch of one for its single input), or zeros of
	 * that shape and of the input's declared element type where the sample's type does not feed it. A model ONNX Runtime loads but
	 * cannot run on its own declared input (a Reshape's constant shape that contradicts it, a dense layer sized for a 32x32 image
	 * fed the 28x28 it declares) stopped every command that runs it with "inference failed", exit 3 (the work failed), as if the
	 * fault were Quantrace's: it is the model's, said here before any work (exit 2) with the node ONNX Runtime stopped at, the shape
	 * it was given and how to fix it. Callers run it on the models the user gave, never on those Quantrace made.
	 *
	 * @throws InvalidInputException when ONNX Runtime loads the model but cannot run it on that sample (one it cannot load is left to the
	 *                               steps that read it, as before)
	 */
	public static void requireRuns(OnnxModel model, String source, NdArray sample) {
		List<ValueInfoProto> inputs = model.graph().runtimeInputs();
		if (inputs.size() == 1) { // a model of several inputs is given each input's sample (requireRuns of a map)
			requireRuns(model, source, Map.of(inputs.get(0).getName(), sample));
		}
	}

	/**
	 * As {@link #requireRuns(OnnxModel, String, NdArray)}, on one sample of every input by name: a model of several inputs run on
	 * the first sample of each named array. Arrays that each fit their declared input may not fit together (a KV cache's past key
	 * of 7 positions beside a past value of 6, both declared [N, 4, P, 8]): such a model stopped quantize and evaluate inside ONNX
	 * Runtime, "inference failed", exit 3, once the work had started. Nothing is checked when a sample is missing for an input.
	 */
	public static void requireRuns(OnnxModel model, String source, Map<String, NdArray> samples) {
		org.quantrace.engine.onnx.GraphOutputs.requireReadable(model, source);
		List<ValueInfoProto> inputs = model.graph().runtimeInputs();
		if (inputs.isEmpty() || !inputs.stream().allMatch(v -> samples.containsKey(v.getName()))) {
			return;
		}
		Map<String, NdArray> feed = new LinkedHashMap<>();
		Map<String, IoQuantization.Io> quantized = quantizedInputs(model);
		boolean anyBatch = true;
		for (ValueInfoProto input : inputs) {
			NdArray sample = samples.get(input.getName());
			DataType type = feedType(input, source);
			feed.put(input.getName(), fed(sample, type, quantized.get(input.getName())));
			TensorInfo declared = TensorInfo.of(input);
			List<String> dims = declared.shape();
			anyBatch &= dims != null && !dims.isEmpty() && declared.fixedBatch() == 0 && !dims.get(0).equals("0") && sample.shape().length > 0
					&& sample.shape()[0] == 1;
		}
		InferenceSession session;
		try {
			session = InferenceSession.open(model, settings(), source);
		} catch (QuantraceException e) {
			return; // a model ONNX Runtime does not load is each step's to say (convert raises an opset-9 If model to 11 and runs it there)
		}
		// a batch dimension declared of any size must take more than one sample: every step feeds batches (of 32 or 64). A graph
		// that fixes it at one (a Reshape to the constant [1, 784]) ran on one sample and stopped the work later, "inference
		// failed", exit 3 (quantize, evaluate, run). A batch of 2 is run first: where it runs, one run says both (start-up work
		// of every command); where it does not, the one sample says which fault it is.
		try (session) {
			if (anyBatch) {
				Map<String, NdArray> two = new LinkedHashMap<>();
				feed.forEach((name, x) -> two.put(name, x.rows(0, 2)));
				try {
					session.run(two);
					return;
				} catch (QuantraceException e) {
					runsOne(session, inputs, feed, source);
					throw batchOfTwo(inputs, two, source, e);
				}
			}
			runsOne(session, inputs, feed, source);
		}
	}

	/**
	 * The sample as the input takes it: float data for an integer input quantized, q = r / S + Z, as every step feeds it
	 * ({@link IoQuantization.Io#codes}); zeros of the input's type only where no scale says how. Zeros for every float sample
	 * (multiin2) never ran the model on the data's values: ids beyond a table's rows passed here and stopped the work later.
	 */
	private static NdArray fed(NdArray sample, DataType type, IoQuantization.Io io) {
		if (sample.type() == type) {
			return sample;
		}
		NdArray codes = io == null ? null : io.codes(sample);
		return codes != null && codes.type() == type ? codes : NdArray.zeros(type, sample.shape());
	}

	/** The model's integer inputs with their scale and zero point; none where its readers disagree (each step refuses that itself). */
	private static Map<String, IoQuantization.Io> quantizedInputs(OnnxModel model) {
		try {
			return IoQuantization.inputs(model);
		} catch (InvalidInputException e) {
			return Map.of();
		}
	}

	/** The refusal of a model that runs one sample but not two though its inputs declare a batch of any size. */
	private static InvalidInputException batchOfTwo(List<ValueInfoProto> inputs, Map<String, NdArray> two, String source, QuantraceException e) {
		Stop stop = Stop.of(e);
		List<String> dims = TensorInfo.of(inputs.get(0)).shape();
		String batch = dims.get(0).equals("?") ? "of any size" : "'" + dims.get(0) + "' (any size)";
		String which = inputs.size() == 1 ? "its input '" + inputs.get(0).getName() + "' declares" : "its inputs " + names(inputs) + " declare";
		return new InvalidInputException(source + ": " + which + " the batch dimension " + batch + ", but ONNX Runtime " + InferenceSession.runtimeVersion()
				+ " runs it on one sample only, not on a batch of 2 (shape " + java.util.Arrays.toString(two.values().iterator().next().shape()) + ")"
				+ stop.said(),
				"the graph fixes the batch at one" + stop.at() + " (e.g. a Reshape to a constant shape [1, ...]) while its input declares any batch:"
						+ " export the model again with a dynamic batch (a Reshape to [-1, ...] or a Flatten), or with the input's batch declared as 1",
				e);
	}

	/** "[5]": one sample's shape, without the batch axis the probe feeds it with. */
	private static String sampleShape(NdArray fed) {
		long[] shape = fed.shape();
		return java.util.Arrays.toString(java.util.Arrays.copyOfRange(shape, Math.min(1, shape.length), shape.length));
	}

	/** The input's dimensions after the batch that it leaves to the data (a name or "?"); all of them where it declares no shape. */
	private static List<String> openDimensions(TensorInfo declared) {
		if (declared.shape() == null) {
			return List.of("?");
		}
		List<String> dims = declared.shape();
		return dims.subList(Math.min(1, dims.size()), dims.size()).stream().filter(d -> d.isEmpty() || !d.chars().allMatch(Character::isDigit)).toList();
	}

	private static String names(List<ValueInfoProto> inputs) {
		return "'" + String.join("', '", inputs.stream().map(ValueInfoProto::getName).toList()) + "'";
	}

	/**
	 * Runs the one sample of each input {@code feed}; a failure is said by who is at fault: the data's values (an index beyond a
	 * table), the data's size along a dimension the input leaves open (the graph takes another), the graph contradicting its own
	 * declared input, or, for several inputs, the arrays not fitting together (each named with its shape and the one declared).
	 */
	private static void runsOne(InferenceSession session, List<ValueInfoProto> inputs, Map<String, NdArray> feed, String source) {
		try {
			session.run(feed);
		} catch (QuantraceException e) {
			Stop stop = Stop.of(e);
			String cannot = source + ": ONNX Runtime " + InferenceSession.runtimeVersion() + " loads the model but cannot run it on ";
			if (InferenceSession.isIndexBeyondTable(e)) {
				// the data's values, not the graph (hostile13's find: the hint said "the graph contradicts its own declared input")
				throw new InvalidInputException(cannot + "the first sample of the data" + stop.said(),
						"the data is at fault, not the model: a value of its first sample is an index beyond the table" + stop.at()
								+ " reads; give ids or indices within the range the model was made for (its table's rows)",
						e);
			}
			if (inputs.size() == 1) {
				TensorInfo declared = TensorInfo.of(inputs.get(0));
				String shape = java.util.Arrays.toString(feed.get(declared.name()).shape());
				List<String> open = openDimensions(declared);
				String what = cannot + "input '" + declared.name() + "' of shape " + shape + " (declared " + declared.shapeText() + ")" + stop.said();
				if (!open.isEmpty()) {
					// the input leaves these sizes to the data, so the data's size is the first suspect: a model for 4 features
					// exported as [N, F] and fed 5 was told to "export the model again"
					throw new InvalidInputException(what, "the input leaves " + (declared.shape() == null ? "its whole shape" : String.join(", ", open))
							+ " to the data, and the graph takes another size" + stop.at() + " than the data's samples of shape " + sampleShape(feed.get(declared.name()))
							+ ": the data is at fault, not the model; give samples of the size the model was trained for (ONNX Runtime's reason above"
							+ " may name the size that layer reads);"
							+ " quantrace inspect MODEL.onnx lists its layers",
							e);
				}
				throw new InvalidInputException(what,
						"the graph contradicts its own declared input" + stop.at()
								+ " (a Reshape's constant shape, a layer sized for another input size): export the model again with the input shape it was"
								+ " trained for, or fix that node; quantrace inspect MODEL.onnx lists its layers",
						e);
			}
			List<String> each = new ArrayList<>();
			for (ValueInfoProto v : inputs) {
				each.add("'" + v.getName() + "' " + java.util.Arrays.toString(feed.get(v.getName()).shape()) + " (declared " + TensorInfo.of(v).shapeText() + ")");
			}
			throw new InvalidInputException(source + ": ONNX Runtime " + InferenceSession.runtimeVersion() + " loads the model but cannot run it on the first"
					+ " sample of each input: " + String.join(", ", each) + stop.said(),
					"give each input an array of the shape the model was exported for, the arrays agreeing where their inputs share a dimension"
							+ " (a KV cache's past key and past value: the same number of positions)" + (stop.node() == null ? "" : "; ONNX Runtime stopped" + stop.at())
							+ "; quantrace inspect MODEL.onnx lists the inputs and layers",
					e);
		}
	}

	/** Where ONNX Runtime stopped a run and why, as a user needs it: the node, and its message without the runtime's source location. */
	private record Stop(String node, String reason) {
		static Stop of(QuantraceException e) {
			String ort = e.getCause() == null ? e.getMessage() : String.valueOf(e.getCause().getMessage());
			java.util.regex.Matcher at = java.util.regex.Pattern.compile("running (\\S+) node\\. Name:'([^']*)'(?: Status Message: )?(.*)", java.util.regex.Pattern.DOTALL)
					.matcher(ort);
			String node = at.find() ? "node '" + at.group(2) + "' (" + at.group(1) + ")" : null;
			return new Stop(node, runtimeMessage((node == null ? ort : at.group(3)).strip()));
		}

		String said() {
			return (node == null ? "" : ": it stopped at " + node) + ": " + reason;
		}

		String at() {
			return node == null ? "" : " at " + node;
		}
	}

	/**
	 * ONNX Runtime's message without what only its developers read: the source file and line, the C++ function and the condition
	 * that failed ("/onnxruntime_src/.../reshape_helper.h:91 onnxruntime::ReshapeHelper::ReshapeHelper(const onnxruntime::TensorShape&,
	 * ...) input_shape_size == requested_shape_size was false. The input tensor cannot be reshaped to the requested shape. Input
	 * shape:{32,1,28,28}, requested shape:{1,784}" becomes "The input tensor cannot be reshaped ..."). A message without such a
	 * location is returned as it is; a condition with nothing after it is kept ("... does not hold").
	 */
	public static String runtimeMessage(String message) {
		java.util.regex.Matcher m = java.util.regex.Pattern.compile("(?s)^(.*?)(?:/|[A-Za-z]:\\\\)\\S*\\.(?:h|hpp|cc|cpp|cu):\\d+ (.*)$").matcher(message);
		if (!m.matches()) {
			return message;
		}
		String before = m.group(1).strip();
		String rest = m.group(2);
		int open = rest.indexOf('(');
		if (open > 0 && rest.substring(0, open).matches("[\\w:~<>,*& ]*::[\\w~<>]+")) { // the C++ function (a qualified name): skip to its closing parenthesis
			int depth = 0;
			int i = open;
			for (; i < rest.length(); i++) {
				char c = rest.charAt(i);
				depth += c == '(' ? 1 : c == ')' ? -1 : 0;
				if (depth == 0) {
					break;
				}
			}
			rest = i < rest.length() ? rest.substring(i + 1).strip() : rest;
			rest = rest.startsWith("const ") ? rest.substring(6) : rest;
		}
		java.util.regex.Matcher condition = java.util.regex.Pattern.compile("(?s)^(.*?) was false\\.\\s*(.*)$").matcher(rest);
		if (condition.matches()) {
			rest = condition.group(2).isBlank() ? condition.group(1).strip() + " does not hold" : condition.group(2).strip();
		}
		return (before.isEmpty() ? "" : before + " ") + rest;
	}

	/** Elements one made-up input may hold: 1 GB of float32, far beyond any real model's sample. */
	static final long MAX_ELEMENTS = 1L << 28;

	/**
	 * Zeros of the shape an input declares, its symbolic dimensions taken as {@code dynamic}: what a model
	 * is run on when there is no data.
	 *
	 * @throws InvalidInputException when the input declares no shape, a type we cannot feed, or more elements
	 *                               than {@link #MAX_ELEMENTS}
	 */
	public static NdArray zeros(ValueInfoProto input, long dynamic, String source) {
		TensorInfo info = TensorInfo.of(input);
		String what = source + ": input '" + input.getName() + "'";
		if (info.shape() == null) {
			throw new InvalidInputException(what + " declares no shape, so it cannot be run on made-up data", "give real inputs (--data)");
		}
		long n = 1;
		long[] shape = new long[info.shape().size()];
		for (int i = 0; i < shape.length; i++) {
			String d = info.shape().get(i);
			shape[i] = !d.isEmpty() && d.chars().allMatch(Character::isDigit) ? Long.parseLong(d) : dynamic;
			n = shape[i] > 0 && n > MAX_ELEMENTS / shape[i] ? MAX_ELEMENTS + 1 : n * shape[i];
		}
		if (n > MAX_ELEMENTS) {
			throw new InvalidInputException(what + " declares " + info.shapeText() + ", more than " + MAX_ELEMENTS + " elements per sample",
					"check the input's declared dimensions; re-export the model with its real input size");
		}
		return NdArray.zeros(feedType(input, source), shape);
	}

	/**
	 * The element type a session is fed for {@code input}: float32 for a float, half-precision or undeclared input (the session
	 * rounds half precision, as it rounds real samples), the declared type for an integer or bool one. A float64 input (a model
	 * exported after {@code model.double()}) stopped quantize, evaluate, debug, prune and factorize with "internal error ...
	 * unsupported tensor type FLOAT64", exit 70, and convert with "give real inputs (--data)", which no data could follow.
	 *
	 * @throws InvalidInputException when Quantrace makes no tensors of the declared type (float64, uint32, ...)
	 */
	public static DataType feedType(ValueInfoProto input, String source) {
		return feedType(input.getName(), TensorInfo.of(input).type(), source);
	}

	/** {@link #feedType(ValueInfoProto, String)} of an input named {@code name} that declares {@code declared}. */
	public static DataType feedType(String name, DataType declared, String source) {
		DataType type = declared == DataType.UNDEFINED || DataType.FLOAT.feeds(declared) ? DataType.FLOAT : declared;
		if (NdArray.holds(type)) {
			return type;
		}
		throw new InvalidInputException(source + ": input '" + name + "' is " + type.displayName().toLowerCase(java.util.Locale.ROOT)
				+ ", which Quantrace cannot feed: it feeds float32 inputs (float16 and bfloat16 ones with float32 samples the session rounds), and"
				+ " int8, uint8, int16, uint16, int32, int64 and bool ones",
				type == DataType.DOUBLE
						? "convert it first: quantrace convert MODEL.onnx -o MODEL32.onnx narrows it to float32 and records the rounding (in a recipe: a"
								+ " convert block); or export the model in float32 (PyTorch: model.float() and a float32 dummy input to torch.onnx.export):"
								+ " Quantrace quantizes from float32, and ONNX Runtime's CPU kernels of Conv, for one, are float32 only"
						: "export the model with a float32 input, or with one of the integer types above");
	}
}
