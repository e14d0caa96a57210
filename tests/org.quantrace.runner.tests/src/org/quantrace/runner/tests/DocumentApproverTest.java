package org.quantrace.runner.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.quantrace.runner.RecipeRunner;
import org.quantrace.runner.Verification;

/**
 * A recipe whose logs will name no approver says so when it runs, and the logs say "not declared" (the assessor's pass:
 * no document block gave logs without approver or reviewer and no warning; approved-by "" an empty cell).
 */
class DocumentApproverTest {

	@ParameterizedTest
	@CsvSource(delimiter = '|', value = { "none|", "blank|\tdocument { approved-by \"\" reviewed-by \" \" }" })
	void theRunWarnsAndTheLogSaysNotDeclared(String name, String document) throws Exception {
		Path example = Runs.exampleCopy("approver-" + name);
		String text = Runs.exampleRecipe(example, "cnn", "model/fashion_cnn_trained.onnx", "drq").replace("\tdebug fiq_int8 threshold rmse/scale > 0.5\n", "")
				.replace("import \"project.qr\"\n", "");
		int from = text.indexOf("\tdocument extends example_project {");
		text = text.substring(0, from) + (document == null ? "" : document + "\n") + text.substring(text.indexOf("\t}\n", from) + 3);
		Path recipe = Runs.recipe(example, name + ".qr", text);
		Path out = example.resolve("out");
		RecipeRunner.Outcome o = Runs.run(recipe, out);
		assertEquals(0, o.exitCode(), o.diagnostics().toString());
		assertTrue(o.diagnostics().stream().anyMatch(d -> d.code().equals("missing-approver") && d.message().contains("no approver")), o.diagnostics().toString());
		for (String log : new String[] { "PhIMT0002-cnn.md", "PhIMT0003-cnn.md" }) {
			String md = Files.readString(out.resolve("logs/" + log));
			assertTrue(md.contains("| Approved by | not declared in the recipe's document block |"), log + ":\n" + md.substring(0, 1500));
			assertTrue(md.contains("| Reviewed by | not declared in the recipe's document block |"), log);
		}
		assertTrue(Files.readString(out.resolve("results.json")).contains("\"missing-approver\""), "the run's warning is recorded");
		Verification.Result r = Verification.verify(out);
		assertTrue(r.passed(), r.problems().toString());
	}
}
