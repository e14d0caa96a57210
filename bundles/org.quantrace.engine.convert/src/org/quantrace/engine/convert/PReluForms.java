package org.quantrace.engine.convert;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.quantrace.engine.onnx.DataType;
import org.quantrace.engine.onnx.Graph;
import org.quantrace.engine.onnx.Node;
import org.quantrace.engine.onnx.Tensor;

import ai.onnx.proto.OnnxMl.NodeProto;

/**
 * A PRelu whose slope a is a constant of one value per channel (shaped [C, 1, ..., 1] or [1, C, 1, ..., 1], broadcast over
 * axis 1) is written as a·x + (1 - a)·Relu(x): where x > 0 the two terms give a·x + (1 - a)·x = x, elsewhere a·x + 0, so the
 * model computes the same function (the float sums rounded in another order). Where every a <= 1 (PReLU's slopes start at
 * 0.25) the second term is written Relu((1 - a)·x), the same since 1 - a >= 0: a quantized model then clamps with the product's
 * QuantizeLinear; Relu(x) of its own would be x requantized to another zero point, which ONNX Runtime does in float (a
 * DequantizeLinear and a QuantizeLinear per PRelu: about a fifth of xcept9's int8 kernel time). What it is for: ONNX Runtime (CPU) has no
 * integer PRelu, so a quantized model ran each PRelu in float between DequantizeLinear and QuantizeLinear; written so, the two
 * per-channel Muls run as depthwise 1x1 QLinearConvs and the sum as QLinearAdd. ONNX Runtime's float PRelu (a broadcast
 * kernel) is also slower than the Mul, Relu, Mul and Add it becomes, which ONNX Runtime runs in its blocked layout:
 * make_unseen12's xcept9 (8 per-channel PRelus) ran its converted fp32 model in 11,322 µs of CPU time per batch of 64 against
 * 22,315, and its fiq-int8 model in 12,998 against 22,836 (tests/data/wild/README.md, branch speed13).
 * <p>
 * Only PRelus of the main graph whose slope is such a float constant are written so; one of a single value for all channels
 * becomes a LeakyRelu of that slope ({@link #leakyRelu}); a slope computed at run time or shaped otherwise is left.
 */
final class PReluForms {

	private PReluForms() {
	}

	/** Writes each such PRelu of the main graph {@code g}; returns the nodes removed (none: the Add keeps the PRelu's name). */
	static List<String> rewrite(Graph g, Map<String, Integer> ranks, List<Rewrite> rewrites) {
		List<String> said = new ArrayList<>();
		List<String> leaky = new ArrayList<>();
		for (Node p : List.copyOf(g.nodes())) {
			if (!p.opType().equals("PRelu") || !p.isStandard() || p.inputs().size() != 2) {
				continue;
			}
			Tensor a = g.constant(p.input(1));
			if (a != null && a.dataType() == DataType.FLOAT && oneSlope(a, ranks.get(p.input(0)))) {
				g.nodes().set(g.nodes().indexOf(p), leakyRelu(g, p, a.toFloatArray()[0]));
				leaky.add("'" + ConstantFolder.label(p) + "'");
				continue;
			}
			if (a == null || a.dataType() != DataType.FLOAT || !perChannel(a, rank(g, ranks, p.input(0)))) {
				continue;
			}
			float[] slope = a.toFloatArray();
			float[] rest = new float[slope.length];
			for (int i = 0; i < slope.length; i++) {
				rest[i] = 1f - slope[i];
			}
			Set<String> names = g.tensorNames();
			String x = p.input(0);
			String restName = g.uniqueName(p.input(1) + "_one_minus", names);
			g.putInitializer(Tensor.ofFloats(restName, a.dims(), rest));
			String ax = g.uniqueName(p.output(0) + "_slope_times_x", names);
			boolean scaleFirst = true;
			for (float r : rest) {
				scaleFirst &= r >= 0;
			}
			List<Node> written;
			if (scaleFirst) {
				// every 1 - a >= 0: (1 - a)·Relu(x) = Relu((1 - a)·x), so the Relu follows the product and a quantized model clamps
				// with the product's QuantizeLinear (no requantization of x for a Relu of its own)
				String scaled = g.uniqueName(p.output(0) + "_one_minus_slope_times_x", names);
				String positive = g.uniqueName(p.output(0) + "_relu", names);
				written = List.of(
						g.newNode(NodeProto.newBuilder().setOpType("Mul").setName(p.name() + "/slope_times_x").addInput(x).addInput(p.input(1)).addOutput(ax).build()),
						g.newNode(NodeProto.newBuilder().setOpType("Mul").setName(p.name() + "/one_minus_slope_times_x").addInput(x).addInput(restName)
								.addOutput(scaled).build()),
						g.newNode(NodeProto.newBuilder().setOpType("Relu").setName(p.name() + "/relu").addInput(scaled).addOutput(positive).build()),
						g.newNode(NodeProto.newBuilder().setOpType("Add").setName(p.name()).addInput(ax).addInput(positive).addOutput(p.output(0)).build()));
			} else {
				String relu = g.uniqueName(p.output(0) + "_relu", names);
				String positive = g.uniqueName(p.output(0) + "_one_minus_slope_times_relu", names);
				written = List.of(
						g.newNode(NodeProto.newBuilder().setOpType("Mul").setName(p.name() + "/slope_times_x").addInput(x).addInput(p.input(1)).addOutput(ax).build()),
						g.newNode(NodeProto.newBuilder().setOpType("Relu").setName(p.name() + "/relu").addInput(x).addOutput(relu).build()),
						g.newNode(NodeProto.newBuilder().setOpType("Mul").setName(p.name() + "/one_minus_slope_times_relu").addInput(relu).addInput(restName)
								.addOutput(positive).build()),
						g.newNode(NodeProto.newBuilder().setOpType("Add").setName(p.name()).addInput(ax).addInput(positive).addOutput(p.output(0)).build()));
			}
			int at = g.nodes().indexOf(p);
			g.nodes().remove(p);
			g.nodes().addAll(at, written);
			said.add("'" + ConstantFolder.label(p) + "'"); // names only: verify re-derives no figure of a rewrite's words
		}
		if (!said.isEmpty()) {
			rewrites.add(new Rewrite(Rewrite.ACTIVATIONS, said.size() + (said.size() == 1 ? " PRelu" : " PRelus") + " of a per-channel slope a written as"
					+ " a·x + (1 - a)·Relu(x), as a·x + Relu((1 - a)·x) where every a <= 1 (the same function: x where x > 0, a·x elsewhere), which ONNX Runtime runs faster in float and, quantized,"
					+ " on integers (two per-channel products and a sum; it has no integer PRelu): " + String.join(", ", said.subList(0, Math.min(8, said.size())))
					+ (said.size() > 8 ? " and " + (said.size() - 8) + " more" : "")));
		}
		if (!leaky.isEmpty()) {
			rewrites.add(new Rewrite(Rewrite.ACTIVATIONS, leaky.size() + (leaky.size() == 1 ? " PRelu" : " PRelus") + " of one slope a for all channels written as"
					+ " LeakyRelu(alpha a) (the same function: x where x > 0, a·x elsewhere), which ONNX Runtime runs faster in float and, quantized, as"
					+ " QLinearLeakyRelu (it has no integer PRelu): " + String.join(", ", leaky.subList(0, Math.min(8, leaky.size())))
					+ (leaky.size() > 8 ? " and " + (leaky.size() - 8) + " more" : "")));
		}
		return List.of();
	}

	/**
	 * Whether the slope is one value for every element (torch's nn.PReLU() exports a [1] slope: make_unseen29's convtasnet, 17
	 * PRelus on Conv1d outputs) whose shape cannot widen the output: a scalar slope, or one of at most the input's probed rank
	 * (a [1, 1, 1, 1] slope on a 3-D input would broadcast the output to 4-D, which LeakyRelu does not); a [1] slope where the
	 * input's rank was not probed.
	 */
	private static boolean oneSlope(Tensor slope, Integer inputRank) {
		int r = slope.dims().length;
		return slope.elementCount() == 1 && (r == 0 || (inputRank == null ? r == 1 : r <= inputRank));
	}

	/**
	 * The LeakyRelu that computes PRelu {@code p} of the one slope {@code a}, under its name and output. ONNX Runtime (CPU) has
	 * no integer PRelu: a quantized model ran each such PRelu in float between a DequantizeLinear and a QuantizeLinear, and its
	 * float PRelu is a broadcast kernel; convtasnet's 17 as LeakyRelus: its fiq-int8 model 0.80-0.83x (batch 1) and 0.57-0.60x
	 * (batch 64) of fp32's CPU time, against 1.22-1.24x and 1.02-1.04x with the PRelus (tests/data/wild/README.md, unseen29).
	 */
	private static Node leakyRelu(Graph g, Node p, float a) {
		Node n = g.newNode(NodeProto.newBuilder().setOpType("LeakyRelu").setName(p.name()).addInput(p.input(0)).addOutput(p.output(0)).build());
		n.setFloatAttribute("alpha", a);
		return n;
	}

	/**
	 * Whether the slope holds one value per channel of axis 1 of an input of {@code rank} >= 4 (as broadcast aligns it: [C, 1, 1]
	 * or [1, C, 1, 1] on N, C, H, W), C >= 2. A [2, 1, 1] slope on a 5-D [N, 2, 2, H, W] input is one value per index of axis 2
	 * (newuser pass: it was written and called per-channel; exact all the same, but quantized its Relu-first form stayed a float
	 * island); a 3-D (N, C, L) input's Muls would not become depthwise Convs.
	 */
	private static boolean perChannel(Tensor slope, int rank) {
		long c = slope.elementCount();
		return rank >= 4 && c >= 2 && slope.channelValues((int) c, rank) != null;
	}

	/** The tensor's rank: probed, else a graph input's declared one, else 4 (an N, C, H, W activation, as before ranks were read). */
	private static int rank(Graph g, Map<String, Integer> ranks, String tensor) {
		Integer r = ranks.get(tensor);
		if (r != null) {
			return r;
		}
		for (ai.onnx.proto.OnnxMl.ValueInfoProto v : g.inputs()) {
			if (v.getName().equals(tensor)) {
				org.quantrace.engine.onnx.TensorInfo info = org.quantrace.engine.onnx.TensorInfo.of(v);
				return info.shape() == null ? 4 : info.shape().size();
			}
		}
		return 4;
	}

}
