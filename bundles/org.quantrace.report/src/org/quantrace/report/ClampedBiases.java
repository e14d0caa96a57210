package org.quantrace.report;

import java.util.List;
import java.util.regex.Pattern;

import org.quantrace.model.trace.OptimizationRecord;

/**
 * The layers whose int32 bias codes the quantizer clamped (engine.quantize's Int32BiasClamp writes the words in the layer's
 * reason): the quantized model adds a smaller bias there than the float model, a deviation beyond rounding. PhIMT0003 states
 * each under its optimization's table, run prints it, and verify derives the same words from the two model files.
 */
public final class ClampedBiases {

	private ClampedBiases() {
	}

	/** The statement in a layer's reason; spaces may be line breaks in a document read back. */
	public static final Pattern STATEMENT = Pattern.compile("bias\\s*clamped\\s*to\\s*int32\\s*in\\s*(\\d+)\\s*of\\s*(\\d+)\\s*channels\\s*\\(first:\\s*channel\\s*(\\d+)\\)");

	/** The statement {@code reason} makes, or null. */
	public static String stated(String reason) {
		return LayerStatements.stated(STATEMENT, reason);
	}

	/** PhIMT0003's deviation lines of {@code o}, one per layer whose bias was clamped, in the record's order. */
	static List<String> deviations(OptimizationRecord o) {
		return LayerStatements.deviations(o, STATEMENT, "from its float model", "the quantized layer adds a smaller bias than the float model's there");
	}
}
