package org.quantrace.engine;

import java.io.EOFException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;

/**
 * What went wrong with a file, said plainly and once, for messages that already name the file: "no space left on
 * the device" rather than the exception's text (which may repeat the path, or be null and print as "(null)"), and
 * what to do about it.
 */
public final class IoErrors {

	private IoErrors() {
	}

	/** Why the read or write failed, without the path: "no space left on the device", "permission denied", ... */
	public static String describe(Throwable e) {
		String text = e.getMessage();
		if (e instanceof FileSystemException f) {
			text = f.getReason(); // the message is "path: reason", and the caller names the file already
		}
		String lower = text == null ? "" : text.toLowerCase(java.util.Locale.ROOT);
		if (lower.contains("no space left")) {
			return "no space left on the device";
		}
		// EROFS, or a denied write on a file system mounted read-only (its FileStore says so): chmod would not help
		if (lower.contains("read-only file system")
				|| e instanceof FileSystemException f && onReadOnlyFileSystem(f.getFile())) {
			return "the file system is read-only";
		}
		if (e instanceof AccessDeniedException || lower.contains("permission denied")) {
			return "permission denied";
		}
		if (e instanceof NoSuchFileException) {
			return "no such file or folder";
		}
		if (e instanceof NotDirectoryException || lower.contains("not a directory")) {
			return "a file stands where a folder is needed";
		}
		if (lower.contains("is a directory")) {
			return "a folder stands where a file is needed";
		}
		if (e instanceof EOFException) {
			return "the file ends early";
		}
		if (text == null || text.isBlank()) {
			return e.getCause() != null && e.getCause() != e ? describe(e.getCause()) : "an input/output error (" + e.getClass().getSimpleName() + ")";
		}
		return text;
	}

	private static boolean onReadOnlyFileSystem(String file) {
		try {
			return file != null && SafeFiles.onReadOnlyFileSystem(java.nio.file.Path.of(file));
		} catch (java.nio.file.InvalidPathException e) {
			return false;
		}
	}

	/** What to do: specific to a full disk, a permission, a read-only file system; {@code usual} otherwise. */
	public static String hint(Throwable e, String usual) {
		String why = describe(e);
		return switch (why) {
		case "no space left on the device" -> "free space on that disk, or write somewhere else";
		case "permission denied" -> "check the permissions of the file and its folder";
		case "the file system is read-only" -> SafeFiles.READ_ONLY_FILE_SYSTEM_HINT;
		default -> usual;
		};
	}
}
