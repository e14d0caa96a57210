package org.quantrace.runner.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.quantrace.engine.Progress;
import org.quantrace.runner.Verification;

/**
 * verify --deep's second path to the activation scores on graphs where a channel space is more than a chain: the zoo's U-Net
 * (each encoder's channels read by the next encoder and, through a Concat, by the decoder) and ResNet (layers added together in
 * residual streams, one space each), both pruned after the recipe's convert step. verify finds the tensors the readers read with
 * a walk of its own: had it taken other tensors (a Concat's wider output, a residual stream before its Add) than the run, the
 * scores would differ by far more than the tolerance.
 */
class VerifyActivationScoresZooTest {

	@ParameterizedTest
	@CsvSource({ "unet, 8", "resnet, 6" })
	void theScoresOfEverySpaceAreMeasuredAgain(String model, int spaces) throws IOException {
		Path dir = ZooRuns.run("activation-scores-" + model, "recipe zoo_" + model + " {\nresponsible \"tests\"\nmodel " + model + " \"" + model
				+ ".onnx\" id " + model.toUpperCase(java.util.Locale.ROOT) + " version 1\n" + ZooRuns.CALIBRATION
				+ "prune { criterion activation pattern channel sparsity 10 % samples 64 }\nschemes fiq_int8\n}\n", model + ".onnx");
		Verification.Result r = Verification.verify(dir.resolve("out"), new Verification.Options(dir.resolve("zoo.qr"), null, false, true, Progress.NONE));
		assertEquals(List.of(), r.problems(), "the honest run verifies clean with --deep");
		assertTrue(r.notes().stream().anyMatch(n -> n.contains("pruning channel scores (re-measured): " + spaces + " channel spaces measured again on 64 samples of calib")),
				r.notes().toString());
	}
}
