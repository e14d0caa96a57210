package org.quantrace.report;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.file.Path;
import java.util.List;

import org.apache.poi.xwpf.usermodel.ParagraphAlignment;
import org.apache.poi.xwpf.usermodel.XWPFDocument;
import org.apache.poi.xwpf.usermodel.XWPFParagraph;
import org.apache.poi.xwpf.usermodel.XWPFRun;
import org.apache.poi.xwpf.usermodel.XWPFTable;
import org.apache.poi.xwpf.usermodel.XWPFTableCell;
import org.apache.poi.xwpf.usermodel.XWPFTableRow;
import org.apache.xmlbeans.XmlException;
import org.openxmlformats.schemas.wordprocessingml.x2006.main.CTPPr;
import org.openxmlformats.schemas.wordprocessingml.x2006.main.CTPageMar;
import org.openxmlformats.schemas.wordprocessingml.x2006.main.CTPageSz;
import org.openxmlformats.schemas.wordprocessingml.x2006.main.CTR;
import org.openxmlformats.schemas.wordprocessingml.x2006.main.CTSectPr;
import org.openxmlformats.schemas.wordprocessingml.x2006.main.CTTbl;
import org.openxmlformats.schemas.wordprocessingml.x2006.main.CTTblGrid;
import org.openxmlformats.schemas.wordprocessingml.x2006.main.CTTblPr;
import org.openxmlformats.schemas.wordprocessingml.x2006.main.CTTcPr;
import org.openxmlformats.schemas.wordprocessingml.x2006.main.STFldCharType;
import org.openxmlformats.schemas.wordprocessingml.x2006.main.STPageOrientation;
import org.openxmlformats.schemas.wordprocessingml.x2006.main.STTblLayoutType;
import org.openxmlformats.schemas.wordprocessingml.x2006.main.STTblWidth;
import org.quantrace.report.LogDocument.Block;
import org.quantrace.report.LogDocument.Bullets;
import org.quantrace.report.LogDocument.Contents;
import org.quantrace.report.LogDocument.Grid;
import org.quantrace.report.LogDocument.Heading;
import org.quantrace.report.LogDocument.InfoTable;
import org.quantrace.report.LogDocument.Paragraph;
import org.quantrace.report.LogDocument.Row;
import org.quantrace.report.LogDocument.TitlePage;

/**
 * A {@link LogDocument} as the DOCX a safety team files (Apache POI): A4 pages, Word's heading styles and a
 * table of contents field Word updates on opening, one table style with a header row repeated on every
 * page, fixed column widths, wide appendices on landscape pages, a cell of one number that does not
 * wrap, minus signs that paste into a spreadsheet as numbers.
 */
final class DocxLog {

	private static final int A4_SHORT = 11906;
	private static final int A4_LONG = 16838;
	private static final int MARGIN = 1134; // 2 cm
	private static final String HEADER_FILL = "D9E2F3";
	private static final String W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main";

	private static final String STYLES = "<w:styles xmlns:w=\"" + W + "\">"
			+ "<w:docDefaults><w:rPrDefault><w:rPr><w:rFonts w:ascii=\"Arial\" w:hAnsi=\"Arial\" w:cs=\"Arial\" w:eastAsia=\"Arial\"/><w:sz w:val=\"20\"/>"
			+ "<w:szCs w:val=\"20\"/><w:lang w:val=\"en-GB\"/></w:rPr></w:rPrDefault><w:pPrDefault><w:pPr><w:spacing w:after=\"120\" w:line=\"264\" w:lineRule=\"auto\"/>"
			+ "</w:pPr></w:pPrDefault></w:docDefaults>"
			+ "<w:style w:type=\"paragraph\" w:default=\"1\" w:styleId=\"Normal\"><w:name w:val=\"Normal\"/><w:qFormat/></w:style>"
			+ "<w:style w:type=\"paragraph\" w:styleId=\"Title\"><w:name w:val=\"Title\"/><w:basedOn w:val=\"Normal\"/><w:next w:val=\"Normal\"/><w:qFormat/>"
			+ "<w:pPr><w:spacing w:before=\"240\" w:after=\"240\"/></w:pPr><w:rPr><w:b/><w:color w:val=\"1F3864\"/><w:sz w:val=\"44\"/></w:rPr></w:style>"
			+ "<w:style w:type=\"paragraph\" w:styleId=\"Subtitle\"><w:name w:val=\"Subtitle\"/><w:basedOn w:val=\"Normal\"/><w:next w:val=\"Normal\"/><w:qFormat/>"
			+ "<w:pPr><w:keepNext/><w:spacing w:before=\"240\" w:after=\"120\"/></w:pPr><w:rPr><w:b/><w:sz w:val=\"26\"/></w:rPr></w:style>"
			+ heading(1, 30, 360) + heading(2, 24, 240)
			+ "<w:style w:type=\"paragraph\" w:styleId=\"Caption\"><w:name w:val=\"caption\"/><w:basedOn w:val=\"Normal\"/><w:next w:val=\"Normal\"/><w:qFormat/>"
			+ "<w:pPr><w:keepNext/><w:spacing w:before=\"120\" w:after=\"60\"/></w:pPr><w:rPr><w:i/><w:sz w:val=\"18\"/></w:rPr></w:style>"
			+ "<w:style w:type=\"paragraph\" w:styleId=\"TableText\"><w:name w:val=\"Table Text\"/><w:basedOn w:val=\"Normal\"/><w:qFormat/>"
			+ "<w:pPr><w:spacing w:after=\"0\" w:line=\"240\" w:lineRule=\"auto\"/></w:pPr><w:rPr><w:sz w:val=\"17\"/></w:rPr></w:style>"
			+ "<w:style w:type=\"paragraph\" w:styleId=\"TOCHeading\"><w:name w:val=\"TOC Heading\"/><w:basedOn w:val=\"Subtitle\"/><w:next w:val=\"Normal\"/></w:style>"
			+ "<w:style w:type=\"paragraph\" w:styleId=\"TOC1\"><w:name w:val=\"toc 1\"/><w:basedOn w:val=\"Normal\"/><w:next w:val=\"Normal\"/>"
			+ "<w:pPr><w:tabs><w:tab w:val=\"right\" w:leader=\"dot\" w:pos=\"9638\"/></w:tabs><w:spacing w:after=\"60\"/></w:pPr></w:style>"
			+ "<w:style w:type=\"table\" w:default=\"1\" w:styleId=\"TableNormal\"><w:name w:val=\"Normal Table\"/><w:tblPr><w:tblInd w:w=\"0\" w:type=\"dxa\"/>"
			+ "<w:tblCellMar><w:top w:w=\"0\" w:type=\"dxa\"/><w:left w:w=\"108\" w:type=\"dxa\"/><w:bottom w:w=\"0\" w:type=\"dxa\"/><w:right w:w=\"108\" w:type=\"dxa\"/>"
			+ "</w:tblCellMar></w:tblPr></w:style>"
			+ "<w:style w:type=\"table\" w:styleId=\"QuantraceTable\"><w:name w:val=\"Quantrace Table\"/><w:basedOn w:val=\"TableNormal\"/><w:pPr><w:spacing w:after=\"0\"/></w:pPr>"
			+ "<w:tblPr><w:tblBorders>" + border("top") + border("left") + border("bottom") + border("right") + border("insideH") + border("insideV")
			+ "</w:tblBorders><w:tblCellMar><w:top w:w=\"30\" w:type=\"dxa\"/><w:left w:w=\"70\" w:type=\"dxa\"/><w:bottom w:w=\"30\" w:type=\"dxa\"/>"
			+ "<w:right w:w=\"70\" w:type=\"dxa\"/></w:tblCellMar></w:tblPr>"
			+ "<w:tblStylePr w:type=\"firstRow\"><w:rPr><w:b/></w:rPr><w:tcPr><w:shd w:val=\"clear\" w:color=\"auto\" w:fill=\"" + HEADER_FILL + "\"/></w:tcPr>"
			+ "</w:tblStylePr></w:style>"
			+ "</w:styles>";

	private static String heading(int level, int size, int before) {
		return "<w:style w:type=\"paragraph\" w:styleId=\"Heading" + level + "\"><w:name w:val=\"heading " + level + "\"/><w:basedOn w:val=\"Normal\"/>"
				+ "<w:next w:val=\"Normal\"/><w:uiPriority w:val=\"9\"/><w:qFormat/><w:pPr><w:keepNext/><w:keepLines/><w:spacing w:before=\"" + before
				+ "\" w:after=\"120\"/><w:outlineLvl w:val=\"" + (level - 1) + "\"/></w:pPr><w:rPr><w:b/><w:color w:val=\"1F3864\"/><w:sz w:val=\"" + size
				+ "\"/></w:rPr></w:style>";
	}

	private static String border(String side) {
		return "<w:" + side + " w:val=\"single\" w:sz=\"4\" w:space=\"0\" w:color=\"8C8C8C\"/>";
	}

	private DocxLog() {
	}

	static Path write(LogDocument d, Path dir) {
		return ReportFiles.write(dir.resolve(d.fileName() + ".docx"), render(d));
	}

	static byte[] render(LogDocument d) {
		ReportFiles.init();
		try (XWPFDocument doc = new XWPFDocument(); ByteArrayOutputStream bytes = new ByteArrayOutputStream()) {
			doc.createStyles().setStyles(org.openxmlformats.schemas.wordprocessingml.x2006.main.StylesDocument.Factory.parse(STYLES).getStyles());
			doc.getProperties().getCoreProperties().setCreator(d.author());
			doc.getProperties().getCoreProperties().setTitle(d.title());
			doc.enforceUpdateFields(); // Word fills the table of contents' page numbers when the file is opened
			List<Block> blocks = d.blocks();
			boolean landscape = false;
			boolean freshPage = true;
			for (int i = 0; i < blocks.size(); i++) {
				Block b = blocks.get(i);
				boolean wide = b instanceof Grid g && g.wide() || b instanceof Heading && i + 1 < blocks.size() && blocks.get(i + 1) instanceof Grid g2 && g2.wide();
				if (wide != landscape && !(b instanceof Grid && landscape)) {
					section(doc.createParagraph(), landscape);
					landscape = wide;
					freshPage = true;
				}
				switch (b) {
				case TitlePage t -> title(doc, t);
				case Contents c -> contents(doc, blocks);
				case Heading h -> {
					XWPFParagraph p = doc.createParagraph();
					boolean toc = !h.anchor().equals("documentation-information");
					p.setStyle(toc ? "Heading" + h.level() : "Subtitle");
					if (!freshPage && LogDocument.startsPage(blocks, i)) {
						p.setPageBreak(true);
					}
					p.createRun().setText(h.full());
				}
				case Paragraph p -> paragraph(doc, p);
				case Bullets l -> {
					for (int n = 0; n < l.items().size(); n++) {
						XWPFParagraph p = doc.createParagraph();
						p.setIndentationLeft(360);
						p.setIndentationHanging(360);
						p.createRun().setText((l.numbered() ? "[" + (n + 1) + "]\t" : "•\t") + l.items().get(n));
					}
				}
				case InfoTable t -> info(doc, t);
				case Grid g -> grid(doc, g, landscape ? A4_LONG - 2 * MARGIN : A4_SHORT - 2 * MARGIN, landscape);
				}
				freshPage = b instanceof TitlePage;
			}
			page(doc.getDocument().getBody().isSetSectPr() ? doc.getDocument().getBody().getSectPr() : doc.getDocument().getBody().addNewSectPr(), landscape);
			doc.write(bytes);
			return Docx.normalize(bytes.toByteArray());
		} catch (IOException e) {
			throw new UncheckedIOException(e);
		} catch (XmlException e) {
			throw new IllegalStateException("the DOCX styles do not parse", e);
		}
	}

	/** Ends the current section in {@code paragraph}, with portrait or landscape A4 pages. */
	private static void section(XWPFParagraph paragraph, boolean landscape) {
		CTPPr ppr = paragraph.getCTP().isSetPPr() ? paragraph.getCTP().getPPr() : paragraph.getCTP().addNewPPr();
		page(ppr.addNewSectPr(), landscape);
	}

	private static void page(CTSectPr s, boolean landscape) {
		CTPageSz size = s.isSetPgSz() ? s.getPgSz() : s.addNewPgSz();
		size.setW(BigInteger.valueOf(landscape ? A4_LONG : A4_SHORT));
		size.setH(BigInteger.valueOf(landscape ? A4_SHORT : A4_LONG));
		size.setOrient(landscape ? STPageOrientation.LANDSCAPE : STPageOrientation.PORTRAIT);
		CTPageMar m = s.isSetPgMar() ? s.getPgMar() : s.addNewPgMar();
		m.setTop(BigInteger.valueOf(MARGIN));
		m.setBottom(BigInteger.valueOf(MARGIN));
		m.setLeft(BigInteger.valueOf(MARGIN));
		m.setRight(BigInteger.valueOf(MARGIN));
		m.setHeader(BigInteger.valueOf(567));
		m.setFooter(BigInteger.valueOf(567));
		m.setGutter(BigInteger.ZERO);
	}

	private static void title(XWPFDocument doc, TitlePage t) {
		if (t.project() != null) {
			XWPFParagraph p = doc.createParagraph();
			p.setSpacingBefore(1200);
			XWPFRun r = p.createRun();
			r.setText(t.project());
			r.setFontSize(14);
		}
		XWPFParagraph title = doc.createParagraph();
		title.setStyle("Title");
		title.createRun().setText(t.title());
		doc.createParagraph().createRun().setText(t.subject());
		if (t.version() != null) {
			doc.createParagraph().createRun().setText(t.version());
		}
		if (t.verdict() != null) {
			XWPFParagraph p = doc.createParagraph();
			p.setBorderTop(org.apache.poi.xwpf.usermodel.Borders.SINGLE);
			p.setBorderBottom(org.apache.poi.xwpf.usermodel.Borders.SINGLE);
			p.setBorderLeft(org.apache.poi.xwpf.usermodel.Borders.SINGLE);
			p.setBorderRight(org.apache.poi.xwpf.usermodel.Borders.SINGLE);
			XWPFRun r = p.createRun();
			r.setBold(true);
			r.setColor(t.rejected() ? "C62828" : "1A7F37");
			r.setText(t.verdict());
		}
	}

	/** A TOC field (headings 1-2, hyperlinked) whose cached entries are the headings, until Word fills in the page numbers. */
	private static void contents(XWPFDocument doc, List<Block> blocks) {
		XWPFParagraph heading = doc.createParagraph();
		heading.setStyle("TOCHeading");
		heading.createRun().setText("Table of Contents");
		List<Heading> entries = blocks.stream().filter(Heading.class::isInstance).map(Heading.class::cast)
				.filter(h -> h.level() == 1 && !h.anchor().equals("documentation-information")).toList();
		for (int i = 0; i < entries.size(); i++) {
			XWPFParagraph p = doc.createParagraph();
			p.setStyle("TOC1");
			if (i == 0) {
				field(p, STFldCharType.BEGIN);
				CTR instr = p.getCTP().addNewR();
				instr.addNewInstrText().setStringValue(" TOC \\o \"1-2\" \\h \\z \\u ");
				field(p, STFldCharType.SEPARATE);
			}
			p.createRun().setText(entries.get(i).full());
			if (i == entries.size() - 1) {
				field(p, STFldCharType.END);
			}
		}
	}

	private static void field(XWPFParagraph p, STFldCharType.Enum type) {
		p.getCTP().addNewR().addNewFldChar().setFldCharType(type);
	}

	private static void paragraph(XWPFDocument doc, Paragraph p) {
		XWPFParagraph x = doc.createParagraph();
		XWPFRun r = x.createRun();
		switch (p.style()) {
		case NOTE -> r.setItalic(true);
		case CAPTION -> x.setStyle("Caption");
		case WARNING -> {
			r.setBold(true);
			r.setColor("8A4B00");
		}
		case ACCEPTED -> r.setColor("1A7F37");
		case REJECTED -> {
			r.setBold(true);
			r.setColor("C62828");
		}
		default -> {
		}
		}
		r.setText(p.text());
	}

	private static void caption(XWPFDocument doc, String caption) {
		if (caption != null) {
			XWPFParagraph c = doc.createParagraph();
			c.setStyle("Caption");
			c.createRun().setText(caption);
		}
	}

	private static void info(XWPFDocument doc, InfoTable t) {
		caption(doc, t.caption());
		int width = A4_SHORT - 2 * MARGIN;
		XWPFTable table = table(doc, t.rows().size(), new int[] { width * 3 / 10, width - width * 3 / 10 });
		for (int i = 0; i < t.rows().size(); i++) {
			Row r = t.rows().get(i);
			XWPFTableRow row = table.getRow(i);
			row.setCantSplitRow(true);
			cell(row.getCell(0), List.of(r.label()), true, r.section() ? HEADER_FILL : "F2F4F8", false);
			cell(row.getCell(1), r.lines(), false, r.section() ? HEADER_FILL : null, false);
		}
		doc.createParagraph();
	}

	private static void grid(XWPFDocument doc, Grid g, int width, boolean small) {
		caption(doc, g.caption());
		int total = java.util.Arrays.stream(g.widths()).sum();
		int[] twips = new int[g.widths().length];
		for (int c = 0; c < twips.length; c++) {
			twips[c] = width * g.widths()[c] / total;
		}
		XWPFTable table = table(doc, g.rows().size() + 1, twips);
		XWPFTableRow header = table.getRow(0);
		header.setRepeatHeader(true);
		header.setCantSplitRow(true);
		for (int c = 0; c < g.header().size(); c++) {
			cell(header.getCell(c), List.of(g.header().get(c)), true, HEADER_FILL, false);
			smaller(header.getCell(c), small);
		}
		for (int r = 0; r < g.rows().size(); r++) {
			XWPFTableRow row = table.getRow(r + 1);
			row.setCantSplitRow(true);
			for (int c = 0; c < g.header().size(); c++) {
				cell(row.getCell(c), List.of(g.rows().get(r).get(c)), false, null, g.numeric().contains(c));
				smaller(row.getCell(c), small);
			}
		}
		doc.createParagraph();
	}

	/** Wide appendices (per-tensor lists) in 7 pt, so that a landscape page holds a table's rows. */
	private static void smaller(XWPFTableCell cell, boolean small) {
		if (small) {
			cell.getParagraphs().forEach(p -> p.getRuns().forEach(r -> r.setFontSize(7)));
		}
	}

	/** A table of the house style with fixed column widths (twips). */
	private static XWPFTable table(XWPFDocument doc, int rows, int[] twips) {
		XWPFTable table = doc.createTable(rows, twips.length);
		CTTbl ct = table.getCTTbl();
		CTTblPr pr = ct.getTblPr() != null ? ct.getTblPr() : ct.addNewTblPr();
		if (pr.isSetTblBorders()) {
			pr.unsetTblBorders(); // the table style draws them
		}
		pr.addNewTblStyle().setVal("QuantraceTable");
		pr.addNewTblLayout().setType(STTblLayoutType.FIXED);
		var w = pr.isSetTblW() ? pr.getTblW() : pr.addNewTblW();
		w.setType(STTblWidth.DXA);
		w.setW(BigInteger.valueOf(java.util.Arrays.stream(twips).sum()));
		CTTblGrid grid = ct.getTblGrid() != null ? ct.getTblGrid() : ct.addNewTblGrid();
		while (grid.sizeOfGridColArray() > 0) {
			grid.removeGridCol(0);
		}
		for (int t : twips) {
			grid.addNewGridCol().setW(BigInteger.valueOf(t));
		}
		for (XWPFTableRow row : table.getRows()) {
			for (int c = 0; c < twips.length; c++) {
				CTTcPr tc = row.getCell(c).getCTTc().isSetTcPr() ? row.getCell(c).getCTTc().getTcPr() : row.getCell(c).getCTTc().addNewTcPr();
				var cw = tc.isSetTcW() ? tc.getTcW() : tc.addNewTcW();
				cw.setType(STTblWidth.DXA);
				cw.setW(BigInteger.valueOf(twips[c]));
			}
		}
		return table;
	}

	/**
	 * One cell: a line per value line. A minus sign is the hyphen-minus, as in the other formats, so that a number copied
	 * from Word into a spreadsheet is a number (a non-breaking hyphen, U+2011, made it text); a cell holding one number
	 * does not wrap, so it stays on one line all the same. Lists of numbers wrap between the numbers.
	 */
	private static void cell(XWPFTableCell cell, List<String> lines, boolean bold, String shade, boolean number) {
		XWPFParagraph p = cell.getParagraphs().get(0);
		p.setStyle("TableText");
		if (number) {
			p.setAlignment(ParagraphAlignment.RIGHT);
		}
		XWPFRun run = p.createRun();
		run.setBold(bold);
		for (int i = 0; i < lines.size(); i++) {
			if (i > 0) {
				run.addBreak();
			}
			String text = lines.get(i);
			run.setText(text);
		}
		CTTcPr tc = cell.getCTTc().isSetTcPr() ? cell.getCTTc().getTcPr() : cell.getCTTc().addNewTcPr();
		if (number && lines.size() == 1 && !lines.get(0).contains(" ")) {
			tc.addNewNoWrap();
		}
		if (shade != null) {
			cell.setColor(shade);
		}
	}
}
