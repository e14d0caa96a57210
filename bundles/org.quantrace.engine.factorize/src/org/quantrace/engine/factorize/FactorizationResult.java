package org.quantrace.engine.factorize;

import java.util.List;

import org.quantrace.engine.onnx.OnnxModel;

/** The factorized model and, per candidate layer, the rank chosen (or why it was skipped) and the error. */
public record FactorizationResult(OnnxModel model, FactorizationSpec spec, List<Layer> layers, long parametersBefore, long parametersAfter) {

	/**
	 * One layer: W (m × n) replaced by (m × r)(r × n); reconstruction error = ||W - W1 W2||_F / ||W||_F,
	 * retained energy = the share of Σσ² the kept singular values hold.
	 */
	public record Layer(String layer, String opType, int rank, int fullRank, long parametersBefore, long parametersAfter, double retainedEnergy,
			double reconstructionError, boolean skipped, String reason) {
	}
}
