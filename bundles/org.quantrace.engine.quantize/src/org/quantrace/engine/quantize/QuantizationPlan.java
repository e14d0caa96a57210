package org.quantrace.engine.quantize;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import org.quantrace.engine.calibrate.Range;
import org.quantrace.engine.onnx.DataType;
import org.quantrace.engine.onnx.Graph;
import org.quantrace.engine.onnx.Node;
import org.quantrace.engine.onnx.OnnxModel;
import org.quantrace.engine.onnx.Tensor;
import org.quantrace.engine.onnx.TensorInfo;
import org.quantrace.engine.quantize.OpRule.Form;
import org.quantrace.engine.quantize.QuantizationSpec.Granularity;
import org.quantrace.engine.quantize.QuantizationSpec.Symmetry;
import org.quantrace.engine.quantize.QuantizationSpec.TensorSpec;

/**
 * Decides, before calibration, what full-integer quantization does to each node: which nodes become
 * integer, which activation tensors get a QuantizeLinear/DequantizeLinear pair (and which of them share
 * parameters), which weights and biases are stored as integers, and why every other node stays float.
 * What each op allows comes from its {@link OpRule}; the placement follows ONNX Runtime's QDQ fusion rules
 * so that DQ → op → Q groups become integer kernels, and keeps float islands contiguous: an op with an
 * integer kernel whose inputs come from float ops stays float (one DequantizeLinear before the island, one
 * QuantizeLinear after it, instead of a pair around every op), data movement runs on integer codes only
 * where an integer op reads its result, and a MatMul/Gemm ends in float (MatMulIntegerToFloat, QGemm) when
 * only float ops read it.
 */
public final class QuantizationPlan {

	/** What happens to one node of the main graph. */
	public record Decision(int layerIndex, Node node, boolean quantized, String reason, TensorSpec weights, TensorSpec activations) {
		/** A float op of the written model that ONNX Runtime removes (a Relu before a QuantizeLinear that clamps the same). */
		public boolean removedByOnnxRuntime() {
			return reason.contains(REMOVED_BY_ONNX_RUNTIME);
		}
	}

	/** The ops that may read a float stem's output (or its activation's): see {@link Planner#floatStem}. */
	private static final Set<String> STEM_READERS = Set.of("Conv");

	/**
	 * The ops that may read it beside a float pool path on the same one-channel input ({@link OneChannelInput}): octave's stem →
	 * Relu → MaxPool ran 0.76-0.81x fp32's CPU time so, against 1.05-1.07x with the stem integer (branch stems3).
	 */
	private static final Set<String> ISLAND_STEM_READERS = Set.of("Conv", "MaxPool");

	/**
	 * Whether {@code n} is the Pad or pool of a float pool path on an 8-bit model input of another type than the activations'
	 * ({@link OneChannelInput}): it reads the input's DequantizeLinear and stays float, and {@link PoolAsConv} leaves the pool as it is.
	 */
	static boolean floatInputPool(Graph g, QuantizationSpec spec, Node n) {
		return g.parent() == null && OneChannelInput.onPath(g, n) && inputCodesDiffer(spec, spec.activationsFor(n))
				&& OneChannelInput.island(g, OneChannelInput.input(g, n), Planner::alwaysFloat);
	}

	/** Whether the model's 8-bit integer I/O type differs from the 8-bit activations' {@code a} (fiq-int8: int8 input, uint8 activations). */
	static boolean inputCodesDiffer(QuantizationSpec spec, TensorSpec a) {
		return spec.io() != QuantizationSpec.IoType.FLOAT32 && spec.io().quantType() != a.precision() && a.precision().bits() == 8;
	}

	/** The words that start the record of a one-channel stem computed in float on the int8 input's codes ({@link OpRules#oneChannelStem}). */
	public static final String FLOAT_STEM = "kept float: ";

	/** The words of a decision for a float op that ONNX Runtime removes: recorded as running on integers, still a float node of the model. */
	static final String REMOVED_BY_ONNX_RUNTIME = "ONNX Runtime removes it (ReluQuantFusion, ClipQuantFusion): that QuantizeLinear clamps the same";

	/**
	 * The ops whose float weights ONNX Runtime 1.29's WeightBiasQuantization rounds at load after the int8 model input's
	 * DequantizeLinear (measured with the LoadRewrites client: an excluded Conv, wbq; an excluded Gemm and ConvTranspose, branch
	 * evidence: their optimized graphs hold {@code _weight_q} and {@code _bias_int32} initializers).
	 */
	static final Set<String> ROUNDED_AT_LOAD = Set.of("Conv", "ConvTranspose", "Gemm");

	/** The words of a float Conv written with the int8 weights ONNX Runtime would round its float ones to: see {@link Planner#weightsRoundedByOnnxRuntime(Node, TensorSpec)}. */
	static final String WEIGHTS_ROUNDED_AT_LOAD = "ONNX Runtime would quantize its float weights itself when it loads the model";

	/** An activation tensor that gets a Q/DQ pair; {@code forcedRange} comes from a recipe override or the op's own range. */
	public record Activation(String tensor, TensorSpec spec, Range forcedRange, String producer) {
	}

	/** A constant quantized offline: a weight (per channel along {@code axis}, or -1) or a constant operand. */
	public record Weight(String tensor, Node node, int input, int axis, TensorSpec spec) {
	}

	/**
	 * A bias stored as int32 with scale = input scale × weight scale: the bias input of {@code node}, or the
	 * constant operand of an Add that follows a MatMul ({@code weightNode}), which ONNX Runtime fuses into QGemm.
	 */
	public record Bias(String tensor, Node node, int input, String inputActivation, Node weightNode, String weight) {
	}

	/**
	 * A Relu/Clip whose work the quantization of its producer's output does: with zero point qmin,
	 * QuantizeLinear clamps negatives to the code of 0, so the node is removed and the producer writes the
	 * activation's output directly (what ONNX Runtime's ReluQuantFusion does, here done before it has to).
	 */
	public record FusedActivation(Node activation, Node producer) {
	}

	/** A Mul/Div by a positive scalar constant: {@code output} is {@code input}'s codes with the scale × {@code factor}. */
	public record Rescale(Node node, String input, String output, float factor) {
	}

	/**
	 * HardSigmoid(x) = clamp(αx + β, 0, 1) written as an Add of the codes of x read with scale × α and β, whose
	 * QuantizeLinear over [0, 1] clamps; HardSwish(x) = x · HardSigmoid(x) with α = 1/6, β = 1/2, the
	 * clamped value in {@code clamped}, then a Mul.
	 */
	public record Lowering(Node node, String input, String output, float alpha, float beta, String clamped) {
	}

	/** Int8 weights of a layer that computes in float (recurrent layers: no QDQ form in ONNX Runtime). */
	public record StoredWeight(String tensor, Node node, int input, int axis, TensorSpec spec) {
	}

	/** Range of a clamped value, [0, 1]. */
	static final Range UNIT = new Range(0, 1);

	private final List<Decision> decisions = new ArrayList<>();
	private final Map<String, Activation> activations = new LinkedHashMap<>();
	private final Map<String, String> sharesWith = new HashMap<>();
	private final Map<String, Float> factors = new HashMap<>();
	private final List<Weight> weights = new ArrayList<>();
	private final List<Bias> biases = new ArrayList<>();
	private final List<FusedActivation> fused = new ArrayList<>();
	private final List<Rescale> rescales = new ArrayList<>();
	private final List<Lowering> lowerings = new ArrayList<>();
	private final List<StoredWeight> storedWeights = new ArrayList<>();
	/** Recurrent layers ONNX Runtime has a dynamic integer kernel for (LSTM: DynamicQuantizeLSTM), written as in dynamic-range quantization. */
	private final List<Node> dynamicRecurrent = new ArrayList<>();
	/** Tensors the plan adds (the clamped value of a lowered HardSwish): not in the model calibration runs. */
	private final Set<String> added = new HashSet<>();
	/** The graph this plan quantizes: the main graph, or a branch of an If. */
	private Graph graph;

	public Graph graph() {
		return graph;
	}

	public List<Decision> decisions() {
		return decisions;
	}

	public Map<String, Activation> activations() {
		return activations;
	}

	public List<Weight> weights() {
		return weights;
	}

	public List<Bias> biases() {
		return biases;
	}

	public List<FusedActivation> fusedActivations() {
		return fused;
	}

	public List<Rescale> rescales() {
		return rescales;
	}

	public List<Lowering> lowerings() {
		return lowerings;
	}

	public List<StoredWeight> storedWeights() {
		return storedWeights;
	}

	public List<Node> dynamicRecurrent() {
		return dynamicRecurrent;
	}

	/**
	 * Lists each activation after the one whose codes it reuses, as the writer needs them: an excluded code mover that ONNX
	 * Runtime runs on codes all the same (Planner.fusedAnyway) is decided last, and its output, listed earlier for the
	 * integer op reading it, came before its input. The writer then found no codes to read and left the op on the float
	 * input, with a DequantizeLinear after it (convlstm with its first input Slice excluded: the model did not load, exit 3).
	 */
	private void sourcesFirst() {
		Map<String, Activation> ordered = new LinkedHashMap<>();
		for (String t : activations.keySet()) {
			List<String> chain = new ArrayList<>();
			for (String s = t; s != null && activations.containsKey(s) && !ordered.containsKey(s); s = sharesWith.get(s)) {
				chain.add(s);
			}
			for (int i = chain.size() - 1; i >= 0; i--) {
				ordered.put(chain.get(i), activations.get(chain.get(i)));
			}
		}
		activations.clear();
		activations.putAll(ordered);
	}

	/** The tensor whose parameters {@code tensor} reuses (itself when it has its own). */
	public String root(String tensor) {
		String t = tensor;
		while (sharesWith.containsKey(t)) {
			t = sharesWith.get(t);
		}
		return t;
	}

	/** The factor between {@code tensor}'s scale and its root's (1 unless a Mul/Div by a constant lies between). */
	public float factor(String tensor) {
		float f = 1;
		for (String t = tensor; sharesWith.containsKey(t); t = sharesWith.get(t)) {
			f *= factors.getOrDefault(t, 1f);
		}
		return f;
	}

	/** Activation tensors that need parameters of their own (the roots of the sharing groups), in graph order. */
	public List<String> roots() {
		return activations.keySet().stream().filter(t -> root(t).equals(t)).toList();
	}

	/** The roots calibration observes: all but those the plan adds (their range is fixed by the op). */
	public List<String> calibrationTensors() {
		return roots().stream().filter(t -> !added.contains(t)).toList();
	}

	/**
	 * Plans full-integer quantization of {@code model} (main graph; nodes in subgraphs stay float).
	 *
	 * @param types element types of the model's tensors where known (from a shape probe); unknown = float
	 */
	public static QuantizationPlan fullInteger(OnnxModel model, QuantizationSpec spec, Map<String, TensorInfo> types) {
		return fullInteger(model, spec, types, List.of());
	}

	/**
	 * As {@link #fullInteger(OnnxModel, QuantizationSpec, Map)}, with the tabular inputs {@link InputResolution} keeps float:
	 * their per-feature readers are planned float ({@link OpRules#inputKeptFloat}) and the input is not quantized at the edge.
	 */
	public static QuantizationPlan fullInteger(OnnxModel model, QuantizationSpec spec, Map<String, TensorInfo> types, List<InputResolution.Finding> findings) {
		Map<String, InputResolution.Finding> kept = new LinkedHashMap<>();
		findings.stream().filter(InputResolution.Finding::keptFloat).forEach(f -> kept.put(f.input(), f));
		return new Planner(model.graph(), spec, types, 0, Map.of(), Map.of(), kept).plan();
	}

	/**
	 * Plans full-integer quantization of every branch of the model's If nodes (nested Ifs included, outer branches
	 * first), each as a graph of its own: the outer-scope values a branch reads are its inputs (quantized inside the
	 * branch), its outputs stay float for the If to pass on. Calibration observes the branch tensors through the If
	 * ({@code Calibrator}); a branch no calibration sample takes gets no ranges and is left float ({@link #leftFloat}).
	 * Loop/Scan bodies run several times per sample and are not planned.
	 *
	 * @param firstIndex the layer index of the first branch node (after the main graph's)
	 */
	public static List<QuantizationPlan> ifBranches(OnnxModel model, QuantizationSpec spec, Map<String, TensorInfo> types, int firstIndex) {
		List<QuantizationPlan> plans = new ArrayList<>();
		int index = firstIndex;
		for (Graph sub : model.graph().graphs()) {
			if (sub.parent() == null || !ifBranch(sub)) {
				continue;
			}
			QuantizationPlan p = new Planner(sub, spec, types, index).plan();
			index += p.decisions.size();
			plans.add(p);
		}
		return plans;
	}

	private static boolean ifBranch(Graph sub) {
		for (Graph s = sub; s.parent() != null; s = s.parent()) {
			if (!s.owner().opType().equals("If")) {
				return false;
			}
		}
		return true;
	}

	/** The decisions of a branch plan that is not written: every node float, for {@code reason}. */
	public List<Decision> leftFloat(String reason) {
		return decisions.stream().map(d -> new Decision(d.layerIndex(), d.node(), false, reason, null, null)).toList();
	}

	/** How a quantized node is written, once decided. */
	private enum Kind {
		WEIGHTED, COMPUTE, CODES, CLAMP, RESCALE, LOWERED, BIAS_ADD
	}

	private static final class Planner {
		final Graph g;
		final QuantizationSpec spec;
		final Map<String, TensorInfo> types;
		final Map<String, List<Node>> consumers = new HashMap<>();
		final Map<String, Node> producers = new HashMap<>();
		final Set<String> graphInputs = new HashSet<>();
		final Set<String> graphOutputs = new HashSet<>();
		final QuantizationPlan plan = new QuantizationPlan();
		/** How each quantized node is written. */
		final Map<Node, Kind> kinds = new LinkedHashMap<>();
		/** Decisions by node, in layer order. */
		final Map<Node, Decision> decided = new LinkedHashMap<>();
		/** MatMul → the Add after it that takes its bias. */
		final Map<Node, Node> biasAdds = new HashMap<>();
		/** Relu/Clip → the producer whose output quantization does its work. */
		final Map<Node, Node> clamps = new HashMap<>();

		/** A branch of an If: its outputs stay float (the If passes them on), whatever the model's I/O type. */
		final boolean branch;
		final int firstIndex;
		/**
		 * Nodes the recipe excludes (or float-slow-kernels keeps float) that ONNX Runtime would run on integers all the same,
		 * each with the words that say so: planned as if not excluded, their reasons start with these words.
		 */
		final Map<Node, String> anyway;
		/**
		 * One-channel stems a previous plan of this graph left integer although only its float island and global pools read their
		 * output ({@link #stemsIntoIsland}), each with its reason: planned float, their output not quantized.
		 */
		final Map<Node, String> intoIsland;
		final Map<String, TensorInfo> givenTypes;

		/** Tabular model inputs kept float ({@link InputResolution}): not quantized at the edge, their readers float. */
		final Map<String, InputResolution.Finding> floatInputs;

		Planner(Graph graph, QuantizationSpec spec, Map<String, TensorInfo> types, int firstIndex) {
			this(graph, spec, types, firstIndex, Map.of(), Map.of(), Map.of());
		}

		Planner(Graph graph, QuantizationSpec spec, Map<String, TensorInfo> types, int firstIndex, Map<Node, String> anyway, Map<Node, String> intoIsland,
				Map<String, InputResolution.Finding> floatInputs) {
			this.g = graph;
			this.floatInputs = floatInputs;
			this.spec = spec;
			this.anyway = anyway;
			this.intoIsland = intoIsland;
			this.givenTypes = types;
			// the shape probe returns computed tensors only: a model input's type is the one it declares (a text model's
			// int64 token ids are no activation to quantize, even where the probe could not run)
			this.types = new HashMap<>(types);
			graph.runtimeInputs().forEach(v -> {
				TensorInfo declared = TensorInfo.of(v);
				if (declared.type() != DataType.UNDEFINED) {
					this.types.putIfAbsent(v.getName(), declared);
				}
			});
			this.branch = graph.parent() != null;
			this.firstIndex = firstIndex;
			plan.graph = graph;
			for (Node n : g.nodes()) {
				n.inputs().forEach(i -> consumers.computeIfAbsent(i, k -> new ArrayList<>()).add(n));
				n.outputs().forEach(o -> producers.put(o, n));
			}
			g.runtimeInputs().forEach(v -> graphInputs.add(v.getName()));
			if (branch) { // the outer-scope values a branch reads are its inputs
				for (Node n : g.nodes()) {
					n.inputs().stream().filter(i -> !i.isEmpty() && !producers.containsKey(i) && constant(i) == null).forEach(graphInputs::add);
				}
			}
			g.outputs().forEach(v -> graphOutputs.add(v.getName()));
		}

		/** A constant of this graph or of an enclosing one (If branches read the outer graph's weights). */
		Tensor constant(String tensor) {
			for (Graph s = g; s != null; s = s.parent()) {
				Tensor t = s.initializer(tensor);
				if (t != null) {
					return t;
				}
			}
			return null;
		}

		QuantizationPlan plan() {
			List<Node> order = g.topologicalOrder().stream().filter(n -> !"Constant".equals(n.opType())).toList();
			int index = firstIndex;
			for (Node n : order) {
				decide(n, index++);
			}
			// a float op's output becomes available as codes once an integer reader later in the order quantizes it
			// (available()): decide again, in order, the ops that stayed float for want of codes
			for (Node n : order) {
				OpRule rule = OpRules.of(n);
				Form form = rule == null ? null : rule.form();
				if (!kinds.containsKey(n) && (form == Form.CODES || form == Form.COMPUTE || form == Form.LOWERED) && spec.exclusionFor(n).isEmpty()) {
					decide(n, decided.get(n).layerIndex());
				}
			}
			for (Node n : order) {
				if (saturatingIntoFloat(n)) {
					kinds.remove(n);
					Decision d = decided.get(n);
					decided.put(n, new Decision(d.layerIndex(), n, false, "no integer op reads its output (only float ops, directly or through ops that move"
							+ " codes): computed in float on its dequantized input, as its 8-bit output would put the values near " + n.opType()
							+ "'s ends (0 and 1) on one code for them (the DequantizeLinear its readers need moves before it)", null, null));
				}
			}
			for (int i = order.size() - 1; i >= 0; i--) {
				Node n = order.get(i);
				Kind k = kinds.get(n);
				Node slowReader = beforeSlowKernel(n, k);
				boolean optionalInput = k == Kind.RESCALE || k == Kind.CODES && !quantizedAnyway(n.input(0)) || elementwiseIntoFloat(n, k) || slowReader != null;
				if (optionalInput && n.outputs().stream().noneMatch(this::readAsCodes)) {
					kinds.remove(n); // nobody reads its codes: working on float data saves the QuantizeLinear before it
					Decision d = decided.get(n);
					String why = slowReader != null ? OpRules.beforeSlowKernel(slowReader)
							: "only float ops read its output, so it " + (k == Kind.CODES ? "moves float data" : "computes in float") + " (no QuantizeLinear/DequantizeLinear hop)";
					decided.put(n, new Decision(d.layerIndex(), n, false, why, null, null));
				}
			}
			for (Node n : order) {
				Kind k = kinds.get(n);
				if (k != null) {
					materialize(n, k);
				}
			}
			integerOutputsOfFloatOps();
			integerInputsOfFloatOps();
			fusedAnyway(order);
			Map<Node, String> more = runsAnyway(order);
			if (!more.isEmpty()) { // plan again with them quantized: the ops after them then read their codes as they do in ONNX Runtime
				Map<Node, String> all = new LinkedHashMap<>(anyway);
				all.putAll(more);
				return new Planner(g, spec, givenTypes, firstIndex, all, intoIsland, floatInputs).plan();
			}
			Map<Node, String> stems = stemsIntoIsland(order);
			if (!stems.isEmpty()) { // known only now that the islands are: plan again with those stems float (a fixed point: they only leave codes)
				Map<Node, String> all = new LinkedHashMap<>(intoIsland);
				all.putAll(stems);
				return new Planner(g, spec, givenTypes, firstIndex, anyway, all, floatInputs).plan();
			}
			clampsRemovedByOnnxRuntime(order);
			floatIslandInputs();
			plan.sourcesFirst();
			plan.decisions.addAll(decided.values());
			return plan;
		}

		/**
		 * An integer element-wise op (no MACs: not a MatMul) that the planner computes in float when only float ops read its
		 * result: its integer kernel would need a DequantizeLinear after it for those readers, while each of its data inputs
		 * {@link #floatAnyway is there in float anyway}, so computing it in float adds no DequantizeLinear and saves the
		 * QuantizeLinear → DequantizeLinear hop. Round 19's lista: the soft threshold's x + λ and its Where (the negative half)
		 * were QLinearAdd → QLinearWhere → DequantizeLinear beside float Greater/Less/Sub ops reading the same x, and the
		 * residual x = We·y + S·z a QLinearAdd read only by them. Visited from the outputs back (plan()), so a chain of them
		 * leaves the integer kernels as a whole.
		 */
		boolean elementwiseIntoFloat(Node n, Kind k) {
			return k == Kind.COMPUTE && !n.opType().equals("MatMul") && !anyway.containsKey(n) && spec.exclusionFor(n).isEmpty()
					&& !graphOutputs.contains(n.output(0)) && dataInputs(n).stream().allMatch(t -> floatAnyway(t, n, 0));
		}

		/**
		 * The one reader of {@code n}, an integer element-wise op, when that reader stays float for its slow integer kernel
		 * ({@link OpRules#keptFloat}: Softmax), or null. Left integer, {@code n} quantizes the reader's input, and where an integer op
		 * reads the reader's output ONNX Runtime fuses DequantizeLinear → Softmax → QuantizeLinear into the slow kernel whatever the
		 * plan says ({@link #fusedAnyway}); computed in float, it leaves the reader no DequantizeLinear to fuse. Round 17's levit
		 * (scores · scale + a relative-position bias → Softmax): QLinearAdd → QLinearSoftmax ran at 1.25-1.28x fp32's CPU time,
		 * the Add and the Softmax in float at 1.03-1.05x (batch 64, one thread, tests/data/wild/README.md, branch speed22).
		 */
		Node beforeSlowKernel(Node n, Kind k) {
			List<Node> readers = consumers.getOrDefault(n.output(0), List.of());
			if (k != Kind.COMPUTE || n.opType().equals("MatMul") || anyway.containsKey(n) || spec.exclusionFor(n).isPresent() || n.outputs().size() != 1
					|| graphOutputs.contains(n.output(0)) || readers.size() != 1 || kinds.containsKey(readers.get(0))) {
				return null;
			}
			Node reader = readers.get(0);
			return OpRules.is(reader, Form.COMPUTE) && OpRules.keptFloat(spec, reader) != null && spec.exclusionFor(reader).isEmpty() ? reader : null;
		}

		/**
		 * A {@link OpRules#SATURATING saturating} integer op whose result no integer op reads: only float ops, directly or
		 * through ops that move codes (a MaxPool) and are read by float ops only; not a model output, not excluded or run
		 * integer anyway. The ops moving its codes then find a float input and move float data (the backward pass of plan()).
		 */
		boolean saturatingIntoFloat(Node n) {
			return kinds.get(n) == Kind.COMPUTE && OpRules.SATURATING.contains(n.opType()) && !anyway.containsKey(n) && spec.exclusionFor(n).isEmpty()
					&& !graphOutputs.contains(n.output(0)) && !integerReader(n.output(0), 0);
		}

		/** Whether an integer op reads {@code tensor}'s codes, directly or through ops that move codes, or it is a model output. */
		private boolean integerReader(String tensor, int depth) {
			if (graphOutputs.contains(tensor) || depth > 8) {
				return true;
			}
			for (Node c : consumers.getOrDefault(tensor, List.of())) {
				Kind k = kinds.get(c);
				if (k != null && (k != Kind.CODES || c.outputs().stream().anyMatch(o -> integerReader(o, depth + 1)))) {
					return true;
				}
			}
			return false;
		}

		/**
		 * Whether {@code tensor}, read by {@code reader}, exists in float whatever {@code reader} does: a float op makes it, a float
		 * op reads it (through the DequantizeLinear written for it), a MatMul/Gemm makes it for this reader only (it then ends in
		 * float, MatMulIntegerToFloat or QGemm), or another such element-wise op makes it for this reader only.
		 */
		boolean floatAnyway(String tensor, Node reader, int depth) {
			Node p = producers.get(tensor);
			List<Node> readers = consumers.getOrDefault(tensor, List.of());
			if (p == null || !kinds.containsKey(p) || readers.stream().anyMatch(c -> c != reader && !kinds.containsKey(c) && !biasAdds.containsValue(c))) {
				return p != null || graphInputs.contains(tensor) && readers.stream().anyMatch(c -> c != reader && !kinds.containsKey(c));
			}
			if (readers.size() != 1 || graphOutputs.contains(tensor) || depth > 8) {
				return false;
			}
			Kind pk = kinds.get(p);
			if (pk == Kind.WEIGHTED && (p.opType().equals("MatMul") || p.opType().equals("Gemm")) && OpRules.of(p).kernel().floatOutput() && !biasAdds.containsKey(p)) {
				return true;
			}
			return pk == Kind.COMPUTE && !p.opType().equals("MatMul") && !anyway.containsKey(p) && spec.exclusionFor(p).isEmpty()
					&& dataInputs(p).stream().allMatch(t -> floatAnyway(t, p, depth + 1));
		}

		/**
		 * The excluded (or kept float for speed) nodes that ONNX Runtime 1.29 runs on integers all the same, read from this
		 * plan: a Conv or Gemm whose input is dequantized (per tensor) and whose result reaches a QuantizeLinear of the same
		 * type through Relus and MaxPools (WeightBiasQuantization quantizes its float weights, int8 per tensor, when the
		 * model is loaded, then the QDQ fusion makes it a QLinearConv or QGemm; the Relus are removed and the MaxPools
		 * pool the codes); a Relu on the output of an integer op read only by a QuantizeLinear (ReluQuantFusion removes it:
		 * that QuantizeLinear's zero point at the range's minimum 0 clamps the same). Checked against ONNX Runtime's
		 * optimized graph in OpRulesTest.
		 */
		Map<Node, String> runsAnyway(List<Node> order) {
			Map<Node, String> found = new LinkedHashMap<>();
			for (Node n : order) {
				OpRule rule = OpRules.of(n);
				if (kinds.containsKey(n) || anyway.containsKey(n) || rule == null || !n.isStandard() || rule.kernel().unusableFor(n) != null) {
					continue;
				}
				Optional<QuantizationSpec.Exclusion> excluded = spec.exclusionFor(n);
				String slower = OpRules.keptFloat(spec, n);
				TensorSpec a = spec.activationsFor(n);
				if (excluded.isEmpty() && slower == null || a.precision().bits() != 8) {
					continue;
				}
				String why = null;
				if ((n.opType().equals("Conv") || n.opType().equals("Gemm")) && rule.form() == Form.WEIGHTED && weightsQuantizedByOnnxRuntime(n, a)) {
					why = "ONNX Runtime quantizes its float weights itself when it loads the model (int8, per tensor) and runs it as "
							+ (n.opType().equals("Conv") ? "QLinearConv" : "QGemm") + ": its input is dequantized for the integer op before it and its"
							+ " result reaches a QuantizeLinear (through " + n.opType() + " → Relu/MaxPool → QuantizeLinear, which ONNX Runtime fuses);"
							+ " so it is written quantized, with the scheme's weights (to compute it in float, exclude the integer ops before it too): ";
				} else if (rule.form() == Form.WEIGHTED && weightsRoundedByOnnxRuntime(n, a)) {
					why = WEIGHTS_ROUNDED_AT_LOAD + " (int8, per tensor, its bias int32: WeightBiasQuantization, since it reads the " + spec.io().literal()
							+ " model input's DequantizeLinear) and compute it in float on them; so it is written with the scheme's " + spec.weightsFor(n).precision().literal()
							+ " weights and int32 bias, which is what runs, and computed in float (float32 weights need a float32 model input: a scheme"
							+ " with io float32)";
				} else if (n.opType().equals("Relu") && a.scheme() == Symmetry.ASYMMETRIC && clampOfIntegerOutput(n)) {
					why = "ONNX Runtime removes it: the QuantizeLinear of the integer op before it has its zero point at the range's minimum 0 and"
							+ " clamps the same (to compute it in float, exclude the integer ops before and after it too): ";
				}
				if (why != null) {
					found.put(n, (excluded.isPresent() ? excluded.get().words() : "kept float by float-slow-kernels (" + slower + ")") + ", but " + why);
				}
			}
			return found;
		}

		/** A float Conv/Gemm that ONNX Runtime quantizes and fuses itself (see {@link #runsAnyway}). */
		boolean weightsQuantizedByOnnxRuntime(Node n, TensorSpec a) {
			String x = n.input(0);
			if (!plan.activations.containsKey(x) || graphInputs.contains(x) && spec.io() != QuantizationSpec.IoType.FLOAT32
					&& (spec.io().quantType() != QuantType.UINT8 || a.precision() != QuantType.UINT8)) {
				// not dequantized, or dequantized from an integer model input that stays int8 while the QuantizeLinear after it runs
				// uint8 (ONNX Runtime makes int8 QuantizeLinear/DequantizeLinear pairs uint8): ONNX Runtime then computes in float
				return false;
			}
			if (n.inputs().size() < 2 || !isConstant(n.input(1)) || !isFloat(n.input(1))) {
				return false;
			}
			if (n.inputs().size() > 2 && !n.input(2).isEmpty() && (!isConstant(n.input(2)) || constant(n.input(2)).dims().length != 1)) {
				return false;
			}
			if (n.opType().equals("Gemm") && n.floatAttribute("alpha", 1f) != 1f) {
				return false;
			}
			String t = n.output(0);
			for (int hops = 0; hops < 8; hops++) {
				if (graphOutputs.contains(t)) {
					return false;
				}
				if (plan.activations.containsKey(t)) {
					return plan.activations.get(t).spec().precision() == a.precision();
				}
				List<Node> readers = consumers.getOrDefault(t, List.of());
				if (readers.size() != 1 || !(readers.get(0).opType().equals("Relu") && a.scheme() == Symmetry.ASYMMETRIC || readers.get(0).opType().equals("MaxPool"))
						|| readers.get(0).outputs().size() != 1) {
					return false;
				}
				t = readers.get(0).output(0);
			}
			return false;
		}

		/**
		 * Whether ONNX Runtime 1.29 computes this float Conv in float on weights it rounded itself: its input is the integer
		 * model input's DequantizeLinear (per tensor), which it does not fuse with the Conv (the fused case is
		 * {@link #weightsQuantizedByOnnxRuntime}), its weights a float constant and its bias a 1-D one. WeightBiasQuantization
		 * still quantizes those weights (int8, per tensor) and the bias (int32) at load (speed15's LoadRewrites: dae with its
		 * stem excluded, 39,268 of 235,200 output values differed between no and full optimization). Only where the model
		 * input's type differs from the activations' (fiq-int8), as measured: a float Conv after a uint8 QuantizeLinear →
		 * DequantizeLinear pair read by float ops only kept its float weights (the zoo resnet, wbq). Not a Gemm: with
		 * dequantized inputs and weights ONNX Runtime may fuse it into a QGemm with float output (not measured).
		 */
		boolean weightsRoundedByOnnxRuntime(Node n, TensorSpec a) {
			String x = n.input(0);
			if (branch || !ROUNDED_AT_LOAD.contains(n.opType()) || !graphInputs.contains(x) || spec.io() == QuantizationSpec.IoType.FLOAT32
					|| spec.io().quantType() == a.precision() || !plan.activations.containsKey(x) || n.inputs().size() < 2 || !isConstant(n.input(1)) || !isFloat(n.input(1))) {
				return false;
			}
			if (OpRules.narrowStage(spec, n) != null) {
				return false; // float after it too: its result reaches no QuantizeLinear, which WeightBiasQuantization needs to round it
			}
			String bias = n.inputs().size() > 2 ? n.input(2) : "";
			return bias.isEmpty() || isConstant(bias) && isFloat(bias) && constant(bias).dims().length == 1;
		}

		/** A Relu on the output of an integer op, the only reader of it, whose own output is quantized. */
		boolean clampOfIntegerOutput(Node n) {
			String x = n.input(0);
			Node producer = producers.get(x);
			Kind pk = producer == null ? null : kinds.get(producer);
			return (pk == Kind.WEIGHTED || pk == Kind.COMPUTE || pk == Kind.BIAS_ADD) && !graphOutputs.contains(x) && consumers.getOrDefault(x, List.of()).size() == 1
					&& quantizedAfter(n.output(0)) != null;
		}

		/**
		 * The tensor whose QuantizeLinear ONNX Runtime moves up to {@code t}: {@code t} itself when it is quantized, else the
		 * output of the single-reader MaxPools after it that is; null when there is none.
		 */
		String quantizedAfter(String t) {
			for (int hops = 0; hops < 8 && !graphOutputs.contains(t); hops++) {
				if (plan.activations.containsKey(t)) {
					return t;
				}
				List<Node> readers = consumers.getOrDefault(t, List.of());
				if (readers.size() != 1 || !readers.get(0).opType().equals("MaxPool") || readers.get(0).outputs().size() != 1) {
					return null;
				}
				t = readers.get(0).output(0);
			}
			return null;
		}

		/**
		 * A Relu (or a Clip from 0 with no maximum) left float whose output only a QuantizeLinear reads (however many integer ops read its codes), with its zero point at the range's minimum 0 (8 bits,
		 * asymmetric, no range the recipe fixed): ONNX Runtime removes it (ReluQuantFusion), so it computes nothing in float;
		 * recorded so (verify's Quantizations.clampRemoved re-derives it from the QuantizeLinear's scale and zero point).
		 */
		void clampsRemovedByOnnxRuntime(List<Node> order) {
			for (Node n : order) {
				if (kinds.containsKey(n) || !OpRules.clampsOnlyAtZero(n) || !n.isStandard() || n.outputs().size() != 1) {
					continue;
				}
				String y = n.output(0);
				String q = quantizedAfter(y); // through MaxPools, whose QuantizeLinear ONNX Runtime moves before them
				Activation act = q == null ? null : plan.activations.get(q);
				List<Node> readers = consumers.getOrDefault(y, List.of());
				// read where it is quantized: the writer gives every reader, integer or float, the DequantizeLinear after its one
				// QuantizeLinear (a ShuffleNet v1 unit's Relu after its float Concat feeds the next unit's grouped Conv and its
				// residual Add; with float-slow-kernels one of them stays float, and ONNX Runtime still removes the Relu); through
				// MaxPools: by one
				boolean throughItsQuantizeLinear = q != null && q.equals(y) ? !readers.isEmpty() : readers.size() == 1;
				if (act == null || act.forcedRange() != null || act.spec().precision().bits() != 8 || act.spec().scheme() != Symmetry.ASYMMETRIC
						|| graphOutputs.contains(y) || !throughItsQuantizeLinear) {
					continue;
				}
				Decision d = decided.get(n);
				Optional<QuantizationSpec.Exclusion> excluded = spec.exclusionFor(n);
				String prefix = excluded.map(e -> e.words() + ", but ").orElse("");
				record(new Decision(d.layerIndex(), n, true, prefix + "only a QuantizeLinear with its zero point at the range's minimum 0 reads it: "
						+ REMOVED_BY_ONNX_RUNTIME + ", so it computes nothing in float (it stays in the model, after a float op)", null, act.spec()));
			}
		}

		/**
		 * A float op that stays float for a reason of its own ({@link OpRules#FLOAT_ISLAND}: no or a slow integer kernel) but
		 * reads only float ops' outputs that are not quantized reads no DequantizeLinear: its reason says so rather than "its
		 * input is dequantized once" (PoolFormer's AveragePool and Sub after GroupNorm's float Mul/Add). A graph input may be
		 * read through the writer's DequantizeLinear: an op reading one keeps the words.
		 */
		void floatIslandInputs() {
			for (Map.Entry<Node, Decision> e : decided.entrySet()) {
				Decision d = e.getValue();
				Node n = e.getKey();
				if (d.quantized() || d.reason() == null || !d.reason().endsWith(OpRules.FLOAT_ISLAND)) {
					continue;
				}
				List<String> read = n.inputs().stream().filter(t -> !t.isEmpty() && !isConstant(t) && isFloat(t)).toList();
				if (read.isEmpty() || read.stream().anyMatch(t -> plan.activations.containsKey(t) || graphInputs.contains(t) || producers.get(t) == null)) {
					continue;
				}
				String reason = d.reason().substring(0, d.reason().length() - OpRules.FLOAT_ISLAND.length()) + OpRules.INSIDE_FLOAT_ISLAND;
				e.setValue(new Decision(d.layerIndex(), n, false, reason, d.weights(), d.activations()));
			}
		}

		// ------------------------------------------------------------------ deciding

		void decide(Node n, int index) {
			Optional<QuantizationSpec.Exclusion> excluded = spec.exclusionFor(n);
			if (excluded.isPresent() && !anyway.containsKey(n)) {
				floatNode(n, index, excluded.get().words());
				return;
			}
			if (!branch && floatInputPool(g, spec, n)) {
				floatNode(n, index, FLOAT_STEM + OpRules.oneChannelInputPool(n));
				return;
			}
			InputResolution.Finding keptInput = n.inputs().stream().map(floatInputs::get).filter(java.util.Objects::nonNull).findFirst().orElse(null);
			if (!branch && keptInput != null) {
				floatNode(n, index, OpRules.inputKeptFloat(n, keptInput));
				return;
			}
			if (biasAdds.containsValue(n)) {
				Node matMul = biasAdds.entrySet().stream().filter(e -> e.getValue() == n).findFirst().orElseThrow().getKey();
				quantized(n, index, Kind.BIAS_ADD, null, spec.activationsFor(matMul), "the bias of the integer MatMul '" + matMul.name()
						+ "', stored as int32 (scale = input scale × weight scale): ONNX Runtime runs the MatMul and this Add as one QGemm"
						+ " where the MatMul's input is 2-D, else as MatMulIntegerToFloat and a float Add");
				return;
			}
			OpRule rule = OpRules.of(n);
			if (n.isStandard() && onlyBoolsOrIntegers(n)) {
				// a Cast of a comparison's bools, a ReduceSum of them, an int64 Div of a shape (whose rule speaks of float Divs):
				// "its input is dequantized once" was untrue, nothing is
				floatNode(n, index, n.opType() + " reads and computes only bools or integers: nothing of it is quantized or dequantized");
				return;
			}
			if (rule == null && n.isStandard() && readsNoFloat(n)) {
				// a Cast of int64 positions to float (coordmod): nothing is dequantized before it; its float output is an activation
				// (an op with a rule keeps its rule's words: ConstantOfShape "computes on a tensor's shape, not on its values")
				floatNode(n, index, n.opType() + " reads no float tensor (nothing is dequantized before it): it runs as it is; its float output is"
						+ " quantized only where an integer op reads it");
				return;
			}
			if (rule == null && n.isStandard() && writesNoFloat(n)) {
				// a Cast of float data to int64 (make_unseen24's sparsemax: the support count GatherElements reads): "its output is
				// quantized only where an integer op reads it" was untrue of integers, which no scheme quantizes
				floatNode(n, index, n.opType() + " computes bools or integers, which are not quantized: it runs in float, on its input dequantized"
						+ " where an integer op made it");
				return;
			}
			if (rule == null) {
				floatNode(n, index, OpRules.floatReason(n));
				return;
			}
			String refused = rule.refuse(n);
			if (refused != null && rule.form() != Form.CLAMP) {
				floatNode(n, index, refused);
				return;
			}
			Node scaledStem = anyway.containsKey(n) ? null : scaledStem(n);
			if (scaledStem != null) { // the stem after it then stays in its float island (floatFedStem)
				floatNode(n, index, FLOAT_STEM + OpRules.stemInputScaling(n, scaledStem, ScaledStemInput.inputOf(g, scaledStem), spec.io().literal()));
				return;
			}
			String slower = anyway.containsKey(n) ? null : OpRules.keptFloat(spec, n);
			if (slower != null) {
				floatNode(n, index, slower);
				return;
			}
			TensorSpec a = spec.activationsFor(n);
			switch (rule.form()) {
			case WEIGHTED -> weighted(n, index, rule, a);
			case COMPUTE -> {
				Node norm = residualBeforeLayerNorm(n);
				if (norm != null) {
					floatNode(n, index, "the residual sum before LayerNormalization '" + norm.name() + "', which has no integer kernel: kept float, so that"
							+ " the two run as one float com.microsoft.SkipLayerNormalization (the zoo ViT: 1.0-1.3x fp32 with a LayerNormalization"
							+ " after a QLinearAdd, 1.6-2.1x fused) and the residual stream is not rounded to 8 bits");
				} else if (activationOfPooledStem(n) != null) {
					floatNode(n, index, FLOAT_STEM + OpRules.activationAfterPooledStem(n, activationOfPooledStem(n)));
				} else if (siluOfFloatStem(n) != null) {
					floatNode(n, index, FLOAT_STEM + OpRules.siluAfterFloatStem(n, siluOfFloatStem(n)));
				} else if (OpRules.rescaleFactor(n) > 0 && available(rescaled(n)) && !graphOutputs.contains(n.output(0))) {
					quantized(n, index, Kind.RESCALE, null, a, rescaleReason(n));
				} else {
					compute(n, index, rule, a);
				}
			}
			case RESCALE -> {
				if (available(rescaled(n)) && !graphOutputs.contains(n.output(0))) {
					quantized(n, index, Kind.RESCALE, null, a, rescaleReason(n));
				} else {
					floatNode(n, index, inputFloatReason(n, n.input(0)));
				}
			}
			case CLAMP -> clamp(n, index, rule);
			case CODES -> codes(n, index, rule, a);
			case LOWERED -> {
				if (available(n.input(0)) && isFloat(n.input(0))) {
					quantized(n, index, Kind.LOWERED, null, a, "no integer " + n.opType() + " kernel in ONNX Runtime: lowered to "
							+ (n.opType().equals("HardSwish") ? "x · clamp(x/6 + 1/2, 0, 1), QLinearAdd then QLinearMul" : "clamp(αx + β, 0, 1), a QLinearAdd whose quantization clamps")
							+ kernelNote(a));
				} else {
					floatNode(n, index, "no integer " + n.opType() + " kernel in ONNX Runtime, and its input comes from a float op: it stays in the float island");
				}
			}
			case RECURRENT -> {
				if (branch) {
					floatNode(n, index, rule.kernel().note() + "; inside an If branch its weights stay float");
				} else {
					recurrent(n, index, rule);
				}
			}
			case CONTROL_FLOW -> floatNode(n, index, n.opType().equals("If")
					? "control flow: the If itself runs in float; its branches are quantized each on its own, their tensors calibrated through the If's outputs"
					: "control flow: the nodes of its body run several times per sample and cannot be calibrated as one tensor each, so they stay float");
			case FLOAT -> floatNode(n, index, rule.kernel().note());
			}
		}

		void weighted(Node n, int index, OpRule rule, TensorSpec a) {
			String x = n.input(0);
			String weight = n.input(1);
			if (!isFloat(x)) {
				floatNode(n, index, "its input '" + x + "' is not a float tensor");
				return;
			}
			if (n.opType().equals("MatMul") && !isConstant(weight)) {
				compute(n, index, rule, a); // activation x activation
				return;
			}
			if (n.opType().equals("Gemm") && isConstant(x) && !isConstant(weight)) {
				floatNode(n, index, "its weights are its first input (A, '" + x + "') and the activation its second (B, '" + weight + "'): ONNX Runtime's"
						+ " QGemm quantizes B as the weights, so it stays float (written as x · Wᵀ, Gemm(x, W, transB = 1), it would be quantized)");
				return;
			}
			if (!isConstant(weight) || !isFloat(weight)) {
				floatNode(n, index, "its weights '" + weight + "' are computed at run time, not stored in the model");
				return;
			}
			TensorSpec w = spec.weightsFor(n);
			String note = "";
			if (w.granularity() == Granularity.PER_GROUP) {
				note = "; per-group granularity has no ONNX Runtime integer kernel, per-channel used";
			}
			if (n.opType().equals("ConvTranspose") && n.intAttribute("group", 1) != 1 && w.granularity() != Granularity.PER_TENSOR) {
				note = "; grouped ConvTranspose weights are quantized per tensor";
			}
			if (n.opType().equals("MatMul") && constant(weight).dims().length > 2 && w.granularity() != Granularity.PER_TENSOR) {
				note += "; weights of rank " + constant(weight).dims().length + " are quantized per tensor (ONNX Runtime runs no per-channel batched weights)";
			}
			if (n.opType().equals("MatMul")) {
				Node add = biasAdd(n);
				if (add != null) {
					biasAdds.put(n, add);
					note += "; the Add after it is its bias";
				}
			}
			String slowDepthwise = a.precision().bits() == 8 ? OpRules.slowDepthwiseFact(n) : null;
			if (slowDepthwise != null) { // int8 is not slower without saying so (OpRules.SLOW_DEPTHWISE_TAPS)
				note += "; slower than float: " + slowDepthwise + "; kept integer all the same, since float with its QuantizeLinear/DequantizeLinear"
						+ " and layout changes ran no faster in whole models (ConvMixer at par, the zoo MobileNetV3 1.35x slower)";
			}
			if (roundedAtLoad(n)) { // int8 weights and int32 bias in the file (materialize), computed in float as the user asked
				kinds.put(n, Kind.WEIGHTED);
				record(new Decision(index, n, false, anyway.get(n), null, null));
				return;
			}
			String stem = floatStem(n, a);
			if (stem != null) { // written in QDQ form all the same (materialize): a float record of the Conv ONNX Runtime computes in float
				kinds.put(n, Kind.WEIGHTED);
				record(new Decision(index, n, false, anyway.getOrDefault(n, "") + FLOAT_STEM + stem, null, null));
				return;
			}
			String afterFloat = floatFedStem(n, a);
			if (afterFloat != null) { // no Q/DQ at all: a float Conv with its float weights inside the float island
				floatNode(n, index, FLOAT_STEM + afterFloat);
				return;
			}
			String intoFloatLoop = stemPooledIntoFloatOps(n, a);
			if (intoFloatLoop != null) { // its float weights: no QuantizeLinear after it, so ONNX Runtime leaves them float and runs it NCHWc
				floatNode(n, index, FLOAT_STEM + intoFloatLoop);
				return;
			}
			quantized(n, index, Kind.WEIGHTED, w, a, kernelPrefix(n, rule, a, w) + rule.kernelText(a.precision()) + note);
		}

		/**
		 * Why {@code n} is a one-channel stem that reads the integer model input's codes and is computed in float
		 * ({@link OpRules#oneChannelStem}), or null: a reader of a model input whose I/O type differs from the
		 * activations' 8-bit type that no other integer op reads (a float op beside it, stn's GridSample, reads the same
		 * DequantizeLinear: stn's 5x5 1 → 8 QLinearConv took 735-797 µs per batch of 64 against the float Conv's 446), whose
		 * output (or its activation's) only Convs read. The float Conv writes channel-first
		 * codes, which ONNX Runtime transposes for the channel-last QLinearConv after it; any other reader makes it transpose
		 * back and forth. Measured so (tests/data/wild/README.md, islands and speed15): a residual Add reading the stem's
		 * activation (the zoo's resnet and mobilenetv2) cost three or four Transposes of the stem's output, 2-7 ms per batch
		 * of 64 at two threads, more than the QLinearConv's excess (resnet's int8 0.80x, mobilenetv2's 0.81x as fast as with
		 * the stem integer; speed15's rule admitted Adds and was reverted for it); a MaxPool (bspc_gap) ran channel-first
		 * between Transposes where after the QLinearConv it ran NhwcMaxPool; ViT's patch Conv → Reshape lost too. Read by
		 * Convs only, one Transpose: round 15's hyper and typed ran 2.05x and 1.54x as fast at two threads (batch 64).
		 */
		String floatStem(Node n, TensorSpec a) {
			String x = n.input(0);
			if (!stemOnInt8Input(n, a)) {
				return null;
			}
			boolean island = OneChannelInput.island(g, x, Planner::alwaysFloat); // a float pool path beside it reads the same DequantizeLinear
			if (intoIsland.containsKey(n)) {
				return intoIsland.get(n);
			}
			if (!island && feedsFloatIsland(n)) {
				return OpRules.oneChannelStemIntoFloatIsland(n);
			}
			Set<String> allowed = island ? ISLAND_STEM_READERS : STEM_READERS;
			List<Node> silu = SiluReaders.of(g, n.output(0));
			String beforeSilu = island || silu.isEmpty() ? null : OpRules.oneChannelStemBeforeSilu(n, silu);
			if (beforeSilu != null) {
				return beforeSilu;
			}
			List<Node> readers = consumers.getOrDefault(n.output(0), List.of());
			if (readers.size() == 1 && readers.get(0).outputs().size() == 1 && !allowed.contains(readers.get(0).opType())) {
				Node activation = readers.get(0);
				readers = consumers.getOrDefault(activation.output(0), List.of()); // through its activation
				if (!island && foldsIntoOutputCodes(activation, a) && !readers.isEmpty() && readers.stream().allMatch(Planner::readsDequantized)) {
					return OpRules.oneChannelStemBeforeFloatOps(n, activation);
				}
			}
			if (readers.isEmpty() || !readers.stream().allMatch(r -> allowed.contains(r.opType()))) {
				return pooledForConvs(readers) ? OpRules.oneChannelStemBeforePool(n) : null;
			}
			return island ? OpRules.oneChannelStemBesidePool(n) : OpRules.oneChannelStem(n);
		}

		/**
		 * The one-channel stem that {@code n}, a per-tensor scale or shift of the 8-bit model input ({@link ScaledStemInput}), is
		 * computed in float for, or null: the input's codes are of another type than the stem's activations (fiq-int8), as
		 * {@link #floatStem} asks, and the stem is not left to ONNX Runtime's fusion by an option (it may be excluded: then the
		 * chain's float input is what keeps it float).
		 */
		Node scaledStem(Node n) {
			Node stem = branch ? null : ScaledStemInput.stemOf(g, n);
			return stem != null && inputCodesDiffer(spec, spec.activationsFor(stem)) && !anyway.containsKey(stem) ? stem : null;
		}

		/**
		 * Why {@code n}, a one-channel Conv that alone reads a model input, stays float with its float weights, or null: its output
		 * (or its activation's, that activation its only reader) is read by one 2-D MaxPool whose output only ops that compute in
		 * float read, a float Loop or Scan among them (round 22's loopconv: stem → Relu → MaxPool → a Loop whose body holds its
		 * Conv). No integer op gains from its codes; as a QLinearConv it took 30.5 ms per batch of 64 against 3.9 in float.
		 * Written with int8 weights after a DequantizeLinear ({@link #floatStem}'s form) ONNX Runtime runs it as a plain Conv,
		 * not its NCHWc one (1.29x fp32's CPU time against 1.06x with float weights, one thread, batch 64); with no QuantizeLinear
		 * after it, its WeightBiasQuantization leaves the float weights as they are (LoadRewrites: no output value differs).
		 */
		String stemPooledIntoFloatOps(Node n, TensorSpec a) {
			String x = n.input(0);
			if (branch || a.precision().bits() != 8 || !graphInputs.contains(x) || !consumers.getOrDefault(x, List.of()).equals(List.of(n))
					|| graphOutputs.contains(n.output(0))) {
				return null;
			}
			List<Node> readers = consumers.getOrDefault(n.output(0), List.of());
			if (readers.size() == 1 && readers.get(0).outputs().size() == 1 && !readers.get(0).opType().equals("MaxPool")
					&& OpRules.is(readers.get(0), Form.CLAMP) && !graphOutputs.contains(readers.get(0).output(0))) {
				readers = consumers.getOrDefault(readers.get(0).output(0), List.of()); // through its Relu
			}
			if (readers.size() != 1 || !readers.get(0).opType().equals("MaxPool") || readers.get(0).outputs().size() != 1
					|| readers.get(0).intsAttribute("kernel_shape").size() != 2 || graphOutputs.contains(readers.get(0).output(0))) {
				return null;
			}
			List<Node> next = consumers.getOrDefault(readers.get(0).output(0), List.of());
			return !next.isEmpty() && next.stream().allMatch(r -> alwaysFloat(r) || r.opType().equals("Loop") || r.opType().equals("Scan"))
					? OpRules.oneChannelStemPooledIntoFloatOps(n) : null;
		}

		/**
		 * Whether only ops that compute in float whatever they read ({@link #alwaysFloat}) read {@code n}'s output, directly or
		 * through one data movement each (normnet's GroupNorm: stem Conv → Reshape → InstanceNormalization). A float stem there
		 * (floatStem) writes no QuantizeLinear: its output goes on in float into that island, which then starts at the int8
		 * input's DequantizeLinear (main's int8 normnet: QLinearConv 1 → 16, QuantizeLinear, Reshape of codes, DequantizeLinear).
		 */
		boolean feedsFloatIsland(Node n) {
			String y = n.output(0);
			List<Node> readers = consumers.getOrDefault(y, List.of());
			return !graphOutputs.contains(y) && !readers.isEmpty() && readers.stream().allMatch(r -> alwaysFloat(r) || OpRules.rearranges(r.opType())
					&& r.outputs().size() == 1 && !graphOutputs.contains(r.output(0)) && !consumers.getOrDefault(r.output(0), List.of()).isEmpty()
					&& consumers.get(r.output(0)).stream().allMatch(Planner::alwaysFloat));
		}

		/**
		 * The one-channel stems this plan left integer whose output only ops it keeps float and global pools read, each with its
		 * reason ({@link OpRules#oneChannelStemReadByFloatIsland}): integer, such a stem is a QLinearConv of one input channel whose
		 * whole [N, C, H, W] output is quantized only to be read back through a DequantizeLinear by the float ops, while the pools
		 * reduce it to one value per channel. Computed in float, it writes no QuantizeLinear: the float ops read its output as it
		 * is, and each pool computes in float, quantized after it (a [N, C, 1, 1] tensor) where an integer op reads it. Which ops
		 * stay float is known only once the island passes have run (make_unseen31's dyrelu: the Muls by the per-sample coefficients
		 * are float because their coefficient is), so the stem is decided on a finished plan, which is then made again; the stems
		 * only leave codes, so the second plan keeps those readers float (a MatMul, which may quantize a float input, is not one).
		 */
		Map<Node, String> stemsIntoIsland(List<Node> order) {
			Map<Node, String> found = new LinkedHashMap<>();
			for (Node n : order) {
				TensorSpec a = spec.activationsFor(n);
				Decision d = decided.get(n);
				if (kinds.get(n) != Kind.WEIGHTED || d == null || !d.quantized() || anyway.containsKey(n) || intoIsland.containsKey(n) || !n.opType().equals("Conv")
						|| !OpRules.oneChannelConv(n) || !stemOnInt8Input(n, a) || graphOutputs.contains(n.output(0))) {
					continue;
				}
				List<Node> readers = consumers.getOrDefault(n.output(0), List.of());
				List<Node> floatReaders = readers.stream().filter(r -> !kinds.containsKey(r) && !r.opType().equals("MatMul") && r.isStandard()).toList();
				List<Node> pools = readers.stream().filter(r -> kinds.containsKey(r) && OpRules.GLOBAL_POOLS.contains(r.opType()) && r.outputs().size() == 1
						&& spec.exclusionFor(r).isEmpty() && !anyway.containsKey(r)).toList();
				if (!floatReaders.isEmpty() && floatReaders.size() + pools.size() == readers.size()) {
					found.put(n, OpRules.oneChannelStemReadByFloatIsland(n, floatReaders, pools));
				}
			}
			return found;
		}

		/**
		 * Whether {@code n} reads the 8-bit model input of another type than the activations', which no other integer op reads
		 * ({@link #floatStem}'s condition on its input, beside a float pool path on it or not).
		 */
		boolean stemOnInt8Input(Node n, TensorSpec a) {
			String x = n.input(0);
			if (branch || !inputCodesDiffer(spec, a) || !graphInputs.contains(x)) {
				return false;
			}
			boolean island = OneChannelInput.island(g, x, Planner::alwaysFloat);
			return consumers.getOrDefault(x, List.of()).stream().allMatch(c -> c == n || alwaysFloat(c) || island && OneChannelInput.pathStart(g, c));
		}

		/**
		 * Whether {@code activation} (a Relu, or a Clip from 0, the stem's only reader) folds into the QuantizeLinear of the stem's
		 * output ({@code clamp}): then what reads it reads the stem's codes dequantized, as ONNX Runtime runs it.
		 */
		boolean foldsIntoOutputCodes(Node activation, TensorSpec a) {
			OpRule rule = OpRules.of(activation);
			return rule != null && rule.form() == OpRule.Form.CLAMP && rule.refuse(activation) == null && a.scheme() == Symmetry.ASYMMETRIC
					&& !graphOutputs.contains(activation.output(0));
		}

		/**
		 * Whether {@code n} reads a quantized tensor dequantized whatever its kernel: an {@link #alwaysFloat} op, or one its rule
		 * refuses (round 18's unpool: MaxPools that write their indices for a MaxUnpool).
		 */
		static boolean readsDequantized(Node n) {
			return alwaysFloat(n) || OpRules.of(n).refuse(n) != null;
		}

		/**
		 * Whether {@code readers} is one 2-D MaxPool whose output only Convs (and Pads on its codes) read: the classic small CNN's stem → Relu → MaxPool →
		 * Conv (round 17's psp and noisy, the fashion example). {@link NhwcMaxPool} then writes that MaxPool on the stem's codes
		 * channels-last, so that ONNX Runtime's layout Transposes cancel against the QLinearConv after it; its 8-bit NCHW
		 * MaxPool after the float Conv ran 2,500-6,700 µs per batch of 64 against 300 (noisy, one thread). A MaxPool that
		 * shares the stem's activation with a Conv (the zoo's bspc_gap) is not taken: it lost so (speed15).
		 */
		boolean pooledForConvs(List<Node> readers) {
			if (readers.size() != 1 || !readers.get(0).opType().equals("MaxPool") || readers.get(0).outputs().size() != 1
					|| readers.get(0).intsAttribute("kernel_shape").size() != 2 || readers.get(0).intAttribute("storage_order", 0) != 0) {
				return false;
			}
			List<Node> next = consumers.getOrDefault(readers.get(0).output(0), List.of());
			// a Pad on the pool's codes too: round 20's invol pads the pool's output for its nine shifts beside a 1x1 Conv
			return !next.isEmpty() && !graphOutputs.contains(readers.get(0).output(0))
					&& next.stream().allMatch(r -> STEM_READERS.contains(r.opType()) || r.opType().equals("Pad") && OpRules.of(r).refuse(r) == null);
		}

		/**
		 * The float stem whose activation {@code n} (one input, one output, the stem's only reader: specnorm's LeakyRelu) is
		 * when the stem is computed in float before one MaxPool ({@link #floatStem}, {@link #pooledForConvs}), or null. A Relu
		 * folds into the stem's QuantizeLinear ({@code clamp}); any other activation computes in float after the float Conv, so
		 * that its QuantizeLinear feeds the pool and {@link NhwcMaxPool} pools those codes channels-last.
		 */
		Node activationOfPooledStem(Node n) {
			Node stem = n.inputs().size() == 1 && n.outputs().size() == 1 ? producers.get(n.input(0)) : null;
			Decision d = stem == null ? null : decided.get(stem);
			return d != null && !d.quantized() && consumers.getOrDefault(n.input(0), List.of()).size() == 1
					&& floatStem(stem, spec.activationsFor(stem)) != null && pooledForConvs(consumers.getOrDefault(n.output(0), List.of())) ? stem : null;
		}

		/**
		 * The float one-channel stem whose SiLU's Sigmoid or Mul {@code n} is ({@link #floatStem}, {@link OpRules#oneChannelStemBeforeSilu}),
		 * or null: the SiLU then computes in float after it, where ONNX Runtime fuses it into QuickGelu.
		 */
		Node siluOfFloatStem(Node n) {
			String x = SiluReaders.inputOf(n);
			Node stem = x == null ? null : producers.get(x);
			Decision d = stem == null ? null : decided.get(stem);
			return d != null && !d.quantized() && floatStem(stem, spec.activationsFor(stem)) != null ? stem : null;
		}

		/**
		 * Whether {@code n} computes in float whatever it reads (no rule, or a FLOAT rule): as a reader of the int8 model input
		 * beside a float stem (stn's GridSample) it reads the same DequantizeLinear and wants no uint8 codes.
		 */
		static boolean alwaysFloat(Node n) {
			OpRule rule = OpRules.of(n);
			return rule == null || rule.form() == OpRule.Form.FLOAT;
		}

		/**
		 * Why {@code n} is a one-channel Conv whose only input is the output of a float op (stn's classifier stem after its
		 * GridSample) and stays in that float island with its float weights ({@link OpRules#floatFedStem}), or null. No
		 * DequantizeLinear comes before it, so ONNX Runtime's WeightBiasQuantization leaves its weights as they are.
		 */
		String floatFedStem(Node n, TensorSpec a) {
			String x = n.input(0);
			Node p = producers.get(x);
			Decision pd = p == null ? null : decided.get(p);
			if (branch || a.precision().bits() != 8 || pd == null || pd.quantized() || kinds.containsKey(p) || pd.removedByOnnxRuntime()
					|| consumers.getOrDefault(x, List.of()).size() != 1) {
				return null;
			}
			return OpRules.floatFedStem(n, p);
		}

		/**
		 * "integer Conv: " where ONNX Runtime runs the layer's integer kernel; otherwise (ConvTranspose, which has none; a
		 * 16-bit activation) {@link QuantizationResult#FLOAT_COMPUTE}: normnet's ConvTranspose was recorded "integer
		 * ConvTranspose: ONNX Runtime (CPU) has no integer ConvTranspose kernel ...", and `quantize` listed it as quantized
		 * without a word of its float compute.
		 */
		static String kernelPrefix(Node n, OpRule rule, TensorSpec a, TensorSpec weights) {
			return rule.kernel().runs(a.precision()) ? "integer " + n.opType() + ": " : QuantizationResult.floatCompute(weights == null ? null : weights.precision());
		}

		/** The Add of a constant 1-D bias that reads only this MatMul's output, which ONNX Runtime fuses with it into (Q)Gemm. */
		Node biasAdd(Node matMul) {
			String y = matMul.output(0);
			List<Node> readers = consumers.getOrDefault(y, List.of());
			if (readers.size() != 1 || graphOutputs.contains(y) || !readers.get(0).opType().equals("Add") || spec.exclusionFor(readers.get(0)).isPresent()) {
				return null;
			}
			Node add = readers.get(0);
			String b = add.input(0).equals(y) ? add.input(1) : add.input(0);
			Tensor bias = isConstant(b) && isFloat(b) ? constant(b) : null;
			Tensor w = constant(matMul.input(1));
			// 2-D weights only: the fused bias is QGemm's, a batched product's Add stays an Add of its own (QLinearAdd)
			return bias != null && w.dims().length == 2 && bias.dims().length == 1 && bias.dims()[0] == w.dims()[1] && add.inputs().size() == 2 && !add.input(0).equals(add.input(1))
					? add : null;
		}

		void compute(Node n, int index, OpRule rule, TensorSpec a) {
			List<String> data = dataInputs(n);
			for (String in : n.inputs()) {
				if (!in.isEmpty() && !isFloat(in) && !isConstant(in) && !n.opType().equals("Where")) {
					floatNode(n, index, "input '" + in + "' is not a float tensor");
					return;
				}
			}
			if (data.isEmpty()) {
				floatNode(n, index, "its inputs are not quantized, so the " + n.opType() + " stays float");
				return;
			}
			// a MatMul of two activations is worth a QuantizeLinear on one float input (its MACs), a Softmax of masked scores one on
			// its input (MaskedScores: the float one computes denormals); other ops stay in the float island
			boolean matMul = n.opType().equals("MatMul");
			boolean masked = a.precision().bits() == 8 && MaskedScores.mask(n) != null;
			for (String in : data) {
				if (!available(in) && !masked && (!matMul || data.stream().noneMatch(this::available))) {
					floatNode(n, index, inputFloatReason(n, in));
					return;
				}
			}
			quantized(n, index, Kind.COMPUTE, null, a, kernelPrefix(n, rule, a, null) + rule.kernelText(a.precision()) + (masked ? ": " + MaskedScores.reason(n) : ""));
		}

		void clamp(Node n, int index, OpRule rule) {
			String x = n.input(0);
			Node producer = producers.get(x);
			Kind pk = producer == null ? null : kinds.get(producer);
			boolean absorbable = rule.refuse(n) == null && (pk == Kind.WEIGHTED || pk == Kind.COMPUTE || pk == Kind.BIAS_ADD) && !graphOutputs.contains(x)
					&& consumers.getOrDefault(x, List.of()).size() == 1 && spec.activationsFor(producer).scheme() == Symmetry.ASYMMETRIC
					&& !clamps.containsValue(producer);
			if (absorbable && roundedAtLoad(producer)) {
				absorbable = false; // its output stays float, as the user asked: the Relu computes in float (or ReluQuantFusion removes it)
			}
			if (absorbable && !decided.get(producer).quantized()) { // a stem computed in float (floatStem): no integer output to fuse into
				clamps.put(n, producer);
				kinds.put(n, Kind.CLAMP);
				record(new Decision(index, n, false, FLOAT_STEM + "folded into the output quantization of '" + producer.name() + "', a stem computed in"
						+ " float: its QuantizeLinear, zero point at the range's minimum 0, clamps like the " + n.opType() + " (no " + n.opType() + " runs)", null, null));
				return;
			}
			if (absorbable) {
				clamps.put(n, producer);
				quantized(n, index, Kind.CLAMP, null, spec.activationsFor(producer), "fused into the integer output of '" + producer.name()
						+ "': quantizing with zero point at the range's minimum 0 clamps like the " + n.opType());
				return;
			}
			String why = rule.refuse(n);
			floatNode(n, index, why != null ? why : n.opType() + " has no integer kernel in ONNX Runtime and cannot be folded into the op before it"
					+ (producer == null || pk == null ? " (a float op)" : " (it has several readers or a symmetric range)") + ": it runs in float");
		}

		void codes(Node n, int index, OpRule rule, TensorSpec a) {
			String x = n.input(0);
			boolean table = isConstant(x) && isFloat(x) && n.opType().equals("Gather");
			if (isFloat(x) && !table && !available(x) && quantizesBefore(n)) {
				quantized(n, index, Kind.CODES, null, a, "moves integer codes: its integer reader quantizes the data anyway, so the QuantizeLinear"
						+ " comes before it (the same number of values) and it moves " + a.precision().literal() + " codes instead of floats");
				return;
			}
			if (isFloat(x) && !table && !available(x) && a.precision().bits() == 8 && poolsBeforeIntegerReader(n)) {
				quantized(n, index, Kind.CODES, null, a, "pools integer codes: its integer reader quantizes the data anyway, and ONNX Runtime moves"
						+ " that QuantizeLinear before a MaxPool (quantization is monotonic) and pools the codes; so the QuantizeLinear comes before it");
				return;
			}
			if (!isFloat(x) || !table && !available(x)) {
				floatNode(n, index, isFloat(x) ? inputFloatReason(n, x) : "its input '" + x + "' is not a float tensor");
				return;
			}
			quantized(n, index, Kind.CODES, null, a, table ? "reads a constant table stored as integer codes; its output reuses their scale and zero point"
					: "moves integer codes; its output reuses the input's scale and zero point" + (a.precision().bits() == 8 ? ""
							: " (ONNX Runtime moves 8-bit codes only: with " + a.precision().literal() + " it runs between DequantizeLinear and QuantizeLinear)"));
		}

		/**
		 * The LayerNormalization (over the last axis, constant scale) that reads this Add's sum of two 3-D tensors, or of a
		 * 3-D tensor and a constant: the pre-norm residual that {@link SkipLayerNormFusion} writes with it as one float
		 * SkipLayerNormalization, provided the sum is not quantized. Null for any other node. Before, the ViTs' residual sums
		 * stayed float only because their stream began at a float Concat (the class token); folded into a Pad of codes,
		 * every residual Add became a QLinearAdd and no SkipLayerNormalization was written (torchvision ViT: 7 % slower).
		 */
		Node residualBeforeLayerNorm(Node n) {
			if (!n.opType().equals("Add") || n.inputs().size() != 2 || graphOutputs.contains(n.output(0)) || isConstant(n.input(0)) && isConstant(n.input(1))) {
				return null;
			}
			for (String in : n.inputs()) {
				TensorInfo info = types.get(in);
				Tensor c = constant(in);
				int rank = c != null ? c.dims().length : info == null || info.shape() == null ? -1 : info.shape().size();
				if (rank != 3 && !(c != null && rank == 2)) {
					return null;
				}
			}
			for (Node c : consumers.getOrDefault(n.output(0), List.of())) {
				long axis = c.intAttribute("axis", -1);
				if (c.opType().equals("LayerNormalization") && c.isStandard() && c.input(0).equals(n.output(0)) && (axis == -1 || axis == 2)) {
					return isConstant(c.input(1)) ? c : null;
				}
			}
			return null;
		}

		/**
		 * Whether the QuantizeLinear an integer reader puts on this op's output can come before the op instead: the op only
		 * rearranges its input (as many values out as in, so the QuantizeLinear does the same work), its float input has no
		 * other reader and is no graph output (no float reader would see dequantized values), and a Conv/MatMul/Gemm (as its
		 * data input) or a computing op decided integer reads its output. The ViT's Transpose after each LayerNormalization:
		 * LayerNormalization → QuantizeLinear → Transpose on int8 codes → QLinearMatMul, instead of a float Transpose.
		 */
		boolean quantizesBefore(Node n) {
			return OpRules.rearranges(n.opType()) && n.outputs().size() == 1 && integerReaderQuantizes(n);
		}

		/**
		 * Whether {@code n}'s input and output are no graph outputs, its input has one reader and a producer, and an integer op
		 * decided so far (a Conv/MatMul by its data input, or a computing op) reads its output.
		 */
		private boolean integerReaderQuantizes(Node n) {
			return readsAlone(n) && !graphOutputs.contains(n.output(0)) && consumers.getOrDefault(n.output(0), List.of()).stream()
					.anyMatch(c -> kinds.get(c) == Kind.WEIGHTED && c.input(0).equals(n.output(0)) || kinds.get(c) == Kind.COMPUTE);
		}

		/** Whether {@code n} alone reads its input, which an op makes and which is no graph output. */
		private boolean readsAlone(Node n) {
			String x = n.input(0);
			return !graphOutputs.contains(x) && consumers.getOrDefault(x, List.of()).size() == 1 && producers.get(x) != null;
		}

		/**
		 * {@link #quantizesBefore} for a MaxPool, which is not size-preserving: ONNX Runtime moves the QuantizeLinear an
		 * integer reader puts after a float MaxPool back before it and pools the codes (the example CNN's first MaxPool
		 * with --float-slow-kernels ran as an 8-bit NCHW MaxPool while the log said float32), so the plan writes it so. The
		 * integer reader may read it through one op that rearranges the codes: round 22's loopconv, Loop → MaxPool → Flatten →
		 * Gemm, whose pool ONNX Runtime ran on NCHW codes (16.8 ms per batch of 64 against 2.5 in float) while the log said float;
		 * planned on codes, {@link NhwcMaxPool} writes it channels-last.
		 */
		boolean poolsBeforeIntegerReader(Node n) {
			if (!n.opType().equals("MaxPool") || !n.outputs().stream().skip(1).allMatch(String::isEmpty)) {
				return false;
			}
			List<Node> readers = consumers.getOrDefault(n.output(0), List.of());
			return integerReaderQuantizes(n) || readsAlone(n) && readers.size() == 1 && quantizesBefore(readers.get(0));
		}

		void recurrent(Node n, int index, OpRule rule) {
			TensorSpec w = spec.weightsFor(n);
			if (w.precision() != QuantType.INT8) {
				floatNode(n, index, rule.kernel().note().replace("int8", w.precision().literal()) + "; only int8 weights are stored for it, asked: "
						+ w.precision().literal());
				return;
			}
			if (rule.drq().form() == OpRule.DrqForm.DYNAMIC && rule.drq().dynamicFaster(n)) {
				plan.dynamicRecurrent.add(n);
				record(new Decision(index, n, true, "ONNX Runtime has no QDQ form of " + n.opType() + ": " + rule.drq().kernel()
						+ ", int8 weights and its input quantized at run time (" + rule.drq().measured() + ")", w, null));
				return;
			}
			for (OpRule.WeightInput wi : rule.weights()) {
				int axis = w.granularity() == Granularity.PER_TENSOR ? -1 : wi.axisOf(n, constant(n.input(wi.input())).dims().length);
				plan.storedWeights.add(new StoredWeight(n.input(wi.input()), n, wi.input(), axis, w));
			}
			record(new Decision(index, n, false, rule.kernel().note(), w, null));
		}

		String rescaleReason(Node n) {
			return n.opType() + " by the constant " + (n.opType().equals("Div") ? "1/" + (1 / OpRules.rescaleFactor(n)) : OpRules.rescaleFactor(n))
					+ ": the same integer codes with the scale multiplied, no node runs";
		}

		String inputFloatReason(Node n, String in) {
			Node p = producers.get(in);
			if (p == null && isConstant(in)) { // make_unseen25's detr: its learned queries, a stored tensor Expanded to the batch
				return "its input '" + in + "' is a stored float tensor, not the output of an integer op: the " + n.opType()
						+ " runs in float on it (no QuantizeLinear/DequantizeLinear hop)";
			}
			return "its input '" + in + "' comes from " + (p == null ? "outside" : "the float " + p.opType() + " '" + p.name() + "'")
					+ ": the " + n.opType() + " stays in that float island (no QuantizeLinear/DequantizeLinear hop)";
		}

		String kernelNote(TensorSpec a) {
			return a.precision().bits() == 8 ? "" : " (ONNX Runtime runs 16-bit QDQ in float)";
		}

		void floatNode(Node n, int index, String reason) {
			record(new Decision(index, n, false, reason, null, null));
		}

		void quantized(Node n, int index, Kind kind, TensorSpec w, TensorSpec a, String reason) {
			kinds.put(n, kind);
			reason = anyway.getOrDefault(n, "") + reason;
			Range forced = forcedRange(n);
			record(new Decision(index, n, true, reason + (forced != null ? "; output range fixed by the recipe to " + forced : ""), w, a));
		}

		void record(Decision d) {
			decided.put(d.node(), d);
		}

		// ------------------------------------------------------------------ facts about tensors

		/** Whether no input and no output of {@code n} is (or may be) a float tensor. */
		boolean onlyBoolsOrIntegers(Node n) {
			return !n.inputs().isEmpty() && n.inputs().stream().noneMatch(t -> !t.isEmpty() && isFloat(t)) && n.outputs().stream().noneMatch(this::isFloat);
		}

		/** Reads tensors, none of them float (its outputs may be: a Cast of integers to float). */
		/** Writes only tensors of a known type other than float: bools or integers. */
		boolean writesNoFloat(Node n) {
			return !n.outputs().isEmpty() && n.outputs().stream().noneMatch(t -> t.isEmpty() || isFloat(t));
		}

		boolean readsNoFloat(Node n) {
			return !n.inputs().isEmpty() && n.inputs().stream().noneMatch(t -> !t.isEmpty() && isFloat(t));
		}

		boolean isFloat(String tensor) {
			if (tensor.isEmpty()) {
				return false;
			}
			Tensor c = constant(tensor);
			if (c != null) {
				return c.dataType() == DataType.FLOAT;
			}
			TensorInfo info = types.get(tensor);
			return info == null || info.type() == DataType.FLOAT || info.type() == DataType.UNDEFINED;
		}

		boolean isConstant(String tensor) {
			return constant(tensor) != null;
		}

		/**
		 * Whether integer codes of {@code tensor} exist or can: a graph input, the output of a node decided integer, or a
		 * float op's output that a Conv/MatMul/Add... decided integer reads (it is quantized for that reader, and the
		 * writer's DequantizeLinear then feeds every reader: an op that moves codes would run on them in ONNX Runtime).
		 */
		boolean available(String tensor) {
			if (graphInputs.contains(tensor)) {
				return isFloat(tensor);
			}
			Node p = producers.get(tensor);
			if (p != null && intoIsland.containsKey(p)) {
				return false; // a stem computed in float for the float island that reads it: its output is not quantized
			}
			if (p != null && kinds.containsKey(p)) {
				return true;
			}
			return p != null && isFloat(tensor) && consumers.getOrDefault(tensor, List.of()).stream()
					.anyMatch(c -> kinds.get(c) == Kind.WEIGHTED && c.input(0).equals(tensor) || kinds.get(c) == Kind.COMPUTE);
		}

		/** The input a Mul/Div by a constant scales. */
		String rescaled(Node n) {
			return isConstant(n.input(0)) ? n.input(1) : n.input(0);
		}

		/** The float, non-constant inputs of a computing node (Where's condition is not one). */
		List<String> dataInputs(Node n) {
			List<String> data = new ArrayList<>();
			for (String in : n.inputs()) {
				if (!in.isEmpty() && isFloat(in) && !isConstant(in)) {
					data.add(in);
				}
			}
			return data;
		}

		/**
		 * Whether {@code tensor} gets a QuantizeLinear whoever reads it: a model input, or the output of an op
		 * whose integer kernel needs it (all but a MatMul/Gemm, which can end in float, and ops that only pass codes on).
		 */
		boolean quantizedAnyway(String tensor) {
			if (graphInputs.contains(tensor)) {
				return true;
			}
			Node p = producers.get(tensor);
			Kind k = p == null ? null : kinds.get(p);
			if (k == Kind.WEIGHTED && (feedsFloatIsland(p) || intoIsland.containsKey(p)) && floatStem(p, spec.activationsFor(p)) != null) {
				return false; // a float stem into a float island: its output is quantized only for an integer reader (none)
			}
			if (k == null || k == Kind.CODES || k == Kind.RESCALE || k == Kind.BIAS_ADD) {
				return k == Kind.CODES && quantizedAnyway(p.input(0));
			}
			return !p.opType().equals("MatMul") && !p.opType().equals("Gemm");
		}

		/** Whether a node decided integer reads {@code tensor}'s codes, or the model's integer output is it. */
		boolean readAsCodes(String tensor) {
			if (graphOutputs.contains(tensor) && spec.io() != QuantizationSpec.IoType.FLOAT32 && !branch) {
				return true;
			}
			for (Node c : consumers.getOrDefault(tensor, List.of())) {
				Kind k = kinds.get(c);
				if (k != null && k != Kind.BIAS_ADD) {
					return true;
				}
			}
			return false;
		}

		// ------------------------------------------------------------------ materializing

		void materialize(Node n, Kind k) {
			TensorSpec a = spec.activationsFor(n);
			switch (k) {
			case WEIGHTED -> {
				String x = n.input(0);
				if (floatStem(n, a) != null || roundedAtLoad(n)) { // the input's codes as the model holds them: no requantization to the activations' type
					plan.activations.putIfAbsent(x, new Activation(x, new TensorSpec(spec.io().quantType(), a.scheme(), a.granularity()), null, ""));
				} else {
					markActivation(x, a);
				}
				OpRule rule = OpRules.of(n);
				TensorSpec w = spec.weightsFor(n);
				Tensor wt = constant(n.input(1));
				int axis = w.granularity() == Granularity.PER_TENSOR ? -1 : rule.weight().axisOf(n, wt.dims().length);
				plan.weights.add(new Weight(n.input(1), n, 1, axis, w));
				Node add = biasAdds.get(n);
				if (add != null) {
					int bi = add.input(0).equals(n.output(0)) ? 1 : 0;
					plan.biases.add(new Bias(add.input(bi), add, bi, x, n, n.input(1)));
				} else if (rule.bias() >= 0 && n.inputs().size() > rule.bias()) {
					String bias = n.input(rule.bias());
					boolean gemmBeta = !n.opType().equals("Gemm") || n.floatAttribute("beta", 1f) == 1f;
					if (!bias.isEmpty() && isConstant(bias) && isFloat(bias) && constant(bias).dims().length == 1 && gemmBeta) {
						plan.biases.add(new Bias(bias, n, rule.bias(), x, n, n.input(1)));
					}
				}
				boolean floatOutput = rule.kernel().floatOutput() && add == null;
				if (roundedAtLoad(n) || floatStem(n, a) != null) { // computed in float: its output quantized for integer readers only
					if (needsCodes(n.output(0))) {
						outputs(n, a);
					}
				} else if (!floatOutput) {
					if (add == null) {
						outputs(n, a);
					}
				} else if (needsCodes(n.output(0))) {
					outputs(n, a);
				} else if (addedToActivation(n)) {
					outputs(n, a);
					note(n, "; only a float Add of another activation reads it: its output is quantized all the same, since ONNX Runtime would"
							+ " otherwise fuse the MatMul and that Add into one float Gemm on dequantized weights (MatMulAddFusion)");
				} else {
					note(n, "; only float ops read its output, so it ends in float (" + (n.opType().equals("Gemm") ? "QGemm" : "MatMulIntegerToFloat") + ")");
				}
			}
			case BIAS_ADD -> {
				if (needsCodes(n.output(0))) {
					outputs(n, a);
				} else {
					note(n, "; only float ops read the result, so it ends in float (no QuantizeLinear after it)");
				}
			}
			case COMPUTE -> {
				for (int i = 0; i < n.inputs().size(); i++) {
					String in = n.input(i);
					if (in.isEmpty() || !isFloat(in)) {
						continue;
					}
					if (isConstant(in)) {
						plan.weights.add(new Weight(in, n, i, -1, new TensorSpec(a.precision(), a.scheme(), Granularity.PER_TENSOR)));
					} else {
						markActivation(in, a);
					}
				}
				if (!n.opType().equals("MatMul") || needsCodes(n.output(0))) {
					outputs(n, a);
				} else {
					note(n, "; only float ops read its output, so it ends in float (MatMulIntegerToFloat)");
				}
			}
			case CLAMP -> {
				Node producer = clamps.get(n);
				String x = n.input(0);
				Activation before = plan.activations.remove(x);
				plan.fused.add(new FusedActivation(n, producer));
				String y = n.output(0);
				Range forced = anyway.containsKey(n) ? null : spec.overrideFor(n).map(QuantizationSpec.Override::outputRange).orElse(before == null ? null : before.forcedRange());
				TensorSpec s = before != null ? before.spec() : spec.activationsFor(producer);
				plan.activations.put(y, new Activation(y, s, forced, n.name()));
			}
			case RESCALE -> {
				String x = rescaled(n);
				markActivation(x, a);
				String y = n.output(0);
				plan.activations.put(y, new Activation(y, plan.activations.get(x).spec(), null, n.name()));
				plan.sharesWith.put(y, x);
				plan.factors.put(y, OpRules.rescaleFactor(n));
				plan.rescales.add(new Rescale(n, x, y, OpRules.rescaleFactor(n)));
			}
			case CODES -> {
				String x = n.input(0);
				if (isConstant(x)) { // a constant table (embeddings): stored as codes of its own range, its output quantized alike
					TensorSpec s = new TensorSpec(a.precision(), Symmetry.ASYMMETRIC, Granularity.PER_TENSOR);
					plan.weights.add(new Weight(x, n, 0, -1, s));
					String y = n.output(0);
					plan.activations.put(y, new Activation(y, s, QuantMath.range(constant(x).toFloatArray()), n.name()));
					break;
				}
				markActivation(x, a);
				TensorSpec inputSpec = plan.activations.get(x).spec();
				for (String y : n.outputs()) {
					if (!y.isEmpty()) {
						plan.activations.put(y, new Activation(y, inputSpec, null, n.name()));
						plan.sharesWith.put(y, x);
					}
				}
			}
			case LOWERED -> {
				String x = n.input(0);
				markActivation(x, a);
				String y = n.output(0);
				boolean swish = n.opType().equals("HardSwish");
				float alpha = swish ? 1f / 6 : n.floatAttribute("alpha", 0.2f);
				float beta = swish ? 0.5f : n.floatAttribute("beta", 0.5f);
				String clamped = swish ? g.uniqueName(y + "_hardsigmoid", new HashSet<>(g.tensorNames())) : y;
				TensorSpec s = new TensorSpec(a.precision(), Symmetry.ASYMMETRIC, Granularity.PER_TENSOR);
				plan.activations.put(clamped, new Activation(clamped, s, UNIT, n.name()));
				if (swish) {
					plan.added.add(clamped);
				}
				if (swish) {
					Range forced = spec.overrideFor(n).map(QuantizationSpec.Override::outputRange).orElse(null);
					plan.activations.put(y, new Activation(y, a, forced, n.name()));
				}
				plan.lowerings.add(new Lowering(n, x, y, alpha, beta, clamped));
			}
			}
		}

		/** A float Conv written with the int8 weights ONNX Runtime would round its float ones to ({@link #weightsRoundedByOnnxRuntime(Node, TensorSpec)}). */
		boolean roundedAtLoad(Node n) {
			return anyway.getOrDefault(n, "").contains(WEIGHTS_ROUNDED_AT_LOAD);
		}

		/**
		 * A MatMul whose one reader is an Add of another activation: left to end in float, ONNX Runtime 1.29's MatMulAddFusion
		 * (which runs before the QDQ fusions) makes the MatMul and the Add one float Gemm, its weights dequantized at every run,
		 * instead of MatMulIntegerToFloat. Round 19's lista (z = We·y + S·x, three times): that form ran at 1.16-1.25x fp32's CPU
		 * time, with a QuantizeLinear → DequantizeLinear after each MatMul (a QLinearMatMul) at 0.73-0.77x.
		 */
		boolean addedToActivation(Node n) {
			List<Node> readers = consumers.getOrDefault(n.output(0), List.of());
			if (!n.opType().equals("MatMul") || readers.size() != 1 || !readers.get(0).opType().equals("Add") || graphOutputs.contains(n.output(0))) {
				return false;
			}
			return readers.get(0).inputs().stream().anyMatch(t -> !t.equals(n.output(0)) && !t.isEmpty() && !isConstant(t));
		}

		/** Whether some integer op reads {@code tensor}'s codes (directly, or through a fused Relu/Clip), or it is an integer output. */
		boolean needsCodes(String tensor) {
			return readAsCodes(tensor);
		}

		void note(Node n, String text) {
			Decision d = decided.get(n);
			decided.put(n, new Decision(d.layerIndex(), n, d.quantized(), d.reason() + text, d.weights(), d.activations()));
		}

		/**
		 * The output range the recipe fixes for {@code n}; none for a node the recipe excluded that ONNX Runtime quantizes all the
		 * same: ONNX Runtime takes the range of the QuantizeLinear its result reaches, which calibration sets (recovery excluded a
		 * Conv whose fixed range broke the model, and ONNX Runtime ran it on the calibrated one).
		 */
		Range forcedRange(Node n) {
			return anyway.containsKey(n) ? null : spec.overrideFor(n).map(QuantizationSpec.Override::outputRange).orElse(null);
		}

		/** The node's float outputs get Q/DQ pairs with its activation settings. */
		void outputs(Node n, TensorSpec a) {
			Range forced = forcedRange(n);
			for (String y : n.outputs()) {
				if (!y.isEmpty() && isFloat(y)) {
					plan.activations.put(y, new Activation(y, a, forced, n.name()));
				}
			}
		}

		/**
		 * With integer I/O, a model output that a float op writes (an If, whose branches end in float; an op without
		 * an integer kernel) is quantized after that op, so the model's outputs are of the scheme's I/O type as the
		 * trace and the logs say. Quantized in the I/O type itself, as {@link #integerInputsOfFloatOps} does: written in the
		 * activations' type and requantized (int8 I/O over uint8 activations), the float op sat between a uint8
		 * DequantizeLinear and a uint8 QuantizeLinear, which ONNX Runtime fuses with it: the zoo resnet's last Gemm, excluded
		 * by a recovery trial, ran as QGemm on weights rounded at load while its record and the trial said float (verify: 13
		 * mismatches on an honest run, assessor17).
		 */
		void integerOutputsOfFloatOps() {
			if (branch || spec.io() == QuantizationSpec.IoType.FLOAT32) {
				return;
			}
			for (var v : g.outputs()) {
				String y = v.getName();
				Node p = producers.get(y);
				if (p != null && isFloat(y) && !plan.activations.containsKey(y)) {
					TensorSpec a = spec.activationsFor(p);
					plan.activations.put(y, new Activation(y, new TensorSpec(spec.io().quantType(), a.scheme(), a.granularity()), null, p.name()));
				}
			}
		}

		/**
		 * With integer I/O, a float model input that only float ops read (a first layer left float) is quantized at the
		 * model's edge all the same and dequantized for them, so the model's inputs are of the scheme's I/O type as the
		 * trace and the logs say. Quantized in the I/O type itself: no integer op reads it, so a requantization to the
		 * activations' type (int8 input, uint8 activations) would be a QuantizeLinear/DequantizeLinear hop that changes
		 * nothing, and a second "input" tensor in the logs' per-tensor tables.
		 */
		void integerInputsOfFloatOps() {
			if (branch || spec.io() == QuantizationSpec.IoType.FLOAT32) {
				return;
			}
			TensorSpec a = spec.activations();
			TensorSpec edge = new TensorSpec(spec.io().quantType(), a.scheme(), a.granularity());
			for (var v : g.runtimeInputs()) {
				String x = v.getName();
				if (isFloat(x) && !plan.activations.containsKey(x) && consumers.containsKey(x) && !floatInputs.containsKey(x)) {
					plan.activations.put(x, new Activation(x, edge, null, ""));
				}
			}
		}

		/**
		 * A node kept float because its integer kernel is slower ({@link OpRules#keptFloat}: AveragePool, Softmax) whose
		 * every data input is quantized (for an integer op beside it, or as codes) and whose every output an integer op
		 * reads sits between a DequantizeLinear and a QuantizeLinear: ONNX Runtime fuses that group into the integer kernel
		 * whatever the plan says (GoogLeNet's auxiliary head, AveragePool between two Convs, ran as QLinearAveragePool while
		 * the trace said float). The decision says what runs.
		 * <p>
		 * So does a node the recipe excludes (its exclusion or the command line's {@code --exclude}) there: between two integer
		 * ops its input and its output are quantized for them, and ONNX Runtime fuses the group all the same (an excluded
		 * AveragePool ran as QLinearAveragePool, an excluded MaxPool on the codes, while the trace and the logs said float32;
		 * verify: 13 mismatches on the example). No writing of the group keeps ONNX Runtime from fusing it short of leaving a
		 * neighbour float, which the recipe did not ask: the record says what runs and how to keep the node float.
		 */
		void fusedAnyway(List<Node> order) {
			for (Node n : order) {
				OpRule rule = OpRules.of(n);
				TensorSpec a = spec.activationsFor(n);
				Optional<QuantizationSpec.Exclusion> excluded = spec.exclusionFor(n);
				String slower = OpRules.keptFloat(spec, n); // null without a rule too
				if (kinds.containsKey(n) || rule == null || slower == null && excluded.isEmpty() || !n.isStandard()) {
					continue;
				}
				List<String> in = dataInputs(n);
				boolean between = !in.isEmpty() && in.stream().allMatch(plan.activations::containsKey) && n.outputs().stream().allMatch(plan.activations::containsKey);
				boolean floatConstants = n.inputs().stream().anyMatch(i -> !i.isEmpty() && isConstant(i) && isFloat(i)); // no DequantizeLinear before them
				String why = excluded.map(e -> e.byWhom() + ", but ").orElse("");
				String keepFloat = " (to compute it in float, exclude the integer ops before and after it too)";
				if (rule.form() == Form.COMPUTE && rule.kernel().runs(a.precision()) && between && !floatConstants) {
					kinds.put(n, Kind.COMPUTE);
					record(new Decision(decided.get(n).layerIndex(), n, true, why + "ONNX Runtime runs it as " + rule.kernel().name() + ": both its neighbours are"
							+ " integer, so it sits between a DequantizeLinear and a QuantizeLinear, which ONNX Runtime fuses"
							+ (excluded.isPresent() ? keepFloat : " (kept float only between float ops: " + slower + ")"), null, a));
				} else if (excluded.isPresent() && rule.form() == Form.CODES && a.precision().bits() == 8 && n.outputs().size() == 1 && !isConstant(n.input(0))
						&& isFloat(n.input(0)) && plan.activations.containsKey(n.output(0)) && (plan.activations.containsKey(n.input(0)) || poolsBeforeIntegerReader(n))) {
					kinds.put(n, Kind.CODES);
					materialize(n, Kind.CODES); // its output shares its input's scale and zero point: the op reads the codes
					record(new Decision(decided.get(n).layerIndex(), n, true, why + "it moves integer codes in ONNX Runtime: the integer ops beside it quantize"
							+ " its input and its output, and ONNX Runtime drops the DequantizeLinear/QuantizeLinear pair around " + n.opType()
							+ (n.opType().equals("MaxPool") ? " (or moves the QuantizeLinear before it)" : "") + ", so it is written on the codes" + keepFloat, null, a));
				}
			}
		}

		/** Gives a float tensor read by a quantized node a Q/DQ pair (graph inputs and float producers' outputs). */
		void markActivation(String tensor, TensorSpec a) {
			if (!plan.activations.containsKey(tensor)) {
				Node p = producers.get(tensor);
				Kind pk = p == null ? null : kinds.get(p);
				TensorSpec s = p == null ? spec.activations() : pk != null ? spec.activationsFor(p) : a;
				plan.activations.put(tensor, new Activation(tensor, s, null, p == null ? "" : p.name()));
			}
		}
	}
}
