package org.quantrace.report;

import java.util.List;

/**
 * An AI-FSM log as rendered: the template's information tables (one per conversion or optimization),
 * filled row by row, and appendices with the full tables a row summarizes. Markdown, HTML and DOCX are
 * written from this one structure, so the three formats say the same.
 */
public record LogDocument(String code, String title, String fileName, List<Table> tables, List<Appendix> appendices) {

	/** One information table: "Table 1. Model optimization information" for one record. */
	public record Table(String anchor, String caption, List<Row> rows) {
	}

	/** A section heading (no lines) or a row: its label, and its value as lines. */
	public record Row(String anchor, String label, boolean section, List<String> lines) {
	}

	/** A full table that a row summarizes: per-tensor scales, per-layer configuration, trials... */
	public record Appendix(String anchor, String title, List<String> header, List<List<String>> rows) {
	}
}
