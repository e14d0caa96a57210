package org.quantrace.runner.verify;

/**
 * A figure a document prints that the files do not bear out: the document, where in it (row, field), what it
 * says, and what was re-derived (from the model file, the folder or a re-run).
 */
public record Mismatch(String document, String where, String recorded, String derived) {

	@Override
	public String toString() {
		return where + ": says " + recorded + ", re-derived " + derived;
	}
}
