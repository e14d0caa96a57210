package org.quantrace.runner.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.quantrace.engine.Progress;
import org.quantrace.model.trace.RunWarning;
import org.quantrace.runner.RecipeRunner;
import org.quantrace.runner.RunOptions;
import org.quantrace.runner.Shard;
import org.quantrace.runner.Verification;
import org.quantrace.runner.Verification.Problem;

/**
 * A Gemm reading raw tabular features (0-1000 beside features under one step) under fiq_float32: the model's I/O is float, but
 * its integer Gemm quantizes the input at one uint8 scale, which rounds 3 of the 4 features away as an int8 input would
 * (newuser60's tabraw, breast-cancer's raw features: fiq-float32 0.9708 → 0.6667 with nothing said). The run warns
 * (quantize-input-resolution) with the scale the file's QuantizeLinear holds; verify derives it from that scale and the
 * calibration data, so a warning struck is named. Its input's range reaches 2,000: fiq_int8's worked example (the input, an
 * activation under int8 I/O) prints it without a thousands separator, which verify read as two numbers (tabraw: "says [0,3, 234],
 * re-derived [0, 3234]" in every log format).
 */
class RawFeaturesFloatIoTest {

	private static Path out;
	private static String console;
	private static RecipeRunner.Outcome outcome;

	@BeforeAll
	static void run() throws IOException {
		Path dir = Files.createTempDirectory("raw-features");
		InputResolutionWarningTest.write(dir, false);
		String recipe = """
				recipe tabular {
					responsible "tests"
					model tab "tab.onnx" id TAB version 1
					dataset data "x.npy" role calibration format npy labels "y.npy"
					schemes fiq_float32, fiq_int8
					evaluate on data metrics accuracy
				}
				""";
		out = dir.resolve("out");
		StringWriter log = new StringWriter();
		outcome = RecipeRunner.run(Runs.recipe(dir, "tab.qr", recipe), new RunOptions(out, Set.of(), Shard.ALL, Runs.TIME, true, Progress.NONE, new PrintWriter(log)));
		console = log.toString();
		assertEquals(0, outcome.exitCode(), console + outcome.diagnostics());
	}

	@Test
	void theWarningIsRecordedWithTheFilesScale() {
		List<RunWarning> w = outcome.trace().getWarnings().stream().filter(x -> "quantize-input-resolution".equals(x.getCode())
				&& x.getMessage().startsWith("scheme fiq_float32")).toList();
		assertEquals(1, w.size(), outcome.trace().getWarnings() + console);
		String m = w.get(0).getMessage();
		assertTrue(m.startsWith("scheme fiq_float32: input 'x': 3 of its 4 features span fewer than 4 steps of the input's one uint8 scale ")
				&& m.contains(" its integer layers quantize it with (float32 I/O)") && m.contains("exclude the layers reading it")
				&& !m.contains("the input stays float32") && !m.contains("quantize with float32 I/O"), m);
		assertTrue(console.contains("fiq_float32: warning: input 'x': 3 of its 4 features"), console);
	}

	@Test
	void theWorkedExampleOfTheInputHasNoThousandsSeparator() throws IOException {
		String md = Files.readString(out.resolve("logs/PhIMT0003-tab.md"));
		java.util.regex.Matcher m = java.util.regex.Pattern.compile("example \\(activations\\): x, range \\[([^\\]]+)\\]").matcher(md);
		assertTrue(m.find(), md);
		assertTrue(m.group(1).matches("-?[\\d.]+, [\\d.]+") && Double.parseDouble(m.group(1).split(", ")[1]) >= 1000, m.group());
	}

	@Test
	void theRunVerifiesClean() {
		assertEquals(List.of(), Verification.verify(out).problems());
	}

	@Test
	void aWarningLeftOutIsFound() {
		List<Problem> problems = Tampering.traceForged(out, "no-raw-warning", t -> t.getWarnings().removeIf(x -> "quantize-input-resolution".equals(x.getCode())));
		assertTrue(problems.stream().anyMatch(p -> p.what().contains("warning [quantize-input-resolution] of model tab, scheme fiq_float32: recorded {}, re-derived"
				+ " from the calibration data and the model files {x=3 of 4 features short, worst [3, 1, 2], rounded}")), problems.toString());
	}
}
