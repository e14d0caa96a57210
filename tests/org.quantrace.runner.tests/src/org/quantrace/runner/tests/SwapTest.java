package org.quantrace.runner.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.quantrace.engine.InvalidInputException;
import org.quantrace.engine.Progress;
import org.quantrace.runner.RecipeRunner;
import org.quantrace.runner.RunOptions;
import org.quantrace.runner.Shard;
import org.quantrace.runner.Verification;
import org.quantrace.testing.QuantraceProcess;
import org.quantrace.testing.TestData;

/**
 * The output folder holds the old or the new outputs at every instant: a run killed (SIGKILL, nothing of it
 * runs afterwards) at each step of its final swap leaves one of them under the folder's name, the next run
 * puts right what it left, and a second run into a folder in use is refused, not failed.
 */
class SwapTest {

	private final Path base = TestData.tempDir("swap").toAbsolutePath();
	private final Path out = base.resolve("out");
	/** The example's model through two schemes and no data: quick runs whose "old" and "new" outputs differ. */
	private final Path recipe = Runs.recipe(Runs.exampleCopy("swap-recipe").toAbsolutePath(), "swap.qr",
			"recipe swap {\n\tmodel cnn \"model/fashion_cnn.onnx\"\n\tschemes unquantized, drq\n}\n");

	/** An in-process run of the unquantized scheme only (the "old" outputs); returns its SHA256SUMS. */
	private List<String> oldRun() throws IOException {
		RunOptions options = new RunOptions(out, Set.of("unquantized"), Shard.ALL, Runs.TIME, true, Progress.NONE, new PrintWriter(new StringWriter()));
		assertEquals(0, RecipeRunner.run(recipe, options).exitCode());
		return Files.readAllLines(out.resolve("SHA256SUMS"));
	}

	/** quantrace run --only drq (the "new" outputs) in its own JVM, stopped at {@code step} of the swap; returns it paused there. */
	private Process pausedAt(String step, String... jvmOptions) throws IOException {
		List<String> options = new ArrayList<>(List.of("-Dquantrace.test.swapPause=" + step));
		options.addAll(List.of(jvmOptions));
		Process p = QuantraceProcess.of(options, "run", recipe.toString(), "--only", "drq", "-o", out.toString()).redirectErrorStream(true).start();
		List<String> seen = new ArrayList<>();
		BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream()));
		for (String line = r.readLine(); line != null; line = r.readLine()) {
			seen.add(line);
			if (line.equals("quantrace-test: swap paused at " + step)) {
				return p;
			}
		}
		throw new AssertionError("the run ended without pausing at " + step + ": " + seen);
	}

	private static void kill(Process p) throws InterruptedException {
		p.destroyForcibly(); // SIGKILL: no shutdown hook, no cleanup
		assertTrue(p.waitFor(60, TimeUnit.SECONDS));
	}

	/** "old", "new", or what is wrong: the name holds exactly one complete output. */
	private String whatIsThere(List<String> oldSums) throws IOException {
		if (!Files.isDirectory(out)) {
			return "nothing";
		}
		if (Files.isRegularFile(out.resolve("SHA256SUMS")) && Files.readAllLines(out.resolve("SHA256SUMS")).equals(oldSums)
				&& Verification.verify(out).passed()) {
			return "old";
		}
		if (Files.isRegularFile(out.resolve("models/cnn/drq.onnx")) && Verification.verify(out).passed()) {
			return "new";
		}
		return "a broken output";
	}

	@Test
	void aRunKilledAtAnyStepOfTheSwapLeavesTheOldOrTheNewOutputs() throws Exception {
		for (String step : List.of("before-swap", "swapped", "old-deleted")) {
			List<String> oldSums = oldRun();
			kill(pausedAt(step));
			assertEquals(step.equals("before-swap") ? "old" : "new", whatIsThere(oldSums), "killed at " + step);
			if (step.equals("swapped") && Runtime.version().feature() >= 22 && System.getProperty("os.name").startsWith("Linux")) {
				assertTrue(children().stream().anyMatch(n -> n.startsWith(".out.partial-")) && children().stream().noneMatch(n -> n.contains(".old-")),
						"one atomic exchange: the old outputs went where the new ones were, no rename left the name empty: " + children());
			}
			oldRun();
			assertEquals(List.of("out"), children(), "the next run removed what the killed one left (at " + step + ")");
		}
	}

	/** Where folders cannot be exchanged in one step: killed between the two renames, the next run restores the old outputs first. */
	@Test
	void withoutAnAtomicExchangeTheNextRunRestoresTheOldOutputs() throws Exception {
		List<String> oldSums = oldRun();
		kill(pausedAt("old-moved", "-Dquantrace.test.noExchange=true"));
		assertEquals("nothing", whatIsThere(oldSums), "between the renames");
		assertTrue(children().stream().anyMatch(n -> n.startsWith(".out.old-")), "the old outputs beside it: " + children());
		Process next = pausedAt("before-swap", "-Dquantrace.test.noExchange=true");
		assertEquals("old", whatIsThere(oldSums), "restored by the next run before it does anything else");
		assertFalse(children().stream().anyMatch(n -> n.startsWith(".out.old-")), children().toString());
		kill(next);
		oldRun();
		assertEquals(List.of("out"), children());
	}

	/**
	 * Process ids are reused (in a container every run may be process 1): the old outputs a killed run left are
	 * restored even when a live process, or the next run itself, now has the killed one's number. Judged by the
	 * number alone, they stayed hidden beside an empty name for good.
	 */
	@Test
	void theOldOutputsComeBackWhateverProcessNowHasTheKilledRunsNumber() throws Exception {
		List<String> oldSums = oldRun();
		kill(pausedAt("old-moved", "-Dquantrace.test.noExchange=true"));
		Path left = base.resolve(children().stream().filter(n -> n.startsWith(".out.old-")).findFirst().orElseThrow());
		Process live = new ProcessBuilder("sleep", "600").start(); // a live process that has the killed run's number
		try {
			Files.move(left, base.resolve(".out.old-" + live.pid()));
			Process next = pausedAt("before-swap", "-Dquantrace.test.noExchange=true");
			assertEquals("old", whatIsThere(oldSums), "restored although process " + live.pid() + " is alive: " + children());
			kill(next);
		} finally {
			live.destroyForcibly();
		}
		kill(pausedAt("old-moved", "-Dquantrace.test.noExchange=true"));
		left = base.resolve(children().stream().filter(n -> n.startsWith(".out.old-")).findFirst().orElseThrow());
		Files.move(left, base.resolve(".out.old-" + ProcessHandle.current().pid())); // the next run (in this process) has its number
		oldRun();
		assertEquals(List.of("out"), children(), "the run restored the old outputs (then replaced them): nothing left beside the folder");
	}

	@Test
	void aSecondRunIntoAFolderInUseIsRefused() throws Exception {
		List<String> oldSums = oldRun();
		Process first = pausedAt("before-swap");
		InvalidInputException e = assertThrows(InvalidInputException.class, this::oldRun);
		assertTrue(e.getMessage().equals(out + ": another run is writing this output folder now (quantrace run, process " + first.pid() + ")"),
				e.getMessage());
		assertEquals("old", whatIsThere(oldSums), "the refused run touched nothing");
		kill(first);
		oldRun();
		assertEquals(List.of("out"), children(), "a killed holder blocks no one");
	}

	/** Runs in one process (a build running recipes in parallel) are kept apart as well, and the first one's lock survives the refusal. */
	@Test
	void aSecondRunInTheSameProcessIsRefusedToo() throws Exception {
		java.util.concurrent.CountDownLatch calibrating = new java.util.concurrent.CountDownLatch(1);
		java.util.concurrent.CountDownLatch refused = new java.util.concurrent.CountDownLatch(1);
		Progress waiting = (name, total, unit) -> {
			if (name.startsWith("calibrating")) {
				calibrating.countDown();
				try {
					refused.await(60, TimeUnit.SECONDS);
				} catch (InterruptedException e) {
					Thread.currentThread().interrupt();
				}
			}
			return Progress.NONE.start(name, total, unit);
		};
		Path calibrated = TestData.example("fashion_cnn.qr"); // a run that calibrates, to be held there
		var first = java.util.concurrent.CompletableFuture.supplyAsync(() -> Runs.run(calibrated, out, Shard.ALL, waiting).exitCode());
		assertTrue(calibrating.await(120, TimeUnit.SECONDS), "the first run reached calibration");
		InvalidInputException e = assertThrows(InvalidInputException.class, this::oldRun);
		assertTrue(e.getMessage().endsWith("(quantrace run, process " + ProcessHandle.current().pid() + ")"), e.getMessage());
		Process other = QuantraceProcess.of(List.of(), "run", recipe.toString(), "--only", "drq", "-o", out.toString()).redirectErrorStream(true).start();
		String printed = new String(other.getInputStream().readAllBytes());
		assertTrue(other.waitFor(120, TimeUnit.SECONDS));
		assertEquals(2, other.exitValue(), "the refusal in this process left the first run's lock in place: " + printed);
		assertTrue(printed.contains("another run is writing this output folder now (quantrace run, process " + ProcessHandle.current().pid() + ")"), printed);
		refused.countDown();
		assertEquals(0, first.get(120, TimeUnit.SECONDS));
		assertEquals(List.of("out"), children());
	}

	private List<String> children() throws IOException {
		try (Stream<Path> s = Files.list(base)) {
			return s.map(p -> p.getFileName().toString()).sorted().toList();
		}
	}
}
