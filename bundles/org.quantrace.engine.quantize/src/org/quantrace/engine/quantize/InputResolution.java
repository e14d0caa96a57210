package org.quantrace.engine.quantize;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.IntStream;

import org.quantrace.engine.calibrate.Range;
import org.quantrace.engine.data.Dataset;
import org.quantrace.engine.data.ModelInputs;
import org.quantrace.engine.onnx.DataType;
import org.quantrace.engine.onnx.Graph;
import org.quantrace.engine.onnx.Node;
import org.quantrace.engine.onnx.OnnxModel;
import org.quantrace.engine.onnx.Tensor;
import org.quantrace.engine.onnx.TensorInfo;
import org.quantrace.engine.runtime.NdArray;

/**
 * A tabular model input ([N, F] float features) that one per-tensor integer scale cannot resolve: scikit-learn pipelines read raw
 * features of very different spans (wine: proline up to 1,680, hue 0.5-1.7), so the int8 input's one scale (6.59 on wine) put 8
 * of 13 features on one or two codes, and fiq-int8 lost 46 pt (0.9861 → 0.5278; breast_cancer 0.9693 → 0.6798, 20 of 30
 * features below one step; tests/data/wild/README.md, newuser52 and tabular55). The data's per-feature span is measured on the
 * calibration samples ({@link #find}); a feature whose span covers fewer than {@link #STEPS} steps of the scale is short (a
 * feature constant in the samples has no spread to lose and is not counted), and an input is found when at least one feature in
 * {@link #SHARE} is short: round 32's skllr reads 784 pixels in [0, 1] at 1/255, 3 border pixels spanning 1-3 codes, and its
 * int8 input costs nothing measurable (fiq-int8 0.8330 against fp32 0.8320).
 * <p>
 * Where every reader of such an input is a per-feature affine op (an Add/Sub/Mul/Div by a float constant of the feature axis'
 * length: skl2onnx's Scaler as MlLinearOps writes it), the input stays float ({@link Finding#keptFloat}): those ops run in
 * float (ONNX Runtime has no integer Sub; their output is what the next integer layer quantizes, every feature then on one
 * common spread), and the int8/uint8 I/O contract gives way for that input, as the record and the warning say. A per-feature
 * input scale (a DequantizeLinear with an axis) would keep the contract's type but not its "one scale and zero point per input"
 * that evaluate, the logs and verify state: not done. Elsewhere (a Gemm reading the raw features) the input is rounded as
 * before and the warning says what to do.
 */
public final class InputResolution {

	/** A feature spanning fewer steps of the input's scale than this keeps at most a handful of codes. */
	public static final int STEPS = 4;
	/** An input is found when at least one of this many features (rounded up) is short. */
	public static final int SHARE = 20;
	/** The ops a per-feature affine reader may be. */
	private static final Set<String> AFFINE = Set.of("Add", "Sub", "Mul", "Div");
	/** The warning's code in the runner's records and the console. */
	public static final String CODE = "quantize-input-resolution";
	/** Words of the warning no other warning holds, which the runner records it by. */
	public static final String WORDS = "of the input's one ";
	/** The words saying the input was kept float (the console's input line reads them). */
	public static final String KEPT = "the input stays float32";
	private static final int WORST = 3;
	private static final int CHUNK = 256;

	private InputResolution() {
	}

	/** The input a warning of this class ({@link Finding#warning}) says was kept float32, or null for any other warning. */
	public static String keptFloatInput(String warning) {
		int end = warning.indexOf("': ");
		return warning.startsWith("input '") && end > 0 && warning.contains(WORDS) && warning.contains(KEPT) ? warning.substring("input '".length(), end) : null;
	}

	/**
	 * One input's finding.
	 *
	 * @param spans each feature's span (max − min) on the calibration samples, in steps of {@code scale}
	 * @param readers the per-feature affine ops reading it where it is kept float, else empty
	 * @param inside the model's I/O is float32 and its integer layers quantize the input at {@code scale} ({@link #quantizedInside})
	 */
	public record Finding(String input, QuantType type, float scale, double[] spans, List<String> readers, boolean inside) {

		public boolean keptFloat() {
			return !readers.isEmpty();
		}

		/** The features whose positive span is below {@link #STEPS} steps, worst first. */
		public List<Integer> shortFeatures() {
			return IntStream.range(0, spans.length).filter(i -> spans[i] > 0 && spans[i] < STEPS).boxed()
					.sorted(Comparator.comparingDouble((Integer i) -> spans[i]).thenComparing(i -> i)).toList();
		}

		/** At least one feature in {@link #SHARE} is short. */
		public boolean isShort() {
			int n = shortFeatures().size();
			return n > 0 && n >= (spans.length + SHARE - 1) / SHARE;
		}

		/** The warning, without the scheme's prefix. */
		public String warning() {
			List<Integer> s = shortFeatures();
			StringBuilder worst = new StringBuilder();
			for (int i = 0; i < Math.min(WORST, s.size()); i++) {
				worst.append(i == 0 ? "" : ", ").append("feature ").append(s.get(i)).append(" ").append(String.format(java.util.Locale.ROOT, "%.2f", spans[s.get(i)]));
			}
			String head = "input '" + input + "': " + s.size() + " of its " + spans.length + " features span fewer than " + STEPS + " steps " + WORDS
					+ type.name().toLowerCase(java.util.Locale.ROOT) + " scale " + String.format(java.util.Locale.ROOT, "%.6g", scale)
					+ (inside ? " its integer layers quantize it with (float32 I/O)" : "")
					+ " on the calibration samples (fewest steps: " + worst + "), so its codes would round most of their values away; ";
			// float32 I/O alone does not help where an integer layer reads the raw features: it quantizes them at one scale as well
			return head + (keptFloat()
					? KEPT + " (the model reads it as float, not " + type.name() + "), as the per-feature ops reading it do ("
							+ String.join(", ", readers) + "): the integer layers after them read codes of their output, whose features share one spread"
					: "scale the features before the model (a scaler in the graph reading it), or " + (inside ? "" : "quantize with float32 I/O and ")
							+ "exclude the layers reading it (--exclude NODE, a recipe's exclude) so that they compute on the float features");
		}
	}

	/**
	 * The short inputs of {@code model} under integer I/O {@code spec} (none under float I/O): each float model input of shape
	 * [N, F] whose calibration samples ({@code calibration}, cut as calibration cuts them) hold a feature below {@link #STEPS}
	 * steps of the per-tensor scale min-max gives it in the I/O type, with the activations' symmetry.
	 */
	public static List<Finding> find(OnnxModel model, String modelName, QuantizationSpec spec, Dataset calibration) {
		if (spec.io() == QuantizationSpec.IoType.FLOAT32 || spec.technique() != QuantizationSpec.Technique.FULL_INTEGER || calibration == null) {
			return List.of();
		}
		Map<String, float[][]> extremes = extremes(model, modelName, spec, calibration);
		TensorSpecs io = new TensorSpecs(spec);
		List<Finding> found = new ArrayList<>();
		extremes.forEach((x, e) -> {
			double lo = Double.POSITIVE_INFINITY;
			double hi = Double.NEGATIVE_INFINITY;
			for (int i = 0; i < e[0].length; i++) {
				lo = Math.min(lo, e[0][i]);
				hi = Math.max(hi, e[1][i]);
			}
			if (!(hi >= lo)) {
				return; // no sample
			}
			float scale = QuantMath.params(new Range(lo, hi), io.type, io.symmetry, false).scale();
			Finding candidate = new Finding(x, io.type, scale, spans(e, scale), List.of(), false);
			if (candidate.isShort()) {
				found.add(new Finding(x, io.type, scale, candidate.spans(), affineReaders(model.graph(), x, e[0].length), false));
			}
		});
		return found;
	}

	/**
	 * The short inputs of a model quantized under float32 I/O ({@code quantized}, as written): a float [N, F] input its integer
	 * layers read through one QuantizeLinear quantizes all its features at that node's one scale, as an integer input would be
	 * (tabular55 left it unsaid: newuser60's tabraw, a Gemm on breast-cancer's raw features, fiq-float32 0.9708 → 0.6667 with no
	 * warning). The scale is the file's, so the warning states what the model computes.
	 */
	public static List<Finding> quantizedInside(OnnxModel quantized, String modelName, QuantizationSpec spec, Dataset calibration) {
		if (spec.io() != QuantizationSpec.IoType.FLOAT32 || spec.technique() != QuantizationSpec.Technique.FULL_INTEGER || calibration == null) {
			return List.of();
		}
		Graph g = quantized.graph();
		List<Finding> found = new ArrayList<>();
		extremes(quantized, modelName, spec, calibration).forEach((x, e) -> {
			for (Node q : g.consumers(x)) {
				Tensor scale = q.opType().equals("QuantizeLinear") && q.inputs().size() == 3 ? g.initializer(q.input(1)) : null;
				Tensor zero = scale == null ? null : g.initializer(q.input(2));
				if (scale != null && zero != null && scale.elementCount() == 1 && scale.dataType() == DataType.FLOAT
						&& (zero.dataType() == DataType.INT8 || zero.dataType() == DataType.UINT8)) {
					float s = scale.toFloatArray()[0];
					Finding f = new Finding(x, zero.dataType() == DataType.INT8 ? QuantType.INT8 : QuantType.UINT8, s, spans(e, s), List.of(), true);
					if (f.isShort()) {
						found.add(f);
					}
					return;
				}
			}
		});
		return found;
	}

	/** The words a dynamic-range layer's reason ends with when its weights have one scale per input feature ({@link #featureAxis}). */
	public static final String PER_FEATURE = "; one weight scale per input feature";

	/**
	 * The axis of a 2-D Gemm/MatMul weight that runs over the input features ({@code 1 - outputAxis}) where the layer reads a
	 * float [N, F] model input directly, else -1. Dynamic-range quantization gives such a weight one scale per input feature
	 * (per column of the input it multiplies), not per output channel: a model reading raw features of different units (newuser60's
	 * tabraw, a Gemm on breast-cancer's features from 0.001 to 4,254) has small weights for large-valued features, rounded at
	 * the step the largest weights of small-valued features set, each error then multiplied by the feature (fc1 per output row:
	 * 0.9708 → 0.5673; per input feature: 0.9766, per tensor 0.8947; tests/data/wild/README.md, drqtab63). Per input feature the
	 * rounding does not depend on the features' units (a feature scaled by c and its weights by 1/c round alike). Only the
	 * weight-only form can: a dynamic integer kernel rescales its accumulator per output channel.
	 */
	public static int featureAxis(Node n, int outputAxis, int rank) {
		Graph g = n.graph();
		boolean product = n.opType().equals("MatMul") || n.opType().equals("Gemm") && n.intAttribute("transA", 0) == 0;
		if (!product || g.parent() != null || rank != 2 || outputAxis < 0 || outputAxis > 1 || n.inputs().size() < 2) {
			return -1;
		}
		Tensor w = g.constant(n.input(1));
		if (w == null || w.dims().length != 2 || w.dims()[1 - outputAxis] < 2) {
			return -1; // one feature: one scale either way, and none per channel to state
		}
		for (var v : g.runtimeInputs()) {
			TensorInfo t = TensorInfo.of(v);
			if (v.getName().equals(n.input(0)) && t.type() == DataType.FLOAT && t.shape() != null && t.shape().size() == 2) {
				return 1 - outputAxis;
			}
		}
		return -1;
	}

	/**
	 * A layer on a float [N, F] model input ({@link #featureAxis}) whose weight columns' largest magnitudes spread by at least this
	 * factor reads features of different units; under it, features of one unit, quantized as any layer (per output channel, the
	 * dynamic kernel where it is faster). Why the weights tell it: rounding feature j by a step e moves the outputs by e · |w_j|,
	 * so a dynamic kernel's one uint8 step (the largest feature / 255) costs feature j at most spread / 255 of what the step costs
	 * the largest-valued feature's column, and per output channel the steps the largest columns set round a column that much
	 * smaller with as much more error relative to it. Measured (numpy, tests/data/wild/README.md, drqmlp65): torch MLPs on raw
	 * breast-cancer features spread 12.2-239 (tabraw 22.5; per output channel 0.9708 → 0.5673), on raw wine 3.2-14.8 (per output
	 * channel and the dynamic kernel's rounding within 2 of 54 test rows), on sklearn digits' pixel counts 10.5; Fashion-MNIST
	 * pixels in [0, 1] (784-512) 7.7, standardized pixels 4.0, standardized tabular features 1.6-3.9 (no loss either way). Not
	 * decidable from the weights alone in general (a raw feature the layer barely uses looks like one of one unit): the threshold
	 * leans to per feature, which costs speed only.
	 */
	public static final double UNIT_SPREAD = 10;

	/**
	 * The largest magnitude of {@code w}'s columns along {@code featureAxis} (a 2-D weight), largest over smallest non-zero one; 1
	 * where no column is non-zero. Computed in double from the stored floats (verify's FeatureScales derives it alike).
	 */
	public static double columnSpread(Tensor w, int featureAxis) {
		float[] v = w.toFloatArray();
		int rows = (int) w.dims()[0];
		int cols = (int) w.dims()[1];
		double[] largest = new double[featureAxis == 1 ? cols : rows];
		for (int r = 0; r < rows; r++) {
			for (int c = 0; c < cols; c++) {
				int f = featureAxis == 1 ? c : r;
				largest[f] = Math.max(largest[f], Math.abs((double) v[r * cols + c]));
			}
		}
		double max = 0;
		double min = Double.POSITIVE_INFINITY;
		for (double l : largest) {
			max = Math.max(max, l);
			min = l > 0 ? Math.min(min, l) : min;
		}
		return max > 0 ? max / min : 1;
	}

	/** "its weight columns' largest magnitudes spread S x, at least|under 10x": the figure the per-feature rule is decided by. */
	static String spreadWords(double spread) {
		return String.format(java.util.Locale.ROOT, "its weight columns' largest magnitudes spread %.1fx, %s %.0fx", spread,
				spread >= UNIT_SPREAD ? "at least" : "under", UNIT_SPREAD);
	}

	/** The words {@link #PER_FEATURE} with the input they are about and the spread that decided it. */
	static String perFeatureWords(String input, double spread) {
		return PER_FEATURE + " (the columns of model input '" + input + "' it multiplies: " + spreadWords(spread) + ", as raw features"
				+ " of different units give; those would round at one step per output channel)";
	}

	/** The words of a layer on a float [N, F] model input whose weights say its features are of one unit. */
	static String oneUnitWords(String input, double spread) {
		return "; model input '" + input + "' read as features of one unit (" + spreadWords(spread) + "): weights per output channel";
	}

	/** Each float [N, F] input's per-feature minima and maxima on the calibration samples, cut as calibration cuts them. */
	private static Map<String, float[][]> extremes(OnnxModel model, String modelName, QuantizationSpec spec, Dataset calibration) {
		Graph g = model.graph();
		Map<String, Integer> features = new LinkedHashMap<>();
		for (var v : g.runtimeInputs()) {
			TensorInfo t = TensorInfo.of(v);
			if (t.type() == DataType.FLOAT && t.shape() != null && t.shape().size() == 2 && t.shape().get(1).matches("\\d{1,9}")
					&& Integer.parseInt(t.shape().get(1)) > 1 && !g.consumers(v.getName()).isEmpty()) {
				features.put(v.getName(), Integer.parseInt(t.shape().get(1)));
			}
		}
		Map<String, float[][]> extremes = new LinkedHashMap<>();
		if (features.isEmpty()) {
			return extremes;
		}
		int samples = spec.calibration().maxSamples() > 0 ? Math.min(spec.calibration().maxSamples(), calibration.size()) : calibration.size();
		Dataset data = calibration.limit(samples);
		ModelInputs inputs = ModelInputs.of(model, modelName, data);
		features.forEach((x, f) -> extremes.put(x, new float[][] { filled(f, Float.POSITIVE_INFINITY), filled(f, Float.NEGATIVE_INFINITY) }));
		for (int from = 0; from < data.size(); from += CHUNK) {
			Map<String, NdArray> feed = inputs.feed(data.read(from, Math.min(data.size(), from + CHUNK)));
			extremes.forEach((x, e) -> {
				NdArray a = feed.get(x);
				if (a != null) {
					float[] v = a.toFloats();
					int f = e[0].length;
					for (int i = 0; i < v.length; i++) {
						e[0][i % f] = Math.min(e[0][i % f], v[i]);
						e[1][i % f] = Math.max(e[1][i % f], v[i]);
					}
				}
			});
		}
		return extremes;
	}

	private static double[] spans(float[][] e, float scale) {
		double[] spans = new double[e[0].length];
		for (int i = 0; i < spans.length; i++) {
			spans[i] = (e[1][i] - (double) e[0][i]) / scale;
		}
		return spans;
	}

	/** The I/O type and the activations' symmetry, as {@code QuantizationPlan} quantizes an integer model input. */
	private record TensorSpecs(QuantType type, QuantizationSpec.Symmetry symmetry) {
		TensorSpecs(QuantizationSpec spec) {
			this(spec.io().quantType(), spec.activations().scheme());
		}
	}

	/**
	 * The names of {@code x}'s readers when each is a per-feature affine op: Add, Sub, Mul or Div of {@code x} and a float
	 * constant of {@code f} values ([F] or [1, F]); else none.
	 */
	static List<String> affineReaders(Graph g, String x, int f) {
		List<Node> readers = g.consumers(x);
		List<String> names = new ArrayList<>();
		for (Node r : readers) {
			if (!r.isStandard() || !AFFINE.contains(r.opType()) || r.inputs().size() != 2 || r.input(0).equals(r.input(1))) {
				return List.of();
			}
			String other = r.input(0).equals(x) ? r.input(1) : r.input(0);
			Tensor c = g.initializer(other);
			if (c == null || c.dataType() != DataType.FLOAT || !perFeature(c.dims(), f) || r.opType().equals("Div") && !r.input(0).equals(x)) {
				return List.of();
			}
			names.add("'" + r.name() + "' " + r.opType());
		}
		return names;
	}

	private static boolean perFeature(long[] dims, int f) {
		return dims.length == 1 && dims[0] == f || dims.length == 2 && dims[0] == 1 && dims[1] == f;
	}

	private static float[] filled(int n, float v) {
		float[] a = new float[n];
		java.util.Arrays.fill(a, v);
		return a;
	}
}
