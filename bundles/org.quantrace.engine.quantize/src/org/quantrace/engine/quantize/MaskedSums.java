package org.quantrace.engine.quantize;

import java.util.LinkedHashMap;
import java.util.Map;

import org.quantrace.engine.onnx.Node;
import org.quantrace.engine.onnx.OnnxModel;

/**
 * The masked sums a quantized model holds on purpose, in its own metadata: a Softmax over attention scores masked far below
 * ({@link MaskedScores}) runs on codes, its input quantized over the scores' range widened 16 below, so every masked entry (the
 * mask's −1e4, finfo.min or −inf) saturates to the lowest code. The debugger has only the two models and data: without the mark
 * it measured those entries (bert2in rmse/scale 2.9e4, mha ∞) and advised float for an error the quantizer chose (masks33). Key
 * {@link #METADATA} followed by the sum's name, value the name of the scores the mask is added to (or filled over): the debugger
 * measures the sum where it equals the scores plus a mask entry that keeps ({@link #masked}).
 */
public final class MaskedSums {

	/** The quantized model's metadata_props key, followed by the masked sum's name; its value is the scores' name. */
	public static final String METADATA = "quantrace.masked_scores:";

	private MaskedSums() {
	}

	/**
	 * Whether an entry of the masked sum is masked: what the mask added ({@code sum − scores}) is below {@link MaskedScores#DENORMAL_EXP}
	 * (−87.34: its exp is denormal or 0), or the sum is −inf. A kept entry is the scores' own value (+ 0, or a Where's), bit for bit;
	 * a mask entry above the threshold (a 2 in an attention_mask gives +1e4) is no masked entry, so its error is measured.
	 */
	public static boolean masked(float sum, float scores) {
		return sum == Float.NEGATIVE_INFINITY || (double) sum - scores < MaskedScores.DENORMAL_EXP;
	}

	/** The masked sums {@code model}'s metadata names, each with its scores. */
	public static Map<String, String> of(OnnxModel model) {
		Map<String, String> marked = new LinkedHashMap<>();
		model.metadata().forEach((k, v) -> {
			if (k.startsWith(METADATA)) {
				marked.put(k.substring(METADATA.length()), v);
			}
		});
		return marked;
	}

	/**
	 * Writes the marks for the masked sums ({@code masked}: sum → scores) the model quantizes (a QuantizeLinear reads the sum; with
	 * int16 activations the Softmax stays float and nothing saturates on purpose). Marks the input model carried are removed
	 * first: they are not this quantization's. A model without masked Softmaxes is written byte for byte as before.
	 */
	static void mark(OnnxModel model, Map<String, String> masked) {
		model.removeMetadata(METADATA);
		masked.forEach((sum, scores) -> {
			if (model.graph().consumers(sum).stream().map(Node::opType).anyMatch("QuantizeLinear"::equals)) {
				model.putMetadata(METADATA + sum, scores);
			}
		});
	}
}
