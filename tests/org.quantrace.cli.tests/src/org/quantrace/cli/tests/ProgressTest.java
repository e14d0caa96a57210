package org.quantrace.cli.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.quantrace.cli.ConsoleProgress;
import org.quantrace.engine.Progress;
import org.quantrace.testing.QuantraceProcess;
import org.quantrace.testing.TestData;

/**
 * The progress line (issue 16, item 10): the rate from measured time (it was whole seconds: "? samples/s" until the
 * first second, 1000 samples/s for 1000 samples in 1.7 s), tqdm's [elapsed<remaining, rate] within 80 columns, and
 * the last state printed once.
 */
class ProgressTest {

	private final long[] now = { 0 };
	private final StringWriter written = new StringWriter();

	private Progress.Task start(boolean terminal, String label) {
		return new ConsoleProgress(new PrintWriter(written), terminal, 80, () -> now[0]).start(label, 1000, "samples");
	}

	/** The states the terminal shows: what each carriage return redraws (trailing spaces that clear a longer line dropped). */
	private List<String> frames() {
		return Arrays.stream(written.toString().split("\r")).map(String::stripTrailing).filter(s -> !s.isEmpty()).toList();
	}

	@Test
	void theLineShowsElapsedRemainingAndTheMeasuredRateInEightyColumns() {
		Progress.Task task = start(true, "evaluating 2 models");
		now[0] = 350_000_000L;
		task.advance(250);
		assertTrue(frames().get(frames().size() - 1).endsWith(" 250/1000 [00:00<00:01, 714 samples/s]"), frames().toString());
		now[0] = 1_400_000_000L;
		task.advance(750);
		task.close();
		List<String> frames = frames();
		String last = frames.get(frames.size() - 1);
		assertEquals(79, last.length(), "the bar takes the room left: " + last);
		assertTrue(last.matches("evaluating 2 models: 100%\\|#+\\| 1000/1000 \\[00:01<00:00, 714 samples/s\\]"), last);
		assertTrue(frames.stream().allMatch(f -> f.length() <= 79), "within 80 columns: " + frames);
		assertEquals(1, written.toString().split("1000/1000", -1).length - 1, "the last state once: " + written);
		assertTrue(written.toString().endsWith("\n") && written.toString().indexOf('\n') == written.toString().length() - 1, written.toString());
	}

	@Test
	void aLongLabelIsShortenedRatherThanWrapped() {
		Progress.Task task = start(true, "calibrating (percentile 99.99) the activations of a model with a very long name indeed");
		now[0] = 2_000_000_000L;
		task.advance(10);
		task.close();
		frames().forEach(f -> assertTrue(f.length() <= 79, f));
		assertTrue(frames().get(frames().size() - 1).contains("... 100%") || frames().get(frames().size() - 1).contains("...:"), frames().toString());
	}

	@Test
	void slowWorkGetsSecondsPerSampleAndLogsGetPlainLines() {
		Progress.Task task = start(false, "quantizing");
		now[0] = 6_000_000_000L;
		task.advance(2);
		now[0] = 9_000_000_000L;
		task.advance(1);
		task.close();
		List<String> lines = written.toString().lines().toList();
		assertEquals("quantizing: 0/1000 samples", lines.get(0));
		assertEquals("quantizing: 2/1000 samples (0%), 3.00 s/sample, 49:54 left", lines.get(1));
		assertEquals("quantizing: 3/1000 samples in 9.00 s (3.00 s/sample)", lines.get(2));
		assertFalse(written.toString().contains("\r"));
	}

	/** End to end, as a terminal shows it: QUANTRACE_PROGRESS=bar, the example's 1,000 images through two models. */
	@Test
	void onATerminalEvaluateEndsWithOneLineThatFits() throws IOException, InterruptedException {
		String model = TestData.example("model/fashion_cnn.onnx").toString();
		String copy = java.nio.file.Files.copy(TestData.example("model/fashion_cnn.onnx"), TestData.tempDir("progress").resolve("fashion_cnn.onnx")).toString();
		ProcessBuilder pb = QuantraceProcess.of(List.of(), "evaluate", model, copy, "--baseline", model, "--data",
				TestData.example("data/evaluation").toString(), "--labels", TestData.example("data/labels.json").toString());
		pb.environment().put("QUANTRACE_PROGRESS", "bar");
		pb.environment().put("COLUMNS", "80");
		pb.redirectOutput(ProcessBuilder.Redirect.DISCARD);
		Process p = pb.start();
		String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
		assertTrue(p.waitFor(120, TimeUnit.SECONDS));
		List<String> frames = Arrays.stream(err.split("[\r\n]")).map(String::stripTrailing).filter(s -> s.contains("samples")).toList();
		assertFalse(frames.isEmpty(), err);
		frames.forEach(f -> assertTrue(f.length() <= 79, "within 80 columns: " + f));
		String last = frames.get(frames.size() - 1);
		assertTrue(last.matches(".*100%.* 1000/1000 \\[\\d\\d:\\d\\d<00:00, \\d+ samples/s\\]"), last);
		assertEquals(1, err.split("1000/1000", -1).length - 1, "the last line once:\n" + err);
	}
}
