package org.quantrace.report;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;

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
 * A {@link LogDocument} as XHTML: for the screen (self-contained, anchors the report links to, wide tables
 * scroll instead of being clipped) and for print, which the PDF is rendered from (A4 pages, header rows
 * repeated on every page, landscape pages for wide appendices, page numbers).
 */
final class HtmlLog {

	private static final String COMMON = "table{border-collapse:collapse;margin:.6em 0 1.2em}"
			+ "th,td{border:1px solid #999;padding:.25em .5em;text-align:left;vertical-align:top}"
			+ "table.info th{background:#f2f4f8;font-weight:bold}table.info tr.section th{background:#d9e2f3}"
			+ "thead th{background:#d9e2f3}td{overflow-wrap:anywhere}td.num{text-align:right;overflow-wrap:normal;word-break:keep-all}"
			+ "caption{caption-side:top;text-align:left;font-style:italic;padding:.2em 0}"
			+ ".title{margin-top:2em}.title .project{font-size:1.3em}.title h1{font-size:2em;margin:.4em 0}"
			+ ".verdict{padding:.5em .8em;border:2px solid #1a7f37;color:#1a7f37;font-weight:bold}"
			+ ".verdict.rejected{border-color:#c62828;color:#c62828}p.accepted{color:#1a7f37}p.rejected{color:#c62828;font-weight:bold}"
			+ "p.warning{color:#8a4b00;font-weight:bold}p.note{font-style:italic}";

	private static final String SCREEN = "body{font-family:system-ui,sans-serif;margin:2em;color:#222;line-height:1.4}"
			+ "p,ul,ol,.title{max-width:60em}table{font-size:.9em}table.info{max-width:70em}table.info th{width:16em}"
			+ "div.grid{overflow-x:auto;max-width:100%}" + COMMON;

	private static final String PRINT = "@page{size:A4;margin:18mm 16mm 20mm 16mm;"
			+ "@bottom-left{content:'%s';font-family:'Liberation Sans';font-size:7.5pt;color:#555}"
			+ "@bottom-right{content:'page ' counter(page) ' of ' counter(pages);font-family:'Liberation Sans';font-size:7.5pt;color:#555}}"
			+ "@page wide{size:A4 landscape;margin:14mm 14mm 16mm 14mm}"
			+ "html,body,table,th,td,caption,h1,h2,h3,p,li{font-family:'Liberation Sans'}body{margin:0;font-size:9.5pt;color:#111;line-height:1.25}"
			+ "div.wide{page:wide;page-break-before:always;width:264mm}table{width:100%%;table-layout:fixed;-fs-table-paginate:paginate;font-size:8pt}"
			+ "div.wide table{font-size:6.5pt}tr{page-break-inside:avoid}thead{display:table-header-group}th,td{padding:.15em .4em}"
			+ ".contents a::after{content:leader('.') target-counter(attr(href), page)}"
			+ "h2.major{page-break-before:always}h1,h2,h3{font-weight:bold;page-break-after:avoid}caption{page-break-after:avoid}"
			+ "table.info th{width:30%%}.contents a{color:#111;text-decoration:none}.contents li{list-style:none}a{color:#1a4fa0}.nb{white-space:nowrap}"
			+ COMMON.replace("%", "%%");

	private HtmlLog() {
	}

	static Path write(LogDocument d, Path dir) {
		return ReportFiles.write(dir.resolve(d.fileName() + ".html"), render(d, false).getBytes(StandardCharsets.UTF_8));
	}

	/** The document as XHTML; {@code print} adds the paged-media rules the PDF is laid out by. */
	static String render(LogDocument d, boolean print) {
		StringBuilder s = new StringBuilder("<!DOCTYPE html>\n<html xmlns=\"http://www.w3.org/1999/xhtml\" lang=\"en\"><head><meta charset=\"utf-8\"/><title>")
				.append(esc(d.title())).append("</title>");
		if (print) {
			s.append("<meta name=\"subject\" content=\"AI-FSM ").append(esc(d.code())).append("\"/><meta name=\"author\" content=\"Quantrace\"/>");
		}
		s.append("<style>").append(print ? String.format(PRINT, d.title().replace("'", "’")) : SCREEN).append("</style></head><body>\n");
		List<Block> blocks = d.blocks();
		boolean inWide = false;
		for (int i = 0; i < blocks.size(); i++) {
			Block b = blocks.get(i);
			// in print, a run of wide appendices (headings and tables) shares one group of landscape pages
			if (print && !inWide && b instanceof Heading && i + 1 < blocks.size() && blocks.get(i + 1) instanceof Grid g && g.wide()) {
				s.append("<div class=\"wide\">");
				inWide = true;
			}
			switch (b) {
			case TitlePage t -> {
				s.append("<div class=\"title\">");
				if (t.project() != null) {
					s.append("<div class=\"project\">").append(esc(t.project())).append("</div>");
				}
				s.append("<h1>").append(esc(t.title())).append("</h1><p>").append(esc(t.subject())).append("</p>");
				if (t.version() != null) {
					s.append("<p>").append(esc(t.version())).append("</p>");
				}
				if (t.verdict() != null) {
					s.append("<p class=\"verdict").append(t.rejected() ? " rejected" : "").append("\" id=\"first-page-verdict\">").append(esc(t.verdict()))
							.append("</p>");
				}
				s.append("</div>\n");
			}
			case Contents c -> {
				s.append("<h2 id=\"contents\">Table of Contents</h2><ul class=\"contents\">");
				for (Block x : d.blocks()) {
					if (x instanceof Heading h && h.level() == 1 && !h.anchor().equals("documentation-information")) {
						s.append("<li><a href=\"#").append(h.anchor()).append("\">").append(esc(h.full())).append("</a></li>");
					}
				}
				s.append("</ul>\n");
			}
			case Heading h -> {
				// in print, the numbered sections start on a new page once, the appendices each on their own
				boolean major = print && !inWide && LogDocument.startsPage(blocks, i);
				String tag = "h" + (h.level() + 1);
				s.append('<').append(tag).append(" id=\"").append(h.anchor()).append('"').append(major ? " class=\"major\"" : "").append('>').append(esc(h.full()))
						.append("</").append(tag).append(">\n");
			}
			case Paragraph p -> s.append("<p class=\"").append(p.style().name().toLowerCase(java.util.Locale.ROOT)).append("\">").append(esc(p.text()))
					.append("</p>\n");
			case Bullets l -> {
				s.append(l.numbered() ? "<ol>" : "<ul>");
				l.items().forEach(item -> s.append("<li>").append(esc(item)).append("</li>"));
				s.append(l.numbered() ? "</ol>\n" : "</ul>\n");
			}
			case InfoTable t -> {
				s.append("<table class=\"info\" id=\"").append(t.anchor()).append("\">");
				if (t.caption() != null) {
					s.append("<caption>").append(esc(t.caption())).append("</caption>");
				}
				s.append("<tbody>");
				for (Row r : t.rows()) {
					if (r.section()) {
						s.append("<tr class=\"section\" id=\"").append(r.anchor()).append("\"><th colspan=\"2\">").append(esc(r.label())).append("</th></tr>\n");
					} else {
						s.append("<tr id=\"").append(r.anchor()).append("\"><th>").append(esc(r.label())).append("</th><td>")
								.append(String.join("", r.lines().stream().map(l -> "<div>" + cell(l, print) + "</div>").toList())).append("</td></tr>\n");
					}
				}
				s.append("</tbody></table>\n");
			}
			case Grid g -> {
				grid(s, g, print, inWide);
				boolean wideNext = i + 2 < blocks.size() && blocks.get(i + 1) instanceof Heading && blocks.get(i + 2) instanceof Grid n && n.wide();
				if (inWide && !wideNext) {
					s.append("</div>\n");
					inWide = false;
				}
			}
			}
		}
		s.append("</body></html>\n");
		return s.toString();
	}

	private static void grid(StringBuilder s, Grid g, boolean print, boolean inWide) {
		s.append("<div class=\"grid").append(g.wide() && !inWide ? " wide" : "").append("\"><table id=\"").append(g.anchor()).append("\">");
		if (g.caption() != null) {
			s.append("<caption>").append(esc(g.caption())).append("</caption>");
		}
		if (print) {
			int total = java.util.Arrays.stream(g.widths()).sum();
			s.append("<colgroup>");
			for (int w : g.widths()) {
				s.append("<col style=\"width:").append(String.format(java.util.Locale.ROOT, "%.2f", 100.0 * w / total)).append("%\"/>");
			}
			s.append("</colgroup>");
		}
		s.append("<thead><tr>");
		g.header().forEach(h -> s.append("<th>").append(esc(h)).append("</th>"));
		s.append("</tr></thead><tbody>\n");
		for (List<String> row : g.rows()) {
			s.append("<tr>");
			for (int c = 0; c < row.size(); c++) {
				s.append(g.numeric().contains(c) ? "<td class=\"num\">" : "<td>").append(cell(row.get(c), print)).append("</td>");
			}
			s.append("</tr>\n");
		}
		s.append("</tbody></table></div>\n");
	}

	/**
	 * A number with a negative exponent (2.4521555e-4): the layout may break it after the minus, so in print it is
	 * a span that does not wrap. Only those: openhtmltopdf draws a span after the text around it, and the PDF's
	 * extracted text would read dates and counts out of order ("2026/ /11 24"); verify reads the PDF by its
	 * marked content, where the order is right either way.
	 */
	private static final java.util.regex.Pattern EXPONENT = java.util.regex.Pattern.compile("(?<![\\w.&#-])-?\\d[\\d.]*e-\\d+(?![\\w.])");

	/** A cell's text, escaped; in print each number with a negative exponent kept on one line. */
	private static String cell(String text, boolean print) {
		String escaped = esc(text);
		return print ? EXPONENT.matcher(escaped).replaceAll("<span class=\"nb\">$0</span>") : escaped;
	}

	static String esc(String s) {
		return s == null ? "" : s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
	}
}
