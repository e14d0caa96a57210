package org.quantrace.report;

import java.util.ArrayList;
import java.util.List;

import org.quantrace.model.trace.TraceModel;

/**
 * The last section of every log: the hash of the output folder's inventory, the list of every file the log
 * describes (models, manifests, recipe copies) with its SHA-256. A log cannot be in that list (it names its
 * hash), so it names the list instead: emptying or editing the inventory no longer matches what the logs say,
 * and {@code quantrace verify} checks both. Kept apart from the log's own tables on purpose.
 */
public final class EvidenceFooter {

	/** The inventory's file name in the output folder. */
	public static final String INVENTORY_FILE = "INVENTORY.sha256";

	/** What the footer's row says; verify looks for exactly this text. */
	public static String text(String inventorySha256) {
		return INVENTORY_FILE + " (sha256 " + inventorySha256 + ")";
	}

	private EvidenceFooter() {
	}

	/** The inventory's row, then what verify does with each kind of figure ({@link EvidenceScope}): never "checks every file" alone. */
	private static List<List<String>> rows(String inventorySha256) {
		List<List<String>> rows = new ArrayList<>();
		rows.add(List.of("inventory of the output folder", text(inventorySha256)));
		for (EvidenceScope.Kind k : EvidenceScope.Kind.values()) {
			rows.add(List.of(k.heading(), EvidenceScope.line(k)));
		}
		return rows;
	}

	/** {@code d} with the evidence section appended (unchanged when the trace has no inventory yet). */
	static LogDocument appended(LogDocument d, TraceModel trace) {
		if (trace.getInventorySha256() == null) {
			return d;
		}
		List<LogDocument.Block> blocks = new ArrayList<>(d.blocks());
		blocks.add(new LogDocument.Heading(1, "", "Evidence", "evidence", true));
		blocks.add(new LogDocument.Grid("evidence-table", null, List.of("item", "value"),
				rows(trace.getInventorySha256()),
				new int[] { 3, 13 }, java.util.Set.of(), false));
		return new LogDocument(d.code(), d.title(), d.fileName(), d.date(), blocks);
	}
}
