package org.quantrace.engine.evaluate;

import java.util.Locale;

/**
 * A {@link DebugReport} as the CSV table the TFLite debugger writes: a row per tensor and mode (isolated,
 * accumulated), every metric, and whether that mode is beyond the threshold. The charts are drawn by the report
 * bundle ({@code org.quantrace.report.DebugCharts}), which writes this table beside them.
 */
public final class DebugCsv {

	private DebugCsv() {
	}

	public static String of(DebugReport r) {
		StringBuilder s = new StringBuilder("layer_index,op,node,tensor,scale,zero_point,params_from,mode,num_elements,stddev,mean_error,max_abs_error,"
				+ "mean_squared_error,sqnr,cosine_similarity,rmse_over_scale,flagged,saturated,clipped_at_calibration\n");
		for (DebugReport.TensorDebug t : r.tensors()) {
			row(s, t, "isolated", t.isolated(), t.flagged());
			row(s, t, "accumulated", t.accumulated(), t.accumulatedFlagged());
		}
		return s.toString();
	}

	private static void row(StringBuilder s, DebugReport.TensorDebug t, String mode, DebugReport.Stats st, boolean flagged) {
		s.append(String.format(Locale.ROOT, "%d,%s,%s,%s,%s,%d,%s,%s,%d,%.6g,%.6g,%.6g,%.6g,%.6g,%.6g,%.6g,%s,%d,%s%n", t.layerIndex(), t.opType(), quote(t.node()),
				quote(t.tensor()), Float.toString(t.scale()), t.zeroPoint(), quote(t.paramsFrom()), mode, st.numElements(), st.stddev(), st.meanError(),
				st.maxAbsError(), st.meanSquaredError(), st.sqnr(), st.cosineSimilarity(), st.rmseOverScale(), flagged, t.saturated(), t.clippedOnPurpose()));
	}

	private static String quote(String v) {
		return v.contains(",") || v.contains("\"") ? "\"" + v.replace("\"", "\"\"") + "\"" : v;
	}
}
