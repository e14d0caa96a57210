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
import org.quantrace.engine.quantize.QuantizationSpec.Granularity;
import org.quantrace.engine.quantize.QuantizationSpec.Symmetry;
import org.quantrace.engine.quantize.QuantizationSpec.TensorSpec;

/**
 * Decides, before calibration, what full-integer quantization does to each node: which nodes become
 * integer, which activation tensors get a QuantizeLinear/DequantizeLinear pair (and which of them share
 * parameters), which weights and biases are stored as integers, and why every other node stays float.
 * The placement follows ONNX Runtime's QDQ fusion rules so that DQ → op → Q groups become integer kernels:
 * every quantized op's output carries a Q/DQ pair, except when a Relu/Clip that follows it takes over
 * (its range starts at 0, so the quantization itself clamps).
 */
public final class QuantizationPlan {

	/** What happens to one node of the main graph. */
	public record Decision(int layerIndex, Node node, boolean quantized, String reason, TensorSpec weights, TensorSpec activations) {
	}

	/** An activation tensor that gets a Q/DQ pair; {@code forcedRange} comes from a recipe override. */
	public record Activation(String tensor, TensorSpec spec, Range forcedRange, String producer) {
	}

	/** A constant quantized offline: a weight (per channel along {@code axis}, or -1) or a constant operand. */
	public record Weight(String tensor, Node node, int input, int axis, TensorSpec spec) {
	}

	/** A bias stored as int32 with scale = input scale × weight scale. */
	public record Bias(String tensor, Node node, String inputActivation, String weight) {
	}

	/**
	 * A Relu/Clip whose work the quantization of its producer's output does: with zero point qmin,
	 * QuantizeLinear clamps negatives to the code of 0, so the node is removed and the producer writes the
	 * activation's output directly (what ONNX Runtime's ReluQuantFusion does, here done before it has to).
	 */
	public record FusedActivation(Node activation, Node producer) {
	}

	private final List<Decision> decisions = new ArrayList<>();
	private final Map<String, Activation> activations = new LinkedHashMap<>();
	private final Map<String, String> sharesWith = new HashMap<>();
	private final List<Weight> weights = new ArrayList<>();
	private final List<Bias> biases = new ArrayList<>();
	private final List<FusedActivation> fused = new ArrayList<>();

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

	/** The tensor whose parameters {@code tensor} reuses (itself when it has its own). */
	public String root(String tensor) {
		String t = tensor;
		while (sharesWith.containsKey(t)) {
			t = sharesWith.get(t);
		}
		return t;
	}

	/** Activation tensors that need their own parameters (the roots of the sharing groups), in graph order. */
	public List<String> calibrationTensors() {
		return activations.keySet().stream().filter(t -> root(t).equals(t)).toList();
	}

	/**
	 * Plans full-integer quantization of {@code model} (main graph; nodes in subgraphs stay float).
	 *
	 * @param types element types of the model's tensors where known (from a shape probe); unknown = float
	 */
	public static QuantizationPlan fullInteger(OnnxModel model, QuantizationSpec spec, Map<String, TensorInfo> types) {
		return new Planner(model, spec, types).plan();
	}

	private static final class Planner {
		final Graph g;
		final QuantizationSpec spec;
		final Map<String, TensorInfo> types;
		final Map<String, List<Node>> consumers = new HashMap<>();
		final Map<String, Node> producers = new HashMap<>();
		final Set<String> graphInputs = new HashSet<>();
		final Set<String> graphOutputs = new HashSet<>();
		final Map<Node, Decision> decided = new HashMap<>();
		final QuantizationPlan plan = new QuantizationPlan();

		Planner(OnnxModel model, QuantizationSpec spec, Map<String, TensorInfo> types) {
			this.g = model.graph();
			this.spec = spec;
			this.types = types;
			for (Node n : g.nodes()) {
				n.inputs().forEach(i -> consumers.computeIfAbsent(i, k -> new ArrayList<>()).add(n));
				n.outputs().forEach(o -> producers.put(o, n));
			}
			g.runtimeInputs().forEach(v -> graphInputs.add(v.getName()));
			g.outputs().forEach(v -> graphOutputs.add(v.getName()));
		}

		boolean isFloat(String tensor) {
			if (tensor.isEmpty()) {
				return false;
			}
			Tensor c = g.initializer(tensor);
			if (c != null) {
				return c.dataType() == DataType.FLOAT;
			}
			TensorInfo info = types.get(tensor);
			return info == null || info.type() == DataType.FLOAT || info.type() == DataType.UNDEFINED;
		}

		boolean isConstant(String tensor) {
			return g.initializer(tensor) != null;
		}

		/** A tensor already carrying (or about to carry) a Q/DQ pair: quantized activations and graph inputs. */
		boolean inQuantizedRegion(String tensor) {
			return plan.activations.containsKey(tensor) || graphInputs.contains(tensor) || isAbsorbedOutput(tensor);
		}

		final Set<String> absorbed = new HashSet<>();

		boolean isAbsorbedOutput(String tensor) {
			return absorbed.contains(tensor);
		}

		QuantizationPlan plan() {
			int index = 0;
			for (Node n : g.topologicalOrder()) {
				if ("Constant".equals(n.opType())) {
					continue;
				}
				decide(n, index++);
			}
			return plan;
		}

		void decide(Node n, int index) {
			TensorSpec w = spec.weightsFor(n);
			TensorSpec a = spec.activationsFor(n);
			Optional<QuantizationSpec.Exclusion> excluded = spec.exclusionFor(n);
			if (excluded.isPresent()) {
				String why = excluded.get().reason();
				floatNode(n, index, why == null || why.isBlank()
						? "excluded by the recipe (" + excluded.get().kind().literal() + " " + excluded.get().pattern() + ")" : why);
				return;
			}
			if (!n.subgraphs().isEmpty()) {
				floatNode(n, index, OpRegistry.floatReason(n));
				return;
			}
			Optional<OpRegistry.Role> role = OpRegistry.role(n);
			if (role.isEmpty()) {
				floatNode(n, index, OpRegistry.floatReason(n));
				return;
			}
			switch (role.get()) {
			case WEIGHTED -> weighted(n, index, w, a);
			case SAME_SCALE -> sameScale(n, index, a);
			case ACTIVATION -> activation(n, index, a);
			case ELEMENTWISE -> elementwise(n, index, w, a);
			}
		}

		void floatNode(Node n, int index, String reason) {
			record(new Decision(index, n, false, reason, null, null));
		}

		void record(Decision d) {
			plan.decisions.add(d);
			decided.put(d.node(), d);
		}

		void weighted(Node n, int index, TensorSpec w, TensorSpec a) {
			String x = n.input(0);
			String weight = n.input(1);
			if (!isFloat(x)) {
				floatNode(n, index, "its input '" + x + "' is not a float tensor");
				return;
			}
			if (n.opType().equals("MatMul") && !isConstant(weight)) {
				elementwise(n, index, w, a); // activation x activation
				return;
			}
			if (!isConstant(weight) || !isFloat(weight)) {
				floatNode(n, index, "its weights '" + weight + "' are computed at run time, not stored in the model");
				return;
			}
			if (n.opType().equals("Gemm") && n.intAttribute("transA", 0) != 0) {
				floatNode(n, index, "Gemm with transA=1 has no integer kernel in ONNX Runtime");
				return;
			}
			Tensor wt = g.initializer(weight);
			if (n.opType().equals("MatMul") && wt.dims().length != 2) {
				floatNode(n, index, "MatMul weights of rank " + wt.dims().length + " (only 2-D weights are quantized)");
				return;
			}
			int axis = -1;
			String note = "";
			if (w.granularity() != Granularity.PER_TENSOR) {
				if (n.opType().equals("ConvTranspose") && n.intAttribute("group", 1) != 1) {
					note = "; grouped ConvTranspose weights are quantized per tensor";
				} else {
					axis = OpRegistry.channelAxis(n, wt.dims().length);
					if (w.granularity() == Granularity.PER_GROUP) {
						note = "; per-group granularity has no ONNX Runtime integer kernel, per-channel used";
					}
				}
			}
			markActivation(x, a, n);
			plan.weights.add(new Weight(weight, n, 1, axis, w));
			int b = OpRegistry.biasInput(n);
			String bias = b >= 0 ? n.input(b) : "";
			boolean gemmBeta = !n.opType().equals("Gemm") || n.floatAttribute("beta", 1f) == 1f;
			if (!bias.isEmpty() && isConstant(bias) && isFloat(bias) && g.initializer(bias).dims().length == 1 && gemmBeta) {
				plan.biases.add(new Bias(bias, n, x, weight));
			}
			quantizedOutput(n, index, w, a, "integer " + n.opType() + note);
		}

		void sameScale(Node n, int index, TensorSpec a) {
			String x = n.input(0);
			if (!isFloat(x) || !inQuantizedRegion(x)) {
				floatNode(n, index, "its input is not quantized, so the " + n.opType() + " stays float");
				return;
			}
			if (n.opType().equals("Resize") && !"nearest".equals(n.stringAttribute("mode", "nearest"))) {
				floatNode(n, index, "Resize in " + n.stringAttribute("mode", "") + " mode is not moved to integers (only nearest keeps values)");
				return;
			}
			markActivation(x, a, n);
			String y = n.output(0);
			TensorSpec inputSpec = plan.activations.get(x).spec();
			plan.activations.put(y, new Activation(y, inputSpec, null, n.name()));
			plan.sharesWith.put(y, x);
			record(new Decision(index, n, true, "moves integer data; its output reuses the input's scale and zero point", null, inputSpec));
		}

		void activation(Node n, int index, TensorSpec a) {
			String x = n.input(0);
			Node producer = producers.get(x);
			Decision pd = producer == null ? null : decided.get(producer);
			boolean clipFromZero = !n.opType().equals("Clip") || clipMinIsZero(n);
			boolean absorbable = pd != null && pd.quantized() && plan.activations.containsKey(x) && !graphOutputs.contains(x)
					&& consumers.getOrDefault(x, List.of()).size() == 1 && clipFromZero && !plan.sharesWith.containsKey(x)
					&& plan.activations.get(x).spec().scheme() == Symmetry.ASYMMETRIC
					&& OpRegistry.role(producer).filter(r -> r == OpRegistry.Role.WEIGHTED || r == OpRegistry.Role.ELEMENTWISE).isPresent();
			if (absorbable) {
				Activation before = plan.activations.remove(x);
				absorbed.add(x);
				plan.fused.add(new FusedActivation(n, producer));
				String y = n.output(0);
				Range forced = spec.overrideFor(n).map(QuantizationSpec.Override::outputRange).orElse(before.forcedRange());
				plan.activations.put(y, new Activation(y, before.spec(), forced, n.name()));
				record(new Decision(index, n, true, "fused into the integer output of '" + producer.name()
						+ "': quantizing with zero point at the range's minimum 0 clamps like the " + n.opType(), null, before.spec()));
				return;
			}
			if (!isFloat(x) || !inQuantizedRegion(x)) {
				floatNode(n, index, "its input is not quantized, so the " + n.opType() + " stays float");
				return;
			}
			markActivation(x, a, n);
			quantizedOutput(n, index, null, a, "quantized " + n.opType());
		}

		boolean clipMinIsZero(Node n) {
			String min = n.input(1);
			if (!min.isEmpty()) {
				Tensor t = g.initializer(min);
				return t != null && t.elementCount() == 1 && t.toFloatArray()[0] == 0f;
			}
			return n.attribute("min").map(attr -> attr.getF() == 0f).orElse(false);
		}

		void elementwise(Node n, int index, TensorSpec w, TensorSpec a) {
			List<String> data = new ArrayList<>();
			boolean anyQuantized = false;
			for (int i = 0; i < n.inputs().size(); i++) {
				String in = n.input(i);
				if (in.isEmpty()) {
					continue;
				}
				if (!isFloat(in)) {
					floatNode(n, index, "input '" + in + "' is not a float tensor");
					return;
				}
				if (!isConstant(in)) {
					data.add(in);
					anyQuantized |= inQuantizedRegion(in);
				}
			}
			if (data.isEmpty() || !anyQuantized) {
				floatNode(n, index, "its inputs are not quantized, so the " + n.opType() + " stays float");
				return;
			}
			for (int i = 0; i < n.inputs().size(); i++) {
				String in = n.input(i);
				if (in.isEmpty()) {
					continue;
				}
				if (isConstant(in)) {
					plan.weights.add(new Weight(in, n, i, -1, new TensorSpec(a.precision(), a.scheme(), Granularity.PER_TENSOR)));
				} else {
					markActivation(in, a, n);
				}
			}
			quantizedOutput(n, index, null, a, "integer " + n.opType());
		}

		/** Marks a node quantized and gives its outputs Q/DQ pairs. */
		void quantizedOutput(Node n, int index, TensorSpec w, TensorSpec a, String reason) {
			Range forced = spec.overrideFor(n).map(QuantizationSpec.Override::outputRange).orElse(null);
			for (String y : n.outputs()) {
				if (!y.isEmpty() && isFloat(y)) {
					plan.activations.put(y, new Activation(y, a, forced, n.name()));
				}
			}
			record(new Decision(index, n, true, reason + (forced != null ? "; output range fixed by the recipe to " + forced : ""), w, a));
		}

		/** Gives a float tensor read by a quantized node a Q/DQ pair (graph inputs and float producers' outputs). */
		void markActivation(String tensor, TensorSpec a, Node consumer) {
			if (!plan.activations.containsKey(tensor)) {
				Node p = producers.get(tensor);
				plan.activations.put(tensor, new Activation(tensor, p == null ? spec.activations() : a, null, p == null ? "" : p.name()));
			}
		}
	}
}
