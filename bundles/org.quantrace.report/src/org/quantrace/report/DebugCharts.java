package org.quantrace.report;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.Paint;
import java.awt.geom.Ellipse2D;
import java.awt.geom.Rectangle2D;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.ToDoubleFunction;

import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.CategoryAxis;
import org.jfree.chart.axis.CategoryLabelPositions;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.plot.CategoryPlot;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.chart.plot.ValueMarker;
import org.jfree.chart.renderer.category.LineAndShapeRenderer;
import org.jfree.chart.text.TextBlock;
import org.jfree.chart.title.TextTitle;
import org.jfree.chart.ui.HorizontalAlignment;
import org.jfree.chart.ui.RectangleAnchor;
import org.jfree.chart.ui.RectangleEdge;
import org.jfree.chart.ui.TextAnchor;
import org.jfree.data.category.DefaultCategoryDataset;
import org.quantrace.engine.SafeFiles;
import org.quantrace.engine.evaluate.DebugCsv;
import org.quantrace.engine.evaluate.DebugReport;
import org.quantrace.model.recipe.DebugMetric;
import org.quantrace.model.trace.DebugMode;
import org.quantrace.model.trace.DebugRecord;
import org.quantrace.model.trace.LayerDebugRecord;

/**
 * The quantization debugger's charts, for the {@code debug} command's folder and for report.html: one metric over
 * the layers of the float model (a category per quantized tensor, labelled by the layer's index and op, "3
 * Conv+Relu" where the quantizer fused the activation into its layer), the isolated error (the tensor's own
 * quantization) and the accumulated one (what the quantized model carries there) as two lines, the value axis
 * titled with its unit and sized to the data and the lines drawn on it (the threshold; for rmse/scale the
 * healthy 1/sqrt(12) = 0.289 of uniform rounding), points beyond the threshold in red and named under the chart.
 */
public final class DebugCharts {

	/** The charts of the {@code debug} command, in the results deck's order, with their file names. */
	public static final Map<String, DebugMetric> FILES = files();
	/** rmse/scale of uniform rounding noise: a step's standard deviation, 1/sqrt(12). */
	public static final double HEALTHY_RMSE_OVER_SCALE = 1 / Math.sqrt(12);

	private static final Color RED = new Color(0xC62828);
	private static final Color GREY = new Color(0x777777);
	private static final Font FONT = new Font("SansSerif", Font.PLAIN, 11);
	/** What the trace stores for an infinite SQNR (no error at all). */
	private static final double NO_ERROR = 1e300;

	private DebugCharts() {
	}

	private static Map<String, DebugMetric> files() {
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

	/** How a chart's note and report.html name the flagged tensors whose range the calibration clipped on purpose. */
	public static final String CLIPPED = "on its own but its range clipped at calibration on purpose (the far values saturate, no candidate): ";

	/**
	 * One quantized tensor on a chart: its layer label, its values in both modes, whether each is beyond the threshold, and
	 * whether the quantized model says its calibration clipped the range on purpose (then no candidate, as DebugReport says).
	 */
	public record Point(String layer, String tensor, double isolated, double accumulated, boolean isolatedFlagged, boolean accumulatedFlagged,
			boolean clippedAtCalibration) {
	}

	/** Writes debug.csv and one chart per metric ({@link #FILES}) into {@code dir}; returns the files written. */
	public static List<Path> write(DebugReport r, Path dir) throws IOException {
		Files.createDirectories(dir);
		List<Path> files = new ArrayList<>();
		Path csv = dir.resolve("debug.csv");
		SafeFiles.writeAtomically(csv, DebugCsv.of(r));
		files.add(csv);
		String model = Path.of(r.quantizedModel()).getFileName().toString();
		for (Map.Entry<String, DebugMetric> e : FILES.entrySet()) {
			Path svg = dir.resolve("debug_" + e.getKey() + ".svg");
			DebugMetric m = e.getValue();
			String title = title(m) + " per layer: " + model + " (" + r.samples() + " samples)";
			SafeFiles.writeAtomically(svg, svg("debug-" + e.getKey(), title, m, points(r, m), m == r.metric() ? r.threshold() : null, 900, 440));
			files.add(svg);
		}
		return files;
	}

	/**
	 * The charts {@link #write} drew for a run's debugger, drawn again from its record in the trace (its tensors' figures in
	 * both modes, metric, threshold, sample count), by file name; {@code model}: the name the run gave the quantized model (the
	 * scheme's, the folder's name). verify holds the folder's charts against them: the debugger's figures are then bound by the
	 * trace, not by the checksums alone.
	 */
	public static Map<String, String> charts(DebugRecord d, String model) {
		Map<String, String> charts = new LinkedHashMap<>();
		for (Map.Entry<String, DebugMetric> e : FILES.entrySet()) {
			DebugMetric m = e.getValue();
			String title = title(m) + " per layer: " + model + " (" + d.getSampleCount() + " samples)";
			charts.put("debug_" + e.getKey() + ".svg", svg("debug-" + e.getKey(), title, m, points(d, m), m == d.getMetric() ? d.getThreshold() : null, 900, 440));
		}
		return charts;
	}

	/** The points of a debugger run, flagged by its own metric and threshold. */
	public static List<Point> points(DebugReport r, DebugMetric m) {
		return r.tensors().stream().map(t -> new Point(label(t.layerIndex(), t.opType()), t.tensor(), t.isolated().value(m), t.accumulated().value(m),
				m == r.metric() && t.flagged(), m == r.metric() && t.accumulatedFlagged(), t.clippedOnPurpose())).toList();
	}

	/** The points of a debugger record of the trace (report.html), a tensor's two modes joined. */
	public static List<Point> points(DebugRecord d, DebugMetric m) {
		ToDoubleFunction<LayerDebugRecord> value = switch (m) {
		case RMSE_OVER_SCALE -> LayerDebugRecord::getRmseOverScale;
		case SQNR -> LayerDebugRecord::getSqnr;
		case COSINE -> LayerDebugRecord::getCosineSimilarity;
		case MEAN_SQUARED_ERROR -> LayerDebugRecord::getMeanSquaredError;
		case MAX_ABS_ERROR -> LayerDebugRecord::getMaxAbsError;
		case MEAN_ERROR -> LayerDebugRecord::getMeanError;
		case STDDEV -> LayerDebugRecord::getStddev;
		};
		Map<String, LayerDebugRecord> accumulated = new LinkedHashMap<>();
		d.getLayers().stream().filter(l -> l.getMode() == DebugMode.ACCUMULATED).forEach(l -> accumulated.put(l.getTensor(), l));
		List<Point> points = new ArrayList<>();
		for (LayerDebugRecord l : d.getLayers()) {
			if (l.getMode() == DebugMode.ISOLATED) {
				LayerDebugRecord a = accumulated.get(l.getTensor());
				boolean own = m == d.getMetric();
				points.add(new Point(label(l.getLayerIndex(), l.getOpType()), l.getTensor(), value.applyAsDouble(l), a == null ? Double.NaN
						: value.applyAsDouble(a), own && l.isFlagged(), own && a != null && a.isFlagged(), l.isClippedAtCalibration()));
			}
		}
		return points;
	}

	/** "3 Conv+Relu", "in input". */
	static String label(int layerIndex, String opType) {
		return (layerIndex < 0 ? "in" : Integer.toString(layerIndex)) + " " + opType;
	}

	/** The metric's name as the axis says it. */
	public static String title(DebugMetric m) {
		return switch (m) {
		case RMSE_OVER_SCALE -> "rmse/scale";
		case SQNR -> "SQNR";
		case COSINE -> "Cosine similarity";
		case MEAN_SQUARED_ERROR -> "Mean squared error";
		case MAX_ABS_ERROR -> "Max absolute error";
		case MEAN_ERROR -> "Mean error";
		case STDDEV -> "Error standard deviation";
		};
	}

	/** The value axis: the metric and its unit. */
	static String axisTitle(DebugMetric m) {
		return switch (m) {
		case RMSE_OVER_SCALE -> "rmse / scale (quantization steps)";
		case SQNR -> "SQNR (dB, higher is better)";
		case COSINE -> "cosine similarity (1 = same direction)";
		case MEAN_SQUARED_ERROR -> "mean squared error (activation units²)";
		case MAX_ABS_ERROR -> "max |error| (activation units)";
		case MEAN_ERROR -> "mean error (activation units)";
		case STDDEV -> "error std. deviation (activation units)";
		};
	}

	/** Whether the metric is an error that cannot be negative, so its axis starts at 0. */
	private static boolean fromZero(DebugMetric m) {
		return m == DebugMetric.RMSE_OVER_SCALE || m == DebugMetric.MEAN_SQUARED_ERROR || m == DebugMetric.MAX_ABS_ERROR || m == DebugMetric.STDDEV;
	}

	/** A category per point, kept apart by its position (two tensors of a layer share a label). */
	private record Key(int position, String label) implements Comparable<Key> {
		@Override
		public int compareTo(Key o) {
			return Integer.compare(position, o.position);
		}

		@Override
		public String toString() {
			return label;
		}
	}

	/** The chart as an SVG element; {@code threshold}: drawn and flagged against when this is the debugger's metric. */
	public static String svg(String id, String title, DebugMetric metric, List<Point> points, Double threshold, int width, int height) {
		DefaultCategoryDataset data = new DefaultCategoryDataset();
		List<String> exact = new ArrayList<>();
		double lo = Double.POSITIVE_INFINITY;
		double hi = Double.NEGATIVE_INFINITY;
		for (int i = 0; i < points.size(); i++) {
			Point p = points.get(i);
			Key k = new Key(i, p.layer());
			for (String mode : List.of("isolated", "accumulated")) {
				double v = mode.equals("isolated") ? p.isolated() : p.accumulated();
				boolean drawable = Double.isFinite(v) && Math.abs(v) < NO_ERROR;
				data.addValue(drawable ? v : null, mode, k);
				if (drawable) {
					lo = Math.min(lo, v);
					hi = Math.max(hi, v);
				} else if (!Double.isNaN(v) && mode.equals("isolated")) {
					exact.add(p.layer());
				}
			}
		}
		boolean healthy = metric == DebugMetric.RMSE_OVER_SCALE;
		for (Double line : new Double[] { threshold, healthy ? HEALTHY_RMSE_OVER_SCALE : null }) {
			if (line != null) {
				lo = Math.min(lo, line);
				hi = Math.max(hi, line);
			}
		}
		if (!(lo <= hi)) {
			lo = 0;
			hi = 1;
		}
		if (fromZero(metric)) {
			lo = Math.min(0, lo);
		}
		double pad = Math.max((hi - lo) * 0.08, Math.max(Math.abs(hi), 1e-12) * 1e-4);

		CategoryAxis x = new SparseLabels("layer (index and op in the float model)", points.size());
		x.setCategoryLabelPositions(points.size() > 6 ? CategoryLabelPositions.UP_45 : CategoryLabelPositions.STANDARD);
		x.setTickLabelFont(FONT.deriveFont(10f));
		x.setLabelFont(FONT);
		x.setMaximumCategoryLabelWidthRatio(1.5f);
		NumberAxis y = new NumberAxis(axisTitle(metric));
		y.setLabelFont(FONT);
		y.setTickLabelFont(FONT);
		y.setStandardTickUnits(NumberAxis.createStandardTickUnits(java.util.Locale.ROOT));
		y.setRange(fromZero(metric) && lo >= 0 ? 0 : lo - pad, metric == DebugMetric.COSINE ? Math.min(1 + pad, hi + pad) : hi + pad);
		LineAndShapeRenderer r = new FlaggedRenderer(points);
		r.setSeriesPaint(0, new Color(0x0072B2));
		r.setSeriesPaint(1, new Color(0xE69F00));
		r.setSeriesStroke(0, new BasicStroke(1.6f));
		r.setSeriesStroke(1, new BasicStroke(1.6f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10f, new float[] { 5f, 3f }, 0f));
		r.setSeriesShape(0, new Ellipse2D.Double(-3.5, -3.5, 7, 7));
		r.setSeriesShape(1, new Rectangle2D.Double(-3, -3, 6, 6));
		CategoryPlot plot = new CategoryPlot(data, x, y, r);
		plot.setOrientation(PlotOrientation.VERTICAL);
		if (threshold != null) {
			plot.addRangeMarker(marker(threshold, "threshold " + LogValues.brief(threshold), RED, TextAnchor.BOTTOM_RIGHT, RectangleAnchor.TOP_RIGHT));
		}
		if (healthy) {
			plot.addRangeMarker(marker(HEALTHY_RMSE_OVER_SCALE, "healthy ≈ 0.289 (uniform rounding)", GREY, TextAnchor.TOP_LEFT, RectangleAnchor.BOTTOM_LEFT));
		}
		JFreeChart chart = new JFreeChart(title, FONT.deriveFont(Font.BOLD, 13f), plot, true);
		Charts.style(chart);
		String note = note(metric, points, threshold, exact);
		if (!note.isEmpty()) {
			TextTitle t = new TextTitle(note, FONT.deriveFont(10f));
			t.setPosition(RectangleEdge.BOTTOM);
			t.setHorizontalAlignment(HorizontalAlignment.LEFT);
			t.setPaint(new Color(0x333333));
			chart.addSubtitle(t);
		}
		return Charts.svg(id, chart, width, height);
	}

	private static ValueMarker marker(double value, String label, Color color, TextAnchor text, RectangleAnchor anchor) {
		ValueMarker m = new ValueMarker(value, color, new BasicStroke(1.2f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10f, new float[] { 6f, 4f }, 0f));
		m.setLabel(label);
		m.setLabelFont(FONT.deriveFont(10f));
		m.setLabelPaint(color);
		m.setLabelAnchor(anchor);
		m.setLabelTextAnchor(text);
		return m;
	}

	/** Under the chart: what red means and which points are red, and the points that could not be drawn. */
	static String note(DebugMetric metric, List<Point> points, Double threshold, List<String> exact) {
		List<String> lines = new ArrayList<>();
		if (threshold != null) {
			String beyond = metric == DebugMetric.SQNR || metric == DebugMetric.COSINE ? "below " : "above ";
			List<String> own = points.stream().filter(p -> p.isolatedFlagged() && !p.clippedAtCalibration()).map(p -> p.layer() + " (" + LogValues.brief(p.isolated()) + ")").toList();
			List<String> clipped = points.stream().filter(p -> p.isolatedFlagged() && p.clippedAtCalibration()).map(p -> p.layer() + " (" + LogValues.brief(p.isolated()) + ")").toList();
			List<String> acc = points.stream().filter(Point::accumulatedFlagged).map(p -> p.layer() + " (" + LogValues.brief(p.accumulated()) + ")").toList();
			lines.add("Red: " + beyond + "the threshold " + LogValues.brief(threshold) + ". "
					+ (own.isEmpty() ? "No tensor on its own (isolated)" : "On its own (isolated), so a candidate to leave in float: " + String.join(", ", own))
					+ (clipped.isEmpty() ? "" : "; " + CLIPPED + String.join(", ", clipped)) + ". " + (acc.isEmpty() ? "No accumulated error beyond it."
							: "Accumulated (errors built up through the layers before): " + String.join(", ", acc) + "."));
		}
		if (!exact.isEmpty()) {
			lines.add("Not drawn, no error at all (infinite SQNR): " + String.join(", ", exact) + ".");
		}
		return String.join(" ", lines);
	}

	/** Points beyond the threshold in red and larger; the others in their series' colour. */
	private static final class FlaggedRenderer extends LineAndShapeRenderer {
		private static final long serialVersionUID = 1L;
		private final transient List<Point> points;

		FlaggedRenderer(List<Point> points) {
			super(true, true);
			this.points = points;
		}

		private boolean flagged(int row, int column) {
			Point p = points.get(column);
			return row == 0 ? p.isolatedFlagged() : p.accumulatedFlagged();
		}

		@Override
		public Paint getItemPaint(int row, int column) {
			return flagged(row, column) ? RED : super.getItemPaint(row, column);
		}

		@Override
		public java.awt.Shape getItemShape(int row, int column) {
			return flagged(row, column) ? new Ellipse2D.Double(-5.5, -5.5, 11, 11) : super.getItemShape(row, column);
		}
	}

	/** A category axis that labels every n-th layer when there are too many to read, and each one otherwise. */
	private static final class SparseLabels extends CategoryAxis {
		private static final long serialVersionUID = 1L;
		private final int step;

		SparseLabels(String label, int categories) {
			super(label);
			this.step = Math.max(1, (int) Math.ceil(categories / 40.0));
		}

		@Override
		protected TextBlock createLabel(Comparable category, float width, RectangleEdge edge, Graphics2D g2) {
			if (category instanceof Key k && k.position() % step != 0) {
				return new TextBlock();
			}
			return super.createLabel(category, width, edge, g2);
		}
	}
}
