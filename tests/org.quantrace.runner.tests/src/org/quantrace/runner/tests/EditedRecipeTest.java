package org.quantrace.runner.tests;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;

import org.junit.jupiter.api.Test;
import org.quantrace.dsl.RecipeFiles;
import org.quantrace.engine.Progress;
import org.quantrace.engine.SafeFiles;
import org.quantrace.runner.RecipeRunner;
import org.quantrace.runner.RunOptions;
import org.quantrace.runner.Shard;
import org.quantrace.runner.Verification;

/**
 * A recipe, and a file it imports, edited after the run parsed them (hostile19): the run read each file again to copy it into
 * recipe/ and hash it, and checked its models and data in between (seconds on a large dataset), so the outputs held and hashed
 * the edited text beside the results of the text that ran, and verify --outputs-only then held the pipelines against a recipe
 * that had not run. The copy and the hashes are now of the bytes parsed.
 */
class EditedRecipeTest {

	@Test
	void theRecipeCopyAndItsHashAreTheTextThatRanNotTheFileEditedSince() throws IOException {
		Path ex = Runs.exampleCopy("edited-recipe").toAbsolutePath();
		Path recipe = Runs.recipe(ex, "cnn.qr", Runs.exampleRecipe(ex, "cnn", "model/fashion_cnn_trained.onnx", "fiq_int8")
				.replace("labels \"data/labels.json\"\n", "labels \"data/labels.json\" samples 20\n")
				.replace("\taccept when accuracy drop < 1 pt for fiq_int8\n", "")); // 20 samples: a criterion is not what this test is about
		Path imported = ex.resolve("project.qr");
		byte[] ran = Files.readAllBytes(recipe);
		byte[] importRan = Files.readAllBytes(imported);
		RecipeFiles.Loaded loaded = RecipeFiles.load(recipe);
		assertTrue(loaded.diagnostics().isEmpty(), loaded.diagnostics().toString());
		// edited once parsed: another scheme, another approver
		Files.writeString(recipe, Files.readString(recipe).replace("schemes fiq_int8", "schemes drq").replace("for fiq_int8", "for drq")
				.replace("debug fiq_int8", "debug drq"));
		Files.writeString(imported, Files.readString(imported).replace("B. Approver", "C. Someone Else"));

		Path out = ex.resolve("out");
		RunOptions options = new RunOptions(out, Set.of(), Shard.ALL, Runs.TIME, true, Progress.NONE, new PrintWriter(new StringWriter()));
		RecipeRunner.Outcome outcome = RecipeRunner.run(loaded, options);
		assertEquals(0, outcome.exitCode(), outcome.diagnostics().toString());
		assertTrue(Files.exists(out.resolve("models/cnn/fiq_int8.onnx")), "the text parsed ran");
		assertArrayEquals(ran, Files.readAllBytes(out.resolve("recipe/cnn.qr")), "the copy is the recipe that ran");
		assertArrayEquals(importRan, Files.readAllBytes(out.resolve("recipe/project.qr")), "the import's copy is the file that ran");
		String trace = Files.readString(out.resolve("trace.xmi"));
		assertTrue(trace.contains("recipeSha256=\"" + SafeFiles.sha256(ran) + "\""), "the recipe's hash is of the text that ran");
		assertTrue(trace.contains("sha256=\"" + SafeFiles.sha256(importRan) + "\"") && !trace.contains(SafeFiles.sha256(imported)), "the import's too");
		// the folder agrees with itself; with the recipe where it is, verify says the recipe changed since the run, which is true
		Verification.Result alone = Verification.verify(out, new Verification.Options(null, null, true, false, Progress.NONE));
		assertTrue(alone.passed(), alone.problems().toString());
		Verification.Result withRecipe = Verification.verify(out);
		assertTrue(withRecipe.problems().stream().anyMatch(p -> p.toString().contains("project.qr")), withRecipe.problems().toString());
	}
}
