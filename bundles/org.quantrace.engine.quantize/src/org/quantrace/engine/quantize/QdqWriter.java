package org.quantrace.engine.quantize;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.quantrace.engine.calibrate.Range;
import org.quantrace.engine.onnx.DataType;
import org.quantrace.engine.onnx.Graph;
import org.quantrace.engine.onnx.Node;
import org.quantrace.engine.onnx.Tensor;
import org.quantrace.engine.quantize.QuantizationPlan.Activation;
import org.quantrace.engine.quantize.QuantizationPlan.Bias;
import org.quantrace.engine.quantize.QuantizationPlan.Weight;
import org.quantrace.engine.quantize.QuantizationSpec.IoType;
import org.quantrace.engine.quantize.QuantizationSpec.Symmetry;
import org.quantrace.engine.quantize.QuantizedTensor.Role;

import ai.onnx.proto.OnnxMl.ValueInfoProto;

/**
 * Writes a {@link QuantizationPlan} into the graph in QDQ form: QuantizeLinear/DequantizeLinear pairs on
 * activations, integer initializers + DequantizeLinear on weights, int32 biases, and the model's inputs and
 * outputs as float32 (Q at entry, DQ at exit) or as integer tensors.
 */
final class QdqWriter {

	private final GraphEditor ed;
	private final Graph g;
	private final QuantizationPlan plan;
	private final Map<String, QuantParams> activationParams;
	private final IoType io;
	private final boolean reduceRange;
	private final Map<String, QuantParams> weightParams = new HashMap<>();
	final List<QuantizedTensor> written = new ArrayList<>();
	/** What the user must know of the model as written (a bias clamped to int32), for the quantize command's warnings. */
	final List<QuantizerWarning> warnings = new ArrayList<>();
	/** Per layer whose int32 bias codes were clamped, what its record says ({@link Int32BiasClamp}). */
	final Map<String, String> biasClamps = new java.util.LinkedHashMap<>();
	/** Identities that read the float tensor before an integer model output ({@link #identityReadsFloat}): they compute in float, with why. */
	final Map<String, String> floatIdentities = new java.util.LinkedHashMap<>();
	/** Per weighted layer whose weight scale was widened for its int32 bias, what its record says ({@link Int32BiasFit}). */
	final Map<String, String> widenedScales = new java.util.LinkedHashMap<>();

	QdqWriter(Graph g, QuantizationPlan plan, Map<String, QuantParams> activationParams, IoType io, boolean reduceRange) {
		this.g = g;
		this.ed = new GraphEditor(g);
		this.plan = plan;
		this.activationParams = activationParams;
		this.io = io;
		this.reduceRange = reduceRange;
	}

	/** Applies the plan; {@code ranges}/{@code observed} are per activation root, for the record. */
	void write(Map<String, Range> ranges, Map<String, Range> observed) {
		Set<String> inputs = new HashSet<>();
		g.runtimeInputs().forEach(v -> inputs.add(v.getName()));
		Set<String> outputs = new HashSet<>();
		g.outputs().forEach(v -> outputs.add(v.getName()));
		for (Weight w : plan.weights()) {
			weight(w);
		}
		for (Bias b : plan.biases()) {
			bias(b);
		}
		for (QuantizationPlan.FusedActivation f : plan.fusedActivations()) {
			Node producer = f.producer();
			producer.setOutput(producer.outputs().indexOf(f.activation().input(0)), f.activation().output(0));
			g.nodes().remove(f.activation());
		}
		Map<String, QuantizationPlan.Rescale> rescaled = new HashMap<>();
		plan.rescales().forEach(r -> rescaled.put(r.output(), r));
		for (Activation a : plan.activations().values()) {
			String t = a.tensor();
			String root = plan.root(t);
			QuantParams p = params(t);
			Range range = scaled(ranges.get(root), plan.factor(t));
			// an If branch may output an outer-scope value it does not compute: a pair inside the branch, as for any value it reads
			boolean requantizedOutput = false;
			Role role = inputs.contains(t) ? Role.INPUT : outputs.contains(t) && g.producer(t).isPresent() ? Role.OUTPUT : Role.ACTIVATION;
			if (rescaled.containsKey(t)) {
				rescale(rescaled.get(t), p);
			} else if (!root.equals(t) && p.type().bits() == 8 && !readsIntegerInputCodes(t, inputs, p, range)
					&& !(role == Role.OUTPUT && ioParams(p, range) == p)) {
				// ONNX Runtime moves only 8-bit integers (MaxPool, Resize...). An integer model output of the activations' own
				// type written by such an op (SqueezeNet's final Flatten, fiq_uint8) gets a QuantizeLinear of its own instead, for
				// the reason given at readsIntegerInputCodes: every reader of a model's integer I/O finds its scale and zero point
				// there (ONNX Runtime drops that pair, of the same parameters, and moves the codes). An output of another type
				// (int8 I/O over uint8 activations) is moved as codes and requantized after the op: read dequantized with a
				// QuantizeLinear to the I/O type after it, the op ran in float in ONNX Runtime, which drops only a pair of equal
				// type, scale and zero point (make_wild5.py "superres": its final DepthToSpace recorded integer, run in float)
				sameScaleOutput(t, p, range, outputs.contains(t));
			} else if (role == Role.INPUT) {
				input(t, p, range);
			} else if (role == Role.OUTPUT) {
				requantizedOutput = output(t, p, range);
			} else {
				pair(t, p);
			}
			// an integer input or output of another type than the activations holds the I/O type's parameters at the
			// model's edge (an input is then requantized to the activations' type inside): record what the model holds
			QuantParams edge = role == Role.ACTIVATION || rescaled.containsKey(t) && p.type().bits() == 8 ? null : ioParams(p, range);
			Range seen = scaled(observed.get(root), plan.factor(t));
			if (edge != null && edge != p) {
				written.add(new QuantizedTensor(t, role, a.producer(), edge, range, seen));
				if (role == Role.INPUT || requantizedOutput) { // the activations' codes inside, the I/O type's at the edge
					written.add(new QuantizedTensor(t, Role.ACTIVATION, a.producer(), p, range, seen));
				}
			} else {
				written.add(new QuantizedTensor(t, role, a.producer(), p, range, seen));
			}
		}
		for (QuantizationPlan.Lowering l : plan.lowerings()) {
			lower(l);
		}
		for (QuantizationPlan.StoredWeight w : plan.storedWeights()) {
			written.add(FoldedWeights.store(w.node(), w.input(), w.axis(), w.spec(), reduceRange));
		}
		removeUnreadDequantizations();
		ed.sort();
	}

	/**
	 * Whether {@code tensor} is the output of a data-movement op reading an integer model input of the activations' own type
	 * (an MLP's Flatten, a Conv1d model's Squeeze, an NHWC model's Transpose). Reading the input's codes there would leave
	 * the input without the DequantizeLinear that states its scale and zero point (the DQ goes unread and is removed), and
	 * every reader of a model's integer I/O (evaluate, the logs, verify) finds them there. The op reads the dequantized
	 * input and its output gets a pair instead; ONNX Runtime drops both around the op and runs it on the codes all the same.
	 * Not around an op whose pair ONNX Runtime keeps ({@link OpRules#pairKeptByOnnxRuntime}), which it then runs in float
	 * (make_wild5.py "restore", a reflect Pad first; make_unseen20.py's s2d under fiq_uint8, a SpaceToDepth first, recorded
	 * integer): the op reads the input's codes through a QuantizeLinear of the input's own parameters instead
	 * ({@link #codesToRescale}).
	 */
	private boolean readsIntegerInputCodes(String tensor, Set<String> inputs, QuantParams p, Range range) {
		Node op = g.producer(tensor).orElse(null);
		return op != null && !OpRules.pairKeptByOnnxRuntime(op.opType()) && inputs.contains(dequantizedFrom.getOrDefault(op.input(0), op.input(0))) && ioParams(p, range) == p;
	}

	/** The parameters of an activation: its root's, the scale times the factor of the Mul/Div by constants in between. */
	private QuantParams params(String tensor) {
		QuantParams p = activationParams.get(plan.root(tensor));
		float f = plan.factor(tensor);
		return f == 1 ? p : new QuantParams(p.type(), new float[] { p.scale() * f }, p.zeroPoints().clone(), p.axis(), p.reduceRange());
	}

	private static Range scaled(Range r, float factor) {
		return r == null || factor == 1 ? r : new Range(r.min() * factor, r.max() * factor);
	}

	/**
	 * A Mul/Div by a positive constant: removed, its output is the DequantizeLinear of its input's codes with
	 * the scale multiplied (named after the node it replaces, so the layer can still be found by name).
	 */
	private void rescale(QuantizationPlan.Rescale r, QuantParams p) {
		String codes = codesToRescale(r.input());
		g.nodes().remove(r.node());
		String[] sz = scaleAndZero(r.output(), p);
		ed.graph.nodes().add(ed.graph.newNode(ai.onnx.proto.OnnxMl.NodeProto.newBuilder().setOpType("DequantizeLinear").setName(r.node().name())
				.addAllInput(List.of(codes, sz[0], sz[1])).addOutput(r.output()).build()));
		integer.put(r.output(), codes);
	}

	/** Copies of integer model inputs' codes that a DequantizeLinear with another scale reads ({@code x} → {@code x_codes}). */
	private final Map<String, String> requantizedInputs = new HashMap<>();

	/**
	 * The codes of {@code activation} for a DequantizeLinear that reads them with another scale (a folded Mul/Div, a
	 * lowered HardSigmoid's α). An integer model input of the activations' own type is its own codes, and every reader of
	 * a model's integer I/O (evaluate, the trace, verify: IoQuantization) takes the scale and zero point of the input from
	 * the DequantizeLinear reading it. Reading the input there with the scale × 2 of a folded {@code x * 2} (or 1/255 of
	 * {@code x / 255}) made that the input's stated scale once the input's own DequantizeLinear went unread: users fed
	 * codes twice too small (old7_zoo, fiq-uint8: 0.8680 against 0.8755 for fiq-int8, 9 verify mismatches). The input
	 * keeps its own DequantizeLinear, the only node reading it, and the rescaled reader gets the same codes again through
	 * a QuantizeLinear with the input's own parameters (exact: the same scale and zero point both ways).
	 */
	private String codesToRescale(String activation) {
		String codes = integer.get(activation);
		boolean modelInput = g.runtimeInputs().stream().anyMatch(v -> v.getName().equals(activation));
		if (!modelInput || !activation.equals(codes)) {
			return codes;
		}
		return requantizedInputs.computeIfAbsent(activation, x -> {
			String[] sz = scaleAndZero(x, params(x));
			String dq = g.nodes().stream().filter(n -> n.opType().equals("DequantizeLinear") && n.input(0).equals(x)).map(n -> n.output(0))
					.findFirst().orElse(null);
			if (dq == null) {
				dq = ed.fresh(x + "_dq");
				dequantize(x, sz, dq);
				dequantizedFrom.put(dq, x);
			}
			String q = ed.fresh(x + "_codes");
			quantize(dq, sz, q);
			return q;
		});
	}

	/**
	 * HardSigmoid/HardSwish written with integer kernels: the codes of x read with the scale × α, plus β (an
	 * Add whose output QuantizeLinear over [0, 1] clamps), times x for HardSwish. The last node keeps the
	 * original node's name.
	 */
	private void lower(QuantizationPlan.Lowering l) {
		Node n = l.node();
		String x = n.input(0); // x dequantized
		String out = n.output(0); // renamed when it is a model output
		g.nodes().remove(n);
		QuantParams px = params(l.input());
		String scaledX = ed.fresh(l.input() + "_times_alpha");
		QuantParams pa = new QuantParams(px.type(), new float[] { px.scale() * l.alpha() }, px.zeroPoints().clone(), -1, false);
		dequantize(codesToRescale(l.input()), scaleAndZero(scaledX, pa), scaledX);
		QuantType type = px.type();
		QuantParams pb = QuantMath.params(new Range(Math.min(0, l.beta()), Math.max(0, l.beta())), type, Symmetry.ASYMMETRIC, false);
		String beta = ed.constant(n.name() + "_beta_q", GraphEditor.codes("b", type.dataType(), new long[0],
				QuantMath.quantize(new float[] { l.beta() }, new long[0], pb)));
		String betaDq = ed.fresh(n.name() + "_beta");
		dequantize(beta, scaleAndZero(betaDq, pb), betaDq);
		boolean swish = !l.clamped().equals(l.output());
		String addName = swish ? ed.fresh(n.name() + "_hardsigmoid") : n.name();
		ed.graph.nodes().add(ed.graph.newNode(ai.onnx.proto.OnnxMl.NodeProto.newBuilder().setOpType("Add").setName(addName)
				.addAllInput(List.of(scaledX, betaDq)).addOutput(swish ? l.clamped() : out).build()));
		// β is a constant operand of an op without weights (the Add), quantized with x's activation type: recorded as
		// weight() records such operands (ACTIVATION), not as a weight, whose precision (the scheme's) it does not have
		written.add(new QuantizedTensor(beta, Role.ACTIVATION, addName, pb, new Range(l.beta(), l.beta()), new Range(l.beta(), l.beta())));
		if (swish) {
			ed.graph.nodes().add(ed.graph.newNode(ai.onnx.proto.OnnxMl.NodeProto.newBuilder().setOpType("Mul").setName(n.name())
					.addAllInput(List.of(x, dequantizedOf.get(l.clamped()))).addOutput(out).build()));
		}
	}

	// ------------------------------------------------------------------ activations

	/** Names of the tensors holding an activation's integer codes. */
	private final Map<String, String> integer = new HashMap<>();
	/** The activation each dequantized tensor stands for ({@code x_dq} → {@code x}). */
	private final Map<String, String> dequantizedFrom = new HashMap<>();
	/** The dequantized tensor of each activation with a Q/DQ pair ({@code x} → {@code x_dq}). */
	private final Map<String, String> dequantizedOf = new HashMap<>();
	/** Scalar scale and zero-point initializers, one per distinct value, shared by every Q/DQ using it. */
	private final Map<Float, String> scales = new HashMap<>();
	private final Map<String, String> zeroPoints = new HashMap<>();

	private String[] scaleAndZero(String tensor, QuantParams p) {
		String scale = scales.computeIfAbsent(p.scale(), v -> ed.scalarFloat(tensor + "_scale", v));
		String key = p.type().dataType().displayName().toLowerCase(java.util.Locale.ROOT) + "_" + p.zeroPoint();
		String zero = zeroPoints.computeIfAbsent(key, k -> ed.zeroPoint("zero_point_" + k, p.type(), p.zeroPoints(), false));
		return new String[] { scale, zero };
	}

	private Node quantize(String tensor, String[] sz, String out) {
		return ed.add("QuantizeLinear", null, List.of(tensor, sz[0], sz[1]), List.of(out));
	}

	private Node dequantize(String tensor, String[] sz, String out) {
		return ed.add("DequantizeLinear", null, List.of(tensor, sz[0], sz[1]), List.of(out));
	}

	/** Q → DQ on an internal tensor; every reader then reads the dequantized value. */
	private void pair(String tensor, QuantParams p) {
		String[] sz = scaleAndZero(tensor, p);
		String q = ed.fresh(tensor + "_q");
		String dq = ed.fresh(tensor + "_dq");
		Node qn = quantize(tensor, sz, q);
		Node dqn = dequantize(q, sz, dq);
		ed.rewireConsumers(tensor, dq, Set.of(qn, dqn));
		integer.put(tensor, q);
		dequantizedFrom.put(dq, tensor);
		dequantizedOf.put(tensor, dq);
	}

	/**
	 * The output of a data-movement op (MaxPool, Flatten, Reshape...) in the same group as its input: the
	 * op reads its input's integer codes directly and its output stays integer, so the group needs one
	 * Q and one DQ instead of a pair per op (ONNX Runtime would drop the inner pairs anyway).
	 */
	private void sameScaleOutput(String tensor, QuantParams p, Range range, boolean graphOutput) {
		Node op = g.producer(tensor).orElseThrow();
		String in = op.input(0);
		String source = dequantizedFrom.getOrDefault(in, in);
		String codes = integer.get(source);
		if (codes != null && OpRules.pairKeptByOnnxRuntime(op.opType())) {
			codes = codesToRescale(source); // an integer model input keeps its DequantizeLinear (see readsIntegerInputCodes); the op gets its codes again
		}
		if (codes != null) { // null: an op with several outputs (Split) already reads the codes
			op.setInput(0, codes);
		}
		if (codes != null && op.opType().equals("Pad") && op.stringAttribute("mode", "constant").equals("constant")) {
			padWithCode(op, p);
		}
		String[] sz = scaleAndZero(tensor, p);
		// the op now writes codes under the tensor's own name: a declared type of it (value_info, as onnx's shape inference,
		// onnx-simplifier and torch's export of a module as a function write them) said float, and ONNX Runtime refused to load
		// the model ("Type (tensor(float)) of output arg ... does not match expected type (tensor(uint8))", exit 3)
		replaceType(g.valueInfos(), tensor, p.type().dataType());
		if (!graphOutput) {
			String dq = ed.fresh(tensor + "_dq");
			Node dqn = dequantize(tensor, sz, dq);
			ed.rewireConsumers(tensor, dq, Set.of(dqn));
			integer.put(tensor, tensor);
			dequantizedFrom.put(dq, tensor);
			return;
		}
		QuantParams ioP = ioParams(p, range);
		if (ioP == p) { // integer output of the activations' type: the op writes it directly
			replaceType(g.outputs(), tensor, p.type().dataType());
			readersGetDequantized(tensor, sz, Set.of());
			integer.put(tensor, tensor);
			return;
		}
		String q = ed.fresh(tensor + "_q");
		op.setOutput(op.outputs().indexOf(tensor), q);
		integer.put(tensor, q);
		if (ioP == null) {
			dequantize(q, sz, tensor);
			return;
		}
		replaceType(g.outputs(), tensor, ioP.type().dataType());
		String dq = ed.fresh(tensor + "_dq");
		Node dqn = dequantize(q, sz, dq);
		Node ion = quantize(dq, scaleAndZero(tensor + "_io", ioP), tensor);
		ed.rewireConsumers(tensor, dq, Set.of(dqn, ion));
	}

	/** A constant-mode Pad on codes pads with the code of its pad value (0: the zero point), an input of the codes' type. */
	private void padWithCode(Node pad, QuantParams p) {
		boolean given = pad.inputs().size() > 2 && !pad.input(2).isEmpty();
		float value = given ? pad.graph().constant(pad.input(2)).toFloatArray()[0] : 0f;
		long code = QuantMath.quantize(value, p.scale(), p.zeroPoint(), p.qmin(), p.qmax());
		String c = ed.constant(pad.name() + "_pad_code", GraphEditor.codes("v", p.type().dataType(), new long[0], new long[] { code }));
		List<String> in = new ArrayList<>(pad.inputs());
		if (in.size() > 2) {
			in.set(2, c);
		} else {
			in.add(c);
		}
		pad.setInputs(in);
	}

	/** Gives the other readers of an integer tensor a DequantizeLinear. */
	private void readersGetDequantized(String tensor, String[] sz, Set<Node> except) {
		if (ed.isRead(tensor)) {
			String dq = ed.fresh(tensor + "_dq");
			Set<Node> keep = new HashSet<>(except);
			keep.add(dequantize(tensor, sz, dq));
			ed.rewireConsumers(tensor, dq, keep);
			dequantizedFrom.put(dq, tensor);
		}
	}

	/** The parameters a model input/output is exposed with for integer I/O, or null for float I/O. */
	private QuantParams ioParams(QuantParams p, Range range) {
		QuantType t = io.quantType();
		if (t == null) {
			return null;
		}
		if (t == p.type()) {
			return p;
		}
		boolean symmetric = p.type().signed() ? p.zeroPoint() == 0 : p.zeroPoint() == 1L << (p.type().bits() - 1);
		return QuantMath.params(range, t, symmetric ? Symmetry.SYMMETRIC : Symmetry.ASYMMETRIC, false);
	}

	private void input(String tensor, QuantParams p, Range range) {
		QuantParams ioP = ioParams(p, range);
		if (ioP == null) {
			pair(tensor, p);
			return;
		}
		replaceType(g.inputs(), tensor, ioP.type().dataType());
		if (ioP == p) {
			readersGetDequantized(tensor, scaleAndZero(tensor, p), Set.of());
			integer.put(tensor, tensor);
			return;
		}
		// integer input of another type than the activations: dequantize, then quantize like the activations
		String f = ed.fresh(tensor + "_io_float");
		Node in = dequantize(tensor, scaleAndZero(tensor + "_io", ioP), f);
		String q = ed.fresh(tensor + "_q");
		String dq = ed.fresh(tensor + "_dq");
		String[] sz = scaleAndZero(tensor, p);
		Node qn = quantize(f, sz, q);
		Node dqn = dequantize(q, sz, dq);
		ed.rewireConsumers(tensor, dq, Set.of(in, qn, dqn));
		integer.put(tensor, q);
		dequantizedFrom.put(dq, tensor);
	}

	/** Writes a model output's quantization; true when the op writes the activations' codes, requantized to the I/O type after it. */
	private boolean output(String tensor, QuantParams p, Range range) {
		Node producer = g.producer(tensor).orElseThrow();
		String pre = ed.fresh(tensor + "_float");
		producer.setOutput(producer.outputs().indexOf(tensor), pre);
		QuantParams ioP = ioParams(p, range);
		if (ioP == null) { // float output: Q → DQ, the DQ keeps the output's name
			String[] sz = scaleAndZero(tensor, p);
			String q = ed.fresh(tensor + "_q");
			quantize(pre, sz, q);
			dequantize(q, sz, tensor);
			integer.put(tensor, q);
			return false;
		}
		replaceType(g.outputs(), tensor, ioP.type().dataType());
		if (ioP == p) { // integer output of the activations' type: quantized straight to it
			identityReadsFloat(producer);
			String[] sz = scaleAndZero(tensor, p);
			Node qn = quantize(pre, sz, tensor);
			readersGetDequantized(tensor, sz, Set.of(qn));
			integer.put(tensor, tensor);
			return false;
		}
		// integer output of another type (int8 I/O over uint8 activations): the op writes the activations' type and the
		// output is requantized after it. Quantized straight to the I/O type, the op read uint8 and wrote int8, which ONNX
		// Runtime does not fuse: every fiq_int8 classifier's last Gemm ran in float while its record said integer (make_wild5.py
		// weightfirst, make_unseen6.py effnet). The requantization is exact: both types cover the same range.
		String q = ed.fresh(tensor + "_q");
		String[] sz = scaleAndZero(tensor, p);
		quantize(pre, sz, q);
		integer.put(tensor, q);
		String dq = ed.fresh(tensor + "_dq");
		Node dqn = dequantize(q, sz, dq);
		Node ion = quantize(dq, scaleAndZero(tensor + "_io", ioP), tensor);
		ed.rewireConsumers(tensor, dq, Set.of(dqn, ion));
		// a reader written on codes (a KV cache's Transpose of the present key it outputs) finds the activations' codes here
		dequantizedFrom.put(dq, tensor);
		return true;
	}

	/**
	 * An Identity that writes an integer model output of the activations' own type reads the float tensor its input pair was
	 * written on, not the pair's DequantizeLinear. ONNX Runtime removes the Identity at load and then the DequantizeLinear ->
	 * QuantizeLinear of equal parameters before the output by renaming the pair's codes to the output's name; where those codes
	 * have another reader (a linear classifier's ArgMax beside its scores, make_unseen33.py sklsvc under fiq_uint8) it left that
	 * reader without input and refused the model ("Node input '..._q' is not a graph input", exit 3). Reading the float tensor,
	 * the output's QuantizeLinear is one of two equal ones of it, which ONNX Runtime merges (QGemm writes the output's codes).
	 * The Identity then computes in float, and its record says so ({@link #floatIdentities}).
	 */
	private void identityReadsFloat(Node producer) {
		if (!producer.opType().equals("Identity")) {
			return;
		}
		String in = producer.input(0);
		String floats = dequantizedFrom.get(in);
		// a pair's DequantizeLinear, written on float 'floats', whose codes another op reads: the Identity alone, it stays on the codes
		if (floats != null && in.equals(dequantizedOf.get(floats)) && g.consumers(in).size() + g.consumers(integer.get(floats)).size() > 2) {
			producer.setInput(0, floats);
			floatIdentities.put(producer.name(), OpRules.identityBeforeIntegerOutput());
		}
	}

	/** DequantizeLinear nodes nobody reads any more (their op now reads integers) go, with their constants. */
	private void removeUnreadDequantizations() {
		Set<String> outputs = new HashSet<>();
		g.outputs().forEach(v -> outputs.add(v.getName()));
		g.nodes().removeIf(n -> n.opType().equals("DequantizeLinear") && !outputs.contains(n.output(0)) && !ed.isRead(n.output(0)));
		for (Tensor t : new ArrayList<>(g.initializers())) {
			if (!ed.isRead(t.name()) && !outputs.contains(t.name())) {
				g.removeInitializer(t.name());
			}
		}
	}

	private static void replaceType(List<ValueInfoProto> infos, String tensor, DataType type) {
		for (int i = 0; i < infos.size(); i++) {
			if (infos.get(i).getName().equals(tensor)) {
				infos.set(i, GraphEditor.withElementType(infos.get(i), type));
			}
		}
	}

	// ------------------------------------------------------------------ weights and biases

	private void weight(Weight w) {
		Tensor t = constant(w.tensor());
		float[] values = t.toFloatArray();
		long[] dims = t.dims();
		QuantType type = w.spec().precision();
		boolean weighted = OpRules.is(w.node(), OpRule.Form.WEIGHTED) && w.input() == 1;
		boolean table = OpRules.is(w.node(), OpRule.Form.CODES);
		boolean reduce = reduceRange && weighted; // reduce-range concerns weights (targets without 16-bit accumulation)
		QuantParams p = w.axis() >= 0 ? QuantMath.params(QuantMath.channelRanges(values, dims, w.axis()), w.axis(), type, w.spec().scheme(), reduce)
				: QuantMath.params(QuantMath.range(values), type, w.spec().scheme(), reduce);
		Int32BiasFit.Widened fit = biasFit(w, p);
		if (fit != null) {
			p = fit.params();
			widenedScales.merge(w.node().name(), fit.statement(), (x, y) -> x);
			warnings.add(new QuantizerWarning(QuantizerWarning.WEIGHT_SCALE_WIDENED, w.node().name(), "layer '" + w.node().name() + "': " + fit.statement()));
		}
		String dq = storeDequantized(w.tensor(), GraphEditor.codes(w.tensor(), type.dataType(), dims, QuantMath.quantize(values, dims, p)), p, w.node(),
				w.input());
		if (!weighted && !table) {
			keepConstantName(w.tensor(), dq, w.node());
		}
		weightParams.put(w.node().name() + "\u0000" + w.tensor(), p);
		Range own = QuantMath.range(values);
		written.add(new QuantizedTensor(w.tensor(), weighted || table ? Role.WEIGHT : Role.ACTIVATION, w.node().name(), p, own, own));
	}

	/** {@code p} widened where the int32 bias that goes with weight {@code w} would not fit at s_input · s_weight, or null. */
	private Int32BiasFit.Widened biasFit(Weight w, QuantParams p) {
		for (Bias b : plan.biases()) {
			if (b.weightNode() == w.node() && b.weight().equals(w.tensor())) {
				return Int32BiasFit.widen(p, params(b.inputActivation()).scale(), constant(b.tensor()).toFloatArray());
			}
		}
		return null;
	}

	private void bias(Bias b) {
		Tensor t = constant(b.tensor());
		float[] values = t.toFloatArray();
		QuantParams in = params(b.inputActivation());
		QuantParams wp = weightParams.get(b.weightNode().name() + "\u0000" + b.weight());
		boolean perChannel = wp.perChannel() && values.length > 1;
		float[] scales = new float[perChannel ? values.length : 1];
		for (int c = 0; c < scales.length; c++) {
			scales[c] = in.scale() * wp.scales()[perChannel ? c : 0];
		}
		QuantParams p = new QuantParams(QuantType.INT32, scales, new long[scales.length], perChannel ? 0 : -1, false);
		int[] codes = QuantMath.quantizeBias(values, in.scale(), wp.scales());
		List<Integer> beyond = QuantMath.biasChannelsBeyondInt32(values, in.scale(), wp.scales());
		if (!beyond.isEmpty()) {
			int c = beyond.get(0);
			warnings.add(new QuantizerWarning(QuantizerWarning.BIAS_CLAMPED, b.node().name(), String.format(java.util.Locale.ROOT, "the bias of '%s' is clamped to int32 in %d of %d channels (first: channel %d, %s at scale"
					+ " %.4g = s_input x s_weight needs code %.4g): the layer adds a smaller bias than the float model's; quantize it with"
					+ " int8 weights or 8-bit activations, or exclude it", b.node().name(), beyond.size(), values.length, c, values[c], scales[perChannel ? c : 0],
					Math.rint(values[c] / (double) scales[perChannel ? c : 0]))));
			biasClamps.merge(b.node().name(), Int32BiasClamp.statement(beyond.size(), values.length, c), (x, y) -> x);
		}
		storeDequantized(b.tensor(), Tensor.ofInts(b.tensor(), t.dims(), codes), p, b.node(), b.input());
		Range own = QuantMath.range(values);
		written.add(new QuantizedTensor(b.tensor(), Role.BIAS, b.node().name(), p, own, own));
	}

	/** The integer constant, scale and zero point stored for each constant quantized so far (see storeDequantized). */
	private final Map<String, List<String>> storedCodes = new HashMap<>();

	/**
	 * Replaces a float constant read by {@code node} at input {@code index} with integer {@code codes} and
	 * a DequantizeLinear; the float constant is dropped once nothing else reads it.
	 */
	private String storeDequantized(String tensor, Tensor codes, QuantParams p, Node node, int index) {
		// a constant several nodes read (a Siamese tower's weights, tied embeddings: make_unseen7.py "siamese") is stored once
		// when it is quantized alike for each (the same codes: the same values, type and parameters); each reader still gets a
		// DequantizeLinear of its own, as ONNX Runtime's QDQ groups want. Before, every reader stored a copy of the codes.
		String key = tensor + "\u0000" + p.type() + "\u0000" + p.axis() + "\u0000" + java.util.Arrays.toString(p.scales()) + "\u0000"
				+ java.util.Arrays.toString(p.zeroPoints());
		List<String> inputs = storedCodes.get(key);
		if (inputs == null) {
			String q = ed.constant(tensor + "_q", codes);
			String s = p.perChannel() ? ed.constant(tensor + "_scale", Tensor.ofFloats("s", new long[] { p.scales().length }, p.scales()))
					: ed.scalarFloat(tensor + "_scale", p.scale());
			// weight zero points are written even when 0 (ONNX Runtime fuses QDQ groups only when they are present);
			// int32 bias zero points are always 0, ONNX's default, and are left out
			inputs = p.type() == QuantType.INT32 ? List.of(q, s)
					: List.of(q, s, ed.zeroPoint(tensor + "_zp", p.type(), p.zeroPoints(), p.perChannel()));
			storedCodes.put(key, inputs);
		}
		String dq = ed.fresh(tensor + "_dq");
		if (p.perChannel()) {
			ed.add("DequantizeLinear", null, inputs, List.of(dq), GraphEditor.intAttribute("axis", p.axis()));
		} else {
			ed.add("DequantizeLinear", null, inputs, List.of(dq));
		}
		node.setInput(index, dq);
		dropIfUnused(tensor);
		return dq;
	}

	/**
	 * A constant operand quantized with the activations' type (an Add's or Mul's per-channel constant: a BatchNormalization
	 * that follows no Conv, as in DenseNet's pre-activation blocks) is recorded, and so logged, as an activation by its
	 * name; a record has to name a tensor the model holds. Its DequantizeLinear therefore writes the constant's own name
	 * once the float constant is gone (every reader of the float constant now reads the DequantizeLinear): `verify` found
	 * no such tensor and reported each as not quantized and its codes as unrecorded.
	 */
	private void keepConstantName(String tensor, String dq, Node node) {
		if (g.initializer(tensor) != null || ed.isRead(tensor) || g.isOutput(tensor)
				|| g.isInput(tensor)) {
			return; // still read as a float constant elsewhere (or held by an enclosing graph): the names stay apart
		}
		Node writer = g.producer(dq).orElseThrow();
		writer.setOutput(0, tensor);
		for (int i = 0; i < node.inputs().size(); i++) {
			if (node.input(i).equals(dq)) {
				node.setInput(i, tensor);
			}
		}
	}

	/** A weight or bias: an initializer of this graph or, for an If branch, of an enclosing graph. */
	private Tensor constant(String tensor) {
		for (Graph s = g; s != null; s = s.parent()) {
			Tensor t = s.initializer(tensor);
			if (t != null) {
				return t;
			}
		}
		throw new IllegalStateException("no constant " + tensor + " in graph " + g.name() + " or the graphs enclosing it");
	}

	private void dropIfUnused(String tensor) {
		boolean output = g.isOutput(tensor);
		if (!output && !ed.isRead(tensor)) {
			g.removeInitializer(tensor);
		}
	}
}
