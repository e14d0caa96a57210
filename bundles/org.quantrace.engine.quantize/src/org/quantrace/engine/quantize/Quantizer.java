package org.quantrace.engine.quantize;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import org.quantrace.engine.InvalidInputException;
import org.quantrace.engine.Progress;
import org.quantrace.engine.calibrate.CalibrationResult;
import org.quantrace.engine.calibrate.Calibrator;
import org.quantrace.engine.calibrate.Range;
import org.quantrace.engine.data.Dataset;
import org.quantrace.engine.onnx.DataType;
import org.quantrace.engine.onnx.FloatWidening;
import org.quantrace.engine.onnx.Initializers;
import org.quantrace.engine.onnx.IoQuantization;
import org.quantrace.engine.onnx.Node;
import org.quantrace.engine.onnx.NodeNames;
import org.quantrace.engine.onnx.OnnxModel;
import org.quantrace.engine.onnx.OpsetUpgrade;
import org.quantrace.engine.onnx.RandomOps;
import org.quantrace.engine.onnx.Tensor;
import org.quantrace.engine.onnx.TensorInfo;
import org.quantrace.engine.quantize.QuantizationPlan.Decision;
import org.quantrace.engine.runtime.InferenceSession;
import org.quantrace.engine.quantize.QuantizationSpec.IoType;
import org.quantrace.model.OpsetLimits;
import org.quantrace.engine.quantize.QuantizationSpec.Technique;

/**
 * Quantizes a model as a {@link QuantizationSpec} says: prepares it (Constant weights to initializers,
 * opset 13, or 21 for int16), then writes dynamic-range or full-integer (QDQ) quantization, calibrating
 * the latter on the given data, and last the transformer fusions ONNX Runtime does not make itself
 * ({@link SkipLayerNormFusion}). The result always loads in ONNX Runtime: it is checked before returning.
 */
public final class Quantizer {

	private Quantizer() {
	}

	/**
	 * Refuses a model that is quantized already (our own output, a QAT export with its QuantizeLinear/DequantizeLinear
	 * pairs, ONNX Runtime's quantizer's): quantizing it again would calibrate dequantized values, re-round int8 weights to
	 * another scale, and record a quantized model as the float original in the trace and the logs. Called before any
	 * work, by {@link #quantize} and by the command line and the runner, so the user hears it first.
	 *
	 * @throws InvalidInputException naming the quantized ops found
	 */
	public static void requireFloat(OnnxModel model, String modelName) {
		java.util.Map<String, Long> found = org.quantrace.engine.onnx.QuantizedOps.counts(model);
		if (!found.isEmpty()) {
			String first = model.graph().allNodes().stream().filter(org.quantrace.engine.onnx.QuantizedOps::isQuantized).findFirst().orElseThrow().name();
			throw new InvalidInputException(modelName + " is quantized already: it holds " + org.quantrace.engine.onnx.QuantizedOps.listed(found) + (first.isEmpty() ? ""
					: " (the first: '" + first + "')") + "; quantizing it again would quantize dequantized values and record it as the float original",
					quantizedHint(model, found));
		}
	}

	/**
	 * Refuses to calibrate a model that draws random numbers without a seed ({@link RandomOps}): its ranges, and so the quantized
	 * file, would differ from run to run. Dynamic-range quantization runs no model and is not refused. Called by {@link #quantize}
	 * and, before any progress line, by the command line.
	 *
	 * @throws InvalidInputException naming the unseeded random ops
	 */
	public static void requireRepeatable(OnnxModel model, String modelName, QuantizationSpec spec) {
		if (spec.technique() == Technique.FULL_INTEGER) {
			RandomOps.requireSeeded(model, modelName, "its calibrated ranges and so the quantized file");
		}
	}

	/** Layers ONNX Runtime runs on integer kernels only as a QDQ group: every input dequantized, the output quantized. */
	private static final Set<String> QDQ_KERNELS = Set.of("Conv", "ConvTranspose", "MatMul", "Gemm");

	/**
	 * What to do with a quantized model: evaluate it as it is, but not with the promise that it runs on integer kernels where
	 * it does not. torch's QAT export of a Conv-BN (make_unseen14.py "qat") writes Conv, Div and BatchNormalization between
	 * the weight's dequantization and the activation's QuantizeLinear: ONNX Runtime cannot fuse that Conv into QLinearConv
	 * and runs it in float on dequantized values (all 5 of that model's Convs; measured with the Profile client). convert's
	 * TrainedCodes makes such a Conv (or Gemm) the form ONNX Runtime fuses, or refuses the model naming the layer; the hint says
	 * both, and that --keep batch-normalization (which a user who met that refusal may have given) leaves them unfolded.
	 */
	static String quantizedHint(OnnxModel model, java.util.Map<String, Long> quantizedOps) {
		org.quantrace.engine.onnx.Graph g = model.graph();
		String evaluate = " (quantrace evaluate FLOAT.onnx QUANTIZED.onnx compares the two)";
		java.util.SortedSet<DataType> float8 = org.quantrace.engine.onnx.Float8.typesIn(model);
		if (!float8.isEmpty()) { // round 34's fp8qdq: no integer kernel to fuse into, convert's folds change nothing
			return "its codes are float8 (" + String.join(", ", float8.stream().map(DataType::toString).sorted().toList())
					+ "), as FP8 post-training quantization (NVIDIA ModelOpt, TensorRT) writes them, and ONNX Runtime's CPU has no float8 kernel: its layers"
					+ " compute in float on the dequantized values; quantize the float model it was made from (to int8), or evaluate this one as it is"
					+ evaluate;
		}
		if (!org.quantrace.engine.onnx.QuantizedOps.quantizesWeights(model) && quantizedOps.keySet().equals(Set.of("QuantizeLinear", "DequantizeLinear"))) { // branch hostile7's qat_inputonly
			Node q = g.nodes().stream().filter(n -> n.opType().equals("QuantizeLinear")).findFirst().orElseThrow();
			return "none of its weights is quantized: its QuantizeLinear/DequantizeLinear pairs only round activations (the first: '" + q.input(0)
					+ "'), as a QAT export that fake-quantizes its input alone writes, and every layer computes in float; quantize the float model it"
					+ " was made from (torch: export it before prepare_qat), or this one without the pairs (onnx: make each DequantizeLinear's readers read"
					+ " the QuantizeLinear's input, then drop both)";
		}
		String weightOnly = weightOnlyQdq(g);
		if (weightOnly != null) {
			return weightOnly + "; quantize the float model it was made from, or evaluate this one as it is" + evaluate + ", or run it in a recipe under"
					+ " scheme unquantized";
		}
		List<Node> dequantized = g.nodes().stream().filter(n -> QDQ_KERNELS.contains(n.opType()) && n.inputs().stream()
				.anyMatch(i -> g.producer(i).map(p -> p.opType().equals("DequantizeLinear")).orElse(false))).toList();
		List<Node> unfused = dequantized.stream().filter(n -> g.consumers(n.output(0)).isEmpty()
				|| !g.consumers(n.output(0)).stream().allMatch(c -> c.opType().equals("QuantizeLinear"))).toList();
		if (unfused.isEmpty()) {
			String form = org.quantrace.engine.onnx.QuantizedOps.form(quantizedOps);
			boolean qdq = form == null || form.equals("QDQ form");
			return "quantize the float model it was made from; " + (qdq ? "a quantization-aware-trained export runs in integer kernels as it is:"
					: "a model in ONNX Runtime's " + form.substring(0, form.indexOf(':')) + " (its quantizer's output) runs " + kernels(model) + ":")
					+ " evaluate it" + evaluate + ", or run it in a recipe under scheme unquantized";
		}
		Node first = unfused.get(0);
		String readers = g.consumers(first.output(0)).stream().map(Node::opType).distinct().collect(java.util.stream.Collectors.joining(", "));
		return "quantize the float model it was made from, or evaluate this one as it is" + evaluate + "; but " + unfused.size() + " of its "
				+ dequantized.size() + " Conv/MatMul/Gemm layers on dequantized values run in float in ONNX Runtime, not on integer kernels (the first: '"
				+ first.label() + "', read by " + (readers.isEmpty() ? "nothing" : readers) + " instead of a QuantizeLinear, which the integer kernel"
				+ " needs): `quantrace convert` (without --keep batch-normalization) folds a QAT export's Div, Add and BatchNormalization after a"
				+ " Conv, a Gemm or a MatMul of a matrix (made a Gemm) into its per-channel weight scales and an int32 bias, the trained codes kept, so that ONNX Runtime runs it as"
				+ " QLinearConv or QGemm, and refuses, naming the layer and why, where that cannot be exact; evaluate the converted model";
	}

	/**
	 * A weight-only model in QDQ form in words, or null for any other: no QuantizeLinear, and every DequantizeLinear (of the main
	 * graph) reads stored codes, as ONNX Runtime's MatMul4BitsQuantizer writes with quant_format QDQ (UINT4 blocks of 32 along K,
	 * opset 21; round 34's int4qdq). Its layers compute in float on the dequantized weights by design: the QAT advice (convert
	 * folds Div/BatchNormalization so that the layers run on integer kernels) does not apply, there being no activation codes.
	 */
	private static String weightOnlyQdq(org.quantrace.engine.onnx.Graph g) {
		List<Node> dq = g.nodes().stream().filter(n -> n.opType().equals("DequantizeLinear")).toList();
		if (dq.isEmpty() || g.allNodes().stream().anyMatch(n -> n.opType().equals("QuantizeLinear"))
				|| dq.stream().anyMatch(n -> g.constant(n.input(0)) == null)) {
			return null;
		}
		java.util.Set<String> codes = new java.util.TreeSet<>();
		for (Node n : dq) {
			long block = n.intAttribute("block_size", 0);
			codes.add(g.constant(n.input(0)).dataType() + (block > 0 ? " in blocks of " + block + " along axis " + n.intAttribute("axis", 1) : ""));
		}
		String readers = dq.stream().flatMap(n -> g.consumers(n.output(0)).stream()).map(Node::opType).distinct().sorted()
				.collect(java.util.stream.Collectors.joining(", "));
		return "it is quantized weight-only: all " + dq.size() + " of its DequantizeLinear read stored weight codes (" + String.join("; ", codes) + ") and no"
				+ " activation is quantized (no QuantizeLinear), so its layers (" + readers + ") compute in float on the dequantized weights, as"
				+ " weight-only quantization (ONNX Runtime's MatMul4BitsQuantizer with quant_format QDQ, int4 and int8 weight-only exports) means them to";
	}

	/**
	 * Where a QOperator or dynamic-range model computes, counted from the file ({@link org.quantrace.engine.onnx.QuantizedOps#layers}):
	 * "in integer kernels as it is", or for one quantized in part (hostile7's mixed_qop) "as it is, 1 of its 3 Conv/MatMul/Gemm/recurrent
	 * layers in integer kernels (1 QLinearConv) and 2 in float (1 Conv, 1 Gemm)", so that the hint does not call a half-float model integer.
	 */
	private static String kernels(OnnxModel model) {
		var layers = org.quantrace.engine.onnx.QuantizedOps.layers(model);
		return layers.inFloat() == 0 ? "in integer kernels as it is" : "as it is, " + layers.inWords();
	}

	/**
	 * What to tell a user who quantizes a weight-only quantized model (a dynamic-range output's int8 weights read through Cast
	 * and Mul, as {@link FoldedWeights} writes them), or null for any other model. Such a model computes in float, so it is not
	 * refused as {@link #requireFloat} refuses a quantized one; but pre-processing folds the Cast and Mul into float weights that
	 * quantization then rounds again to its own scales, and the trace records the model as the float original. Said, so that the
	 * user quantizes the float model instead (found by the hostile pass: a drq output was re-quantized without a word). A model
	 * of ONNX Runtime's com.microsoft.MatMulNBits ({@link org.quantrace.engine.onnx.NBitsWeights}) is weight-only too: its codes
	 * stay as they are, the rest is quantized, and it is said alike (unseen33's int4rows was read as a float model).
	 */
	public static String weightOnlyWarning(OnnxModel model, String modelName) {
		Map<DataType, Set<String>> weights = new java.util.TreeMap<>();
		for (Node n : model.graph().allNodes()) {
			Tensor stored = org.quantrace.engine.onnx.QuantizedOps.storedCodes(n);
			if (stored != null) {
				weights.computeIfAbsent(stored.dataType(), t -> new LinkedHashSet<>()).add(n.input(0));
			}
		}
		// ONNX Runtime's int4 weight-only form (make_unseen33's int4rows): no Cast and Mul, the codes dequantized inside the kernel
		String nBits = org.quantrace.engine.onnx.NBitsWeights.described(org.quantrace.engine.onnx.NBitsWeights.of(model));
		if (weights.isEmpty() && nBits == null) {
			return null;
		}
		List<String> counts = weights.entrySet().stream().map(e -> e.getValue().size() + " " + e.getKey().displayName().toLowerCase(java.util.Locale.ROOT)
				+ (e.getValue().size() == 1 ? " weight" : " weights")).toList();
		String castAndMul = weights.isEmpty() ? null : "it stores " + String.join(", ", counts) + " turned into float by Cast and Mul (a dynamic-range"
				+ " model); quantizing it rounds those weights again, to the new scheme's scales";
		String kernel = nBits == null ? null : "it holds " + nBits + ", which ONNX Runtime dequantizes inside the kernel, computing in float; quantizing it"
				+ " leaves them on those codes (no scheme quantizes them), quantizes the rest";
		return modelName + " is weight-only quantized: " + String.join("; ", java.util.stream.Stream.of(castAndMul, kernel).filter(java.util.Objects::nonNull).toList())
				+ ", and records the model as the float original: quantize the float model it was made from";
	}

	public static QuantizationResult quantize(OnnxModel source, String modelName, QuantizationSpec spec, Dataset calibration, Progress progress) {
		if (spec.isQuantized()) {
			requireFloat(source, modelName); // before the copy: a refused model is not copied first
			requireRepeatable(source, modelName, spec);
		}
		OnnxModel model = source.copy();
		if (!spec.isQuantized()) {
			List<QuantizationResult.Layer> layers = new ArrayList<>();
			int index = 0;
			for (var n : model.graph().topologicalOrder()) {
				if (!"Constant".equals(n.opType())) {
					layers.add(new QuantizationResult.Layer(index++, n.name(), n.opType(), false, "unquantized scheme: the model stays float32", null, null, null));
				}
			}
			return new QuantizationResult(model, spec, layers, List.of(), null, Map.of(), Map.of(), List.of(), Map.of(), List.of());
		}
		if (spec.technique() == Technique.DYNAMIC_RANGE && spec.io() != IoType.FLOAT32) {
			throw new InvalidInputException("scheme '" + spec.name() + "': dynamic-range quantization with " + spec.io().literal()
					+ " inputs/outputs is not possible: activations stay float and are quantized only inside the ops",
					"use io float32 with dynamic-range, or full-integer quantization for integer I/O");
		}
		if (spec.technique() == Technique.FULL_INTEGER) {
			if (calibration == null) {
				throw new InvalidInputException("scheme '" + spec.name() + "': full-integer quantization needs calibration data",
						"give a calibration dataset (e.g. --data calibration/ or data.npy, or 'calibrate ... on DATASET' in the recipe)");
			}
			spec.calibration().checkActivationBits(spec.activationBits());
		}
		// QDQ pairs have float32 scales: a half-precision model is quantized from its exact float32 widening
		FloatWidening.Widened widened = FloatWidening.widen(model);
		// calls of model-local functions (a dynamo export's modules) would stay float as one opaque node each
		org.quantrace.engine.onnx.FunctionInlining.inline(model, modelName);
		model.graph().graphs().forEach(Initializers::hoistConstants); // If branches too: their planner reads constants as initializers
		NodeNames.fill(model); // the trace and the logs name layers by their nodes (tests/data/wild nested_if)
		if (spec.technique() == Technique.FULL_INTEGER) {
			model.graph().graphs().forEach(GemmScaling::fold); // QGemm runs at α = 1 and adds an int32 bias at β = 1
		}
		// what the layers' log lines say of the pre-processing's exact rewrites, per node name
		Map<String, String> padded = new LinkedHashMap<>();
		if (spec.technique() == Technique.FULL_INTEGER) {
			model.graph().graphs().forEach(g -> said(padded, RepeatedChannels.apply(g, n -> eightBitIntegers(spec, n))));
		}
		GroupedAsDense.Rewrites dense = null;
		if (spec.technique() == Technique.FULL_INTEGER && GroupedAsDense.any(model.graph())) {
			dense = GroupedAsDense.apply(model.graph(), n -> eightBitIntegers(spec, n));
		}
		PoolAsConv.Rewrites pools = null;
		Map<String, TensorInfo> before = null; // the shapes of the graph as it stands, found once for both rewrites if the first changed nothing
		if (spec.technique() == Technique.FULL_INTEGER && PoolAsConv.any(model.graph())) {
			before = Calibrator.shapes(model, modelName);
			pools = PoolAsConv.apply(model.graph(), before, n -> integerNeighbour(spec, n),
					n -> spec.exclusionFor(n).isEmpty() && spec.activationsFor(n).precision().bits() == 8
							&& !QuantizationPlan.floatInputPool(model.graph(), spec, n)); // a float pool path on the one-channel input
			if (!pools.notes().isEmpty()) {
				before = null; // the graph changed
			}
		}
		ChannelScaleAsConv.Rewrites scales = null;
		if (spec.technique() == Technique.FULL_INTEGER && ChannelScaleAsConv.any(model.graph())) {
			if (before == null) {
				before = Calibrator.shapes(model, modelName);
			}
			scales = ChannelScaleAsConv.apply(model.graph(), before, n -> integerNeighbour(spec, n),
					n -> spec.exclusionFor(n).isEmpty() && spec.activationsFor(n).precision().bits() == 8 && spec.weightsFor(n).precision().bits() == 8);
		}
		SubPixelConvs.Rewrites subPixels = null;
		if (spec.technique() == Technique.FULL_INTEGER && SubPixelConvs.any(model.graph())) {
			if (before == null) {
				before = Calibrator.shapes(model, modelName); // the rewrites before kept every tensor's name and shape
			}
			subPixels = SubPixelConvs.apply(model.graph(), before, n -> eightBitIntegers(spec, n));
		}
		Set<String> poolConvs = new java.util.HashSet<>(pools == null ? Set.of() : pools.convs()); // a pool's window, which verify checks as such
		if (scales != null) {
			poolConvs.addAll(scales.convs()); // a Mul's factors, likewise
		}
		if (dense != null) {
			poolConvs.addAll(dense.convs()); // a grouped Conv's weights with zeros between the groups, likewise
		}
		if (subPixels != null) {
			poolConvs.addAll(subPixels.convs()); // a ConvTranspose's phases, likewise
		}
		HardSigmoidIntoConv.Rewrites folds = null;
		if (spec.technique() == Technique.FULL_INTEGER) {
			// before the padding, which may widen a folded Conv as any other (the weights keep their names); not a Conv another
			// rewrite wrote or RepeatedChannels regrouped
			folds = HardSigmoidIntoConv.apply(model.graph(), n -> eightBitIntegers(spec, n), n -> poolConvs.contains(n) || padded.containsKey(n),
					model.opset() >= 11);
		}
		if (spec.technique() == Technique.FULL_INTEGER && spec.alignDepthwise()) {
			said(padded, DepthwisePadding.pad(model.graph(), n -> symmetricInt8(spec, n) && !poolConvs.contains(n.name())));
		}
		// once: the plan reads the element types, calibration the shapes; a model that does not run on zeros gets neither
		Map<String, TensorInfo> types = new HashMap<>(Calibrator.shapes(model, modelName));
		int required = spec.usesInt16() ? OpsetLimits.INT16_QDQ : OpsetLimits.QDQ;
		String opsetProblem = OpsetLimits.quantizationProblem(spec.opset(), spec.usesInt16()); // what the recipe validator reports at the line
		if (opsetProblem != null) { // whole: what is wrong, then "; ask for opset N ...", the validator's words
			throw new InvalidInputException("scheme '" + spec.name() + "': " + opsetProblem,
					"the opset is the scheme's own or the one of the scheme it extends: change it there");
		}
		Map<String, Integer> ranks = new HashMap<>();
		Map<String, Long> channels = new HashMap<>(); // GroupNormalization's per-channel parameters as constants, not shape arithmetic
		types.forEach((name, info) -> {
			if (info.shape() != null) {
				ranks.put(name, info.shape().size());
				if (info.shape().size() > 1 && info.shape().get(1).matches("\\d{1,18}")) {
					channels.put(name, Long.parseLong(info.shape().get(1)));
				}
			}
		});
		OpsetUpgrade.upgrade(model, Math.max(required, spec.opset()), modelName, ranks, channels);
		if (model.irVersion() >= 4) {
			// initializers also listed as graph inputs (IR 3; old exporters, keep_initializers_as_inputs=True): the writers replace
			// weights by their quantized forms, which left the float names behind as inputs without a value (tests/data/wild old7)
			model.graph().inputs().removeIf(v -> model.graph().initializer(v.getName()) != null);
		}

		List<Decision> decisions;
		List<QuantizedTensor> tensors;
		List<QuantizerWarning> warnings = new ArrayList<>();
		// tabular inputs one integer scale cannot resolve: said, and kept float where per-feature ops read them (InputResolution)
		List<InputResolution.Finding> shortInputs = InputResolution.find(model, modelName, spec, calibration);
		shortInputs.forEach(f -> warnings.add(new QuantizerWarning(QuantizerWarning.INPUT_RESOLUTION, f.input(), f.warning())));
		if (widened.any()) {
			warnings.add(new QuantizerWarning(QuantizerWarning.OTHER, modelName, modelName + " computes in half precision; it was quantized from its float32 form ("
					+ widened.describe() + "): what stays float in the quantized model computes in float32" + (widened.inputs().isEmpty() && widened.outputs().isEmpty()
							? "" : ", and its float inputs and outputs are float32")));
		}
		CalibrationResult calibrated = null;
		Map<String, String> masked = Map.of(); // masked scores' sums whose masked entries saturate on purpose (MaskedSums)
		List<BiasCorrection.Corrected> corrections = List.of();
		if (spec.technique() == Technique.DYNAMIC_RANGE) {
			DynamicRangeWriter writer = new DynamicRangeWriter(model, spec);
			writer.write();
			decisions = writer.decisions;
			tensors = writer.written;
			warnings.addAll(writer.warnings); // dynamic kernels slower than float, or rounding raw features at one scale
		} else {
			QuantizationPlan plan = QuantizationPlan.fullInteger(model, spec, types, shortInputs);
			if (pools != null) {
				// a rewritten pool the plan leaves float would compute a float Conv (and Mul) where the float pool does: put it back
				if (!pools.undo(model.graph(), floatNodes(plan)::contains).isEmpty()) {
					plan = QuantizationPlan.fullInteger(model, spec, types, shortInputs);
				}
				said(padded, pools.notes());
			}
			if (dense != null) {
				// a dense Conv the plan leaves float would do g times the grouped Conv's float MACs: put back
				if (!dense.undo(model.graph(), floatNodes(plan)::contains).isEmpty()) {
					plan = QuantizationPlan.fullInteger(model, spec, types, shortInputs);
				}
				said(padded, dense.notes());
			}
			if (subPixels != null) {
				// a sub-pixel Conv the plan leaves float ran slower than the float ConvTranspose: put back
				if (!subPixels.undo(model.graph(), floatNodes(plan)::contains).isEmpty()) {
					plan = QuantizationPlan.fullInteger(model, spec, types, shortInputs);
				}
				said(padded, subPixels.notes());
			}
			if (scales != null) {
				// likewise a Mul (and Add) rewritten as a Conv the plan leaves float: put back
				boolean undone = !scales.undo(model.graph(), floatNodes(plan)::contains).isEmpty();
				if (undone) {
					types.putAll(Calibrator.shapes(model, modelName)); // the Mul's output, between it and the Add put back
				}
				// Concats a split left without readers compute nothing anybody reads (after the undo, which may give one back)
				if (!scales.prune(model.graph()).isEmpty() || undone) {
					plan = QuantizationPlan.fullInteger(model, spec, types, shortInputs);
				}
				said(padded, scales.notes());
			}
			if (folds != null) {
				// a fold the plan leaves float (its Conv or its Clip) gains nothing: put back
				if (!folds.putBack(model.graph(), floatNodes(plan)::contains).isEmpty()) {
					plan = QuantizationPlan.fullInteger(model, spec, types, shortInputs);
				}
				said(padded, folds.notes());
			}
			List<QuantizationPlan> branches = QuantizationPlan.ifBranches(model, spec, types, plan.decisions().size());
			Set<String> observe = new LinkedHashSet<>(plan.calibrationTensors());
			branches.forEach(b -> observe.addAll(b.calibrationTensors()));
			List<QuantizationPlan> all = new ArrayList<>(branches);
			all.add(0, plan);
			Map<String, String> silus = SiluRanges.products(all);
			masked = MaskedScores.of(all);
			Set<String> scores = new LinkedHashSet<>(masked.values());
			scores.removeAll(observe);
			observe.addAll(scores);
			observe.removeAll(MaskedScores.uncalibrated(all)); // scores masked with −inf: calibration refuses them, their range is derived
			Set<String> ownRanges = new LinkedHashSet<>(silus.keySet());
			ownRanges.addAll(masked.keySet());
			OnnxModel planned = spec.biasCorrection() ? model.copy() : null; // the float reference of bias correction, as planned
			calibrated = Calibrator.calibrate(model, modelName, observe, calibration, spec.calibration(), SiluRanges.methods(silus, all, spec), types, progress);
			calibrated = ClippedRanges.apply(model, modelName, calibrated, all, ownRanges, calibration, types, progress);
			calibrated = SiluRanges.withImages(calibrated, silus);
			warnings.addAll(MaskedScores.positiveMasks(calibrated, all)); // what calibration observed, before the margins
			calibrated = MaskedScores.withMargins(calibrated, masked, scores);
			decisions = new ArrayList<>(plan.decisions());
			tensors = new ArrayList<>();
			Map<String, String> writtenFloat = new LinkedHashMap<>(); // layers the writer leaves float, with why
			// innermost branches first: writing a graph rewires the readers of its tensors in the graphs it encloses
			for (int i = branches.size() - 1; i >= 0; i--) {
				QuantizationPlan branch = branches.get(i);
				if (calibrated.ranges().keySet().containsAll(branch.calibrationTensors())) {
					tensors.addAll(write(branch, calibrated, IoType.FLOAT32, spec, warnings, padded, writtenFloat));
					decisions.addAll(branch.decisions());
				} else {
					decisions.addAll(branch.leftFloat("in a branch of '" + branch.graph().owner().name() + "' that no calibration sample took:"
							+ " no ranges for its tensors, so it stays float"));
				}
			}
			tensors.addAll(0, write(plan, calibrated, spec.io(), spec, warnings, padded, writtenFloat));
			// under float32 I/O the raw tabular features are quantized inside, where the integer layers read them: said likewise
			InputResolution.quantizedInside(model, modelName, spec, calibration)
					.forEach(f -> warnings.add(new QuantizerWarning(QuantizerWarning.INPUT_RESOLUTION, f.input(), f.warning())));
			if (planned != null) { // the main graph's layers (a branch's run on the samples that take it only)
				corrections = BiasCorrection.apply(planned, model, plan.biases(), calibration, calibrated.samples(), modelName, progress);
			}
			decisions.sort(java.util.Comparator.comparingInt(Decision::layerIndex));
			decisions = decisions.stream().map(d -> writtenFloat.containsKey(d.node().name()) // the writer made it read float after all
					? new Decision(d.layerIndex(), d.node(), false, writtenFloat.get(d.node().name()), d.weights(), d.activations()) : d).collect(Collectors.toCollection(ArrayList::new));
			decisions = new ArrayList<>(ClampsRemovedAtLoad.apply(model.graph(), spec, decisions)); // with the scales written
			DynamicRangeWriter recurrent = new DynamicRangeWriter(model, spec);
			plan.dynamicRecurrent().forEach(n -> recurrent.lstm(n, spec.weightsFor(n)));
			tensors.addAll(recurrent.written);
			if (!plan.dynamicRecurrent().isEmpty()) {
				new GraphEditor(model.graph()).sort();
			}
		}
		ClippedRanges.mark(model, calibrated);
		MaskedSums.mark(model, masked);
		decisions = withFusions(decisions, SkipLayerNormFusion.apply(model, types));
		Set<Node> floatNodes = decisions.stream().filter(d -> !d.quantized() || d.removedByOnnxRuntime()).map(Decision::node).collect(Collectors.toSet());
		Map<Node, String> nhwcPools = NhwcMaxPool.apply(model, floatNodes);
		Set<Node> channelsLast = PooledCodesChannelsLast.apply(model, types, floatNodes);
		decisions = decisions.stream().map(d -> nhwcPools.containsKey(d.node())
				? new Decision(d.layerIndex(), d.node(), d.quantized(), NhwcMaxPool.reason(d.reason(), nhwcPools.get(d.node())), d.weights(), d.activations())
				: channelsLast.contains(d.node())
						? new Decision(d.layerIndex(), d.node(), d.quantized(), d.reason() + "; " + PooledCodesChannelsLast.REASON, d.weights(), d.activations())
						: d)
				.toList();
		checkLoads(model, source, modelName, spec);
		FloatNumbering numbering = new FloatNumbering(source); // the plan's indices are those of the rewritten graph
		List<QuantizationResult.Layer> layers = decisions.stream().map(d -> new QuantizationResult.Layer(numbering.of(d.node().name()), d.node().name(),
				d.node().opType(), d.quantized(), !d.node().name().isEmpty() && padded.containsKey(d.node().name()) ? d.reason() + "; " + padded.get(d.node().name()) : d.reason(),
				d.weights(), d.activations(), numbering.rewriteOf(d.node().name()))).toList();
		if (spec.biasCorrection() && spec.technique() == Technique.FULL_INTEGER) {
			layers = BiasCorrection.said(layers, corrections);
		}
		QuantizationResult.wideRanges(tensors, calibrated).forEach(w -> warnings.add(new QuantizerWarning(QuantizerWarning.WIDE_RANGE, w.tensor(), w.warning())));
		String nothing = QuantizationResult.nothingQuantized(layers, tensors);
		if (nothing != null) {
			warnings.add(new QuantizerWarning(QuantizerWarning.NOTHING, modelName, nothing));
		}
		return new QuantizationResult(model, spec, layers, tensors, calibrated, IoQuantization.inputs(model), IoQuantization.outputs(model), warnings,
				RewrittenParameters.added(source, model, numbering), corrections); // on the model as written: every rewrite and lowering done

	}

	/** The plan's decisions with the words for what the fusions wrote instead of the nodes they replaced. */
	private static List<Decision> withFusions(List<Decision> decisions, List<SkipLayerNormFusion.Fused> fusions) {
		if (fusions.isEmpty()) {
			return decisions;
		}
		List<Decision> out = new ArrayList<>(decisions.size());
		for (Decision d : decisions) {
			SkipLayerNormFusion.Fused f = fusions.stream().filter(x -> x.replaced(d.node())).findFirst().orElse(null);
			out.add(f == null ? d : new Decision(d.layerIndex(), d.node(), d.quantized(), f.reason(d.node(), d.reason()), d.weights(), d.activations()));
		}
		return out;
	}

	/** Writes one graph's plan with the calibrated ranges (or the ones the plan fixes); returns what it quantized. */
	private static List<QuantizedTensor> write(QuantizationPlan plan, CalibrationResult calibrated, IoType io, QuantizationSpec spec, List<QuantizerWarning> warnings,
			Map<String, String> said, Map<String, String> floatAfterAll) {
		Map<String, QuantParams> params = new LinkedHashMap<>();
		Map<String, Range> ranges = new LinkedHashMap<>();
		for (String root : plan.roots()) {
			QuantizationPlan.Activation a = plan.activations().get(root);
			Range range = a.forcedRange() != null ? a.forcedRange() : calibrated.ranges().get(root);
			ranges.put(root, range);
			params.put(root, QuantMath.params(range, a.spec().precision(), a.spec().scheme(), false));
		}
		QdqWriter writer = new QdqWriter(plan.graph(), plan, params, io, spec.reduceRange());
		writer.write(ranges, calibrated.observed());
		warnings.addAll(writer.warnings);
		said(said, writer.widenedScales); // so are coarser weights than their range gives, for the bias to fit int32
		said(said, writer.biasClamps); // a clamped bias is a deviation of the layer: its reason says it
		floatAfterAll.putAll(writer.floatIdentities);
		return writer.written;
	}

	/** Adds what one pre-processing rewrite says of each node to what the earlier ones said ("; " between them). */
	private static void said(Map<String, String> said, Map<String, String> more) {
		more.forEach((node, what) -> said.merge(node, what, (a, b) -> a + "; " + b));
	}

	/** Whether {@code node} has an integer kernel (or moves codes) that runs with the spec's activations, and is neither excluded nor kept float. */
	private static boolean integerNeighbour(QuantizationSpec spec, org.quantrace.engine.onnx.Node node) {
		OpRule rule = OpRules.of(node);
		return rule != null && rule.form() != OpRule.Form.FLOAT && rule.kernel().runs(spec.activationsFor(node).precision()) && spec.exclusionFor(node).isEmpty()
				&& OpRules.keptFloat(spec, node) == null;
	}

	/** Whether {@code node} will run on 8-bit integers as the spec quantizes it (8-bit weights and activations, not excluded, no float kernel). */
	private static boolean eightBitIntegers(QuantizationSpec spec, org.quantrace.engine.onnx.Node node) {
		return spec.exclusionFor(node).isEmpty() && OpRules.keptFloat(spec, node) == null && spec.weightsFor(node).precision().bits() == 8
				&& spec.activationsFor(node).precision().bits() == 8;
	}

	/**
	 * Whether ONNX Runtime's symmetric integer Conv kernels can run {@code conv} as the spec quantizes it (int8
	 * weights with zero point 0, 8-bit activations), the case {@link DepthwisePadding} widens channels for.
	 */
	private static boolean symmetricInt8(QuantizationSpec spec, org.quantrace.engine.onnx.Node conv) {
		QuantizationSpec.TensorSpec w = spec.weightsFor(conv);
		boolean slower = OpRules.keptFloat(spec, conv) != null;
		return spec.exclusionFor(conv).isEmpty() && !slower && w.precision() == QuantType.INT8 && w.scheme() == QuantizationSpec.Symmetry.SYMMETRIC
				&& spec.activationsFor(conv).precision().bits() == 8;
	}

	private static void checkLoads(OnnxModel model, OnnxModel source, String modelName, QuantizationSpec spec) {
		InferenceSession.requireLoads(model, "the " + spec.name() + " model made from " + modelName, source, modelName,
				"this is a Quantrace bug; as a workaround exclude the failing node from quantization");
	}

	/** The names of the nodes {@code plan} leaves float: a rewrite among them is put back. */
	private static Set<String> floatNodes(QuantizationPlan plan) {
		return plan.decisions().stream().filter(d -> !d.quantized()).map(d -> d.node().name()).collect(Collectors.toSet());
	}
}
