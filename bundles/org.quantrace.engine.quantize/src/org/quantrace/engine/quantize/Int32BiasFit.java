package org.quantrace.engine.quantize;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A weight's scale widened where its layer's int32 bias would not fit at s_input · s_weight, as ONNX Runtime's quantizer does
 * (its QDQ quantizer's weight-scale adjustment for int32 biases, 1.17+): int16 weights with int16 activations make that product
 * about 1e-10, and a bias of 0.5 would need a code beyond int32. Clamping the code (what the writer did before, evidence12)
 * made the layer add a smaller bias than the float model's (round 23's shift lost 15 pt at W16A16); raising the channel's weight
 * scale until the bias fits keeps the bias and quantizes that channel's weights more coarsely, by the ratio stated.
 * <p>
 * The smallest valid bias scale is ONNX Runtime's: 1.0001 · 2|b| / (2^32 − 2), |b| the channel's bias (per tensor: the
 * bias's largest magnitude). A channel whose s_input · s_weight is below it gets s_weight · (that / (s_input · s_weight)).
 * The layer's record states every widened channel and its ratio ({@link #statement}); verify derives both again.
 */
final class Int32BiasFit {

	/** ONNX Runtime's margin above the smallest scale at which the bias fits. */
	private static final double MARGIN = 1.0001;
	/** int32's span as ONNX Runtime takes it: 2^31 − 1 − (−2^31 + 1). */
	private static final double SPAN = (double) Integer.MAX_VALUE - (Integer.MIN_VALUE + 1.0);

	/** The widened weight parameters and what the layer's record says of them. */
	record Widened(QuantParams params, String statement) {
	}

	private Int32BiasFit() {
	}

	/**
	 * {@code weight} with the scales widened where {@code bias} would not fit int32 at {@code inputScale} times them, or null
	 * when it fits everywhere (every 8-bit scheme in practice) or the bias does not go channel for channel with the scales.
	 */
	static Widened widen(QuantParams weight, float inputScale, float[] bias) {
		float[] scales = weight.scales().clone();
		boolean perChannel = scales.length > 1 || weight.perChannel();
		if (perChannel && scales.length != bias.length || bias.length == 0) {
			return null; // the clamp of the bias's codes stays the fallback, and is stated (Int32BiasClamp)
		}
		List<String> widened = new ArrayList<>();
		for (int c = 0; c < scales.length; c++) {
			double magnitude = perChannel ? Math.abs((double) bias[c]) : largestMagnitude(bias);
			double smallest = MARGIN * 2 * magnitude / SPAN;
			double candidate = (double) inputScale * scales[c];
			if (candidate > 0 && candidate < smallest) {
				float raised = (float) (scales[c] * (smallest / candidate));
				widened.add((perChannel ? "channel " + c + " " : "") + ratio(raised, scales[c]));
				scales[c] = raised;
			}
		}
		if (widened.isEmpty()) {
			return null;
		}
		QuantParams p = new QuantParams(weight.type(), scales, weight.zeroPoints(), weight.axis(), weight.reduceRange());
		return new Widened(p, statement(widened, perChannel ? scales.length : 0));
	}

	/** "×14.2": how much coarser the widened scale quantizes, to three digits, as verify prints it too. */
	static String ratio(float widened, float formula) {
		return "×" + String.format(Locale.ROOT, "%.3g", widened / (double) formula);
	}

	/**
	 * "weight scale widened for the int32 bias in 1 of 20 channels (channel 3 ×14.2): ..." (per tensor: "weight scale widened
	 * for the int32 bias (×14.2): ..."), the words report.WidenedWeightScales reads back.
	 */
	static String statement(List<String> widened, int channels) {
		String which = channels == 0 ? "(" + widened.get(0) + ")" : "in " + widened.size() + " of " + channels + " channels (" + String.join(", ", widened) + ")";
		return "weight scale widened for the int32 bias " + which + ": at the scale the weights' range gives, the bias's code would pass int32's range,"
				+ " so the weights are quantized that many times coarser there and the bias keeps its value (as ONNX Runtime's quantizer does)";
	}

	private static double largestMagnitude(float[] values) {
		double m = 0;
		for (float v : values) {
			m = Math.max(m, Math.abs((double) v));
		}
		return m;
	}
}
