package org.quantrace.runner;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

import org.quantrace.engine.IoErrors;
import org.quantrace.engine.InvalidInputException;
import org.quantrace.engine.QuantraceException;

/**
 * One run at a time per output folder: an operating-system lock on {@code .NAME.lock} beside the folder,
 * held from the start of a run to its end. The system drops the lock when its process dies, however it dies,
 * so a killed run never blocks the next one; a second run into a folder in use is refused, naming the process
 * that holds it. The holder removes the lock file before letting go; a run that opened the file just before
 * sees that the name no longer leads to the file it locked, and tries again.
 * <p>
 * POSIX drops a process's lock on a file when any of its descriptors for that file closes, so the holder
 * never opens the file a second time, and runs in one process are kept apart by {@link #HELD} before the file
 * is touched.
 * <p>
 * The name beside the folder may already be taken by something that is not a lock of ours: a user's file, or
 * a symbolic link planted in a shared folder such as /tmp to make the run truncate what it points to. The file
 * is opened without following links, and one that is not empty and does not read as a run's lock is refused,
 * never truncated or deleted.
 */
final class OutputLock implements AutoCloseable {

	/** Lock files this process holds. */
	private static final Set<Path> HELD = ConcurrentHashMap.newKeySet();

	/** What a run writes into its lock file; a file beside the folder reading otherwise is not ours. */
	private static final Pattern TOKEN = Pattern.compile("(quantrace run, process \\d{1,19}\n)?");

	private final Path file;
	private final FileChannel channel;
	private final FileLock lock;

	private OutputLock(Path file, FileChannel channel, FileLock lock) {
		this.file = file;
		this.channel = channel;
		this.lock = lock;
	}

	static Path file(Path target) {
		return target.resolveSibling("." + target.getFileName() + ".lock");
	}

	/**
	 * Locks {@code target} (an absolute, normalized path whose parent exists).
	 *
	 * @throws InvalidInputException when another run holds it
	 */
	static OutputLock acquire(Path target) {
		Path file = file(target);
		if (!HELD.add(file)) {
			throw inUse(target, "quantrace run, process " + ProcessHandle.current().pid());
		}
		try {
			for (int attempt = 0; attempt < 20; attempt++) {
				OutputLock held = tryOnce(target, file);
				if (held != null) {
					return held;
				}
			}
			throw new QuantraceException(file + ": cannot lock the output folder (the lock file keeps being replaced)", "check no other program writes there");
		} catch (IOException e) {
			HELD.remove(file);
			throw new QuantraceException(file + ": cannot lock the output folder (" + IoErrors.describe(e) + ")", IoErrors.hint(e, "check the folder is writable"), e);
		} catch (RuntimeException e) {
			HELD.remove(file);
			throw e;
		}
	}

	/** The lock, or null when the file under the name changed meanwhile (try again). */
	private static OutputLock tryOnce(Path target, Path file) throws IOException {
		try {
			Files.createFile(file);
		} catch (FileAlreadyExistsException e) {
			// left by a run that was killed, or held by one that runs: the lock says which
		}
		if (Files.exists(file, LinkOption.NOFOLLOW_LINKS) && !Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
			throw notOurs(target, file, Files.isSymbolicLink(file) ? "a symbolic link" : "not a file");
		}
		Object before = key(file);
		FileChannel channel;
		try { // never through a link: one put there between the check above and this open fails it
			channel = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS);
		} catch (NoSuchFileException e) {
			return null;
		} catch (IOException e) {
			if (Files.isSymbolicLink(file)) {
				throw notOurs(target, file, "a symbolic link");
			}
			throw e;
		}
		FileLock lock = channel.tryLock();
		if (lock == null) {
			channel.close(); // this process holds no lock on the file: closing costs nobody theirs
			throw inUse(target, holder(file));
		}
		if (before == null || !before.equals(key(file))) {
			lock.release(); // the name was removed or replaced around our open: what we locked is not the lock file
			channel.close();
			return null;
		}
		if (!TOKEN.matcher(content(channel)).matches()) { // read through the channel: another descriptor's close would drop the lock
			lock.release();
			channel.close();
			throw notOurs(target, file, "a file quantrace did not write");
		}
		byte[] token = ("quantrace run, process " + ProcessHandle.current().pid() + "\n").getBytes(StandardCharsets.UTF_8);
		OutputLock held = new OutputLock(file, channel, lock);
		try {
			channel.truncate(0);
			channel.write(ByteBuffer.wrap(token), 0);
		} catch (IOException e) { // a full disk: the run fails, and leaves no empty lock file behind
			held.close();
			throw e;
		}
		return held;
	}

	/** The lock file's text (at most a line's worth: a longer file is not ours anyway). */
	private static String content(FileChannel channel) throws IOException {
		ByteBuffer b = ByteBuffer.allocate(64);
		while (b.hasRemaining() && channel.read(b, b.position()) > 0) {
			// read on
		}
		if (channel.size() > b.capacity()) {
			return "(longer than a lock)";
		}
		return new String(b.array(), 0, b.position(), StandardCharsets.UTF_8);
	}

	private static InvalidInputException notOurs(Path target, Path file, String what) {
		return new InvalidInputException(target + ": the run's lock " + file + " is " + what
				+ ": quantrace neither writes through it nor removes it", "move it away, or choose another output folder (-o)");
	}

	/** The file's identity (device and inode), read without opening it; null when it does not exist. */
	private static Object key(Path file) {
		try {
			return Files.readAttributes(file, BasicFileAttributes.class).fileKey();
		} catch (IOException e) {
			return null;
		}
	}

	private static String holder(Path file) {
		try {
			String content = Files.readString(file, StandardCharsets.UTF_8).strip();
			return content.isEmpty() ? "lock " + file : content;
		} catch (IOException e) {
			return "lock " + file;
		}
	}

	private static InvalidInputException inUse(Path target, String holder) {
		return new InvalidInputException(target + ": another run is writing this output folder now (" + holder + ")",
				"wait for it to finish, or choose another output folder (-o)");
	}

	/** Removes the lock file, then lets go of the lock. */
	@Override
	public void close() {
		try {
			Files.deleteIfExists(file);
		} catch (IOException e) {
			// left for the next run, which reuses it
		}
		try {
			lock.release();
			channel.close();
		} catch (IOException e) {
			// the process ends soon; the system drops the lock then
		} finally {
			HELD.remove(file);
		}
	}
}
