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

/** A {@link LogDocument} as Markdown (GitHub flavour): headings with anchors, pipe tables, the contents as links. */
final class MarkdownLog {

	private MarkdownLog() {
	}

	static Path write(LogDocument d, Path dir) {
		return ReportFiles.write(dir.resolve(d.fileName() + ".md"), render(d).getBytes(StandardCharsets.UTF_8));
	}

	static String render(LogDocument d) {
		StringBuilder s = new StringBuilder();
		for (Block b : d.blocks()) {
			switch (b) {
			case TitlePage t -> {
				if (t.project() != null) {
					s.append(md(t.project())).append("\n\n");
				}
				s.append("# ").append(md(t.title())).append("\n\n").append(md(t.subject())).append("\n\n");
				if (t.version() != null) {
					s.append(md(t.version())).append("\n\n");
				}
				if (t.verdict() != null) {
					s.append("**").append(md(t.verdict())).append("**\n\n");
				}
			}
			case Contents c -> {
				s.append("## Table of Contents\n\n");
				for (Block x : d.blocks()) {
					if (x instanceof Heading h && h.level() == 1 && !h.anchor().equals("documentation-information")) {
						s.append("- [").append(md(h.full())).append("](#").append(h.anchor()).append(")\n");
					}
				}
				s.append('\n');
			}
			case Heading h -> s.append("#".repeat(h.level() + 1)).append(' ').append("<a id=\"").append(h.anchor()).append("\"></a>").append(md(h.full()))
					.append("\n\n");
			case Paragraph p -> s.append(switch (p.style()) {
			case REJECTED, WARNING -> "**" + md(p.text()) + "**";
			case NOTE, CAPTION -> "*" + md(p.text()) + "*";
			default -> md(p.text());
			}).append("\n\n");
			case Bullets l -> {
				for (int i = 0; i < l.items().size(); i++) {
					s.append(l.numbered() ? "[" + (i + 1) + "] " : "- ").append(md(l.items().get(i))).append(l.numbered() ? "  \n" : "\n");
				}
				s.append('\n');
			}
			case InfoTable t -> {
				if (t.caption() != null) {
					s.append("<a id=\"").append(t.anchor()).append("\"></a>*").append(md(t.caption())).append("*\n\n");
				}
				s.append("| | |\n|---|---|\n");
				for (Row r : t.rows()) {
					if (r.section()) {
						s.append("| **").append(md(r.label())).append("** | |\n");
					} else {
						s.append("| ").append(md(r.label())).append(" | ").append(String.join("<br>", r.lines().stream().map(MarkdownLog::md).toList()))
								.append(" |\n");
					}
				}
				s.append('\n');
			}
			case Grid g -> {
				if (g.caption() != null) {
					s.append('*').append(md(g.caption())).append("*\n\n");
				}
				s.append("| ").append(String.join(" | ", g.header().stream().map(MarkdownLog::md).toList())).append(" |\n|");
				for (int c = 0; c < g.header().size(); c++) {
					s.append(g.numeric().contains(c) ? "---:|" : "---|");
				}
				s.append('\n');
				for (List<String> row : g.rows()) {
					s.append("| ").append(String.join(" | ", row.stream().map(MarkdownLog::md).toList())).append(" |\n");
				}
				s.append('\n');
			}
			}
		}
		return s.toString();
	}

	private static String md(String text) {
		return text == null ? "" : text.replace("|", "\\|").replace("\n", "<br>");
	}
}
