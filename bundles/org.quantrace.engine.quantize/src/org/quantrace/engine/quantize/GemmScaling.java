package org.quantrace.engine.quantize;

import java.util.HashSet;

import org.quantrace.engine.onnx.DataType;
import org.quantrace.engine.onnx.Graph;
import org.quantrace.engine.onnx.Node;
import org.quantrace.engine.onnx.Tensor;

/**
 * A Gemm's α and β folded into its constant operands before full-integer quantization: Y = α·A·B + β·C becomes
 * A·B' + C' with B' = α·B and C' = β·C. ONNX Runtime 1.29 fuses a QDQ Gemm into QGemm only at α = 1 (measured: α = 0.5
 * left DequantizeLinear → Gemm in float, with or without a QuantizeLinear after it), and Quantrace quantizes C as the int32
 * bias QGemm needs only at β = 1. Such a Gemm (old exporters, hand-written graphs; tests/data/wild make_wild2.py "einsum")
 * ran in float while the result called it quantized. α·B and β·C are the products Gemm itself forms in float.
 */
final class GemmScaling {

	private GemmScaling() {
	}

	/** Folds α and β into the constant float B and C of every Gemm in {@code graph}; returns how many Gemms changed. */
	static int fold(Graph graph) {
		int folded = 0;
		for (Node n : graph.nodes()) {
			if (!n.opType().equals("Gemm") || !n.isStandard()) {
				continue;
			}
			boolean changed = false;
			float alpha = n.floatAttribute("alpha", 1f);
			if (alpha != 1f && scale(graph, n, 1, alpha)) {
				n.removeAttribute("alpha");
				changed = true;
			}
			float beta = n.floatAttribute("beta", 1f);
			if (beta != 1f && n.inputs().size() > 2 && !n.input(2).isEmpty() && scale(graph, n, 2, beta)) {
				n.removeAttribute("beta");
				changed = true;
			}
			folded += changed ? 1 : 0;
		}
		return folded;
	}

	/** Replaces input {@code index} of {@code n}, a constant float tensor, by itself times {@code factor}; false when it is not one. */
	private static boolean scale(Graph graph, Node n, int index, float factor) {
		String old = n.input(index);
		Tensor t = graph.initializer(old);
		if (t == null || t.dataType() != DataType.FLOAT) {
			return false;
		}
		float[] v = t.toFloatArray();
		for (int i = 0; i < v.length; i++) {
			v[i] *= factor;
		}
		String name = graph.uniqueName(old + (index == 1 ? "_alpha" : "_beta"), new HashSet<>(graph.tensorNames()));
		graph.putInitializer(Tensor.ofFloats(name, t.dims(), v));
		n.setInput(index, name);
		if (graph.consumers(old).isEmpty() && graph.outputs().stream().noneMatch(o -> o.getName().equals(old))) {
			graph.removeInitializer(old); // consumers() counts the bodies reading it from this scope
		}
		return true;
	}
}
