package org.quantrace.cli.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.quantrace.testing.TestData;

/**
 * {@code run -o} and {@code merge -o} replace only a folder quantrace wrote: the recipe's folder, a model's
 * folder, a folder of other files, a file, a read-only output, a folder inside the data are refused with
 * exit 2 before anything runs, and every file in them is still there, byte for byte.
 */
class RunOutputCustodyTest {

	private final Path ex = TestData.exampleCopy("run-custody").toAbsolutePath();
	private final Path root = ex.getParent();
	private final String recipe = ex.resolve("fashion_cnn.qr").toString();

	private Cli run(Path out) {
		return Cli.run("run", recipe, "--only", "unquantized", "-o", out.toString());
	}

	private void refused(Path out, String expected) {
		Map<String, String> before = TestData.hashes(root);
		Cli cli = run(out);
		assertEquals(2, cli.exitCode(), out + "\n" + cli.out() + cli.err());
		assertTrue(cli.err().contains("quantrace: error: " + out.toAbsolutePath().normalize() + ": " + expected)
				|| cli.err().contains("quantrace: error: " + out + ": " + expected), cli.err());
		// the run checks its inputs first (the datasets opened, "reading dataset NAME" since hostile20: the -o folder is held
		// against those inputs), then the folder, before any work: nothing converted, calibrated or evaluated
		assertFalse(cli.err().contains("converting") || cli.err().contains("calibrating") || cli.err().contains("evaluating"), "refused before any work: " + cli.err());
		assertEquals(before, TestData.hashes(root), "every file still there, unchanged");
		assertEquals(List.of(), hidden(out.toAbsolutePath().normalize().getParent()), "nothing left beside it");
	}

	@Test
	void theRecipesFolderIsRefused() {
		refused(ex, "holds " + ex.resolve("fashion_cnn.qr"));
	}

	@Test
	void theModelsFolderIsRefused() {
		refused(ex.resolve("model"), "holds ");
	}

	@Test
	void aFolderOfOtherFilesIsRefused() throws IOException {
		Path foreign = Files.createDirectories(root.resolve("thesis"));
		Files.writeString(foreign.resolve("chapter1.tex"), "years of work");
		refused(foreign, "is not an output folder of quantrace (it has no .quantrace-output) and holds 1 file or folder, e.g. chapter1.tex");
	}

	@Test
	void aFileIsRefused() throws IOException {
		Path file = Files.writeString(root.resolve("notes.txt"), "keep");
		refused(file, "is a file, not a folder");
	}

	@Test
	void aFolderInsideTheDataIsRefused() {
		refused(ex.resolve("data/evaluation/out"), "is inside " + ex.resolve("data/evaluation"));
	}

	@Test
	void anEarlierOutputIsReplacedUnlessItHoldsOtherFilesOrIsProtected() throws IOException {
		Path out = root.resolve("out");
		assertEquals(0, run(out).exitCode());
		assertTrue(Files.isRegularFile(out.resolve(".quantrace-output")), "marked as ours");
		assertEquals(0, run(out).exitCode(), "our own output is replaced");
		Files.writeString(out.resolve("logs/review-notes.md"), "the assessor's notes");
		refused(out, "is an output folder, but holds 1 file or folder quantrace did not write (logs/review-notes.md)");
		Files.delete(out.resolve("logs/review-notes.md"));
		Files.setPosixFilePermissions(out.resolve("models"), PosixFilePermissions.fromString("r-xr-xr-x"));
		refused(out, "holds " + out.toAbsolutePath().normalize().resolve("models") + ", which is read-only");
		Files.setPosixFilePermissions(out.resolve("models"), PosixFilePermissions.fromString("rwxr-xr-x"));
		assertEquals(0, run(out).exitCode());
		assertEquals(List.of(), hidden(root));
	}

	@Test
	void mergeNeverWritesOntoItsShards() {
		Path s1 = root.resolve("s1");
		Path s2 = root.resolve("s2");
		assertEquals(0, Cli.run("run", recipe, "--only", "unquantized,drq", "--shard", "1/2", "-o", s1.toString()).exitCode());
		assertEquals(0, Cli.run("run", recipe, "--only", "unquantized,drq", "--shard", "2/2", "-o", s2.toString()).exitCode());
		Map<String, String> before = TestData.hashes(root);
		Cli onShard = Cli.run("merge", s1.toString(), s2.toString(), "-o", s1.toString());
		assertEquals(2, onShard.exitCode(), onShard.err());
		assertTrue(onShard.err().contains("holds " + s1.toAbsolutePath().normalize()) || onShard.err().contains("an input of this"), onShard.err());
		Cli around = Cli.run("merge", s1.toString(), s2.toString(), "-o", root.toString());
		assertEquals(2, around.exitCode(), around.err());
		assertEquals(before, TestData.hashes(root));
		assertEquals(0, Cli.run("merge", s1.toString(), s2.toString(), "-o", root.resolve("all").toString()).exitCode());
	}

	/** Hidden entries (partial or old folders, lock files) in {@code dir}. */
	private static List<String> hidden(Path dir) {
		try (Stream<Path> s = Files.list(dir)) {
			return s.map(p -> p.getFileName().toString()).filter(n -> n.startsWith(".")).sorted().toList();
		} catch (IOException e) {
			throw new java.io.UncheckedIOException(e);
		}
	}
}
