package org.quantrace.runner;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

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
 */
final class OutputLock implements AutoCloseable {

	/** Lock files this process holds. */
	private static final Set<Path> HELD = ConcurrentHashMap.newKeySet();

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
		Object before = key(file);
		FileChannel channel;
		try {
			channel = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE);
		} catch (NoSuchFileException e) {
			return null;
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
		byte[] token = ("quantrace run, process " + ProcessHandle.current().pid() + "\n").getBytes(StandardCharsets.UTF_8);
		channel.truncate(0);
		channel.write(ByteBuffer.wrap(token), 0);
		return new OutputLock(file, channel, lock);
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
