package org.quantrace.dsl.validation;

/**
 * Characters a recipe's words cannot hold that look like the ones they can, or show nothing: a word processor's curly quotes
 * around a path, a no-break space or a zero-width space between two words, full-width digits. The parser stopped on them with
 * a message about something else ("'cnn“model/m.onnx”' cannot be a name: write cnn_model_m_onnx_", "'sche' is not a word of
 * the recipe language" for sche\u200Bmes), naming a character the user cannot see or tell apart (hostile11). And anywhere,
 * strings and comments too, the controls that change the direction text is shown in (U+202A-U+202E, U+2066-U+2069): a
 * responsible or approver's name holding one is shown in the logs in another order than the file stores it, as rustc refuses
 * them in literals ("Trojan Source", CVE-2021-42574). Outside strings and comments each is an error at its own line and
 * column, saying which character it is and what to write.
 */
public final class RecipeCharacters {

	/** The first such character: its offset, line and column, and what to do. */
	public record Problem(int offset, int line, int column, String message) {
	}

	private RecipeCharacters() {
	}

	/** The first character of {@code text} a recipe cannot hold where it stands, or null when there is none. */
	public static Problem of(String text) {
		int line = 1;
		int lineStart = 0;
		char in = 0; // '"' in a string, '/' in a line comment, '*' in a block comment
		for (int i = 0; i < text.length(); i++) {
			char c = text.charAt(i);
			String fix = bidi(c) ? "delete it: it makes the text show in another order than the file holds it (in the editor and in the logs)"
					: in == 0 && !(i == 0 && c == '\uFEFF') ? outsideText(c) : null;
			if (fix != null) {
				int column = i - lineStart + 1 - (lineStart == 0 && text.startsWith("\uFEFF") ? 1 : 0);
				return new Problem(i, line, column, describe(c) + ": " + fix); // the diagnostic names the line and column
			}
			if (c == '\n') {
				line++;
				lineStart = i + 1;
				in = in == '/' ? 0 : in;
			} else if (in == '"' && c == '\\') {
				i++;
			} else if (in == 0 && c == '"') {
				in = '"';
			} else if (in == '"' && c == '"') {
				in = 0;
			} else if (in == 0 && c == '/' && i + 1 < text.length() && (text.charAt(i + 1) == '/' || text.charAt(i + 1) == '*')) {
				in = text.charAt(++i);
			} else if (in == '*' && c == '*' && i + 1 < text.length() && text.charAt(i + 1) == '/') {
				in = 0;
				i++;
			}
		}
		return null;
	}

	/** The directional formatting controls: embeddings, overrides and isolates. */
	private static boolean bidi(char c) {
		return c >= '\u202A' && c <= '\u202E' || c >= '\u2066' && c <= '\u2069';
	}

	/** What to write instead of {@code c} outside strings and comments, or null when it is no look-alike of the language's. */
	private static String outsideText(char c) {
		if ("\u201C\u201D\u201E\u201F\u00AB\u00BB\u2033\u2018\u2019\u201A\u201B\u2032".indexOf(c) >= 0) {
			return "a typographic quote (as word processors and some editors put), which the recipe language does not read as a quote: write \" (the"
					+ " straight double quote) around paths and texts";
		}
		if (c == '\u00A0' || c >= '\u2000' && c <= '\u200A' || c == '\u202F' || c == '\u205F' || c == '\u3000') {
			return "a space the recipe language does not read as one: write a plain space";
		}
		if (c >= '\u200B' && c <= '\u200D' || c == '\u2060' || c == '\uFEFF' || c == '\u00AD' || c == '\u200E' || c == '\u200F') {
			return "an invisible character (copied with the text, or typed by the keyboard): delete it";
		}
		if (c >= '\uFF01' && c <= '\uFF5E') {
			return "a full-width form, which the recipe language does not read: write '" + (char) (c - 0xFEE0) + "'";
		}
		if (c >= '\u2010' && c <= '\u2015' || c == '\u2212') {
			return "a dash the recipe language does not read: write '-'";
		}
		return null;
	}

	/** "'“' (U+201C LEFT DOUBLE QUOTATION MARK)", or "an unseen U+00A0 NO-BREAK SPACE" where it shows nothing. */
	private static String describe(char c) {
		String name = Character.getName(c);
		String code = String.format(java.util.Locale.ROOT, "U+%04X", (int) c);
		boolean visible = !Character.isWhitespace(c) && !Character.isSpaceChar(c) && Character.getType(c) != Character.FORMAT;
		return (visible ? "'" + c + "' (" : "an unseen ") + code + (name == null ? "" : " " + name) + (visible ? ")" : "");
	}
}
