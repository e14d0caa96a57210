package org.quantrace.runner.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.quantrace.runner.Verification;
import org.quantrace.testing.TestData;

/**
 * Documents verify compares by their words only when their layout differs (a chart's labels placed otherwise, read as another
 * machine's font metrics): such a document is not checked whole, and the folder is not verified unless --expect binds it.
 */
class VerifyLayoutTest {

	private static Path example;

	@BeforeAll
	static void run() {
		example = Runs.exampleCopy("verify-layout");
		assertEquals(0, Runs.run(example.resolve("fashion_cnn.qr"), example.resolve("out")).exitCode());
	}

	private static Path out(String name) {
		return Runs.copy(example, TestData.tempDir(name).resolve("fashion-mnist")).resolve("out");
	}

	private static Verification.Result verify(Path out) {
		return Verification.verify(out);
	}

	/**
	 * The same moved series line, with one label of the chart nudged by a pixel: a chart whose words and numbers are the
	 * trace's but whose text is placed otherwise is read as another machine's font metrics, and its lines were not compared, so
	 * main's verify noted it and passed. It is now a document not checked whole: not verified unless --expect binds the folder.
	 */
	@Test
	void aDebuggerChartWithALabelNudgedIsNotVerified() throws IOException {
		Path out = out("forged-chart-label");
		String name = "debug/cnn/fiq_int8/debug_rmse_over_scale.svg";
		Path chart = out.resolve(name);
		String svg = Tampering.read(chart);
		java.util.regex.Matcher m = java.util.regex.Pattern.compile("<line [^>]*y2='([0-9.]+)'[^>]*stroke:rgb\\(0,114,178\\)[^>]*>").matcher(svg);
		assertTrue(m.find(), "a line of a series");
		svg = svg.replace(m.group(), m.group().replace("y2='" + m.group(1) + "'", "y2='" + (Double.parseDouble(m.group(1)) - 40) + "'"));
		java.util.regex.Matcher label = java.util.regex.Pattern.compile("<text x='([0-9.]+)'").matcher(svg);
		assertTrue(label.find(), "a label");
		svg = svg.substring(0, label.start()) + "<text x='" + (Double.parseDouble(label.group(1)) + 1) + "'" + svg.substring(label.end());
		Tampering.write(chart, svg);
		Tampering.rehashAll(out);
		Verification.Result r = verify(out);
		assertFalse(r.verified(), r.problems() + " " + r.notes());
		assertTrue(r.passed() ? r.unchecked().contains(name) : r.problems().stream().anyMatch(p -> p.file().equals(name)), r.problems() + " " + r.unchecked());
	}

}
