package org.quantrace.runner.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.quantrace.runner.Verification;
import org.quantrace.runner.Verification.Problem;

/**
 * PhIMT0002 as an assessor reads it against the files (branch assessor12). The example CNN's conversion removes its Dropout, the
 * Dropout's two Constant inputs and two BatchNormalization: 15 nodes, 10 after. The log said "5 nodes removed or folded into a
 * neighbour (Appendix A), 2 constants folded", which reads as 7 gone where 15 - 10 is 5: the constants are two of the five. And a
 * model that arrives frozen (the converted CNN run again) had an Appendix A of a header and no row, a blank the template asks to
 * fill. Both logs verify clean: verify reads the new wording back. And "constant nodes: 2 Constant nodes of the main graph became
 * initializers" sent the assessor looking for two initializers converted.onnx has not: the Dropout they fed took them along.
 */
class AssessorConversionLogTest {

	private static final String GRAPH = "graph: 15 nodes in the verified model, 10 after conversion; 5 nodes removed or folded into a neighbour (Appendix A), "
			+ "2 of them constants (computable before any input arrives)";

	private static Path trained;

	@BeforeAll
	static void run() {
		trained = Runs.fiqInt8Run("conversion-log");
	}

	@Test
	void theFoldedConstantsAreCountedAmongTheNodesRemoved() throws IOException {
		String md = Files.readString(trained.resolve("logs/PhIMT0002-cnn.md"));
		assertTrue(md.contains(GRAPH), md);
		assertFalse(md.contains("constants folded"), md);
		// the Dropout's two Constant inputs went with it: converted.onnx has no initializer of theirs
		assertTrue(md.contains("constant nodes: 2 Constant nodes of the main graph became initializers; 2 of them are not in the converted model: "
				+ "only nodes removed or folded since read them"), md);
		List<Problem> problems = Verification.verify(trained).problems();
		assertTrue(problems.isEmpty(), problems.size() + " mismatches: " + problems);
	}

	/** "Environment information" named the Java runtime by its vendor alone ("Eclipse Adoptium 25.0.3"); Appendix B says "Java 25.0.3 (Eclipse Adoptium)". */
	@Test
	void theEnvironmentNamesJavaAsTheAppendixDoes() throws IOException {
		String md = Files.readString(trained.resolve("logs/PhIMT0002-cnn.md"));
		java.util.regex.Matcher runtime = java.util.regex.Pattern.compile("\\| package \\| (Java [^|]+?) \\|").matcher(md);
		assertTrue(runtime.find(), md);
		assertTrue(md.matches("(?s).*\\| Environment information \\| [^|\n]*, \\d+ CPUs, " + java.util.regex.Pattern.quote(runtime.group(1))
				+ ", ONNX Runtime CPU execution provider( \\||<br>).*"), md);
	}

	/** The constants' count edited in the Markdown alone, every hash recomputed: verify still reads the count and re-derives it. */
	@Test
	void anEditedConstantCountIsFound() {
		Path forged = Tampering.edited(trained, trained.getParent().resolve("forged-constants"), "logs/PhIMT0002-cnn.md", GRAPH,
				GRAPH.replace("2 of them", "3 of them"));
		List<Problem> problems = Verification.verify(forged).problems();
		assertTrue(problems.stream().anyMatch(p -> p.file().equals("logs/PhIMT0002-cnn.md")
				&& p.what().contains("Converter/model conversion script, graph: constants folded: says 3, re-derived 2")), problems.toString());
	}

	/** The converted CNN, which has nothing left to remove, run as the model that arrives. */
	@Test
	void anAppendixOfNoNodeSaysNone() throws IOException {
		Path dir = trained.getParent();
		Files.copy(trained.resolve("models/cnn/converted.onnx"), dir.resolve("model/frozen.onnx"));
		Path out = dir.resolve("frozen-out");
		assertEquals(0, Runs.run(Runs.fiqInt8Recipe(dir, "frozen.qr", "frozen", "model/frozen.onnx"), out).exitCode());
		String frozen = Files.readString(out.resolve("logs/PhIMT0002-cnn.md"));
		assertTrue(frozen.contains("graph: 10 nodes in the verified model, 10 after conversion; no node removed or folded (Appendix A)"), frozen);
		String appendix = frozen.substring(frozen.indexOf("Appendix A. Nodes removed or folded by the conversion\n"), frozen.indexOf("Appendix B. Reproducibility\n"));
		assertFalse(appendix.contains("| node |"), appendix);
		assertTrue(appendix.contains("None: the conversion removed or folded no node of the verified model."), appendix);
		List<Problem> problems = Verification.verify(out).problems();
		assertTrue(problems.isEmpty(), problems.size() + " mismatches: " + problems);
	}
}
