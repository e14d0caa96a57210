package org.quantrace.runner.tests;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.quantrace.runner.Verification;
import org.quantrace.runner.Verification.Problem;

/**
 * What the cheap path of verify says of the folder's lists and counts (evidence7, 2026-12-05), on the run of
 * {@link VerifyDeclaredStepsTest} (200 evaluation images): SHA256SUMS removed, the inventory's hash was never taken and the trace,
 * results.json and every log read "inventorySha256: says ..., re-derived null"; an evaluation's sample count edited (every hash
 * recomputed) was found by {@code --deep} alone.
 */
class VerifyFolderCountsTest {

	@Test
	void aRemovedSha256sumsIsNamedAndTheInventoryStillChecked() throws IOException {
		Path copy = Runs.copy(VerifyDeclaredStepsTest.out(), VerifyDeclaredStepsTest.out().resolveSibling("out-nosums"));
		Files.delete(copy.resolve("SHA256SUMS"));
		Verification.Result r = Verification.verify(copy);
		assertFalse(r.passed());
		List<Problem> problems = r.problems();
		assertTrue(problems.stream().anyMatch(p -> p.file().equals("SHA256SUMS") && p.what().startsWith("missing: it lists every file's SHA-256")), problems.toString());
		assertTrue(problems.stream().noneMatch(p -> p.what().contains("null")), problems.toString());
		assertTrue(problems.stream().noneMatch(p -> p.what().contains("inventory")), "the inventory is as the run wrote it: " + problems);
	}

	@Test
	void anEvaluationsSampleCountOtherThanItsDatasetsIsFound() {
		List<Problem> problems = forged("evalcount", "variant=\"fiq_int8\" sampleCount=\"200\"", "variant=\"fiq_int8\" sampleCount=\"2000\"");
		assertTrue(problems.stream().anyMatch(p -> p.what().contains("evaluation cnn/fiq_int8/evaluation sampleCount (its dataset dataset/eval's record): says 2000, re-derived 200")),
				problems.toString());
	}

	@Test
	void aDatasetsSampleCountOtherThanItsManifestIsFound() {
		// the dataset record and every evaluation on it made 2,000 alike: the manifest's 200 lines are left to find it
		Path copy = Runs.copy(VerifyDeclaredStepsTest.out(), VerifyDeclaredStepsTest.out().resolveSibling("out-datacount"));
		Path trace = copy.resolve("trace.xmi");
		String text = Tampering.read(trace);
		String edited = text.replace("sampleCount=\"200\"", "sampleCount=\"2000\"");
		assertTrue(edited.contains("name=\"eval\" path=\"data/evaluation\" role=\"evaluation\" sampleCount=\"2000\""), "the dataset record edited");
		Tampering.write(trace, edited);
		Tampering.rehashAll(copy);
		List<Problem> problems = Verification.verify(copy).problems();
		assertTrue(problems.stream().anyMatch(p -> p.what().contains("dataset dataset/eval sampleCount (the images its manifest data/eval.manifest.txt lists): says 2000, re-derived 200")),
				problems.toString());
	}

	private static List<Problem> forged(String name, String old, String now) {
		Path copy = Tampering.edited(VerifyDeclaredStepsTest.out(), VerifyDeclaredStepsTest.out().resolveSibling("out-" + name), "trace.xmi", old, now);
		return Verification.verify(copy).problems();
	}
}
