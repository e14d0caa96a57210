package org.quantrace.runner.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.quantrace.model.QuantraceModel;
import org.quantrace.model.trace.TraceModel;
import org.quantrace.runner.Verification;
import org.quantrace.testing.TestData;

/**
 * A folder another build of Quantrace wrote (hostile19): two builds named one version (the engine bundle's qualifier, which a build
 * that rebuilt only the runner and the report keeps), and a verify of the other's folder failed on Evidence lines that one of them
 * words otherwise, with nothing saying why. The run records its build; verify says first that another build wrote the folder, which
 * one and which it is itself, and stays as strict.
 */
class VerifyOtherBuildTest {

	private static Path out;

	@BeforeAll
	static void run() {
		out = Runs.fiqInt8Run("other-build");
	}

	@Test
	void theBuildIsRecordedAndAFolderAnotherBuildWroteIsSaidFirstWithItsMismatchesKept() throws IOException {
		TraceModel trace = QuantraceModel.loadTrace(out.resolve("trace.xmi"));
		String ours = trace.getEnvironment().getBuild();
		assertNotNull(ours, "recorded");
		assertEquals(ours, TestData.json(out.resolve("results.json")).get("build").asText(), "results.json names it");
		Verification.Result same = Verification.verify(out);
		assertEquals(List.of(), same.problems());
		assertNull(same.otherBuild(), "this build wrote it: nothing to say");

		// another build (the trace's build edited, every document made again from it): said, nothing else changes
		String theirs = "0.1.0.v20261206-2359";
		assertEquals(List.of(), Tampering.traceForged(out, "their-build", t -> t.getEnvironment().setBuild(theirs)));
		Verification.Result other = Verification.verify(out.resolveSibling("out-their-build"));
		assertEquals("written by another build of Quantrace than this verify: build " + theirs + ", which names its version "
				+ trace.getEnvironment().getTools().get(0).getVersion() + "; this verify is build " + ours + " (version "
				+ org.quantrace.engine.Versions.quantrace() + "). Its figures were checked as this build checks its own folders, and its documents made"
				+ " again from its trace and held whole: where the two builds word a document or check a figure differently, a mismatch below comes"
				+ " from that and not from an edit. To tell the two apart, verify the folder with the build that wrote it, or give --expect the"
				+ " fingerprint its run printed", other.otherBuild());

		// a build before the record (no build in its trace), whose Evidence section words a line otherwise: said, and still a mismatch
		Path older = Runs.copy(out, out.resolveSibling("out-older-build"));
		TraceModel t = QuantraceModel.loadTrace(older.resolve("trace.xmi"));
		t.getEnvironment().setBuild(null);
		Tampering.remadeFromTrace(older, t);
		Tampering.replace(older.resolve("logs/PhIMT0003-cnn.md"), "the parameters rewrites add", "the parameters a rewrite adds");
		Tampering.rehashAll(older);
		Verification.Result before = Verification.verify(older);
		assertTrue(before.otherBuild().startsWith("written by another build of Quantrace than this verify: a build that recorded no build identity"
				+ " (one before 2026-12-07)"), before.otherBuild());
		assertEquals(1, before.problems().size(), before.problems().toString());
		assertTrue(before.problems().get(0).toString().contains("logs/PhIMT0003-cnn.md") && before.problems().get(0).what().contains("is not the document the trace makes"),
				before.problems().toString());
		assertTrue(TestData.json(older.resolve("results.json")).get("build") == null, "no build, no key: a folder of a build before it is as it was");
	}

	/**
	 * A folder another version of Quantrace wrote, which words a document otherwise: that document is checked by its figures only,
	 * not held whole. The note said "Its documents and figures are checked as strictly as ever" there too, more than verify did
	 * (hostile20's leftover); it names the documents not held whole.
	 */
	@Test
	void aFolderAnotherVersionWroteNamesTheDocumentsNotHeldWhole() throws IOException {
		String older = "0.1.0.v20261101-0900";
		Path folder = Runs.copy(out, out.resolveSibling("out-other-version"));
		TraceModel t = QuantraceModel.loadTrace(folder.resolve("trace.xmi"));
		t.eAllContents().forEachRemaining(o -> {
			if (o instanceof org.quantrace.model.trace.ToolVersion v && "Quantrace".equals(v.getName())) {
				v.setVersion(older); // every record names the one version, as a folder that version wrote does
			}
		});
		t.getEnvironment().setBuild(older);
		Tampering.remadeFromTrace(folder, t);
		Tampering.replace(folder.resolve("logs/PhIMT0003-cnn.md"), "the parameters rewrites add", "the parameters a rewrite adds"); // its wording
		Tampering.rehashAll(folder);
		Verification.Result r = Verification.verify(folder);
		assertEquals(List.of(), r.problems());
		assertEquals(List.of("logs/PhIMT0003-cnn.md"), r.unchecked());
		assertTrue(r.otherBuild().endsWith("Its figures were checked as this build checks its own folders, and its documents made again from its trace"
				+ " and held whole, except logs/PhIMT0003-cnn.md, not held whole (the notes below say what of them was checked): where the two builds"
				+ " word a document or check a figure differently, a mismatch below comes from that and not from an edit. To tell the two apart, verify"
				+ " the folder with the build that wrote it, or give --expect the fingerprint its run printed"), r.otherBuild());
		assertTrue(r.otherBuild().contains("build " + older + ", which names its version " + older), r.otherBuild());
		assertFalse(r.otherBuild().contains("as strictly as ever"), r.otherBuild());
		assertTrue(r.notes().stream().anyMatch(n -> n.startsWith("written by Quantrace " + older) && n.contains("logs/PhIMT0003-cnn.md")
				&& n.contains("checked by their figures only")), r.notes().toString());
	}
}
