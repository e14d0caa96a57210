package org.quantrace.runner.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.quantrace.engine.InvalidInputException;
import org.quantrace.runner.OutputOwnership;
import org.quantrace.runner.Verification;
import org.quantrace.testing.TestData;

/** How a run recognizes the folders it may replace: its marker, listed with every output in SHA256SUMS. */
class OutputOwnershipTest {

	private final Path ex = Runs.exampleCopy("ownership").toAbsolutePath();
	private final Path out = ex.getParent().resolve("out");

	@Test
	void everyOutputFolderIsMarkedAndTheMarkerIsVerifiedLikeAnyOutput() throws IOException {
		assertEquals(0, Runs.run(ex.resolve("fashion_cnn.qr"), out).exitCode());
		assertTrue(OutputOwnership.isOutput(out));
		assertTrue(Files.readAllLines(out.resolve("SHA256SUMS")).stream().anyMatch(l -> l.endsWith("  " + OutputOwnership.MARKER)));
		assertTrue(Verification.verify(out).passed());
		assertFalse(OutputOwnership.isOutput(ex), "the example's folder is not an output");
		Files.writeString(out.resolve("extra.txt"), "not ours");
		assertFalse(OutputOwnership.isOutput(out), "an output holding another file is no longer only ours");
	}

	/** Outputs of versions before the marker: SHA256SUMS lists their trace and results, and nothing else is there. */
	@Test
	void anOutputWrittenBeforeTheMarkerIsStillReplaced() throws IOException {
		assertEquals(0, Runs.run(ex.resolve("fashion_cnn.qr"), out).exitCode());
		Files.delete(out.resolve(OutputOwnership.MARKER));
		List<String> sums = Files.readAllLines(out.resolve("SHA256SUMS")).stream().filter(l -> !l.endsWith(OutputOwnership.MARKER)).toList();
		Files.write(out.resolve("SHA256SUMS"), sums);
		assertEquals(0, Runs.run(ex.resolve("fashion_cnn.qr"), out).exitCode());
		assertTrue(Files.isRegularFile(out.resolve(OutputOwnership.MARKER)));
	}

	/** A recipe reading a model out of an earlier output folder may not replace that folder: it would delete its own input. */
	@Test
	void anOutputFolderHoldingAnInputOfTheRunIsRefused() throws IOException {
		assertEquals(0, Runs.run(ex.resolve("fashion_cnn.qr"), out).exitCode());
		Path recipe = Runs.recipe(ex, "reuse.qr", Files.readString(ex.resolve("fashion_cnn.qr"))
				.replace("\"model/fashion_cnn_trained.onnx\"", "\"../out/models/cnn/converted.onnx\""));
		assertTrue(Files.isRegularFile(out.resolve("models/cnn/converted.onnx")));
		Map<String, String> before = TestData.hashes(out);
		InvalidInputException e = assertThrows(InvalidInputException.class, () -> Runs.run(recipe, out));
		assertEquals(out + ": holds " + out.resolve("models/cnn/converted.onnx") + ", an input of this run: replacing the folder would delete it",
				e.getMessage());
		assertEquals(before, TestData.hashes(out));
	}

	/** The example's model through one scheme and no data: a quick run. */
	private Path quickRecipe() {
		return Runs.recipe(ex, "quick.qr", "recipe quick {\n\tmodel cnn \"model/fashion_cnn.onnx\"\n\tschemes unquantized\n}\n");
	}

	/**
	 * A folder beside the output named like a killed run's leftover ({@code .out.old-2024}: a user's backup) is
	 * not a leftover unless it carries the marker: a refused run deleted it before it refused, and a run into a
	 * missing name moved it there as "the old outputs".
	 */
	@Test
	void aUsersFolderNamedLikeALeftoverIsNeitherDeletedNorMoved() throws IOException {
		Path recipe = quickRecipe();
		Path backup = Files.createDirectories(out.resolveSibling(".out.old-2024"));
		Files.writeString(backup.resolve("photo.txt"), "the user's backup");
		Files.createDirectories(out);
		Files.writeString(out.resolve("notes.txt"), "the user's notes");
		Map<String, String> backupBefore = TestData.hashes(backup);
		Map<String, String> outBefore = TestData.hashes(out);
		assertThrows(InvalidInputException.class, () -> Runs.run(recipe, out));
		assertTrue(Files.isDirectory(backup), "the refused run deleted the user's folder beside the output");
		assertEquals(backupBefore, TestData.hashes(backup), "the refused run touched nothing, the backup beside the folder included");
		assertEquals(outBefore, TestData.hashes(out));
		Files.delete(out.resolve("notes.txt"));
		Files.delete(out);
		assertEquals(0, Runs.run(recipe, out).exitCode());
		assertEquals("the user's backup", Files.readString(backup.resolve("photo.txt")), "the backup stays where it was, whole");
		assertTrue(OutputOwnership.isOutput(out), "the run wrote its own outputs under the name, not the backup");
	}

	/**
	 * The lock's name beside the folder ({@code .out.lock}) taken by something not ours: a symbolic link (planted in
	 * a shared folder) made the run truncate and overwrite the file it points to, and a user's file of that name was
	 * overwritten and deleted. Both are refused now, and nothing is touched.
	 */
	@Test
	void aLockNameTakenByALinkOrAUsersFileIsRefusedAndLeftAlone() throws IOException {
		Path recipe = quickRecipe();
		Path victim = Files.writeString(ex.resolve("victim.txt"), "the user's data");
		Path lock = out.resolveSibling(".out.lock");
		Files.createSymbolicLink(lock, victim);
		InvalidInputException e = assertThrows(InvalidInputException.class, () -> Runs.run(recipe, out));
		assertTrue(e.getMessage().contains("is a symbolic link"), e.getMessage());
		assertEquals("the user's data", Files.readString(victim));
		assertTrue(Files.isSymbolicLink(lock));
		Files.delete(lock);
		Files.writeString(lock, "the user's own .out.lock\n");
		e = assertThrows(InvalidInputException.class, () -> Runs.run(recipe, out));
		assertTrue(e.getMessage().contains("is a file quantrace did not write"), e.getMessage());
		assertEquals("the user's own .out.lock\n", Files.readString(lock));
		assertFalse(Files.exists(out));
		Files.writeString(lock, "quantrace run, process 4242\n"); // a killed run's lock: reused
		assertEquals(0, Runs.run(recipe, out).exitCode());
		assertFalse(Files.exists(lock), "removed at the end of the run");
	}

	/**
	 * A file of an earlier output that the user changed since (review notes added to the report, a model tuned by
	 * hand) is the user's work: its name in SHA256SUMS made the folder "ours" and the next run deleted the edit.
	 * The folder is refused now, naming the file; unchanged outputs are still replaced.
	 */
	@Test
	void aListedFileTheUserChangedIsNotReplaced() throws IOException {
		Path recipe = quickRecipe();
		assertEquals(0, Runs.run(recipe, out).exitCode());
		Files.writeString(out.resolve("report.html"), Files.readString(out.resolve("report.html")) + "<!-- the assessor's review notes -->\n");
		Map<String, String> before = TestData.hashes(out);
		assertFalse(OutputOwnership.isOutput(out));
		InvalidInputException e = assertThrows(InvalidInputException.class, () -> Runs.run(recipe, out));
		assertTrue(e.getMessage().contains("holds 1 file or folder quantrace did not write (report.html (changed since the run))"), e.getMessage());
		assertEquals(before, TestData.hashes(out), "nothing touched");
		Files.writeString(out.resolve("report.html"), Files.readString(out.resolve("report.html")).replace("<!-- the assessor's review notes -->\n", ""));
		assertTrue(OutputOwnership.isOutput(out), "the report as the run wrote it");
		assertEquals(0, Runs.run(recipe, out).exitCode());
	}

	/**
	 * A file saved into the output folder after the run's last check of it (which hashes every file: seconds for large models)
	 * and before the swap was deleted with the old outputs, exit 0 (hostile19; the swap's test hook pauses there). The old
	 * folder is checked again once out of the way and put back with the file, the run refused.
	 */
	@Test
	void aFileSavedIntoTheFolderWhileTheOutputsArePutInPlaceIsKept() throws IOException {
		Path recipe = quickRecipe();
		assertEquals(0, Runs.run(recipe, out).exitCode());
		Map<String, String> before = TestData.hashes(out);
		java.io.PrintStream err = System.err;
		String pause = System.getProperty("quantrace.test.swapPause");
		System.setProperty("quantrace.test.swapPause", "before-swap");
		System.setErr(new java.io.PrintStream(new java.io.ByteArrayOutputStream(), true) {
			@Override
			public void println(String line) {
				if (line.endsWith("swap paused at before-swap")) { // the check is made: the user saves notes there now
					try {
						Files.writeString(OutputOwnershipTest.this.out.resolve("notes.txt"), "the assessor's notes");
					} catch (IOException e) {
						throw new java.io.UncheckedIOException(e);
					}
					Thread.currentThread().interrupt(); // ends the pause
				}
			}
		});
		InvalidInputException e;
		try {
			e = assertThrows(InvalidInputException.class, () -> Runs.run(recipe, out));
		} finally {
			System.setErr(err);
			if (pause == null) {
				System.clearProperty("quantrace.test.swapPause");
			} else {
				System.setProperty("quantrace.test.swapPause", pause);
			}
		}
		assertEquals(out + ": changed while the run put its outputs in place (a file added or edited in it): the folder is kept as it is,"
				+ " the new outputs are not written", e.getMessage());
		assertEquals("the assessor's notes", Files.readString(out.resolve("notes.txt")));
		Files.delete(out.resolve("notes.txt"));
		assertEquals(before, TestData.hashes(out), "the old outputs, as they were");
		try (var beside = Files.list(ex.getParent())) {
			assertEquals(List.of("fashion-mnist", "out"), beside.map(p -> p.getFileName().toString()).sorted().toList(), "nothing left beside");
		}
	}

	/**
	 * A read-only folder inside an output folder was refused, a read-only file was not: the model the user protected from
	 * writing (chmod a-w) went with the rest of the folder at the next run (hostile3). Refused now, nothing touched; once
	 * writable again the folder is replaced as before.
	 */
	@Test
	void aFileTheUserMadeReadOnlyIsNotReplaced() throws IOException {
		Path recipe = quickRecipe();
		assertEquals(0, Runs.run(recipe, out).exitCode());
		Path model;
		try (java.util.stream.Stream<Path> files = Files.walk(out.resolve("models"))) {
			model = files.filter(p -> p.toString().endsWith(".onnx")).sorted().findFirst().orElseThrow();
		}
		Files.setPosixFilePermissions(model, java.nio.file.attribute.PosixFilePermissions.fromString("r--r--r--"));
		Map<String, String> before = TestData.hashes(out);
		InvalidInputException e = assertThrows(InvalidInputException.class, () -> Runs.run(recipe, out));
		assertEquals(out + ": holds " + model + ", which is read-only: quantrace does not replace what the user protected from writing", e.getMessage());
		assertEquals(before, TestData.hashes(out), "nothing touched");
		Files.setPosixFilePermissions(model, java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
		assertEquals(0, Runs.run(recipe, out).exitCode());
	}

	/**
	 * An empty folder the user made inside an output folder (for review notes, beside the models) was deleted by the next run:
	 * only files were compared with SHA256SUMS (hostile3's left open). A folder no listed file lies in is the user's: the
	 * run is refused, naming it, nothing touched; once it is gone the folder is replaced as before.
	 */
	@Test
	void anEmptyFolderTheUserMadeIsNotDeleted() throws IOException {
		Path recipe = quickRecipe();
		assertEquals(0, Runs.run(recipe, out).exitCode());
		Path notes = Files.createDirectories(out.resolve("models/review-notes"));
		assertFalse(OutputOwnership.isOutput(out));
		InvalidInputException e = assertThrows(InvalidInputException.class, () -> Runs.run(recipe, out));
		assertTrue(e.getMessage().contains("holds 1 file or folder quantrace did not write (models/review-notes/)"), e.getMessage());
		assertTrue(Files.isDirectory(notes), "the user's folder is still there");
		Files.delete(notes);
		assertTrue(OutputOwnership.isOutput(out), "the folders the run wrote are its own");
		assertEquals(0, Runs.run(recipe, out).exitCode());
	}
}
