package org.quantrace.runner;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.IntStream;

import org.quantrace.engine.data.Batch;
import org.quantrace.engine.data.Dataset;
import org.quantrace.engine.data.ModelInputs;
import org.quantrace.engine.onnx.DataType;
import org.quantrace.engine.onnx.OnnxModel;
import org.quantrace.engine.onnx.TensorInfo;
import org.quantrace.engine.runtime.NdArray;
import org.quantrace.model.recipe.IOType;
import org.quantrace.model.recipe.ModelDeclaration;
import org.quantrace.model.recipe.QuantizationScheme;
import org.quantrace.model.recipe.QuantizationTechnique;
import org.quantrace.model.trace.ModelArtifact;
import org.quantrace.model.trace.OptimizationRecord;
import org.quantrace.model.trace.QuantizationRecord;
import org.quantrace.model.trace.RunWarning;
import org.quantrace.model.trace.TraceModel;

/**
 * verify's own derivation of the quantizer's tabular-input warning ({@link QuantizerWarnings#INPUT_RESOLUTION}): under integer
 * I/O, a float model input of shape [N, F] whose calibration samples hold features spanning fewer than 4 steps of the one scale,
 * at least one feature in 20,
 * min-max gives it (in the I/O type, with the activations' symmetry: scale = width / 255 asymmetric, largest magnitude / 127
 * symmetric). Derived from the float model file the record names, the calibration data read again by the recipe's pipeline and
 * the quantized model file (whether the input is read as float there), by arithmetic of its own, not the quantizer's: the
 * warning's input, its count of short features, the features it names as the worst, and its "stays float32" against the
 * quantized file's input type. A warning left out or kept where the data do not bear it out, a count or a feature edited, and
 * an integer-I/O model reading a tabular input as float without the warning are mismatches. Under float32 I/O the scale is the
 * one the quantized file's QuantizeLinear reading the input holds (its integer layers quantize the raw features there).
 */
final class InputResolutionCheck {

	private static final int STEPS = 4;
	/** Found when at least one feature in this many (rounded up) is short. */
	private static final int SHARE = 20;
	private static final int WORST = 3;
	private static final int CHUNK = 256;
	/** A recorded warning's input, count and feature count ("input 'x': 3 of its 4 features"). */
	private static final Pattern SAID = Pattern.compile("input '([^']+)': (\\d+) of its (\\d+) features");
	/** The worst features it names ("fewest steps: feature 2 0.05, feature 1 0.26)"). */
	private static final Pattern FEATURE = Pattern.compile("feature (\\d+) [0-9.]+");
	private static final String KEPT = "the input stays float32";

	private InputResolutionCheck() {
	}

	/** One input as a warning states it, or as the files bear it out. */
	private record Stated(int count, int features, List<Integer> worst, boolean keptFloat) {
		@Override
		public String toString() {
			return count + " of " + features + " features short, worst " + worst + (keptFloat ? ", kept float" : ", rounded");
		}
	}

	static List<String> check(TraceModel trace, RecipeInputs inputs, Function<ModelArtifact, Path> files) {
		List<String> problems = new ArrayList<>();
		for (OptimizationRecord o : trace.getOptimizations()) {
			QuantizationRecord q = o.getQuantization();
			if (q == null || o.getOutput() == null || q.getTechnique() != QuantizationTechnique.FULL_INTEGER) {
				continue;
			}
			String model = org.quantrace.report.RunSummary.model(o.getOutput());
			String prefix = QuantizerWarnings.prefix(o.getScheme());
			Map<String, Stated> recorded = new TreeMap<>();
			for (RunWarning w : trace.getWarnings()) {
				Matcher said = SAID.matcher(w.getMessage() == null ? "" : w.getMessage());
				if (QuantizerWarnings.INPUT_RESOLUTION.equals(w.getCode()) && model.equals(w.getModel()) && w.getMessage().startsWith(prefix) && said.find()) {
					List<Integer> worst = new ArrayList<>();
					Matcher f = FEATURE.matcher(w.getMessage().substring(said.end()));
					while (f.find() && worst.size() < WORST) {
						worst.add(Integer.parseInt(f.group(1)));
					}
					recorded.put(said.group(1), new Stated(Integer.parseInt(said.group(2)), Integer.parseInt(said.group(3)), worst, w.getMessage().contains(KEPT)));
				}
			}
			Map<String, Stated> derived = derive(o, q, model, inputs, files);
			if (derived != null && !recorded.equals(derived)) {
				problems.add("warning [" + QuantizerWarnings.INPUT_RESOLUTION + "] of model " + model + ", scheme " + o.getScheme() + ": recorded " + recorded
						+ ", re-derived from the calibration data and the model files " + derived);
			}
		}
		return problems;
	}

	/** The scale of a QuantizeLinear reading {@code x} in the quantized file (one scalar float), or null. */
	private static Float insideScale(OnnxModel quantized, String x) {
		var g = quantized.graph();
		for (var n : g.consumers(x)) {
			if (n.opType().equals("QuantizeLinear") && n.inputs().size() >= 2 && g.initializer(n.input(1)) != null
					&& g.initializer(n.input(1)).elementCount() == 1 && g.initializer(n.input(1)).dataType() == DataType.FLOAT) {
				return g.initializer(n.input(1)).toFloatArray()[0];
			}
		}
		return null;
	}

	/** What the files bear out for {@code o}, by input; null when its float model or its calibration data cannot be read. */
	private static Map<String, Stated> derive(OptimizationRecord o, QuantizationRecord q, String model, RecipeInputs inputs, Function<ModelArtifact, Path> files) {
		Path floatFile = files.apply(o.getInput());
		Path quantizedFile = files.apply(o.getOutput());
		ModelDeclaration m = inputs.context().models().stream().filter(d -> d.getName().equals(model)).findFirst().orElse(null);
		if (floatFile == null || quantizedFile == null || !Files.isRegularFile(floatFile) || !Files.isRegularFile(quantizedFile) || m == null
				|| q.getCalibration() == null || q.getCalibration().getDataset() == null) {
			return null;
		}
		OnnxModel floats = OnnxModel.load(floatFile);
		Map<String, float[][]> extremes = new TreeMap<>();
		for (var v : floats.graph().runtimeInputs()) {
			TensorInfo t = TensorInfo.of(v);
			if (t.type() == DataType.FLOAT && t.shape() != null && t.shape().size() == 2 && t.shape().get(1).matches("\\d{1,9}")
					&& Integer.parseInt(t.shape().get(1)) > 1 && !floats.graph().consumers(v.getName()).isEmpty()) {
				int f = Integer.parseInt(t.shape().get(1));
				float[] lo = new float[f];
				float[] hi = new float[f];
				java.util.Arrays.fill(lo, Float.POSITIVE_INFINITY);
				java.util.Arrays.fill(hi, Float.NEGATIVE_INFINITY);
				extremes.put(v.getName(), new float[][] { lo, hi });
			}
		}
		Map<String, Stated> derived = new TreeMap<>();
		if (extremes.isEmpty()) {
			return derived;
		}
		Dataset data = inputs.calibrationSamples(q, m);
		if (data == null) {
			return null;
		}
		ModelInputs fed = ModelInputs.of(floats, model, data);
		for (int from = 0; from < data.size(); from += CHUNK) {
			Batch b = data.read(from, Math.min(data.size(), from + CHUNK));
			Map<String, NdArray> feed = fed.feed(b);
			extremes.forEach((x, e) -> {
				NdArray a = feed.get(x);
				float[] v = a == null ? new float[0] : a.toFloats();
				for (int i = 0; i < v.length; i++) {
					int f = i % e[0].length;
					e[0][f] = Math.min(e[0][f], v[i]);
					e[1][f] = Math.max(e[1][f], v[i]);
				}
			});
		}
		OnnxModel quantized = OnnxModel.load(quantizedFile);
		boolean floatIo = q.getIoType() == IOType.FLOAT32;
		extremes.forEach((x, e) -> {
			double lo = 0; // the range always holds zero
			double hi = 0;
			for (int i = 0; i < e[0].length; i++) {
				lo = Math.min(lo, e[0][i]);
				hi = Math.max(hi, e[1][i]);
			}
			double width = q.getActivationScheme() == QuantizationScheme.SYMMETRIC ? Math.max(-lo, hi) / 127 : (hi - lo) / 255;
			Float inside = floatIo ? insideScale(quantized, x) : null;
			if (floatIo && inside == null) {
				return; // float32 I/O and no integer layer reads the input: nothing rounds it
			}
			float scale = floatIo ? inside : width > 0 ? (float) width : 1f;
			double[] steps = new double[e[0].length];
			for (int i = 0; i < steps.length; i++) {
				steps[i] = (e[1][i] - (double) e[0][i]) / scale;
			}
			List<Integer> short_ = IntStream.range(0, steps.length).filter(i -> steps[i] > 0 && steps[i] < STEPS).boxed()
					.sorted(Comparator.comparingDouble((Integer i) -> steps[i]).thenComparing(i -> i)).toList();
			boolean floatInFile = !floatIo && quantized.graph().runtimeInputs().stream().filter(v -> v.getName().equals(x))
					.anyMatch(v -> TensorInfo.of(v).type() == DataType.FLOAT);
			boolean found = !short_.isEmpty() && short_.size() * SHARE >= steps.length;
			if (found || floatInFile) {
				derived.put(x, new Stated(short_.size(), steps.length, short_.subList(0, Math.min(WORST, short_.size())), floatInFile));
			}
		});
		return derived;
	}
}
