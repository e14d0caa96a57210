package org.quantrace.runner;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.quantrace.engine.IoErrors;
import org.quantrace.engine.InvalidInputException;
import org.quantrace.engine.QuantraceException;
import org.quantrace.engine.SafeFiles;

/**
 * A run's output folder, written all or nothing, and only where a run may write.
 * <p>
 * Opening it locks the folder ({@link OutputLock}: a second run is refused), puts right what a killed run
 * left beside it (restores {@code .NAME.old-PID} when NAME is missing, removes the other {@code .NAME.partial-PID}
 * and {@code .NAME.old-PID}: under the lock they are all dead runs', whatever process has their number now), and
 * refuses a target that is not the output of an earlier run ({@link OutputOwnership}). Everything is written into the hidden sibling {@code .NAME.partial-PID}; the
 * commit then exchanges it with NAME in one atomic step ({@link DirectoryExchange}), so that NAME holds the
 * old or the new outputs at every instant, and deletes the old ones. Where the system cannot exchange, NAME
 * is renamed to {@code .NAME.old-PID} and the new folder to NAME: a kill between the two leaves NAME missing
 * and the old outputs beside it, which the next run (or open) restores.
 * <p>
 * A test may make the commit stop at a step ({@code -Dquantrace.test.swapPause=STEP}, see {@link #STEPS}):
 * the process prints {@code quantrace-test: swap paused at STEP} on standard error and waits to be killed.
 */
public final class OutputFolder implements AutoCloseable {

	/** The bytes the longest sibling, {@code .NAME.partial-PID}, adds to NAME: a dot, ".partial-", a process id of up to 7 digits (Linux's pid_max 4194304). */
	public static final int SIBLING_NAME_EXTRA = 1 + 9 + 7;

	/** The steps of a commit where {@code quantrace.test.swapPause} can stop it, in order. */
	static final List<String> STEPS = List.of("before-swap", "old-moved", "swapped", "old-deleted");

	private static final Pattern LEFTOVER = Pattern.compile("\\.(.+)\\.(partial|old)-(\\d+)");

	private final Path target;
	private final Path partial;
	private final Collection<Path> inputs;
	private final OutputLock lock;
	/** Whether quantrace debug writes it (else a run or merge): each replaces only its own command's folder. */
	private final boolean debug;
	private final Thread cleanup;
	private boolean committed;
	private boolean closed;

	private OutputFolder(Path target, Path partial, Collection<Path> inputs, OutputLock lock, boolean debug) {
		this.target = target;
		this.debug = debug;
		this.partial = partial;
		this.inputs = List.copyOf(inputs);
		this.lock = lock;
		this.cleanup = new Thread(this::abandon, "quantrace-cleanup");
		Runtime.getRuntime().addShutdownHook(cleanup);
	}

	/**
	 * Locks {@code target} and prepares the hidden folder a run writes into.
	 *
	 * @param inputs the files and folders the run reads: the target may neither hold nor lie inside one
	 * @throws InvalidInputException when the target may not be replaced, or another run uses it
	 */
	static OutputFolder open(Path target, Collection<Path> inputs) {
		return open(target, inputs, false);
	}

	/**
	 * Writes the folder of files a one-off command makes ({@code quantrace debug}: its CSV and charts) under a run's rules: only
	 * into a new or empty folder or one this command wrote (its marker, and nothing SHA256SUMS does not list), all or
	 * nothing, a SHA256SUMS listing every file. Returns the files as {@code contents} named them, under {@code target}.
	 */
	public static List<Path> writeCommandFolder(Path target, Collection<Path> inputs, Contents contents) throws IOException {
		try (OutputFolder folder = open(target, inputs, true)) {
			List<Path> written = contents.write(folder.path());
			Outputs.write(folder.path().resolve(Outputs.SUMS), Outputs.sums(folder.path()));
			folder.commit();
			return written.stream().map(p -> folder.target().resolve(folder.path().relativize(p))).toList();
		}
	}

	/** What a one-off command writes into the (hidden, new) folder it is given; returns the files. */
	public interface Contents {
		List<Path> write(Path dir) throws IOException;
	}

	private static OutputFolder open(Path target, Collection<Path> inputs, boolean debug) {
		Path t = target.toAbsolutePath().normalize();
		Path parent = t.getParent();
		if (parent == null) {
			throw new InvalidInputException(target + ": is the root folder", "give a folder for the outputs");
		}
		if (SafeFiles.onReadOnlyFileSystem(parent)) { // chmod cannot help there
			throw new InvalidInputException(target + ": cannot be written: its folder " + parent + " is on a read-only file system",
					SafeFiles.READ_ONLY_FILE_SYSTEM_HINT);
		}
		if (Files.isDirectory(parent) && SafeFiles.isReadOnly(parent)) {
			throw new InvalidInputException(target + ": cannot be written: its folder " + parent + " is read-only",
					"choose an output folder where you may write");
		}
		try {
			Files.createDirectories(parent);
		} catch (java.nio.file.FileAlreadyExistsException e) {
			throw new InvalidInputException(target + ": cannot be made: " + e.getFile() + " is a file, not a folder", "give a path inside a folder", e);
		} catch (java.nio.file.AccessDeniedException e) {
			throw new InvalidInputException(target + ": cannot be made: permission denied for " + e.getFile(), "choose an output folder where you may write", e);
		} catch (IOException e) {
			throw new QuantraceException(target + ": cannot create the output folder (" + IoErrors.describe(e) + ")", IoErrors.hint(e, "check the folder is writable"), e);
		}
		OutputLock lock = OutputLock.acquire(t);
		try {
			recover(t);
			OutputOwnership.checkReplaceable(t, inputs, debug);
			Path partial = parent.resolve("." + t.getFileName() + ".partial-" + ProcessHandle.current().pid());
			delete(partial);
			Files.createDirectories(partial);
			OutputOwnership.mark(partial, debug ? OutputOwnership.DEBUG_MARKER_TEXT : OutputOwnership.MARKER_TEXT);
			return new OutputFolder(t, partial, inputs, lock, debug);
		} catch (IOException e) {
			lock.close();
			throw new QuantraceException(target + ": cannot create the output folder (" + IoErrors.describe(e) + ")", IoErrors.hint(e, "check the folder is writable"), e);
		} catch (RuntimeException e) {
			lock.close();
			throw e;
		}
	}

	/**
	 * Puts right what runs killed before their end left beside {@code target}: old outputs come back when
	 * {@code target} is missing (the newest, should there be several), the rest is deleted. It runs under the
	 * target's lock before this run has made anything, so every leftover is a dead run's whatever process now has
	 * its number: process ids are reused (in a container every run may be the same process 1, this one included),
	 * and a leftover judged by its number alone stayed beside the folder for good, the name left empty.
	 */
	static void recover(Path target) throws IOException {
		List<Path> leftovers;
		try (Stream<Path> siblings = Files.list(target.getParent())) {
			leftovers = siblings.filter(p -> leftoverKind(p, target) != null)
					.sorted(Comparator.comparing((Path p) -> !"old".equals(leftoverKind(p, target))).thenComparing(OutputFolder::modified, Comparator.reverseOrder()))
					.toList();
		}
		for (Path p : leftovers) { // old outputs first, newest first: one of them comes back if the name is empty
			if ("old".equals(leftoverKind(p, target)) && !Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
				Files.move(p, target, StandardCopyOption.ATOMIC_MOVE);
			} else {
				delete(p);
			}
		}
	}

	/**
	 * "partial" or "old" for what a run left beside {@code target}; null for anything else (another name's, not
	 * ours). The name alone does not make it ours: a user's {@code .photos.old-2024} beside {@code photos} is a
	 * backup, not a dead run's. A run's folders carry the marker from the start (an unfinished one may still be
	 * empty); any other folder of such a name is left alone, neither deleted nor moved.
	 */
	private static String leftoverKind(Path p, Path target) {
		Matcher m = LEFTOVER.matcher(p.getFileName().toString());
		if (!m.matches() || !m.group(1).equals(target.getFileName().toString()) || m.group(3).length() > 18 || !Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)
				|| !(OutputOwnership.hasMarker(p) || isEmpty(p))) {
			return null;
		}
		return m.group(2);
	}

	private static boolean isEmpty(Path dir) {
		try (Stream<Path> s = Files.list(dir)) {
			return s.findAny().isEmpty();
		} catch (IOException e) {
			return false;
		}
	}

	private static java.nio.file.attribute.FileTime modified(Path p) {
		try {
			return Files.getLastModifiedTime(p, LinkOption.NOFOLLOW_LINKS);
		} catch (IOException e) {
			return java.nio.file.attribute.FileTime.fromMillis(0);
		}
	}

	/** Where the run writes. */
	Path path() {
		return partial;
	}

	Path target() {
		return target;
	}

	/**
	 * Puts the finished outputs in place of the previous ones. The target is checked again first: files
	 * added to it during the run are not deleted either.
	 */
	synchronized void commit() {
		if (closed) { // abandoned by the shutdown hook while the run went on: what is in the partial folder is not whole
			throw new QuantraceException(target + ": the run was stopped; the previous outputs are kept", null);
		}
		OutputOwnership.checkReplaceable(target, inputs, debug);
		try {
			pause("before-swap");
			Path old = null;
			if (!Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
				Files.move(partial, target, StandardCopyOption.ATOMIC_MOVE);
			} else if (DirectoryExchange.exchange(partial, target)) {
				old = partial; // the exchange left the old outputs under the partial folder's name
			} else {
				old = target.resolveSibling("." + target.getFileName() + ".old-" + ProcessHandle.current().pid());
				Files.move(target, old, StandardCopyOption.ATOMIC_MOVE);
				pause("old-moved");
				try {
					Files.move(partial, target, StandardCopyOption.ATOMIC_MOVE);
				} catch (IOException e) {
					Files.move(old, target, StandardCopyOption.ATOMIC_MOVE); // the old outputs back under their name
					throw e;
				}
			}
			if (old != null && !OutputOwnership.stillReplaceable(old)) {
				// written to between the check above (which hashes every file: seconds for large models) and the swap: a file the user
				// saved there then was deleted with the old outputs (hostile19). The old folder goes back under its name, with it.
				putBack(old);
				throw new InvalidInputException(target + ": changed while the run put its outputs in place (a file added or edited in it):"
						+ " the folder is kept as it is, the new outputs are not written", "run again once nothing else writes to " + target);
			}
			committed = true;
			pause("swapped");
			if (old != null) {
				delete(old);
			}
			pause("old-deleted");
		} catch (IOException e) {
			throw new QuantraceException(target + ": cannot put the outputs in place (" + IoErrors.describe(e) + ")", IoErrors.hint(e, "check the folder is writable"), e);
		}
	}

	/** Undoes the swap: the old outputs under the target's name, the new ones back in the partial folder (deleted at close). */
	private void putBack(Path old) throws IOException {
		if (old.equals(partial)) { // exchanged: exchange again
			if (!DirectoryExchange.exchange(partial, target)) {
				throw new IOException("cannot exchange " + partial + " and " + target + " again");
			}
		} else {
			Files.move(target, partial, StandardCopyOption.ATOMIC_MOVE);
			Files.move(old, target, StandardCopyOption.ATOMIC_MOVE);
		}
	}

	/**
	 * Test hook: stops here, for a test to kill the process at this step, or to act on the folder at this step (in process: an
	 * interrupt ends the pause, and is not kept, being what the pause waited for).
	 */
	private static void pause(String step) {
		if (step.equals(System.getProperty("quantrace.test.swapPause"))) {
			System.err.println("quantrace-test: swap paused at " + step);
			System.err.flush();
			try {
				Thread.sleep(Long.MAX_VALUE);
			} catch (InterruptedException e) {
				// the test's signal to go on
			}
		}
	}

	@Override
	public void close() {
		abandon();
		try {
			Runtime.getRuntime().removeShutdownHook(cleanup);
		} catch (IllegalStateException e) {
			// the JVM is shutting down: the hook runs
		}
	}

	/** Removes the unfinished outputs and lets the folder go (also at Ctrl-C: waits for a commit under way to end). */
	private synchronized void abandon() {
		if (closed) {
			return;
		}
		closed = true;
		if (!committed) {
			delete(partial);
		}
		lock.close();
	}

	static void delete(Path dir) {
		if (!Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
			return;
		}
		try (Stream<Path> all = Files.walk(dir)) {
			all.sorted(Comparator.reverseOrder()).forEach(p -> {
				try {
					Files.deleteIfExists(p);
				} catch (IOException e) {
					throw new UncheckedIOException(e);
				}
			});
		} catch (IOException | UncheckedIOException e) {
			// best effort: a leftover folder is removed by the next run
		}
	}
}
