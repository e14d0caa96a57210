package org.quantrace.dsl.validation;

/**
 * Recipes are UTF-8 text. The parser reads a file's bytes as UTF-8 and puts U+FFFD where a byte is not UTF-8 (an 'é' saved
 * in Latin-1 or Windows-1252) and a NUL beside every ASCII character of a UTF-16 file. Unchecked, a Latin-1 title or author
 * went into the trace and every log as U+FFFD, and a run of such a file ended with exit 3, "cannot be read (Input length =
 * 1)", when the runner read it again (hostile8); a UTF-16 file was "unexpected '\uFFFD' after the end of the recipe". One rule
 * for the file itself (the validator; {@code RecipeFiles.load} for a file that does not parse, which is not validated) and for a
 * file it imports.
 */
public final class RecipeEncoding {

	/** Where the text first shows it was not UTF-8 (an offset into it, its line and column), and what to do. */
	public record Problem(int offset, int line, int column, String message) {
	}

	private RecipeEncoding() {
	}

	/** The first character the parser made of bytes that are not UTF-8 text, or null when there is none. */
	public static Problem of(String text) {
		int nul = text.indexOf('\0');
		int replaced = text.indexOf('\uFFFD');
		if (nul >= 0) { // a UTF-16 byte order mark is two U+FFFD before the first NUL
			int first = replaced >= 0 ? Math.min(nul, replaced) : nul;
			return problem(text, first, "the file holds NUL characters (the first on " + at(text, nul) + "): it is likely UTF-16 text, and recipes are UTF-8:"
					+ " save it as UTF-8 (iconv -f UTF-16 -t UTF-8 FILE > NEW, or the editor's encoding setting)");
		}
		if (replaced >= 0) {
			return problem(text, replaced, "the bytes on " + at(text, replaced) + " are not UTF-8 text (an accented letter saved as Latin-1 or Windows-1252 is"
					+ " one such byte), and recipes are UTF-8: the logs would print them as '\uFFFD': save the file as UTF-8 (iconv -f LATIN1 -t UTF-8 FILE > NEW,"
					+ " or the editor's encoding setting)");
		}
		return null;
	}

	private static Problem problem(String text, int offset, String message) {
		int[] at = lineAndColumn(text, offset);
		return new Problem(offset, at[0], at[1], message);
	}

	/** "line 3, column 12" of offset {@code i}. */
	private static String at(String text, int i) {
		int[] at = lineAndColumn(text, i);
		return "line " + at[0] + ", column " + at[1];
	}

	/** The line and column of offset {@code i} (a byte order mark is no column). */
	private static int[] lineAndColumn(String text, int i) {
		int line = 1;
		int start = 0;
		for (int k = 0; k < i; k++) {
			if (text.charAt(k) == '\n') {
				line++;
				start = k + 1;
			}
		}
		return new int[] { line, i - start + 1 - (start == 0 && text.startsWith("\uFEFF") ? 1 : 0) };
	}
}
