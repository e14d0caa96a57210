package org.quantrace.report;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

import org.quantrace.model.trace.LayerQuantizationRecord;
import org.quantrace.model.trace.OptimizationRecord;

/**
 * Why a quantized model holds another parameter count than its float model: weights and biases keep their count as
 * integer codes, but a layer the quantizer rewrote may store more values (a ConvTranspose as a sub-pixel Conv holds
 * the bias once per phase: round 12's dae, 6,980 against 6,929) or fewer. The quantizer records per layer what its
 * rewrite stores beyond the float layer; report.html and results.json print it beside the count, verify counts it again
 * from the two files.
 */
public final class RewrittenParameters {

	private RewrittenParameters() {
	}

	/** Per rewritten float layer, the values it stores beyond the float layer's (negative: fewer), in the layers' order; empty when none differ. */
	public static Map<String, Long> byLayer(OptimizationRecord o) {
		Map<String, Long> added = new LinkedHashMap<>();
		if (o.getQuantization() != null) {
			for (LayerQuantizationRecord l : o.getQuantization().getLayers()) {
				if (l.getAddedParameters() != 0) {
					added.merge(l.getNode(), l.getAddedParameters(), Long::sum);
				}
			}
		}
		return added;
	}

	/**
	 * "fiq_int8 holds 6,980 parameters, the float model's 6,929 and 51 its rewritten layers store beyond theirs: /d1/ConvTranspose
	 * +48, /d2/ConvTranspose +3 (how each was rewritten: PhIMT0003's per-layer appendix)", or null when the counts are the same.
	 */
	public static String sentence(OptimizationRecord o) {
		Map<String, Long> added = byLayer(o);
		if (added.isEmpty() || o.getInput() == null || o.getOutput() == null) {
			return null;
		}
		long sum = added.values().stream().mapToLong(Long::longValue).sum();
		StringBuilder s = new StringBuilder(String.format(Locale.ROOT, "%s holds %,d parameters, the float model's %,d and %,d its rewritten layers store beyond theirs: ",
				o.getScheme(), o.getOutput().getParameterCount(), o.getInput().getParameterCount(), sum));
		String sep = "";
		for (Map.Entry<String, Long> e : added.entrySet()) {
			s.append(sep).append(e.getKey()).append(String.format(Locale.ROOT, " %+,d", e.getValue()));
			sep = ", ";
		}
		return s.append(" (how each was rewritten: PhIMT0003's per-layer appendix)").toString();
	}
}
