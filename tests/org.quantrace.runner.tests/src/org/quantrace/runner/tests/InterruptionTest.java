package org.quantrace.runner.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.quantrace.engine.Progress;
import org.quantrace.runner.Shard;
import org.quantrace.runner.Verification;
import org.quantrace.testing.TestData;

/** A run that does not finish leaves the previous outputs as they were. */
class InterruptionTest {

	private Path base;
	private Path out;
	private List<String> before;

	@BeforeEach
	void earlierRun() throws IOException {
		base = TestData.tempDir("interrupt").toAbsolutePath();
		out = base.resolve("out");
		assertEquals(0, Runs.run(TestData.example("fashion_cnn.qr"), out).exitCode());
		before = Files.readAllLines(out.resolve("SHA256SUMS"));
	}

	@Test
	void aRunFailingDuringCalibrationLeavesTheEarlierOutput() throws IOException {
		Progress failing = (name, total, unit) -> {
			if (name.startsWith("calibrating")) {
				throw new IllegalStateException("interrupted during calibration");
			}
			return Progress.NONE.start(name, total, unit);
		};
		assertThrows(IllegalStateException.class, () -> Runs.run(TestData.example("fashion_cnn.qr"), out, Shard.ALL, failing));
		assertEquals(before, Files.readAllLines(out.resolve("SHA256SUMS")));
		assertTrue(Verification.verify(out).passed());
		assertEquals(List.of("out"), children(), "the partial output is removed");
	}

	/**
	 * A stop asked for after the last batch, while the trace, logs and report are written (the command line's first
	 * Ctrl-C or SIGTERM then: about a third of the example's run), came to nothing: no progress step was left to see
	 * it, the new outputs replaced the earlier ones, and the command exited 0 after it had printed "stopping".
	 */
	@Test
	void aStopAskedForWhileTheRecordsAreWrittenLeavesTheEarlierOutput() throws IOException {
		boolean[] lastBatchDone = { false };
		Progress stopAfterTheLastBatch = (name, total, unit) -> {
			if (lastBatchDone[0]) {
				throw new IllegalStateException("stopped after the last batch");
			}
			Progress.Task task = Progress.NONE.start(name, total, unit);
			return new Progress.Task() {
				@Override
				public void advance(long amount) {
					task.advance(amount);
				}

				@Override
				public void close() {
					task.close();
					lastBatchDone[0] |= name.startsWith("debugging"); // the example's last batched step
				}
			};
		};
		assertThrows(IllegalStateException.class, () -> Runs.run(TestData.example("fashion_cnn.qr"), out, Shard.ALL, stopAfterTheLastBatch));
		assertEquals(before, Files.readAllLines(out.resolve("SHA256SUMS")), "the earlier outputs stay");
		assertEquals(List.of("out"), children(), "the partial output is removed");
	}

	/**
	 * The real thing: the command line in its own JVM, stopped (SIGTERM, then Ctrl-C's SIGINT) and then killed (SIGKILL)
	 * while it calibrates. A stopped run exits as shells report a process that signal ended: 128 + 15 = 143 for SIGTERM,
	 * 128 + 2 = 130 for SIGINT (SIGTERM gave 130 before, as if the user had pressed Ctrl-C).
	 */
	@Test
	void killingTheCommandLineDuringCalibrationLeavesTheEarlierOutput() throws Exception {
		Path plugins = TestData.path("releng/org.quantrace.repository/target/repository/plugins");
		for (String signal : new String[] { "TERM", "INT", "KILL" }) {
			boolean forcibly = signal.equals("KILL");
			// ONNX Runtime's native teardown can crash a JVM stopped mid-inference: its report goes to the temp folder, not the checkout
			Process p = new ProcessBuilder(ProcessHandle.current().info().command().orElse("java"), "--enable-native-access=ALL-UNNAMED",
					"-XX:ErrorFile=" + base.getParent().resolve("hs_err_%p.log"), "-cp", plugins + "/*", "org.quantrace.cli.Main", "run",
					TestData.example("fashion_cnn.qr").toString(), "-o", out.toString()).redirectErrorStream(true).start();
			List<String> seen = new ArrayList<>();
			try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream()))) {
				for (String line = r.readLine(); line != null; line = r.readLine()) {
					seen.add(line);
					if (line.startsWith("calibrating")) {
						switch (signal) {
						case "KILL" -> p.destroyForcibly();
						case "TERM" -> p.destroy();
						default -> assertEquals(0, new ProcessBuilder("kill", "-INT", Long.toString(p.pid())).start().waitFor());
						}
						break;
					}
				}
			}
			assertTrue(p.waitFor(60, TimeUnit.SECONDS), "the run ended");
			if (!forcibly) {
				assertEquals(signal.equals("TERM") ? 143 : 130, p.exitValue(), "SIG" + signal + " stops the run between two batches: " + seen);
			}
			assertTrue(seen.stream().anyMatch(l -> l.startsWith("calibrating")), "killed while calibrating: " + seen);
			assertEquals(before, Files.readAllLines(out.resolve("SHA256SUMS")), "SIG" + signal);
			assertTrue(Verification.verify(out).passed());
			if (!forcibly) {
				assertEquals(List.of("out"), children(), "SIG" + signal + ": the shutdown hook removed the partial output");
			}
		}
		assertEquals(0, Runs.run(TestData.example("fashion_cnn.qr"), out).exitCode());
		assertEquals(List.of("out"), children(), "the next run removes what a killed run left");
	}

	private List<String> children() throws IOException {
		try (Stream<Path> s = Files.list(base)) {
			return s.map(p -> p.getFileName().toString()).sorted().toList();
		}
	}
}
