package org.quantrace.runner;

import org.quantrace.engine.onnx.DataType;
import org.quantrace.engine.onnx.Graph;
import org.quantrace.engine.onnx.Node;
import org.quantrace.engine.onnx.OnnxModel;
import org.quantrace.engine.onnx.Tensor;
import org.quantrace.model.trace.TensorQuantizationRecord;

/**
 * A bias-corrected layer as the quantizer measured it ({@link BiasCorrectionRecheck}): where its output is in the float model
 * and in the quantized one, its channel axis, and its int32 codes as they were before the correction, the float bias
 * quantized at the scale the file holds: round(b / s), clamped to int32 (verify's own rounding of the writer's rule).
 */
record UncorrectedLayer(TensorQuantizationRecord record, String floatOutput, String quantizedOutput, int axis, String codes, int[] uncorrected, float[] scales) {

	/** The layer of {@code t}, or null when the files do not hold it as a plain layer with its own int32 bias codes. */
	static UncorrectedLayer of(TensorQuantizationRecord t, Graph floats, Graph quantized) {
		Node f = node(floats, t.getNode());
		Node q = node(quantized, t.getNode());
		Tensor bias = floats.initializer(t.getTensor());
		if (f == null || q == null || bias == null || !f.inputs().contains(t.getTensor())) {
			return null;
		}
		Node dq = null;
		for (String in : q.inputs()) {
			Node p = quantized.producer(in).orElse(null);
			Tensor held = p == null || !p.opType().equals("DequantizeLinear") ? null : quantized.initializer(p.input(0));
			if (held != null && held.dataType() == DataType.INT32) {
				dq = p;
			}
		}
		if (dq == null || quantized.constant(dq.input(1)) == null) {
			return null;
		}
		float[] b = bias.toFloatArray();
		float[] s = quantized.constant(dq.input(1)).toFloatArray();
		int[] codes = new int[b.length];
		for (int c = 0; c < b.length; c++) {
			double code = Math.rint(b[c] / s[s.length == 1 ? 0 : c]);
			codes[c] = (int) Math.max(Integer.MIN_VALUE, Math.min(Integer.MAX_VALUE, code));
		}
		// a Conv's channels are its output's axis 1; a Gemm's and a MatMul bias Add's the last
		return new UncorrectedLayer(t, f.output(0), q.output(0), q.opType().startsWith("Conv") ? 1 : -1, dq.input(0), codes, s);
	}

	private static Node node(Graph g, String name) {
		return g.nodes().stream().filter(n -> n.name().equals(name)).findFirst().orElse(null);
	}

	/** The bias's quantization step in channel {@code c}. */
	double step(int c) {
		return scales[scales.length == 1 ? 0 : c];
	}

	/** A copy of {@code quantized} with this layer's codes put back to the uncorrected ones, every other layer as written. */
	OnnxModel model(OnnxModel quantized) {
		OnnxModel copy = quantized.copy();
		Tensor held = copy.graph().initializer(codes);
		copy.graph().putInitializer(Tensor.ofInts(codes, held.dims(), uncorrected));
		return copy;
	}
}
