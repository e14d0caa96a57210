package org.quantrace.report;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

import org.quantrace.model.ModelArtifacts;
import org.quantrace.model.recipe.Granularity;
import org.quantrace.model.recipe.PruningPattern;
import org.quantrace.model.recipe.QuantizationScheme;
import org.quantrace.model.recipe.QuantizationTechnique;
import org.quantrace.model.trace.CalibrationRecord;
import org.quantrace.model.trace.LayerQuantizationRecord;
import org.quantrace.model.trace.FactorizationRecord;
import org.quantrace.model.trace.ModelArtifact;
import org.quantrace.model.trace.OptimizationRecord;
import org.quantrace.model.trace.Parameter;
import org.quantrace.model.trace.QuantizationRecord;
import org.quantrace.model.trace.TensorQuantizationRecord;
import org.quantrace.model.trace.TensorRole;
import org.quantrace.model.trace.TensorSpec;

/**
 * The PhIMT0003 rows that say what the quantized model holds, read from the per-tensor records (the
 * parameters the engine wrote into the model) and the output model's graph I/O: the transformation and
 * scale formulas of the tensor classes that occur (no others), a worked example with this run's numbers,
 * precision, scheme and granularity per tensor class. Dynamic-range activations are uint8 asymmetric,
 * computed at run time; biases are int32; inputs and outputs with the scale and zero point the model has.
 */
final class OptimizationRows {

	/** A layer's reason saying it reads a tabular model input the quantizer kept float (engine.quantize's OpRules.inputKeptFloat). */
	private static final java.util.regex.Pattern KEPT_INPUT = java.util.regex.Pattern.compile("^reads the model input '([^']+)', kept float32: ");

	/** Template row label → what this class writes for it (the mapping lists the features each reads). */
	static final Set<String> ROWS = Set.of("Verified Learning Model ID or Model Conversion ID", "Calibration", "Transformation function", "Scale factor",
			"Quantization precision", "Quantization scheme", "Quantization technique", "Quantization granularity");

	private OptimizationRows() {
	}

	/** The lines of {@code label} for {@code o}, or null when the generic mapping fills it. */
	static List<String> lines(String label, OptimizationRecord o, String tensorsAppendix, String layersAppendix) {
		if (label.equals("Verified Learning Model ID or Model Conversion ID")) {
			List<String> l = new ArrayList<>(List.of(o.getInputModelReference()));
			if (o.getInput() != null) {
				l.add("input model " + o.getInput().getName() + " (" + o.getInput().getPath() + (ModelArtifacts.isInput(o.getInput())
						? ", relative to the recipe's folder" : "") + "), SHA-256 " + o.getInput().getSha256());
			}
			if (o.getFactorization() != null) {
				l.add(factorized(o.getFactorization()));
			}
			return l;
		}
		QuantizationRecord q = o.getQuantization();
		if (q == null && label.equals("Quantization precision") && o.getOutput() != null) {
			return unquantizedIo(o.getOutput());
		}
		if (q == null || !ROWS.contains(label)) {
			return null;
		}
		boolean drq = q.getTechnique() == QuantizationTechnique.DYNAMIC_RANGE;
		DynamicRangeForm form = DynamicRangeForm.of(q);
		// activations quantized at run time: only in the layers with dynamic kernels (DRQ's, or a full-integer LSTM's)
		boolean dynamic = form.anyDynamic();
		return switch (label) {
		case "Calibration" -> calibration(q, drq, form);
		case "Transformation function" -> transformation(q, dynamic, form);
		case "Scale factor" -> scaleFactor(q, dynamic, tensorsAppendix);
		case "Quantization precision" -> precision(q, o.getOutput(), drq, form);
		case "Quantization scheme" -> scheme(q, dynamic);
		case "Quantization technique" -> technique(q, drq, form, o.getOutput());
		case "Quantization granularity" -> granularity(q, o.getOutput(), dynamic, layersAppendix);
		default -> null;
		};
	}

	private static List<String> calibration(QuantizationRecord q, boolean drq, DynamicRangeForm form) {
		CalibrationRecord c = q.getCalibration();
		if (drq || c == null) {
			return List.of(form.anyDynamic()
					? "none offline: the " + LogValues.count(form.dynamic().size(), "layer") + " with dynamic kernels "
							// "each" of one layer read as if there were several
							+ (form.dynamic().size() == 1 ? "quantizes its input at run time from its own range (" : "quantize their inputs at run time, each from its own range (")
							+ String.join(", ", form.runTimeQuantizers()) + ")"
					: "none: no activation is quantized (every layer computes in float32" + (form.quantizesNoWeight() ? ", from float32 weights: no weight is quantized)"
							: " from int8 weights dequantized when the model is loaded)"));
		}
		List<String> l = new ArrayList<>();
		l.add(CalibrationRow.method(c));
		for (Parameter p : c.getParameters()) {
			if (!p.getKey().equals("data") && !p.getKey().equals("batch size")) { // the batch size is in the last line
				l.add(p.getKey() + ": " + LogValues.tidy(p.getValue()));
			}
		}
		l.add("on " + (c.getDataset() != null ? "dataset " + c.getDataset().getName() : "the calibration data") + ", "
				+ c.getSampleCount() + " samples in batches of " + c.getBatchSize());
		return l;
	}

	/** The integer types the model holds per tensor class, in the order weights, biases, activations, input, output. */
	private static Map<String, List<TensorQuantizationRecord>> classes(QuantizationRecord q) {
		Map<String, List<TensorQuantizationRecord>> m = new LinkedHashMap<>();
		for (TensorRole role : List.of(TensorRole.WEIGHT, TensorRole.BIAS, TensorRole.ACTIVATION, TensorRole.INPUT, TensorRole.OUTPUT)) {
			List<TensorQuantizationRecord> ts = q.getTensors().stream().filter(t -> t.getRole() == role).toList();
			if (!ts.isEmpty()) {
				m.put(LogValues.plural(role), ts);
			}
		}
		return m;
	}


	static String type(TensorQuantizationRecord t) {
		return t.getElementType() != null ? t.getElementType() : LogValues.text(t.getPrecision());
	}

	/** [qmin, qmax] of a type as the model uses it. */
	static long[] bounds(String type, boolean reduceRange) {
		int bits = switch (type) {
		case "int16" -> 16;
		case "int32" -> 32;
		default -> 8;
		};
		boolean signed = !type.startsWith("u");
		int b = reduceRange && bits == 8 ? bits - 1 : bits;
		return signed ? new long[] { -(1L << (b - 1)), (1L << (b - 1)) - 1 } : new long[] { 0, (1L << b) - 1 };
	}

	private static String range(long[] b) {
		return "[" + b[0] + ", " + b[1] + "]";
	}

	/** The distinct values of {@code f} over the tensors, joined. */
	private static <T> String distinct(List<TensorQuantizationRecord> ts, java.util.function.Function<TensorQuantizationRecord, T> f) {
		Set<String> s = new LinkedHashSet<>();
		ts.forEach(t -> s.add(String.valueOf(f.apply(t))));
		return String.join(" / ", s);
	}

	private static List<String> transformation(QuantizationRecord q, boolean dynamic, DynamicRangeForm form) {
		List<String> l = new ArrayList<>();
		l.add("q = f(x) = clamp(round_half_even(x / s) + z, qmin, qmax) (QuantizeLinear); back to real values x' = s · (q − z) (DequantizeLinear)");
		for (Map.Entry<String, List<TensorQuantizationRecord>> c : classes(q).entrySet()) {
			Set<String> types = new LinkedHashSet<>();
			c.getValue().forEach(t -> types.add(type(t)));
			for (String type : types) {
				l.add(c.getKey() + ": " + type + ", " + bits(type) + " bits, q in " + range(bounds(type, q.isReduceRange() && !type.equals("int32")))
						+ (c.getKey().equals("weights") || c.getKey().equals("biases") ? ", quantized once, offline" : ""));
			}
		}
		if (dynamic) {
			l.add("activations of the layers with dynamic kernels: uint8, 8 bits, q in [0, 255], quantized at run time by "
					+ String.join(" and ", form.runTimeQuantizers()) + "; the integer "
					+ "products are rescaled to float32 (y = s_x · s_w · Σ (q_x − z_x) · q_w) and biases are added in float32");
		}
		if (!form.weightOnly().isEmpty()) {
			l.add("weights of the " + LogValues.count(form.weightOnly().size(), "layer") + " that "
					+ (form.weightOnly().size() == 1 ? "computes" : "compute") + " in float32: x' = s · (q − z) once, when the model is loaded "
					+ "(Cast and Mul of constants, which ONNX Runtime constant-folds)");
		}
		return l;
	}

	private static int bits(String type) {
		return switch (type) {
		case "int16" -> 16;
		case "int32" -> 32;
		default -> 8;
		};
	}

	/** The formula of one (type, scheme) as the engine computes it. */
	private static String formula(String type, QuantizationScheme scheme, boolean reduceRange) {
		long[] b = bounds(type, reduceRange);
		if (scheme == QuantizationScheme.SYMMETRIC) {
			int bits = reduceRange ? bits(type) - 1 : bits(type);
			long half = (1L << (bits - 1)) - 1;
			long z = type.startsWith("u") ? 1L << (bits - 1) : 0;
			return "symmetric: s = max(|α|, |β|) / " + half + ", z = " + z;
		}
		return "asymmetric: s = (β − α) / " + (b[1] - b[0]) + ", z = round(" + b[0] + " − α / s) clamped to " + range(b);
	}

	private static List<String> scaleFactor(QuantizationRecord q, boolean dynamic, String appendix) {
		List<String> l = new ArrayList<>();
		l.add("with [α, β] the range of the values (calibrated for activations, the tensor's own for weights), widened to contain 0:");
		for (Map.Entry<String, List<TensorQuantizationRecord>> c : classes(q).entrySet()) {
			if (c.getKey().equals("biases")) {
				l.add("biases: int32 with s = s_input · s_weight (per output channel), z = 0");
				continue;
			}
			Set<String> seen = new LinkedHashSet<>();
			for (TensorQuantizationRecord t : c.getValue()) {
				String f = formula(type(t), t.getScheme(), q.isReduceRange());
				// one row per type and granularity (as verify re-derives them): per-channel and per-tensor int8 symmetric
				// weights share the formula's text, and a grouped ConvTranspose's per-tensor row was left out
				String row = c.getKey() + " (" + type(t) + ", " + (t.getGranularity() == Granularity.PER_CHANNEL ? "one s per output channel" : "per tensor")
						+ "): " + f;
				if (seen.add(row)) {
					l.add(row);
				}
			}
		}
		if (dynamic) {
			l.add("activations (uint8, at run time): asymmetric: s = (max(x, 0) − min(x, 0)) / 255, z = round(−min(x, 0) / s)");
		}
		example(q, TensorRole.ACTIVATION).ifPresent(l::add);
		example(q, TensorRole.WEIGHT).ifPresent(l::add);
		for (Map.Entry<String, List<TensorQuantizationRecord>> c : classes(q).entrySet()) {
			List<Double> scales = new ArrayList<>();
			List<Double> original = new ArrayList<>(); // without the channels the quantizer added as zeros (their s is an empty range's)
			for (TensorQuantizationRecord t : c.getValue()) {
				scales.addAll(t.getScales());
				int from = t.getScales().size() > 1 ? AifsmLogs.originalChannels(q, t.getNode()) : -1;
				original.addAll(from >= 0 && from < t.getScales().size() ? t.getScales().subList(0, from) : t.getScales());
			}
			if (scales.size() > c.getValue().size()) { // per-channel: summarised
				List<Double> sorted = original.stream().sorted().toList();
				int added = scales.size() - original.size();
				l.add(c.getKey() + ": " + LogValues.count(c.getValue().size(), "tensor") + ", " + scales.size() + " scales"
						+ (added > 0 ? " (" + added + " of channels added as zeros, left out here)" : "") + ": min " + LogValues.brief(sorted.get(0)) + ", median "
						+ LogValues.brief(median(sorted)) + ", max " + LogValues.brief(sorted.get(sorted.size() - 1)) + (appendix == null ? "" : "; every value in " + appendix));
			} else if (scales.size() == 1) {
				l.add(c.getKey() + ": 1 scale: " + LogValues.brief(scales.get(0)) + (appendix == null ? "" : "; in " + appendix));
			} else if (!scales.isEmpty() && !c.getKey().equals("biases")) {
				List<Double> sorted = scales.stream().sorted().toList();
				l.add(c.getKey() + ": " + scales.size() + " scales from " + LogValues.brief(sorted.get(0)) + " to " + LogValues.brief(sorted.get(sorted.size() - 1))
						+ (appendix == null ? "" : "; every value in " + appendix));
			}
		}
		return l;
	}

	private static double median(List<Double> sorted) {
		int n = sorted.size();
		return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
	}

	/** A worked example with one real tensor of {@code role}: its range, then s and z as computed, and what the model holds. */
	private static java.util.Optional<String> example(QuantizationRecord q, TensorRole role) {
		for (TensorQuantizationRecord t : q.getTensors()) {
			if (t.getRole() != role || t.getRangeMin().isEmpty() || t.getScales().isEmpty() || "int32".equals(t.getElementType())) {
				continue;
			}
			if (role == TensorRole.WEIGHT && WidenedWeightScales.widened(q, t.getNode())) {
				continue; // a scale widened for the int32 bias is not the formula's from the range: the example would not hold
			}
			// the trace holds one range per tensor: for a per-channel tensor it is the widest channel's only where the
			// scheme is symmetric (s = max|w| / 127 of the channel with the largest magnitude); else take another tensor
			int channel = 0;
			String note = "";
			if (t.getGranularity() == Granularity.PER_CHANNEL && t.getRangeMin().size() != t.getScales().size()) {
				if (t.getScheme() != QuantizationScheme.SYMMETRIC) {
					continue;
				}
				int from = AifsmLogs.originalChannels(q, t.getNode());
				for (int c = 1; c < (from > 0 ? Math.min(from, t.getScales().size()) : t.getScales().size()); c++) { // not an added zero channel
					channel = t.getScales().get(c) > t.getScales().get(channel) ? c : channel;
				}
				// the range printed is the tensor's, not the channel's: an assessor who read "channel 0 of T, range [α, β]" found
				// channel 0's own minimum elsewhere in the file (dae's e1.weight: [-0.2021, 0.7038], printed [-0.4356, 0.7038])
				note = " (the range is the whole tensor's, as the trace records it; its largest magnitude, which sets s, is in channel " + channel
						+ ", the widest)";
			}
			double lo = Math.min(0, t.getRangeMin().get(0));
			double hi = Math.max(0, t.getRangeMax().get(0));
			String type = type(t);
			long[] b = bounds(type, q.isReduceRange());
			String computed;
			if (t.getScheme() == QuantizationScheme.SYMMETRIC) {
				int bits = q.isReduceRange() ? bits(type) - 1 : bits(type);
				long half = (1L << (bits - 1)) - 1;
				double s = (float) (Math.max(Math.abs(lo), Math.abs(hi)) / half);
				computed = "s = max(" + plain(Math.abs(lo)) + ", " + plain(Math.abs(hi)) + ") / " + half + " = " + plain(s);
			} else {
				double s = (float) ((hi - lo) / (b[1] - b[0]));
				long z = Math.max(b[0], Math.min(b[1], Math.round(b[0] - lo / s)));
				computed = "s = (" + plain(hi) + " − " + plain(lo) + ") / " + (b[1] - b[0]) + " = " + plain(s) + ", z = round(" + b[0]
						+ " − " + plain(lo) + " / s) = " + z;
			}
			String which = t.getGranularity() == Granularity.PER_CHANNEL ? "channel " + channel + " of " : "";
			return java.util.Optional.of("example (" + LogValues.plural(role) + "): " + which + t.getTensor() + ", range [" + plain(t.getRangeMin().get(0)) + ", "
					+ plain(t.getRangeMax().get(0)) + "] → " + computed + "; the model holds s = " + LogValues.exact(t.getScales().get(channel)) + ", z = "
					+ t.getZeroPoints().get(channel) + note);
		}
		return java.util.Optional.empty();
	}

	/**
	 * A worked example's figure without thousands separators: "range [0, 3,234]" read as the two numbers "0,3" and "234" once a
	 * reader (verify, a PDF's text) loses the space after the comma (newuser60's tabraw, raw features up to 3,234: verify of an
	 * honest run named the example in all four formats).
	 */
	private static String plain(double d) {
		return LogValues.brief(d).replace(",", "");
	}

	private static List<String> precision(QuantizationRecord q, ModelArtifact output, boolean drq, DynamicRangeForm form) {
		List<String> l = new ArrayList<>();
		for (Map.Entry<String, List<TensorQuantizationRecord>> c : classes(q).entrySet()) {
			if (c.getKey().equals("inputs") || c.getKey().equals("outputs")) {
				continue;
			}
			l.add(c.getKey() + ": " + distinct(c.getValue(), OptimizationRows::type) + " (" + LogValues.count(c.getValue().size(), "tensor") + ")");
		}
		if (form.anyDynamic()) {
			if (drq) { // not under full-integer: the biases of its integer layers are int32
				l.add("biases: float32 (added after the integer product)");
			}
			l.add("activations: uint8, quantized at run time (" + String.join("; ", form.runTimeQuantizers().stream().map(OptimizationRows::runTimeQuantizer).toList())
					+ (drq ? "" : "; in the " + LogValues.count(form.dynamic().size(), "layer") + " with dynamic kernels: " + String.join(", ", form.dynamic())) + ")");
		}
		if (!form.weightOnly().isEmpty()) {
			l.add("int8 weights computed in float32 (stored int8, float32 in memory once loaded): " + LogValues.count(form.weightOnly().size(), "layer"));
		}
		l.addAll(io(output));
		// a clamp folded into its producer's output quantization is in no node of the file: it computes neither in float nor on integers
		List<String> folded = q.getLayers().stream().filter(x -> AifsmLogs.folded(q, x) != null).map(LayerQuantizationRecord::getNode).toList();
		long floats = q.getLayers().stream().filter(x -> !x.isQuantized()).count() - folded.size();
		if (floats > 0 || !folded.isEmpty()) {
			l.add("layers left in float32: " + floats + " of " + q.getLayers().size() + " (named in the per-layer appendix)"
					+ (folded.isEmpty() ? "" : "; " + AifsmLogs.FOLDED_LAYERS + String.join(", ", folded) + AifsmLogs.FOLDED_WHY));
		}
		return l;
	}

	/** How one run-time quantizer of the model quantizes activations. */
	private static String runTimeQuantizer(String op) {
		return switch (op) {
		case "DynamicQuantizeLinear" -> "DynamicQuantizeLinear, one scale and zero point per tensor and inference";
		case "DynamicQuantizeLSTM" -> "DynamicQuantizeLSTM, inside the kernel, from the range of each input";
		default -> op;
		};
	}

	/**
	 * The precision row of a variant without quantization: that it is not quantized, and its inputs and outputs as its
	 * model file holds them, types only (the generic row printed "scale 0, zero point 0" of float I/O, to which no scale applies).
	 */
	private static List<String> unquantizedIo(ModelArtifact output) {
		List<String> l = new ArrayList<>(List.of(AifsmLogs.NOT_QUANTIZED + "; its inputs and outputs as its model file holds them, no scale or zero point applying:"));
		l.addAll(io(output));
		return l;
	}

	/**
	 * How the input model's matrices were factorized: the recipe's rank selection, which no row printed (paddle10seg's
	 * "factorize { dense energy 90 % }" was in no row of PhIMT0003, only its per-layer results; read by assessor16), the layers
	 * its target takes and the patterns it excludes (in no record before: assessor17).
	 */
	static String factorized(FactorizationRecord f) {
		String v = LogValues.brief(f.getValue());
		String rule = switch (f.getRankSelection()) {
		case ENERGY -> "energy " + v + " %: each matrix at the smallest rank whose largest singular values keep at least " + v + " % of the sum of their squares";
		case FIXED_RANK -> "rank " + v + ": each matrix at rank " + v + ", or its own where smaller";
		case RANK_RATIO -> "rank-ratio " + v + ": each matrix at " + v + " of its rank, rounded (at least 1)";
		};
		return "factorized by truncated SVD (W ≈ U · V), rank selection " + rule + "; layers " + targets(f) + "; excluded: "
				+ (f.getExcludes().isEmpty() ? "none" : String.join(", ", f.getExcludes().stream().map(e -> "'" + e + "'").toList()))
				+ "; each layer in the appendix Low-rank factorization per layer";
	}

	/** The layers the step's target takes (the recipe's dense, conv1x1 or all), as the factorizer picks them. */
	private static String targets(FactorizationRecord f) {
		String dense = "Gemm and MatMul layers with a constant float weight matrix";
		String conv = "1×1 Convs of one group";
		return switch (f.getTarget()) {
		case DENSE -> "dense: " + dense;
		case CONV1X1 -> "conv1x1: " + conv;
		case ALL -> "all: " + dense + ", and " + conv;
		};
	}

	/** Each graph input and output as the model file holds it: its element type, and its scale and zero point when integer. */
	static List<String> io(ModelArtifact output) {
		List<String> l = new ArrayList<>();
		if (output == null) {
			return l;
		}
		for (TensorSpec t : output.getInputs()) {
			l.add("input '" + t.getName() + "': " + ioText(t));
		}
		for (TensorSpec t : output.getOutputs()) {
			l.add("output '" + t.getName() + "': " + ioText(t));
		}
		return l;
	}

	/**
	 * Whether a model input's or output's quantization record names a tensor the model file holds in float32 (fiq_float32):
	 * the model quantizes it inside, by a QuantizeLinear after the input or a DequantizeLinear before the output.
	 */
	private static boolean floatIo(ModelArtifact output, TensorQuantizationRecord t) {
		List<TensorSpec> io = output == null ? List.of() : t.getRole() == TensorRole.INPUT ? output.getInputs() : t.getRole() == TensorRole.OUTPUT ? output.getOutputs() : List.of();
		return io.stream().anyMatch(x -> x.getName().equals(t.getTensor()) && ioText(x).equals("float32"));
	}

	static String ioText(TensorSpec t) {
		String type = t.getElementType().toLowerCase(Locale.ROOT);
		type = type.equals("float") ? "float32" : type;
		return t.isSetScale() ? type + ", s = " + LogValues.exact(t.getScale()) + ", z = " + t.getZeroPoint() : type;
	}

	private static List<String> scheme(QuantizationRecord q, boolean dynamic) {
		List<String> l = new ArrayList<>();
		for (Map.Entry<String, List<TensorQuantizationRecord>> c : classes(q).entrySet()) {
			l.add(c.getKey() + ": " + distinct(c.getValue(), t -> t.getScheme() == QuantizationScheme.SYMMETRIC
					? "symmetric (z = " + (type(t).startsWith("u") ? "mid-range" : "0") + ")"
					: "asymmetric (z from the range)"));
		}
		if (dynamic) {
			l.add("activations: asymmetric (z from each input's range, at run time)");
		}
		return l;
	}

	private static List<String> technique(QuantizationRecord q, boolean drq, DynamicRangeForm form, ModelArtifact output) {
		List<String> l = new ArrayList<>();
		if (drq && form.quantizesNoWeight()) {
			// unseen31's nam: "int8 weights; no dynamic integer kernel" beside 0 of 15 layers quantized read as if some weight were int8
			l.add(form.noWeightQuantized());
		} else if (drq) {
			l.add("dynamic-range quantization (DRQ), kernels " + form.kernels() + ": int8 weights; " + (form.anyDynamic()
					? "dynamic integer kernels (activations quantized at run time) for " + String.join(", ", form.dynamic()) : "no dynamic integer kernel")
					+ (form.weightOnly().isEmpty() ? "" : "; int8 weights dequantized at load and float32 compute for " + String.join(", ", form.weightOnly()))
					+ DynamicRangeForm.perFeature(q));
		} else {
			// ONNX Runtime (CPU) has no integer kernel for a 16-bit QDQ group (docs/build-notes.md): it computes between the
			// DequantizeLinear and the QuantizeLinear in float32; the log said "runs as integer kernels" for int16 activations too
			List<TensorQuantizationRecord> activations = q.getTensors().stream().filter(t -> t.getRole() == TensorRole.ACTIVATION).toList();
			long wide = activations.stream().filter(t -> type(t).endsWith("16")).count();
			String kernels = wide == 0 ? "QDQ format that ONNX Runtime runs as integer kernels"
					: wide == activations.size()
							? "QDQ format; ONNX Runtime has no integer kernel for 16-bit activations: its layers compute in float32 between DequantizeLinear and QuantizeLinear"
							: "QDQ format that ONNX Runtime runs as integer kernels, but for 16-bit activations, which have none: the layers with 16-bit activations compute in float32 between DequantizeLinear and QuantizeLinear";
			l.add("full-integer quantization (FIQ): weights and activations quantized, " + kernels
					+ (form.anyDynamic() ? "; dynamic integer kernels (activations quantized at run time) for " + String.join(", ", form.dynamic()) : "")
					+ (form.weightOnly().isEmpty() ? "" : "; int8 weights with float32 compute (no integer kernel) for " + String.join(", ", form.weightOnly()))
					+ floatOnIntegerWeights(q, form));
		}
		l.add("model inputs and outputs: " + LogValues.text(q.getIoType()));
		List<String> keptFloat = q.getLayers().stream().map(x -> x.getReason() == null ? null : KEPT_INPUT.matcher(x.getReason()))
				.filter(m -> m != null && m.find()).map(m -> m.group(1)).distinct().toList();
		if (!keptFloat.isEmpty()) { // the quantizer's InputResolution: said in the row, not only in the warning
			l.add("except " + String.join(", ", keptFloat) + ", kept float32: one " + LogValues.text(q.getIoType()) + " scale for its features would round most"
					+ " of them away (warning quantize-input-resolution)");
		}
		List<String> asRead = io(output).stream().filter(x -> INTEGER_IO.matcher(x).find()).toList();
		if (!asRead.isEmpty()) {
			l.add("except " + String.join(", ", asRead) + ", as the model reads them: integer inputs are fed as they are, not quantized");
		}
		return l;
	}

	/**
	 * An input the model reads as integers (token ids, a mask) is no quantized tensor: bert2in's fiq_int8 said "model inputs and
	 * outputs: int8" two rows below "input 'input_ids': int64".
	 */
	private static final java.util.regex.Pattern INTEGER_IO = java.util.regex.Pattern.compile("^input '.*': (int64|int32|bool)$");

	/**
	 * The layers left float whose weights the file holds as integers all the same (read through DequantizeLinear), e.g. a
	 * Conv of one input channel on the int8 model input: the row said "runs as integer kernels" of a model whose stem computes
	 * in float (round 12's dae, an assessor's reading of 2026-12-05), and only the per-layer appendix's note said otherwise.
	 */
	private static String floatOnIntegerWeights(QuantizationRecord q, DynamicRangeForm form) {
		Set<String> floatLayers = new LinkedHashSet<>();
		q.getLayers().stream().filter(x -> !x.isQuantized() && !form.weightOnly().contains(x.getNode())).forEach(x -> floatLayers.add(x.getNode()));
		List<TensorQuantizationRecord> weights = q.getTensors().stream()
				.filter(t -> t.getRole() == TensorRole.WEIGHT && floatLayers.contains(t.getNode()) && !type(t).startsWith("float")).toList();
		if (weights.isEmpty()) {
			return "";
		}
		List<String> layers = weights.stream().map(TensorQuantizationRecord::getNode).distinct().toList();
		return "; " + distinct(weights, OptimizationRows::type) + " weights (dequantized by DequantizeLinear) with float32 compute for " + String.join(", ", layers)
				+ ", left float (why: the per-layer appendix)";
	}

	/**
	 * Why channel pruning removes a larger share of the parameters than its target: resnet pruned by activation at 10 % said
	 * "achieved sparsity: 19.07 %" and nothing of why, which reads as a pruning gone beyond what was asked.
	 */
	static final String CHANNELS_TAKE_MORE = ": a share of the parameters, above the target, which is a share of the channels: a channel removed takes its "
			+ "filter and the weights of the layers that read it";

	/**
	 * What the achieved sparsity counts: element, vector and block pruning zero weights and never a bias, their target is a share of
	 * the weights, and so is the figure; with the biases in the count, 30 % of the weights read "28.86 %", short of it (assessor59).
	 * Channel pruning removes filters with their biases: parameters. Verify reads the word back (FloatStagesLogCheck).
	 */
	static String counted(PruningPattern pattern) {
		return pattern == PruningPattern.CHANNEL ? "parameters" : "weights";
	}

	static final String BIASES_NOT_COUNTED = "; biases, which this pattern does not prune, not counted";

	/** The pruning's configuration and outcome: sparsities as percentages, what was excluded, what the engine reports. */
	static List<String> pruning(org.quantrace.model.trace.PruningRecord p) {
		List<String> l = new ArrayList<>();
		l.add("target sparsity: " + LogValues.brief(p.getTargetSparsity()) + " %");
		boolean channel = p.getPattern() == PruningPattern.CHANNEL;
		l.add(String.format(Locale.ROOT, "achieved sparsity: %s %% (%,d of %,d %s of the pruned layers left non-zero%s)", LogValues.brief(p.getAchievedSparsity()),
				p.getParametersAfter(), p.getParametersBefore(), counted(p.getPattern()), channel ? "" : BIASES_NOT_COUNTED)
				+ (channel && p.getAchievedSparsity() > p.getTargetSparsity() ? CHANNELS_TAKE_MORE : ""));
		if (!p.getExcluded().isEmpty()) {
			l.add("excluded: " + String.join(", ", p.getExcluded()));
		}
		p.getAdditionalConfiguration().forEach(x -> l.add(x.getKey().startsWith(CHANNEL_SCORES) ? removedChannels(x.getKey(), x.getValue())
				: x.getKey() + ": " + LogValues.tidy(x.getValue())));
		return l;
	}

	/**
	 * "weights by axis: axis 0: features.0.weight (/features/features.0/Conv), ...; axis 1: fc.weight (/fc/Gemm)": a class
	 * quantized per channel on more than one axis (a MatMulInteger's weight is stored [in, out], its channels on axis 1) said
	 * "per-channel (axis 0) / per-channel (axis 1)", and the assessor had to find in the appendix which tensor had which.
	 * Null where every per-channel tensor of the class shares its axis.
	 */
	private static String axesByTensor(String tensorClass, List<TensorQuantizationRecord> ts) {
		Map<Integer, List<String>> byAxis = new java.util.TreeMap<>();
		ts.stream().filter(t -> t.getGranularity() == Granularity.PER_CHANNEL)
				.forEach(t -> byAxis.computeIfAbsent(t.getAxis(), a -> new ArrayList<>()).add(t.getTensor() + (t.getNode() == null ? "" : " (" + t.getNode() + ")")));
		if (byAxis.size() < 2) {
			return null;
		}
		List<String> parts = new ArrayList<>();
		byAxis.forEach((axis, names) -> parts.add("axis " + axis + ": " + String.join(", ", names)));
		return tensorClass + " by axis: " + String.join("; ", parts);
	}

	/** The key of a channel space's scores in the pruning record (runner's PruningRecords writes it: "removed C ...; scores S ..."). */
	private static final String CHANNEL_SCORES = "channel scores: ";

	/**
	 * A channel space's line: the channels removed with their scores and the lowest score kept, not every channel's score (the
	 * trace holds them all; a MobileNet's would fill pages).
	 */
	private static String removedChannels(String key, String value) {
		String[] parts = value.split("; scores ?", 2);
		String[] removed = parts[0].replaceFirst("^removed ?", "").isBlank() ? new String[0] : parts[0].replaceFirst("^removed ", "").split(" ");
		String[] scores = parts.length < 2 || parts[1].isBlank() ? new String[0] : parts[1].split(" ");
		java.util.Set<String> gone = java.util.Set.of(removed);
		List<String> said = new ArrayList<>();
		for (String c : removed) {
			int i = Integer.parseInt(c);
			said.add(c + ": " + (i < scores.length ? scores[i] : "?"));
		}
		String lowestKept = java.util.stream.IntStream.range(0, scores.length).filter(i -> !gone.contains(Integer.toString(i)))
				.mapToObj(i -> scores[i]).min(java.util.Comparator.comparingDouble(Double::parseDouble)).orElse("none");
		return "channels of " + key.substring(CHANNEL_SCORES.length()) + ": " + (said.isEmpty() ? "none" : said.size()) + " of " + scores.length
				+ " removed" + (said.isEmpty() ? "" : " (channel: score) " + String.join(", ", said)) + "; lowest score kept " + lowestKept;
	}

	private static List<String> granularity(QuantizationRecord q, ModelArtifact output, boolean dynamic, String appendix) {
		List<String> l = new ArrayList<>();
		for (Map.Entry<String, List<TensorQuantizationRecord>> c : classes(q).entrySet()) {
			l.add(c.getKey() + ": " + distinct(c.getValue(), t -> (t.getGranularity() == Granularity.PER_CHANNEL ? "per-channel (axis " + t.getAxis() + ")"
					: "per-tensor") + (floatIo(output, t) ? AifsmLogs.insideTheModel(t.getRole()) : "")));
			String axes = axesByTensor(c.getKey(), c.getValue());
			if (axes != null) {
				l.add(axes);
			}
		}
		if (dynamic) {
			l.add("activations: per-tensor, at run time");
		}
		long quantized = q.getLayers().stream().filter(LayerQuantizationRecord::isQuantized).count();
		l.add(quantized + " of " + q.getLayers().size() + " layers quantized" + (appendix == null ? "" : "; each layer in " + appendix));
		return l;
	}
}
