package org.quantrace.model.mapping;

import java.util.ArrayList;
import java.util.List;

/**
 * The labels of the information table of an AI-FSM log template (the text form of the Word template
 * in templates/). Each label is a line's first cell; a list cell ({@code <ul> - Dropout - ...}) gives
 * one label per item; "..." placeholder rows are skipped.
 */
public final class TemplateTable {

	private TemplateTable() {
	}

	/** Returns the labels, in template order, of the table that follows the "Table 1." caption. */
	public static List<String> labels(String templateText) {
		List<String> labels = new ArrayList<>();
		boolean inTable = false;
		for (String raw : templateText.split("\\R")) {
			String line = raw.replace("*", "").trim();
			if (!inTable) {
				inTable = line.startsWith("Table 1.");
				continue;
			}
			if (line.matches("#*\\s*\\d+\\s+\\p{Lu}.*") && !line.contains("\t")) {
				break; // the next numbered chapter ends the table
			}
			String first = raw.split("\t", -1)[0].trim();
			if (first.isEmpty() || first.equals("...")) {
				continue;
			}
			if (first.startsWith("<ul")) {
				String items = first.replaceAll("<[^>]*>", " ").trim();
				for (String item : items.split("(^|\\s)-\\s")) {
					if (!item.isBlank()) {
						labels.add(item.trim());
					}
				}
			} else {
				labels.add(first);
			}
		}
		if (labels.isEmpty()) {
			throw new IllegalArgumentException("no 'Table 1.' information table found in the template text");
		}
		return labels;
	}
}
