package org.quantrace.report;

import java.util.List;

/** Shared pieces of the HTML outputs: escaping, one style sheet, plain tables. */
final class Html {

	static final String STYLE = "body{font-family:system-ui,sans-serif;margin:2em;max-width:80em;color:#222}"
			+ "table{border-collapse:collapse;margin:1em 0}th,td{border:1px solid #bbb;padding:.3em .6em;text-align:left;vertical-align:top;font-size:.9em}"
			+ "table.log th{width:22em;background:#f4f6fa}tr.section th{background:#d9e2f3}caption{text-align:left;font-style:italic;padding:.3em 0}"
			+ "td.num{text-align:right;font-variant-numeric:tabular-nums}.better{color:#1a7f37}.worse{color:#c62828}.same{color:#555}"
			+ ".ok{color:#1a7f37;font-weight:bold}.failed{color:#c62828;font-weight:bold}svg a:hover rect{stroke-width:3}h1,h2,h3{font-weight:600}";

	private Html() {
	}

	static String esc(String s) {
		return s == null ? "" : s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
	}

	static String table(List<String> header, List<List<String>> rows) {
		StringBuilder s = new StringBuilder("<table><tr>");
		header.forEach(h -> s.append("<th>").append(esc(h)).append("</th>"));
		s.append("</tr>\n");
		for (List<String> row : rows) {
			s.append("<tr>");
			row.forEach(c -> s.append("<td>").append(esc(c)).append("</td>"));
			s.append("</tr>\n");
		}
		return s.append("</table>\n").toString();
	}
}
