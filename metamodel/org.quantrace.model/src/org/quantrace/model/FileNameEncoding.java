package org.quantrace.model;

import java.nio.file.InvalidPathException;

/**
 * A path the system cannot name: the JVM turns a file name into bytes in the charset of its locale (sun.jnu.encoding), which
 * under LANG=C or POSIX (a container, cron, an ssh session without a locale) is ASCII. A recipe's "modèle.onnx" then stopped
 * the run and validate with an internal error (exit 70, an InvalidPathException's trace), and the command line said "cannot
 * convert 'mod��le.onnx' to Path" (hostile15); a NUL in a path, which a recipe can escape, alike. One wording for the commands,
 * the recipe language and the runner.
 */
public final class FileNameEncoding {

	private FileNameEncoding() {
	}

	/** Why {@code path} cannot be a file name here and what to do, from the exception Path.of threw. */
	public static String why(String path, InvalidPathException e) {
		String charset = System.getProperty("sun.jnu.encoding", "");
		boolean narrow = e.getReason() != null && e.getReason().contains("unmappable") && !charset.toUpperCase(java.util.Locale.ROOT).contains("UTF");
		return "\"" + shown(path) + "\" cannot be a file name on this system (" + e.getReason() + ")" + (narrow ? ": Java names files in " + charset
				+ ", the character set of the locale (" + locale() + "), which has no such letters; run quantrace under a UTF-8 locale (LANG=C.UTF-8"
				+ " or en_US.UTF-8; `locale -a` lists those installed), or rename the file in ASCII letters" : ": write the path without it");
	}

	/** {@code path} with its control characters escaped as a recipe writes them (\\u0000): a terminal shows a NUL as nothing. */
	private static String shown(String path) {
		StringBuilder b = new StringBuilder();
		path.chars().forEach(c -> b.append(c < 0x20 || c == 0x7F ? String.format(java.util.Locale.ROOT, "\\u%04x", c) : String.valueOf((char) c)));
		return b.toString();
	}

	private static String locale() {
		String all = System.getenv("LC_ALL");
		String type = System.getenv("LC_CTYPE");
		String lang = System.getenv("LANG");
		return all != null && !all.isEmpty() ? "LC_ALL=" + all : type != null && !type.isEmpty() ? "LC_CTYPE=" + type
				: lang != null && !lang.isEmpty() ? "LANG=" + lang : "none set: the POSIX locale";
	}
}
