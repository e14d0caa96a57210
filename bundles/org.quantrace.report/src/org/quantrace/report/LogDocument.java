package org.quantrace.report;

import java.util.List;
import java.util.Set;

/**
 * An AI-FSM log as a whole document, independent of its format: the title page (with the verdict), the
 * Documentation Information, the table of contents, the template's numbered sections with their tables,
 * acronyms, bibliography, and appendices. Markdown, HTML, DOCX and PDF are all rendered from this one
 * structure, so the formats say the same.
 */
public record LogDocument(String code, String title, String fileName, java.util.Date date, List<Block> blocks) {

	/**
	 * Whether block {@code i} starts a new page in paged formats: section 1 (after the title page and the
	 * contents), and where the page orientation changes (into or out of a run of wide appendices). Other
	 * appendices follow on the same page when there is room.
	 */
	public static boolean startsPage(List<Block> blocks, int i) {
		if (!(blocks.get(i) instanceof Heading h)) {
			return false;
		}
		if (h.number().equals("1")) {
			return true;
		}
		if (!h.appendix()) {
			return false;
		}
		boolean wide = i + 1 < blocks.size() && blocks.get(i + 1) instanceof Grid g && g.wide();
		boolean afterWide = i > 0 && blocks.get(i - 1) instanceof Grid g && g.wide();
		return wide != afterWide;
	}

	/**
	 * The document's authors as its Documentation Information names them, for the files' own properties (PDF Author and
	 * XMP dc:creator, DOCX creator); "Quantrace" when none is declared. They named the tool always, so a document
	 * management system filed every log under "Quantrace".
	 */
	public String author() {
		for (Block b : blocks) {
			if (b instanceof InfoTable t && t.anchor().equals("documentation-information-table")) {
				for (Row r : t.rows()) {
					if (r.label().equals("Author") && !r.lines().isEmpty() && !r.lines().get(0).startsWith("not declared")) {
						return String.join(", ", r.lines());
					}
				}
			}
		}
		return "Quantrace";
	}

	/** A piece of the document, in reading order. */
	public sealed interface Block permits TitlePage, Contents, Heading, Paragraph, Bullets, InfoTable, Grid {
	}

	/** The first page: project, the log's name, the model, version, and the verdict (a rejected variant says so here). */
	public record TitlePage(String project, String title, String subject, String version, String verdict, boolean rejected) implements Block {
	}

	/** The table of contents: a field Word updates, a list of links elsewhere. */
	public record Contents() implements Block {
	}

	/** A heading: level 1 for the template's numbered sections and the appendices, 2 below. */
	public record Heading(int level, String number, String text, String anchor, boolean appendix) implements Block {
		public String full() {
			return number.isEmpty() ? text : number + " " + text;
		}
	}

	public enum Style {
		NORMAL, NOTE, WARNING, ACCEPTED, REJECTED, CAPTION
	}

	public record Paragraph(String text, Style style) implements Block {
	}

	public record Bullets(List<String> items, boolean numbered) implements Block {
	}

	/** A two-column information table (a template's Table 1, Documentation Information): label, value lines; section rows shaded. */
	public record InfoTable(String anchor, String caption, List<Row> rows) implements Block {
	}

	/** A row of an information table: a section heading (no lines) or a label with its value as lines. */
	public record Row(String anchor, String label, boolean section, List<String> lines) {
	}

	/**
	 * A table with a header row repeated on every page: relative column widths, the columns that hold
	 * numbers (never broken, right-aligned), and whether it needs a landscape page.
	 */
	public record Grid(String anchor, String caption, List<String> header, List<List<String>> rows, int[] widths, Set<Integer> numeric,
			boolean wide) implements Block {
	}
}
