package org.quantrace.report;

import java.util.Locale;

import org.quantrace.model.trace.TraceModel;

/**
 * The run's lineage as an SVG diagram: the {@link LineageGraph} of datasets, models and the conversion,
 * optimization and debug steps between them, laid out left to right by Eclipse ELK, drawn box by box. Each
 * step links to its table in the AI-FSM log, each model to the log that produced it.
 */
final class LineageDiagram {

	private LineageDiagram() {
	}

	/** The kinds of edges, each drawn its own way and explained by {@link #legend()}. */
	enum EdgeKind {
		DERIVED("derived from (a step's input and output)", "#667", null), CALIBRATED("calibrated with", "#0072B2", "6 3"),
		EVALUATED("evaluated on", "#009E73", "2 3"), DEBUGGED("debugged (float and quantized model, debug data)", "#CC79A7", "8 3 2 3");

		final String label;
		final String color;
		final String dash;

		EdgeKind(String label, String color, String dash) {
			this.label = label;
			this.color = color;
			this.dash = dash;
		}
	}

	/** What the edge styles and box colours mean, as HTML to put above the diagram. */
	static String legend() {
		StringBuilder s = new StringBuilder("<div class=\"legend\">");
		for (EdgeKind k : EdgeKind.values()) {
			s.append("<span><svg width=\"36\" height=\"10\"><line x1=\"0\" y1=\"5\" x2=\"36\" y2=\"5\" stroke=\"").append(k.color)
					.append("\" stroke-width=\"2\"").append(k.dash == null ? "" : " stroke-dasharray=\"" + k.dash + "\"").append("/></svg>").append(Html.esc(k.label))
					.append("</span>");
		}
		for (String[] box : new String[][] { { "#fff4d6", "dataset" }, { "#e3ecfa", "step (conversion, optimization, debugging)" }, { "#e8f5e9", "model" } }) {
			s.append("<span><svg width=\"22\" height=\"14\"><rect x=\"1\" y=\"1\" width=\"20\" height=\"12\" fill=\"").append(box[0])
					.append("\" stroke=\"#445\"/></svg>").append(box[1]).append("</span>");
		}
		return s.append("</div>\n").toString();
	}

	static String svg(TraceModel trace) {
		return draw(LineageGraph.of(trace, LineageGraph.Options.REPORT));
	}

	private static String draw(LineageGraph graph) {
		StringBuilder s = new StringBuilder(String.format(Locale.ROOT,
				"<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"lineage\" width=\"%.0f\" height=\"%.0f\" viewBox=\"0 0 %.0f %.0f\">\n",
				graph.width() + 24, graph.height() + 24, graph.width() + 24, graph.height() + 24));
		s.append("<defs>");
		for (EdgeKind k : EdgeKind.values()) {
			s.append("<marker id=\"arrow-").append(k.name().toLowerCase(Locale.ROOT)).append("\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" markerWidth=\"7\" markerHeight=\"7\" orient=\"auto\">")
					.append("<path d=\"M0,0 L10,5 L0,10 z\" fill=\"").append(k.color).append("\"/></marker>");
		}
		s.append("</defs>\n<g transform=\"translate(12,12)\">\n");
		for (LineageGraph.Edge e : graph.edges()) {
			StringBuilder points = new StringBuilder();
			for (double[] p : e.points()) {
				points.append(points.isEmpty() ? "" : " ").append(point(p[0], p[1]));
			}
			EdgeKind k = EdgeKind.valueOf(e.kind().name());
			s.append("<polyline class=\"edge-").append(k.name().toLowerCase(Locale.ROOT)).append("\" points=\"").append(points).append("\" fill=\"none\" stroke=\"")
					.append(k.color).append("\" stroke-width=\"1.4\" marker-end=\"url(#arrow-").append(k.name().toLowerCase(Locale.ROOT)).append(")\"")
					.append(k.dash == null ? "" : " stroke-dasharray=\"" + k.dash + "\"").append("><title>").append(Html.esc(k.label)).append("</title></polyline>\n");
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
