package org.quantrace.engine.quantize;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import org.quantrace.engine.calibrate.Range;
import org.quantrace.engine.onnx.Graph;
import org.quantrace.engine.onnx.Node;
import org.quantrace.engine.onnx.Tensor;
import org.quantrace.engine.quantize.QuantizationSpec.Granularity;
import org.quantrace.engine.quantize.QuantizationSpec.TensorSpec;
import org.quantrace.engine.quantize.QuantizedTensor.Role;

/**
 * Weight-only quantization: a layer's weights stored as integer codes and turned back into float by
 * {@code Cast → (Sub zero point) → Mul scale} over constants, so that the layer computes in float. ONNX
 * Runtime constant-folds that chain when it loads the model: the file holds int8 (a quarter of the size), the
 * session holds float32 weights, pre-packed as the float model's, and runs exactly the float model's kernels.
 * A DequantizeLinear would do the same arithmetic, but ONNX Runtime 1.29 keeps DequantizeLinear nodes out of
 * constant folding (they are the QDQ fusions' markers): the weights would then be dequantized at every run
 * and never pre-packed (measured 0.56x the float ResNet's throughput).
 */
final class FoldedWeights {

	private FoldedWeights() {
	}

	/**
	 * Replaces input {@code input} of {@code node} (a float constant, here or in an enclosing graph) by its
	 * codes dequantized through constants; returns the record of what was stored. The chain is written in the
	 * graph that holds the float constant, so that the constant folding of that graph sees it.
	 */
	static QuantizedTensor store(Node node, int input, int axis, TensorSpec spec, boolean reduceRange) {
		String name = node.input(input);
		Graph owner = owner(node.graph(), name);
		GraphEditor ed = new GraphEditor(owner);
		Tensor t = owner.initializer(name);
		float[] values = t.toFloatArray();
		long[] dims = t.dims();
		QuantType type = spec.precision();
		boolean perChannel = axis >= 0 && spec.granularity() != Granularity.PER_TENSOR;
		QuantParams p = perChannel ? QuantMath.params(QuantMath.channelRanges(values, dims, axis), axis, type, spec.scheme(), reduceRange)
				: QuantMath.params(QuantMath.range(values), type, spec.scheme(), reduceRange);
		String codes = ed.constant(name + "_q", GraphEditor.codes(name + "_q", type.dataType(), dims, QuantMath.quantize(values, dims, p)));
		long[] shape = new long[dims.length];
		Arrays.fill(shape, 1);
		if (perChannel) {
			shape[axis] = dims[axis];
		}
		String asFloat = ed.fresh(name + "_int");
		ed.add("Cast", null, List.of(codes), List.of(asFloat), GraphEditor.intAttribute("to", 1));
		String centered = asFloat;
		if (Arrays.stream(p.zeroPoints()).anyMatch(z -> z != 0)) {
			float[] zeros = new float[p.zeroPoints().length];
			for (int i = 0; i < zeros.length; i++) {
				zeros[i] = p.zeroPoints()[i];
			}
			centered = ed.fresh(name + "_centered");
			ed.add("Sub", null, List.of(asFloat, ed.constant(name + "_zero_point", Tensor.ofFloats("z", perChannel ? shape : new long[0], zeros))),
					List.of(centered));
		}
		String scale = ed.constant(name + "_scale", Tensor.ofFloats("s", perChannel ? shape : new long[0], p.scales()));
		String dequantized = ed.fresh(name + "_dequantized");
		ed.add("Mul", null, List.of(centered, scale), List.of(dequantized));
		for (Node reader : readers(owner, name)) {
			for (int i = 0; i < reader.inputs().size(); i++) {
				if (reader.input(i).equals(name)) {
					reader.setInput(i, dequantized);
				}
			}
		}
		owner.removeInitializer(name);
		ed.sort();
		Range own = QuantMath.range(values);
		return new QuantizedTensor(name, Role.WEIGHT, node.name(), p, own, own);
	}

	/** The graph (this or an enclosing one) whose initializer {@code tensor} is. */
	static Graph owner(Graph g, String tensor) {
		for (Graph x = g; x != null; x = x.parent()) {
			if (x.initializer(tensor) != null) {
				return x;
			}
		}
		throw new IllegalArgumentException("no initializer " + tensor);
	}

	/** Whether {@code tensor} is an initializer of {@code g} or of an enclosing graph. */
	static boolean isInitializer(Graph g, String tensor) {
		for (Graph x = g; x != null; x = x.parent()) {
			if (x.initializer(tensor) != null) {
				return true;
			}
		}
		return false;
	}

	/** Every node reading {@code tensor} in {@code g} and its subgraphs (a weight may be shared by both branches of an If). */
	private static List<Node> readers(Graph g, String tensor) {
		List<Node> readers = new ArrayList<>();
		for (Node n : g.allNodes()) {
			if (n.inputs().contains(tensor)) {
				readers.add(n);
			}
		}
		return readers;
	}
}
