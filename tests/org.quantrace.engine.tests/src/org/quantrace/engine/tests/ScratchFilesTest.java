package org.quantrace.engine.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.quantrace.engine.ScratchFiles;

/**
 * A process killed outright (kill -9, a crash) never runs the finally block that deletes its temporary model file: the file a
 * session of a large model is opened from was {@code $TMPDIR/quantrace-session-*.onnx}, and each kill during an opening left the
 * model's size there (logs65: a 19.5 MB model, one file per kill). The files lie in a folder per process, and the next process
 * removes the folders of processes that no longer run, and only those.
 */
class ScratchFilesTest {

	@TempDir
	Path tmp;

	@Test
	void theFolderOfAProcessThatNoLongerRunsIsRemovedAndALiveOnesIsKept() throws Exception {
		Process gone = new ProcessBuilder("true").start();
		gone.waitFor();
		Path dead = Files.createDirectory(tmp.resolve("quantrace-scratch-" + gone.pid()));
		Files.write(dead.resolve("session-1.onnx"), new byte[1 << 20]); // what a kill during an opening left
		Path outside = Files.writeString(tmp.resolve("user.txt"), "a user's file");
		Files.createSymbolicLink(dead.resolve("link"), outside);
		ProcessHandle parent = ProcessHandle.current().parent().orElseThrow(); // alive, started before its folder was written
		Path live = Files.createDirectory(tmp.resolve("quantrace-scratch-" + parent.pid()));
		Files.write(live.resolve("session-2.onnx"), new byte[16]);
		Path other = Files.createDirectory(tmp.resolve("quantrace-scratchpad"));

		assertEquals(1, ScratchFiles.removeStale(tmp));
		assertFalse(Files.exists(dead), "the dead process's folder is removed");
		assertEquals("a user's file", Files.readString(outside), "a link inside it is removed, not followed");
		assertTrue(Files.exists(live.resolve("session-2.onnx")), "a running process's file is kept");
		assertTrue(Files.exists(other), "a folder of another name is not ours");
	}

	@Test
	void aFileLiesInThisProcesssFolderUntilDeleted() throws Exception {
		Path f = ScratchFiles.create("session-", ".onnx");
		assertEquals("quantrace-scratch-" + ProcessHandle.current().pid(), f.getParent().getFileName().toString());
		assertEquals(Path.of(System.getProperty("java.io.tmpdir")).toRealPath(), f.getParent().getParent().toRealPath());
		ScratchFiles.removeStale(f.getParent().getParent()); // as the next process does: the folders of processes gone, not this one's
		assertTrue(Files.exists(f), "this process's own folder is kept");
		ScratchFiles.delete(f);
		assertFalse(Files.exists(f));
	}
}
