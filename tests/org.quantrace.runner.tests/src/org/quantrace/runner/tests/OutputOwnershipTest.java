package org.quantrace.runner.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.quantrace.engine.InvalidInputException;
import org.quantrace.runner.OutputOwnership;
import org.quantrace.runner.Verification;
import org.quantrace.testing.TestData;

/** How a run recognizes the folders it may replace: its marker, listed with every output in SHA256SUMS. */
class OutputOwnershipTest {

	private final Path ex = Runs.exampleCopy("ownership").toAbsolutePath();
	private final Path out = ex.getParent().resolve("out");

	@Test
	void everyOutputFolderIsMarkedAndTheMarkerIsVerifiedLikeAnyOutput() throws IOException {
		assertEquals(0, Runs.run(ex.resolve("fashion_cnn.qr"), out).exitCode());
		assertTrue(OutputOwnership.isOutput(out));
		assertTrue(Files.readAllLines(out.resolve("SHA256SUMS")).stream().anyMatch(l -> l.endsWith("  " + OutputOwnership.MARKER)));
		assertTrue(Verification.verify(out).passed());
		assertFalse(OutputOwnership.isOutput(ex), "the example's folder is not an output");
		Files.writeString(out.resolve("extra.txt"), "not ours");
		assertFalse(OutputOwnership.isOutput(out), "an output holding another file is no longer only ours");
	}

	/** Outputs of versions before the marker: SHA256SUMS lists their trace and results, and nothing else is there. */
	@Test
	void anOutputWrittenBeforeTheMarkerIsStillReplaced() throws IOException {
		assertEquals(0, Runs.run(ex.resolve("fashion_cnn.qr"), out).exitCode());
		Files.delete(out.resolve(OutputOwnership.MARKER));
		List<String> sums = Files.readAllLines(out.resolve("SHA256SUMS")).stream().filter(l -> !l.endsWith(OutputOwnership.MARKER)).toList();
		Files.write(out.resolve("SHA256SUMS"), sums);
		assertEquals(0, Runs.run(ex.resolve("fashion_cnn.qr"), out).exitCode());
		assertTrue(Files.isRegularFile(out.resolve(OutputOwnership.MARKER)));
	}

	/** A recipe reading a model out of an earlier output folder may not replace that folder: it would delete its own input. */
	@Test
	void anOutputFolderHoldingAnInputOfTheRunIsRefused() throws IOException {
		assertEquals(0, Runs.run(ex.resolve("fashion_cnn.qr"), out).exitCode());
		Path recipe = Runs.recipe(ex, "reuse.qr", Files.readString(ex.resolve("fashion_cnn.qr"))
				.replace("\"model/fashion_cnn_trained.onnx\"", "\"../out/models/cnn/converted.onnx\""));
		assertTrue(Files.isRegularFile(out.resolve("models/cnn/converted.onnx")));
		Map<String, String> before = TestData.hashes(out);
		InvalidInputException e = assertThrows(InvalidInputException.class, () -> Runs.run(recipe, out));
		assertEquals(out + ": holds " + out.resolve("models/cnn/converted.onnx") + ", an input of this run: replacing the folder would delete it",
				e.getMessage());
		assertEquals(before, TestData.hashes(out));
	}
}
