package org.quantrace.engine.quantize;

import java.util.List;
import java.util.Set;
import java.util.function.Function;
import java.util.function.ToIntBiFunction;

import org.quantrace.engine.onnx.Node;

/**
 * What Quantrace knows about quantizing one family of ops, in one place (as ONNX Runtime's quantization
 * {@code registry.py}): how the family is written in QDQ form, which inputs are weights (and along which axis
 * they are per channel) and which is the bias, what ONNX Runtime's CPU provider (x86-64) makes of the QDQ form
 * for which type combinations, and what dynamic-range quantization does with it. The planner, the writers,
 * recovery and the logs read these rules instead of re-deriving them. {@link OpRules} holds the table; every
 * kernel fact was measured on ONNX Runtime 1.29 by reading its optimized model (docs/build-notes.md, and the
 * tiny graph per family in the quantize tests).
 *
 * @param family    the rule's name in logs ("Conv", "data movement"...)
 * @param opTypes   the ONNX op types (default domain) it covers
 * @param form      how the family is quantized in QDQ form
 * @param weights   constant inputs quantized offline (weight, per-channel axis), in input order
 * @param bias      the input holding a bias stored as int32 (scale = input scale × weight scale), or -1
 * @param kernel    what ONNX Runtime runs for the QDQ form
 * @param drq       what dynamic-range quantization does with it
 * @param refusal   why one particular node of the family cannot be quantized as the form says (null: it can)
 */
public record OpRule(String family, Set<String> opTypes, Form form, List<WeightInput> weights, int bias, Kernel kernel, Drq drq,
		Function<Node, String> refusal) {

	/** How a family is written in QDQ form. */
	public enum Form {
		/** Weights (and bias) quantized offline; the input and the output carry Q/DQ pairs. */
		WEIGHTED,
		/** Moves or selects values: runs on the integer codes, its output reuses its input's scale and zero point. */
		CODES,
		/** Relu, Clip from 0: the output quantization of the op before does it (zero point at qmin clamps). */
		CLAMP,
		/** Computes on activations with a scale of its own (Add, Mul, Concat, Softmax, pooling...). */
		COMPUTE,
		/** Multiplies or divides by a positive scalar constant: the same codes with the scale scaled, no node runs. */
		RESCALE,
		/** No integer kernel, but lowered to ops that have one (HardSigmoid, HardSwish → Add, Mul). */
		LOWERED,
		/** Recurrent layers: ONNX Runtime has no QDQ form for them; weights stored as int8, computed in float. */
		RECURRENT,
		/** Control flow: the branches' nodes are quantized where calibration can observe them. */
		CONTROL_FLOW,
		/** No integer kernel in ONNX Runtime: runs in float, kept inside a float island. */
		FLOAT
	}

	/** A constant input quantized offline and the weight axis that indexes output channels (given the weight's rank). */
	public record WeightInput(int input, ToIntBiFunction<Node, Integer> axis) {
		public int axisOf(Node node, int rank) {
			return axis.applyAsInt(node, rank);
		}
	}

	/**
	 * What ONNX Runtime (CPU, x86-64) runs for the QDQ form.
	 *
	 * @param name       the integer kernel or fusion ("QLinearConv", "codes"), null when there is none
	 * @param eightBit   whether it runs for 8-bit activations (uint8 and int8) with int8 weights; 16-bit QDQ never fuses
	 * @param floatOutput whether the kernel may also end in float (no Q on its output: MatMulIntegerToFloat, QGemm)
	 * @param note       the measured fact in words, for the logs
	 * @param slower     for a node of the family, why its integer kernel was measured slower than the float one (null, or
	 *                   a function returning null: not slower); the planner leaves such nodes float when the spec asks
	 *                   ({@link QuantizationSpec#floatSlowKernels})
	 * @param unusable   for a node of the family, why ONNX Runtime's integer kernel was measured several times slower than
	 *                   float, so that the node stays float in every full-integer scheme (null, or a function returning
	 *                   null: the kernel is used)
	 * @param rewrite    for a node of the family, why ONNX Runtime's integer kernel is slow for it as written and the exact
	 *                   rewrite before quantizing that lets it run a fast one (null, or a function returning null: quantized
	 *                   as written); full-integer schemes make it where the node will run on 8-bit integers ({@link RepeatedChannels})
	 */
	public record Kernel(String name, boolean eightBit, boolean floatOutput, String note, Function<Node, String> slower,
			Function<Node, String> unusable, Function<Node, String> rewrite) {

		public Kernel(String name, boolean eightBit, boolean floatOutput, String note) {
			this(name, eightBit, floatOutput, note, null, null, null);
		}

		public Kernel(String name, boolean eightBit, boolean floatOutput, String note, Function<Node, String> slower, Function<Node, String> unusable) {
			this(name, eightBit, floatOutput, note, slower, unusable, null);
		}

		public static Kernel none(String note) {
			return new Kernel(null, false, false, note);
		}

		/** Why ONNX Runtime's integer kernel is slower than float for {@code node}, or null. */
		public String slowerFor(Node node) {
			return slower == null ? null : slower.apply(node);
		}

		/** Why ONNX Runtime's integer kernel is so much slower than float for {@code node} that it is never used, or null. */
		public String unusableFor(Node node) {
			return unusable == null ? null : unusable.apply(node);
		}

		/** Why and how {@code node} is rewritten exactly before quantizing so that ONNX Runtime runs a faster integer kernel, or null. */
		public String rewriteFor(Node node) {
			return rewrite == null ? null : rewrite.apply(node);
		}

		/** Whether ONNX Runtime runs this family on integers with these activations. */
		public boolean runs(QuantType activations) {
			return name != null && eightBit && activations.bits() == 8;
		}
	}

	/** What dynamic-range quantization can do with a family. */
	public enum DrqForm {
		/** Nothing: no weights, or no use. */
		NONE,
		/** Int8 weights dequantized to float once at load; computed in float. */
		WEIGHT_ONLY,
		/** Int8 weights and activations quantized at run time (integer kernels). */
		DYNAMIC
	}

	/**
	 * @param form     the most the family supports
	 * @param kernel   the dynamic kernel ONNX Runtime runs (ConvInteger, DynamicQuantizeMatMul...), or null
	 * @param faster   when the dynamic kernel beats float compute (given the node), as measured; null: never
	 * @param measured what was measured, for the logs and warnings
	 */
	public record Drq(DrqForm form, String kernel, java.util.function.Predicate<Node> faster, String measured) {

		static Drq none() {
			return new Drq(DrqForm.NONE, null, null, "");
		}

		static Drq weightOnly(String why) {
			return new Drq(DrqForm.WEIGHT_ONLY, null, null, why);
		}

		/** Whether the dynamic kernel beats float compute for this node. */
		public boolean dynamicFaster(Node node) {
			return faster != null && faster.test(node);
		}
	}

	/** Whether {@code node} is of this family. */
	public boolean covers(Node node) {
		return opTypes.contains(node.opType()) && node.isStandard();
	}

	/**
	 * Why {@code node} cannot take this rule's form, or null: the rule's own reason, else a float constant it reads that no scale can
	 * represent ({@link UnrepresentableConstants}; not for forms that quantize no constant of theirs).
	 */
	public String refuse(Node node) {
		String own = refusal == null ? null : refusal.apply(node);
		if (own != null || form == Form.FLOAT || form == Form.CLAMP || form == Form.CONTROL_FLOW) {
			return own;
		}
		return UnrepresentableConstants.refusal(node);
	}

	/** The first weight input, or null. */
	public WeightInput weight() {
		return weights.isEmpty() ? null : weights.get(0);
	}

	/** The log's words for what ONNX Runtime runs with these activations. */
	public String kernelText(QuantType activations) {
		if (kernel.runs(activations)) {
			return "ONNX Runtime runs it as " + kernel.name();
		}
		if (kernel.name() != null) {
			return "ONNX Runtime runs " + kernel.name() + " for 8-bit activations only: with " + activations.literal() + " it computes in float between DequantizeLinear and QuantizeLinear";
		}
		return kernel.note();
	}
}
