package org.quantrace.report;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

import org.quantrace.model.trace.OptimizationRecord;
import org.quantrace.model.trace.RewrittenParameterCount;

/**
 * Why a quantized model holds another parameter count than its float model: weights and biases keep their count as
 * integer codes, but a layer the quantizer rewrote may store more values (a ConvTranspose as a sub-pixel Conv holds the
 * bias once per phase, a lowered HardSwish its constants) or fewer (a Mul+Add written as one Conv). The quantizer records
 * per float layer what the written model holds beyond it (QuantizationRecord.rewrittenParameters, the rule in README's
 * inspect row); report.html and results.json print it beside the count, verify counts it again from the two files.
 */
public final class RewrittenParameters {

	/** How a layer's figure names values no layer reads. */
	public static final String NO_LAYER = "(read by no layer)";

	private RewrittenParameters() {
	}

	/** Per float layer, what the quantized model holds beyond it (negative: fewer), in the record's order; empty where none differ or nothing was counted. */
	public static Map<String, Long> byLayer(OptimizationRecord o) {
		Map<String, Long> added = new LinkedHashMap<>();
		if (o.getQuantization() != null) {
			for (RewrittenParameterCount c : o.getQuantization().getRewrittenParameters()) {
				added.put(c.getLayer().isEmpty() ? NO_LAYER : c.getLayer(), c.getAdded());
			}
		}
		return added;
	}

	/**
	 * "fiq_int8 holds 6,980 parameters, the float model 6,929 (+51); per float layer whose stored values quantization changed,
	 * what it holds beyond them: /d1/ConvTranspose +48, /d2/ConvTranspose +3 (...)", or null where no layer's count differs.
	 */
	public static String sentence(OptimizationRecord o) {
		Map<String, Long> added = byLayer(o);
		if (added.isEmpty() || o.getInput() == null || o.getOutput() == null) {
			return null;
		}
		StringBuilder s = new StringBuilder(String.format(Locale.ROOT, "%s holds %,d parameters, the float model %,d (%+,d); per float layer whose stored values"
				+ " quantization changed, what it holds beyond them: ", o.getScheme(), o.getOutput().getParameterCount(), o.getInput().getParameterCount(),
				o.getOutput().getParameterCount() - o.getInput().getParameterCount()));
		String sep = "";
		for (Map.Entry<String, Long> e : added.entrySet()) {
			s.append(sep).append(e.getKey()).append(String.format(Locale.ROOT, " %+,d", e.getValue()));
			sep = ", ";
		}
		return s.append(" (").append(RULE).append(")").toString();
	}

	/** The rule in a sentence's words, as the report ends it. */
	public static final String RULE = "each stored value counted for the first layer reading it; how each layer was quantized or rewritten: PhIMT0003's per-layer appendix";
}
