package org.quantrace.runner.verify;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.WeakHashMap;

import org.quantrace.model.trace.ConversionRecord;

import ai.onnx.proto.OnnxMl.NodeProto;

/**
 * The reasons of the conversion's rewrites (a decomposition fused, a matrix product rewritten, a Conv cut into channel pieces,
 * parallel Convs merged, a PRelu rewritten, a QAT follower folded, a function call inlined) against both models, not only for
 * the node being gone (evidence19): each node stated so must be of an op that rewrite removes and stand where it acts in the
 * verified model (a follower of a QDQ layer; a call of one of the model's own functions), and what it and the nodes removed
 * with it wrote must, in the converted model, be computed by the op the rewrite writes (a fused HardSwish, Gelu,
 * LayerNormalization..., a MatMul or Gemm, one Conv per piece, one merged Conv, the PRelu's Mul/Relu/Add or LeakyRelu) from
 * the tensors the verified model computed it from, and compute the same values there ({@link ReplacementRun}). A forger
 * who relabels a folded constant or an unread node as fused, or edits the fused op of the converted model and reseals every
 * hash, is named.
 */
final class ReplacedNodes {

	/** The ops a node removed for a reason may have had (null: any, as a decomposition's parts), and the ops its replacement holds. */
	private record Claim(Set<String> removed, Set<String> replacement) {
	}

	private static final Map<String, Claim> CLAIMS = Map.ofEntries(
			// the parts of the HardSigmoid, HardSwish, GELU and LayerNormalization decompositions, fused into those ops; a mean, a Pad,
			// a Conv1d's chain and a runtime op each have their own code since assessor59 (a folder written before says pattern-fused)
			Map.entry("pattern-fused", new Claim(Set.of("Add", "Mul", "Div", "Sub", "Pow", "Sqrt", "Erf", "Clip", "Relu", "HardSigmoid", "ReduceMean"),
					Set.of("HardSwish", "HardSigmoid", "Gelu", "LayerNormalization"))),
			Map.entry("mean-as-global-pool", new Claim(Set.of("ReduceMean"), Set.of("GlobalAveragePool"))),
			Map.entry("mean-as-conv", new Claim(Set.of("ReduceMean"), Set.of("Conv"))),
			Map.entry("pad-folded", new Claim(Set.of("Pad"), Set.of("Conv"))),
			Map.entry("conv-across-channels", new Claim(Set.of("Squeeze", "Transpose", "Unsqueeze"), Set.of("Conv"))),
			Map.entry("runtime-op-unfused", new Claim(Set.of("FusedConv", "FusedGemm", "FusedMatMul", "Attention", "MultiHeadAttention"), Set.of("Conv", "Gemm", "MatMul"))),
			Map.entry("matrix-product-rewritten", new Claim(Set.of("Einsum", "MatMul", "Gemm", "Transpose"), Set.of("MatMul", "Gemm"))),
			Map.entry("channel-pieces", new Claim(Set.of("Conv", "Slice", "Split"), Set.of("Conv"))),
			Map.entry("parallel-convs-merged", new Claim(Set.of("Conv", "Add", "Mul", "BatchNormalization"), Set.of("Conv"))),
			Map.entry("activation-rewritten", new Claim(Set.of("PRelu"), Set.of("LeakyRelu", "Mul", "Relu", "Add"))),
			Map.entry("ml-op-rewritten", new Claim(Set.of("Scaler", "LinearClassifier", "LinearRegressor", "Normalizer"), Set.of("Sub", "Mul", "Gemm", "Div"))),
			// a Sum's Adds of Conv branches of one input may then be merged with them into one Conv (ParallelConvs: alex8's Sum of 3)
			Map.entry("sum-as-adds", new Claim(Set.of("Sum"), Set.of("Add", "Conv"))),
			// c·(Q·Kᵀ) computed as (c·Q)·Kᵀ: what the Mul wrote, from Q's projection's input, by its MatMul or Gemm of scaled weights
			Map.entry("attention-scale-folded", new Claim(Set.of("Mul", "Div"), Set.of("MatMul", "Gemm"))));

	/** What a QAT export's fold takes after the layer up to its QuantizeLinear ({@link TrainedScales}' ops), and the layers. */
	private static final Set<String> FOLLOWERS = Set.of("Div", "Mul", "Add", "BatchNormalization", "Relu");
	private static final Set<String> LAYERS = Set.of("Conv", "ConvTranspose", "Gemm", "MatMul");

	static final Set<String> REASONS = Set.of("pattern-fused", "mean-as-global-pool", "mean-as-conv", "pad-folded", "conv-across-channels", "runtime-op-unfused",
			"matrix-product-rewritten", "channel-pieces", "parallel-convs-merged", "activation-rewritten", "ml-op-rewritten",
			"sum-as-adds", "trained-codes-folded", "function-inlined", "attention-scale-folded");

	/** Per converted model, what the files say against each node's stated reason: every log format asks, the models run once. */
	private static final Map<ModelFacts, Map<String, String>> DONE = new WeakHashMap<>();

	private ReplacedNodes() {
	}

	/**
	 * What the files say against the reasons {@code c} states for its nodes of these rewrites, by node (absent: they agree, or
	 * cannot tell).
	 */
	static synchronized Map<String, String> refuted(ConversionRecord c, ModelFacts original, ModelFacts converted) {
		return DONE.computeIfAbsent(converted, k -> derive(c, original, converted));
	}

	private static Map<String, String> derive(ConversionRecord c, ModelFacts original, ModelFacts converted) {
		Map<String, String> reasonOf = new LinkedHashMap<>();
		for (int i = 0; i < c.getRemovedNodes().size() && i < c.getRemovedNodeReasons().size(); i++) {
			String stated = c.getRemovedNodeReasons().get(i);
			reasonOf.putIfAbsent(c.getRemovedNodes().get(i), stated.contains(": ") ? stated.substring(0, stated.indexOf(": ")) : stated);
		}
		Map<String, String> refuted = new LinkedHashMap<>();
		for (Map.Entry<String, String> e : reasonOf.entrySet()) {
			NodeProto n = original.node(e.getKey());
			if (n == null || !REASONS.contains(e.getValue())) {
				continue;
			}
			String why = standing(e.getValue(), n, original);
			if (why != null) {
				refuted.put(e.getKey(), why);
			}
		}
		for (Set<NodeProto> component : components(reasonOf, original)) {
			deadWithAProduct(component, reasonOf, refuted);
			List<String> claimed = component.stream().filter(n -> !leftUnreadByAProduct(n, reasonOf)).map(NodeProto::getName)
					.filter(x -> CLAIMS.containsKey(reasonOf.get(x)) && !refuted.containsKey(x)).toList();
			if (!claimed.isEmpty()) {
				replacement(component, claimed, reasonOf, original, converted, refuted);
			}
		}
		return refuted;
	}

	private static final String PRODUCT = "matrix-product-rewritten";

	/**
	 * The matrix-product rewrite also removes the nodes its rewrites left unread, of any op (GraphCleanup after it): such a node
	 * is held to have been removed with a product (a node of the same reason among the products' ops, next to it); one that is
	 * not is named by its op.
	 */
	private static void deadWithAProduct(Set<NodeProto> component, Map<String, String> reasonOf, Map<String, String> refuted) {
		Set<String> ops = CLAIMS.get(PRODUCT).removed();
		boolean product = component.stream().anyMatch(n -> PRODUCT.equals(reasonOf.get(n.getName())) && ops.contains(n.getOpType()));
		for (NodeProto n : component) {
			if (PRODUCT.equals(reasonOf.get(n.getName())) && !ops.contains(n.getOpType()) && !product) {
				refuted.putIfAbsent(n.getName(), "a " + n.getOpType() + " in the verified model, not one of " + ops.stream().sorted().toList() + " that " + PRODUCT
						+ " removes, nor next to one it removed");
			}
		}
	}

	/** A node the product rewrite removed as left unread: it wrote nothing a replacement computes. */
	private static boolean leftUnreadByAProduct(NodeProto n, Map<String, String> reasonOf) {
		return PRODUCT.equals(reasonOf.get(n.getName())) && !CLAIMS.get(PRODUCT).removed().contains(n.getOpType());
	}

	/** The node itself against the rewrite stated: its op, and where the rewrite acts. */
	private static String standing(String reason, NodeProto n, ModelFacts original) {
		Claim claim = CLAIMS.get(reason);
		if (claim != null && claim.removed() != null && !claim.removed().contains(n.getOpType()) && !reason.equals(PRODUCT)) {
			return "a " + n.getOpType() + " in the verified model, not one of " + claim.removed().stream().sorted().toList() + " that " + reason + " removes";
		}
		if (reason.equals("function-inlined")) {
			boolean call = original.proto.getFunctionsList().stream().anyMatch(f -> f.getName().equals(n.getOpType()) && f.getDomain().equals(n.getDomain()));
			return call ? null : "a " + n.getOpType() + " of " + (n.getDomain().isEmpty() ? "ONNX's domain" : "domain " + n.getDomain())
					+ " in the verified model, which holds no function of that name: no call of a model-local function";
		}
		if (reason.equals("trained-codes-folded")) {
			return trainedFollower(n, original);
		}
		return null;
	}

	/**
	 * Null when {@code n} follows a quantization-aware-trained layer (a Conv, ConvTranspose, Gemm or MatMul reading its weight
	 * through a DequantizeLinear) through the ops such a fold takes, each the one reader of the last; else what it is.
	 */
	private static String trainedFollower(NodeProto n, ModelFacts original) {
		if (!FOLLOWERS.contains(n.getOpType())) {
			return "a " + n.getOpType() + " in the verified model, not one of " + FOLLOWERS.stream().sorted().toList() + " that a trained layer's fold takes";
		}
		NodeProto at = n;
		for (int steps = 0; steps < 16 && at != null && FOLLOWERS.contains(at.getOpType()); steps++) {
			NodeProto before = at.getInputCount() == 0 ? null : original.producer(at.getInput(0));
			if (before == null || original.consumers(at.getInput(0)).size() != 1) {
				break;
			}
			at = before;
		}
		if (at != null && LAYERS.contains(at.getOpType()) && at.getInputCount() > 1 && original.producer(at.getInput(1)) != null
				&& original.producer(at.getInput(1)).getOpType().equals("DequantizeLinear")) {
			return null;
		}
		return "follows no layer with quantization-aware-trained weights (a Conv, ConvTranspose, Gemm or MatMul reading a DequantizeLinear) in the verified model";
	}

	/** The removed nodes of the main graph, in sets each joined by the tensors they pass one another. */
	private static List<Set<NodeProto>> components(Map<String, String> reasonOf, ModelFacts original) {
		Map<String, NodeProto> removed = new LinkedHashMap<>();
		for (NodeProto n : original.graph.getNodeList()) {
			if (reasonOf.containsKey(n.getName())) {
				removed.put(n.getName(), n);
			}
		}
		Map<String, Set<NodeProto>> of = new HashMap<>();
		List<Set<NodeProto>> all = new ArrayList<>();
		for (NodeProto start : removed.values()) {
			if (of.containsKey(start.getName())) {
				continue;
			}
			Set<NodeProto> component = new LinkedHashSet<>();
			Deque<NodeProto> todo = new ArrayDeque<>(List.of(start));
			while (!todo.isEmpty()) {
				NodeProto n = todo.pop();
				if (!component.add(n)) {
					continue;
				}
				of.put(n.getName(), component);
				for (String t : n.getInputList()) {
					NodeProto p = original.producer(t);
					if (p != null && removed.containsKey(p.getName()) && removed.get(p.getName()) == p) {
						todo.push(p);
					}
				}
				for (String t : n.getOutputList()) {
					for (NodeProto r : original.consumers(t)) {
						if (removed.get(r.getName()) == r) {
							todo.push(r);
						}
					}
				}
			}
			all.add(component);
		}
		return all;
	}

	/**
	 * The component's outputs (what nodes kept, or the graph's outputs, read of what it wrote) held in the converted model: computed
	 * by the op the claimed rewrite writes, from tensors of the verified model, to the same values.
	 */
	private static void replacement(Set<NodeProto> component, List<String> claimed, Map<String, String> reasonOf, ModelFacts original, ModelFacts converted,
			Map<String, String> refuted) {
		Set<String> names = new java.util.HashSet<>();
		component.forEach(n -> names.add(n.getName()));
		Set<String> graphOutputs = new java.util.HashSet<>();
		original.graph.getOutputList().forEach(v -> graphOutputs.add(v.getName()));
		List<String> outputs = new ArrayList<>();
		for (NodeProto n : component) {
			for (String t : n.getOutputList()) {
				if (!t.isEmpty() && (graphOutputs.contains(t) || original.consumers(t).stream().anyMatch(r -> !names.contains(r.getName())))) {
					outputs.add(t);
				}
			}
		}
		if (outputs.isEmpty()) {
			claimed.forEach(x -> refuted.put(x, "what it " + (component.size() > 1 ? "and the nodes removed with it " : "") + "wrote was read by no node the conversion kept"
					+ " nor by the graph's outputs: nothing replaced it (a node read by nothing is removed, not " + reasonOf.get(x) + ")"));
			return;
		}
		List<String> held = outputs.stream().filter(converted::holds).toList();
		if (held.isEmpty()) {
			return; // a later rewrite took what it wrote on: the whole conversion is checked by its difference (--deep)
		}
		ReplacementRun.Cone cone = ReplacementRun.Cone.in(converted, held, t -> leaf(t, names, original, converted));
		if (cone == null) {
			return; // not computed from the verified model's tensors within reach: nothing to compare
		}
		Set<String> ops = new java.util.TreeSet<>();
		cone.nodes().forEach(n -> ops.add(n.getOpType()));
		for (String x : claimed) {
			Claim claim = CLAIMS.get(reasonOf.get(x));
			if (ops.stream().noneMatch(claim.replacement()::contains)) {
				refuted.put(x, "the converted model computes what it wrote (" + String.join(", ", held) + ") "
						+ (ops.isEmpty() ? "by no op (a stored constant or a tensor of the verified model)" : "by " + ops) + ", none of "
						+ claim.replacement().stream().sorted().toList() + " that " + reasonOf.get(x) + " writes");
			}
		}
		if (claimed.stream().anyMatch(refuted::containsKey) || cone.nodes().isEmpty()) {
			return;
		}
		String differs = ReplacementRun.differs(original, converted, cone);
		if (differs != null) {
			claimed.forEach(x -> refuted.put(x, differs));
		}
	}

	/**
	 * Whether the walk back from the component's outputs in the converted model stops at {@code t}: a tensor of the verified
	 * model that none of the component's nodes wrote (what the rewrite read), a graph input, or a constant.
	 */
	private static boolean leaf(String t, Set<String> component, ModelFacts original, ModelFacts converted) {
		if (converted.stored.containsKey(t) || converted.graph.getInputList().stream().anyMatch(v -> v.getName().equals(t))) {
			return true;
		}
		NodeProto p = original.producer(t);
		boolean mainGraph = p != null && original.scope.get(p) == original.graph;
		return mainGraph && !component.contains(p.getName()) || p == null && original.holds(t);
	}
}
