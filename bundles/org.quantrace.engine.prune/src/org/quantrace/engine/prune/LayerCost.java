package org.quantrace.engine.prune;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.quantrace.engine.onnx.Graph;
import org.quantrace.engine.onnx.Node;
import org.quantrace.engine.onnx.OnnxModel;
import org.quantrace.engine.onnx.Tensor;
import org.quantrace.engine.onnx.TensorInfo;
import org.quantrace.engine.runtime.ShapeProbe;

/**
 * Parameters and multiply-accumulates of each weighted layer (Conv, ConvTranspose, Gemm, MatMul) for
 * one sample: FLOPs are estimated as 2 × MACs, and for sparse weights as 2 × (non-zero weights ×
 * output positions), what a sparse kernel would execute. {@code weights} and {@code nonZeroWeights} count the weight tensor
 * alone, what element, vector and block pruning rank and zero (a bias is never pruned by them).
 */
public record LayerCost(String layer, String opType, long parameters, long nonZero, long weights, long nonZeroWeights, long flops, long sparseFlops) {

	public static Map<String, LayerCost> of(OnnxModel model, String source) {
		Map<String, TensorInfo> shapes;
		try {
			shapes = ShapeProbe.probe(model, source);
		} catch (RuntimeException e) {
			shapes = Map.of();
		}
		Graph g = model.graph();
		Map<String, LayerCost> costs = new LinkedHashMap<>();
		for (Node n : g.nodes()) {
			if (!List.of("Conv", "ConvTranspose", "Gemm", "MatMul").contains(n.opType())) {
				continue;
			}
			Tensor w = g.initializer(n.input(1));
			if (w == null) {
				continue;
			}
			Tensor b = n.input(2).isEmpty() ? null : g.initializer(n.input(2));
			long params = w.elementCount() + (b == null ? 0 : b.elementCount());
			long nonZero = count(w) + (b == null ? 0 : count(b));
			long positions = 1;
			TensorInfo out = shapes.get(n.output(0));
			if (out != null && out.shape() != null && (n.opType().equals("Conv") || n.opType().equals("ConvTranspose"))) {
				for (int d = 2; d < out.shape().size(); d++) {
					positions *= Long.parseLong(out.shape().get(d));
				}
			}
			if (n.opType().equals("ConvTranspose")) { // each input position scatters the kernel
				TensorInfo in = shapes.get(n.input(0));
				positions = 1;
				if (in != null && in.shape() != null) {
					for (int d = 2; d < in.shape().size(); d++) {
						positions *= Long.parseLong(in.shape().get(d));
					}
				}
			}
			long macs = w.elementCount() * positions;
			costs.put(n.name(), new LayerCost(n.name(), n.opType(), params, nonZero, w.elementCount(), count(w), 2 * macs, 2 * count(w) * positions));
		}
		return costs;
	}

	private static long count(Tensor t) {
		long n = 0;
		for (float v : t.toFloatArray()) {
			n += v != 0 ? 1 : 0;
		}
		return n;
	}
}
