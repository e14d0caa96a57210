package org.quantrace.runner.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.quantrace.runner.Verification;
import org.quantrace.runner.Verification.Problem;

/**
 * A recipe pruning channels by criterion activation (issue 13): the trace records the samples scored on and each channel space's
 * scores and removed channels, PhIMT0003 says them, and verify re-derives from the recorded scores that the channels removed are
 * the lowest under the layer floor. A forger who gives a removed channel the score of a kept one is named.
 */
class VerifyActivationPruningTest {

	/** Also AssessorWildLogTest's pruned run. */
	static final String RECIPE = """
			import "project.qr"

			recipe act {
				responsible "Quantrace example"
				model cnn "model/fashion_cnn_trained.onnx" id FASHION-CNN version 1
				dataset calib "data/calibration" role calibration labels "data/labels.json" samples 100
				dataset eval "data/evaluation" role evaluation labels "data/labels.json" samples 100
				preprocess { grayscale scale 1/255 }
				prune {
					criterion activation
					pattern channel
					scope global
					sparsity 10 %
				}
				schemes fiq_int8
				evaluate on eval metrics accuracy
			}
			""";

	private static Path out;

	private static synchronized Path out() {
		if (out == null) {
			Path example = Runs.exampleCopy("activation-prune");
			out = example.resolve("out");
			assertEquals(0, Runs.run(Runs.recipe(example, "act.qr", RECIPE), out).exitCode());
		}
		return out;
	}

	@Test
	void theScoresAndSamplesAreRecordedSaidAndVerified() throws IOException {
		String trace = Files.readString(out().resolve("trace.xmi"));
		assertTrue(trace.contains("criterion=\"activation\""), "the criterion as applied");
		assertTrue(Pattern.compile("key=\"channels scored on\" value=\"100 samples of dataset 'calib' \\(SHA-256 of the float32 inputs fed: [0-9a-f]{64}\\)\"")
				.matcher(trace).find(), "the samples: count, dataset, hash");
		assertTrue(trace.contains("key=\"channel scores: "), "each space's scores");
		String log;
		try (Stream<Path> files = Files.walk(out())) {
			Path md = files.filter(f -> f.getFileName().toString().matches("PhIMT0003.*\\.md")).findFirst().orElseThrow();
			log = Files.readString(md);
		}
		assertTrue(log.contains("channels scored on: 100 samples of dataset 'calib'"), "PhIMT0003 names the samples");
		assertTrue(Pattern.compile("channels of [^:]+: \\d+ of \\d+ removed \\(channel: score\\) \\d+: \\d").matcher(log).find(), "PhIMT0003 names the removed channels and their scores");
		assertTrue(log.contains("Molchanov"), "PhIMT0003 cites the mean-activation criterion, not filter pruning by L1 norm");
		Verification.Result verified = Verification.verify(out());
		assertTrue(verified.passed(), verified.problems().toString());
	}

	/** The first space with a removed channel: that channel's score and the highest kept score of the space swapped. */
	@Test
	void aRemovedChannelGivenAKeptChannelsScoreIsNamed() {
		Path forged = Runs.copy(out(), out().resolveSibling("out-swapped"));
		Path tracePath = forged.resolve("trace.xmi");
		String text = Tampering.read(tracePath);
		Matcher m = Pattern.compile("(key=\"channel scores: [^\"]+\" value=\")removed (\\d+)[^;]*; scores ([^\"]+)\"").matcher(text);
		assertTrue(m.find(), "a space with a removed channel");
		int removed = Integer.parseInt(m.group(2));
		String[] scores = m.group(3).split(" ");
		int highest = 0;
		for (int c = 1; c < scores.length; c++) {
			highest = Double.parseDouble(scores[c]) > Double.parseDouble(scores[highest]) ? c : highest;
		}
		String swap = scores[removed];
		scores[removed] = scores[highest];
		scores[highest] = swap;
		String value = m.group(0).replace("; scores " + m.group(3), "; scores " + String.join(" ", scores));
		String edited = text.substring(0, m.start()) + value + text.substring(m.end());
		assertNotEquals(text, edited);
		Tampering.write(tracePath, edited);
		Tampering.rehashAll(forged);
		List<Problem> problems = Verification.verify(forged).problems().stream().filter(p -> p.file().equals("trace.xmi")).toList();
		String named = "channel " + removed + ": says removed with score " + Double.parseDouble(scores[removed]);
		assertTrue(problems.stream().anyMatch(p -> p.what().contains(named) && p.what().contains("not the lowest-scored channels")),
				named + " not found: " + problems);
	}
}
