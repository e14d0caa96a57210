package org.quantrace.report;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.apache.poi.xwpf.usermodel.ParagraphAlignment;
import org.apache.poi.xwpf.usermodel.XWPFDocument;
import org.apache.poi.xwpf.usermodel.XWPFParagraph;
import org.apache.poi.xwpf.usermodel.XWPFRun;
import org.apache.poi.xwpf.usermodel.XWPFTable;
import org.apache.poi.xwpf.usermodel.XWPFTableCell;
import org.apache.poi.xwpf.usermodel.XWPFTableRow;

/** A {@link LogDocument} as Markdown, HTML (self-contained, with anchors the report links to) and DOCX (Apache POI). */
final class LogFiles {

	static {
		// POI logs through the Log4j API; without a provider Log4j prints a warning on every run. Its simple logger
		// (errors to stderr) is enough, unless the application chose a logging backend itself.
		if (System.getProperty("log4j2.loggerContextFactory") == null) {
			System.setProperty("log4j2.loggerContextFactory", "org.apache.logging.log4j.simple.SimpleLoggerContextFactory");
		}
	}

	private LogFiles() {
	}

	static Path markdown(LogDocument d, Path dir) {
		StringBuilder s = new StringBuilder("# ").append(d.title()).append("\n\n");
		for (LogDocument.Table t : d.tables()) {
			s.append("*").append(t.caption()).append("*\n\n| | |\n|---|---|\n");
			for (LogDocument.Row r : t.rows()) {
				if (r.section()) {
					s.append("| **").append(md(r.label())).append("** | |\n");
				} else {
					s.append("| ").append(md(r.label())).append(" | ").append(String.join("<br>", r.lines().stream().map(LogFiles::md).toList()))
							.append(" |\n");
				}
			}
			s.append('\n');
		}
		for (LogDocument.Appendix a : d.appendices()) {
			s.append("## ").append(a.title()).append("\n\n| ").append(String.join(" | ", a.header())).append(" |\n|")
					.append("---|".repeat(a.header().size())).append('\n');
			for (List<String> row : a.rows()) {
				s.append("| ").append(String.join(" | ", row.stream().map(LogFiles::md).toList())).append(" |\n");
			}
			s.append('\n');
		}
		return write(dir.resolve(d.fileName() + ".md"), s.toString().getBytes(StandardCharsets.UTF_8));
	}

	static Path html(LogDocument d, Path dir) {
		StringBuilder s = new StringBuilder("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>").append(Html.esc(d.title()))
				.append("</title><style>").append(Html.STYLE).append("</style></head><body>\n<h1>").append(Html.esc(d.title())).append("</h1>\n");
		for (LogDocument.Table t : d.tables()) {
			s.append("<table class=\"log\" id=\"").append(t.anchor()).append("\"><caption>").append(Html.esc(t.caption())).append("</caption>\n");
			for (LogDocument.Row r : t.rows()) {
				if (r.section()) {
					s.append("<tr class=\"section\" id=\"").append(r.anchor()).append("\"><th colspan=\"2\">").append(Html.esc(r.label())).append("</th></tr>\n");
				} else {
					s.append("<tr id=\"").append(r.anchor()).append("\"><th>").append(Html.esc(r.label())).append("</th><td>")
							.append(String.join("<br>", r.lines().stream().map(Html::esc).toList())).append("</td></tr>\n");
				}
			}
			s.append("</table>\n");
		}
		for (LogDocument.Appendix a : d.appendices()) {
			s.append("<h2 id=\"").append(a.anchor()).append("\">").append(Html.esc(a.title())).append("</h2>\n").append(Html.table(a.header(), a.rows()));
		}
		s.append("</body></html>\n");
		return write(dir.resolve(d.fileName() + ".html"), s.toString().getBytes(StandardCharsets.UTF_8));
	}

	static Path docx(LogDocument d, Path dir) {
		try (XWPFDocument doc = new XWPFDocument(); ByteArrayOutputStream bytes = new ByteArrayOutputStream()) {
			doc.getProperties().getCoreProperties().setCreator("Quantrace");
			doc.getProperties().getCoreProperties().setTitle(d.title());
			paragraph(doc, d.title(), 16, true);
			for (LogDocument.Table t : d.tables()) {
				paragraph(doc, t.caption(), 10, false).setAlignment(ParagraphAlignment.LEFT);
				XWPFTable table = doc.createTable(t.rows().size(), 2);
				widths(table, 3200, 6400);
				for (int i = 0; i < t.rows().size(); i++) {
					LogDocument.Row r = t.rows().get(i);
					XWPFTableRow row = table.getRow(i);
					cell(row.getCell(0), List.of(r.label()), true, r.section() ? "D9E2F3" : null);
					cell(row.getCell(1), r.lines(), false, r.section() ? "D9E2F3" : null);
				}
				doc.createParagraph();
			}
			for (LogDocument.Appendix a : d.appendices()) {
				paragraph(doc, a.title(), 12, true);
				XWPFTable table = doc.createTable(a.rows().size() + 1, a.header().size());
				for (int c = 0; c < a.header().size(); c++) {
					cell(table.getRow(0).getCell(c), List.of(a.header().get(c)), true, "D9E2F3");
				}
				for (int r = 0; r < a.rows().size(); r++) {
					for (int c = 0; c < a.header().size(); c++) {
						cell(table.getRow(r + 1).getCell(c), List.of(a.rows().get(r).get(c)), false, null);
					}
				}
				doc.createParagraph();
			}
			doc.write(bytes);
			return write(dir.resolve(d.fileName() + ".docx"), Docx.normalize(bytes.toByteArray()));
		} catch (IOException e) {
			throw new UncheckedIOException(e);
		}
	}

	private static XWPFParagraph paragraph(XWPFDocument doc, String text, int size, boolean bold) {
		XWPFParagraph p = doc.createParagraph();
		XWPFRun run = p.createRun();
		run.setText(text);
		run.setFontSize(size);
		run.setBold(bold);
		return p;
	}

	private static void cell(XWPFTableCell cell, List<String> lines, boolean bold, String shade) {
		XWPFParagraph p = cell.getParagraphs().get(0);
		XWPFRun run = p.createRun();
		run.setBold(bold);
		run.setFontSize(9);
		for (int i = 0; i < lines.size(); i++) {
			if (i > 0) {
				run.addBreak();
			}
			run.setText(lines.get(i));
		}
		if (shade != null) {
			cell.setColor(shade);
		}
	}

	private static void widths(XWPFTable table, int... twips) {
		for (XWPFTableRow row : table.getRows()) {
			for (int c = 0; c < twips.length; c++) {
				row.getCell(c).getCTTc().addNewTcPr().addNewTcW().setW(BigInteger.valueOf(twips[c]));
			}
		}
	}

	private static String md(String text) {
		return text.replace("|", "\\|").replace("\n", "<br>");
	}

	static Path write(Path file, byte[] bytes) {
		try {
			Files.createDirectories(file.getParent());
			Files.write(file, bytes);
			return file;
		} catch (IOException e) {
			throw new UncheckedIOException(e);
		}
	}
}
