package org.quantrace.engine;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** File helpers shared by every writer: atomic writes and SHA-256. */
public final class SafeFiles {

	private SafeFiles() {
	}

	/**
	 * Writes {@code bytes} to {@code target} through a temporary file in the same folder and a rename,
	 * so readers never see a half-written file and a failure leaves any previous file untouched.
	 */
	public static void writeAtomically(Path target, byte[] bytes) throws IOException {
		Path dir = target.toAbsolutePath().getParent();
		Files.createDirectories(dir);
		Path tmp = Files.createTempFile(dir, "." + target.getFileName(), ".tmp");
		try {
			Files.write(tmp, bytes);
			moveAtomically(tmp, target);
		} finally {
			Files.deleteIfExists(tmp);
		}
	}

	public static void writeAtomically(Path target, String text) throws IOException {
		writeAtomically(target, text.getBytes(StandardCharsets.UTF_8));
	}

	/** Renames {@code source} onto {@code target}, atomically where the file system allows. */
	public static void moveAtomically(Path source, Path target) throws IOException {
		try {
			Files.move(source, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
		} catch (AtomicMoveNotSupportedException e) {
			Files.move(source, target, StandardCopyOption.REPLACE_EXISTING);
		}
	}

	public static String sha256(byte[] bytes) {
		return HexFormat.of().formatHex(digest().digest(bytes));
	}

	public static String sha256(Path file) {
		MessageDigest md = digest();
		byte[] buffer = new byte[1 << 16];
		try (InputStream in = Files.newInputStream(file)) {
			for (int n; (n = in.read(buffer)) > 0;) {
				md.update(buffer, 0, n);
			}
		} catch (IOException e) {
			throw new UncheckedIOException(e);
		}
		return HexFormat.of().formatHex(md.digest());
	}

	private static MessageDigest digest() {
		try {
			return MessageDigest.getInstance("SHA-256");
		} catch (NoSuchAlgorithmException e) {
			throw new IllegalStateException("SHA-256 is required by every Java platform", e);
		}
	}
}
