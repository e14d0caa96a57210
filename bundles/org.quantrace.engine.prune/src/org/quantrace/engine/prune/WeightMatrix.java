package org.quantrace.engine.prune;

import org.quantrace.engine.onnx.Graph;
import org.quantrace.engine.onnx.Node;
import org.quantrace.engine.onnx.Tensor;

/**
 * A layer's weights seen as a matrix of output units × inputs, whatever the layout: Conv [M, C/g, kh, kw]
 * (rows contiguous), Gemm with transB [N, K], Gemm/MatMul [K, N] (columns are the output units).
 */
final class WeightMatrix {

	final Node node;
	final String tensor;
	final long[] dims;
	final float[] values;
	final int outputs;
	final int inputs;
	private final boolean outputMajor;

	private WeightMatrix(Node node, Tensor w) {
		this.node = node;
		this.tensor = w.name();
		this.dims = w.dims();
		this.values = w.toFloatArray();
		this.outputMajor = node.opType().equals("Conv") || (node.opType().equals("Gemm") && node.intAttribute("transB", 0) == 1);
		this.outputs = (int) (outputMajor ? dims[0] : dims[1]);
		this.inputs = values.length / outputs;
	}

	/** The weights of a Conv, Gemm or 2-D MatMul with constant float weights; null otherwise. */
	static WeightMatrix of(Graph g, Node n) {
		if (!n.domain().isEmpty() || !(n.opType().equals("Conv") || n.opType().equals("Gemm") || n.opType().equals("MatMul"))) {
			return null;
		}
		Tensor w = g.initializer(n.input(1));
		if (w == null || w.dataType() != org.quantrace.engine.onnx.DataType.FLOAT) {
			return null;
		}
		if (!n.opType().equals("Conv") && w.dims().length != 2) {
			return null;
		}
		if (n.opType().equals("Gemm") && n.intAttribute("transA", 0) != 0) {
			return null;
		}
		return new WeightMatrix(n, w);
	}

	int index(int output, int input) {
		return outputMajor ? output * inputs + input : input * outputs + output;
	}

	float get(int output, int input) {
		return values[index(output, input)];
	}

	long nonZero() {
		long n = 0;
		for (float v : values) {
			n += v != 0 ? 1 : 0;
		}
		return n;
	}

	/** The axis of the weight tensor that indexes output units (0 for Conv and Gemm with transB, else 1). */
	int outputAxis() {
		return outputMajor ? 0 : 1;
	}

	/** The axis indexing input channels/features (1 for Conv and Gemm with transB, else 0). */
	int inputAxis() {
		return outputMajor ? 1 : 0;
	}
}
