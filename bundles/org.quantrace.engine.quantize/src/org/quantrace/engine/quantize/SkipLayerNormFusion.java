package org.quantrace.engine.quantize;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

import org.quantrace.engine.onnx.Graph;
import org.quantrace.engine.onnx.Node;
import org.quantrace.engine.onnx.OnnxModel;
import org.quantrace.engine.onnx.Tensor;
import org.quantrace.engine.onnx.TensorInfo;

import ai.onnx.proto.OnnxMl.AttributeProto;

/**
 * The transformer fusion ONNX Runtime's CPU graph optimizer does not make for pre-norm encoders (ViT, GPT-2
 * style): a residual Add and the LayerNormalization after it become one {@code com.microsoft.SkipLayerNormalization},
 * whose fourth output carries the residual sum the next block reads. ONNX Runtime 1.29 fuses Add +
 * LayerNormalization only when the Add has no other reader (skip_layer_norm_fusion.cc: {@code
 * GetOutputEdgesCount() != 1}), and in a pre-norm block the residual sum is always read twice. The bias Add of the
 * MatMul before stays a node of its own (the kernel could take it as its fifth input, ~6 % faster on the ViT, but
 * the trace's row for it would then name a tensor the file no longer has).
 *
 * <p>Why it matters: on the zoo ViT (7 LayerNormalization over [64, 50, 64], batch 64, one thread) ONNX
 * Runtime's LayerNormalization kernel took 12.2 ms and SkipLayerNormalization on the same tensors 2.0 ms
 * (Add included); the int8 model ran 1.6-2.1x the float one with the fusion against 1.0-1.3x without
 * (docs/zoo-bench.md, "ViT int8: SkipLayerNormalization"). Only float sums are fused: an Add whose output is
 * quantized (QLinearAdd) keeps its integer kernel.
 *
 * <p>A LayerNormalization no float sum reads (after a QLinearAdd, a Transpose of codes, a block's first norm) is written as
 * SkipLayerNormalization of its input added to itself, with four times the epsilon: LayerNormalization(x + x, 4ε) is
 * LayerNormalization(x, ε) (doubling is exact in float, so are the mean's, the variance's and the square root's factors of
 * 2 and 4), and ONNX Runtime 1.29's LayerNormalization kernel is the slow one: round 24's FocalNet (channels-last blocks,
 * [64, 196, 32] and [64, 49, 64]) took 6.3 ms in its five LayerNormalizations at batch 64, one thread, and its fiq-int8
 * ran 1.14-1.19x fp32's CPU time (fp32 has two fused as SimplifiedLayerNormalization); written so, 0.85-0.92x. The kernel
 * takes 2-D or 3-D input ("input is expected to have 3 or 2 dimensions"): a wider one is viewed as [N, -1, C] and reshaped back.
 */
final class SkipLayerNormFusion {

	static final String DOMAIN = ContribForms.DOMAIN;
	static final String OP = "SkipLayerNormalization";

	/** One fusion: the node written and the nodes it replaced (no residual: the LayerNormalization's input added to itself). */
	record Fused(Node skipLayerNorm, Node layerNorm, Node residual) {

		boolean replaced(Node n) {
			return n == layerNorm || n == residual;
		}

		/** The trace's words for what the file holds instead of {@code replaced}, given what the plan said of it. */
		String reason(Node replaced, String planned) {
			String node = DOMAIN + "." + OP + " '" + skipLayerNorm.name() + "'";
			if (residual == null) {
				return planned + "; written as one float " + node + " of its input added to itself with 4 times the epsilon, which normalizes"
						+ " the same (doubling is exact in float): ONNX Runtime's LayerNormalization kernel ran 3-4x slower than that one"
						+ " (round 24's FocalNet, [64, 196, 32])";
			}
			if (replaced == layerNorm) {
				return planned + "; written with the residual Add '" + residual.name() + "' before it as one float " + node
						+ " (ONNX Runtime's CPU optimizer does not fuse a residual sum that the next block reads too)";
			}
			return "the residual sum before LayerNormalization '" + layerNorm.name() + "': computed in float by " + node + " (its fourth output)";
		}
	}

	private final Graph graph;
	private final Map<String, TensorInfo> shapes;

	/**
	 * @param shapes tensor shapes of the model before quantization (only 3-D sums of equal last dimension are fused);
	 *               the graph's declared inputs and value infos fill in what they lack
	 */
	SkipLayerNormFusion(Graph graph, Map<String, TensorInfo> shapes) {
		this.graph = graph;
		this.shapes = new HashMap<>();
		Stream.concat(graph.inputs().stream(), graph.valueInfos().stream()).map(TensorInfo::of).forEach(i -> this.shapes.put(i.name(), i));
		shapes.forEach((name, info) -> {
			if (info.shape() != null) {
				this.shapes.put(name, info);
			}
		});
	}

	/** Fuses every eligible LayerNormalization of the main graph; declares the com.microsoft opset when it fused any. */
	static List<Fused> apply(OnnxModel model, Map<String, TensorInfo> shapes) {
		List<Fused> fused = new SkipLayerNormFusion(model.graph(), shapes).apply();
		if (!fused.isEmpty()) {
			model.setOpset(DOMAIN, 1);
		}
		return fused;
	}

	List<Fused> apply() {
		List<Fused> fused = new ArrayList<>();
		GraphEditor ed = new GraphEditor(graph);
		Set<Node> removed = new HashSet<>();
		for (Node ln : List.copyOf(graph.nodes())) {
			if (!isDefault(ln, "LayerNormalization") || removed.contains(ln)) {
				continue;
			}
			Fused f = fuse(ln, ed);
			if (f == null) {
				f = selfSkip(ln, ed);
			}
			if (f != null) {
				fused.add(f);
				removed.add(ln);
				if (f.residual() != null) {
					removed.add(f.residual());
				}
			}
		}
		graph.nodes().removeIf(removed::contains);
		if (!fused.isEmpty()) {
			ed.sort();
		}
		return fused;
	}

	private Fused fuse(Node ln, GraphEditor ed) {
		int hidden = lastDim(ln.input(0));
		if (hidden <= 0 || !lastAxis(ln) || !plain(ln, hidden)) {
			return null;
		}
		Node add = graph.producer(ln.input(0)).orElse(null);
		if (add == null || !isDefault(add, "Add") || add.inputs().size() != 2 || quantized(add)) {
			return null;
		}
		// input: the full [N, S, H] operand; skip: the other one ([N, S, H], or a constant [1, S, H] / [S, H] the kernel broadcasts)
		int input = graph.constant(add.input(0)) == null ? 0 : 1;
		String x = add.input(input);
		String skip = add.input(1 - input);
		if (rank(x) != 3 || lastDim(x) != hidden || lastDim(skip) != hidden || !(rank(skip) == 3 && (graph.constant(skip) == null || dim(skip, 0) == 1) || rank(skip) == 2)) {
			return null;
		}
		// the sum stays a tensor of the file (fourth output) even when only the LayerNormalization read it: the trace's
		// row for the residual Add then names a value the file computes, and the write costs little next to the kernel
		List<String> inputs = List.of(x, skip, ln.input(1), ln.inputs().size() > 2 ? ln.input(2) : "");
		List<String> outputs = List.of(ln.output(0), "", "", add.output(0));
		float epsilon = ln.floatAttribute("epsilon", 1e-5f);
		Node sln = ed.add(DOMAIN, OP, null, inputs, outputs,
				AttributeProto.newBuilder().setName("epsilon").setType(AttributeProto.AttributeType.FLOAT).setF(epsilon).build());
		sln.setName(ln.name()); // the layer keeps its name: the trace's row for the LayerNormalization names the node that does its work
		return new Fused(sln, ln, add);
	}

	/**
	 * {@code ln} (over the last axis, constant 1-D scale and bias, no statistics read, input of known rank 2 or more) as
	 * SkipLayerNormalization(x, x, scale, bias) with 4ε, on the input viewed as [N, -1, C] when it is wider than 3-D; null
	 * when it does not qualify.
	 */
	private Fused selfSkip(Node ln, GraphEditor ed) {
		int hidden = lastDim(ln.input(0));
		int rank = rank(ln.input(0));
		if (hidden <= 0 || rank < 2 || !lastAxis(ln) || !plain(ln, hidden)) {
			return null;
		}
		String x = ln.input(0);
		String y = ln.output(0);
		if (rank > 3) {
			String shape = ed.fresh(ln.name() + "_shape");
			ed.add("Shape", ln.name() + "_shape", List.of(x), List.of(shape));
			String view = ed.constant(ln.name() + "_3d", Tensor.ofLongs(ln.name() + "_3d", new long[] { 3 }, new long[] { 0, -1, hidden }));
			x = ed.fresh(ln.name() + "_3d_input");
			ed.add("Reshape", ln.name() + "_to_3d", List.of(ln.input(0), view), List.of(x));
			y = ed.fresh(ln.name() + "_3d_output");
			ed.add("Reshape", ln.name() + "_from_3d", List.of(y, shape), List.of(ln.output(0)));
		}
		float epsilon = ln.floatAttribute("epsilon", 1e-5f);
		Node sln = ed.add(DOMAIN, OP, null, List.of(x, x, ln.input(1), ln.inputs().size() > 2 ? ln.input(2) : ""), List.of(y),
				AttributeProto.newBuilder().setName("epsilon").setType(AttributeProto.AttributeType.FLOAT).setF(4 * epsilon).build());
		sln.setName(ln.name());
		return new Fused(sln, ln, null);
	}

	/** A scale of {@code hidden} constants, a bias of as many or none, and no mean or inverse deviation output read. */
	private boolean plain(Node ln, int hidden) {
		return vector(ln.input(1), hidden) && !(ln.inputs().size() > 2 && !ln.input(2).isEmpty() && !vector(ln.input(2), hidden))
				&& !(ln.outputs().size() > 1 && ln.outputs().subList(1, ln.outputs().size()).stream().anyMatch(o -> !o.isEmpty()));
	}

	/** Whether a QuantizeLinear reads the node's output: then ONNX Runtime runs it as an integer kernel (QLinearAdd), which stays. */
	private boolean quantized(Node n) {
		return graph.consumers(n.output(0)).stream().anyMatch(c -> isDefault(c, "QuantizeLinear"));
	}

	private boolean lastAxis(Node ln) {
		long axis = ln.intAttribute("axis", -1);
		return axis == -1 || axis == rank(ln.input(0)) - 1;
	}

	/** A 1-D constant of {@code size} floats. */
	private boolean vector(String tensor, int size) {
		Tensor t = graph.constant(tensor);
		return t != null && t.dims().length == 1 && t.dims()[0] == size;
	}

	/**
	 * The tensor whose shape {@code tensor} has: itself, or, for a DequantizeLinear/QuantizeLinear the writer added (a name
	 * the shapes from before quantization do not know), the tensor it converts (per-tensor: the same shape).
	 */
	private String shaped(String tensor) {
		String t = tensor;
		for (int depth = 0; depth < 4 && !shapes.containsKey(t); depth++) {
			Node p = graph.producer(t).orElse(null);
			if (p == null || !(isDefault(p, "DequantizeLinear") || isDefault(p, "QuantizeLinear"))) {
				break;
			}
			t = p.input(0);
		}
		return t;
	}

	private int rank(String tensor) {
		Tensor t = graph.constant(tensor);
		if (t != null) {
			return t.dims().length;
		}
		TensorInfo info = shapes.get(shaped(tensor));
		return info == null || info.shape() == null ? -1 : info.shape().size();
	}

	private long dim(String tensor, int axis) {
		Tensor t = graph.constant(tensor);
		if (t != null) {
			return t.dims()[axis];
		}
		try {
			return Long.parseLong(shapes.get(shaped(tensor)).shape().get(axis));
		} catch (RuntimeException e) {
			return -1; // symbolic or unknown
		}
	}

	private int lastDim(String tensor) {
		int r = rank(tensor);
		return r < 1 ? -1 : (int) dim(tensor, r - 1);
	}

	private static boolean isDefault(Node n, String opType) {
		return n.opType().equals(opType) && n.isStandard();
	}
}
