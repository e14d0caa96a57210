package org.quantrace.report;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.apache.pdfbox.Loader;
import org.apache.pdfbox.contentstream.operator.Operator;
import org.apache.pdfbox.contentstream.operator.OperatorProcessor;
import org.apache.pdfbox.cos.COSBase;
import org.apache.pdfbox.cos.COSDictionary;
import org.apache.pdfbox.cos.COSName;
import org.apache.pdfbox.pdmodel.PDDocument;
import org.apache.pdfbox.pdmodel.PDPage;
import org.apache.pdfbox.pdmodel.documentinterchange.logicalstructure.PDMarkedContentReference;
import org.apache.pdfbox.pdmodel.documentinterchange.logicalstructure.PDStructureElement;
import org.apache.pdfbox.pdmodel.documentinterchange.logicalstructure.PDStructureTreeRoot;
import org.apache.pdfbox.text.PDFTextStripper;
import org.apache.pdfbox.text.TextPosition;
import org.apache.poi.xwpf.usermodel.IBodyElement;
import org.apache.poi.xwpf.usermodel.XWPFDocument;
import org.apache.poi.xwpf.usermodel.XWPFParagraph;
import org.apache.poi.xwpf.usermodel.XWPFTable;
import org.apache.poi.xwpf.usermodel.XWPFTableCell;
import org.apache.poi.xwpf.usermodel.XWPFTableRow;

/**
 * Reads the tables of a log back from any of its formats, as an assessor's tools see them: Markdown and HTML
 * as text, the DOCX through POI, the PDF through its extracted text, located by the PDF's structure tree (its
 * tables, rows and cells are tagged). Each table comes with what titles it (its caption, else the heading above
 * it) and its rows of cells, a cell's lines separated by '\n'. Nothing here interprets a figure: that is the
 * business of whoever checks them ({@code quantrace verify}).
 */
public final class LogReader {

	/** A table as printed: its title, and its rows (the header row first, where it has one) of cell texts. */
	public record Table(String title, List<List<String>> rows) {

		/** The first row whose first cell is {@code label} (whitespace aside), at or after row {@code from}; -1 when none. */
		public int find(String label, int from) {
			String key = squeeze(label);
			for (int i = Math.max(0, from); i < rows.size(); i++) {
				if (!rows.get(i).isEmpty() && squeeze(rows.get(i).get(0)).equals(key)) {
					return i;
				}
			}
			return -1;
		}
	}

	private LogReader() {
	}

	/** The tables of the log file {@code name} (its extension says the format) holding {@code bytes}. */
	public static List<Table> read(String name, byte[] bytes) throws IOException {
		String format = name.substring(name.lastIndexOf('.') + 1).toLowerCase(Locale.ROOT);
		ReportFiles.init(); // POI and PDFBox read too: the same logging set-up as for writing (no Log4j warning on stderr)
		return switch (format) {
		case "md" -> markdown(new String(bytes, StandardCharsets.UTF_8));
		case "html" -> html(new String(bytes, StandardCharsets.UTF_8));
		case "docx" -> docx(bytes);
		case "pdf" -> pdf(bytes);
		default -> throw new IOException(name + ": not a log format (md, html, docx, pdf)");
		};
	}

	/**
	 * The running text of the log file {@code name} (tables included, layout and markup aside), as each format's
	 * reader shows it: for the sentences outside the tables, such as the verdict on the first page.
	 */
	public static String text(String name, byte[] bytes) throws IOException {
		String format = name.substring(name.lastIndexOf('.') + 1).toLowerCase(Locale.ROOT);
		ReportFiles.init();
		return switch (format) {
		case "md" -> new String(bytes, StandardCharsets.UTF_8).replace("*", "");
		case "html" -> decoded(new String(bytes, StandardCharsets.UTF_8).replaceAll("<[^>]*>", " "));
		case "docx" -> {
			try (org.apache.poi.xwpf.usermodel.XWPFDocument d = new org.apache.poi.xwpf.usermodel.XWPFDocument(new java.io.ByteArrayInputStream(bytes));
					org.apache.poi.xwpf.extractor.XWPFWordExtractor x = new org.apache.poi.xwpf.extractor.XWPFWordExtractor(d)) {
				yield x.getText();
			}
		}
		case "pdf" -> {
			try (PDDocument d = Loader.loadPDF(bytes)) {
				yield new VisibleText().getText(d);
			}
		}
		default -> throw new IOException(name + ": not a log format (md, html, docx, pdf)");
		};
	}

	/**
	 * A PDF's text as a reader sees it: a glyph drawn invisible (text rendering mode 3 or 7), filled white, or set below 1 point is
	 * left out. PDFBox's stripper gives every glyph, so a verdict or a warning made invisible read as the text the trace makes and
	 * the PDF passed verify (branch assessor10); the Quantrace logs draw no such glyph.
	 */
	private static final class VisibleText extends PDFTextStripper {

		@Override
		protected void processTextPosition(TextPosition text) {
			org.apache.pdfbox.pdmodel.graphics.state.PDGraphicsState g = getGraphicsState();
			org.apache.pdfbox.pdmodel.graphics.state.RenderingMode mode = g.getTextState().getRenderingMode();
			boolean invisible = mode == org.apache.pdfbox.pdmodel.graphics.state.RenderingMode.NEITHER
					|| mode == org.apache.pdfbox.pdmodel.graphics.state.RenderingMode.NEITHER_CLIP;
			if (invisible || !mode.isStroke() && white(g.getNonStrokingColor()) || text.getFontSizeInPt() < 1) {
				return;
			}
			super.processTextPosition(text);
		}

		private static boolean white(org.apache.pdfbox.pdmodel.graphics.color.PDColor c) {
			try {
				return c != null && (c.toRGB() & 0xFFFFFF) == 0xFFFFFF;
			} catch (IOException | UnsupportedOperationException e) {
				return false;
			}
		}
	}

	/** The number of pages of a PDF; -1 when it does not load. */
	public static int pages(byte[] pdf) {
		ReportFiles.init();
		try (PDDocument d = Loader.loadPDF(pdf)) {
			return d.getNumberOfPages();
		} catch (IOException | RuntimeException e) {
			return -1;
		}
	}

	/** {@code text} without any whitespace: how texts laid out differently by each format compare. */
	public static String squeeze(String text) {
		return text == null ? "" : text.replaceAll("[\\s\\u00a0]+", "");
	}

	// ------------------------------------------------------------------ Markdown

	private static final Pattern MD_CAPTION = Pattern.compile("^(?:<a id=\"[^\"]*\"></a>)?\\*([^*].*)\\*$");
	private static final Pattern MD_RULE = Pattern.compile("^\\|(\\s*:?-+:?\\s*\\|)+$");

	static List<Table> markdown(String text) {
		List<Table> tables = new ArrayList<>();
		String title = null;
		List<String> lines = text.lines().toList();
		for (int i = 0; i < lines.size(); i++) {
			String line = lines.get(i).strip();
			if (line.startsWith("#")) {
				title = line.replaceAll("^#+\\s*", "").replaceAll("<a id=\"[^\"]*\"></a>", "").strip();
			} else if (MD_CAPTION.matcher(line).matches()) {
				Matcher m = MD_CAPTION.matcher(line);
				m.matches();
				title = m.group(1).strip();
			} else if (line.startsWith("|")) {
				List<List<String>> rows = new ArrayList<>();
				for (; i < lines.size() && lines.get(i).strip().startsWith("|"); i++) {
					String row = lines.get(i).strip();
					if (!MD_RULE.matcher(row).matches()) {
						rows.add(markdownCells(row));
					}
				}
				tables.add(new Table(title, rows));
			}
		}
		return tables;
	}

	private static List<String> markdownCells(String row) {
		String inner = row.substring(1, row.endsWith("|") && !row.endsWith("\\|") ? row.length() - 1 : row.length());
		List<String> cells = new ArrayList<>();
		for (String c : inner.split("(?<!\\\\)\\|", -1)) {
			String cell = c.strip().replace("\\|", "|").replace("<br>", "\n");
			cells.add(cell.startsWith("**") && cell.endsWith("**") && cell.length() > 3 ? cell.substring(2, cell.length() - 2) : cell);
		}
		return cells;
	}

	// ------------------------------------------------------------------ HTML

	private static final Pattern HTML_BLOCK = Pattern.compile("<(h[1-6])[^>]*>(.*?)</\\1>|<table[^>]*>(.*?)</table>", Pattern.DOTALL);
	private static final Pattern HTML_CAPTION = Pattern.compile("<caption[^>]*>(.*?)</caption>", Pattern.DOTALL);
	private static final Pattern HTML_ROW = Pattern.compile("<tr[^>]*>(.*?)</tr>", Pattern.DOTALL);
	private static final Pattern HTML_CELL = Pattern.compile("<t[hd][^>]*>(.*?)</t[hd]>", Pattern.DOTALL);

	static List<Table> html(String text) {
		List<Table> tables = new ArrayList<>();
		String title = null;
		Matcher m = HTML_BLOCK.matcher(text);
		while (m.find()) {
			if (m.group(1) != null) {
				title = htmlText(m.group(2));
				continue;
			}
			Matcher c = HTML_CAPTION.matcher(m.group(3));
			String caption = c.find() ? htmlText(c.group(1)) : null;
			List<List<String>> rows = new ArrayList<>();
			Matcher r = HTML_ROW.matcher(m.group(3));
			while (r.find()) {
				List<String> cells = new ArrayList<>();
				Matcher cell = HTML_CELL.matcher(r.group(1));
				while (cell.find()) {
					cells.add(htmlText(cell.group(1)));
				}
				rows.add(cells);
			}
			tables.add(new Table(caption != null ? caption : title, rows));
		}
		return tables;
	}

	/** A cell's text: a line per {@code <div>} or {@code <br/>}, tags removed, entities decoded. */
	private static String htmlText(String html) {
		String lines = html.replaceAll("<br\\s*/?>", "\n").replaceAll("</div>\\s*<div[^>]*>", "\n").replaceAll("<[^>]*>", "");
		return String.join("\n", decoded(lines).lines().map(String::strip).toList()).strip();
	}

	/** HTML's text with the entities the report writes decoded (a node name with a quote is {@code &quot;} in the file). */
	private static String decoded(String text) {
		return text.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", "\"").replace("&#39;", "'").replace("&nbsp;", " ").replace("&amp;", "&");
	}

	// ------------------------------------------------------------------ DOCX

	static List<Table> docx(byte[] bytes) throws IOException {
		List<Table> tables = new ArrayList<>();
		try (XWPFDocument doc = new XWPFDocument(new ByteArrayInputStream(bytes))) {
			String title = null;
			for (IBodyElement e : doc.getBodyElements()) {
				if (e instanceof XWPFParagraph p) {
					String style = p.getStyle() == null ? "" : p.getStyle();
					if (style.startsWith("Heading") || style.equals("Caption") || style.equals("Subtitle") || style.equals("Title")) {
						title = p.getText().strip();
					}
				} else if (e instanceof XWPFTable t) {
					List<List<String>> rows = new ArrayList<>();
					for (XWPFTableRow row : t.getRows()) {
						List<String> cells = new ArrayList<>();
						for (XWPFTableCell cell : row.getTableCells()) {
							cells.add(String.join("\n", cell.getParagraphs().stream().map(XWPFParagraph::getText).toList()).strip());
						}
						rows.add(cells);
					}
					tables.add(new Table(title, rows));
				}
			}
		} catch (RuntimeException e) { // POI reports a damaged package as unchecked exceptions
			throw new IOException("not a readable DOCX (" + e.getMessage() + ")", e);
		}
		return tables;
	}

	// ------------------------------------------------------------------ PDF

	/**
	 * The tables of a tagged PDF: the structure tree gives headings, captions, tables, rows and cells in reading
	 * order; each cell's text is what the page shows inside its marked content. Lines of a cell are its block
	 * children (one per value line); a line wrapped by the layout is joined again.
	 */
	static List<Table> pdf(byte[] bytes) throws IOException {
		try (PDDocument doc = Loader.loadPDF(bytes)) {
			PDStructureTreeRoot root = doc.getDocumentCatalog().getStructureTreeRoot();
			if (root == null) {
				throw new IOException("the PDF has no structure tree (not tagged): its tables cannot be read");
			}
			MarkedText text = new MarkedText();
			text.getText(doc);
			Map<COSDictionary, Integer> pages = new HashMap<>();
			for (int i = 0; i < doc.getNumberOfPages(); i++) {
				pages.put(doc.getPage(i).getCOSObject(), i);
			}
			List<Table> tables = new ArrayList<>();
			new StructureWalk(text, pages, tables).walk(root.getKids(), null);
			return tables;
		} catch (RuntimeException e) {
			throw new IOException("not a readable PDF (" + e.getMessage() + ")", e);
		}
	}

	private static final class StructureWalk {
		private final MarkedText text;
		private final Map<COSDictionary, Integer> pages;
		private final List<Table> tables;
		private String title;

		StructureWalk(MarkedText text, Map<COSDictionary, Integer> pages, List<Table> tables) {
			this.text = text;
			this.pages = pages;
			this.tables = tables;
		}

		void walk(List<Object> kids, PDPage page) {
			for (Object k : kids) {
				if (k instanceof PDStructureElement e) {
					PDPage p = e.getPage() != null ? e.getPage() : page;
					String type = e.getStructureType();
					if (type.matches("H[1-6]?") || type.equals("Caption")) {
						title = text(e, p).replace('\n', ' ');
					} else if (type.equals("Table")) {
						List<List<String>> rows = new ArrayList<>();
						rows(e, p, rows, false);
						tables.add(new Table(title, rows));
					} else {
						walk(e.getKids(), p);
					}
				}
			}
		}

		/** The rows under {@code e}; {@code head}: inside the table's THead, the header row drawn again on every page the table spans. */
		private void rows(PDStructureElement e, PDPage page, List<List<String>> rows, boolean head) {
			for (Object k : e.getKids()) {
				if (k instanceof PDStructureElement child) {
					PDPage p = child.getPage() != null ? child.getPage() : page;
					if (child.getStructureType().equals("TR")) {
						List<String> cells = new ArrayList<>();
						for (Object c : child.getKids()) {
							if (c instanceof PDStructureElement cell && (cell.getStructureType().equals("TD") || cell.getStructureType().equals("TH"))) {
								cells.add(text(cell, cell.getPage() != null ? cell.getPage() : p, head));
							}
						}
						rows.add(cells);
					} else if (!child.getStructureType().equals("Caption")) {
						rows(child, p, rows, head || child.getStructureType().equals("THead"));
					}
				}
			}
		}

		/** The y of the last glyph appended, to tell a wrapped line from a continued one. */
		private float lastY = Float.NaN;

		/**
		 * The text of an element: its marked content in order, a block child (Div, P) on a line of its own. Where
		 * the layout wrapped a line, a space stands for the break (a number is never broken, the space a line
		 * ended with is not drawn, and a name broken at a slash reads the same once spaces are ignored).
		 */
		private void cell(PDStructureElement e, PDPage page, StringBuilder s) {
			for (Object k : e.getKids()) {
				if (k instanceof Integer mcid) {
					append(s, shown(index(page), mcid));
				} else if (k instanceof PDMarkedContentReference r) {
					append(s, shown(index(r.getPage() != null ? r.getPage() : page), r.getMCID()));
				} else if (k instanceof PDStructureElement child) {
					boolean block = child.getStructureType().matches("Div|P|H[1-6]?|L|LI|LBody");
					if (block && s.length() > 0 && s.charAt(s.length() - 1) != '\n') {
						s.append('\n');
					}
					cell(child, child.getPage() != null ? child.getPage() : page, s); // inline text continues the same line
					if (block) {
						s.append('\n');
					}
				}
			}
		}

		/** A heading's or caption's text: each line stripped. */
		private String text(PDStructureElement e, PDPage page) {
			return text(e, page, false);
		}

		/**
		 * A heading's, caption's or cell's text: each line stripped; a header cell's as drawn on the first page. A
		 * table's header row is drawn again at the top of each page the table continues on, and openhtmltopdf tags
		 * each repeat as more content of the same header cells: read in full, "size (bytes)" came out as "size size
		 * (bytes) (bytes)". A body cell that a page break splits is read on both pages.
		 */
		private String text(PDStructureElement e, PDPage page, boolean header) {
			lastY = Float.NaN;
			lastEndX = Float.NaN;
			onPage = header ? firstPage(e, page) : -1;
			StringBuilder s = new StringBuilder();
			cell(e, page, s);
			return String.join("\n", s.toString().lines().map(String::strip).filter(l -> !l.isEmpty()).toList());
		}

		/** The page whose marked content is read for the element being read (-1: any). */
		private int onPage = -1;

		/** The first page (in page order) holding marked content of {@code e}, or -1 when it holds none. */
		private int firstPage(PDStructureElement e, PDPage page) {
			int first = -1;
			for (Object k : e.getKids()) {
				int p = k instanceof Integer ? index(page)
						: k instanceof PDMarkedContentReference r ? index(r.getPage() != null ? r.getPage() : page)
						: k instanceof PDStructureElement child ? firstPage(child, child.getPage() != null ? child.getPage() : page) : -1;
				if (p >= 0 && (first < 0 || p < first)) {
					first = p;
				}
			}
			return first;
		}

		/** Where the last glyph appended ends, to see the space between two runs that no glyph draws. */
		private float lastEndX = Float.NaN;

		private void append(StringBuilder s, MarkedText.Chunk c) {
			if (c == null) {
				return;
			}
			boolean wrapped = Math.abs(c.firstY() - lastY) > 1;
			boolean apart = c.firstX() - lastEndX > 0.3f * c.spaceWidth();
			if (s.length() > 0 && !Character.isWhitespace(s.charAt(s.length() - 1)) && (wrapped || apart)) {
				s.append(' ');
			}
			s.append(c.text());
			lastY = c.lastY();
			lastEndX = c.lastEndX();
		}

		/** A marked-content sequence's text, if it is on the page being read (a header repeated on a later page is not). */
		private MarkedText.Chunk shown(int page, int mcid) {
			return onPage >= 0 && page != onPage ? null : text.of(page, mcid);
		}

		private int index(PDPage page) {
			Integer i = page == null ? null : pages.get(page.getCOSObject());
			return i == null ? -1 : i;
		}
	}

	/**
	 * The text shown inside each marked-content sequence, by page and MCID. openhtmltopdf names the sequences'
	 * properties in the page resources (BDC /P /Prop1), which PDFBox's text classes do not resolve: the BDC
	 * operator is read here, the innermost sequence with an MCID owning each glyph.
	 */
	private static final class MarkedText extends PDFTextStripper {
		/**
		 * The text of one marked-content sequence (a space where it wraps or where glyphs stand apart without a space
		 * drawn), with where its first glyph starts and its last ends, and the width of a space in its font.
		 */
		record Chunk(String text, float firstX, float firstY, float lastEndX, float lastY, float spaceWidth) {
		}

		private final Map<Long, StringBuilder> text = new HashMap<>();
		/** Per sequence: first x, first y, last end x, last y, space width. */
		private final Map<Long, float[]> at = new HashMap<>();
		private final Deque<Integer> open = new ArrayDeque<>();

		MarkedText() {
			addOperator(new OperatorProcessor(this) {
				@Override
				public void process(Operator operator, List<COSBase> operands) {
					Integer mcid = null;
					for (COSBase o : operands) {
						COSDictionary d = o instanceof COSDictionary x ? x : null;
						if (o instanceof COSName n && getResources() != null) {
							var properties = getResources().getProperties(n);
							d = properties == null ? null : properties.getCOSObject();
						}
						if (d != null && d.containsKey(COSName.MCID)) {
							mcid = d.getInt(COSName.MCID);
						}
					}
					open.push(mcid == null ? -1 : mcid);
				}

				@Override
				public String getName() {
					return "BDC";
				}
			});
			addOperator(new OperatorProcessor(this) {
				@Override
				public void process(Operator operator, List<COSBase> operands) {
					open.push(-1); // BMC: an artifact or an untagged sequence
				}

				@Override
				public String getName() {
					return "BMC";
				}
			});
			addOperator(new OperatorProcessor(this) {
				@Override
				public void process(Operator operator, List<COSBase> operands) {
					if (!open.isEmpty()) {
						open.pop();
					}
				}

				@Override
				public String getName() {
					return "EMC";
				}
			});
		}

		@Override
		protected void processTextPosition(TextPosition t) {
			int mcid = open.stream().filter(i -> i >= 0).findFirst().orElse(-1);
			if (mcid >= 0) {
				long key = key(getCurrentPageNo() - 1, mcid);
				StringBuilder s = text.computeIfAbsent(key, k -> new StringBuilder());
				float space = t.getWidthOfSpace() > 0 ? t.getWidthOfSpace() : t.getFontSizeInPt() / 4;
				float[] p = at.computeIfAbsent(key, k -> new float[] { t.getX(), t.getY(), t.getX(), t.getY(), space });
				boolean wrapped = Math.abs(t.getY() - p[3]) > 1;
				if (s.length() > 0 && !Character.isWhitespace(s.charAt(s.length() - 1)) && (wrapped || t.getX() - p[2] > 0.3f * space)) {
					s.append(' ');
				}
				s.append(t.getUnicode());
				p[2] = t.getX() + t.getWidth();
				p[3] = t.getY();
			}
		}

		Chunk of(int page, int mcid) {
			long key = key(page, mcid);
			StringBuilder s = text.get(key);
			float[] p = at.get(key);
			return s == null ? null : new Chunk(s.toString(), p[0], p[1], p[2], p[3], p[4]);
		}

		private static long key(int page, int mcid) {
			return ((long) page << 32) | (mcid & 0xffffffffL);
		}
	}
}
