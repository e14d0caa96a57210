package org.quantrace.model;

/**
 * A path written with {@code ~} for a home folder, which only a shell expands, and only at the start of a word: {@code --data=~/x}
 * and a recipe's {@code "~/models/m.onnx"} reach Quantrace as they are written, and were looked for in a folder named "~" of the
 * current folder or the recipe's ("does not exist (looked for /tmp/r/~/models/m.onnx)"). One wording for the commands and the
 * recipe language.
 */
public final class HomeFolder {

	private HomeFolder() {
	}

	/** What to write instead when {@code path} starts with {@code ~} (and was not found), else null. */
	public static String unexpanded(String path) {
		if (path == null || !path.startsWith("~")) {
			return null;
		}
		int slash = path.indexOf('/');
		String user = slash < 0 ? path.substring(1) : path.substring(1, slash);
		String full = user.isEmpty() ? System.getProperty("user.home") + (slash < 0 ? "" : path.substring(slash)) : null;
		return "'~' stands for a home folder only where a shell expands it, at the start of a word (not after --option= nor inside quotes or a"
				+ " recipe): write the full path" + (full == null ? "" : " (" + full + ")");
	}
}
