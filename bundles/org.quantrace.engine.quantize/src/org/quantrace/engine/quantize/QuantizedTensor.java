package org.quantrace.engine.quantize;

import org.quantrace.engine.calibrate.Range;

/**
 * One tensor as quantized: its role, the node it belongs to, the parameters written into the model, the
 * range they were computed from (calibrated, or the weights' own) and the range actually observed.
 */
public record QuantizedTensor(String tensor, Role role, String node, QuantParams params, Range range, Range observed) {

	/**
	 * What the tensor is to its node: a weight, a bias, an activation between layers (or a constant operand of an op
	 * without weights, quantized with the activations' type: an Add's constant, a lowered HardSigmoid's β), or a
	 * model input or output.
	 */
	public enum Role {
		WEIGHT, BIAS, ACTIVATION, INPUT, OUTPUT
	}
}
