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
}
