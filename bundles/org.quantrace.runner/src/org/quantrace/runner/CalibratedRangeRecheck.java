package org.quantrace.runner;

import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

import org.quantrace.engine.Progress;
import org.quantrace.engine.QuantraceException;
import org.quantrace.engine.onnx.Graph;
import org.quantrace.engine.onnx.Node;
import org.quantrace.engine.onnx.OnnxModel;
import org.quantrace.engine.onnx.TensorInfo;
import org.quantrace.engine.runtime.InferenceSession;
import org.quantrace.engine.runtime.NdArray;
import org.quantrace.engine.runtime.ShapeProbe;
import org.quantrace.model.recipe.CalibrationMethod;
import org.quantrace.model.trace.ModelArtifact;
import org.quantrace.model.trace.OptimizationRecord;
import org.quantrace.model.trace.TensorQuantizationRecord;
import org.quantrace.model.trace.TensorRole;
import org.quantrace.model.trace.TraceModel;
import org.quantrace.runner.verify.Mismatch;

/**
 * {@code verify --deep}: each activation range a min-max calibration recorded, measured again as the smallest and largest value of
 * the tensor over the calibration samples the record names, in a session of verify's own on the float model the calibration read
 * ({@link InnerTensors}: the whole tensors fetched and scanned here, not the engine's reductions and collectors). Without it a
 * range widened together with its scale in the model, the trace and every log passed verify (hostile21, verify63): verify derives
 * the scale from the recorded range, and nothing measured the range.
 * <p>
 * Tensors whose codes are shared (a MaxPool, Flatten or Reshape reuses its input's scale) record their group's one range: tensors
 * adjacent in the float graph whose records hold the identical range are one group, and the range must be the smallest holding
 * every member's values, so a member's own narrower values do not count against it while the group's widest still must. Ranges
 * calibration did not take from min-max are not measured, and the note counts them: a tensor read again by percentile (clipped,
 * named in the calibration record), the inputs and products of x·sigmoid(x) under min-max (read by percentile, the product's range
 * their image), and tensors the float model's main graph does not compute (a rewrite's, a branch's).
 * <p>
 * The other methods by their published definitions, each in a class of its own: moving averages ({@link MovingAverageRanges}),
 * percentiles ({@link PercentileCounts}), entropy's KL search ({@link EntropyThresholds}) and L2's greedy search ({@link L2Ranges}),
 * the last two over histograms of verify's in the run's layout ({@link RunLayout}), a second pass. A group's range under a moving
 * average is the hull of its members' averages; under percentile, entropy and L2 the range of the member whose codes it shares.
 */
final class CalibratedRangeRecheck {

	private static final String DOCUMENT = Outputs.TRACE;
	/**
	 * How far a re-measured end may lie from the recorded one, relative to the tensor's largest magnitude. The two passes feed the
	 * same float32 samples in other batch sizes, and ONNX Runtime may then pick other kernels whose sums round otherwise: a value
	 * differs by a few float32 units in the last place (6e-8 relative each) of the magnitudes it sums. 1e-5 is about a hundred of
	 * them; a range (and scale) widened by 0.1 % is a hundred times beyond it.
	 */
	static final double TOLERANCE = 1e-5;
	/**
	 * Floats fetched per run at most (64 MB): the batch shrinks for large activations, the pass stays one. 256 MB took verify --deep
	 * of the zoo's resnet and mobilenetv2 from 0.9 to 2.1 GB resident (ONNX Runtime keeps the larger outputs' buffers too).
	 */
	private static final long BUDGET = 16L << 20;

	/**
	 * The methods whose ranges verify measures again by their published definitions: all of them (entropy's and L2's histogram
	 * searches by {@link EntropyThresholds} and {@link L2Ranges} since entropy67).
	 */
	static final Set<CalibrationMethod> MEASURED = Set.of(CalibrationMethod.MINMAX, CalibrationMethod.MOVING_AVERAGE, CalibrationMethod.PERCENTILE,
			CalibrationMethod.ENTROPY, CalibrationMethod.L2);

	private CalibratedRangeRecheck() {
	}

	/** A group of tensors sharing one recorded range, with the range the samples give. */
	private static final class Group {
		final List<TensorQuantizationRecord> records = new ArrayList<>();
		double min = Double.POSITIVE_INFINITY;
		double max = Double.NEGATIVE_INFINITY;
	}

	static List<Mismatch> run(RecipeInputs recipe, TraceModel trace, Function<ModelArtifact, Path> files, Progress progress, List<String> notes) {
		List<Mismatch> found = new ArrayList<>();
		for (OptimizationRecord o : trace.getOptimizations()) {
			if (o.getQuantization() == null || o.getQuantization().getCalibration() == null || activations(o).isEmpty()) {
				continue;
			}
			String at = "optimization " + o.getId() + " calibrated range (re-measured)";
			CalibrationMethod method = o.getQuantization().getCalibration().getMethod();
			if (!MEASURED.contains(method)) {
				notes.add(at + ": not measured again: " + method.getLiteral() + " calibration's ranges are the run's statement; their scales and zero points"
						+ " are re-derived from them"); // a method added to the language before verify learns it
				continue;
			}
			recipe.recheck(at, "measured again", found, ctx -> check(ctx, o, files, progress, at, found, notes));
		}
		return found;
	}

	/** The records of activations, inputs and outputs with one range and one scale (per-tensor codes). */
	private static List<TensorQuantizationRecord> activations(OptimizationRecord o) {
		return o.getQuantization().getTensors().stream()
				.filter(t -> t.getRole() == TensorRole.ACTIVATION || t.getRole() == TensorRole.INPUT || t.getRole() == TensorRole.OUTPUT)
				.filter(t -> t.getRangeMin().size() == 1 && t.getRangeMax().size() == 1 && t.getScales().size() == 1).toList();
	}

	private static void check(RecipeContext ctx, OptimizationRecord o, Function<ModelArtifact, Path> files, Progress progress, String at, List<Mismatch> found,
			List<String> notes) {
		Path floatFile = files.apply(o.getInput());
		if (floatFile == null) {
			found.add(new Mismatch(DOCUMENT, at, "the float model the calibration read", "no float model file"));
			return;
		}
		CalibrationSamples calibration = CalibrationSamples.of(ctx, o, DOCUMENT, at, found);
		if (calibration == null) {
			return;
		}
		OnnxModel floats = OnnxModel.load(floatFile);
		Graph g = floats.graph();
		Set<String> inputs = new LinkedHashSet<>();
		g.inputs().forEach(i -> inputs.add(i.getName()));
		Set<String> derived = derived(o, files);
		Map<String, TensorQuantizationRecord> measured = new LinkedHashMap<>();
		int other = 0;
		int fixed = 0;
		int elsewhere = 0;
		int rescaled = 0;
		Map<String, TensorQuantizationRecord> byTensor = new HashMap<>();
		activations(o).forEach(t -> byTensor.putIfAbsent(t.getTensor(), t));
		Set<String> notMinMax = sharingCodes(g, notMinMax(o, g), byTensor);
		for (TensorQuantizationRecord t : activations(o)) {
			if (notMinMax.contains(t.getTensor())) {
				other++;
			} else if (derived.contains(t.getTensor()) || derived.contains(t.getNode())) {
				fixed++;
			} else if (rescaleOf(g, t, byTensor)) {
				rescaled++;
			} else if (g.producer(t.getTensor()).isEmpty() && !inputs.contains(t.getTensor())) {
				elsewhere++;
			} else if (measured.containsKey(t.getTensor()) && !sameRange(measured.get(t.getTensor()), t)) {
				// one tensor, one range: a second record of it (its Q/DQ pair written twice) measured through the first
				TensorQuantizationRecord first = measured.get(t.getTensor());
				found.add(new Mismatch(DOCUMENT, at + " tensor '" + t.getTensor() + "'", "[" + t.getRangeMin().get(0) + ", " + t.getRangeMax().get(0)
						+ "] in one of its records", "[" + first.getRangeMin().get(0) + ", " + first.getRangeMax().get(0) + "] in another"));
			} else {
				measured.putIfAbsent(t.getTensor(), t);
			}
		}
		CalibrationMethod method = o.getQuantization().getCalibration().getMethod();
		int calibrationBatch = o.getQuantization().getCalibration().getBatchSize();
		MovingAverageRanges averages = method == CalibrationMethod.MOVING_AVERAGE ? new MovingAverageRanges(measured.keySet(), parameter(o, "averaging constant")) : null;
		Map<String, PercentileCounts> percentiles = new HashMap<>();
		if (method == CalibrationMethod.PERCENTILE) {
			measured.forEach((t, r) -> percentiles.put(t, new PercentileCounts(r.getRangeMin().get(0), r.getRangeMax().get(0))));
		}
		if (averages != null && calibrationBatch < 1) {
			found.add(new Mismatch(DOCUMENT, at, "the calibration's batch size, which a moving average depends on", "none recorded"));
			return;
		}
		boolean searched = method == CalibrationMethod.ENTROPY || method == CalibrationMethod.L2;
		FirstBatch firstBatch = searched ? new FirstBatch(measured.keySet(), Math.max(1, Math.min(calibration.data().size(), calibrationBatch))) : null;
		Map<String, double[]> extremes = measure(floats, measured.keySet(), inputs, calibration, progress, averages == null ? 0 : calibrationBatch, new Sink() {
			@Override
			public void run(long first, int samples) {
				if (firstBatch != null) {
					firstBatch.start = first;
					firstBatch.samples = samples;
				}
			}

			@Override
			public void values(String tensor, FloatBuffer v) {
				if (firstBatch != null) {
					firstBatch.values(tensor, v.duplicate());
				}
				if (averages != null) {
					averages.accept(tensor, v.duplicate());
				}
				PercentileCounts c = percentiles.get(tensor);
				if (c != null) {
					c.accept(v.duplicate());
				}
			}

			@Override
			public void endBatch() {
				if (averages != null) {
					averages.endBatch();
				}
			}
		});
		Map<String, List<EntropyThresholds>> entropy = new HashMap<>();
		Map<String, List<L2Ranges>> l2 = new HashMap<>();
		if (searched) {
			histograms(floats, measured.keySet(), inputs, calibration, progress, (int) parameter(o, "histogram bins"), method, extremes, firstBatch, entropy, l2);
		}
		List<Group> groups = groups(g, measured, extremes);
		double[] worst = { Double.NaN }; // entropy, L2: the largest excess of a recorded range over verify's search that passed
		int byOp = 0;
		for (Group group : groups) {
			// any member's: a Gather's table range shared by the views after it (convert's 2-D views of an embedding's tokens)
			double[] opRange = group.records.stream().map(r -> fixedRange(g, r.getTensor())).filter(java.util.Objects::nonNull).findFirst().orElse(null);
			if (opRange != null && holds(group, opRange)) {
				byOp++;
			} else if (method == CalibrationMethod.MINMAX) {
				compare(group, calibration, at, found);
			} else if (averages != null) {
				compareAverage(group, averages, o, calibration, at, found);
			} else if (method == CalibrationMethod.PERCENTILE) {
				comparePercentile(group, sources(g, group), percentiles, o, calibration, at, found);
			} else {
				compareSearched(group, sources(g, group), method, entropy, l2, extremes, o, calibration, at, found, worst);
			}
		}
		notes.add(String.format(Locale.ROOT, "%s: %d %s range%s (of %d tensors) measured again on %s in verify's own session (%s); their scales"
				+ " and zero points follow from them as the formula re-derives%s%s%s%s%s", at, groups.size() - byOp, method == CalibrationMethod.MINMAX ? "min-max"
						: method.getLiteral(), groups.size() - byOp == 1 ? "" : "s", measured.size(), calibration.described(), how(method, o), byOp == 0 ? "" : "; " + byOp + " the range its op fixes (a HardSigmoid's [0, 1], a Gather's table's), holding the"
						+ " values measured", other == 0 ? "" : "; " + other + " tensor" + (other == 1 ? "" : "s") + " not: read by percentile instead (clipped, or an input or product of x·sigmoid(x)), the run's statement",
				fixed == 0 ? "" : "; " + fixed + " not: a range the recipe fixes (a layer override) or a masked sum's, its scores' less a margin",
				elsewhere == 0 ? "" : "; " + elsewhere + " not: a tensor the float model's main graph does not compute (a rewrite's or a branch's)",
				rescaled == 0 ? "" : "; " + rescaled + " the output of a Mul or Div by a positive constant, its input's codes read at a scale times the"
						+ " constant: its range its input's times the constant (the input's measured)") + (Double.isNaN(worst[0]) ? "" : String.format(Locale.ROOT,
								method == CalibrationMethod.ENTROPY ? "; the recorded thresholds' divergence at most %.3g above the least, relative" : "; the recorded ends at most"
										+ " %.0f bin from the search's", worst[0])));
	}

	/**
	 * The tensors calibration did not read by min-max: those the record says it read again by percentile (clipped), and of each
	 * x·sigmoid(x) the input and the product, when the record says it read tensors by another method.
	 */
	private static Set<String> notMinMax(OptimizationRecord o, Graph g) {
		Set<String> names = new LinkedHashSet<>();
		boolean silu = false;
		for (var p : o.getQuantization().getCalibration().getParameters()) {
			if (p.getKey().equals(org.quantrace.report.CalibrationRow.CLIPPED) && p.getValue().startsWith("'")) {
				names.add(p.getValue().substring(1, p.getValue().indexOf("' [") > 0 ? p.getValue().indexOf("' [") : p.getValue().indexOf('\'', 1)));
			}
			silu |= p.getKey().endsWith(" tensors") && p.getValue().contains("x·sigmoid(x)");
		}
		if (silu) {
			for (Node n : g.nodes()) {
				if (!n.opType().equals("Mul") || n.inputs().size() != 2) {
					continue;
				}
				for (int i = 0; i < 2; i++) {
					String x = n.inputs().get(i);
					boolean sigmoidOfX = g.producer(n.inputs().get(1 - i)).map(s -> s.opType().equals("Sigmoid") && s.inputs().get(0).equals(x)).orElse(false);
					if (sigmoidOfX) {
						names.add(x);
						names.addAll(n.outputs());
					}
				}
			}
		}
		return names;
	}

	/**
	 * The tensors and layers whose range calibration did not measure: the layers a recipe override names (the record's "layer
	 * overrides"), and the masked sums the quantized model marks (their range is their scores' less a margin; MaskedSumMarks holds
	 * the marks against the float model).
	 */
	private static Set<String> derived(OptimizationRecord o, Function<ModelArtifact, Path> files) {
		Set<String> names = new LinkedHashSet<>();
		o.getQuantization().getAdditionalConfiguration().stream().filter(p -> p.getKey().equals("layer overrides") && !p.getValue().equals("none"))
				.forEach(p -> names.addAll(List.of(p.getValue().split(", "))));
		Path quantized = o.getOutput() == null ? null : files.apply(o.getOutput());
		if (quantized != null && java.nio.file.Files.isRegularFile(quantized)) {
			OnnxModel.load(quantized).metadata().keySet().stream().filter(k -> k.startsWith(org.quantrace.engine.quantize.MaskedSums.METADATA))
					.forEach(k -> names.add(k.substring(org.quantrace.engine.quantize.MaskedSums.METADATA.length())));
		}
		return names;
	}

	/** What a method measures besides the extremes: every value of a tensor, and where a calibration batch ends. */
	interface Sink {
		void values(String tensor, FloatBuffer values);

		void endBatch();

		/** A session run of {@code samples} samples, from sample {@code first} of the calibration's order, whose values come next. */
		default void run(long first, int samples) {
		}
	}

	/**
	 * Each tensor's largest magnitude per sample of the calibration's first batch ({@code size} samples), which the run's histogram
	 * limit follows from ({@link RunLayout#candidates}): a run's values split into as many equal contiguous parts as it has samples
	 * (the batch axis first), or, where they do not split so, each sample given the run's largest.
	 */
	private static final class FirstBatch {
		final int size;
		final Map<String, double[]> maxima = new HashMap<>();
		long start;
		int samples;

		FirstBatch(Set<String> tensors, int size) {
			this.size = size;
			tensors.forEach(t -> maxima.put(t, new double[size]));
		}

		void values(String tensor, FloatBuffer v) {
			double[] m = maxima.get(tensor);
			if (m == null || start >= size || samples < 1) {
				return;
			}
			boolean split = v.remaining() % samples == 0;
			int per = split ? v.remaining() / samples : v.remaining();
			for (int s = 0; s < (split ? samples : 1) && start + s < size; s++) {
				double largest = 0;
				for (int i = v.position() + s * per, end = i + per; i < end; i++) {
					largest = Math.max(largest, Math.abs(v.get(i)));
				}
				for (int k = s; k < (split ? s + 1 : samples) && start + k < size; k++) {
					m[(int) (start + k)] = Math.max(m[(int) (start + k)], largest);
				}
			}
		}
	}

	/**
	 * Each tensor's smallest and largest value over the samples: inner tensors fetched whole as outputs of verify's copy and scanned
	 * here, model inputs from the samples fed; in batches that keep the fetched floats within {@link #BUDGET}, and, where
	 * {@code calibrationBatch} is above 0 (a moving average), that lie within one of the calibration's batches, {@code sink} told
	 * where each of those ends.
	 */
	private static Map<String, double[]> measure(OnnxModel floats, Set<String> tensors, Set<String> inputs, CalibrationSamples calibration, Progress progress,
			int calibrationBatch, Sink sink) {
		Map<String, double[]> extremes = new HashMap<>();
		tensors.forEach(t -> extremes.put(t, new double[] { Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY }));
		Set<String> inner = new LinkedHashSet<>(tensors);
		inner.removeAll(inputs);
		Set<String> fedInputs = new LinkedHashSet<>(tensors);
		fedInputs.retainAll(inputs);
		int batch = batch(floats, inner, calibration);
		if (calibrationBatch > 0) {
			batch = MovingAverageRanges.runBatch(calibrationBatch, batch);
		}
		int samples = calibration.data().size();
		long[] fedSoFar = { 0 };
		long[] inBatch = { -1 };
		InferenceSession.FloatOutputVisitor visitor = (name, shape, values) -> {
			double[] e = extremes.get(name);
			if (e != null) {
				scan(e, values);
				sink.values(name, values);
			}
		};
		try (Progress.Task task = progress.start("re-measuring " + tensors.size() + " calibrated ranges", samples, "samples")) {
			java.util.function.Consumer<Map<String, NdArray>> fed = feed -> {
				NdArray first = feed.values().iterator().next();
				int n = first.shape().length == 0 ? 1 : (int) first.shape()[0];
				sink.run(fedSoFar[0], n);
				long calibrationBatchOf = calibrationBatch > 0 ? fedSoFar[0] / calibrationBatch : 0;
				if (inBatch[0] >= 0 && calibrationBatchOf != inBatch[0]) {
					sink.endBatch();
				}
				inBatch[0] = calibrationBatchOf;
				fedSoFar[0] += n;
				for (String in : fedInputs) {
					NdArray x = feed.get(in);
					if (x != null) {
						visitor.visit(in, x.shape(), FloatBuffer.wrap(x.floats()));
					}
				}
				task.advance(n);
			};
			if (!inner.isEmpty()) {
				InnerTensors.visit(floats, floats, inner, calibration.data(), calibration.model(), batch, fed, visitor);
			} else if (!fedInputs.isEmpty()) { // InnerTensors runs nothing without inner tensors: the inputs from the samples alone
				var feeder = org.quantrace.engine.data.ModelInputs.of(floats, calibration.model(), calibration.data());
				for (int from = 0; from < samples; from += batch) {
					fed.accept(feeder.feed(calibration.data().read(from, Math.min(samples, from + batch))));
				}
			}
			sink.endBatch();
		}
		return extremes;
	}

	/** The samples per run: at most 32, fewer where one sample's fetched tensors are large (sizes from a probe; unknown ones as 1M floats). */
	private static int batch(OnnxModel floats, Set<String> inner, CalibrationSamples calibration) {
		Map<String, TensorInfo> shapes;
		try {
			shapes = ShapeProbe.probe(floats, calibration.model());
		} catch (QuantraceException e) {
			shapes = Map.of();
		}
		long perSample = 0;
		for (String t : inner) {
			TensorInfo info = shapes.get(t);
			perSample += info == null || info.elementCount() <= 0 ? 1L << 20 : info.elementCount();
		}
		return (int) Math.max(1, Math.min(32, BUDGET / Math.max(1, perSample)));
	}

	private static void scan(double[] e, FloatBuffer values) {
		double lo = e[0];
		double hi = e[1];
		for (int i = values.position(); i < values.limit(); i++) {
			float v = values.get(i);
			if (v < lo) {
				lo = v;
			}
			if (v > hi) {
				hi = v;
			}
			if (v != v) {
				lo = hi = Double.NaN; // a NaN no range holds: the comparison names it
				break;
			}
		}
		e[0] = lo;
		e[1] = hi;
	}

	/**
	 * Ops whose outputs lie within the range of their inputs (and 0: a Pad's constant), so that sharing their input's codes loses
	 * nothing: values moved, selected, pooled or interpolated between. Only these join a group: an Add's output recorded with its
	 * input's wider range would otherwise pass as shared.
	 */
	private static final Set<String> WITHIN_INPUTS = Set.of("MaxPool", "AveragePool", "GlobalMaxPool", "GlobalAveragePool", "Reshape", "Flatten",
			"Transpose", "Squeeze", "Unsqueeze", "Concat", "Split", "Slice", "Gather", "GatherElements", "GatherND", "Identity", "SpaceToDepth",
			"DepthToSpace", "Tile", "Expand", "Pad", "Resize", "Upsample", "ReduceMax", "ReduceMin", "ReduceMean");

	/**
	 * The groups of tensors sharing codes: a tensor and a tensor its producer reads are one group when their records hold the identical
	 * range (a MaxPool's output and its input; a Concat's output and each input that takes its codes); each group's measured range is the
	 * smallest holding its members' values.
	 */
	private static List<Group> groups(Graph g, Map<String, TensorQuantizationRecord> records, Map<String, double[]> extremes) {
		Map<String, String> parent = sharing(g, records);
		Map<String, Group> of = new LinkedHashMap<>();
		for (TensorQuantizationRecord t : records.values()) {
			Group group = of.computeIfAbsent(root(parent, t.getTensor()), k -> new Group());
			group.records.add(t);
			double[] e = extremes.get(t.getTensor());
			group.min = Double.isNaN(e[0]) || Double.isNaN(group.min) ? Double.NaN : Math.min(group.min, e[0]);
			group.max = Double.isNaN(e[1]) || Double.isNaN(group.max) ? Double.NaN : Math.max(group.max, e[1]);
		}
		return List.copyOf(of.values());
	}

	private static String root(Map<String, String> parent, String t) {
		String r = t;
		while (!parent.get(r).equals(r)) {
			r = parent.get(r);
		}
		return r;
	}

	/**
	 * {@code names} with every tensor sharing codes with one of them: joined through an op of {@link #WITHIN_INPUTS} with the identical
	 * recorded range, either way (a MaxPool after a Relu whose range was read again by percentile takes that range, not its own
	 * extremes: WideRangeRunTest).
	 */
	private static Set<String> sharingCodes(Graph g, Set<String> names, Map<String, TensorQuantizationRecord> records) {
		Map<String, String> parent = sharing(g, records);
		Set<String> roots = new LinkedHashSet<>();
		names.stream().filter(parent::containsKey).forEach(t -> roots.add(root(parent, t)));
		Set<String> all = new LinkedHashSet<>(names);
		records.keySet().stream().filter(t -> roots.contains(root(parent, t))).forEach(all::add);
		return all;
	}

	/**
	 * Which recorded tensors share codes, as a union-find forest (each tensor's parent, {@link #root}): a tensor and an input of its
	 * producer are joined when the producer is of {@link #WITHIN_INPUTS} and both records hold the identical range.
	 */
	private static Map<String, String> sharing(Graph g, Map<String, TensorQuantizationRecord> records) {
		Map<String, String> parent = new HashMap<>();
		records.keySet().forEach(t -> parent.put(t, t));
		for (TensorQuantizationRecord t : records.values()) {
			Node producer = g.producer(t.getTensor()).filter(n -> WITHIN_INPUTS.contains(n.opType())).orElse(null);
			for (String in : producer == null ? List.<String>of() : producer.inputs()) {
				TensorQuantizationRecord r = records.get(in);
				if (r != null && sameRange(r, t)) {
					parent.put(root(parent, t.getTensor()), root(parent, in));
				}
			}
		}
		return parent;
	}

	/**
	 * Whether {@code t} is the output of a Mul or Div by a positive scalar constant whose record holds its input's recorded range times
	 * that constant (within the tolerance): the quantizer removes such a node and reads the input's codes at the scale times the
	 * constant, so the range is the input's (which is measured) scaled, not the output's own extremes; the input of a Mul/Div of q by
	 * 1/√d shares its codes with the whole packed projection, a range wider than q's own (masks33's mha).
	 */
	private static boolean rescaleOf(Graph g, TensorQuantizationRecord t, Map<String, TensorQuantizationRecord> records) {
		Node n = g.producer(t.getTensor()).orElse(null);
		if (n == null || !(n.opType().equals("Mul") || n.opType().equals("Div")) || n.inputs().size() != 2) {
			return false;
		}
		for (int c = n.opType().equals("Div") ? 1 : 0; c < 2; c++) {
			org.quantrace.engine.onnx.Tensor k = g.constant(n.input(c));
			TensorQuantizationRecord in = records.get(n.input(1 - c));
			if (k == null || k.elementCount() != 1 || in == null || g.constant(n.input(1 - c)) != null) {
				continue;
			}
			double v = k.toFloatArray()[0];
			double factor = n.opType().equals("Div") ? 1 / v : v;
			if (!(factor > 0) || Double.isInfinite(factor)) {
				continue;
			}
			double lo = in.getRangeMin().get(0) * factor;
			double hi = in.getRangeMax().get(0) * factor;
			double allowed = TOLERANCE * Math.max(Math.abs(lo), Math.abs(hi));
			if (Math.abs(t.getRangeMin().get(0) - lo) <= allowed && Math.abs(t.getRangeMax().get(0) - hi) <= allowed) {
				return true;
			}
		}
		return false;
	}

	/**
	 * The range an op fixes for its output whatever the samples: a HardSigmoid's [0, 1], a Gather from a constant table the table's
	 * smallest and largest value (its codes are the table's); null for any other.
	 */
	private static double[] fixedRange(Graph g, String tensor) {
		Node n = g.producer(tensor).orElse(null);
		if (n == null) {
			return null;
		}
		if (n.opType().equals("HardSigmoid")) {
			return new double[] { 0, 1 };
		}
		if (n.opType().equals("Gather") && g.initializer(n.input(0)) != null) {
			float[] table = g.initializer(n.input(0)).toFloatArray();
			double lo = Double.POSITIVE_INFINITY;
			double hi = Double.NEGATIVE_INFINITY;
			for (float v : table) {
				lo = Math.min(lo, v);
				hi = Math.max(hi, v);
			}
			return table.length == 0 ? null : new double[] { lo, hi };
		}
		return null;
	}

	/** Whether the group's record holds {@code fixed} (within the tolerance) and its measured values lie within it. */
	private static boolean holds(Group group, double[] fixed) {
		TensorQuantizationRecord r = group.records.get(0);
		double allowed = TOLERANCE * Math.max(Math.abs(fixed[0]), Math.abs(fixed[1]));
		return Math.abs(r.getRangeMin().get(0) - fixed[0]) <= allowed && Math.abs(r.getRangeMax().get(0) - fixed[1]) <= allowed
				&& group.min >= fixed[0] - allowed && group.max <= fixed[1] + allowed;
	}

	private static boolean sameRange(TensorQuantizationRecord a, TensorQuantizationRecord b) {
		return a.getRangeMin().get(0).equals(b.getRangeMin().get(0)) && a.getRangeMax().get(0).equals(b.getRangeMax().get(0));
	}

	/** The group's recorded range (widened to contain 0, as the scale formula takes it) against the one measured. */
	private static void compare(Group group, CalibrationSamples calibration, String at, List<Mismatch> found) {
		TensorQuantizationRecord first = group.records.get(0);
		double lo = Math.min(first.getRangeMin().get(0), 0);
		double hi = Math.max(first.getRangeMax().get(0), 0);
		double mlo = Math.min(group.min, 0);
		double mhi = Math.max(group.max, 0);
		double allowed = TOLERANCE * Math.max(Math.max(Math.abs(lo), Math.abs(hi)), Math.max(Math.abs(mlo), Math.abs(mhi)));
		if (Double.isNaN(mlo) || Double.isNaN(mhi) || Math.abs(lo - mlo) > allowed || Math.abs(hi - mhi) > allowed) {
			String members = group.records.size() == 1 ? "" : " (sharing its codes with " + String.join(", ", group.records.subList(1, group.records.size())
					.stream().map(r -> "'" + r.getTensor() + "'").toList()) + ")";
			found.add(new Mismatch(DOCUMENT, at + " tensor '" + first.getTensor() + "'" + members, String.format(Locale.ROOT,
					"[%s, %s] (its scale %s, zero point %d, in the model file and every log)", first.getRangeMin().get(0), first.getRangeMax().get(0),
					first.getScales().get(0), first.getZeroPoints().isEmpty() ? 0 : first.getZeroPoints().get(0)), String.format(Locale.ROOT,
							"[%s, %s] (the smallest and largest value over the %s, measured in verify's own session; within %.0e of %.6g allowed)", (float) group.min,
							(float) group.max, calibration.described(), TOLERANCE, Math.max(Math.abs(lo), Math.abs(hi)))));
		}
	}

	/** What the note says each method's measurement is. */
	private static String how(CalibrationMethod method, OptimizationRecord o) {
		return switch (method) {
		case MOVING_AVERAGE -> String.format(Locale.ROOT, "each tensor's smallest and largest value per calibration batch of %d in the manifest's order, averaged with"
				+ " constant %s from the first batch's, a group of tensors sharing codes by the hull of its members'; within %.0e of the tensor's largest magnitude",
				o.getQuantization().getCalibration().getBatchSize(), parameter(o, "averaging constant"), TOLERANCE);
		case ENTROPY -> String.format(Locale.ROOT, "each tensor's KL threshold searched again over verify's own histogram of its magnitudes in the run's layout of %d"
				+ " bins, the divergence computed bin by bin, a group of tensors sharing codes by the one whose codes they share; the recorded threshold's divergence"
				+ " within %.1g of the least, relative", (int) parameter(o, "histogram bins"), EntropyThresholds.RELATIVE);
		case L2 -> String.format(Locale.ROOT, "each tensor's L2 search made again over verify's own histogram of its values in the run's layout of %d bins, the error"
				+ " integrated piece by piece, a group of tensors sharing codes by the one whose codes they share; the recorded ends within %d bin of the search's",
				(int) parameter(o, "histogram bins"), L2Ranges.SLACK);
		case PERCENTILE -> String.format(Locale.ROOT, "the values beyond each end counted against the %s percentile's tail, a group of tensors sharing codes by"
				+ " the one whose codes they share; within one bin of the run's histogram of %d bins x 8 over twice the tensor's largest magnitude, and one of verify's %d bins"
				+ " over twice the end", parameter(o, "percentile"), (int) parameter(o, "histogram bins"), PercentileCounts.BINS);
		default -> String.format(Locale.ROOT, "each tensor's smallest and largest value, a group of tensors sharing codes by the widest of its members; within %.0e of"
				+ " the tensor's largest magnitude", TOLERANCE);
		};
	}

	/** A number of the calibration record's parameters (NaN when it holds none: every comparison with it then fails and is named). */
	static double parameter(OptimizationRecord o, String key) {
		return o.getQuantization().getCalibration().getParameters().stream().filter(p -> key.equals(p.getKey())).findFirst().map(p -> {
			try {
				return Double.parseDouble(p.getValue().trim().split(" ", 2)[0]); // "128 (256 for tensors never negative)": its number
			} catch (NumberFormatException e) {
				return Double.NaN;
			}
		}).orElse(Double.NaN);
	}

	/**
	 * A moving average's group: its recorded range (widened to contain 0) must be the hull of its members' averaged ranges within the
	 * tolerance. The codes a MaxPool or Reshape shares are its input's: each batch's values of such a member lie within its input's
	 * (and 0, a Pad's), and averages with one constant over the same batches keep that order, so the hull is the input's average,
	 * and a member widened beyond it (a Concat's output recorded as wide as its widest input) must be that wide too.
	 */
	private static void compareAverage(Group group, MovingAverageRanges averages, OptimizationRecord o, CalibrationSamples calibration, String at, List<Mismatch> found) {
		TensorQuantizationRecord first = group.records.get(0);
		double lo = Math.min(first.getRangeMin().get(0), 0);
		double hi = Math.max(first.getRangeMax().get(0), 0);
		double mlo = 0;
		double mhi = 0;
		boolean computed = false;
		for (TensorQuantizationRecord member : group.records) {
			double[] m = averages.range(member.getTensor());
			if (m != null) {
				computed = true;
				mlo = Double.isNaN(m[0]) || Double.isNaN(mlo) ? Double.NaN : Math.min(mlo, m[0]);
				mhi = Double.isNaN(m[1]) || Double.isNaN(mhi) ? Double.NaN : Math.max(mhi, m[1]);
			}
		}
		double allowed = TOLERANCE * Math.max(Math.max(Math.abs(lo), Math.abs(hi)), Math.max(Math.abs(mlo), Math.abs(mhi)));
		if (computed && Math.abs(lo - mlo) <= allowed && Math.abs(hi - mhi) <= allowed) {
			return;
		}
		found.add(new Mismatch(DOCUMENT, at + " tensor '" + first.getTensor() + "'" + members(group), recorded(first), !computed ? "no value of it computed on the "
				+ calibration.described() : String.format(Locale.ROOT, "[%s, %s] (%sits smallest and largest values per batch of %d of the %s, averaged with constant %s,"
						+ " measured in verify's own session; within %.0e allowed)", (float) mlo, (float) mhi, group.records.size() == 1 ? "" : "the hull of its members' ranges, ",
						o.getQuantization().getCalibration().getBatchSize(), calibration.described(), parameter(o, "averaging constant"), TOLERANCE)));
	}

	/**
	 * The members of a group whose codes the others share: those no other member is computed from by an op of {@link #WITHIN_INPUTS}
	 * (the input of a MaxPool, Reshape or Flatten; its range is the one the quantizer recorded for the group). A MaxPool's output holds a
	 * quarter of its input's values, mostly the larger: its own percentile lies above its input's, so a percentile, entropy or L2
	 * range is held to the source, not to the hull of the members' (nor to any one of them: a group's range set to its MaxPool's own
	 * percentile passed before entropy67).
	 */
	private static List<TensorQuantizationRecord> sources(Graph g, Group group) {
		Set<String> members = new java.util.HashSet<>();
		group.records.forEach(r -> members.add(r.getTensor()));
		List<TensorQuantizationRecord> sources = group.records.stream().filter(r -> g.producer(r.getTensor()).filter(n -> WITHIN_INPUTS.contains(n.opType()))
				.map(n -> n.inputs().stream().noneMatch(members::contains)).orElse(true)).toList();
		return sources.isEmpty() ? group.records : sources;
	}

	/** A percentile's group: its recorded range must be each source's percentile ({@link PercentileCounts}, {@link #sources}). */
	private static void comparePercentile(Group group, List<TensorQuantizationRecord> sources, Map<String, PercentileCounts> counts, OptimizationRecord o,
			CalibrationSamples calibration, String at, List<Mismatch> found) {
		double p = parameter(o, "percentile");
		int bins = (int) parameter(o, "histogram bins");
		for (TensorQuantizationRecord source : sources) {
			String problem = counts.get(source.getTensor()).problem(p, bins, TOLERANCE);
			if (problem != null) {
				found.add(sourceMismatch(group, source, problem, calibration, at));
				return;
			}
		}
	}

	/**
	 * The second pass of an entropy or L2 calibration: each tensor's histograms over the extremes the first pass measured, one per
	 * layout the run may have counted it in ({@link RunLayout#candidates}), {@code bins} bins (none when the record holds no bins: the
	 * comparison names it).
	 */
	private static void histograms(OnnxModel floats, Set<String> tensors, Set<String> inputs, CalibrationSamples calibration, Progress progress, int bins,
			CalibrationMethod method, Map<String, double[]> extremes, FirstBatch firstBatch, Map<String, List<EntropyThresholds>> entropy,
			Map<String, List<L2Ranges>> l2) {
		if (bins < 1) {
			return;
		}
		for (String t : tensors) {
			double[] e = extremes.get(t);
			if (!(e[0] <= e[1])) {
				continue; // NaN, or no value computed: the comparison names it
			}
			List<RunLayout> layouts = RunLayout.candidates(bins, e[0], e[1], firstBatch.maxima.get(t));
			if (method == CalibrationMethod.ENTROPY) {
				entropy.put(t, layouts.stream().map(EntropyThresholds::new).toList());
			} else {
				l2.put(t, layouts.stream().map(L2Ranges::new).toList());
			}
		}
		measure(floats, tensors, inputs, calibration, progress, 0, new Sink() {
			@Override
			public void values(String tensor, FloatBuffer v) {
				entropy.getOrDefault(tensor, List.of()).forEach(x -> x.accept(v.duplicate()));
				l2.getOrDefault(tensor, List.of()).forEach(x -> x.accept(v.duplicate()));
			}

			@Override
			public void endBatch() {
			}
		});
	}

	/**
	 * An entropy or L2 group: its recorded range must be each source's search outcome on verify's histogram ({@link #sources}), in one
	 * of the layouts the run may have counted it in (the first that holds it; a mismatch names the widest first chunk's).
	 */
	private static void compareSearched(Group group, List<TensorQuantizationRecord> sources, CalibrationMethod method, Map<String, List<EntropyThresholds>> entropy,
			Map<String, List<L2Ranges>> l2, Map<String, double[]> extremes, OptimizationRecord o, CalibrationSamples calibration, String at, List<Mismatch> found,
			double[] worst) {
		TensorQuantizationRecord first = group.records.get(0);
		Map<String, Double> raised = method == CalibrationMethod.ENTROPY ? EntropyRaiseRecheck.klThresholds(o) : Map.of();
		for (TensorQuantizationRecord source : sources) {
			String t = source.getTensor();
			double[] e = extremes.get(t);
			String problem = null;
			double excess = Double.NaN;
			if (!(e[0] <= e[1])) {
				problem = Double.isNaN(e[0]) || Double.isNaN(e[1]) ? "NaN among the values" : "no value of it computed";
			} else if (method == CalibrationMethod.ENTROPY ? !entropy.containsKey(t) : !l2.containsKey(t)) {
				problem = "no histogram bins recorded";
			} else {
				int layouts = method == CalibrationMethod.ENTROPY ? entropy.get(t).size() : l2.get(t).size();
				for (int k = 0; k < layouts; k++) {
					String p;
					if (method == CalibrationMethod.ENTROPY) {
						EntropyThresholds x = entropy.get(t).get(k);
						p = entropyProblem(first, x, e, (int) parameter(o, "quantized bins"), raised.get(t));
						excess = x.excess;
					} else {
						L2Ranges x = l2.get(t).get(k);
						p = x.problem(first.getRangeMin().get(0), first.getRangeMax().get(0), (int) parameter(o, "quantization levels"), TOLERANCE);
						excess = x.excess;
					}
					if (p == null) {
						problem = null;
						break;
					}
					problem = problem == null ? p + (layouts == 1 ? "" : String.format(Locale.ROOT, "; nor in the %d other layouts the first chunk's largest magnitude may"
							+ " have set", layouts - 1)) : problem;
				}
			}
			if (problem != null) {
				found.add(sourceMismatch(group, source, problem, calibration, at));
				return;
			}
			worst[0] = Double.isNaN(worst[0]) ? excess : Math.max(worst[0], excess);
		}
	}

	/**
	 * Null when {@code r}'s range is an entropy calibration's on {@code histogram}: [max(min, −T), min(max, T)] widened to contain 0,
	 * T on a bin edge, the KL search's outcome ({@link EntropyThresholds#klProblem}), or where {@code kl} (the trace's raise) is given,
	 * that threshold the search's and T above it (EntropyRaiseRecheck counts the raise); else what the values give.
	 */
	private static String entropyProblem(TensorQuantizationRecord r, EntropyThresholds histogram, double[] e, int quantized, Double kl) {
		double top = Math.max(Math.abs(e[0]), Math.abs(e[1]));
		double rlo = r.getRangeMin().get(0);
		double rhi = r.getRangeMax().get(0);
		double allowed = TOLERANCE * top;
		double t = Math.max(-rlo, rhi); // the threshold the range states
		double hi = Math.max(Math.min(e[1], t), 0);
		double lo = Math.min(Math.max(e[0], -t), 0);
		if (top == 0 || Math.abs(rhi - hi) > allowed || Math.abs(rlo - lo) > allowed || t > top + allowed) {
			return String.format(Locale.ROOT, "a range within the values' smallest and largest, [%s, %s], measured in verify's own session: [max(min, -T), min(max, T)]"
					+ " for the KL search's threshold T (within %.0e of the largest magnitude)", (float) e[0], (float) e[1], TOLERANCE);
		}
		int bins = histogram.bins();
		double at = t / histogram.binWidth();
		if (Math.abs(at - Math.rint(at)) > 0.05) {
			return String.format(Locale.ROOT, "a threshold on an edge of the %d histogram bins over [0, %s] (each %.4g wide); the recorded %s lies at %.3f bins", bins,
					(float) top, histogram.binWidth(), (float) t, at);
		}
		int taken = (int) Math.rint(at);
		int levels = e[0] >= 0 ? 2 * quantized : quantized;
		if (!(levels > 0)) {
			return "the quantized bins recorded";
		}
		if (levels >= bins) {
			return taken == bins ? null : String.format(Locale.ROOT, "the largest magnitude %s (%d quantized bins, not fewer than the %d histogram bins: no search)", (float) top,
					levels, bins);
		}
		double[] d = histogram.divergences(levels);
		if (kl != null) { // the raise's KL threshold, printed to 4 significant digits: the candidates it may stand for
			double slack = 0.5 * Math.pow(10, Math.floor(Math.log10(Math.abs(kl))) - 3) / histogram.binWidth() + 0.05;
			int best = -1;
			for (int i = (int) Math.ceil(kl / histogram.binWidth() - slack); i <= Math.floor(kl / histogram.binWidth() + slack); i++) {
				if (i >= 1 && i < d.length && !Double.isNaN(d[i]) && (best < 0 || d[i] < d[best])) {
					best = i;
				}
			}
			return histogram.klProblem(best < 0 ? kl / histogram.binWidth() : best, levels, d);
		}
		int floor = histogram.leastSaturating(EntropyRaiseRecheck.LIMIT);
		if (taken < floor - 1) {
			return String.format(Locale.ROOT, "a threshold saturating at most %.2f %% of the non-zero values, %s or more (bin %d), or a raise recorded: the recorded %s"
					+ " (bin %d) saturates more", 100 * EntropyRaiseRecheck.LIMIT, (float) (floor * histogram.binWidth()), floor, (float) t, taken);
		}
		return histogram.klProblem(taken, levels, d);
	}

	/** A group's range that is not its source's (percentile, entropy, L2): named by the group's first member, the source said where it differs. */
	private static Mismatch sourceMismatch(Group group, TensorQuantizationRecord source, String problem, CalibrationSamples calibration, String at) {
		TensorQuantizationRecord first = group.records.get(0);
		return new Mismatch(DOCUMENT, at + " tensor '" + first.getTensor() + "'" + members(group), recorded(first), problem + " over the " + calibration.described()
				+ (source == first ? "" : " (of '" + source.getTensor() + "', whose codes the group shares)"));
	}

	private static String members(Group group) {
		return group.records.size() == 1 ? "" : " (sharing its codes with " + String.join(", ", group.records.subList(1, group.records.size()).stream()
				.map(r -> "'" + r.getTensor() + "'").toList()) + ")";
	}

	private static String recorded(TensorQuantizationRecord r) {
		return String.format(Locale.ROOT, "[%s, %s] (its scale %s, zero point %d, in the model file and every log)", r.getRangeMin().get(0), r.getRangeMax().get(0),
				r.getScales().get(0), r.getZeroPoints().isEmpty() ? 0 : r.getZeroPoints().get(0));
	}
}
