package org.quantrace.runner.tests;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.quantrace.runner.RecipeRunner;
import org.quantrace.runner.Verification;
import org.quantrace.testing.TestData;

/**
 * Names the logs print that the reading squeezes or wraps: verify of an untouched run found 28 mismatches (the
 * assessor's pass, 2026-12-03) on the zoo's ResNet pruned by a recipe named "zoo résnet b.qr": every recipe hash
 * ("no file recipe/zoorésnetb.qr in the folder": the path read back without its spaces) and, in the PDF only, every
 * pruned layer whose name the table wrapped ("/layers/layers.2/shortcut /shortcut.0/Conv": "no such weighted layer").
 */
class VerifyNamesTest {

	@Test
	void aRecipeNameWithSpacesAndWrappedLayerNamesVerify() throws IOException {
		Path dir = TestData.tempDir("verify names");
		Files.copy(TestData.data("zoo/resnet.onnx"), dir.resolve("resnet.onnx"));
		Path recipe = Runs.recipe(dir, "zoo résnet b.qr", """
				recipe zoo_resnet {
					model resnet "resnet.onnx" id RESNET version 1
					prune { pattern channel sparsity 25% }
					schemes unquantized
				}
				""");
		RecipeRunner.Outcome o = Runs.run(recipe, dir.resolve("out"));
		assertTrue(o.exitCode() == 0, o.diagnostics().toString());
		String pdfLayer = "/layers/layers.2/shortcut/shortcut.0/Conv";
		assertTrue(Files.readString(dir.resolve("out/logs/PhIMT0003-resnet.md")).contains("| " + pdfLayer + " |"), "the appendix names " + pdfLayer);
		Verification.Result r = Verification.verify(dir.resolve("out"));
		assertTrue(r.passed(), r.problems().toString());
	}
}
