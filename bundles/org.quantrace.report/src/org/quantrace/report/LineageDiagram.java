package org.quantrace.report;

import java.util.Locale;

import org.quantrace.model.trace.TraceModel;

/**
 * The run's lineage as an SVG diagram: the {@link LineageGraph} of datasets, models and the conversion and
 * optimization steps between them, drawn box by box. Each step links to its table in the AI-FSM log, each
 * model to the log that produced it.
 */
final class LineageDiagram {

	private LineageDiagram() {
	}

	static String svg(TraceModel trace) {
		return draw(LineageGraph.of(trace, LineageGraph.Options.REPORT));
	}

	private static String draw(LineageGraph graph) {
		StringBuilder s = new StringBuilder(String.format(Locale.ROOT,
				"<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"lineage\" width=\"%.0f\" height=\"%.0f\" viewBox=\"0 0 %.0f %.0f\">\n",
				graph.width() + 24, graph.height() + 24, graph.width() + 24, graph.height() + 24));
		s.append("<defs><marker id=\"arrow\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" markerWidth=\"7\" markerHeight=\"7\" orient=\"auto\">"
				+ "<path d=\"M0,0 L10,5 L0,10 z\" fill=\"#667\"/></marker></defs>\n<g transform=\"translate(12,12)\">\n");
		for (LineageGraph.Edge e : graph.edges()) {
			StringBuilder points = new StringBuilder();
			for (double[] p : e.points()) {
				points.append(points.isEmpty() ? "" : " ").append(point(p[0], p[1]));
			}
			s.append("<polyline points=\"").append(points).append("\" fill=\"none\" stroke=\"#667\" marker-end=\"url(#arrow)\"")
					.append(e.dashed() ? " stroke-dasharray=\"4 3\"" : "").append("/>\n");
		}
		for (LineageGraph.Node n : graph.nodes()) {
			String fill = switch (n.kind()) {
			case DATASET -> "#fff4d6";
			case STEP -> "#e3ecfa";
			default -> "#e8f5e9";
			};
			StringBuilder box = new StringBuilder(String.format(Locale.ROOT,
					"<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" rx=\"%d\" fill=\"%s\" stroke=\"#445\"/>", n.x(), n.y(), n.width(),
					n.height(), n.kind() == LineageGraph.Kind.STEP ? 14 : 3, fill));
			box.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"12\" font-family=\"sans-serif\">%s</text>", n.x() + 8,
					n.y() + 16, Html.esc(n.title())));
			box.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"10\" fill=\"#556\" font-family=\"sans-serif\">%s</text>",
					n.x() + 8, n.y() + 30, Html.esc(n.subtitle())));
			s.append(n.href() == null ? "<g>" + box + "</g>\n" : "<a href=\"" + Html.esc(n.href()) + "\">" + box + "</a>\n");
		}
		return s.append("</g></svg>\n").toString();
	}

	private static String point(double x, double y) {
		return String.format(Locale.ROOT, "%.1f,%.1f", x, y);
	}
}
