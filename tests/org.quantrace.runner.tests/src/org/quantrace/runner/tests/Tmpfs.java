package org.quantrace.runner.tests;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Assumptions;
import org.quantrace.testing.TestData;

/** A small file system of a test's own (a read-only one, a full one): a tmpfs, mounted when the tests run as root with the right to mount. */
final class Tmpfs {

	private Tmpfs() {
	}

	/** A new tmpfs of {@code size} (e.g. "1m") in a temporary folder named after {@code name}; the test is skipped where none can be mounted. */
	static Path mount(String name, String size) throws IOException, InterruptedException {
		Path mount = TestData.tempDir(name).resolve("mnt");
		Files.createDirectories(mount);
		Assumptions.assumeTrue(sh("mount", "-t", "tmpfs", "-o", "size=" + size, "tmpfs", mount.toString()),
				"cannot mount a tmpfs here (not root, or no right to mount)");
		return mount;
	}

	/** Unmounts {@code mount} (null: nothing was mounted); lazily when a file is still open there (a failed test's). */
	static void unmount(Path mount) throws IOException, InterruptedException {
		if (mount != null && !sh("umount", mount.toString())) {
			sh("umount", "-l", mount.toString());
		}
	}

	static boolean sh(String... command) throws IOException, InterruptedException {
		Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
		p.getInputStream().readAllBytes();
		return p.waitFor() == 0;
	}
}
