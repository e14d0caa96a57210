package org.quantrace.engine.quantize;

/**
 * What a layer's record says when its bias does not fit int32 at s_input · s_weight and the writer clamps its codes (int16
 * weights with int16 activations make that scale about 1e-10, which a bias of 0.5 exceeds). The layer then adds a smaller
 * bias than the float model's: a deviation from the float model beyond rounding, which the trace's layer reason, run's output
 * and PhIMT0003 state, and verify derives again from the two model files (report.AifsmLogs#INT32_BIAS_CLAMPED reads it back).
 * The weight scale is widened first so that the bias fits ({@link Int32BiasFit}, as ONNX Runtime does); a clamp remains only
 * where the bias does not go channel for channel with the weight's scales, and the statement names what the file does.
 */
final class Int32BiasClamp {

	private Int32BiasClamp() {
	}

	/** "bias clamped to int32 in 2 of 4 channels (first: channel 0)" and why it matters, as the layer's reason carries it. */
	static String statement(int clamped, int channels, int first) {
		return "bias clamped to int32 in " + clamped + " of " + channels + " channels (first: channel " + first + "): the layer adds a smaller bias than"
				+ " the float model's there; quantize it with int8 weights or 8-bit activations, or exclude it";
	}
}
