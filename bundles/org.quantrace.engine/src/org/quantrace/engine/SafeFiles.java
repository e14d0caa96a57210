package org.quantrace.engine;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Collection;
import java.util.HexFormat;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;

/**
 * File helpers shared by every writer: what an output may replace, atomic writes, SHA-256.
 * <p>
 * The custody rule for a command's outputs lives here, once: an output never replaces one of the
 * command's inputs (by path, through a symbolic or hard link), is never written inside an input folder,
 * and never replaces a read-only file. Outputs get the user's normal mode (the umask decides, as for any
 * file the user creates), never a private 0600 copy.
 */
public final class SafeFiles {

	private SafeFiles() {
	}

	/**
	 * Refuses {@code target} as an output file when writing it would destroy one of {@code inputs} or a
	 * file the user protected: it is a folder, the same file as an input, inside an input folder, or
	 * read-only.
	 *
	 * @throws InvalidInputException naming the target and what it would destroy
	 */
	public static void checkOutputFile(Path target, Collection<Path> inputs) {
		if (Files.isDirectory(target)) {
			throw new InvalidInputException(target + ": is a folder; the output is a file", "give a file name for the output, e.g. " + target.resolve("out"));
		}
		checkNotAnInput(target, inputs);
		if (Files.exists(target) && isReadOnly(target)) {
			throw readOnly(target);
		}
		checkFolderWritable(target.toAbsolutePath().getParent(), target);
	}

	/**
	 * Refuses {@code dir} as a folder to write named output files into when it is a file, an input folder
	 * or inside one, or read-only. (The files then written into it are checked one by one when written.)
	 */
	public static void checkOutputFolder(Path dir, Collection<Path> inputs) {
		if (Files.exists(dir) && !Files.isDirectory(dir)) {
			throw new InvalidInputException(dir + ": is a file, not a folder; the outputs go into a folder", "give a folder that does not exist yet or holds earlier outputs");
		}
		checkNotAnInput(dir, inputs);
		if (Files.isDirectory(dir) && isReadOnly(dir)) {
			throw readOnly(dir);
		}
		checkFolderWritable(dir.toAbsolutePath().getParent(), dir);
	}

	/** The input that {@code target} is, or lies inside of (an input folder); null when it is none of them. */
	public static Path clashingInput(Path target, Collection<Path> inputs) {
		Path where = realish(target);
		for (Path input : inputs) {
			if (input == null || !Files.exists(input)) {
				continue;
			}
			if (sameFile(target, input)) {
				return input;
			}
			if (Files.isDirectory(input) && where.startsWith(realish(input))) {
				return input;
			}
		}
		return null;
	}

	private static void checkNotAnInput(Path target, Collection<Path> inputs) {
		Path input = clashingInput(target, inputs);
		if (input == null) {
			return;
		}
		if (Files.isDirectory(input) && !sameFile(target, input)) {
			throw new InvalidInputException(target + ": is inside " + input + ", an input of this command: writing there would change that input",
					"write the output outside " + input);
		}
		String which = target.toAbsolutePath().normalize().equals(input.toAbsolutePath().normalize()) ? "an input"
				: "the same file as " + input + " (through a link), an input";
		throw new InvalidInputException(target + ": is " + which + " of this command: writing the output there would destroy it",
				"write the output to another path");
	}

	/** Whether {@code a} and {@code b} are one file (same path, or the same file through a link). */
	public static boolean sameFile(Path a, Path b) {
		if (a.toAbsolutePath().normalize().equals(b.toAbsolutePath().normalize())) {
			return true;
		}
		try {
			return Files.exists(a) && Files.exists(b) && Files.isSameFile(a, b);
		} catch (IOException e) {
			return false;
		}
	}

	/**
	 * Whether the user protected {@code p} from writing: not writable for this process, or without its
	 * owner's write permission (which also holds for root, who could write it anyway).
	 */
	public static boolean isReadOnly(Path p) {
		if (!Files.isWritable(p)) {
			return true;
		}
		try {
			return !Files.getPosixFilePermissions(p).contains(PosixFilePermission.OWNER_WRITE);
		} catch (UnsupportedOperationException | IOException e) {
			return false; // no POSIX permissions here: isWritable decided
		}
	}

	private static InvalidInputException readOnly(Path p) {
		if (onReadOnlyFileSystem(p)) {
			return new InvalidInputException(p + ": is on a read-only file system" + mountPoint(p), READ_ONLY_FILE_SYSTEM_HINT);
		}
		return new InvalidInputException(p + ": is read-only; quantrace does not replace files or folders protected from writing",
				"write to another path, or make it writable (chmod u+w " + p + ") if you mean to replace it");
	}

	/** What to do about a read-only file system: permissions are not what stops the writing, so chmod cannot help. */
	public static final String READ_ONLY_FILE_SYSTEM_HINT = "choose another output path (-o) on a file system you may write: this one is mounted"
			+ " read-only, which chmod cannot change";

	/**
	 * Whether {@code p} (or, when it does not exist, its nearest existing ancestor) lies on a file system mounted read-only
	 * (a read-only bind mount, a CD image, a snapshot): its FileStore says so. There a folder's permissions may allow
	 * writing and chmod succeeds or fails without effect: the hint to chmod it sent users round in circles.
	 */
	public static boolean onReadOnlyFileSystem(Path p) {
		Path existing = p.toAbsolutePath().normalize();
		while (existing != null && !Files.exists(existing)) {
			existing = existing.getParent();
		}
		if (existing == null) {
			return false;
		}
		try {
			return Files.getFileStore(existing).isReadOnly();
		} catch (IOException | SecurityException e) {
			return false;
		}
	}

	/** " (mounted at /mnt/x)" for the FileStore of {@code p}, when the platform names it; "" otherwise. */
	private static String mountPoint(Path p) {
		Path existing = p.toAbsolutePath().normalize();
		while (existing != null && !Files.exists(existing)) {
			existing = existing.getParent();
		}
		try {
			java.nio.file.FileStore store = Files.getFileStore(existing);
			String text = store.toString(); // Linux: "/mnt/x (tmpfs)"
			int cut = text.lastIndexOf(" (");
			return cut > 0 ? " (mounted read-only at " + text.substring(0, cut) + ")" : "";
		} catch (IOException | RuntimeException e) {
			return "";
		}
	}

	/** The nearest existing ancestor of what is written must be a folder this process may write. */
	private static void checkFolderWritable(Path folder, Path target) {
		Path p = folder;
		while (p != null && !Files.exists(p)) {
			p = p.getParent();
		}
		if (p == null) {
			return;
		}
		if (!Files.isDirectory(p)) {
			throw new InvalidInputException(target + ": cannot be written: " + p + " is a file, not a folder", "give a path inside a folder");
		}
		if (onReadOnlyFileSystem(p)) {
			throw new InvalidInputException(target + ": cannot be written: the folder " + p + " is on a read-only file system" + mountPoint(p),
					READ_ONLY_FILE_SYSTEM_HINT);
		}
		if (isReadOnly(p)) {
			throw new InvalidInputException(target + ": cannot be written: the folder " + p + " is read-only", "write somewhere you may write");
		}
	}

	/** The real path of {@code p} (its nearest existing ancestor resolved, the rest appended), for containment tests. */
	private static Path realish(Path p) {
		Path abs = p.toAbsolutePath().normalize();
		Path existing = abs;
		while (existing != null && !Files.exists(existing, LinkOption.NOFOLLOW_LINKS)) {
			existing = existing.getParent();
		}
		if (existing == null) {
			return abs;
		}
		try {
			return existing.toRealPath().resolve(existing.relativize(abs));
		} catch (IOException e) {
			return abs;
		}
	}

	/**
	 * Writes {@code bytes} to {@code target} through a temporary file in the same folder and a rename,
	 * so readers never see a half-written file and a failure leaves any previous file untouched. The new
	 * file gets the mode the user's umask gives new files. A read-only target is refused.
	 *
	 * @throws InvalidInputException if {@code target} is read-only
	 */
	public static void writeAtomically(Path target, byte[] bytes) throws IOException {
		if (Files.exists(target) && isReadOnly(target)) {
			throw readOnly(target);
		}
		Path dir = target.toAbsolutePath().getParent();
		Files.createDirectories(dir);
		Path tmp = createTemporary(dir, target.getFileName().toString());
		UNFINISHED.add(tmp);
		try {
			try (FileChannel out = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
				ByteBuffer b = ByteBuffer.wrap(bytes);
				while (b.hasRemaining()) {
					out.write(b);
				}
				out.force(true); // on disk before the rename makes it visible: a crash leaves the old file or the new one
			}
			moveAtomically(tmp, target);
		} finally {
			Files.deleteIfExists(tmp);
			UNFINISHED.remove(tmp);
		}
	}

	/** The temporary files {@link #writeAtomically} is writing now. */
	private static final Set<Path> UNFINISHED = ConcurrentHashMap.newKeySet();

	/**
	 * Removes the temporary files of the writes in progress, for a process about to halt (a second Ctrl-C stops at once,
	 * without unwinding the write, and left its hidden {@code .NAME.RANDOM.tmp} behind). The write itself then fails, if
	 * it goes on at all; a file it already renamed into place is whole and stays.
	 */
	public static void removeUnfinished() {
		ScratchFiles.removeAll(); // a halt skips the shutdown hook that removes them too
		for (Path tmp : UNFINISHED) {
			try {
				Files.deleteIfExists(tmp);
			} catch (IOException e) {
				// best effort: the process ends now
			}
		}
	}

	/** The bytes {@code .NAME.RANDOM.tmp} adds to NAME: two dots, up to 13 base-36 digits of a long, ".tmp" (OutputNames). */
	public static final int TEMPORARY_NAME_EXTRA = 2 + 13 + 4;

	/** A new empty file {@code .NAME.RANDOM.tmp} in {@code dir}, created with the umask's mode (not createTempFile's 0600). */
	private static Path createTemporary(Path dir, String name) throws IOException {
		for (int attempt = 0;; attempt++) {
			Path tmp = dir.resolve("." + name + "." + Long.toUnsignedString(ThreadLocalRandom.current().nextLong(), 36) + ".tmp");
			try {
				Files.newByteChannel(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE).close();
				return tmp;
			} catch (FileAlreadyExistsException e) {
				if (attempt > 100) {
					throw e;
				}
			}
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
