package org.quantrace.cli.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.quantrace.testing.TestData;

/**
 * Counts that make a figure say little, found by hostile11 and run to "Accepted." without a word: a calibration of one
 * sample and a top-k accuracy on a model of fewer classes than k. The iris MLP (3 classes, trained on Fisher's iris,
 * tests/data/wild/hostile12/make_iris.py): calibrated on 1 sample, its fiq_int8 variant loses 1.33 pt, on the 150 0.67 pt;
 * its top-3 accuracy is 1.0 for every variant. A recipe and the commands say both by the same rules.
 */
class DeclaredCountsCommandsTest {

	private final Path dir = TestData.tempDir("declared-counts");

	private Path iris(String recipe) throws IOException {
		for (String f : new String[] { "iris.csv", "iris_mlp.onnx" }) {
			Files.copy(TestData.data("wild/hostile12/" + f), dir.resolve(f));
		}
		return Files.writeString(dir.resolve("iris.qr"), recipe);
	}

	@Test
	void aOneSampleCalibrationAndATopKOfNoLessThanTheClassesAreWarnedOfOnTheirLinesRecordedAndVerified() throws IOException {
		Path recipe = iris("""
				recipe iris "Iris: three classes" {
					responsible "test"
					model mlp "iris_mlp.onnx" id IRIS version 1
					dataset calib "iris.csv" role calibration samples 1
					dataset eval "iris.csv" role evaluation
					dataset calib2 "iris.csv" role calibration
					quantize one extends fiq_int8 { calibrate minmax on calib }
					quantize few extends fiq_int8 { calibrate minmax on calib2 samples 4 }
					schemes unquantized, one, few
					evaluate on eval metrics accuracy, top-k-accuracy
					document { approved-by "A. Approver" reviewed-by "R. Reviewer" }
				}
				""");
		Cli validate = Cli.run("validate", recipe.toString());
		String said = validate.out() + validate.err();
		assertEquals(0, validate.exitCode(), said);
		assertTrue(said.contains(recipe + ":4:52: warning [calibration-samples] dataset calib declares samples 1 and calibrates one: a calibration of 1"
				+ " sample sets each tensor's range from it alone: a new sample exceeds the largest value 1 sample gave with a chance of 1/(1 + 1) = 50 %"), said);
		assertTrue(said.contains(recipe + ":8:69: warning [calibration-samples] calibrate ... samples 4 (few): a calibration of 4 samples"), said);
		assertTrue(said.contains(recipe + ":10:27: warning [top-k-classes] top-k 5 (the default) is not below the 3 classes of model mlp: its top-3 accuracy is"
				+ " 1 for every model by definition; write top-k 2 or less, or leave top-k-accuracy out of the metrics"), said);
		Path out = dir.resolve("out");
		Cli run = Cli.run("run", recipe.toString(), "-o", out.toString());
		assertEquals(0, run.exitCode(), run.out() + run.err());
		String results = Files.readString(out.resolve("results.json"));
		assertTrue(results.contains("\"code\" : \"calibration-samples\"") && results.contains("\"code\" : \"top-k-classes\""), results);
		Cli verify = Cli.run("verify", out.toString());
		assertEquals(0, verify.exitCode(), verify.out() + verify.err());
		// a top-k below the classes and enough samples: nothing said
		Files.writeString(recipe, Files.readString(recipe).replace(" samples 1", "").replace("samples 4", "samples 20").replace("top-k-accuracy", "top-k-accuracy top-k 2"));
		Cli quiet = Cli.run("validate", recipe.toString());
		assertFalse((quiet.out() + quiet.err()).contains("calibration-samples") || (quiet.out() + quiet.err()).contains("top-k-classes"), quiet.out() + quiet.err());
	}

	@Test
	void quantizeSaysAOneSampleCalibrationByTheSameRule() throws IOException {
		iris("");
		String model = dir.resolve("iris_mlp.onnx").toString();
		String data = dir.resolve("iris.csv").toString();
		Cli one = Cli.run("quantize", model, "--scheme", "fiq-int8", "--data", data, "--samples", "1", "-o", dir.resolve("one.onnx").toString());
		assertEquals(0, one.exitCode(), one.err());
		assertTrue(one.err().contains("quantrace: warning: --samples 1: a calibration of 1 sample sets each tensor's range from it alone"), one.err());
		Cli enough = Cli.run("quantize", model, "--scheme", "fiq-int8", "--data", data, "--samples", "20", "-o", dir.resolve("twenty.onnx").toString());
		assertEquals(0, enough.exitCode(), enough.err());
		assertFalse(enough.err().contains("a calibration of"), enough.err());
	}
}
