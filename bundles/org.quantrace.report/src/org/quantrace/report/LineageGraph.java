package org.quantrace.report;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import org.eclipse.elk.alg.layered.options.LayeredMetaDataProvider;
import org.eclipse.elk.alg.layered.options.LayeredOptions;
import org.eclipse.elk.core.RecursiveGraphLayoutEngine;
import org.eclipse.elk.core.data.LayoutMetaDataService;
import org.eclipse.elk.core.options.CoreOptions;
import org.eclipse.elk.core.options.Direction;
import org.eclipse.elk.core.options.EdgeLabelPlacement;
import org.eclipse.elk.core.util.BasicProgressMonitor;
import org.eclipse.elk.graph.ElkBendPoint;
import org.eclipse.elk.graph.ElkEdge;
import org.eclipse.elk.graph.ElkEdgeSection;
import org.eclipse.elk.graph.ElkLabel;
import org.eclipse.elk.graph.ElkNode;
import org.eclipse.elk.graph.util.ElkGraphUtil;
import org.quantrace.model.trace.ConversionRecord;
import org.quantrace.model.trace.DatasetRecord;
import org.quantrace.model.trace.DebugRecord;
import org.quantrace.model.trace.EvaluationRecord;
import org.quantrace.model.trace.LinkKind;
import org.quantrace.model.trace.ModelArtifact;
import org.quantrace.model.trace.OptimizationRecord;
import org.quantrace.model.trace.TraceLink;
import org.quantrace.model.trace.TraceModel;
import org.quantrace.model.trace.TracedElement;

/**
 * A run's lineage as a laid-out graph: datasets, models and the conversion, optimization and debug steps
 * between them (and, for the workbench, the evaluation records), placed left to right by Eclipse ELK
 * (layered). The report draws it as SVG ({@link LineageDiagram}), the IDE with SWT: one graph, two
 * renderings. Coordinates are in pixels, the graph's origin at 0,0.
 */
public final class LineageGraph {

	/** What a box stands for; the report's style sheet names them dataset, model and step (conversion, optimization, debugging). */
	public enum Kind {
		DATASET, MODEL, STEP, EVALUATION
	}

	/** What an arrow says: a step's input or output or a derivation, calibration data, evaluation data, what was debugged, what an evaluation verifies. */
	public enum EdgeKind {
		DERIVED, CALIBRATED, EVALUATED, DEBUGGED, VERIFIES
	}

	/** A box: the traced element, two lines of text, where it links to in the report (relative to the run folder), its place. */
	public record Node(TracedElement element, Kind kind, String title, String subtitle, String href, double x, double y, double width, double height) {
	}

	/** An arrow between two boxes along {@code points} (start, bends, end); its label (null when unlabelled) centred at labelX, labelY. */
	public record Edge(TracedElement source, TracedElement target, EdgeKind kind, String label, List<double[]> points, double labelX, double labelY) {
	}

	/**
	 * What to draw: {@code records} adds the evaluation records as boxes, fed by their data and pointing at the
	 * model they verify (the report shows them as tables, and draws model-to-data arrows instead);
	 * {@code labels} names every arrow; {@code charWidth} sizes the boxes.
	 */
	public record Options(boolean records, boolean labels, double charWidth) {
		/** The report's diagram. */
		public static final Options REPORT = new Options(false, false, 7);
		/** Every record and labelled links, for browsing a trace. */
		public static final Options WORKBENCH = new Options(true, true, 7);
	}

	static final int NODE_HEIGHT = 38;

	private final List<Node> nodes;
	private final List<Edge> edges;
	private final double width;
	private final double height;

	private LineageGraph(List<Node> nodes, List<Edge> edges, double width, double height) {
		this.nodes = nodes;
		this.edges = edges;
		this.width = width;
		this.height = height;
	}

	public List<Node> nodes() {
		return nodes;
	}

	public List<Edge> edges() {
		return edges;
	}

	public double width() {
		return width;
	}

	public double height() {
		return height;
	}

	/** The box of {@code e}, or null. */
	public Node node(TracedElement e) {
		return nodes.stream().filter(n -> n.element() == e).findFirst().orElse(null);
	}

	/** Builds and lays out the lineage of {@code trace}. */
	public static LineageGraph of(TraceModel trace, Options options) {
		return new Builder(options).build(trace);
	}

	/** Collects boxes and arrows as ELK nodes and edges, lays them out, then reads the coordinates back. */
	private static final class Builder {
		private final Options options;
		private final ElkNode graph = ElkGraphUtil.createGraph();
		private final Map<TracedElement, ElkNode> elkNodes = new LinkedHashMap<>();
		private final Map<ElkNode, Node> boxes = new LinkedHashMap<>();
		private final Map<ElkEdge, Arrow> arrows = new LinkedHashMap<>();

		/** What is known of an arrow before the layout. */
		private record Arrow(TracedElement source, TracedElement target, EdgeKind kind) {
		}

		Builder(Options options) {
			this.options = options;
		}

		LineageGraph build(TraceModel trace) {
			synchronized (LayoutMetaDataService.class) {
				LayoutMetaDataService.getInstance().registerLayoutMetaDataProviders(new LayeredMetaDataProvider());
			}
			graph.setProperty(CoreOptions.ALGORITHM, LayeredOptions.ALGORITHM_ID);
			graph.setProperty(CoreOptions.DIRECTION, Direction.RIGHT);
			graph.setProperty(CoreOptions.SPACING_NODE_NODE, 14.0);
			graph.setProperty(LayeredOptions.SPACING_NODE_NODE_BETWEEN_LAYERS, options.labels() ? 60.0 : 36.0);

			for (DatasetRecord d : trace.getDatasets()) {
				add(d, Kind.DATASET, d.getName(), d.getSampleCount() + " samples", "#dataset-" + LogValues.slug(d.getName()));
			}
			for (ModelArtifact a : trace.getArtifacts()) {
				String model = RunSummary.model(a);
				OptimizationRecord made = trace.getOptimizations().stream().filter(o -> o.getOutput() == a).findFirst().orElse(null);
				ConversionRecord converted = trace.getConversions().stream().filter(c -> c.getOutput() == a).findFirst().orElse(null);
				String href = made != null ? "logs/" + AifsmLogs.fileName("PhIMT0003", model) + ".html#optimization-" + LogValues.slug(made.getScheme())
						: converted != null ? "logs/" + AifsmLogs.fileName("PhIMT0002", model) + ".html#conversion" : "#" + RunReport.variantAnchor(a);
				add(a, Kind.MODEL, model + " / " + a.getName(), String.format(Locale.ROOT, "%,d bytes", a.getSizeBytes()), href);
			}
			for (ConversionRecord c : trace.getConversions()) {
				add(c, Kind.STEP, "conversion", c.getId(), "logs/" + AifsmLogs.fileName("PhIMT0002", c.getName()) + ".html#conversion");
				edge(c.getInput(), c, EdgeKind.DERIVED, "input");
				edge(c, c.getOutput(), EdgeKind.DERIVED, "output");
			}
			for (OptimizationRecord o : trace.getOptimizations()) {
				String model = RunSummary.model(o.getInput());
				add(o, Kind.STEP, "optimization " + o.getScheme(), o.getId(),
						"logs/" + AifsmLogs.fileName("PhIMT0003", model) + ".html#optimization-" + LogValues.slug(o.getScheme()));
				edge(o.getInput(), o, EdgeKind.DERIVED, "input");
				edge(o, o.getOutput(), EdgeKind.DERIVED, "output");
			}
			for (DebugRecord d : trace.getDebugRecords()) {
				add(d, Kind.STEP, "debug " + d.getName(), d.getSampleCount() + " samples, " + d.getMetric().getLiteral(), "#" + RunReport.debugAnchor(d));
				edge(d.getQuantizedModel(), d, EdgeKind.DEBUGGED, "quantized");
				edge(d.getFloatModel(), d, EdgeKind.DEBUGGED, "float");
				edge(d.getDataset(), d, EdgeKind.DEBUGGED, "debug data");
			}
			if (options.records()) {
				for (EvaluationRecord e : trace.getEvaluations()) {
					String verdict = !e.isSetAccepted() ? "" : e.isAccepted() ? ", accepted" : ", REJECTED";
					String first = e.getMetrics().isEmpty() ? e.getSampleCount() + " samples"
							: e.getMetrics().get(0).getName() + " " + org.quantrace.engine.evaluate.Metrics.text(e.getMetrics().get(0).getName(), e.getMetrics().get(0).getValue(), 4);
					add(e, Kind.EVALUATION, "evaluation " + (e.getModel() != null ? e.getModel().getName() : e.getName()), first + verdict,
							e.getModel() == null ? null : "#" + RunReport.variantAnchor(e.getModel()));
					edge(e.getDataset(), e, EdgeKind.EVALUATED, "evaluated-on");
				}
			}
			for (TraceLink l : trace.getLinks()) {
				link(trace, l);
			}
			new RecursiveGraphLayoutEngine().layout(graph, new BasicProgressMonitor());
			return read();
		}

		private void link(TraceModel trace, TraceLink l) {
			TracedElement source = l.getSource();
			TracedElement target = l.getTarget();
			boolean both = elkNodes.get(source) != null && elkNodes.get(target) != null;
			if (l.getKind() == LinkKind.DERIVED_FROM && !isStepOutput(trace, source)) {
				edge(target, source, EdgeKind.DERIVED, label(l));
			} else if (l.getKind() == LinkKind.CALIBRATED_WITH && both) {
				// calibration data feeds the optimization step that made the model, where there is one
				OptimizationRecord step = trace.getOptimizations().stream().filter(o -> o.getOutput() == source).findFirst().orElse(null);
				edge(target, step != null ? step : source, EdgeKind.CALIBRATED, label(l));
			} else if (l.getKind() == LinkKind.EVALUATED_ON && both && !options.records()) {
				// the model points at the data it was evaluated on: the data goes to the right, each model stays beside the step that made it
				edge(source, target, EdgeKind.EVALUATED, label(l));
			} else if (l.getKind() == LinkKind.VERIFIES && options.records()) {
				edge(target, source, EdgeKind.VERIFIES, label(l));
			}
		}

		private static String label(TraceLink l) {
			return l.getKind().getLiteral();
		}

		private static boolean isStepOutput(TraceModel trace, TracedElement e) {
			return trace.getConversions().stream().anyMatch(c -> c.getOutput() == e) || trace.getOptimizations().stream().anyMatch(o -> o.getOutput() == e);
		}

		private void add(TracedElement e, Kind kind, String title, String subtitle, String href) {
			ElkNode n = ElkGraphUtil.createNode(graph);
			n.setIdentifier(e.getId());
			n.setDimensions(16 + options.charWidth() * Math.max(title.length(), subtitle.length()), NODE_HEIGHT);
			elkNodes.put(e, n);
			boxes.put(n, new Node(e, kind, title, subtitle, href, 0, 0, 0, 0));
		}

		private void edge(TracedElement source, TracedElement target, EdgeKind kind, String label) {
			ElkNode s = source == null ? null : elkNodes.get(source);
			ElkNode t = target == null ? null : elkNodes.get(target);
			if (s == null || t == null) {
				return;
			}
			ElkEdge e = ElkGraphUtil.createSimpleEdge(s, t);
			arrows.put(e, new Arrow(source, target, kind));
			if (options.labels() && label != null) {
				ElkLabel l = ElkGraphUtil.createLabel(label, e);
				l.setDimensions(options.charWidth() * label.length() * 0.9, 12);
				l.setProperty(CoreOptions.EDGE_LABELS_PLACEMENT, EdgeLabelPlacement.CENTER);
			}
		}

		private LineageGraph read() {
			List<Node> nodes = new ArrayList<>();
			for (ElkNode n : graph.getChildren()) {
				Node b = boxes.get(n);
				nodes.add(new Node(b.element(), b.kind(), b.title(), b.subtitle(), b.href(), n.getX(), n.getY(), n.getWidth(), n.getHeight()));
			}
			List<Edge> edges = new ArrayList<>();
			for (ElkEdge e : graph.getContainedEdges()) {
				Arrow a = arrows.get(e);
				for (ElkEdgeSection sec : e.getSections()) {
					List<double[]> points = new ArrayList<>();
					points.add(new double[] { sec.getStartX(), sec.getStartY() });
					for (ElkBendPoint b : sec.getBendPoints()) {
						points.add(new double[] { b.getX(), b.getY() });
					}
					points.add(new double[] { sec.getEndX(), sec.getEndY() });
					ElkLabel l = e.getLabels().isEmpty() ? null : e.getLabels().get(0);
					edges.add(new Edge(a.source(), a.target(), a.kind(), l == null ? null : l.getText(), List.copyOf(points),
							l == null ? 0 : l.getX() + l.getWidth() / 2, l == null ? 0 : l.getY() + l.getHeight() / 2));
				}
			}
			return new LineageGraph(List.copyOf(nodes), List.copyOf(edges), graph.getWidth(), graph.getHeight());
		}
	}
}
