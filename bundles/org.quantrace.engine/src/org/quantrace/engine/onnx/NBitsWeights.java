package org.quantrace.engine.onnx;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * ONNX Runtime's weight-only low-bit form: com.microsoft.MatMulNBits, as its MatMul4BitsQuantizer (and the transformers
 * optimizer's int4 pass) writes a MatMul with a constant weight: the weight stored as packed b-bit codes in blocks of
 * {@code block_size} along K, a float scale per block and column (and packed zero points where asymmetric), dequantized inside
 * the kernel, which computes in float (make_unseen33's int4rows). No QuantizeLinear, no integer kernel shows it, so a model of
 * this form read as a float one; it is weight-only quantized as a dynamic-range output on int8 codes read through Cast and Mul
 * is, and said so wherever that one is (inspect's notes, quantize's and a recipe's {@code model-weight-only} warning).
 */
public final class NBitsWeights {

	public static final String DOMAIN = "com.microsoft";
	public static final String OP = "MatMulNBits";

	/** One MatMulNBits node as the model holds it: its attributes, and whether a zero-point input is given (asymmetric codes). */
	public record Layer(String name, long bits, long blockSize, long k, long n, boolean zeroPoints) {
	}

	private NBitsWeights() {
	}

	/** The model's MatMulNBits nodes (subgraphs included), in the file's order; empty for a model of none. */
	public static List<Layer> of(OnnxModel model) {
		List<Layer> found = new ArrayList<>();
		for (Node n : model.graph().allNodes()) {
			if (OP.equals(n.opType()) && DOMAIN.equals(n.domain())) {
				// ORT's defaults: bits 4, block_size required (no default: 0 says "not given")
				found.add(new Layer(n.label(), n.intAttribute("bits", 4), n.intAttribute("block_size", 0), n.intAttribute("K", 0), n.intAttribute("N", 0),
						n.inputs().size() > 3 && !n.input(3).isEmpty()));
			}
		}
		return found;
	}

	/**
	 * {@code layers} in words, grouped by their form: "2 com.microsoft.MatMulNBits on stored 4-bit weight codes in blocks of 32
	 * along K, zero points stored ('fc1_Q4' K 28 x N 128, 'fc2_Q4' K 128 x N 128)"; null for none. Every group is named whole
	 * (its nodes up to 8, then "and N more").
	 */
	public static String described(List<Layer> layers) {
		if (layers.isEmpty()) {
			return null;
		}
		Map<String, List<Layer>> groups = new LinkedHashMap<>();
		for (Layer l : layers) {
			groups.computeIfAbsent(form(l), f -> new ArrayList<>()).add(l);
		}
		List<String> parts = new ArrayList<>();
		groups.forEach((form, ls) -> {
			List<String> names = ls.stream().limit(8).map(l -> "'" + l.name() + "' K " + l.k() + " x N " + l.n()).toList();
			parts.add(ls.size() + " " + DOMAIN + "." + OP + " on " + form + " (" + String.join(", ", names) + (ls.size() > 8 ? " and " + (ls.size() - 8) + " more" : "") + ")");
		});
		return String.join("; ", parts);
	}

	/** "stored 4-bit weight codes in blocks of 32 along K, zero points stored" (or "symmetric: no zero points"). */
	public static String form(Layer l) {
		return "stored " + l.bits() + "-bit weight codes in blocks of " + l.blockSize() + " along K, " + (l.zeroPoints() ? "zero points stored" : "no zero points (symmetric)");
	}
}
