package org.quantrace.engine.calibrate;

import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

import org.quantrace.engine.InvalidInputException;
import org.quantrace.engine.Progress;
import org.quantrace.engine.QuantraceException;
import org.quantrace.engine.data.Dataset;
import org.quantrace.engine.data.ModelInput;
import org.quantrace.engine.data.ModelInputs;
import org.quantrace.engine.onnx.Graph;
import org.quantrace.engine.onnx.Node;
import org.quantrace.engine.onnx.OnnxModel;
import org.quantrace.engine.onnx.Tensor;
import org.quantrace.engine.runtime.ActivationBudget;
import org.quantrace.engine.runtime.InferenceSession;
import org.quantrace.engine.runtime.NdArray;
import org.quantrace.engine.runtime.SessionSettings;
import org.quantrace.engine.runtime.ShapeProbe;
import org.quantrace.engine.onnx.TensorInfo;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnx.proto.OnnxMl.TypeProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;

/**
 * Runs the float model over calibration data, batch by batch, feeding one {@link RangeCollector} per
 * tensor. Methods that need only each batch's extremes (MinMax, moving average) get them from
 * ReduceMin/ReduceMax nodes added to the graph, so activations never leave ONNX Runtime; histogram
 * methods get the tensors as extra outputs. Only the current batch is ever in memory, and of a batch whose
 * activations would exceed {@link MemoryBudget} only a chunk of its samples (and of the tensors fetched) at a time, so
 * peak memory does not grow with the number of samples or the input size. Samples that make a
 * tensor NaN or infinite stop calibration with an error naming them (ONNX Runtime's max reductions skip NaN,
 * so with MinMax an intermediate tensor is refused for an infinity; the input is checked for both).
 */
public final class Calibrator {

	private Calibrator() {
	}

	private static NodeProto reduce(String op, String input, String output) {
		return NodeProto.newBuilder().setOpType(op).setName(output).addInput(input).addOutput(output)
				.addAttribute(AttributeProto.newBuilder().setName("keepdims").setType(AttributeProto.AttributeType.INT).setI(0)).build();
	}

	/**
	 * Adds the reductions of one tensor at the end of the graph, before those of the tensors added earlier. ONNX Runtime
	 * orders nodes by a depth-first search from the graph's leaves, last leaf first: with the reductions of the latest
	 * tensors first and of the earliest last, each reduction runs as soon as its tensor exists and the tensor is freed as
	 * usual; appended in order, they would all run at the end and keep every activation of the batch alive until then.
	 */
	private static void insertReductions(Graph g, int firstAdded, Node... nodes) {
		g.nodes().addAll(firstAdded, List.of(nodes));
	}

	/**
	 * Calibrates {@code tensors}, finding their shapes first by one run on zeros ({@link #shapes}): extremes use them to pool
	 * per channel, and every method to size its runs within {@link MemoryBudget}.
	 */
	public static CalibrationResult calibrate(OnnxModel model, String modelName, Collection<String> tensors, Dataset data,
			CalibrationSettings settings, Progress progress) {
		return calibrate(model, modelName, tensors, data, settings, shapes(model, modelName), progress);
	}

	/**
	 * Element types and shapes of the model's tensors if it runs on zeros of its declared input shape (dynamic
	 * dimensions as 1), else empty: a model with, say, a dynamic image size may not run on 1 x 1 images, and
	 * calibration then does without shapes (the quantizer probes once and passes them on).
	 */
	public static Map<String, TensorInfo> shapes(OnnxModel model, String modelName) {
		try {
			return ShapeProbe.probe(model, modelName);
		} catch (QuantraceException e) {
			return Map.of();
		}
	}

	/**
	 * Calibrates {@code tensors}; {@code shapes} (possibly empty, see {@link #shapes}) let whole-tensor extremes be computed
	 * faster, by pooling per channel first, and keep memory within {@link MemoryBudget} (batches are run in chunks, histogram
	 * tensors fetched in groups, when one sample's activations are large).
	 */
	public static CalibrationResult calibrate(OnnxModel model, String modelName, Collection<String> tensors, Dataset all,
			CalibrationSettings settings, Map<String, TensorInfo> shapes, Progress progress) {
		return calibrate(model, modelName, tensors, all, settings, Map.of(), shapes, progress);
	}

	/**
	 * As {@link #calibrate(OnnxModel, String, Collection, Dataset, CalibrationSettings, Map, Progress)}, with the tensors of
	 * {@code methods} read by their own method instead of the settings' (the other settings kept); the result names them
	 * ({@link CalibrationResult#methods}).
	 */
	public static CalibrationResult calibrate(OnnxModel model, String modelName, Collection<String> tensors, Dataset all,
			CalibrationSettings settings, Map<String, CalibrationSettings.Method> methods, Map<String, TensorInfo> shapes, Progress progress) {
		ModelInputs modelInputs = ModelInputs.of(model, modelName, all);
		ModelInput input = modelInputs.first();
		int samples = settings.maxSamples() > 0 ? Math.min(settings.maxSamples(), all.size()) : all.size();
		// the dataset's own subset: an image folder's takes every class in turn, where its first files are all of one class
		Dataset data = all.limit(samples);
		if (samples == 0) {
			throw new InvalidInputException(data.name() + ": no calibration samples", "give a calibration dataset with at least one sample");
		}
		requireTypes(modelInputs, data, modelName);
		Map<String, RangeCollector> collectors = new LinkedHashMap<>();
		Map<String, CalibrationSettings.Method> own = new LinkedHashMap<>();
		for (String t : tensors) {
			CalibrationSettings.Method m = methods.getOrDefault(t, settings.method());
			collectors.put(t, (m == settings.method() ? settings : settings.with(m)).newCollector());
			if (m != settings.method()) {
				own.put(t, m);
			}
		}
		boolean extremesOnly = collectors.values().stream().noneMatch(RangeCollector::needsValues);

		// Expose what the collectors need: each tensor, or just its batch minimum and maximum, reduced by ONNX Runtime.
		OnnxModel augmented = model.copy();
		Graph g = augmented.graph();
		Set<String> exposed = new LinkedHashSet<>();
		g.outputs().forEach(v -> exposed.add(v.getName()));
		Map<String, String[]> extremes = new LinkedHashMap<>();
		Set<String> fetch = new LinkedHashSet<>();
		Set<String> names = g.tensorNames();
		int firstAdded = g.nodes().size();
		Map<String, Graph> branchOf = branchTensors(g);
		Map<String, String> fetchedAs = new HashMap<>(); // exposed name -> tensor, for tensors of If branches
		Map<String, Squares> squares = new LinkedHashMap<>();
		Set<String> inputNames = Set.copyOf(modelInputs.names());
		for (String t : topological(g, tensors)) {
			if (inputNames.contains(t)) {
				continue;
			}
			Graph branch = branchOf.get(t);
			if (branch != null) {
				if (extremesOnly) {
					boolean nonNegative = branch.producer(t).map(n -> n.opType().equals("Relu")).orElse(false);
					String min = null;
					if (!nonNegative) {
						String reduced = g.uniqueName(t + "_calibration_min", names);
						branch.nodes().add(branch.newNode(reduce("ReduceMin", t, reduced)));
						min = exposeFromBranch(g, branch, reduced, Float.POSITIVE_INFINITY, names);
						fetch.add(min);
					}
					String reduced = g.uniqueName(t + "_calibration_max", names);
					branch.nodes().add(branch.newNode(reduce("ReduceMax", t, reduced)));
					String max = exposeFromBranch(g, branch, reduced, Float.NEGATIVE_INFINITY, names);
					fetch.add(max);
					extremes.put(t, new String[] { min, max });
				} else {
					String exposedName = exposeFromBranch(g, branch, t, Float.NaN, names);
					fetchedAs.put(exposedName, t);
					fetch.add(exposedName);
				}
				continue;
			}
			if (extremesOnly) {
				// a Relu output's minimum is 0 (ranges always contain 0): only its maximum needs computing
				boolean nonNegative = g.producer(t).map(n -> n.opType().equals("Relu")).orElse(false);
				String min = nonNegative ? null : g.uniqueName(t + "_calibration_min", names);
				String max = g.uniqueName(t + "_calibration_max", names);
				if (min != null) {
					insertReductions(g, firstAdded, g.newNode(reduce("ReduceMin", t, min)));
					g.outputs().add(ValueInfoProto.newBuilder().setName(min).build());
					fetch.add(min);
				}
				TensorInfo info = shapes.get(t);
				if (info != null && info.shape() != null && info.shape().size() >= 3 && info.shape().size() <= 5) {
					// per-channel maxima first: ONNX Runtime's GlobalMaxPool is several times faster than a ReduceMax over everything;
					// it pools one to three spatial axes only ("Unsupported pooling size" beyond: Swin's rank-6 window partition)
					String pooled = g.uniqueName(t + "_calibration_channel_max", names);
					insertReductions(g, firstAdded, g.newNode(NodeProto.newBuilder().setOpType("GlobalMaxPool").setName(pooled).addInput(t).addOutput(pooled).build()),
							g.newNode(reduce("ReduceMax", pooled, max)));
				} else {
					insertReductions(g, firstAdded, g.newNode(reduce("ReduceMax", t, max)));
				}
				g.outputs().add(ValueInfoProto.newBuilder().setName(max).build());
				fetch.add(max);
				extremes.put(t, new String[] { min, max });
				squares.put(t, sumOfSquares(g, t, perSample(shapes.get(t)), firstAdded, names, fetch));
			} else {
				if (exposed.add(t)) {
					g.outputs().add(ValueInfoProto.newBuilder().setName(t).build());
				}
				fetch.add(t);
			}
		}
		// Memory: a batch runs in chunks whose activations (and fetched tensors) stay within the budget; moving averages still
		// see one update per batch, since the extremes of a batch are those of its chunks
		// A model whose input has a fixed batch (static exports: 1) is run on chunks of exactly that many samples; feeding it
		// the calibration batch made ONNX Runtime refuse the input (exit 3 on every static batch-1 model)
		int fixedBatch = modelInputs.fixedBatch();
		if (fixedBatch > 1 && (settings.batchSize() % fixedBatch != 0 || samples % fixedBatch != 0)) {
			throw new InvalidInputException(modelName + ": input '" + input.name() + "' has a fixed batch of " + fixedBatch + " but calibration runs "
					+ samples + " samples in batches of " + settings.batchSize(), "calibrate on a multiple of " + fixedBatch
							+ " samples (--samples) in batches of a multiple of " + fixedBatch + " (--batch), or export the model with a dynamic batch axis");
		}
		long perSample = ActivationBudget.activationsPerSample(shapes) + (extremesOnly ? 0 : MemoryBudget.exposedPerSample(shapes, fetch));
		int chunk = fixedBatch > 0 ? fixedBatch : ActivationBudget.chunk(settings.batchSize(), perSample);
		List<Set<String>> groups = extremesOnly || fetch.isEmpty() ? List.of(fetch) : MemoryBudget.groups(fetch, shapes, chunk);
		Map<String, float[]> batchExtremes = new LinkedHashMap<>();
		Map<String, double[]> sums = new HashMap<>();
		// each chunk's samples are read into the same array (one per chunk size: at most the chunk, the rest of a batch, the
		// last batch's rest), which ONNX Runtime's input buffer copies: no garbage per chunk; arrays a dataset does not
		// write into are not offered again
		long sampleElements = java.util.Arrays.stream(data.sampleShape()).reduce(1, (a, b) -> a * Math.max(0, b));
		Map<Integer, float[]> inputArrays = new HashMap<>();
		boolean[] reuseInputs = { true };
		java.util.function.IntFunction<float[]> inputArray = n -> !reuseInputs[0] || n * sampleElements > Integer.MAX_VALUE - 8 ? null
				: inputArrays.computeIfAbsent(n, k -> new float[(int) (k * sampleElements)]);
		if (extremesOnly) {
			collectors.keySet().forEach(t -> batchExtremes.put(t, new float[2]));
		}

		// histograms fill in Java between runs: ONNX Runtime's threads must not spin on the cores meanwhile
		SessionSettings sessionSettings = extremesOnly ? SessionSettings.defaults() : SessionSettings.defaults().withoutSpinning();
		try (InferenceSession session = InferenceSession.open(augmented, sessionSettings, modelName);
				Progress.Task task = progress.start("calibrating (" + settings.method().literal() + ")", samples, "samples")) {
			for (int from = 0; from < samples; from += settings.batchSize()) {
				int to = Math.min(samples, from + settings.batchSize());
				batchExtremes.values().forEach(e -> {
					e[0] = Float.POSITIVE_INFINITY;
					e[1] = Float.NEGATIVE_INFINITY;
				});
				for (int start = from; start < to; start += chunk) {
					int end = Math.min(to, start + chunk);
					Map<String, NdArray> feed;
					if (modelInputs.named()) { // several inputs (ids and mask): each chunk's arrays in new memory, as a batch reads them
						feed = modelInputs.feed(data.read(start, end));
					} else {
						float[] offered = inputArray.apply(end - start);
						NdArray x = data.readInputs(start, end, offered);
						if (offered != null && x.data() != offered) {
							reuseInputs[0] = false;
							inputArrays.clear();
						}
						feed = Map.of(input.name(), x);
					}
					for (ModelInput in : modelInputs.inputs()) {
						collectInput(in, feed.get(in.name()), collectors.get(in.name()), extremesOnly ? batchExtremes.get(in.name()) : null, sums, data,
								start, end, modelName);
					}
					for (Set<String> group : groups) {
						if (group.isEmpty()) {
							continue;
						}
						List<Map.Entry<String, FloatBuffer>> outputs = new ArrayList<>();
						if (!extremesOnly) {
							session.expectOutputShapes(group, end - start, batchShapes(group, shapes, end - start));
						}
						session.run(feed, group, (name, shape, values) -> outputs.add(Map.entry(name, values)));
						if (extremesOnly) {
							Map<String, Float> reduced = new HashMap<>();
							outputs.forEach(e -> reduced.put(e.getKey(), e.getValue().get(0)));
							for (Map.Entry<String, String[]> e : extremes.entrySet()) {
								widen(batchExtremes.get(e.getKey()), e.getValue()[0] == null ? 0f : reduced.get(e.getValue()[0]), reduced.get(e.getValue()[1]));
							}
							int runSamples = end - start;
							squares.forEach((t, q) -> {
								double[] sum = sums.computeIfAbsent(t, k -> new double[2]);
								sum[0] += reduced.get(q.sum());
								sum[1] += q.count() == null ? q.perSample() * (double) runSamples : reduced.get(q.count());
							});
						} else { // one collector per tensor: histograms fill in parallel while ONNX Runtime is idle
							int first = start;
							outputs.parallelStream().forEach(e -> {
								String t = fetchedAs.getOrDefault(e.getKey(), e.getKey());
								if (fetchedAs.containsKey(e.getKey()) && notTaken(e.getValue())) {
									return;
								}
								update(t, () -> collectors.get(t).update(e.getValue()), data, first, end, modelName);
							});
						}
					}
					task.advance(end - start);
				}
				int first = from;
				batchExtremes.forEach((t, e) -> {
					if (!(e[0] > e[1])) { // [+inf, -inf]: a tensor of an If branch this batch did not take
						update(t, () -> collectors.get(t).updateExtremes(e[0], e[1]), data, first, to, modelName);
					}
				});
			}
		}
		// in an If branch no sample took, a tensor has no range (the quantizer leaves that branch float)
		List<String> calibrated = collectors.keySet().stream().filter(t -> !branchOf.containsKey(t) || collectors.get(t).seen()).toList();
		// entropy's threshold search is the costly part, and each tensor's depends on its own histogram only: tensors in parallel
		List<Range> computed = calibrated.parallelStream().map(t -> collectors.get(t).range()).toList();
		Map<String, Range> ranges = new LinkedHashMap<>();
		Map<String, Range> observed = new LinkedHashMap<>();
		for (int i = 0; i < calibrated.size(); i++) {
			ranges.put(calibrated.get(i), computed.get(i));
			observed.put(calibrated.get(i), collectors.get(calibrated.get(i)).observed());
		}
		own.keySet().retainAll(ranges.keySet());
		Map<String, Double> rms = new LinkedHashMap<>();
		for (String t : calibrated) {
			double[] sum = sums.get(t);
			if (sum != null && sum[1] > 0) {
				rms.put(t, Math.sqrt(sum[0] / sum[1]));
			}
		}
		Map<String, HistogramCollector.RaisedThreshold> raised = new LinkedHashMap<>();
		for (String t : calibrated) {
			if (collectors.get(t) instanceof HistogramCollector h && h.raisedThreshold() != null) {
				raised.put(t, h.raisedThreshold());
			}
		}
		return new CalibrationResult(ranges, observed, samples, settings, data.name(), own, rms, Map.of(), raised);
	}

	/**
	 * Refuses data whose first sample's types do not feed the model's inputs, as calibration would: callers check it before any
	 * work (float data for an INT64 input was refused only once conversion had run and calibration had started).
	 *
	 * @throws InvalidInputException naming the input, its type, the data's and what data to give
	 */
	public static void requireTypes(OnnxModel model, String modelName, Dataset data) {
		if (data.size() > 0) {
			requireTypes(ModelInputs.of(model, modelName, data), data, modelName);
		}
	}

	private static void requireTypes(ModelInputs modelInputs, Dataset data, String modelName) {
		modelInputs.firstSample(data).forEach((name, x) -> {
			ModelInput in = modelInputs.inputs().stream().filter(i -> i.name().equals(name)).findFirst().orElseThrow();
			if (!x.type().feeds(in.type())) {
				throw wrongType(in, x.type(), data, modelName);
			}
		});
	}

	/**
	 * The refusal of samples of type {@code given} for input {@code in}. "preprocess the data to the model's input type" was said of
	 * float data for an INT64 input (token ids), which no preprocessing step makes: integer values come only from integer data.
	 */
	private static InvalidInputException wrongType(ModelInput in, org.quantrace.engine.onnx.DataType given, Dataset data, String modelName) {
		String hint = in.type() == org.quantrace.engine.onnx.DataType.BOOL ? ModelInputs.NO_BOOLEAN_DATA
				: in.type().isInteger() ? "input '" + in.name() + "' takes " + in.type() + " values (such as token ids or indices), which no --preprocess step makes"
						+ " from " + given + " samples: give the data as " + in.type() + " (an .npy of that type, or an .npz with one array per input named"
						+ " as the model's inputs)"
						: "give the data as " + in.type() + " samples (an .npy or .npz of that type)";
		return new InvalidInputException(data.name() + ": samples are " + given + " but input '" + in.name() + "' of " + modelName + " is " + in.type(), hint);
	}

	/**
	 * Checks a chunk's samples {@code x} of model input {@code in} against its type and, when the input is calibrated
	 * ({@code collector} not null: a float input), adds them to its range: to the batch's extremes and sum of squares when
	 * {@code batchExtremes} is given (min/max), else to the collector. Integer inputs (token ids, masks) are fed as they are.
	 */
	private static void collectInput(ModelInput in, NdArray x, RangeCollector collector, float[] batchExtremes, Map<String, double[]> sums, Dataset data,
			int start, int end, String modelName) {
		if (!x.type().feeds(in.type())) {
			throw wrongType(in, x.type(), data, modelName);
		}
		if (collector != null && batchExtremes != null) {
			update(in.name(), () -> {
				float[] xs = x.floats();
				float[] mm = MinMaxCollector.minMax(FloatBuffer.wrap(xs));
				widen(batchExtremes, mm[0], mm[1]);
				double[] sum = sums.computeIfAbsent(in.name(), k -> new double[2]);
				sum[0] += sumOfSquares(xs);
				sum[1] += xs.length;
			}, data, start, end, modelName);
		} else if (collector != null) {
			update(in.name(), () -> collector.update(FloatBuffer.wrap(x.floats())), data, start, end, modelName);
		}
	}

	/**
	 * The shapes of {@code tensors} for a run of {@code batch} samples, from the probe's shapes of one sample: those whose
	 * first dimension is 1 and the others known, that dimension set to {@code batch}; tensors without such a shape are left
	 * out (the session then learns the shapes from a first run). A guess that is wrong (a first dimension of 1 that is not
	 * the batch) is refused by ONNX Runtime and costs one repeated run ({@link InferenceSession#expectOutputShapes}).
	 */
	static Map<String, long[]> batchShapes(Collection<String> tensors, Map<String, TensorInfo> shapes, int batch) {
		Map<String, long[]> result = new HashMap<>();
		for (String t : tensors) {
			TensorInfo info = shapes.get(t);
			if (info == null || info.type() != org.quantrace.engine.onnx.DataType.FLOAT || info.elementCount() < 0 || info.shape().isEmpty()
					|| !info.shape().get(0).equals("1")) {
				continue;
			}
			long[] shape = info.shape().stream().mapToLong(Long::parseLong).toArray();
			shape[0] = batch;
			result.put(t, shape);
		}
		return result;
	}

	/** Whether a fetched If branch tensor is the NaN scalar the other branch writes (a real NaN activation of one value is skipped too). */
	private static boolean notTaken(FloatBuffer values) {
		return values.remaining() == 1 && Float.isNaN(values.get(values.position()));
	}

	/** The tensors computed inside the branches of If nodes (at any depth), with the branch that computes each. */
	static Map<String, Graph> branchTensors(Graph main) {
		Map<String, Graph> branchOf = new HashMap<>();
		for (Graph sub : main.graphs()) {
			if (sub != main && ifBranchesUpTo(sub, main)) {
				sub.nodes().forEach(n -> n.outputs().forEach(o -> branchOf.put(o, sub)));
			}
		}
		return branchOf;
	}

	/** Whether {@code sub} and every graph enclosing it below {@code main} is a branch of an If (Loop/Scan bodies run several times per sample). */
	private static boolean ifBranchesUpTo(Graph sub, Graph main) {
		for (Graph s = sub; s != main; s = s.parent()) {
			if (!s.owner().opType().equals("If")) {
				return false;
			}
		}
		return true;
	}

	/**
	 * Makes {@code tensor} of an If branch a main-graph output, as ONNX Runtime's calibrators make the tensors they observe
	 * outputs: the branch outputs it, every other branch of that If outputs the float scalar {@code notTaken}, and the If gets
	 * one more output; repeated up to the main graph for nested Ifs. The value fetched is the tensor, or {@code notTaken} when
	 * the batch took another branch: +inf/-inf for minima/maxima (neutral), NaN for whole tensors (skipped as a batch that did
	 * not reach the tensor).
	 */
	private static String exposeFromBranch(Graph main, Graph branch, String tensor, float notTaken, Set<String> names) {
		String name = tensor;
		for (Graph h = branch; h != main; h = h.parent()) {
			Node owner = h.owner();
			int already = outputIndex(h, name);
			if (already >= 0) { // a branch output already (listed twice, ONNX Runtime would leave the second unwritten)
				name = owner.output(already);
				continue;
			}
			h.outputs().add(floatValue(name));
			for (Graph other : owner.subgraphs().values()) {
				if (other != h) {
					String neutral = main.uniqueName(tensor + "_not_taken", names);
					Tensor value = Tensor.ofFloats(neutral, new long[0], new float[] { notTaken });
					other.nodes().add(other.newNode(NodeProto.newBuilder().setOpType("Constant").setName(neutral).addOutput(neutral)
							.addAttribute(AttributeProto.newBuilder().setName("value").setType(AttributeProto.AttributeType.TENSOR).setT(value.proto()))
							.build()));
					other.outputs().add(floatValue(neutral));
				}
			}
			String outer = main.uniqueName(tensor + "_from_" + owner.name().replaceAll("\\W", "_"), names);
			List<String> outs = new ArrayList<>(owner.outputs());
			outs.add(outer);
			owner.setOutputs(outs);
			name = outer;
		}
		if (outputIndex(main, name) < 0) {
			main.outputs().add(floatValue(name));
		}
		return name;
	}

	private static int outputIndex(Graph g, String name) {
		for (int i = 0; i < g.outputs().size(); i++) {
			if (g.outputs().get(i).getName().equals(name)) {
				return i;
			}
		}
		return -1;
	}

	private static ValueInfoProto floatValue(String name) {
		return ValueInfoProto.newBuilder().setName(name).setType(TypeProto.newBuilder().setTensorType(TypeProto.Tensor.newBuilder()
				.setElemType(TensorProto.DataType.FLOAT_VALUE))).build();
	}

	/** {@code tensors} in the order the graph computes them (inputs first). */
	private static List<String> topological(Graph g, Collection<String> tensors) {
		Map<String, Integer> position = new HashMap<>();
		List<Node> order = g.topologicalOrder();
		for (int i = 0; i < order.size(); i++) {
			for (String o : order.get(i).outputs()) {
				position.putIfAbsent(o, i);
			}
		}
		List<String> sorted = new ArrayList<>(tensors);
		sorted.sort(Comparator.comparingInt(t -> position.getOrDefault(t, -1)));
		return sorted;
	}

	/**
	 * The outputs holding a tensor's sum of squares and element count in one run, for its root mean square ({@link WideRange}); no
	 * count output ({@code count} null) where the count is {@code perSample} elements times the run's samples.
	 */
	private record Squares(String sum, String count, long perSample) {
	}

	/**
	 * Adds the reduction of a tensor's sum of squares, and of its element count (as a float) where its shape does not give it: in the
	 * same pass as its extremes, in memory that does not grow with the samples.
	 */
	private static Squares sumOfSquares(Graph g, String t, long perSample, int firstAdded, Set<String> names, Set<String> fetch) {
		String sum = g.uniqueName(t + "_calibration_sum_of_squares", names);
		insertReductions(g, firstAdded, g.newNode(reduce("ReduceSumSquare", t, sum)));
		g.outputs().add(ValueInfoProto.newBuilder().setName(sum).build());
		fetch.add(sum);
		if (perSample > 0) { // two nodes fewer per tensor: on mobilenetv2's many small tensors they cost as much as the reduction
			return new Squares(sum, null, perSample);
		}
		String size = g.uniqueName(t + "_calibration_size", names);
		String count = g.uniqueName(t + "_calibration_count", names);
		insertReductions(g, firstAdded, g.newNode(NodeProto.newBuilder().setOpType("Size").setName(size).addInput(t).addOutput(size).build()),
				g.newNode(NodeProto.newBuilder().setOpType("Cast").setName(count).addInput(size).addOutput(count)
						.addAttribute(AttributeProto.newBuilder().setName("to").setType(AttributeProto.AttributeType.INT).setI(TensorProto.DataType.FLOAT_VALUE))
						.build()));
		g.outputs().add(ValueInfoProto.newBuilder().setName(count).build());
		fetch.add(count);
		return new Squares(sum, count, 0);
	}

	/**
	 * A tensor's elements per sample where its shape is known and leads with the batch (the probe's 1, as {@link #batchShapes}
	 * assumes), else 0: its count per run is then that times the run's samples, and needs no Size node.
	 */
	private static long perSample(TensorInfo info) {
		return info == null || info.type() != org.quantrace.engine.onnx.DataType.FLOAT || info.elementCount() <= 0 || info.shape().isEmpty()
				|| !info.shape().get(0).equals("1") ? 0 : info.elementCount();
	}

	private static double sumOfSquares(float[] values) {
		double sum = 0;
		for (float v : values) {
			sum += (double) v * v;
		}
		return sum;
	}

	/** Widens a batch's [min, max] by a chunk's; NaN is kept (Math.min/max propagate it) so the collector refuses it. */
	private static void widen(float[] e, float lo, float hi) {
		e[0] = Math.min(e[0], lo);
		e[1] = Math.max(e[1], hi);
	}

	/** Runs one collector update, naming the tensor and the samples if they hold NaN or an infinity. */
	private static void update(String tensor, Runnable update, Dataset data, int from, int to, String modelName) {
		try {
			update.run();
		} catch (NonFiniteValuesException e) {
			throw new InvalidInputException(data.name() + ": samples " + from + " to " + (to - 1) + " make tensor '" + tensor + "' of " + modelName
					+ " NaN or infinite (" + e.getMessage() + ")",
					"check those samples and their preprocessing (a NaN in the input, or a model that overflows on them); no range can be calibrated from them");
		}
	}
}
