package org.quantrace.cli.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import javax.xml.parsers.DocumentBuilderFactory;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.quantrace.testing.TestData;

/**
 * The debugger's charts as a reader needs them (issue 16, item 11): axis titles with units, the layers as the model
 * has them (a Conv with its fused Relu), no path of this machine, a cosine axis that shows the differences, the healthy
 * rmse/scale drawn, flagged points said in words; and accumulated error flagged too.
 */
class DebugChartsTest {

	private static Path dir;
	private static Path charts;
	private static Cli debug;

	@BeforeAll
	static void debug() {
		dir = TestData.tempDir("debug-charts");
		String model = TestData.example("model/fashion_cnn.onnx").toString();
		Path int8 = dir.resolve("int8.onnx");
		Cli q = Cli.run("quantize", model, "--scheme", "fiq-int8", "--data", TestData.example("data/calibration").toString(), "-o", int8.toString());
		assertEquals(0, q.exitCode(), q.err());
		charts = dir.resolve("charts");
		// a threshold the isolated errors of this healthy model stay under, and the accumulated ones reach
		debug = Cli.run("debug", model, int8.toString(), "--data", TestData.example("data/evaluation").toString(), "--labels",
				TestData.example("data/labels.json").toString(), "--threshold", "0.3", "-o", charts.toString());
		assertEquals(0, debug.exitCode(), debug.err());
	}

	private static String chart(String name) throws IOException {
		return Files.readString(charts.resolve("debug_" + name + ".svg"));
	}

	private static List<String> texts(String svg) {
		Matcher m = Pattern.compile("<text[^>]*>([^<]*)</text>").matcher(svg);
		return m.results().map(r -> r.group(1).replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">")).toList();
	}

	@Test
	void axesHaveTitlesWithUnitsAndTheLayersAsTheModelHasThem() throws Exception {
		for (String name : List.of("stddev", "mean_error", "max_abs_error", "mean_squared_error", "sqnr", "cosine_similarity", "rmse_over_scale")) {
			String svg = chart(name);
			DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(charts.resolve("debug_" + name + ".svg").toFile()); // well-formed
			List<String> texts = texts(svg);
			assertTrue(texts.contains("layer (index and op in the float model)"), name + ": " + texts);
			assertTrue(texts.stream().anyMatch(t -> t.matches("\\d+ Conv\\+Relu")), "the convolutions, their Relu fused: " + texts);
			assertFalse(texts.stream().anyMatch(t -> t.matches("\\d+ Relu")), "no layer shown as its fused Relu: " + texts);
			assertFalse(svg.contains(dir.toAbsolutePath().toString()) || svg.contains(TestData.root().toString()), "no path of this machine: " + name);
		}
		assertTrue(texts(chart("sqnr")).contains("SQNR (dB, higher is better)"));
		assertTrue(texts(chart("rmse_over_scale")).contains("rmse / scale (quantization steps)"));
		assertTrue(texts(chart("max_abs_error")).contains("max |error| (activation units)"));
	}

	@Test
	void theCosineAxisIsZoomedToTheData() throws IOException {
		List<Double> ticks = texts(chart("cosine_similarity")).stream().filter(t -> t.matches("-?\\d+(\\.\\d+)?")).map(Double::valueOf).toList();
		assertTrue(ticks.size() >= 3, "ticks: " + ticks);
		assertTrue(ticks.stream().allMatch(t -> t > 0.9 && t <= 1.001), "not a flat 0-1 axis: " + ticks);
	}

	@Test
	void rmseOverScaleShowsTheHealthyLevelAndTheThreshold() throws IOException {
		List<String> texts = texts(chart("rmse_over_scale"));
		assertTrue(texts.contains("healthy ≈ 0.289 (uniform rounding)"), texts.toString());
		assertTrue(texts.contains("threshold 0.3"), texts.toString());
		assertTrue(String.join(" ", texts).contains("Accumulated (errors built up through the layers before):"), "red points explained: " + texts);
	}

	@Test
	void accumulatedErrorBeyondTheThresholdIsFlagged() {
		assertFalse(debug.out().contains("No tensor beyond the threshold, on its own or accumulated."), debug.out());
		assertTrue(debug.out().contains("The accumulated error passes the threshold from layer "), debug.out());
		assertTrue(debug.out().lines().anyMatch(l -> l.endsWith("  accumulated")), debug.out());
		List<String> csv = debug.out().lines().toList();
		assertTrue(csv.stream().anyMatch(l -> l.contains("Conv+Relu")), debug.out());
	}
}
