package org.quantrace.engine.quantize;

import java.util.Map;
import java.util.Optional;
import java.util.Set;

import org.quantrace.engine.onnx.Node;

/**
 * What Quantrace knows about each op type when quantizing: how it is quantized in QDQ form, which input
 * holds weights (and along which axis a weight is per-channel), and why an op stays float.
 */
public final class OpRegistry {

	/** How an op is quantized. */
	public enum Role {
		/** Has weights; ONNX Runtime fuses DQ-op-Q into an integer kernel (QLinearConv, QGemm, QLinearMatMul...). */
		WEIGHTED,
		/** Moves data without changing values: its output reuses its input's scale and zero point. */
		SAME_SCALE,
		/** Relu/Clip: folded into the quantization of the op before it when its range starts at 0. */
		ACTIVATION,
		/** Computes on activations only (Add, Concat, pooling...): own output scale. */
		ELEMENTWISE
	}

	private static final Map<String, Role> ROLES = Map.ofEntries(Map.entry("Conv", Role.WEIGHTED), Map.entry("ConvTranspose", Role.WEIGHTED),
			Map.entry("Gemm", Role.WEIGHTED), Map.entry("MatMul", Role.WEIGHTED), Map.entry("MaxPool", Role.SAME_SCALE),
			Map.entry("Reshape", Role.SAME_SCALE), Map.entry("Flatten", Role.SAME_SCALE), Map.entry("Transpose", Role.SAME_SCALE),
			Map.entry("Squeeze", Role.SAME_SCALE), Map.entry("Unsqueeze", Role.SAME_SCALE), Map.entry("Resize", Role.SAME_SCALE),
			Map.entry("Relu", Role.ACTIVATION), Map.entry("Clip", Role.ACTIVATION), Map.entry("Add", Role.ELEMENTWISE),
			Map.entry("Mul", Role.ELEMENTWISE), Map.entry("Concat", Role.ELEMENTWISE), Map.entry("AveragePool", Role.ELEMENTWISE),
			Map.entry("GlobalAveragePool", Role.ELEMENTWISE), Map.entry("Sigmoid", Role.ELEMENTWISE), Map.entry("LeakyRelu", Role.ELEMENTWISE),
			Map.entry("Softmax", Role.ELEMENTWISE));

	/** Ops that stay float whatever the recipe says, and why. */
	private static final Map<String, String> FLOAT_REASONS = Map.of( //
			"BatchNormalization", "BatchNormalization is a training-time op here: freeze the model first (quantrace convert) to fold it",
			"Dropout", "Dropout is a training op: freeze the model first (quantrace convert)",
			"HardSigmoid", "no integer HardSigmoid kernel in ONNX Runtime: it runs in float between DequantizeLinear/QuantizeLinear",
			"If", "control flow: the nodes of its branches cannot be observed during calibration",
			"Loop", "control flow: the nodes of its body cannot be observed during calibration",
			"Scan", "control flow: the nodes of its body cannot be observed during calibration");

	/** Ops for which a per-channel weight axis exists. */
	private static final Set<String> WEIGHT_OPS = Set.of("Conv", "ConvTranspose", "Gemm", "MatMul");

	private OpRegistry() {
	}

	public static Optional<Role> role(Node node) {
		if (!node.domain().isEmpty() && !node.domain().equals("ai.onnx")) {
			return Optional.empty();
		}
		return Optional.ofNullable(ROLES.get(node.opType()));
	}

	/** Why {@code node} cannot be quantized, judged from its op type alone. */
	public static String floatReason(Node node) {
		String reason = FLOAT_REASONS.get(node.opType());
		if (reason != null) {
			return reason;
		}
		if (!node.domain().isEmpty() && !node.domain().equals("ai.onnx")) {
			return "custom-domain op " + node.domain() + "." + node.opType() + " is not quantized";
		}
		return node.opType() + " is not in Quantrace's quantizable set (Conv, ConvTranspose, Gemm, MatMul, pooling, Add, Mul, Concat, "
				+ "Sigmoid, Softmax, data movement): it runs in float";
	}

	/** The input index holding the weight of a weighted op. */
	public static int weightInput(Node node) {
		return 1;
	}

	/** The input index holding the bias, or -1. */
	public static int biasInput(Node node) {
		return switch (node.opType()) {
		case "Conv", "ConvTranspose", "Gemm" -> 2;
		default -> -1;
		};
	}

	/**
	 * The weight axis that indexes output channels, for per-channel quantization: Conv [M, C/g, kh, kw] → 0;
	 * ConvTranspose [C, M/g, kh, kw] → 1; Gemm B [K, N] → 1, or [N, K] with transB → 0; MatMul B [.., K, N] → last.
	 */
	public static int channelAxis(Node node, int weightRank) {
		if (!WEIGHT_OPS.contains(node.opType())) {
			throw new IllegalArgumentException(node.opType() + " has no weights");
		}
		return switch (node.opType()) {
		case "Conv" -> 0;
		case "ConvTranspose" -> 1;
		case "Gemm" -> node.intAttribute("transB", 0) == 1 ? 0 : 1;
		default -> weightRank - 1;
		};
	}
}
