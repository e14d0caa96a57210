package org.quantrace.report;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

import org.eclipse.elk.alg.layered.options.LayeredMetaDataProvider;
import org.eclipse.elk.alg.layered.options.LayeredOptions;
import org.eclipse.elk.core.RecursiveGraphLayoutEngine;
import org.eclipse.elk.core.data.LayoutMetaDataService;
import org.eclipse.elk.core.options.CoreOptions;
import org.eclipse.elk.core.options.Direction;
import org.eclipse.elk.core.util.BasicProgressMonitor;
import org.eclipse.elk.graph.ElkBendPoint;
import org.eclipse.elk.graph.ElkEdge;
import org.eclipse.elk.graph.ElkEdgeSection;
import org.eclipse.elk.graph.ElkNode;
import org.eclipse.elk.graph.util.ElkGraphUtil;
import org.quantrace.model.trace.ConversionRecord;
import org.quantrace.model.trace.DatasetRecord;
import org.quantrace.model.trace.DebugRecord;
import org.quantrace.model.trace.LinkKind;
import org.quantrace.model.trace.ModelArtifact;
import org.quantrace.model.trace.OptimizationRecord;
import org.quantrace.model.trace.TraceLink;
import org.quantrace.model.trace.TraceModel;
import org.quantrace.model.trace.TracedElement;

/**
 * The run's lineage as an SVG diagram: datasets, models and the conversion and optimization steps between
 * them, laid out left to right by Eclipse ELK (layered). Each step links to its table in the AI-FSM log,
 * each model to the log that produced it.
 */
final class LineageDiagram {

	private static final int CHAR_WIDTH = 7;
	private static final int NODE_HEIGHT = 38;

	/** A box of the diagram: its kind (css class), two lines of text, and where it links to. */
	private record Box(String kind, String title, String subtitle, String href) {
	}

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
		synchronized (LayoutMetaDataService.class) {
			LayoutMetaDataService.getInstance().registerLayoutMetaDataProviders(new LayeredMetaDataProvider());
		}
		ElkNode graph = ElkGraphUtil.createGraph();
		graph.setProperty(CoreOptions.ALGORITHM, LayeredOptions.ALGORITHM_ID);
		graph.setProperty(CoreOptions.DIRECTION, Direction.RIGHT);
		graph.setProperty(CoreOptions.SPACING_NODE_NODE, 14.0);
		graph.setProperty(LayeredOptions.SPACING_NODE_NODE_BETWEEN_LAYERS, 36.0);
		Map<TracedElement, ElkNode> nodes = new LinkedHashMap<>();
		Map<ElkNode, Box> boxes = new LinkedHashMap<>();
		Map<ElkEdge, EdgeKind> kinds = new LinkedHashMap<>();

		for (DatasetRecord d : trace.getDatasets()) {
			add(graph, nodes, boxes, d, new Box("dataset", d.getName(), d.getSampleCount() + " samples", "#dataset-" + LogValues.slug(d.getName())));
		}
		for (ModelArtifact a : trace.getArtifacts()) {
			String model = RunSummary.model(a);
			OptimizationRecord made = trace.getOptimizations().stream().filter(o -> o.getOutput() == a).findFirst().orElse(null);
			ConversionRecord converted = trace.getConversions().stream().filter(c -> c.getOutput() == a).findFirst().orElse(null);
			String href = made != null ? "logs/" + AifsmLogs.fileName("PhIMT0003", model) + ".html#optimization-" + LogValues.slug(made.getScheme())
					: converted != null ? "logs/" + AifsmLogs.fileName("PhIMT0002", model) + ".html#conversion" : "#" + RunReport.variantAnchor(a);
			add(graph, nodes, boxes, a, new Box("model", model + " / " + a.getName(), String.format(Locale.ROOT, "%,d bytes", a.getSizeBytes()), href));
		}
		for (ConversionRecord c : trace.getConversions()) {
			ElkNode n = add(graph, nodes, boxes, c, new Box("step", "conversion", c.getId(), "logs/" + AifsmLogs.fileName("PhIMT0002", c.getName()) + ".html#conversion"));
			kinds.put(edge(nodes.get(c.getInput()), n), EdgeKind.DERIVED);
			kinds.put(edge(n, nodes.get(c.getOutput())), EdgeKind.DERIVED);
		}
		for (OptimizationRecord o : trace.getOptimizations()) {
			String model = RunSummary.model(o.getInput());
			ElkNode n = add(graph, nodes, boxes, o, new Box("step", "optimization " + o.getScheme(), o.getId(),
					"logs/" + AifsmLogs.fileName("PhIMT0003", model) + ".html#optimization-" + LogValues.slug(o.getScheme())));
			kinds.put(edge(nodes.get(o.getInput()), n), EdgeKind.DERIVED);
			kinds.put(edge(n, nodes.get(o.getOutput())), EdgeKind.DERIVED);
		}
		for (DebugRecord d : trace.getDebugRecords()) {
			ElkNode n = add(graph, nodes, boxes, d, new Box("step", "debug " + d.getName(), d.getSampleCount() + " samples, " + d.getMetric().getLiteral(),
					"#" + RunReport.debugAnchor(d)));
			kinds.put(edge(nodes.get(d.getQuantizedModel()), n), EdgeKind.DEBUGGED);
			kinds.put(edge(nodes.get(d.getFloatModel()), n), EdgeKind.DEBUGGED);
			kinds.put(edge(nodes.get(d.getDataset()), n), EdgeKind.DEBUGGED);
		}
		for (TraceLink l : trace.getLinks()) {
			ElkNode source = nodes.get(l.getSource());
			ElkNode target = nodes.get(l.getTarget());
			if (l.getKind() == LinkKind.DERIVED_FROM && !isStepOutput(trace, l.getSource())) {
				kinds.put(edge(target, source), EdgeKind.DERIVED);
			} else if (l.getKind() == LinkKind.CALIBRATED_WITH && source != null && target != null) {
				// calibration data feeds the optimization step that made the model, where there is one
				OptimizationRecord step = trace.getOptimizations().stream().filter(o -> o.getOutput() == l.getSource()).findFirst().orElse(null);
				kinds.put(edge(target, step != null ? nodes.get(step) : source), EdgeKind.CALIBRATED);
			} else if (l.getKind() == LinkKind.EVALUATED_ON && source != null && target != null) {
				// the model points at the data it was evaluated on: the data goes to the right, each model stays beside the step that made it
				kinds.put(edge(source, target), EdgeKind.EVALUATED);
			}
		}
		kinds.remove(null);
		new RecursiveGraphLayoutEngine().layout(graph, new BasicProgressMonitor());
		return draw(graph, boxes, kinds);
	}

	private static boolean isStepOutput(TraceModel trace, TracedElement e) {
		return trace.getConversions().stream().anyMatch(c -> c.getOutput() == e) || trace.getOptimizations().stream().anyMatch(o -> o.getOutput() == e);
	}

	private static ElkNode add(ElkNode graph, Map<TracedElement, ElkNode> nodes, Map<ElkNode, Box> boxes, TracedElement e, Box box) {
		ElkNode n = ElkGraphUtil.createNode(graph);
		n.setIdentifier(e.getId());
		n.setDimensions(16 + CHAR_WIDTH * Math.max(box.title().length(), box.subtitle().length()), NODE_HEIGHT);
		nodes.put(e, n);
		boxes.put(n, box);
		return n;
	}

	private static ElkEdge edge(ElkNode source, ElkNode target) {
		return source == null || target == null ? null : ElkGraphUtil.createSimpleEdge(source, target);
	}

	private static String draw(ElkNode graph, Map<ElkNode, Box> boxes, Map<ElkEdge, EdgeKind> kinds) {
		StringBuilder s = new StringBuilder(String.format(Locale.ROOT,
				"<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"lineage\" width=\"%.0f\" height=\"%.0f\" viewBox=\"0 0 %.0f %.0f\">\n",
				graph.getWidth() + 24, graph.getHeight() + 24, graph.getWidth() + 24, graph.getHeight() + 24));
		s.append("<defs>");
		for (EdgeKind k : EdgeKind.values()) {
			s.append("<marker id=\"arrow-").append(k.name().toLowerCase(Locale.ROOT)).append("\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" markerWidth=\"7\" markerHeight=\"7\" orient=\"auto\">")
					.append("<path d=\"M0,0 L10,5 L0,10 z\" fill=\"").append(k.color).append("\"/></marker>");
		}
		s.append("</defs>\n<g transform=\"translate(12,12)\">\n");
		for (ElkEdge e : graph.getContainedEdges()) {
			for (ElkEdgeSection sec : e.getSections()) {
				StringBuilder points = new StringBuilder(point(sec.getStartX(), sec.getStartY()));
				for (ElkBendPoint b : sec.getBendPoints()) {
					points.append(' ').append(point(b.getX(), b.getY()));
				}
				points.append(' ').append(point(sec.getEndX(), sec.getEndY()));
				EdgeKind k = kinds.getOrDefault(e, EdgeKind.DERIVED);
				s.append("<polyline class=\"edge-").append(k.name().toLowerCase(Locale.ROOT)).append("\" points=\"").append(points).append("\" fill=\"none\" stroke=\"")
						.append(k.color).append("\" stroke-width=\"1.4\" marker-end=\"url(#arrow-").append(k.name().toLowerCase(Locale.ROOT)).append(")\"")
						.append(k.dash == null ? "" : " stroke-dasharray=\"" + k.dash + "\"").append("><title>").append(Html.esc(k.label)).append("</title></polyline>\n");
			}
		}
		for (ElkNode n : graph.getChildren()) {
			Box b = boxes.get(n);
			String fill = switch (b.kind()) {
			case "dataset" -> "#fff4d6";
			case "step" -> "#e3ecfa";
			default -> "#e8f5e9";
			};
			StringBuilder box = new StringBuilder(String.format(Locale.ROOT,
					"<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" rx=\"%d\" fill=\"%s\" stroke=\"#445\"/>", n.getX(), n.getY(), n.getWidth(),
					n.getHeight(), b.kind().equals("step") ? 14 : 3, fill));
			box.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"12\" font-family=\"sans-serif\">%s</text>", n.getX() + 8,
					n.getY() + 16, Html.esc(b.title())));
			box.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"10\" fill=\"#556\" font-family=\"sans-serif\">%s</text>",
					n.getX() + 8, n.getY() + 30, Html.esc(b.subtitle())));
			s.append(b.href() == null ? "<g>" + box + "</g>\n" : "<a href=\"" + Html.esc(b.href()) + "\">" + box + "</a>\n");
		}
		return s.append("</g></svg>\n").toString();
	}

	private static String point(double x, double y) {
		return String.format(Locale.ROOT, "%.1f,%.1f", x, y);
	}
}
