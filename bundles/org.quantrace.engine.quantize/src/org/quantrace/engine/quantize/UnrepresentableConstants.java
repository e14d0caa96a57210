package org.quantrace.engine.quantize;

import java.util.Collections;
import java.util.Map;
import java.util.WeakHashMap;

import org.quantrace.engine.onnx.DataType;
import org.quantrace.engine.onnx.Node;
import org.quantrace.engine.onnx.Tensor;

/**
 * Constants no quantization scale can represent: a float constant that holds inf or NaN (a causal mask's −inf fill), or a
 * value so large that its range overflows float (numpy's finfo(float32).min as a fill: max − min is infinite). Quantized as
 * a weight or as a compute op's constant input its scale would be infinite or NaN (round debugmask's Where(band, x·W, −inf)
 * stopped quantize with an internal error from QdqWriter.weight). The op reading such a constant stays float, with this reason;
 * a masking fill before a Softmax still lets that Softmax run on codes ({@link MaskedScores}: its input, the masked sum, is
 * quantized over the scores' range).
 */
final class UnrepresentableConstants {

	/** Half of float's largest value: a range between ±this and 0 still has a finite width. */
	private static final float LARGEST = Float.MAX_VALUE / 2;

	/** Each constant scanned once (weights may be large and are asked about by several passes); weak: models come and go. */
	private static final Map<Tensor, String> SCANNED = Collections.synchronizedMap(new WeakHashMap<>());

	private UnrepresentableConstants() {
	}

	/** Why {@code node} stays float because a float constant it reads cannot be quantized, or null. */
	static String refusal(Node node) {
		for (String input : node.inputs()) {
			Tensor c = input.isEmpty() ? null : node.graph().constant(input);
			String what = c == null || !c.dataType().isFloatingPoint() ? null : SCANNED.computeIfAbsent(c, UnrepresentableConstants::scan);
			if (what != null && !what.isEmpty()) {
				return "its constant input '" + input + "' holds " + what + ", which no quantization scale can represent (its scale would be infinite"
						+ " or NaN): it runs in float" + (MaskedScores.scores(node) != null ? "; it masks the scores of a Softmax, which runs on codes"
								+ " over the scores' range (the masked entries saturate to the lowest code)" : "");
			}
		}
		return null;
	}

	/** What of {@code c}'s values cannot be quantized ("−inf", "NaN", "−3.40282e+38"), or "" when all can. */
	private static String scan(Tensor c) {
		for (float v : c.toFloatArray()) {
			if (Float.isNaN(v)) {
				return "NaN";
			}
			if (Float.isInfinite(v)) {
				return v < 0 ? "−inf" : "+inf";
			}
			if (Math.abs(v) > LARGEST) {
				return String.valueOf(v).replace('-', '−') + " (its range overflows float)";
			}
		}
		return "";
	}
}
