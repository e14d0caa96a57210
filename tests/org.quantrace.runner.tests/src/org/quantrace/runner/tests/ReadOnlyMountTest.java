package org.quantrace.runner.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.quantrace.engine.InvalidInputException;
import org.quantrace.engine.IoErrors;
import org.quantrace.engine.SafeFiles;

/**
 * An output folder on a file system mounted read-only: the hint said to chmod it (assessor's pass: `quantrace run ... -o
 * /ro/outs/old` said "make it writable (chmod u+w ...)"), which cannot help there. It says the file system is read-only
 * and to choose another -o folder. Needs a read-only mount of its own: a tmpfs, mounted when the tests run as root with
 * the right to mount (else skipped).
 */
class ReadOnlyMountTest {

	private static Path mount;

	@BeforeAll
	static void mountReadOnly() throws Exception {
		mount = Tmpfs.mount("ro-mount", "1m");
		Files.createDirectories(mount.resolve("outs/old"));
		Assumptions.assumeTrue(Tmpfs.sh("mount", "-o", "remount,ro", mount.toString()), "cannot remount read-only");
		Assumptions.assumeTrue(SafeFiles.onReadOnlyFileSystem(mount), "the FileStore does not say read-only");
	}

	@AfterAll
	static void unmount() throws Exception {
		Tmpfs.unmount(mount);
	}

	private static void readOnlyFileSystem(InvalidInputException e) {
		assertTrue(e.getMessage().contains("read-only file system"), e.getMessage());
		assertEquals(SafeFiles.READ_ONLY_FILE_SYSTEM_HINT, e.hint());
		assertFalse(e.hint().contains("chmod u+w") || e.hint().contains("chmod -R"), e.hint());
		assertTrue(e.hint().contains("choose another output path (-o)"), e.hint());
	}

	@Test
	void anOutputFolderThereIsBadInputThatSaysChooseAnother() {
		for (Path target : List.of(mount.resolve("outs/old"), mount.resolve("outs/new"), mount.resolve("made/out"))) {
			readOnlyFileSystem(assertThrows(InvalidInputException.class, () -> SafeFiles.checkOutputFolder(target, List.of()), target.toString()));
			readOnlyFileSystem(assertThrows(InvalidInputException.class, () -> SafeFiles.checkOutputFile(target.resolve("m.onnx"), List.of()), target.toString()));
		}
	}

	@Test
	void aRunIntoItIsRefusedBeforeAnyWork() {
		Path example = Runs.exampleCopy("ro-run");
		Path recipe = Runs.recipe(example, "one.qr", Runs.exampleRecipe(example, "cnn", "model/fashion_cnn_trained.onnx", "drq")
				.replace("\tdebug fiq_int8 threshold rmse/scale > 0.5\n", ""));
		for (Path out : List.of(mount.resolve("outs/old"), mount.resolve("outs/new"))) {
			readOnlyFileSystem(assertThrows(InvalidInputException.class, () -> Runs.run(recipe, out), out.toString()));
		}
	}

	@Test
	void aDeniedWriteThereIsSaidToBeTheFileSystem() {
		java.nio.file.AccessDeniedException denied = new java.nio.file.AccessDeniedException(mount.resolve("outs/old/model.onnx").toString());
		assertEquals("the file system is read-only", IoErrors.describe(denied));
		assertEquals(SafeFiles.READ_ONLY_FILE_SYSTEM_HINT, IoErrors.hint(denied, "check the folder"));
	}
}
