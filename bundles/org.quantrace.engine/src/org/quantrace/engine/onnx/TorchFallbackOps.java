package org.quantrace.engine.onnx;

import java.util.Map;
import java.util.TreeMap;

/**
 * torch's ATen fallback nodes (domain org.pytorch.aten, op ATen): what torch.onnx.export writes with
 * operator_export_type ONNX_ATEN_FALLBACK for an op ONNX has no form for. No ONNX runtime runs them, and ONNX Runtime's
 * words ("org.pytorch.aten:ATen(-1) is not a registered function/op") name neither the torch op nor what to do. The
 * case met (qat3): torch's default QAT qconfig's fused observer, which torch 1.13 cannot export otherwise.
 */
public final class TorchFallbackOps {

	private TorchFallbackOps() {
	}

	/** What to do about the model's ATen fallback nodes, naming their torch ops, or null when it has none. */
	public static String hint(OnnxModel model) {
		Map<String, Integer> ops = new TreeMap<>();
		for (Node n : model.graph().allNodes()) {
			if (n.domain().equals("org.pytorch.aten") || n.opType().equals("ATen")) {
				ops.merge(n.stringAttribute("operator", n.opType()), 1, Integer::sum);
			}
		}
		if (ops.isEmpty()) {
			return null;
		}
		StringBuilder h = new StringBuilder("the model holds torch's ATen fallback nodes (domain org.pytorch.aten: ");
		ops.forEach((op, n) -> h.append(op).append(" x").append(n).append(", "));
		h.setLength(h.length() - 2);
		h.append("), which the export's ONNX_ATEN_FALLBACK writes for ops ONNX has no form for and only torch runs: export the model"
				+ " with ONNX ops only");
		if (ops.containsKey("fused_moving_avg_obs_fake_quant")) {
			h.append("; fused_moving_avg_obs_fake_quant is the fused observer of torch's default QAT qconfig: train with"
					+ " get_default_qat_qconfig(backend, version=0) (plain FakeQuantize), or, its observers disabled, replace each"
					+ " FusedMovingAvgObsFakeQuantize's forward by torch.fake_quantize_per_tensor_affine / fake_quantize_per_channel_affine"
					+ " with its frozen scale and zero point (the function it then computes); torch exports those as"
					+ " QuantizeLinear/DequantizeLinear, which `quantrace convert` runs on integer kernels with the trained codes");
		}
		return h.toString();
	}
}
