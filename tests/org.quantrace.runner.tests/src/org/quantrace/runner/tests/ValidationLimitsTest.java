package org.quantrace.runner.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.quantrace.dsl.RecipeFiles;
import org.quantrace.engine.calibrate.HistogramCollector;
import org.quantrace.testing.TestData;

/**
 * The recipe validator and the engine agree on what a calibration may ask for: a recipe validates exactly
 * when the engine takes it, so a run never fails half-way on a setting the editor accepted (issue 16, item 4).
 * Catches drift whichever side changes its rule.
 */
class ValidationLimitsTest {

	private static final Path DIR = TestData.tempDir("limits");

	private static boolean validates(String calibration) throws IOException {
		Path file = Files.writeString(DIR.resolve("limits.qr"), "quantize q { calibrate " + calibration + " }\n");
		return !RecipeFiles.load(file).hasErrors();
	}

	private static boolean engineTakes(int bins, HistogramCollector.Mode mode) {
		try {
			new HistogramCollector(bins, mode);
			return true;
		} catch (IllegalArgumentException e) {
			return false;
		}
	}

	@ParameterizedTest
	@ValueSource(ints = { 0, 2, 16, 64, 126, 127, 128, 129, 130, 254, 255, 256, 2048, 2049, 4096, 16384, 16385, 16386, 65536, 262144 })
	void theValidatorAcceptsExactlyTheBinCountsTheHistogramsTake(int bins) throws IOException {
		assertEquals(engineTakes(bins, new HistogramCollector.Percentile(99.9)), validates("percentile 99.9 bins " + bins), "percentile, bins " + bins);
		assertEquals(engineTakes(bins, new HistogramCollector.Entropy(128)), validates("entropy bins " + bins), "entropy, bins " + bins);
		assertEquals(engineTakes(bins, new HistogramCollector.L2(256)), validates("l2 bins " + bins), "l2, bins " + bins);
	}
	/** The opsets a conversion may ask for: the validator refuses what the engine's upgrade refuses ('opset 99' stopped a run at the conversion, without a line). */
	@ParameterizedTest
	@ValueSource(ints = { 13, 17, 20, 21, 22, 25, 99 })
	void theValidatorAcceptsExactlyTheOpsetsTheUpgradeWrites(int opset) throws IOException {
		Path file = Files.writeString(DIR.resolve("opset.qr"), "recipe r {\n\tmodel m \"m.onnx\"\n\tconvert { opset " + opset + " }\n}\n");
		boolean validates = RecipeFiles.load(file).errors().stream().noneMatch(d -> d.code().equals("value-range"));
		boolean engineTakes;
		try {
			org.quantrace.engine.onnx.OpsetUpgrade.upgrade(org.quantrace.engine.onnx.OnnxModel.load(TestData.path("tests/data/models/fashion_mnist_cnn.onnx")), opset, "cnn",
					java.util.Map.of());
			engineTakes = true;
		} catch (org.quantrace.engine.InvalidInputException e) {
			engineTakes = false;
		}
		assertEquals(engineTakes, validates, "opset " + opset);
	}
}
