package org.quantrace.runner.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.quantrace.engine.QuantraceException;

/**
 * A run onto a full disk (hostile12): the lock file beside the output folder could be created (a tmpfs gives the
 * name while it has inodes) but its token could not be written, and the empty {@code .out.lock} stayed behind.
 * Nothing may be left on failure. Needs a tmpfs of its own, filled up: mounted when the tests run as root with the
 * right to mount (else skipped).
 */
class FullDiskLockTest {

	private static Path mount;

	@BeforeAll
	static void mountFull() throws Exception {
		mount = Tmpfs.mount("full-mount", "256k");
		try (OutputStream fill = Files.newOutputStream(mount.resolve("fill"))) {
			byte[] block = new byte[4096];
			while (true) {
				fill.write(block);
			}
		} catch (IOException full) {
			// the disk is full now
		}
	}

	@AfterAll
	static void unmount() throws Exception {
		Tmpfs.unmount(mount);
	}

	@Test
	void aRunOntoAFullDiskLeavesNoLockFile() throws IOException {
		Path example = Runs.exampleCopy("full-run");
		Path recipe = Runs.recipe(example, "one.qr", Runs.exampleRecipe(example, "cnn", "model/fashion_cnn_trained.onnx", "drq")
				.replace("\tdebug fiq_int8 threshold rmse/scale > 0.5\n", ""));
		Path out = mount.resolve("out");
		QuantraceException e = assertThrows(QuantraceException.class, () -> Runs.run(recipe, out));
		assertTrue(e.getMessage().contains("no space left on the device"), e.getMessage());
		try (Stream<Path> left = Files.list(mount)) {
			assertEquals(List.of(mount.resolve("fill")), left.toList(), "the disk holds what it held before the run");
		}
	}
}
