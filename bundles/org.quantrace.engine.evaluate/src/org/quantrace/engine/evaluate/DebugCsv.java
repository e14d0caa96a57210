package org.quantrace.engine.evaluate;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.ToDoubleFunction;

import org.quantrace.engine.SafeFiles;
import org.quantrace.model.recipe.DebugMetric;

/**
 * Writes a {@link DebugReport} as a CSV table (one row per tensor and mode) and one SVG chart per metric
 * with the layer index on the horizontal axis, like the results deck's debugger slides: isolated and
 * accumulated errors as two series, the threshold as a line, flagged layers in red.
 */
public final class DebugOutputs {

	/** Chart metrics in the deck's order, with the SVG file names. */
	public static final Map<String, DebugMetric> CHARTS = chartMetrics();

	private DebugOutputs() {
	}

	private static Map<String, DebugMetric> chartMetrics() {
		Map<String, DebugMetric> m = new LinkedHashMap<>();
		m.put("stddev", DebugMetric.STDDEV);
		m.put("mean_error", DebugMetric.MEAN_ERROR);
		m.put("max_abs_error", DebugMetric.MAX_ABS_ERROR);
		m.put("mean_squared_error", DebugMetric.MEAN_SQUARED_ERROR);
		m.put("sqnr", DebugMetric.SQNR);
		m.put("cosine_similarity", DebugMetric.COSINE);
		m.put("rmse_over_scale", DebugMetric.RMSE_OVER_SCALE);
		return m;
	}

	public static String csv(DebugReport r) {
		StringBuilder s = new StringBuilder("layer_index,op,node,tensor,scale,zero_point,params_from,mode,num_elements,stddev,mean_error,max_abs_error,"
				+ "mean_squared_error,sqnr,cosine_similarity,rmse_over_scale,flagged\n");
		for (DebugReport.TensorDebug t : r.tensors()) {
			row(s, t, "isolated", t.isolated());
			row(s, t, "accumulated", t.accumulated());
		}
		return s.toString();
	}

	private static void row(StringBuilder s, DebugReport.TensorDebug t, String mode, DebugReport.Stats st) {
		s.append(String.format(Locale.ROOT, "%d,%s,%s,%s,%s,%d,%s,%s,%d,%.6g,%.6g,%.6g,%.6g,%.6g,%.6g,%.6g,%s%n", t.layerIndex(), t.opType(), quote(t.node()),
				quote(t.tensor()), Float.toString(t.scale()), t.zeroPoint(), quote(t.paramsFrom()), mode, st.numElements(), st.stddev(), st.meanError(), st.maxAbsError(),
				st.meanSquaredError(), st.sqnr(), st.cosineSimilarity(), st.rmseOverScale(), t.flagged() && mode.equals("isolated")));
	}

	private static String quote(String v) {
		return v.contains(",") || v.contains("\"") ? "\"" + v.replace("\"", "\"\"") + "\"" : v;
	}

	/** Writes debug.csv and one chart per metric into {@code dir}; returns the files written. */
	public static List<Path> write(DebugReport r, Path dir) throws IOException {
		List<Path> files = new ArrayList<>();
		Path csv = dir.resolve("debug.csv");
		SafeFiles.writeAtomically(csv, csv(r));
		files.add(csv);
		for (Map.Entry<String, DebugMetric> e : CHARTS.entrySet()) {
			Path svg = dir.resolve("debug_" + e.getKey() + ".svg");
			SafeFiles.writeAtomically(svg, svg(r, e.getValue(), e.getKey()));
			files.add(svg);
		}
		return files;
	}

	/** An SVG line chart of one metric per layer index. */
	public static String svg(DebugReport r, DebugMetric metric, String title) {
		int w = 720;
		int h = 360;
		int left = 70;
		int right = 20;
		int top = 52; // room for the legend above a threshold label drawn at the top of the plot
		int bottom = 70;
		List<DebugReport.TensorDebug> ts = r.tensors();
		ToDoubleFunction<DebugReport.Stats> value = st -> finite(st.value(metric));
		double max = 0;
		double min = 0;
		for (DebugReport.TensorDebug t : ts) {
			max = Math.max(max, Math.max(value.applyAsDouble(t.isolated()), value.applyAsDouble(t.accumulated())));
			min = Math.min(min, Math.min(value.applyAsDouble(t.isolated()), value.applyAsDouble(t.accumulated())));
		}
		boolean thresholdShown = metric == r.metric();
		if (thresholdShown) {
			max = Math.max(max, r.threshold());
		}
		if (max == min) {
			max = min + 1;
		}
		double span = max - min;
		int n = Math.max(1, ts.size());
		double step = (w - left - right) / (double) n;
		StringBuilder s = new StringBuilder();
		s.append(String.format(Locale.ROOT, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" "
				+ "font-family=\"sans-serif\" font-size=\"11\">%n", w, h, w, h));
		s.append(String.format(Locale.ROOT, "<title>%s per layer</title>%n", esc(title)));
		s.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"20\" font-size=\"14\">%s per layer (%s, %d samples)</text>%n", left, esc(title),
				esc(r.quantizedModel()), r.samples()));
		s.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#444\"/>%n", left, h - bottom, w - right, h - bottom));
		s.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#444\"/>%n", left, top, left, h - bottom));
		for (int i = 0; i <= 4; i++) {
			double v = min + span * i / 4;
			double y = h - bottom - (h - top - bottom) * i / 4.0;
			s.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%.3g</text>%n", left - 6, y + 4, v));
			s.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#ddd\"/>%n", left, y, w - right, y));
		}
		StringBuilder iso = new StringBuilder();
		StringBuilder acc = new StringBuilder();
		for (int i = 0; i < ts.size(); i++) {
			DebugReport.TensorDebug t = ts.get(i);
			double x = left + step * (i + 0.5);
			double yi = h - bottom - (h - top - bottom) * (value.applyAsDouble(t.isolated()) - min) / span;
			double ya = h - bottom - (h - top - bottom) * (value.applyAsDouble(t.accumulated()) - min) / span;
			iso.append(String.format(Locale.ROOT, "%s%.1f,%.1f", i == 0 ? "M" : " L", x, yi));
			acc.append(String.format(Locale.ROOT, "%s%.1f,%.1f", i == 0 ? "M" : " L", x, ya));
			s.append(String.format(Locale.ROOT, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"4\" fill=\"%s\"><title>%s (%s, layer %d): isolated %.4g</title></circle>%n",
					x, yi, t.flagged() ? "#d62728" : "#1f77b4", esc(t.tensor()), esc(t.opType()), t.layerIndex(), t.isolated().value(metric)));
			s.append(String.format(Locale.ROOT, "<rect x=\"%.1f\" y=\"%.1f\" width=\"6\" height=\"6\" fill=\"#ff7f0e\"><title>%s: accumulated %.4g</title></rect>%n",
					x - 3, ya - 3, esc(t.tensor()), t.accumulated().value(metric)));
			s.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"end\" transform=\"rotate(-45 %.1f %d)\">%s %s</text>%n", x,
					h - bottom + 14, x, h - bottom + 14, t.layerIndex() < 0 ? "in" : Integer.toString(t.layerIndex()), esc(t.opType())));
		}
		s.append(String.format(Locale.ROOT, "<path d=\"%s\" fill=\"none\" stroke=\"#1f77b4\"/>%n", iso));
		s.append(String.format(Locale.ROOT, "<path d=\"%s\" fill=\"none\" stroke=\"#ff7f0e\" stroke-dasharray=\"4 3\"/>%n", acc));
		if (thresholdShown) {
			double y = h - bottom - (h - top - bottom) * (r.threshold() - min) / span;
			s.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#d62728\" stroke-dasharray=\"6 4\"/>%n", left, y,
					w - right, y));
			s.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%.1f\" fill=\"#d62728\" text-anchor=\"end\">threshold %s</text>%n", w - right, y - 4,
					Double.toString(r.threshold())));
		}
		s.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" fill=\"#1f77b4\">● isolated</text>", w - 220, 34));
		s.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" fill=\"#ff7f0e\">■ accumulated</text>%n", w - 140, 34));
		s.append("</svg>\n");
		return s.toString();
	}

	private static double finite(double v) {
		return Double.isFinite(v) ? v : 0;
	}

	private static String esc(String v) {
		return v.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
	}
}
