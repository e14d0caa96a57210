package org.quantrace.runner;

import java.awt.BasicStroke;
import java.awt.Shape;
import java.awt.geom.AffineTransform;
import java.awt.geom.Area;
import java.awt.geom.GeneralPath;
import java.awt.geom.Point2D;
import java.awt.geom.Rectangle2D;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

import org.apache.pdfbox.contentstream.PDFGraphicsStreamEngine;
import org.apache.pdfbox.cos.COSName;
import org.apache.pdfbox.pdmodel.PDDocument;
import org.apache.pdfbox.pdmodel.PDPage;
import org.apache.pdfbox.pdmodel.font.PDFont;
import org.apache.pdfbox.pdmodel.graphics.image.PDImage;
import org.apache.pdfbox.pdmodel.graphics.state.PDGraphicsState;
import org.apache.pdfbox.util.Matrix;
import org.apache.pdfbox.util.Vector;

/**
 * The text of a PDF a reader does not see although its glyphs are drawn visibly: covered by a filled shape, an image or a shading
 * painted after it (a white rectangle over the verdict), drawn outside its clipping path, or placed off the page (a crop box
 * that cuts it away); and the text a reader is told instead of the glyphs: an ActualText, Alt or E (expansion) of a marked
 * content sequence or a structure element, which copy, search and screen readers give in place of what is drawn. verify compared
 * what the glyphs say, so each of these, SHA256SUMS recomputed, passed with 0 mismatches (branch evidence12; assessor10 and 11
 * left the covering open). Each page's content is walked as a renderer walks it (forms included); a glyph counts as hidden when the point at the
 * middle of its box lies under a later paint's area (a fill's path's bounds, a stroke's outline at its width, within the clip), or outside the clip or the crop box when
 * it is drawn. The Quantrace logs paint backgrounds before text and hide none: the PDF the trace makes says which words are hidden
 * (none), and the file must say the same, so no place is compared (the machine's fonts lay a page out).
 */
final class PdfHiddenText extends PDFGraphicsStreamEngine {

	private record Glyph(String text, Point2D middle) {
	}

	private final Rectangle2D page;
	private final List<Glyph> shown = new ArrayList<>();
	/** What marked content tells a reader instead of its glyphs. */
	private final List<String> hidden = new ArrayList<>();
	/** Why each glyph shown so far is not seen (null: it is): its index in {@link #shown}. */
	private String[] unseen = new String[0];
	private final GeneralPath path = new GeneralPath();
	private int clipRule = -1;

	private PdfHiddenText(PDPage page) {
		super(page);
		this.page = page.getCropBox().toGeneralPath().getBounds2D();
	}

	/** Per page, the runs of hidden text with why ("page 1: 'Every variant ...' covered by a filled shape drawn after it"). */
	static List<String> of(PDDocument pdf) throws IOException {
		List<String> all = new ArrayList<>();
		int n = 1;
		for (PDPage p : pdf.getPages()) {
			PdfHiddenText e = new PdfHiddenText(p);
			e.processPage(p);
			for (String h : e.hidden) {
				all.add("page " + n + ": " + h);
			}
			all.addAll(e.runs(n));
			n++;
		}
		org.apache.pdfbox.pdmodel.documentinterchange.logicalstructure.PDStructureTreeRoot root = pdf.getDocumentCatalog().getStructureTreeRoot();
		if (root != null) {
			told(root.getKids(), all);
		}
		return all;
	}

	/** The ActualText, Alt and E of every structure element under {@code kids}, depth first. */
	private static void told(List<Object> kids, List<String> all) {
		for (Object k : kids) {
			if (k instanceof org.apache.pdfbox.pdmodel.documentinterchange.logicalstructure.PDStructureElement e) {
				String type = e.getStructureType();
				said("structure element " + type, "ActualText", e.getActualText(), all);
				said("structure element " + type, "Alt", e.getAlternateDescription(), all);
				said("structure element " + type, "E", e.getExpandedForm(), all);
				told(e.getKids(), all);
			}
		}
	}

	private static void said(String where, String key, String value, List<String> all) {
		if (value != null) {
			all.add(where + " gives " + key + " '" + value + "' (read by copy, search and screen readers in place of its glyphs)");
		}
	}

	@Override
	public void beginMarkedContentSequence(COSName tag, org.apache.pdfbox.cos.COSDictionary properties) {
		super.beginMarkedContentSequence(tag, properties);
		if (properties != null) {
			for (String key : List.of("ActualText", "Alt", "E")) {
				said("marked content " + (tag == null ? "" : tag.getName()), key, properties.getString(key), hidden);
			}
		}
	}

	/** The glyphs not seen, as runs of consecutive glyphs not seen for one reason. */
	private List<String> runs(int pageNumber) {
		List<String> runs = new ArrayList<>();
		StringBuilder run = new StringBuilder();
		for (int i = 0; i < shown.size(); i++) {
			if (unseen[i] != null) {
				run.append(shown.get(i).text());
			}
			if (unseen[i] != null && (i + 1 == shown.size() || !unseen[i].equals(unseen[i + 1]))) {
				runs.add("page " + pageNumber + ": '" + run.toString().strip() + "' " + unseen[i]);
				run.setLength(0);
			}
		}
		return runs;
	}

	@Override
	protected void showGlyph(Matrix trm, PDFont font, int code, Vector displacement) throws IOException {
		super.showGlyph(trm, font, code, displacement);
		String text = font.toUnicode(code);
		double w = displacement.getX() * trm.getScalingFactorX();
		Point2D middle = new Point2D.Double(trm.getTranslateX() + w / 2, trm.getTranslateY() + trm.getScalingFactorY() * 0.3);
		shown.add(new Glyph(text == null ? "?" : text, middle));
		unseen = java.util.Arrays.copyOf(unseen, shown.size());
		unseen[shown.size() - 1] = !page.contains(middle) ? "drawn off the page (outside its crop box)"
				: !getGraphicsState().getCurrentClippingPath().contains(middle) ? "drawn outside its clipping path" : null;
	}

	/** Marks the glyphs drawn so far whose middle lies under {@code area} (within the clip), filled with the non-stroking alpha. */
	private void paint(Rectangle2D bounds) {
		paint(bounds, getGraphicsState().getNonStrokeAlphaConstant());
	}

	private void paint(Shape area, double alpha) {
		if (alpha <= 0) {
			return; // fully transparent: nothing shows
		}
		Area a = new Area(area);
		a.intersect(getGraphicsState().getCurrentClippingPath());
		for (int i = 0; i < shown.size(); i++) {
			if (unseen[i] == null && a.contains(shown.get(i).middle())) {
				unseen[i] = "covered by a shape, an image or a shading painted after it";
			}
		}
	}

	private void done() {
		if (clipRule >= 0) {
			path.setWindingRule(clipRule);
			getGraphicsState().intersectClippingPath(path);
			clipRule = -1;
		}
		path.reset();
	}

	@Override
	public void appendRectangle(Point2D p0, Point2D p1, Point2D p2, Point2D p3) {
		path.moveTo(p0.getX(), p0.getY());
		path.lineTo(p1.getX(), p1.getY());
		path.lineTo(p2.getX(), p2.getY());
		path.lineTo(p3.getX(), p3.getY());
		path.closePath();
	}

	@Override
	public void drawImage(PDImage image) {
		AffineTransform at = getGraphicsState().getCurrentTransformationMatrix().createAffineTransform();
		paint(at.createTransformedShape(new Rectangle2D.Double(0, 0, 1, 1)).getBounds2D());
	}

	@Override
	public void clip(int windingRule) {
		clipRule = windingRule; // applied when the path is ended, as a renderer does
	}

	@Override
	public void moveTo(float x, float y) {
		path.moveTo(x, y);
	}

	@Override
	public void lineTo(float x, float y) {
		path.lineTo(x, y);
	}

	@Override
	public void curveTo(float x1, float y1, float x2, float y2, float x3, float y3) {
		path.curveTo(x1, y1, x2, y2, x3, y3);
	}

	@Override
	public Point2D getCurrentPoint() {
		return path.getCurrentPoint();
	}

	@Override
	public void closePath() {
		path.closePath();
	}

	@Override
	public void endPath() {
		done();
	}

	@Override
	public void strokePath() {
		stroke();
		done();
	}

	/**
	 * The area the current path's stroke paints, at its line width, caps and joins (dashes left out: the whole line): a white
	 * line 30 points wide drawn over the verdict hides it as a rectangle does, and main counted no stroke (evidence12). The
	 * writer's rules lie between lines of text, away from the glyphs' middles.
	 */
	private void stroke() {
		PDGraphicsState state = getGraphicsState();
		Matrix ctm = state.getCurrentTransformationMatrix();
		float x = ctm.getScaleX() + ctm.getShearX();
		float y = ctm.getScaleY() + ctm.getShearY();
		float width = state.getLineWidth() * (float) Math.sqrt((x * x + y * y) * 0.5); // as PDFBox's renderer scales it to the page
		int cap = Math.clamp(state.getLineCap(), BasicStroke.CAP_BUTT, BasicStroke.CAP_SQUARE); // PDF's codes are Java2D's
		int join = Math.clamp(state.getLineJoin(), BasicStroke.JOIN_MITER, BasicStroke.JOIN_BEVEL);
		Shape line = new BasicStroke(Math.max(0, width), cap, join, Math.max(1, state.getMiterLimit())).createStrokedShape(path);
		paint(line, state.getAlphaConstant()); // the stroking alpha (CA)
	}

	@Override
	public void fillPath(int windingRule) {
		paint(path.getBounds2D());
		done();
	}

	@Override
	public void fillAndStrokePath(int windingRule) {
		stroke();
		fillPath(windingRule);
	}

	@Override
	public void shadingFill(COSName shadingName) {
		paint(getGraphicsState().getCurrentClippingPath().getBounds2D());
	}
}
