package org.quantrace.runner;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.stream.Stream;

import org.quantrace.engine.QuantraceException;

/**
 * A run's output folder, written all or nothing: everything goes into a hidden sibling folder first and
 * replaces the previous outputs only when the run has finished. A failed run, an interrupted one (Ctrl-C,
 * or a kill: the partial folder is then left beside it and removed by the next run) leaves the previous
 * outputs as they were.
 */
final class OutputFolder implements AutoCloseable {

	private final Path target;
	private final Path partial;
	private final Thread cleanup;
	private boolean committed;

	private OutputFolder(Path target, Path partial) {
		this.target = target;
		this.partial = partial;
		this.cleanup = new Thread(() -> delete(partial), "quantrace-cleanup");
		Runtime.getRuntime().addShutdownHook(cleanup);
	}

	static OutputFolder open(Path target) {
		Path t = target.toAbsolutePath().normalize();
		Path parent = t.getParent();
		try {
			Files.createDirectories(parent);
			try (Stream<Path> stale = Files.list(parent)) { // left by a killed run
				stale.filter(p -> p.getFileName().toString().startsWith("." + t.getFileName() + ".partial-")).forEach(OutputFolder::delete);
			}
			Path partial = parent.resolve("." + t.getFileName() + ".partial-" + ProcessHandle.current().pid());
			Files.createDirectories(partial);
			return new OutputFolder(t, partial);
		} catch (IOException e) {
			throw new QuantraceException(target + ": cannot create the output folder (" + e.getMessage() + ")", "check the folder is writable", e);
		}
	}

	/** Where the run writes. */
	Path path() {
		return partial;
	}

	Path target() {
		return target;
	}

	/** Puts the finished outputs in place of the previous ones. */
	void commit() {
		try {
			Path old = null;
			if (Files.exists(target)) {
				old = target.resolveSibling("." + target.getFileName() + ".old-" + ProcessHandle.current().pid());
				Files.move(target, old, StandardCopyOption.ATOMIC_MOVE);
			}
			Files.move(partial, target, StandardCopyOption.ATOMIC_MOVE);
			committed = true;
			if (old != null) {
				delete(old);
			}
		} catch (IOException e) {
			throw new QuantraceException(target + ": cannot put the outputs in place (" + e.getMessage() + ")", "check the folder is writable", e);
		}
	}

	@Override
	public void close() {
		if (!committed) {
			delete(partial);
		}
		try {
			Runtime.getRuntime().removeShutdownHook(cleanup);
		} catch (IllegalStateException e) {
			// the JVM is shutting down: the hook runs
		}
	}

	static void delete(Path dir) {
		if (!Files.exists(dir)) {
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
			// best effort: a leftover partial folder is removed by the next run
		}
	}
}
