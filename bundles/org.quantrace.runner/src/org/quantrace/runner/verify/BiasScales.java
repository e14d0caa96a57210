package org.quantrace.runner.verify;

import org.quantrace.engine.onnx.Tensor;

import ai.onnx.proto.OnnxMl.NodeProto;

/**
 * The scale an int32 bias must have for an integer kernel to add it to the accumulator: the product of its
 * layer's input scale and weight scale (per output channel), s_bias = s_input · s_weight, read from the
 * DequantizeLinear nodes feeding the layer in a QDQ model. A Conv or Gemm holds its bias as input 2; a
 * transformer's Linear is exported as MatMul then Add(bias), and the bias's layer is then the Add: its scales
 * are those of the MatMul that computes the Add's other input.
 */
final class BiasScales {

	private BiasScales() {
	}

	/** s_input · s_weight[c] for each of {@code channels} channels, in float32 as a kernel computes it; null when the layer's inputs are not dequantized. */
	static float[] products(ModelFacts m, String node, String floatOutput, int channels) {
		NodeProto n = layer(m, node, floatOutput);
		if (n == null || n.getInputCount() < 2) {
			return null;
		}
		float[] in = scales(m, n.getInput(0));
		float[] w = scales(m, n.getInput(1));
		if (in == null || w == null || in.length != 1 || w.length != channels && w.length != 1) {
			return null;
		}
		float[] s = new float[channels];
		for (int c = 0; c < channels; c++) {
			s[c] = in[0] * w[w.length == 1 ? 0 : c];
		}
		return s;
	}

	/** The layer whose input and weight scales make the bias of {@code node}'s: the node, or for a bias Add the MatMul or Gemm it adds to. */
	static NodeProto layer(ModelFacts m, String node, String floatOutput) {
		NodeProto n = m.node(node);
		if (n == null && floatOutput != null) {
			n = m.producer(floatOutput);
		}
		return n != null && n.getOpType().equals("Add") ? product(m, n) : n;
	}

	/**
	 * The MatMul or Gemm whose result a bias Add adds to: the producer of the Add's input that is not the
	 * dequantized bias. Null when the Add adds to anything else (a residual, a float op).
	 */
	private static NodeProto product(ModelFacts m, NodeProto add) {
		if (add.getInputCount() != 2) {
			return null;
		}
		for (int i = 0; i < 2; i++) {
			NodeProto bias = m.producer(add.getInput(1 - i));
			NodeProto p = m.producer(add.getInput(i));
			if (bias != null && bias.getOpType().equals("DequantizeLinear") && m.stored.containsKey(bias.getInput(0)) && p != null
					&& (p.getOpType().equals("MatMul") || p.getOpType().equals("Gemm"))) {
				return p;
			}
		}
		return null;
	}

	/** The scales of the DequantizeLinear that produces {@code tensor}, or null. */
	static float[] scales(ModelFacts m, String tensor) {
		NodeProto dq = m.producer(tensor);
		if (dq == null || !dq.getOpType().equals("DequantizeLinear")) {
			return null;
		}
		Tensor s = m.value(dq.getInput(1));
		return s == null ? null : s.toFloatArray();
	}
}
