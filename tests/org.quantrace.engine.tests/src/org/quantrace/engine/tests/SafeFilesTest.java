package org.quantrace.engine.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.quantrace.engine.InvalidInputException;
import org.quantrace.engine.SafeFiles;
import org.quantrace.testing.TestData;

/** The custody rule every writer shares: never onto an input, never onto a protected file, the user's normal mode. */
class SafeFilesTest {

	private final Path dir = TestData.tempDir("safe-files").toAbsolutePath();

	@Test
	void outputsGetTheModeTheUmaskGivesNewFiles() throws IOException {
		Path plain = Files.createFile(dir.resolve("plain")); // what any program of this user creates
		Path written = dir.resolve("written");
		SafeFiles.writeAtomically(written, "x");
		assertEquals(PosixFilePermissions.toString(Files.getPosixFilePermissions(plain)),
				PosixFilePermissions.toString(Files.getPosixFilePermissions(written)), "not a private 0600 temporary file");
		try (var files = Files.list(dir)) {
			assertEquals(List.of("plain", "written"), files.map(p -> p.getFileName().toString()).sorted().toList(), "no temporary file left");
		}
	}

	@Test
	void aReadOnlyFileIsNotReplaced() throws IOException {
		Path target = Files.writeString(dir.resolve("protected.onnx"), "keep me");
		Files.setPosixFilePermissions(target, PosixFilePermissions.fromString("r--r--r--"));
		InvalidInputException e = assertThrows(InvalidInputException.class, () -> SafeFiles.writeAtomically(target, "new"));
		assertTrue(e.getMessage().startsWith(target + ": is read-only"), e.getMessage());
		assertThrows(InvalidInputException.class, () -> SafeFiles.checkOutputFile(target, List.of()));
		assertEquals("keep me", Files.readString(target));
	}

	@Test
	void anInputIsNeverAnOutputByPathOrThroughALink() throws IOException {
		Path input = Files.writeString(dir.resolve("model.onnx"), "input");
		refused(input, input, "is an input of this command");
		refused(dir.resolve("sub/../model.onnx"), input, "is an input of this command");
		Path symlink = Files.createSymbolicLink(dir.resolve("link.onnx"), input);
		refused(symlink, input, "is the same file as " + input + " (through a link)");
		Path hardLink = Files.createLink(dir.resolve("hard.onnx"), input);
		refused(hardLink, input, "is the same file as " + input + " (through a link)");
		SafeFiles.checkOutputFile(dir.resolve("other.onnx"), List.of(input)); // another file is fine
	}

	@Test
	void nothingIsWrittenInsideAnInputFolderOrOverAFolder() throws IOException {
		Path data = Files.createDirectories(dir.resolve("data/class"));
		refused(data.resolve("results.json"), dir.resolve("data"), "is inside " + dir.resolve("data") + ", an input of this command");
		InvalidInputException folder = assertThrows(InvalidInputException.class, () -> SafeFiles.checkOutputFile(data, List.of()));
		assertTrue(folder.getMessage().contains("is a folder"), folder.getMessage());
		Path file = Files.writeString(dir.resolve("file"), "x");
		InvalidInputException notFolder = assertThrows(InvalidInputException.class, () -> SafeFiles.checkOutputFolder(file, List.of()));
		assertTrue(notFolder.getMessage().contains("is a file, not a folder"), notFolder.getMessage());
		assertThrows(InvalidInputException.class, () -> SafeFiles.checkOutputFolder(data, List.of(dir.resolve("data"))));
	}

	private static void refused(Path target, Path input, String expected) {
		InvalidInputException e = assertThrows(InvalidInputException.class, () -> SafeFiles.checkOutputFile(target, List.of(input)));
		assertTrue(e.getMessage().startsWith(target + ": ") && e.getMessage().contains(expected), e.getMessage());
	}

	/**
	 * A second Ctrl-C halts the process (no finally runs): the write in progress left its hidden {@code .NAME.RANDOM.tmp}
	 * (hostile12). The halting handler removes the unfinished temporary files first: caught here while a large write
	 * is still going on, the temporary file is gone before the writer's own cleanup could have run.
	 */
	@Test
	void theTemporaryFileOfAWriteInProgressIsRemovedBeforeAHalt() throws Exception {
		byte[] model = new byte[96 << 20];
		for (int attempt = 0; attempt < 20; attempt++) {
			Path target = dir.resolve("big-" + attempt + ".onnx");
			Thread writer = new Thread(() -> {
				try {
					SafeFiles.writeAtomically(target, model);
				} catch (IOException e) {
					// the temporary file was removed under it: expected
				}
			});
			writer.start();
			while (writer.isAlive() && temporaries(target).isEmpty()) {
				Thread.onSpinWait();
			}
			SafeFiles.removeUnfinished();
			List<String> left = temporaries(target);
			boolean caughtMidWrite = writer.isAlive();
			writer.join();
			if (caughtMidWrite) {
				assertEquals(List.of(), left, "removed while the write went on");
				assertTrue(!Files.exists(target), "the write failed, nothing half-written in place");
				return;
			}
		}
		throw new AssertionError("never caught a write in progress in 20 attempts");
	}

	private List<String> temporaries(Path target) throws IOException {
		String prefix = "." + target.getFileName() + ".";
		try (var files = Files.list(dir)) {
			return files.map(p -> p.getFileName().toString()).filter(n -> n.startsWith(prefix) && n.endsWith(".tmp")).toList();
		}
	}
}
