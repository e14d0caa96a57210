package org.quantrace.runner.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.quantrace.runner.Verification;
import org.quantrace.runner.Verification.Problem;
import org.quantrace.testing.TestData;

/**
 * PhIMT0002's elimination rows as a reader reads them ("Removed: 1 node, ...", "Not present in the model: ...", "Kept in
 * the model: ..."; they read "not-present, details ..."), and verify reading them back: a log that claims a Dropout
 * removed while the converted model still holds it is a mismatch in every format.
 */
class VerifyEliminationsTest {

	/** The example with Dropout left in the model: the recipe eliminates batch normalization only. */
	private static Path example;

	@BeforeAll
	static void run() {
		example = Runs.exampleCopy("eliminations");
		Path recipe = Runs.recipe(example, "keep.qr", """
				recipe keep_dropout {
					model cnn "model/fashion_cnn_trained.onnx" id FASHION-CNN version 1
					dataset calib "data/calibration" role calibration labels "data/labels.json"
					preprocess { grayscale scale 1/255 }
					convert { eliminate batch-normalization }
					schemes unquantized
				}
				""");
		assertEquals(0, Runs.run(recipe, example.resolve("out")).exitCode());
	}

	@Test
	void theRowsSayWhatHappenedInWords() throws IOException {
		String log = Files.readString(example.resolve("out/logs/PhIMT0002-cnn.md"));
		assertTrue(log.contains("| Dropout | Kept in the model: 1 node, /classifier/classifier.2/Dropout. Kept in inference mode"), log);
		assertTrue(log.contains("| Batch Normalization | Removed: 2 nodes, /features/features.1/BatchNormalization (folded into /features/features.0/Conv), "), log);
		assertTrue(log.contains("| Gradient Clipping | Not present in the model: no gradient clipping in the graph, and no training algorithm"), log);
		assertTrue(!log.contains("not-present") && !log.contains(", details ") && !log.contains("gradient-clipping in"), log);
		assertTrue(Verification.verify(example.resolve("out")).passed(), Verification.verify(example.resolve("out")).problems().toString());
	}

	@Test
	void aLogClaimingTheDropoutRemovedWhileItRemainsIsAMismatchInEveryFormat() throws IOException {
		Path out = Runs.copy(example, TestData.tempDir("eliminations-forged").resolve("fashion-mnist")).resolve("out");
		String kept = "Kept in the model: 1 node, /classifier/classifier.2/Dropout.";
		assertTrue(Files.readString(out.resolve("logs/PhIMT0002-cnn.md")).contains(kept));
		Tampering.replaceInLogs(out, kept, "Removed: 1 node, /classifier/classifier.2/Dropout.");
		Tampering.rehashAll(out);
		List<Problem> problems = Verification.verify(out).problems();
		Set<String> files = problems.stream().filter(p -> p.what().contains("Dropout") && p.what().contains("Removed")
				&& p.what().contains("1 Dropout node in the verified model, 1 left after conversion")).map(Problem::file).collect(Collectors.toSet());
		assertEquals(Set.of("logs/PhIMT0002-cnn.md", "logs/PhIMT0002-cnn.html", "logs/PhIMT0002-cnn.docx", "logs/PhIMT0002-cnn.pdf"), files,
				problems.toString());
	}
}
