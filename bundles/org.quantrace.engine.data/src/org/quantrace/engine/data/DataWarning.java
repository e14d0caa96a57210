package org.quantrace.engine.data;

/**
 * Something the user should know about how a dataset was read, in one sentence ({@link #toString()}: the text). Its kind lets
 * a recipe run report each on the dataset's line with a code of its own: a README.txt beside the class folders is not the
 * mistake an empty class folder is.
 */
public record DataWarning(Kind kind, String text) {

	public enum Kind {
		/** Files in a dataset folder that are not read (a README.txt, a .DS_Store, a .bmp whose extension was declared away). */
		UNREAD_FILES,
		/** A class folder without a sample: its class is neither calibrated on nor evaluated. */
		EMPTY_CLASS
	}

	@Override
	public String toString() {
		return text;
	}
}
