package org.quantrace.runner;

/**
 * A path in a command line a user copies from a message ("keep it: quantrace verify DIR --expect ..."): a folder named
 * "out dir" was printed bare, and the copied command gave verify three arguments (hostile10). Quoted for a POSIX shell
 * where it holds anything but the characters no shell treats specially.
 */
public final class ShellWord {

	private ShellWord() {
	}

	/** {@code word} as it is when it needs no quotes, else in single quotes (a single quote inside written '\''). */
	public static String quote(Object word) {
		String s = String.valueOf(word);
		return !s.isEmpty() && s.matches("[A-Za-z0-9_./:@%+=,-]+") ? s : "'" + s.replace("'", "'\\''") + "'";
	}
}
