package org.quantrace.ide.lineage;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

import org.eclipse.swt.SWT;
import org.eclipse.swt.graphics.Color;
import org.eclipse.swt.graphics.Font;
import org.eclipse.swt.graphics.FontData;
import org.eclipse.swt.graphics.GC;
import org.eclipse.swt.graphics.Point;
import org.eclipse.swt.graphics.Transform;
import org.eclipse.swt.widgets.Canvas;
import org.eclipse.swt.widgets.Composite;
import org.eclipse.swt.widgets.Event;
import org.quantrace.model.trace.EvaluationRecord;
import org.quantrace.model.trace.TracedElement;
import org.quantrace.report.LineageGraph;

/**
 * The lineage diagram drawn with SWT: the report's {@link LineageGraph} (laid out by ELK) with every record,
 * boxes coloured by kind (datasets, models, steps, evaluations), trace links as labelled arrows coloured
 * and dashed as in the report's legend. Click selects a box, double-click opens it, Ctrl+wheel zooms.
 */
public final class LineageCanvas extends Canvas {

	static final int MARGIN = 16;

	private static final Color DATASET = new Color(255, 244, 214);
	private static final Color MODEL = new Color(232, 245, 233);
	private static final Color STEP = new Color(227, 236, 250);
	private static final Color EVALUATION = new Color(243, 232, 250);
	/** The report's arrow colours (its legend explains them): derived, calibrated, evaluated, debugged; and verifies. */
	private static final Color LINE = new Color(102, 102, 119);
	private static final Color CALIBRATED = new Color(0, 114, 178);
	private static final Color EVALUATED = new Color(0, 158, 115);
	private static final Color DEBUGGED = new Color(204, 121, 167);
	private static final Color VERIFIES = new Color(142, 68, 173);
	private static final Color BORDER = new Color(68, 68, 85);
	private static final Color REJECTED = new Color(198, 40, 40);
	private static final Color SELECTED = new Color(25, 118, 210);
	private static final Color SUBTITLE = new Color(85, 85, 102);

	private final List<Consumer<TracedElement>> selectionListeners = new ArrayList<>();
	private final List<Consumer<TracedElement>> openListeners = new ArrayList<>();
	private final Font small;
	private LineageGraph graph;
	private TracedElement selected;
	/** Zoom: 1 draws the layout's pixels as they are. */
	private double scale = 1;

	public LineageCanvas(Composite parent) {
		super(parent, SWT.DOUBLE_BUFFERED | SWT.NO_BACKGROUND);
		FontData d = getFont().getFontData()[0];
		small = new Font(getDisplay(), d.getName(), Math.max(7, d.getHeight() - 1), SWT.NORMAL);
		addListener(SWT.Paint, e -> paint(e.gc));
		addListener(SWT.MouseDown, e -> select(nodeAt(e.x, e.y)));
		addListener(SWT.MouseDoubleClick, this::doubleClick);
		addListener(SWT.Dispose, e -> small.dispose());
		addListener(SWT.MouseVerticalWheel, e -> {
			if ((e.stateMask & SWT.MOD1) != 0) {
				setScale(scale * (e.count > 0 ? 1.1 : 1 / 1.1));
				e.doit = false;
			}
		});
	}

	public double scale() {
		return scale;
	}

	/** Zooms to {@code s} (kept between 0.2 and 3) and resizes to the drawing. */
	public void setScale(double s) {
		scale = Math.max(0.2, Math.min(3, s));
		setSize(computeSize(SWT.DEFAULT, SWT.DEFAULT));
		redraw();
	}

	/** The zoom at which the whole diagram fits {@code width} x {@code height} (never above actual size). */
	public double fitScale(int width, int height) {
		if (graph == null || width <= 0 || height <= 0) {
			return 1;
		}
		return Math.min(1, Math.min(width / (graph.width() + 2.0 * MARGIN), height / (graph.height() + 2.0 * MARGIN)));
	}

	/** Shows {@code g} (a new layout of a trace). */
	public void setGraph(LineageGraph g) {
		this.graph = g;
		this.selected = null;
		redraw();
	}

	public LineageGraph graph() {
		return graph;
	}

	@Override
	public Point computeSize(int wHint, int hHint, boolean changed) {
		return graph == null ? new Point(200, 100)
				: new Point((int) Math.ceil((graph.width() + 2 * MARGIN) * scale), (int) Math.ceil((graph.height() + 2 * MARGIN) * scale));
	}

	/** The box under a point of the canvas, or null. */
	public LineageGraph.Node nodeAt(int x, int y) {
		if (graph == null) {
			return null;
		}
		double gx = x / scale - MARGIN;
		double gy = y / scale - MARGIN;
		for (LineageGraph.Node n : graph.nodes()) {
			if (gx >= n.x() && gx <= n.x() + n.width() && gy >= n.y() && gy <= n.y() + n.height()) {
				return n;
			}
		}
		return null;
	}

	/** The centre of a box in canvas coordinates. */
	public Point centre(LineageGraph.Node n) {
		return new Point((int) ((MARGIN + n.x() + n.width() / 2) * scale), (int) ((MARGIN + n.y() + n.height() / 2) * scale));
	}

	public void addSelectionListener(Consumer<TracedElement> l) {
		selectionListeners.add(l);
	}

	public void addOpenListener(Consumer<TracedElement> l) {
		openListeners.add(l);
	}

	/** Selects the box of {@code e} (null: none) and tells the listeners. */
	public void select(TracedElement e) {
		selected = e;
		redraw();
		selectionListeners.forEach(l -> l.accept(e));
	}

	private void select(LineageGraph.Node n) {
		select(n == null ? null : n.element());
	}

	public TracedElement selection() {
		return selected;
	}

	private void doubleClick(Event e) {
		LineageGraph.Node n = nodeAt(e.x, e.y);
		if (n != null) {
			select(n.element());
			openListeners.forEach(l -> l.accept(n.element()));
		}
	}

	private void paint(GC gc) {
		gc.setBackground(getDisplay().getSystemColor(SWT.COLOR_LIST_BACKGROUND));
		gc.fillRectangle(getClientArea());
		if (graph == null) {
			return;
		}
		gc.setAntialias(SWT.ON);
		gc.setTextAntialias(SWT.ON);
		Transform zoom = new Transform(getDisplay());
		zoom.scale((float) scale, (float) scale);
		gc.setTransform(zoom);
		zoom.dispose();
		for (LineageGraph.Edge e : graph.edges()) {
			edge(gc, e);
		}
		for (LineageGraph.Node n : graph.nodes()) {
			node(gc, n);
		}
	}

	private void edge(GC gc, LineageGraph.Edge e) {
		Color colour = switch (e.kind()) {
		case DERIVED -> LINE;
		case CALIBRATED -> CALIBRATED;
		case EVALUATED -> EVALUATED;
		case DEBUGGED -> DEBUGGED;
		case VERIFIES -> VERIFIES;
		};
		gc.setForeground(colour);
		gc.setBackground(colour);
		gc.setLineWidth(1);
		gc.setLineStyle(switch (e.kind()) {
		case DERIVED -> SWT.LINE_SOLID;
		case CALIBRATED -> SWT.LINE_DASH;
		case EVALUATED, VERIFIES -> SWT.LINE_DOT;
		case DEBUGGED -> SWT.LINE_DASHDOT;
		});
		List<double[]> p = e.points();
		int[] xy = new int[p.size() * 2];
		for (int i = 0; i < p.size(); i++) {
			xy[2 * i] = (int) Math.round(p.get(i)[0]) + MARGIN;
			xy[2 * i + 1] = (int) Math.round(p.get(i)[1]) + MARGIN;
		}
		gc.drawPolyline(xy);
		gc.setLineStyle(SWT.LINE_SOLID);
		arrowHead(gc, xy[xy.length - 4], xy[xy.length - 3], xy[xy.length - 2], xy[xy.length - 1]);
		if (e.label() != null) {
			gc.setFont(small);
			Point size = gc.textExtent(e.label());
			int x = (int) e.labelX() + MARGIN - size.x / 2;
			int y = (int) e.labelY() + MARGIN - size.y / 2;
			gc.setForeground(SUBTITLE);
			gc.drawText(e.label(), x, y, true);
		}
	}

	private static void arrowHead(GC gc, int x1, int y1, int x2, int y2) {
		double angle = Math.atan2(y2 - y1, x2 - x1);
		int size = 7; // filled with the edge's colour
		int[] head = { x2, y2, (int) (x2 - size * Math.cos(angle - 0.4)), (int) (y2 - size * Math.sin(angle - 0.4)),
				(int) (x2 - size * Math.cos(angle + 0.4)), (int) (y2 - size * Math.sin(angle + 0.4)) };
		gc.fillPolygon(head);
	}

	private void node(GC gc, LineageGraph.Node n) {
		int x = (int) n.x() + MARGIN;
		int y = (int) n.y() + MARGIN;
		int w = (int) n.width();
		int h = (int) n.height();
		int arc = n.kind() == LineageGraph.Kind.STEP ? 18 : 6;
		gc.setBackground(fill(n.kind()));
		gc.fillRoundRectangle(x, y, w, h, arc, arc);
		boolean rejected = n.element() instanceof EvaluationRecord r && r.isSetAccepted() && !r.isAccepted();
		gc.setForeground(n.element() == selected ? SELECTED : rejected ? REJECTED : BORDER);
		gc.setLineWidth(n.element() == selected || rejected ? 2 : 1);
		gc.drawRoundRectangle(x, y, w, h, arc, arc);
		gc.setLineWidth(1);
		gc.setFont(getFont());
		gc.setForeground(getDisplay().getSystemColor(SWT.COLOR_BLACK));
		gc.drawText(n.title(), x + 8, y + 3, true);
		gc.setFont(small);
		gc.setForeground(rejected ? REJECTED : SUBTITLE);
		gc.drawText(n.subtitle(), x + 8, y + h / 2 + 1, true);
	}

	private static Color fill(LineageGraph.Kind kind) {
		return switch (kind) {
		case DATASET -> DATASET;
		case MODEL -> MODEL;
		case STEP -> STEP;
		case EVALUATION -> EVALUATION;
		};
	}
}
