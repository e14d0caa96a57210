package org.quantrace.engine.quantize;

import org.quantrace.engine.calibrate.Range;
import org.quantrace.model.trace.TensorRole;

/**
 * One tensor as quantized: its role, the node it belongs to, the parameters written into the model, the
 * range they were computed from (calibrated, or the weights' own) and the range actually observed.
 */
public record QuantizedTensor(String tensor, TensorRole role, String node, QuantParams params, Range range, Range observed) {
}
