package org.quantrace.engine;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Instant;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Temporary files of one process, in a folder of its own under the temporary folder ({@code quantrace-scratch-PID}). A file is
 * deleted when its user is done with it; the folder by a shutdown hook, by the signal handlers' halt ({@link SafeFiles#removeUnfinished})
 * and, for a process killed outright (kill -9, a crash), by the next Quantrace process that starts ONNX Runtime or makes a file
 * here: it removes the folders of processes no longer running. A model of 16 MB or more streamed to a file for ONNX Runtime was
 * {@code $TMPDIR/quantrace-session-*.onnx}, deleted in a finally block a killed process never ran: each kill during a session's
 * opening left the model's size behind (logs65).
 */
public final class ScratchFiles {

	private static final String PREFIX = "quantrace-scratch-";
	private static final Pattern FOLDER = Pattern.compile(Pattern.quote(PREFIX) + "(\\d+)");

	/** This process's folder, made at the first file. */
	private static volatile Path folder;

	private ScratchFiles() {
	}

	/** A new empty file {@code PREFIX...SUFFIX} (mode 0600 where the system has modes) in this process's folder. */
	public static Path create(String prefix, String suffix) throws IOException {
		return Files.createTempFile(folder(), prefix, suffix);
	}

	/** Deletes {@code file} (made by {@link #create}); a file that cannot be deleted now goes with the folder. */
	public static void delete(Path file) {
		try {
			Files.deleteIfExists(file);
		} catch (IOException e) {
			// the folder's removal at exit, or the next process's, takes it
		}
	}

	/** Deletes this process's files and folder: for a process about to halt, which skips the finally blocks and the shutdown hooks. */
	static void removeAll() {
		Path f = folder;
		if (f != null) {
			removeFolder(f);
		}
	}

	private static synchronized Path folder() throws IOException {
		if (folder == null) {
			Path tmp = Path.of(System.getProperty("java.io.tmpdir"));
			removeStale(tmp);
			Path own = tmp.resolve(PREFIX + ProcessHandle.current().pid());
			removeFolder(own); // a folder of a process that had this id before (its files are not ours)
			folder = Files.createDirectory(own);
			Runtime.getRuntime().addShutdownHook(new Thread(ScratchFiles::removeAll, "quantrace-scratch-cleanup"));
		}
		return folder;
	}

	/**
	 * Removes the folders under {@code tmp} of Quantrace processes that no longer run (or whose id a later process took: it started
	 * after the folder was last written); returns how many.
	 */
	public static int removeStale(Path tmp) {
		int removed = 0;
		try (DirectoryStream<Path> all = Files.newDirectoryStream(tmp, PREFIX + "*")) {
			for (Path p : all) {
				Matcher m = FOLDER.matcher(p.getFileName().toString());
				if (m.matches() && Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS) && !running(Long.parseLong(m.group(1)), p)) {
					removeFolder(p);
					removed++;
				}
			}
		} catch (IOException | RuntimeException e) {
			// best effort: another user's folder, or one gone meanwhile
		}
		return removed;
	}

	/** Whether the process {@code pid} that made {@code folder} still runs. */
	private static boolean running(long pid, Path folder) throws IOException {
		if (pid == ProcessHandle.current().pid()) {
			return folder.equals(ScratchFiles.folder);
		}
		Optional<ProcessHandle> p = ProcessHandle.of(pid);
		if (p.isEmpty() || !p.get().isAlive()) {
			return false;
		}
		Optional<Instant> started = p.get().info().startInstant();
		Instant written = Files.getLastModifiedTime(folder, LinkOption.NOFOLLOW_LINKS).toInstant();
		return started.isEmpty() || !started.get().isAfter(written);
	}

	/** Deletes {@code dir} and what it holds, never following a link out of it. */
	private static void removeFolder(Path dir) {
		try {
			Files.walkFileTree(dir, new SimpleFileVisitor<>() {
				@Override
				public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
					Files.deleteIfExists(file);
					return FileVisitResult.CONTINUE;
				}

				@Override
				public FileVisitResult postVisitDirectory(Path d, IOException e) throws IOException {
					Files.deleteIfExists(d);
					return FileVisitResult.CONTINUE;
				}
			});
		} catch (IOException e) {
			// best effort: the next process tries again
		}
	}
}
