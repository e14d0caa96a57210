package org.quantrace.engine.evaluate;

import java.util.Locale;

/**
 * A {@link DebugReport} as the CSV table the TFLite debugger writes: a row per tensor and mode (isolated,
 * accumulated), every metric, and whether that mode is beyond the threshold; for a class-score output, in how many samples its
 * codes tie or change the top class ({@link DebugReport.TopClass}); for masked attention scores, the entries left out as masked
 * ({@link DebugReport.TensorDebug#masked}, empty for any other tensor). The charts are drawn by the report
 * bundle ({@code org.quantrace.report.DebugCharts}), which writes this table beside them.
 */
public final class DebugCsv {

	private DebugCsv() {
	}

	public static String of(DebugReport r) {
		StringBuilder s = new StringBuilder("layer_index,op,node,tensor,scale,zero_point,params_from,mode,num_elements,stddev,mean_error,max_abs_error,"
				+ "mean_squared_error,sqnr,cosine_similarity,rmse_over_scale,top_tied,top_changed,masked,flagged,saturated,clipped_at_calibration\n");
		for (DebugReport.TensorDebug t : r.tensors()) {
			DebugReport.TopClass top = r.topClass(t.tensor());
			row(s, t, "isolated", t.isolated(), t.flagged(), top == null ? "," : top.tiedIsolated() + "," + top.changedIsolated());
			row(s, t, "accumulated", t.accumulated(), t.accumulatedFlagged(), top == null ? "," : top.tiedAccumulated() + "," + top.changedAccumulated());
		}
		return s.toString();
	}

	/** {@code top}: the top_tied and top_changed cells (empty for a tensor that is no class-score output). */
	private static void row(StringBuilder s, DebugReport.TensorDebug t, String mode, DebugReport.Stats st, boolean flagged, String top) {
		s.append(String.format(Locale.ROOT, "%d,%s,%s,%s,%s,%d,%s,%s,%d,%.6g,%.6g,%.6g,%.6g,%.6g,%.6g,%.6g,%s,%s,%s,%d,%s%n", t.layerIndex(), t.opType(), quote(t.node()),
				quote(t.tensor()), Float.toString(t.scale()), t.zeroPoint(), quote(t.paramsFrom()), mode, st.numElements(), st.stddev(), st.meanError(),
				st.maxAbsError(), st.meanSquaredError(), st.sqnr(), st.cosineSimilarity(), st.rmseOverScale(), top, t.maskedOnPurpose() ? Long.toString(t.masked()) : "", flagged, t.saturated(), t.clippedOnPurpose()));
	}

	/** RFC 4180: a node's name may hold a comma, a quote or a line break (any text its exporter gave), each kept in one cell. */
	private static String quote(String v) {
		return v.contains(",") || v.contains("\"") || v.contains("\n") || v.contains("\r") ? "\"" + v.replace("\"", "\"\"") + "\"" : v;
	}
}
