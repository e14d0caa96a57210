package org.quantrace.report;

/**
 * The values a model's inventory counts without an element type: tensor sequences and optional values, which are no tensors,
 * and tensors inside a subgraph or unused whose type nothing in the file declares. The inventories (the engine's, quantrace
 * inspect's and verify's recount) count them under {@link #TYPE}, the key the trace keeps; report.html showed that key as a
 * column "UNKNOWN" that nothing explained (hostile10). The documents name the column for what it holds and say it under the
 * table, and verify reads the column back to the key by {@link #type}.
 */
public final class UntypedValues {

	/** The inventories' and the trace's key. */
	public static final String TYPE = "UNKNOWN";

	/** report.html's column and the logs' name for them. */
	public static final String HEADING = "no element type";

	/** What the column holds, said under report.html's table and in the logs' line. */
	public static final String MEANING = "tensor sequences and optional values, which are no tensors, and tensors inside a subgraph or unused"
			+ " whose type nothing in the file declares (quantrace inspect counts them UNKNOWN)";

	private UntypedValues() {
	}

	/** The column or item a document names {@code type} by. */
	public static String heading(String type) {
		return TYPE.equals(type) ? HEADING : type;
	}

	/** The inventory's key of a document's column, as {@link #heading} wrote it (a folder of an earlier version: UNKNOWN itself). */
	public static String type(String heading) {
		return HEADING.equals(heading) ? TYPE : heading;
	}
}
