package org.quantrace.runner.verify;

import java.util.ArrayList;
import java.util.List;

/**
 * A CSV document read back as RFC 4180 records, verify's own reading: a cell in double quotes may hold commas, doubled quotes
 * and line breaks. debug.csv names nodes, and a node's name is any text its exporter gave ("layer,1", a newline): read line
 * by line and split at every comma, an honest run's table was 9 mismatches (hostile16). Blank lines are no records.
 */
final class CsvRecords {

	private CsvRecords() {
	}

	static List<List<String>> parse(String text) {
		List<List<String>> records = new ArrayList<>();
		List<String> record = new ArrayList<>();
		StringBuilder cell = new StringBuilder();
		boolean quoted = false;
		for (int i = 0; i < text.length(); i++) {
			char c = text.charAt(i);
			if (quoted) {
				if (c != '"') {
					cell.append(c);
				} else if (i + 1 < text.length() && text.charAt(i + 1) == '"') {
					cell.append('"');
					i++;
				} else {
					quoted = false;
				}
			} else if (c == '"') {
				quoted = true;
			} else if (c == ',') {
				record.add(cell.toString());
				cell.setLength(0);
			} else if (c == '\n' || c == '\r') {
				end(records, record, cell);
				record = new ArrayList<>();
			} else {
				cell.append(c);
			}
		}
		end(records, record, cell);
		return records;
	}

	private static void end(List<List<String>> records, List<String> record, StringBuilder cell) {
		record.add(cell.toString());
		cell.setLength(0);
		if (record.size() > 1 || !record.get(0).isBlank()) {
			records.add(record);
		}
	}
}
