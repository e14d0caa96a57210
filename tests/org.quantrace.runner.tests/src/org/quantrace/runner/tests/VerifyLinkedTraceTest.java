package org.quantrace.runner.tests;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.quantrace.engine.InvalidInputException;
import org.quantrace.runner.Verification;

/**
 * A folder whose trace.xmi is a symbolic link out of it (evidence6, 2026-12-05): verify refused it, exit 2, but said the folder
 * "has no trace.xmi", which a user looking at the folder sees is false. It now says what is there and that it is not followed.
 */
class VerifyLinkedTraceTest {

	@Test
	void aTraceThatIsALinkIsRefusedAsALink(@TempDir Path temp) throws IOException {
		Path outside = Files.writeString(temp.resolve("elsewhere.xmi"), "<not a trace/>");
		Path folder = Files.createDirectory(temp.resolve("run"));
		Files.createSymbolicLink(folder.resolve("trace.xmi"), outside);
		InvalidInputException e = assertThrows(InvalidInputException.class, () -> Verification.verify(folder));
		assertTrue(e.getMessage().contains("trace.xmi is a symbolic link"), e.getMessage());
		assertFalse(e.getMessage().contains("has no trace.xmi"), e.getMessage());
	}

	/** A named pipe in the folder passed verify unnamed (exit 0): it is no file the lists vouch for, and is not read. */
	@Test
	void aNamedPipeInTheFolderIsNamed(@TempDir Path temp) throws IOException, InterruptedException {
		Path folder = minimalFolder(temp);
		assertTrue(new ProcessBuilder("mkfifo", folder.resolve("pipe.onnx").toString()).start().waitFor() == 0, "mkfifo");
		assertTrue(Verification.files(folder).stream().anyMatch(p -> p.file().equals("pipe.onnx") && p.what().startsWith("not a file or folder")),
				Verification.files(folder).toString());
	}

	/** A folder holding an empty trace and empty lists: what the folder checks read before any model. */
	private static Path minimalFolder(Path temp) throws IOException {
		Path folder = Files.createDirectory(temp.resolve("run"));
		Files.writeString(folder.resolve("trace.xmi"), "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<trace:TraceModel xmi:version=\"2.0\""
				+ " xmlns:xmi=\"http://www.omg.org/XMI\" xmlns:trace=\"http://www.quantrace.org/trace/1.0\" runId=\"r\"/>\n");
		Files.writeString(folder.resolve("SHA256SUMS"), "");
		Files.writeString(folder.resolve("INVENTORY.sha256"), "");
		return folder;
	}

	/**
	 * A SHA256SUMS of binary bytes was "unreadable (Input length = 1)" (the decoder's words), and one of 300 MB was read whole
	 * into memory: each is now named for what it is, and neither vouches for a file.
	 */
	@Test
	void aBinaryOrHugeListIsNamedForWhatItIs(@TempDir Path temp) throws IOException {
		Path folder = minimalFolder(temp);
		Files.write(folder.resolve("SHA256SUMS"), new byte[] { (byte) 0xff, (byte) 0xfe, 0, 1, (byte) 0x80 });
		assertTrue(Verification.files(folder).stream().anyMatch(p -> p.file().equals("SHA256SUMS") && p.what().startsWith("not text (not UTF-8)")),
				Verification.files(folder).toString());
		try (var huge = java.nio.channels.FileChannel.open(folder.resolve("SHA256SUMS"), java.nio.file.StandardOpenOption.WRITE)) {
			huge.write(java.nio.ByteBuffer.wrap(new byte[] { 'a' }), (256L << 20) + 1); // sparse: no disk
		}
		assertTrue(Verification.files(folder).stream().anyMatch(p -> p.file().equals("SHA256SUMS") && p.what().contains("more than any run writes")),
				Verification.files(folder).toString());
	}
}
