package org.quantrace.report;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.geom.Rectangle2D;
import java.util.List;

import org.jfree.chart.ChartFactory;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.CategoryAxis;
import org.jfree.chart.axis.CategoryLabelPositions;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.plot.CategoryPlot;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.chart.plot.ValueMarker;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.category.BarRenderer;
import org.jfree.chart.renderer.category.StandardBarPainter;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.chart.title.TextTitle;
import org.jfree.chart.ui.RectangleAnchor;
import org.jfree.chart.ui.TextAnchor;
import org.jfree.data.category.DefaultCategoryDataset;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;
import org.jfree.svg.SVGGraphics2D;

/**
 * report.html's charts, drawn by JFreeChart onto JFreeSVG's Graphics2D: grouped bars for metrics per
 * scheme (the results deck's tables charted) and lines over the layer index for the quantization debugger.
 * Ids inside each SVG get a stable prefix, so a repeated run writes the same report.
 */
final class Charts {

	/** One colour per series, distinguishable and printable (Okabe-Ito). */
	private static final Color[] PALETTE = { new Color(0x0072B2), new Color(0xE69F00), new Color(0x009E73), new Color(0xCC79A7), new Color(0x56B4E9),
			new Color(0xD55E00), new Color(0xF0E442), new Color(0x000000) };
	private static final Font FONT = new Font("SansSerif", Font.PLAIN, 11);

	static {
		if (System.getProperty("java.awt.headless") == null) {
			System.setProperty("java.awt.headless", "true");
		}
	}

	private Charts() {
	}

	/** A value of a grouped bar chart: the group (x axis), the series (colour), the value. */
	record Bar(String category, String series, double value) {
	}

	/** Grouped vertical bars; the value axis starts at {@code floor} when it is set (accuracies close to 1 stay readable). */
	static String bars(String id, String title, String valueLabel, List<Bar> values, Double floor, int width, int height) {
		DefaultCategoryDataset data = new DefaultCategoryDataset();
		values.forEach(v -> data.addValue(v.value(), v.series(), v.category()));
		JFreeChart chart = ChartFactory.createBarChart(title, null, valueLabel, data, PlotOrientation.VERTICAL, data.getRowCount() > 1, false, false);
		style(chart);
		CategoryPlot plot = chart.getCategoryPlot();
		BarRenderer r = (BarRenderer) plot.getRenderer();
		r.setBarPainter(new StandardBarPainter());
		r.setShadowVisible(false);
		r.setItemMargin(0.05);
		r.setDefaultItemLabelGenerator(new org.jfree.chart.labels.StandardCategoryItemLabelGenerator("{2}", new java.text.DecimalFormat("0.000")));
		r.setDefaultItemLabelsVisible(data.getRowCount() * data.getColumnCount() <= 12);
		r.setDefaultItemLabelFont(FONT.deriveFont(9f));
		for (int s = 0; s < data.getRowCount(); s++) {
			r.setSeriesPaint(s, PALETTE[s % PALETTE.length]);
		}
		CategoryAxis x = plot.getDomainAxis();
		x.setCategoryLabelPositions(CategoryLabelPositions.STANDARD);
		x.setMaximumCategoryLabelLines(2);
		x.setTickLabelFont(FONT);
		NumberAxis y = (NumberAxis) plot.getRangeAxis();
		y.setTickLabelFont(FONT);
		if (floor != null) {
			double min = values.stream().mapToDouble(Bar::value).min().orElse(0);
			double max = values.stream().mapToDouble(Bar::value).max().orElse(1);
			y.setRange(Math.max(0, Math.min(floor, min - 0.02)), Math.min(1.0, max + 0.02) + 0.005);
		}
		return svg(id, chart, width, height);
	}

	/** One debugger metric over the layer index: a line per mode (isolated, accumulated), the threshold as a marker. */
	static String layers(String id, String title, String metric, List<String> modes, List<double[][]> points, Double threshold, int width, int height) {
		XYSeriesCollection data = new XYSeriesCollection();
		for (int m = 0; m < modes.size(); m++) {
			XYSeries s = new XYSeries(modes.get(m), true, true);
			for (double[] p : points.get(m)) {
				if (Double.isFinite(p[1])) {
					s.add(p[0], p[1]);
				}
			}
			data.addSeries(s);
		}
		JFreeChart chart = ChartFactory.createXYLineChart(title, "layer index", metric, data, PlotOrientation.VERTICAL, true, false, false);
		style(chart);
		XYPlot plot = chart.getXYPlot();
		XYLineAndShapeRenderer r = new XYLineAndShapeRenderer(true, true);
		for (int s = 0; s < modes.size(); s++) {
			r.setSeriesPaint(s, PALETTE[s % PALETTE.length]);
			r.setSeriesStroke(s, new BasicStroke(1.6f));
		}
		plot.setRenderer(r);
		NumberAxis x = (NumberAxis) plot.getDomainAxis();
		x.setStandardTickUnits(NumberAxis.createIntegerTickUnits());
		x.setTickLabelFont(FONT);
		plot.getRangeAxis().setTickLabelFont(FONT);
		if (threshold != null) {
			ValueMarker marker = new ValueMarker(threshold, new Color(0xC62828), new BasicStroke(1.2f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10f,
					new float[] { 5f, 4f }, 0f));
			marker.setLabel("threshold " + LogValues.brief(threshold));
			marker.setLabelFont(FONT.deriveFont(10f));
			marker.setLabelPaint(new Color(0xC62828));
			marker.setLabelAnchor(RectangleAnchor.TOP_RIGHT);
			marker.setLabelTextAnchor(TextAnchor.BOTTOM_RIGHT);
			plot.addRangeMarker(marker);
		}
		return svg(id, chart, width, height);
	}

	private static void style(JFreeChart chart) {
		chart.setBackgroundPaint(Color.WHITE);
		chart.setAntiAlias(true);
		TextTitle t = chart.getTitle();
		if (t != null) {
			t.setFont(FONT.deriveFont(Font.BOLD, 13f));
		}
		if (chart.getLegend() != null) {
			chart.getLegend().setItemFont(FONT);
			chart.getLegend().setFrame(org.jfree.chart.block.BlockBorder.NONE);
		}
		var plot = chart.getPlot();
		plot.setBackgroundPaint(Color.WHITE);
		plot.setOutlineVisible(false);
		if (plot instanceof CategoryPlot c) {
			c.setRangeGridlinePaint(new Color(0xDDDDDD));
		} else if (plot instanceof XYPlot x) {
			x.setRangeGridlinePaint(new Color(0xDDDDDD));
			x.setDomainGridlinePaint(new Color(0xEEEEEE));
		}
	}

	private static String svg(String id, JFreeChart chart, int width, int height) {
		SVGGraphics2D g = new SVGGraphics2D(width, height);
		g.setDefsKeyPrefix(id + "-");
		chart.draw(g, new Rectangle2D.Double(0, 0, width, height));
		// a viewBox lets the page scale the chart to its column instead of clipping it
		return g.getSVGElement(id, true, new org.jfree.svg.ViewBox(0, 0, width, height), null, null);
	}
}
