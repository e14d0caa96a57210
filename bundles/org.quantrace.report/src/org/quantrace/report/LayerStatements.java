package org.quantrace.report;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.quantrace.model.trace.LayerQuantizationRecord;
import org.quantrace.model.trace.OptimizationRecord;

/**
 * A statement the quantizer writes in a layer's reason (a clamped bias, a widened weight scale), read back from it and
 * stated by PhIMT0003 under its optimization's table, one line per layer that makes it ({@link ClampedBiases},
 * {@link WidenedWeightScales}).
 */
final class LayerStatements {

	private LayerStatements() {
	}

	/** The statement {@code pattern} finds in {@code reason}, spaces (line breaks in a document read back) made one, or null. */
	static String stated(Pattern pattern, String reason) {
		Matcher m = pattern.matcher(reason == null ? "" : reason);
		return m.find() ? m.group().replaceAll("\\s+", " ") : null;
	}

	/** "Deviation of S {@code from}: layer L (Op): STATEMENT: {@code consequence}" per layer of {@code o} stating it, in the record's order. */
	static List<String> deviations(OptimizationRecord o, Pattern pattern, String from, String consequence) {
		List<String> out = new ArrayList<>();
		if (o.getQuantization() == null) {
			return out;
		}
		for (LayerQuantizationRecord l : o.getQuantization().getLayers()) {
			String s = stated(pattern, l.getReason());
			if (s != null) {
				out.add("Deviation of " + o.getScheme() + " " + from + ": layer " + l.getNode() + " (" + l.getOpType() + "): " + s + ": " + consequence);
			}
		}
		return out;
	}
}
