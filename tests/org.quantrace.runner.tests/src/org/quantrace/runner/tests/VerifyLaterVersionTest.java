package org.quantrace.runner.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.quantrace.engine.InvalidInputException;
import org.quantrace.runner.Verification;

/**
 * A folder a later Quantrace wrote, whose trace holds a feature this version's metamodel lacks: verify said "not a readable
 * Quantrace trace ... the trace is damaged or not Quantrace's: nothing in this folder can be checked; run the recipe again"
 * (hostile8: main's CLI of 2026-12-05 06:32 on a folder its 23:35 build wrote, whose trace holds rewrittenParametersCounted),
 * sending the user to replace sound evidence. Now it names the version that wrote the folder and says to verify with that
 * one; a trace that names this version and does not load is damaged, as before.
 */
class VerifyLaterVersionTest {

	@Test
	void aTraceALaterVersionWroteIsSaidToBeThatVersionsNotDamaged() throws IOException {
		Path example = Runs.exampleCopy("later-version");
		Path out = example.resolve("out");
		assertEquals(0, Runs.run(Runs.recipe(example, "int8.qr", Runs.exampleRecipe(example, "int8", "model/fashion_cnn.onnx", "fiq_int8")), out).exitCode());
		Path trace = out.resolve("trace.xmi");
		String text = Files.readString(trace);
		String version = org.quantrace.engine.Versions.quantrace();
		String tool = "<tools name=\"Quantrace\" version=\"" + version + "\"/>";
		assertTrue(text.contains(tool), "the trace names the version that wrote it: " + tool);
		String later = text.replace(tool, "<tools name=\"Quantrace\" version=\"9.0.0.v20991231-2359\"/>").replaceFirst("<environment ",
				"<environment energyJoules=\"12.5\" ");
		Files.writeString(trace, later);
		InvalidInputException e = assertThrows(InvalidInputException.class, () -> Verification.verify(out));
		assertTrue(e.getMessage().startsWith(trace.toRealPath() + ": written by Quantrace 9.0.0.v20991231-2359, whose trace this Quantrace (" + version
				+ ") cannot read ("), e.getMessage());
		assertTrue(e.getMessage().contains("Feature 'energyJoules' not found."), e.getMessage());
		assertEquals("verify the folder with Quantrace 9.0.0.v20991231-2359 or a later version; it is not shown damaged: do not run the recipe into it again,"
				+ " which would replace it", e.hint());
		Files.writeString(trace, later.replace("9.0.0.v20991231-2359", version));
		InvalidInputException damaged = assertThrows(InvalidInputException.class, () -> Verification.verify(out));
		assertTrue(damaged.getMessage().startsWith(trace.toRealPath() + ": not a readable Quantrace trace ("), damaged.getMessage());
		assertTrue(damaged.getMessage().contains("Feature 'energyJoules' not found."), damaged.getMessage());
		assertTrue(damaged.hint().contains("the trace is damaged or not Quantrace's"), damaged.hint());
	}
}
