package org.quantrace.runner.verify;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

import org.quantrace.engine.onnx.DataType;
import org.quantrace.model.trace.LayerQuantizationRecord;
import org.quantrace.model.trace.OptimizationRecord;
import org.quantrace.model.trace.TensorQuantizationRecord;
import org.quantrace.model.trace.TensorRole;

import ai.onnx.proto.OnnxMl.NodeProto;

/**
 * What one quantized model holds, read by this package from its file, arranged as the logs state it: for each
 * tensor the record names, the quantization the model applies to it ({@link Quantizations.Params}); per tensor
 * class (weights, biases, activations, inputs, outputs) the types, schemes, granularities and scales; whether
 * activations are quantized at run time; the layers that run on integers; and the integer range the weights
 * were quantized to (reduced or not, read from the codes).
 */
final class SchemeFacts {

	/** The tensor classes in the logs' order, by role. */
	static final List<TensorRole> ROLES = List.of(TensorRole.WEIGHT, TensorRole.BIAS, TensorRole.ACTIVATION, TensorRole.INPUT, TensorRole.OUTPUT);

	final OptimizationRecord record;
	final ModelFacts model;
	final ModelFacts input;
	final Quantizations quantizations;
	/** The quantization the model holds for each record tensor (absent when the model does not quantize it). */
	final Map<TensorQuantizationRecord, Quantizations.Params> held = new LinkedHashMap<>();
	/** The record's tensors the model quantizes, by class. */
	final Map<TensorRole, List<TensorQuantizationRecord>> classes = new LinkedHashMap<>();
	/** The Convs the model holds widened with added channels (depthwise padding). */
	final Paddings paddings;
	/** The grouped Convs the model holds rewritten as depthwise Convs on repeated channels. */
	final Repeats repeats;

	SchemeFacts(OptimizationRecord record, ModelFacts model, ModelFacts input) {
		this.record = record;
		this.model = model;
		this.input = input;
		this.quantizations = new Quantizations(model, input);
		for (TensorQuantizationRecord t : record.getQuantization().getTensors()) {
			Quantizations.Params p = best(t);
			if (p != null && p.symmetric() && p.axis() == null && t.getScheme() == org.quantrace.model.recipe.QuantizationScheme.ASYMMETRIC
					&& t.getRangeMin().size() == 1 && t.getRangeMax().size() == 1 && !p.scales().isEmpty()) {
				// a zero point at the middle of the type is also what the asymmetric formula gives for a range about as far
				// below 0 as above: the record says which formula, and the range must give the model's values by it
				double[] sz = Ranges.params(t.getRangeMin().get(0), t.getRangeMax().get(0), p.type(), false, false);
				if (Ranges.sameScale((float) sz[0], p.scales().get(0)) && (long) sz[1] == p.zeroPoints().get(0)) {
					p = p.atMidByTheAsymmetricFormula();
				}
			}
			if (p != null) {
				held.put(t, p);
				classes.computeIfAbsent(t.getRole(), r -> new ArrayList<>()).add(t);
			}
		}
		classes.keySet().retainAll(ROLES);
		Map<TensorRole, List<TensorQuantizationRecord>> ordered = new LinkedHashMap<>();
		ROLES.stream().filter(classes::containsKey).forEach(r -> ordered.put(r, classes.get(r)));
		classes.clear();
		classes.putAll(ordered);
		paddings = new Paddings(this);
		repeats = new Repeats(model, input);
	}

	/** The quantizations of a record tensor in the model: candidates for a weight or bias by its layer, for others by the tensor. */
	List<Quantizations.Params> candidates(TensorQuantizationRecord t) {
		boolean stored = t.getRole() == TensorRole.WEIGHT || t.getRole() == TensorRole.BIAS;
		return stored ? quantizations.ofWeight(t.getNode(), output(t.getNode()), t.getRole() == TensorRole.BIAS)
				: quantizations.ofTensor(t.getTensor(), t.getRole() != TensorRole.ACTIVATION);
	}

	/** The candidate closest to the record (fewest differing fields), or null when the model does not quantize the tensor. */
	private Quantizations.Params best(TensorQuantizationRecord t) {
		Quantizations.Params best = null;
		int fewest = Integer.MAX_VALUE;
		for (Quantizations.Params p : candidates(t)) {
			int d = TraceCheck.compare("", t, p).size();
			if (d < fewest) {
				fewest = d;
				best = p;
			}
		}
		return best;
	}

	/** A layer's first output in the model it was quantized from: where its tensors are once the node is fused or replaced. */
	String output(String node) {
		NodeProto n = input == null ? null : input.node(node);
		if (input == null) {
			String replaced = dynamicOutput(node);
			if (replaced != null) {
				return replaced;
			}
		}
		if (n == null && repeats != null) {
			return repeats.output(node); // a node a rewrite added (a split's Relu fused into its Conv), or null
		}
		return n == null || n.getOutputCount() == 0 ? null : n.getOutput(0);
	}

	/**
	 * Without the model it was quantized from (an original, not in the folder: verify --outputs-only), the float output of a layer the
	 * dynamic-range writer replaced, read from the quantized model alone: its kernel NODE_MatMulInteger or NODE_ConvInteger, the Cast
	 * and the rescaling Mul after it, and a bias Add after that when there is one. Before, every such layer and weight of a DRQ
	 * variant quantized straight from the original read as "no such layer in the model" (43 false mismatches on a one-Gemm model).
	 */
	private String dynamicOutput(String node) {
		NodeProto kernel = model.node(node + "_MatMulInteger");
		kernel = kernel != null ? kernel : model.node(node + "_ConvInteger");
		if (kernel == null || kernel.getOutputCount() == 0) {
			return null;
		}
		NodeProto cast = model.consumers(kernel.getOutput(0)).stream().filter(c -> c.getOpType().equals("Cast")).findFirst().orElse(null);
		NodeProto mul = cast == null ? null : model.consumers(cast.getOutput(0)).stream().filter(c -> c.getOpType().equals("Mul")).findFirst().orElse(null);
		if (mul == null) {
			return null;
		}
		List<NodeProto> after = model.consumers(mul.getOutput(0));
		NodeProto add = after.size() == 1 && after.get(0).getOpType().equals("Add") ? after.get(0) : null;
		return add != null && add.getInputList().stream().anyMatch(i -> model.value(i) != null) ? add.getOutput(0) : mul.getOutput(0);
	}

	/**
	 * Whether the scheme's I/O type applies to a model input or output: not to indices, ids or flags, nor to one the
	 * model quantized from held as integers already (a raw uint8 image, which the quantizer keeps as it is).
	 */
	boolean schemeTyped(ModelFacts.Io io) {
		if (keptFloat(io.name())) {
			return false; // a tabular input the quantizer kept float: its warning says so, InputResolutionCheck derives it again
		}
		if (io.indices() || input == null) {
			return !io.indices();
		}
		return java.util.stream.Stream.concat(input.inputs().stream(), input.outputs().stream()).filter(o -> o.name().equals(io.name()))
				.noneMatch(o -> ElementTypes.isInteger(OptimizationLogCheck.type(o.elementType())));
	}

	/**
	 * Whether the trace's quantize-input-resolution warning for this record's model and scheme says model input {@code name}
	 * stays float32 (the words are the run's; whether the data and the files bear them out is InputResolutionCheck's).
	 */
	private boolean keptFloat(String name) {
		if (!(record.eContainer() instanceof org.quantrace.model.trace.TraceModel trace) || record.getOutput() == null) {
			return false;
		}
		String model = org.quantrace.report.RunSummary.model(record.getOutput());
		String said = "scheme " + record.getScheme() + ": input '" + name + "': ";
		return trace.getWarnings().stream().anyMatch(w -> org.quantrace.engine.quantize.InputResolution.CODE.equals(w.getCode()) && model.equals(w.getModel())
				&& w.getMessage() != null && w.getMessage().startsWith(said) && w.getMessage().contains(org.quantrace.engine.quantize.InputResolution.KEPT));
	}

	/** The logs' name of a class: weights, biases, activations, inputs, outputs (the logs' own vocabulary). */
	static String plural(TensorRole role) {
		return org.quantrace.report.LogValues.plural(role);
	}

	static TensorRole role(String plural) {
		return ROLES.stream().filter(r -> plural(r).equals(plural)).findFirst().orElse(null);
	}

	List<Quantizations.Params> params(TensorRole role) {
		return classes.getOrDefault(role, List.of()).stream().map(held::get).toList();
	}

	/** The integer types of a class, as the logs write them (int8, uint8, int32), in order of first appearance. */
	Set<String> types(TensorRole role) {
		Set<String> s = new LinkedHashSet<>();
		params(role).forEach(p -> s.add(type(p.type())));
		return s;
	}

	static String type(DataType t) {
		return t == DataType.FLOAT ? "float32" : t.name().toLowerCase(Locale.ROOT);
	}

	/** Every scale of a class but those of channels the quantizer added as zeros ({@link Paddings}), channel by channel. */
	List<Float> originalScales(TensorRole role) {
		List<Float> s = new ArrayList<>();
		classes.getOrDefault(role, List.of()).forEach(t -> s.addAll(paddings.original(t, held.get(t)).scales()));
		return s;
	}

	/** Every scale of a class, channel by channel. */
	List<Float> scales(TensorRole role) {
		List<Float> s = new ArrayList<>();
		params(role).forEach(p -> s.addAll(p.scales()));
		return s;
	}

	/**
	 * Whether the model quantizes activations at run time: DynamicQuantizeLinear (uint8, one scale per tensor and
	 * inference), or DynamicQuantizeLSTM, which quantizes its input and hidden state to uint8 the same way inside
	 * the kernel (ONNX Runtime's quantized RNN GEMM), so no DynamicQuantizeLinear node shows it.
	 */
	boolean dynamic() {
		return !runTimeQuantizers().isEmpty();
	}

	/** The ops of the model that quantize activations at run time ({@link #dynamic}), each once, in file order. */
	java.util.Set<String> runTimeQuantizers() {
		java.util.Set<String> ops = new java.util.LinkedHashSet<>();
		model.nodes().stream().map(n -> n.getOpType()).filter(op -> op.equals("DynamicQuantizeLinear") || op.equals("DynamicQuantizeLSTM")).forEach(ops::add);
		return ops;
	}

	/**
	 * Whether the model quantizes any activation ahead of time: a QuantizeLinear of a value computed at run time
	 * (not of an initializer or a Constant node's output). A dynamic-range model in its weight-only form has none:
	 * int8 weights dequantized at load, float compute.
	 */
	boolean staticActivations() {
		java.util.Set<String> constants = new java.util.HashSet<>();
		constants.addAll(model.stored.keySet());
		return model.nodes().stream().anyMatch(n -> n.getOpType().equals("QuantizeLinear") && !constants.contains(n.getInput(0)));
	}

	/** Whether the model holds integer (int32) biases. */
	boolean integerBiases() {
		return !params(TensorRole.BIAS).isEmpty();
	}

	/** The record's layers that the model runs on integers, and all of them (null states: no such layer). */
	int[] layersQuantized() {
		int quantized = 0;
		for (LayerQuantizationRecord l : record.getQuantization().getLayers()) {
			if (Boolean.TRUE.equals(quantizations.layerQuantized(l.getNode(), output(l.getNode())))) {
				quantized++;
			}
		}
		return new int[] { quantized, record.getQuantization().getLayers().size() };
	}

	/**
	 * The layers of the record the model neither runs on integers ({@link #layersQuantized}) nor holds in a node: a Relu or
	 * Clip of the float model whose producer's output a QuantizeLinear reads at the least code of its type (which clamps
	 * below 0 as the Relu did), read from the two files.
	 */
	List<String> foldedClamps() {
		List<String> folded = new ArrayList<>();
		for (LayerQuantizationRecord l : record.getQuantization().getLayers()) {
			boolean integer = Boolean.TRUE.equals(quantizations.layerQuantized(l.getNode(), output(l.getNode())));
			NodeProto n = integer || input == null || model.node(l.getNode()) != null ? null : input.node(l.getNode());
			NodeProto stem = n == null || !(n.getOpType().equals("Relu") || n.getOpType().equals("Clip")) ? null : input.producer(n.getInput(0));
			org.quantrace.engine.onnx.Tensor z = stem == null ? null : clampingZeroPoint(model, stem.getName());
			if (z != null && z.elementCount() == 1 && z.toLongArray()[0] == (z.dataType() == DataType.INT8 ? -128 : 0)) {
				folded.add(l.getNode());
			}
		}
		return folded;
	}

	/** The zero point of the QuantizeLinear that reads a node's output in a model, or null. */
	static org.quantrace.engine.onnx.Tensor clampingZeroPoint(ModelFacts file, String node) {
		NodeProto stem = file.node(node);
		NodeProto q = stem == null || stem.getOutputCount() == 0 ? null
				: file.consumers(stem.getOutput(0)).stream().filter(c -> c.getOpType().equals("QuantizeLinear") && c.getInputCount() == 3).findFirst().orElse(null);
		return q == null ? null : file.value(q.getInput(2));
	}

	/**
	 * Whether the weights were quantized to a reduced range (int8 as [-64, 63]), read from the codes: symmetric
	 * weights scaled by their largest magnitude reach the end of their range, 127, or 63 when reduced. Null when
	 * no symmetric weight says (then the record's flag stands).
	 */
	Boolean reducedRange() {
		long largest = -1;
		for (Quantizations.Params p : params(TensorRole.WEIGHT)) {
			if (p.symmetric() && p.codes() != null && model.value(p.codes()) != null && p.type() == DataType.INT8) {
				for (long q : model.value(p.codes()).toLongArray()) {
					largest = Math.max(largest, Math.abs(q));
				}
			}
		}
		return largest < 0 ? null : largest <= 64;
	}

	/** Whether the run used a reduced range: as read from the codes, else as recorded. */
	boolean reduce() {
		Boolean r = reducedRange();
		return r != null ? r : record.getQuantization().isReduceRange();
	}
}
