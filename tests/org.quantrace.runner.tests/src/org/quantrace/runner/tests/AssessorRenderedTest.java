package org.quantrace.runner.tests;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.apache.pdfbox.Loader;
import org.apache.pdfbox.cos.COSName;
import org.apache.pdfbox.pdmodel.PDDocument;
import org.apache.pdfbox.pdmodel.PDPage;
import org.apache.pdfbox.pdmodel.PDPageContentStream;
import org.apache.pdfbox.pdmodel.common.PDRectangle;
import org.apache.pdfbox.pdmodel.documentinterchange.logicalstructure.PDStructureElement;
import org.apache.pdfbox.text.PDFTextStripper;
import org.apache.pdfbox.text.TextPosition;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.quantrace.runner.Verification;
import org.quantrace.runner.Verification.Problem;

/**
 * PhIMT0003's PDF and DOCX forged where a reader sees them but verify read no difference (branch evidence12): the verdict's line
 * covered by a white rectangle drawn after it, cut away by the page's crop box, clipped out, or given an ActualText that copy,
 * search and screen readers read in its place; the DOCX's verdict paragraph under an anchored white shape. Each passed main
 * 5ecf9410's verify with 0 mismatches but the DOCX's (wild README, evidence12's table); a wide white stroke along the verdict
 * passed main 4e238194's (evidence13).
 */
class AssessorRenderedTest {

	private static final String PDF = "logs/PhIMT0003-cnn.pdf";
	private static final String DOCX = "logs/PhIMT0003-cnn.docx";
	private static final String VERDICT = "no variant is accepted or rejected";

	/** An honest fiq_int8 run of the example, which verifies clean (AssessorUnreadPartsTest.theHonestFolderHasNoMismatch makes the same run). */
	private static Path out;

	@BeforeAll
	static void honestRun() {
		out = Runs.fiqInt8Run("evidence12-rendered");
	}

	/** A white rectangle painted over the verdict's line after its text (an incremental content stream). */
	@Test
	void aWhiteRectangleOverTheVerdictIsFound() throws IOException {
		assertHidden(forgedPdf("forged-white-box", (d, line) -> {
			try (PDPageContentStream s = new PDPageContentStream(d, line.page(), PDPageContentStream.AppendMode.APPEND, false, true)) {
				s.setNonStrokingColor(java.awt.Color.WHITE);
				s.addRect(line.box().x - 2, line.box().y - 2, line.box().width + 4, line.box().height + 4);
				s.fill();
			}
		}), "covered by a shape");
	}

	/** {@link #WIDE_WHITE_STROKE} over the verdict's line of an honest run's PDF. */
	@Test
	void aWideWhiteStrokeOverTheVerdictIsFound() throws IOException {
		assertHidden(forgedPdf("forged-white-stroke", WIDE_WHITE_STROKE), "covered by a shape");
	}

	/**
	 * The same stroke on a folder another Quantrace version wrote (its version named throughout, as such a folder names it): a
	 * document of another version that differs from this version's rendering is checked by its figures only and noted, NOT
	 * VERIFIED, so the stroked PDF was noted without naming the hidden verdict (as this branch's CLI did with the stroke drawn
	 * over a folder main 4e238194's CLI wrote, evidence13). Text covered, clipped or replaced is no version's wording: a mismatch
	 * whichever version wrote the folder.
	 */
	@Test
	void aWideWhiteStrokeOverTheVerdictOfAnotherVersionsFolderIsFound() throws IOException {
		Path older = Runs.copy(out, out.getParent().resolve("another-version"));
		String wrote = org.quantrace.engine.Versions.quantrace();
		String other = "0.1.0.v20261204-0300";
		Tampering.write(older.resolve("trace.xmi"), Tampering.read(older.resolve("trace.xmi")).replace(wrote, other));
		Tampering.replaceInLogs(older, wrote, other);
		Tampering.resum(older);
		assertTrue(Tampering.read(older.resolve("logs/PhIMT0003-cnn.md")).contains("Quantrace " + other), "the logs name the other version");
		assertTrue(Verification.verify(older).problems().isEmpty(), "the honest folder of the other version has no mismatch");

		List<Problem> found = forgedPdf(older, "another-version-stroked", WIDE_WHITE_STROKE);
		assertTrue(found.stream().anyMatch(p -> p.file().equals(PDF) && p.what().startsWith("hides text, which no version of Quantrace does")
				&& p.what().contains("covered by a shape")), found.toString());
	}

	/**
	 * A white line as wide as the verdict's line is high, stroked along it after its text: it hides the words as the rectangle
	 * does, but main counted a stroke as covering nothing (its width left out: evidence12's "Found, not fixed").
	 */
	private static final PdfEdit WIDE_WHITE_STROKE = (d, line) -> {
		try (PDPageContentStream s = new PDPageContentStream(d, line.page(), PDPageContentStream.AppendMode.APPEND, false, true)) {
			s.setStrokingColor(java.awt.Color.WHITE);
			s.setLineWidth(line.box().height + 4);
			float middle = line.box().y + line.box().height / 2;
			s.moveTo(line.box().x - 2, middle);
			s.lineTo(line.box().x + line.box().width + 2, middle);
			s.stroke();
		}
	};

	/** The page's crop box (what a viewer shows and prints) ends above the verdict's line. */
	@Test
	void aCropBoxCuttingTheVerdictAwayIsFound() throws IOException {
		assertHidden(forgedPdf("forged-crop", (d, line) -> {
			PDRectangle media = line.page().getMediaBox();
			float top = line.box().y + line.box().height + 1;
			line.page().setCropBox(new PDRectangle(media.getLowerLeftX(), top, media.getWidth(), media.getUpperRightY() - top));
		}), "drawn off the page");
	}

	/** A clipping path set before the page's content that leaves out the verdict's line. */
	@Test
	void aClipLeavingTheVerdictOutIsFound() throws IOException {
		assertHidden(forgedPdf("forged-clip", (d, line) -> {
			try (PDPageContentStream s = new PDPageContentStream(d, line.page(), PDPageContentStream.AppendMode.PREPEND, false)) {
				PDRectangle media = line.page().getMediaBox();
				float top = line.box().y + line.box().height + 1;
				s.addRect(media.getLowerLeftX(), top, media.getWidth(), media.getUpperRightY() - top);
				s.clip();
			}
		}), "drawn outside its clipping path");
	}

	/** The verdict's paragraph in the structure tree given an ActualText, which copy, search and screen readers read instead. */
	@Test
	void anActualTextContradictingTheVerdictIsFound() throws IOException {
		assertHidden(forgedPdf("forged-actual-text", (d, line) -> {
			List<PDStructureElement> all = new ArrayList<>();
			elements(d.getDocumentCatalog().getStructureTreeRoot().getKids(), all);
			PDStructureElement first = all.stream().filter(e -> "P".equals(e.getStructureType())).findFirst().orElseThrow();
			first.setActualText("Every variant meets its acceptance criteria: ACCEPTED, approved by J. Doe.");
		}), "ActualText 'Every variant meets");
	}

	/** An anchored drawing (a white rectangle in front of the text) placed in the verdict's paragraph of the DOCX. */
	@Test
	void aDocxShapeOverTheVerdictIsFound() throws IOException {
		Path forged = Runs.copy(out, out.getParent().resolve("forged-docx-shape"));
		String shape = "<w:r><w:drawing><wp:anchor xmlns:wp=\"http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing\" distT=\"0\" distB=\"0\""
				+ " distL=\"0\" distR=\"0\" simplePos=\"0\" relativeHeight=\"1\" behindDoc=\"0\" locked=\"0\" layoutInCell=\"1\" allowOverlap=\"1\">"
				+ "<wp:simplePos x=\"0\" y=\"0\"/><wp:positionH relativeFrom=\"column\"><wp:posOffset>0</wp:posOffset></wp:positionH>"
				+ "<wp:positionV relativeFrom=\"paragraph\"><wp:posOffset>0</wp:posOffset></wp:positionV><wp:extent cx=\"6000000\" cy=\"300000\"/>"
				+ "<wp:wrapNone/><wp:docPr id=\"901\" name=\"cover\"/><a:graphic xmlns:a=\"http://schemas.openxmlformats.org/drawingml/2006/main\">"
				+ "<a:graphicData uri=\"http://schemas.microsoft.com/office/word/2010/wordprocessingShape\"><wps:wsp"
				+ " xmlns:wps=\"http://schemas.microsoft.com/office/word/2010/wordprocessingShape\"><wps:cNvSpPr/><wps:spPr><a:xfrm><a:off x=\"0\" y=\"0\"/>"
				+ "<a:ext cx=\"6000000\" cy=\"300000\"/></a:xfrm><a:prstGeom prst=\"rect\"><a:avLst/></a:prstGeom><a:solidFill><a:srgbClr val=\"FFFFFF\"/>"
				+ "</a:solidFill><a:ln><a:noFill/></a:ln></wps:spPr><wps:bodyPr/></wps:wsp></a:graphicData></a:graphic></wp:anchor></w:drawing></w:r>";
		Path docx = forged.resolve(DOCX);
		java.util.Map<String, byte[]> parts = new java.util.LinkedHashMap<>();
		try (java.util.zip.ZipInputStream in = new java.util.zip.ZipInputStream(Files.newInputStream(docx))) {
			for (java.util.zip.ZipEntry e = in.getNextEntry(); e != null; e = in.getNextEntry()) {
				parts.put(e.getName(), in.readAllBytes());
			}
		}
		String body = new String(parts.get("word/document.xml"), StandardCharsets.UTF_8);
		int verdict = body.indexOf(VERDICT);
		assertTrue(verdict > 0, "the verdict is in the DOCX's body");
		int paragraph = body.indexOf('>', Math.max(body.lastIndexOf("<w:p>", verdict), body.lastIndexOf("<w:p ", verdict))) + 1;
		parts.put("word/document.xml", (body.substring(0, paragraph) + shape + body.substring(paragraph)).getBytes(StandardCharsets.UTF_8));
		try (java.util.zip.ZipOutputStream zip = new java.util.zip.ZipOutputStream(Files.newOutputStream(docx))) {
			for (java.util.Map.Entry<String, byte[]> part : parts.entrySet()) {
				zip.putNextEntry(new java.util.zip.ZipEntry(part.getKey()));
				zip.write(part.getValue());
				zip.closeEntry();
			}
		}
		Tampering.resum(forged);
		List<Problem> problems = Verification.verify(forged).problems();
		assertTrue(problems.stream().anyMatch(p -> p.file().equals(DOCX) && p.what().contains("wp:anchor")), problems.toString());
	}

	private record Line(PDPage page, java.awt.geom.Rectangle2D.Float box) {
	}

	private interface PdfEdit {
		void apply(PDDocument pdf, Line verdict) throws IOException;
	}

	/** verify's findings on a copy of the run whose PDF log {@code edit} changed where the verdict's line is, SHA256SUMS recomputed. */
	private static List<Problem> forgedPdf(String name, PdfEdit edit) throws IOException {
		return forgedPdf(out, name, edit);
	}

	/** The same on a copy of {@code from}. */
	private static List<Problem> forgedPdf(Path from, String name, PdfEdit edit) throws IOException {
		Path forged = Runs.copy(from, out.getParent().resolve(name));
		Path pdf = forged.resolve(PDF);
		try (PDDocument d = Loader.loadPDF(Files.readAllBytes(pdf))) {
			edit.apply(d, verdict(d));
			d.save(pdf.toFile());
		}
		Tampering.resum(forged);
		try (PDDocument d = Loader.loadPDF(Files.readAllBytes(pdf))) { // the forgery's text is still the trace's
			assertTrue(new PDFTextStripper().getText(d).contains(VERDICT), "the verdict's words are still in the text");
		}
		return Verification.verify(forged).problems();
	}

	/** The page and box of the verdict's words, from the text's positions. */
	private static Line verdict(PDDocument d) throws IOException {
		for (int p = 1; p <= d.getNumberOfPages(); p++) {
			List<TextPosition> glyphs = new ArrayList<>();
			PDFTextStripper s = new PDFTextStripper() {
				@Override
				protected void processTextPosition(TextPosition text) {
					glyphs.add(text);
				}
			};
			s.setStartPage(p);
			s.setEndPage(p);
			s.getText(d);
			StringBuilder chars = new StringBuilder();
			glyphs.forEach(g -> chars.append(g.getUnicode().charAt(0)));
			int at = chars.indexOf(VERDICT.replace(" ", ""));
			at = at >= 0 ? at : chars.indexOf(VERDICT);
			if (at >= 0) {
				TextPosition a = glyphs.get(at);
				PDPage page = d.getPage(p - 1);
				float height = page.getMediaBox().getHeight();
				// TextPosition's y runs down from the top; the content stream's up from the bottom
				float y = height - a.getYDirAdj();
				float x1 = glyphs.get(Math.min(glyphs.size() - 1, at + VERDICT.length() - 1)).getXDirAdj() + 10;
				return new Line(page, new java.awt.geom.Rectangle2D.Float(a.getXDirAdj(), y - 3, Math.max(50, x1 - a.getXDirAdj()), a.getHeightDir() + 6));
			}
		}
		throw new AssertionError("no verdict '" + VERDICT + "' in " + PDF);
	}

	private static void elements(List<Object> kids, List<PDStructureElement> all) {
		for (Object k : kids) {
			if (k instanceof PDStructureElement e) {
				all.add(e);
				elements(e.getKids(), all);
			}
		}
	}

	private static void assertHidden(List<Problem> problems, String why) {
		assertTrue(problems.stream().anyMatch(p -> p.file().equals(PDF) && p.what().contains("text a reader does not see") && p.what().contains(why)),
				problems.toString());
	}
}
