package org.quantrace.cli.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.quantrace.testing.TestData;

/**
 * Seeded fuzzing of the recipe parser and validator (issue 16): thousands of mutations of the example recipe, each
 * validated as a user would. Whatever the text, validate answers with exit 0 or 2 and diagnostics in its format,
 * never an exception, a library's log or an internal error, and within a second.
 */
class RecipeFuzzTest {

	static final long SEED = 16;
	static final int MUTATIONS = 2000;
	/**
	 * "Under a second" is the work of one validation, measured as this thread's CPU time: on a machine shared by other
	 * builds the wall clock measures the neighbours too.
	 */
	private static final java.lang.management.ThreadMXBean THREADS = java.lang.management.ManagementFactory.getThreadMXBean();

	private static final String CHARS = "abcdefghijklmnopqrstuvwxyzABCXYZ0123456789 \t\n{}\"%/.,-^:;<>=!_#'\\*()[]é∞\u00a0\u202e\u0000";
	private static final Pattern NUMBER = Pattern.compile("\\d+(\\.\\d+)?");
	private static final List<String> EXTREMES = List.of("0", "-1", "2147483648", "99999999999999999999", "1e309", "0.0000001", "007", "1/0", "-0");

	@Test
	void mutationsOfTheExampleEndWithExit0Or2() throws IOException {
		Path example = TestData.exampleCopy("fuzz-recipes");
		String base = Files.readString(example.resolve("fashion_cnn.qr"));
		List<String> words = vocabulary(base);
		Path file = example.resolve("fuzz.qr");
		Pattern diagnostic = Pattern.compile(Pattern.quote(file.toString()) + ":\\d+:\\d+: (error|warning|info) \\[[a-z-]+\\] .+");
		assertEquals(0, Cli.run("validate", example.resolve("fashion_cnn.qr").toString()).exitCode(), "the example itself, and a warm-up");

		PrintStream stdout = System.out;
		PrintStream stderr = System.err;
		ByteArrayOutputStream stray = new ByteArrayOutputStream();
		List<String> logged = new ArrayList<>(); // what Xtext and EMF log (log4j) where a user would see it
		org.apache.log4j.AppenderSkeleton listener = new org.apache.log4j.AppenderSkeleton() {
			@Override
			protected void append(org.apache.log4j.spi.LoggingEvent e) {
				if (e.getLevel().isGreaterOrEqual(org.apache.log4j.Level.WARN)) {
					logged.add(e.getLevel() + " " + e.getRenderedMessage() + (e.getThrowableInformation() == null ? "" : " " + e.getThrowableInformation().getThrowable()));
				}
			}

			@Override
			public boolean requiresLayout() {
				return false;
			}

			@Override
			public void close() {
				// nothing held
			}
		};
		org.apache.log4j.Logger.getRootLogger().addAppender(listener);
		Random random = new Random(SEED);
		long began = System.nanoTime();
		int valid = 0;
		int invalid = 0;
		long slowest = 0;
		long cpu = 0;
		String slowestText = "";
		try {
			System.setOut(new PrintStream(stray, true, StandardCharsets.UTF_8));
			System.setErr(new PrintStream(stray, true, StandardCharsets.UTF_8));
			for (int i = 0; i < MUTATIONS; i++) {
				String text = mutate(base, random, words);
				Files.writeString(file, text);
				long start = THREADS.getCurrentThreadCpuTime();
				Cli cli = Cli.run("validate", file.toString());
				long millis = (THREADS.getCurrentThreadCpuTime() - start) / 1_000_000;
				cpu += millis;
				if (millis > slowest) {
					slowest = millis;
					slowestText = text;
				}
				String why = cli.exitCode() != 0 && cli.exitCode() != 2 ? "exit " + cli.exitCode()
						: !cli.err().matches("(?s)\\d+ recipes?: \\d+ errors?, \\d+ warnings?\\n") ? "stderr: " + cli.err()
								: cli.out().lines().filter(l -> !diagnostic.matcher(l).matches()).findFirst().map(l -> "a line out of format: " + l)
										.orElse(stray.size() > 0 ? "printed beside the diagnostics: " + stray.toString(StandardCharsets.UTF_8)
												: !logged.isEmpty() ? "logged: " + logged : null);
				if (why != null) {
					fail("mutation " + i + " (seed " + SEED + "): " + why + "\n--- recipe ---\n" + text);
				}
				if (cli.exitCode() == 0) {
					valid++;
				} else {
					invalid++;
				}
			}
		} finally {
			System.setOut(stdout);
			System.setErr(stderr);
			org.apache.log4j.Logger.getRootLogger().removeAppender(listener);
		}
		System.out.printf("recipe fuzz (seed %d): %d mutations, %d valid (exit 0), %d refused (exit 2), slowest %d ms of CPU, %.1f s of CPU and %.1f s in all%n", SEED,
				MUTATIONS, valid, invalid, slowest, cpu / 1e3, (System.nanoTime() - began) / 1e9);
		assertTrue(slowest < 1000, "each under a second; " + slowest + " ms for:\n" + slowestText);
		assertTrue(valid > MUTATIONS / 50 && invalid > MUTATIONS / 2, "mutations both harmless and harmful: " + valid + " / " + invalid);
	}

	/** Found by the fuzzing (mutation 1969): a path with a line break in it made its diagnostic two lines. */
	@Test
	void aLineBreakInARecipeStringStaysInItsDiagnosticLine() throws IOException {
		Path example = TestData.exampleCopy("fuzz-newline");
		Path recipe = Files.writeString(example.resolve("newline.qr"),
				Files.readString(example.resolve("fashion_cnn.qr")).replace("\"data/evaluation\"", "\"d\nata/evaluation\""));
		Cli cli = Cli.run("validate", recipe.toString());
		assertEquals(2, cli.exitCode(), cli.out());
		assertTrue(cli.out().lines().allMatch(l -> l.startsWith(recipe + ":")), "a diagnostic per line: " + cli.out());
		assertTrue(cli.out().contains("\"d\\nata/evaluation\" does not exist"), cli.out());
	}

	/** The example's words, the language's structure and some that are not recipe words at all. */
	private static List<String> vocabulary(String base) {
		Set<String> words = new LinkedHashSet<>();
		for (String w : base.split("[\\s,]+")) {
			if (!w.isBlank()) {
				words.add(w);
			}
		}
		words.addAll(List.of("{", "}", "import", "\"fuzz.qr\"", "\"project.qr\"", "\"/etc/passwd\"", "\"model/fashion_cnn.onnx\"", "recipe", "quantize",
				"extends", "model", "dataset", "schemes", "^schemes", "%", "pt", "x", "-", "..", "\"", "//", "/*", "*/"));
		return new ArrayList<>(words);
	}

	static String mutate(String base, Random r, List<String> words) {
		StringBuilder s = new StringBuilder(base);
		int operations = 1 + r.nextInt(3);
		for (int k = 0; k < operations && s.length() > 0; k++) {
			int at = r.nextInt(s.length() + 1);
			switch (r.nextInt(9)) {
			case 0 -> s.delete(at, Math.min(s.length(), at + 1 + r.nextInt(12)));
			case 1 -> s.insert(at, CHARS.charAt(r.nextInt(CHARS.length())));
			case 2 -> s.insert(at, " " + words.get(r.nextInt(words.size())) + " ");
			case 3, 4, 5 -> {
				List<String> lines = new ArrayList<>(s.toString().lines().toList());
				int i = r.nextInt(lines.size());
				int j = r.nextInt(lines.size());
				switch (r.nextInt(3)) {
				case 0 -> lines.add(j, lines.get(i));
				case 1 -> lines.remove(i);
				default -> {
					String t = lines.get(i);
					lines.set(i, lines.get(j));
					lines.set(j, t);
				}
				}
				s = new StringBuilder(String.join("\n", lines)).append('\n');
			}
			case 6 -> s.setLength(at);
			case 7 -> {
				var m = NUMBER.matcher(s);
				List<int[]> numbers = new ArrayList<>();
				while (m.find()) {
					numbers.add(new int[] { m.start(), m.end() });
				}
				if (!numbers.isEmpty()) {
					int[] n = numbers.get(r.nextInt(numbers.size()));
					s.replace(n[0], n[1], EXTREMES.get(r.nextInt(EXTREMES.size())));
				}
			}
			default -> {
				var m = Pattern.compile("[A-Za-z_][\\w-]*").matcher(s);
				List<int[]> found = new ArrayList<>();
				while (m.find()) {
					found.add(new int[] { m.start(), m.end() });
				}
				if (!found.isEmpty()) {
					int[] w = found.get(r.nextInt(found.size()));
					s.replace(w[0], w[1], words.get(r.nextInt(words.size())));
				}
			}
			}
		}
		return s.toString();
	}
}
