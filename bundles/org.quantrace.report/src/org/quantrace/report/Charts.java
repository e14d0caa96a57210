package org.quantrace.report;

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
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.category.BarRenderer;
import org.jfree.chart.renderer.category.StandardBarPainter;
import org.jfree.chart.title.TextTitle;
import org.jfree.data.category.DefaultCategoryDataset;
import org.jfree.svg.SVGGraphics2D;

/**
 * report.html's charts, drawn by JFreeChart onto JFreeSVG's Graphics2D: grouped bars for metrics per
 * scheme (the results deck's tables charted); the quantization debugger's are {@link DebugCharts}'.
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

	static {
		// JFreeChart draws rotated text (a vertical axis title, layer names at 45 degrees) through a TextLayout, which an
		// SVG Graphics2D can only record as glyph outlines: the titles and layer names were shapes, not text a reader can
		// search, copy or a screen reader say. A rotated drawString is text with a transform in SVG.
		org.jfree.chart.text.TextUtils.setUseDrawRotatedStringWorkaround(false);
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
		r.setDefaultItemLabelGenerator(new org.jfree.chart.labels.StandardCategoryItemLabelGenerator("{2}", new java.text.DecimalFormat("0.000", java.text.DecimalFormatSymbols.getInstance(java.util.Locale.ROOT))));
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
		y.setStandardTickUnits(NumberAxis.createStandardTickUnits(java.util.Locale.ROOT)); // the same report whatever the machine's locale
		if (floor != null) {
			double min = values.stream().mapToDouble(Bar::value).min().orElse(0);
			double max = values.stream().mapToDouble(Bar::value).max().orElse(1);
			y.setRange(Math.max(0, Math.min(floor, min - 0.02)), Math.min(1.0, max + 0.02) + 0.005);
		}
		return svg(id, chart, width, height);
	}

	static void style(JFreeChart chart) {
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

	static String svg(String id, JFreeChart chart, int width, int height) {
		SVGGraphics2D g = new SVGGraphics2D(width, height);
		g.setDefsKeyPrefix(id + "-");
		chart.draw(g, new Rectangle2D.Double(0, 0, width, height));
		// a viewBox lets the page scale the chart to its column instead of clipping it
		return g.getSVGElement(id, true, new org.jfree.svg.ViewBox(0, 0, width, height), null, null);
	}
}
