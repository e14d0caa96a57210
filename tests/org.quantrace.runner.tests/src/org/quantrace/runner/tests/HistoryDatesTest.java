package org.quantrace.runner.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.quantrace.dsl.RecipeFiles;
import org.quantrace.runner.RecipeRunner;
import org.quantrace.runner.Verification;
import org.quantrace.testing.TestData;

/**
 * A document history entry dated after the run (the assessor's pass: r3's "2.0" dated 2027/01/15, six weeks after the
 * run, printed in PhIMT0003 and accepted silently): bad input before any work, on the entry's line, with the run's
 * date and the fix; and verify names a log whose history is dated after the log was generated.
 */
class HistoryDatesTest {

	private static final String ENTRY = "\t\thistory \"1.1\" 2026/11/24 \"The deck's five schemes, evaluated on 1,000 images\"";

	/** The example's recipe with the drq scheme only (and so no debug step). */
	private static String drqOnly(Path example) {
		String text = Runs.exampleRecipe(example, "cnn", "model/fashion_cnn_trained.onnx", "drq");
		assertTrue(text.contains(DEBUG), text);
		return text.replace(DEBUG, "");
	}

	private static final String DEBUG = "\tdebug fiq_int8 threshold rmse/scale > 0.5\n";

	@Test
	void anEntryDatedAfterTheRunIsBadInputOnItsLine() throws Exception {
		Path example = Runs.exampleCopy("history-after-run");
		// after the run's date (Runs.TIME, 2026-11-24), before today: the language's check (against today) passes, the run's refuses
		String text = drqOnly(example)
				.replace(ENTRY, ENTRY + "\n\t\thistory \"1.2\" 2026/11/30 \"Not run yet\"");
		assertTrue(text.contains("2026/11/30"), text);
		Path recipe = Runs.recipe(example, "later.qr", text);
		Path out = example.resolve("out");
		RecipeRunner.Outcome o = Runs.run(recipe, out);
		assertEquals(2, o.exitCode(), o.diagnostics().toString());
		List<RecipeFiles.Diagnostic> future = o.diagnostics().stream().filter(d -> d.code().equals("future-date")).toList();
		assertEquals(1, future.size(), o.diagnostics().toString());
		RecipeFiles.Diagnostic d = future.get(0);
		int line = List.of(text.split("\n", -1)).indexOf("\t\thistory \"1.2\" 2026/11/30 \"Not run yet\"") + 1;
		assertEquals(line, d.line(), d.toString());
		assertTrue(d.file().toString().endsWith("later.qr"), d.toString());
		assertTrue(d.message().contains("2026/11/30") && d.message().contains("the run's date") && d.message().contains("2026/11/24")
				&& d.message().contains("date it on or before 2026/11/24"), d.message());
		assertFalse(Files.exists(out), "nothing run");
	}

	@Test
	void verifyNamesALogWhoseHistoryIsDatedAfterItWasGenerated() {
		Path example = Runs.exampleCopy("history-edited");
		Path recipe = Runs.recipe(example, "one.qr", drqOnly(example));
		Path out = example.resolve("out");
		assertEquals(0, Runs.run(recipe, out).exitCode());
		assertTrue(Verification.verify(out).passed());
		Tampering.replace(out.resolve("logs/PhIMT0003-cnn.md"), "| V1.1 | 2026/11/24 |", "| V1.1 | 2027/01/15 |");
		Tampering.resum(out);
		Verification.Result r = Verification.verify(out);
		assertTrue(r.problems().stream().anyMatch(p -> p.file().equals("logs/PhIMT0003-cnn.md")
				&& p.what().equals("Review / Modification History, V1.1, date: says 2027/01/15, re-derived on or before 2026/11/24, the date the log was generated (in trace.xmi)")),
				r.problems().toString());
	}
}
