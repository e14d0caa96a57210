package org.quantrace.runner;

import static org.quantrace.model.TraceValues.parameter;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import org.quantrace.engine.calibrate.CalibrationResult;
import org.quantrace.engine.calibrate.CalibrationSettings;
import org.quantrace.engine.quantize.QuantParams;
import org.quantrace.engine.quantize.QuantType;
import org.quantrace.engine.quantize.QuantizationResult;
import org.quantrace.engine.quantize.QuantizationSpec;
import org.quantrace.engine.quantize.QuantizedTensor;
import org.quantrace.model.recipe.CalibrationMethod;
import org.quantrace.model.recipe.Granularity;
import org.quantrace.model.recipe.IOType;
import org.quantrace.model.recipe.Precision;
import org.quantrace.model.recipe.QuantizationScheme;
import org.quantrace.model.recipe.QuantizationTechnique;
import org.quantrace.model.trace.CalibrationRecord;
import org.quantrace.model.trace.LayerQuantizationRecord;
import org.quantrace.model.trace.QuantizationRecord;
import org.quantrace.model.trace.RewrittenParameterCount;
import org.quantrace.model.trace.TensorQuantizationRecord;
import org.quantrace.model.trace.TensorRole;
import org.quantrace.model.trace.TraceFactory;
import org.quantrace.report.DynamicRangeForm;
import org.quantrace.report.LogValues;

/** Turns a {@link QuantizationResult} into the trace records behind the PhIMT0003 log. */
public final class QuantizationRecords {

	private static final TraceFactory F = TraceFactory.eINSTANCE;

	private QuantizationRecords() {
	}

	/** The additional-configuration row of a scheme that leaves slow integer kernels float (the recipe's float-slow-kernels). */
	public static final String FLOAT_SLOW_KERNELS = "float-slow-kernels";

	public static QuantizationRecord toRecord(QuantizationResult result) {
		QuantizationSpec spec = result.spec();
		QuantizationRecord r = settings(spec);
		r.setOpset(result.model().opset());
		r.setTransformationFunction(transformationFunction(result));
		r.setScaleFactorFormula(scaleFactorFormula());
		if (result.calibration() != null) {
			r.setCalibration(calibration(result.calibration(), result.wideRanges()));
		}
		for (QuantizedTensor t : result.tensors()) {
			TensorQuantizationRecord tr = F.createTensorQuantizationRecord();
			tr.setTensor(t.tensor());
			tr.setRole(TensorRole.valueOf(t.role().name()));
			tr.setNode(t.node());
			if (of(t.params().type()) != null) {
				tr.setPrecision(of(t.params().type()));
			}
			tr.setElementType(t.params().type().name().toLowerCase(java.util.Locale.ROOT)); // int32 for biases, which no Precision names
			tr.setGranularity(t.params().perChannel() ? Granularity.PER_CHANNEL : Granularity.PER_TENSOR);
			tr.setScheme(isSymmetric(t) ? QuantizationScheme.SYMMETRIC : QuantizationScheme.ASYMMETRIC);
			if (t.params().perChannel()) {
				tr.setAxis(t.params().axis());
			}
			if (t.range() != null) {
				tr.getRangeMin().add(t.range().min());
				tr.getRangeMax().add(t.range().max());
			}
			for (float s : t.params().scales()) {
				tr.getScales().add((double) s);
			}
			for (long z : t.params().zeroPoints()) {
				tr.getZeroPoints().add(z);
			}
			r.getTensors().add(tr);
		}
		for (QuantizationResult.Layer l : result.layers()) {
			LayerQuantizationRecord lr = F.createLayerQuantizationRecord();
			lr.setNode(l.node());
			lr.setOpType(l.opType());
			lr.setLayerIndex(l.index());
			if (l.rewriteOf() != null) {
				lr.setRewriteOf(l.rewriteOf());
			}
			lr.setQuantized(l.quantized());
			lr.setReason(l.reason());
			if (l.weights() != null) {
				lr.setPrecision(of(l.weights().precision()));
				lr.setScheme(of(l.weights().scheme()));
				lr.setGranularity(of(l.weights().granularity()));
			} else if (l.activations() != null) {
				lr.setPrecision(of(l.activations().precision()));
				lr.setScheme(of(l.activations().scheme()));
				lr.setGranularity(of(l.activations().granularity()));
			}
			r.getLayers().add(lr);
		}
		r.setRewrittenParametersCounted(true);
		result.parametersAddedByRewrites().forEach((layer, added) -> {
			RewrittenParameterCount c = F.createRewrittenParameterCount();
			c.setLayer(layer);
			c.setAdded(added);
			r.getRewrittenParameters().add(c);
		});
		for (QuantizationSpec.Exclusion e : spec.exclusions()) {
			r.getAdditionalConfiguration().add(parameter("exclude " + e.kind().literal() + " " + e.pattern(), e.reason() == null ? "" : e.reason()));
		}
		for (QuantizationSpec.Override o : spec.overrides()) {
			r.getAdditionalConfiguration().add(parameter("override " + o.layer(), o.toString()));
		}
		if (spec.technique() == QuantizationSpec.Technique.FULL_INTEGER && spec.floatSlowKernels()) {
			r.getAdditionalConfiguration().add(parameter(FLOAT_SLOW_KERNELS, "yes: layers whose integer kernel runs slower than float stay float"));
		}
		BiasCorrectionRecords.record(result, r);
		if (spec.technique() == QuantizationSpec.Technique.DYNAMIC_RANGE) {
			r.getAdditionalConfiguration().add(parameter(DynamicRangeForm.KERNELS, spec.kernels().literal()));
		}
		// full-integer too: a recurrent layer ONNX Runtime has no QDQ form of (LSTM) runs its dynamic kernel there
		if (spec.technique() == QuantizationSpec.Technique.DYNAMIC_RANGE || !dynamicLayers(result).isEmpty()) {
			r.getAdditionalConfiguration().add(parameter(DynamicRangeForm.DYNAMIC_LAYERS, names(dynamicLayers(result))));
		}
		if (!dynamicLayers(result).isEmpty()) {
			r.getAdditionalConfiguration().add(parameter(DynamicRangeForm.RUN_TIME_QUANTIZERS, String.join(", ", runTimeQuantizers(result))));
		}
		if (!result.weightOnlyLayers().isEmpty() || spec.technique() == QuantizationSpec.Technique.DYNAMIC_RANGE) {
			r.getAdditionalConfiguration().add(parameter(DynamicRangeForm.WEIGHT_ONLY_LAYERS, names(result.weightOnlyLayers())));
		}
		return r;
	}

	/**
	 * The layers with dynamic integer kernels: quantized, with int8 weights, and no activation quantized ahead of time
	 * (their input is quantized at run time). Every weighted layer DRQ quantizes; under FIQ, a recurrent layer run as
	 * DynamicQuantizeLSTM.
	 */
	private static List<QuantizationResult.Layer> dynamicLayers(QuantizationResult result) {
		return result.layers().stream().filter(l -> l.quantized() && l.weights() != null && l.activations() == null).toList();
	}

	/** The ops of the quantized model that quantize activations at run time, in the order of {@link DynamicRangeForm#RUN_TIME_QUANTIZER_OPS}. */
	private static List<String> runTimeQuantizers(QuantizationResult result) {
		java.util.Set<String> held = new java.util.HashSet<>();
		result.model().graph().allNodes().forEach(n -> held.add(n.opType()));
		return DynamicRangeForm.RUN_TIME_QUANTIZER_OPS.stream().filter(held::contains).toList();
	}

	private static String names(List<QuantizationResult.Layer> layers) {
		return String.join(", ", layers.stream().map(QuantizationResult.Layer::node).toList());
	}

	// the engine's terms as the trace's: the metamodel's enums have the same constants (SchemeResolver maps the other way)

	/**
	 * A record holding the settings of {@code spec} alone (technique, I/O type, each class's precision, scheme and granularity,
	 * reduced range, the calibration method and batch size): what the run records of a scheme, and what verify makes again from
	 * the recipe's scheme to hold the trace's record against ({@link RecipeDeclarationsCheck}).
	 */
	static QuantizationRecord settings(QuantizationSpec spec) {
		QuantizationRecord r = F.createQuantizationRecord();
		r.setTechnique(of(spec.technique()));
		r.setIoType(of(spec.io()));
		r.setWeightPrecision(of(spec.weights().precision()));
		r.setWeightScheme(of(spec.weights().scheme()));
		r.setWeightGranularity(of(spec.weights().granularity()));
		if (spec.technique() == QuantizationSpec.Technique.FULL_INTEGER) {
			r.setActivationPrecision(of(spec.activations().precision()));
			r.setActivationScheme(of(spec.activations().scheme()));
			r.setActivationGranularity(of(spec.activations().granularity()));
		}
		r.setReduceRange(spec.reduceRange());
		return r;
	}

	/** The calibration method of {@code settings} as the trace names it. */
	static CalibrationMethod method(CalibrationSettings settings) {
		return of(settings.method());
	}

	private static QuantizationTechnique of(QuantizationSpec.Technique t) {
		return QuantizationTechnique.valueOf(t.name());
	}

	private static IOType of(QuantizationSpec.IoType t) {
		return IOType.valueOf(t.name());
	}

	/** Null for int32, which only biases use (not a precision users choose). */
	private static Precision of(QuantType t) {
		return t == QuantType.INT32 ? null : Precision.valueOf(t.name());
	}

	private static QuantizationScheme of(QuantizationSpec.Symmetry s) {
		return QuantizationScheme.valueOf(s.name());
	}

	private static Granularity of(QuantizationSpec.Granularity g) {
		return Granularity.valueOf(g.name());
	}

	private static CalibrationMethod of(CalibrationSettings.Method m) {
		return CalibrationMethod.valueOf(m.name());
	}

	/**
	 * Whether {@code t} was quantized by the symmetric formula: its zero points sit at the middle of the type and, per tensor
	 * with a range, its scale is the symmetric formula's rather than the asymmetric one's (a range about as far below 0 as
	 * above gives an asymmetric zero point of 128 too: a LayerNorm or attention output, tests/data/wild "encoder").
	 */
	static boolean isSymmetric(QuantizedTensor t) {
		QuantParams p = t.params();
		if (!isSymmetric(p) || p.perChannel() || t.range() == null) {
			return isSymmetric(p);
		}
		double lo = Math.min(t.range().min(), 0);
		double hi = Math.max(t.range().max(), 0);
		double asymmetric = (hi - lo) / (p.qmax() - p.qmin());
		double symmetric = Math.max(-lo, hi) / ((p.qmax() - p.qmin()) / 2);
		return Math.abs(symmetric - p.scale()) <= Math.abs(asymmetric - p.scale());
	}

	static boolean isSymmetric(QuantParams p) {
		long mid = p.type().signed() ? 0 : 1L << (p.type().bits() - 1);
		for (long z : p.zeroPoints()) {
			if (z != mid) {
				return false;
			}
		}
		return true;
	}

	private static CalibrationRecord calibration(CalibrationResult c, List<org.quantrace.engine.calibrate.WideRange> wide) {
		CalibrationRecord r = F.createCalibrationRecord();
		r.setMethod(of(c.settings().method()));
		r.setSampleCount(c.samples());
		r.setBatchSize(c.settings().batchSize());
		for (Map.Entry<String, String> p : c.settings().parameters().entrySet()) {
			r.getParameters().add(parameter(p.getKey(), p.getValue()));
		}
		// tensors read by another method than the scheme's (engine.quantize.SiluRanges: the inputs of x·sigmoid(x) under min-max)
		Map<String, Long> others = new TreeMap<>();
		c.methods().forEach((t, m) -> {
			if (!c.clipped().containsKey(t)) {
				others.merge(m.literal(), 1L, Long::sum);
			}
		});
		others.forEach((method, n) -> r.getParameters().add(parameter(method + " tensors", n + " (the inputs of x·sigmoid(x), SiLU: min-max would spend their codes on "
				+ "a few extreme values; each product's range is the image of its input's)")));
		// what it rests on is said: the RMS is the calibration's own measure (no file holds the values); range and scale are the tensor's record's
		for (org.quantrace.engine.calibrate.WideRange w : wide) {
			r.getParameters().add(parameter("range far wider than its values", w.describe() + " (the RMS is the calibration's: its sum of squares over the"
					+ " samples, in the same pass as the range; range and scale are the tensor's record's); most values share a few codes; "
					+ org.quantrace.engine.calibrate.WideRange.ADVICE));
		}
		// engine.quantize.ClippedRanges: the range in the file is the tensor's record's (verify re-derives it); why rests on the sums
		for (org.quantrace.engine.calibrate.WideRange w : c.clipped().values()) {
			r.getParameters().add(parameter(org.quantrace.report.CalibrationRow.CLIPPED, w.clipped(c.ranges().get(w.tensor())) + " (the first range"
					+ " and the RMS are the calibration's: its " + c.settings().method().literal() + " extremes and sum of squares over the samples,"
					+ " one pass; the range read again is the tensor's record's)"));
		}
		// engine.calibrate.HistogramCollector.MAX_SATURATED; what verify --deep counts again is EntropyRaiseRecheck's, which reads
		// the statement up to "raised to R"
		c.raised().forEach((t, raised) -> r.getParameters().add(parameter("entropy threshold raised", "'" + t + "': " + raised.describe()
				+ " (the KL threshold is the outcome of the calibration's histogram search, which verify --deep makes again; the share it saturates and the"
				+ " threshold taken verify --deep counts again from the calibration samples, within one histogram bin; the range taken is the"
				+ " tensor's record's)")));
		r.getParameters().add(parameter("data", c.dataset()));
		return r;
	}

	/** The affine mapping in the template's terms, as the model applies it (for DRQ: in the form each layer took). */
	static String transformationFunction(QuantizationResult result) {
		int dynamic = dynamicLayers(result).size();
		String runTime = "activations of the " + LogValues.count(dynamic, "layer") + " with dynamic kernels: " + String.join(" and ", runTimeQuantizers(result))
				+ " at run time (uint8, s and z from each batch's range), integer products rescaled x' = s_x s_w (q - z)";
		if (result.spec().technique() != QuantizationSpec.Technique.DYNAMIC_RANGE) {
			return "q = f(x) = clamp(round(x / s) + z, qmin, qmax) (QuantizeLinear, round half to even); x' = s (q - z) (DequantizeLinear)"
					+ (dynamic > 0 ? "; " + runTime : "");
		}
		List<String> parts = new java.util.ArrayList<>(List.of("weights: q = clamp(round(x / s) + z, qmin, qmax) offline"));
		int weightOnly = result.weightOnlyLayers().size();
		if (dynamic > 0) {
			parts.add(runTime);
		}
		if (weightOnly > 0) {
			parts.add("weights of the " + LogValues.count(weightOnly, "layer") + " that compute" + (weightOnly == 1 ? "s" : "") + " in float32: x' = s (q - z) once, when ONNX Runtime loads the model "
					+ "(Cast and Mul of constants, constant-folded)");
		}
		return String.join("; ", parts);
	}

	static String scaleFactorFormula() {
		return "asymmetric: s = (α - β) / (2^b - 1), z = round(qmin - β / s), i.e. 1/s = (2^b - 1) / (α - β) with [β, α] the calibrated range "
				+ "widened to contain 0; symmetric: s = max(|α|, |β|) / (2^(b-1) - 1), z = 0 (signed) or 2^(b-1) (unsigned); "
				+ "bias: int32 with s = s_input × s_weight, z = 0";
	}
}
