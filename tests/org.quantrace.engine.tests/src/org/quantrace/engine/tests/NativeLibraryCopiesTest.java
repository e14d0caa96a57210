package org.quantrace.engine.tests;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.quantrace.engine.runtime.InferenceSession;

/**
 * ONNX Runtime's Java binding copies its native libraries into a new {@code $TMPDIR/onnxruntime-java<random>} folder in every
 * JVM and leaves the folder behind at exit (and the 28 MB of libraries in it when the JVM is killed): 3,742 such folders lay in
 * /tmp on the build machine, 181 of them with the libraries. Once ONNX Runtime is loaded, the copies this process maps and
 * their folder are gone; the process runs on.
 */
class NativeLibraryCopiesTest {

	@Test
	void theLibrariesThisProcessLoadedLeaveNoCopyInTheTemporaryFolder() throws Exception {
		Path maps = Path.of("/proc/self/maps");
		if (!System.getProperty("os.name").startsWith("Linux")) {
			return; // elsewhere ONNX Runtime's own deletion at exit is kept
		}
		InferenceSession.environment();
		List<Path> mapped = Files.readAllLines(maps).stream().filter(l -> l.contains("/libonnxruntime"))
				.map(l -> Path.of(l.substring(l.indexOf('/')).replace(" (deleted)", ""))).distinct().toList();
		assertFalse(mapped.isEmpty(), "ONNX Runtime's libraries are mapped in this process");
		Path tmp = Path.of(System.getProperty("java.io.tmpdir")).toRealPath();
		for (Path lib : mapped) {
			assertTrue(lib.getParent().getFileName().toString().startsWith("onnxruntime-java") && tmp.equals(lib.getParent().getParent()),
					"extracted by ONNX Runtime into the temporary folder: " + lib);
			assertFalse(Files.exists(lib), "the loaded library's copy is removed: " + lib);
			assertFalse(Files.exists(lib.getParent()), "its folder is removed: " + lib.getParent());
		}
		assertTrue(InferenceSession.runtimeVersion().startsWith("1."), "ONNX Runtime still runs");
	}
}
