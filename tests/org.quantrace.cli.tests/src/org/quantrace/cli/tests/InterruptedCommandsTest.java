package org.quantrace.cli.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.quantrace.testing.QuantraceProcess;
import org.quantrace.testing.TestData;
import org.quantrace.testing.Zoo;

/**
 * Ctrl-C (SIGINT) and SIGTERM of the commands other than run, which alone handled them: quantize, evaluate and debug ended
 * at the JVM's default, exit 130 without a word (and SIGTERM 143), leaving whatever a write in progress had made. Now every
 * command's work stops at its next step, says that nothing was written, and exits as the README says (130, 143).
 */
class InterruptedCommandsTest {

	private final Path dir = TestData.tempDir("interrupted-commands");

	/** Starts {@code quantrace ARGS}, sends {@code signal} when a stderr line starts with {@code at}, and returns the exit code and stderr. */
	private static String[] stopped(String signal, String at, String... args) throws IOException, InterruptedException {
		Process p = QuantraceProcess.of(List.of(), args).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
		List<String> seen = new ArrayList<>();
		boolean sent = false;
		try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getErrorStream(), StandardCharsets.UTF_8))) {
			for (String line = r.readLine(); line != null; line = r.readLine()) {
				seen.add(line);
				if (!sent && line.startsWith(at)) {
					assertEquals(0, new ProcessBuilder("kill", "-" + signal, Long.toString(p.pid())).start().waitFor());
					sent = true;
				}
			}
		}
		assertTrue(p.waitFor(120, TimeUnit.SECONDS), "ended: " + seen);
		assertTrue(sent, "the signal was sent at '" + at + "': " + seen);
		return new String[] { Integer.toString(p.exitValue()), String.join("\n", seen) };
	}

	private List<String> files() throws IOException {
		try (Stream<Path> s = Files.list(dir)) {
			return s.map(p -> p.getFileName().toString()).sorted().toList();
		}
	}

	@Test
	void ctrlCOfQuantizeWhileItCalibratesWritesNothingAndSaysSo() throws Exception {
		Path out = dir.resolve("resnet-int8.onnx");
		// the 10,000 test images with entropy calibration: several seconds of batches to stop between
		String[] r = stopped("INT", "calibrating", "quantize", Zoo.dir().resolve("resnet.onnx").toString(), "--scheme", "fiq-int8", "--data",
				Zoo.testImages().toString(), "--labels", Zoo.testLabels().toString(), "--method", "entropy", "-o", out.toString());
		assertEquals("130", r[0], r[1]);
		assertTrue(r[1].contains("quantrace: interrupted; nothing was written (" + out + " is as it was)"), r[1]);
		assertEquals(List.of(), files(), "nothing written, no temporary file");
	}

	@Test
	void sigtermOfEvaluateAndCtrlCOfDebugExitAsTheReadmeSays() throws Exception {
		Path json = dir.resolve("eval.json");
		String[] r = stopped("TERM", "evaluating", "evaluate", Zoo.dir().resolve("resnet.onnx").toString(), Zoo.dir().resolve("vit.onnx").toString(),
				"--data", Zoo.testImages().toString(), "--labels", Zoo.testLabels().toString(), "--batch", "16", "-o", json.toString());
		assertEquals("143", r[0], r[1]);
		assertTrue(r[1].contains("quantrace: interrupted; nothing was written (" + json + " is as it was)"), r[1]);
		Path quantized = Files.createDirectories(TestData.tempDir("interrupted-debug")).resolve("resnet-int8.onnx");
		Cli q = Cli.run("quantize", Zoo.dir().resolve("resnet.onnx").toString(), "--scheme", "fiq-int8", "--data", Zoo.calibrationImages().toString(),
				"-o", quantized.toString());
		assertEquals(0, q.exitCode(), q.err());
		Path debug = dir.resolve("debug");
		r = stopped("INT", "debugging", "debug", Zoo.dir().resolve("resnet.onnx").toString(), quantized.toString(), "--data", Zoo.testImages().toString(),
				"--debug-samples", "5000", "-o", debug.toString());
		assertEquals("130", r[0], r[1]);
		assertTrue(r[1].contains("quantrace: interrupted; nothing was written (" + debug + " is as it was)"), r[1]);
		assertEquals(List.of(), files(), "no folder, no partial folder, no lock");
	}
}
