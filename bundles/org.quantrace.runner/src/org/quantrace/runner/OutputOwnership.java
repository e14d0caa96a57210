package org.quantrace.runner;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import org.quantrace.engine.IoErrors;
import org.quantrace.engine.InvalidInputException;
import org.quantrace.engine.SafeFiles;

/**
 * Which folders a run may replace: only one it wrote itself. Every output folder carries a marker file
 * (written first, so SHA256SUMS lists it like any output), and a folder is ours when it has the marker
 * and nothing but the files its SHA256SUMS lists (outputs of versions before the marker: when SHA256SUMS
 * lists their trace and results.json). A new or empty folder may be used too; anything else
 * (the recipe's folder, a model's folder, a folder holding other files, a file, a link, a folder the user
 * may not write, a folder holding or inside an input of the run) is refused before anything runs.
 */
public final class OutputOwnership {

	/** The marker's name, in the output folder. */
	public static final String MARKER = ".quantrace-output";

	static final String MARKER_TEXT = "This folder is an output of quantrace run (or merge): the next run into it replaces it whole.\n"
			+ "Keep other files elsewhere: quantrace refuses to replace a folder holding files it did not write.\n";

	/** The marker of a folder {@code quantrace debug} wrote (its CSV and charts, listed in SHA256SUMS as a run's files are). */
	static final String DEBUG_MARKER_TEXT = "This folder is an output of quantrace debug: the next debug into it replaces it whole.\n"
			+ "Keep other files elsewhere: quantrace refuses to replace a folder holding files it did not write.\n";

	/** Every marker quantrace writes: a folder holding one of them, and only what its SHA256SUMS lists, is quantrace's. */
	private static final List<String> MARKER_TEXTS = List.of(MARKER_TEXT, DEBUG_MARKER_TEXT);

	private OutputOwnership() {
	}

	/** Marks {@code dir} as an output folder (the same bytes every time: outputs stay reproducible). */
	static void mark(Path dir) throws IOException {
		mark(dir, MARKER_TEXT);
	}

	static void mark(Path dir, String text) throws IOException {
		Files.writeString(dir.resolve(MARKER), text, StandardCharsets.UTF_8);
	}

	/**
	 * Whether {@code dir}, found replaceable by {@link #checkReplaceable} a moment before, still is: empty, or an output folder
	 * holding only what quantrace wrote (each file as its SHA256SUMS lists it). Asked again once it is out of the way, before it is deleted.
	 */
	static boolean stillReplaceable(Path dir) {
		return entries(dir).isEmpty() || isOutput(dir);
	}

	/** Whether {@code dir} is an output folder quantrace wrote, holding only what it wrote. */
	public static boolean isOutput(Path dir) {
		return Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS) && hasMarker(dir) && foreignFiles(dir).isEmpty();
	}

	/**
	 * Refuses {@code target} as a run's output folder unless it is absent, empty, or an output folder holding
	 * only what quantrace wrote; and when it is, holds or lies inside one of {@code inputs}.
	 *
	 * @throws InvalidInputException naming the folder, what is wrong and how to go on
	 */
	public static void checkReplaceable(Path target, Collection<Path> inputs) {
		checkReplaceable(target, inputs, false);
	}

	/**
	 * {@link #checkReplaceable(Path, Collection)} for {@code quantrace debug} ({@code debug}) or a run: each replaces only a folder
	 * of its own command's outputs.
	 */
	public static void checkReplaceable(Path target, Collection<Path> inputs, boolean debug) {
		String fix = "choose a new or empty folder for -o, or one quantrace wrote earlier (run's default is quantrace-out/RECIPE)";
		for (Path input : inputs) {
			if (input != null && Files.exists(input) && contains(target, input)) {
				throw new InvalidInputException(target + ": holds " + input + ", an input of this run: replacing the folder would delete it", fix);
			}
		}
		Path inside = SafeFiles.clashingInput(target, inputs.stream().filter(Files::isDirectory).toList());
		if (inside != null) {
			throw new InvalidInputException(target + ": is inside " + inside + ", an input of this run: outputs there would change it", fix);
		}
		if (Files.isSymbolicLink(target)) {
			throw new InvalidInputException(target + ": is a symbolic link; quantrace replaces only a real folder it wrote",
					"give the folder the link points to, or another folder");
		}
		if (!Files.exists(target)) {
			return;
		}
		if (!Files.isDirectory(target)) {
			throw new InvalidInputException(target + ": is a file, not an output folder: quantrace will not replace it", fix);
		}
		List<Path> files = entries(target);
		if (!files.isEmpty()) {
			if (!hasMarker(target)) {
				throw new InvalidInputException(target + ": is not an output folder of quantrace (it has no " + MARKER + ") and holds " + count(files.size(), "file or folder", "files or folders")
						+ ", e.g. " + files.get(0).getFileName() + ": quantrace replaces only folders it wrote", fix);
			}
			if (!Files.isRegularFile(target.resolve(Outputs.SUMS), LinkOption.NOFOLLOW_LINKS)) {
				throw new InvalidInputException(target + ": is an output folder without its " + Outputs.SUMS
						+ ", so what quantrace wrote cannot be told from other files: quantrace will not replace it",
						"delete the folder yourself if nothing in it is needed, or choose another output folder");
			}
			String other = otherWriter(target, debug);
			if (other != null) {
				throw new InvalidInputException(target + ": is an output folder of " + other + " (its " + MARKER + " says so), and " + (debug ? "debug" : "a run")
						+ " replaces only a folder " + (debug ? "debug" : "a run") + " wrote: replacing it would delete " + (debug ? "that run's models, trace, logs and report"
								: "its debug.csv and charts"), "choose another output folder, e.g. " + target.resolveSibling(target.getFileName() + (debug ? "-debug" : "-run")));
			}
			List<String> foreign = foreignFiles(target);
			if (!foreign.isEmpty()) {
				throw new InvalidInputException(target + ": is an output folder, but holds " + count(foreign.size(), "file or folder", "files or folders") + " quantrace did not write ("
						+ String.join(", ", foreign.subList(0, Math.min(5, foreign.size()))) + (foreign.size() > 5 ? ", ..." : "")
						+ "): replacing the folder would delete them", "move them out of " + target + ", or choose another output folder");
			}
		}
		if (org.quantrace.engine.SafeFiles.onReadOnlyFileSystem(target)) { // chmod cannot help there
			throw new InvalidInputException(target + ": is on a read-only file system: quantrace cannot replace it",
					org.quantrace.engine.SafeFiles.READ_ONLY_FILE_SYSTEM_HINT);
		}
		Path locked = firstReadOnly(target);
		if (locked != null) {
			throw new InvalidInputException(target + ": " + (locked.equals(target) ? "is" : "holds " + locked + ", which is")
					+ " read-only: quantrace does not replace what the user protected from writing",
					"make it writable (chmod -R u+w " + target + ") if you mean to replace it, or choose another output folder");
		}
	}

	/**
	 * Refuses an output path inside a folder quantrace wrote (a run's, a merge's, debug's): its SHA256SUMS vouches for every file
	 * there, so a file written into it is a mismatch verify reports, and one written over its own (quantize -o
	 * out/models/mlp/fiq_int8.onnx) destroyed the run's model while the trace and logs still described it (verify: 218 mismatches).
	 * The target itself may be such a folder: whether it may be replaced is {@link #checkReplaceable}'s rule.
	 *
	 * @throws InvalidInputException naming the folder and where to write instead
	 */
	public static void checkNotInsideOutput(Path target) {
		Path dir = target.toAbsolutePath().normalize().getParent();
		while (dir != null && !Files.exists(dir)) {
			dir = dir.getParent();
		}
		try {
			dir = dir == null ? null : dir.toRealPath(); // a link into the folder is the folder
		} catch (IOException e) {
			return; // an unreadable parent is the write's to report
		}
		for (; dir != null; dir = dir.getParent()) {
			if (Files.isDirectory(dir) && hasMarker(dir)) {
				throw new InvalidInputException(target + ": lies inside " + dir + ", an output folder quantrace wrote (its " + MARKER + " says so): its "
						+ Outputs.SUMS + " vouches for every file there, so " + (Files.exists(target) ? "replacing " + target.getFileName() + " would destroy"
								: "a file added there would break") + " that evidence (verify reports it)",
						"write the output outside " + dir + " (copy a file out of it first to work on it)");
			}
		}
	}

	/** Whether {@code dir} carries the marker of {@code quantrace debug}'s output folder. */
	static boolean isDebugOutput(Path dir) {
		return hasMarker(dir) && otherWriter(dir, false) != null;
	}

	/**
	 * The command that wrote output folder {@code dir} when it is not the one about to replace it ({@code debug}: quantrace debug,
	 * else a run), or null. Any quantrace folder was replaceable by any command: {@code debug -o} onto a run's folder replaced its
	 * models, trace, logs and report, the evidence of the run, with a CSV and charts without a word (hostile8), as {@code run -o}
	 * replaced a debug folder. A folder of a version before the marker (SHA256SUMS listing the trace and results.json) is a run's.
	 */
	private static String otherWriter(Path dir, boolean debug) {
		Path marker = dir.resolve(MARKER);
		String text;
		try {
			text = Files.isRegularFile(marker, LinkOption.NOFOLLOW_LINKS) ? Files.readString(marker, StandardCharsets.UTF_8) : MARKER_TEXT;
		} catch (IOException e) {
			return null; // then hasMarker found none
		}
		return text.equals(debug ? DEBUG_MARKER_TEXT : MARKER_TEXT) ? null : debug ? "quantrace run (or merge)" : "quantrace debug";
	}

	/** "1 file or folder", "3 files or folders": a refusal names one entry as one. */
	private static String count(int n, String one, String many) {
		return n + " " + (n == 1 ? one : many);
	}

	/** Whether folder {@code dir} is {@code p} or holds it, comparing real paths (links resolved). */
	private static boolean contains(Path dir, Path p) {
		try {
			return Files.isDirectory(dir) && p.toRealPath().startsWith(dir.toRealPath());
		} catch (IOException e) {
			return false;
		}
	}

	/**
	 * The marker (a run's unfinished folder has it too, from the start), or (outputs of versions before it)
	 * SHA256SUMS listing the trace and results.json, both present.
	 */
	static boolean hasMarker(Path dir) {
		Path marker = dir.resolve(MARKER);
		try {
			if (Files.isRegularFile(marker, LinkOption.NOFOLLOW_LINKS)) {
				return MARKER_TEXTS.contains(Files.readString(marker, StandardCharsets.UTF_8));
			}
			Path sums = dir.resolve(Outputs.SUMS);
			if (!Files.isRegularFile(sums, LinkOption.NOFOLLOW_LINKS)) {
				return false;
			}
			List<String> listed = Files.readAllLines(sums, StandardCharsets.UTF_8).stream().map(l -> l.split("  ", 2)).filter(f -> f.length == 2)
					.map(f -> f[1]).toList();
			return listed.contains(Outputs.TRACE) && listed.contains(Outputs.RESULTS) && Files.isRegularFile(dir.resolve(Outputs.TRACE))
					&& Files.isRegularFile(dir.resolve(Outputs.RESULTS));
		} catch (IOException e) {
			return false;
		}
	}

	/**
	 * Paths (relative, '/'-separated) of what is in {@code dir} but the marker, SHA256SUMS and the files it lists
	 * with the content it lists (a missing SHA256SUMS lists nothing), and the folders they lie in: a folder no listed file
	 * lies in, empty or not, was made by the user (an empty one was deleted with the run's folder: hostile3's left open). A listed file whose content changed since
	 * the run is the user's work now (notes added to a log, a model tuned by hand): replacing it would lose it.
	 */
	private static List<String> foreignFiles(Path dir) {
		Map<String, String> listed = new HashMap<>();
		listed.put(MARKER, null);
		listed.put(Outputs.SUMS, null);
		Path sums = dir.resolve(Outputs.SUMS);
		try {
			for (String line : Files.readAllLines(sums, StandardCharsets.UTF_8)) {
				String[] f = line.split("  ", 2);
				if (f.length == 2) {
					listed.put(f[1], f[0]);
				}
			}
		} catch (IOException e) {
			listed.remove(Outputs.SUMS); // unreadable: it vouches for nothing, itself included
		}
		// the folders the listed files lie in: any other folder (an empty one the user made for notes) is the user's, not the run's
		java.util.Set<String> folders = new java.util.HashSet<>();
		for (String f : listed.keySet()) {
			for (int i = f.indexOf('/'); i > 0; i = f.indexOf('/', i + 1)) {
				folders.add(f.substring(0, i));
			}
		}
		List<String> foreign = new ArrayList<>();
		try (Stream<Path> all = Files.walk(dir)) {
			all.filter(p -> !p.equals(dir)).forEach(p -> {
				String rel = dir.relativize(p).toString().replace('\\', '/');
				if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
					if (!folders.contains(rel)) {
						foreign.add(rel + "/");
					}
				} else if (!listed.containsKey(rel) || !Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
					foreign.add(rel);
				} else if (listed.get(rel) != null && !listed.get(rel).equalsIgnoreCase(SafeFiles.sha256(p))) {
					foreign.add(rel + " (changed since the run)");
				}
			});
		} catch (IOException | UncheckedIOException e) {
			foreign.add("(cannot list: " + IoErrors.describe(e) + ")");
		}
		return foreign;
	}

	private static List<Path> entries(Path dir) {
		try (Stream<Path> s = Files.list(dir)) {
			return s.sorted().toList();
		} catch (IOException e) {
			throw new InvalidInputException(dir + ": cannot be listed (" + IoErrors.describe(e) + ")", "give a folder you may read and write");
		}
	}

	/**
	 * The folder itself or the first folder or file inside it the user protected from writing; null when none. A file made
	 * read-only (chmod a-w on the model to be deployed) was replaced with the rest of the folder, unlike a read-only folder.
	 */
	private static Path firstReadOnly(Path dir) {
		try (Stream<Path> all = Files.walk(dir)) {
			return all.filter(p -> (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS) || Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) && SafeFiles.isReadOnly(p))
					.findFirst().orElse(null);
		} catch (IOException | UncheckedIOException e) {
			return dir;
		}
	}
}
