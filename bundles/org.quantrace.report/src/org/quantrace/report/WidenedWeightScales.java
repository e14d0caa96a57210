package org.quantrace.report;

import java.util.List;
import java.util.regex.Pattern;

import org.quantrace.model.trace.OptimizationRecord;

/**
 * The layers whose weight scale the quantizer widened so that their int32 bias fits (engine.quantize's Int32BiasFit writes
 * the words in the layer's reason, with each widened channel and its ratio): those weights are quantized more coarsely than
 * their range gives, and the scale formula of the logs does not hold for them. PhIMT0003 states each under its optimization's
 * table, run prints it, the logs' worked example takes another tensor, and verify derives the same words from the two model files.
 */
public final class WidenedWeightScales {

	private WidenedWeightScales() {
	}

	/** The statement in a layer's reason, up to its list of channels; spaces may be line breaks in a document read back. */
	public static final Pattern STATEMENT = Pattern.compile("weight\\s*scale\\s*widened\\s*for\\s*the\\s*int32\\s*bias\\s*(?:in\\s*\\d+\\s*of\\s*\\d+\\s*channels\\s*)?\\([^)]*\\)");

	/** The statement {@code reason} makes, or null. */
	public static String stated(String reason) {
		return LayerStatements.stated(STATEMENT, reason);
	}

	/** Whether the reason of {@code node}'s layer in {@code q} states a widened weight scale. */
	static boolean widened(org.quantrace.model.trace.QuantizationRecord q, String node) {
		return q.getLayers().stream().anyMatch(l -> l.getNode().equals(node) && stated(l.getReason()) != null);
	}

	/** PhIMT0003's lines of {@code o}, one per layer whose weight scale was widened, in the record's order. */
	static List<String> deviations(OptimizationRecord o) {
		return LayerStatements.deviations(o, STATEMENT, "from the scale formula", "its weights there are quantized that many times coarser than their"
				+ " range gives, so that the int32 bias keeps the float model's value");
	}
}
