package org.quantrace.cli.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.quantrace.testing.TestData;

/** {@code quantrace prune --criterion activation} as a user runs it: channels scored on --data, bad input exit 2. */
class ActivationPruneCommandTest {

	private final Path dir = TestData.tempDir("activation-prune-cli");
	private final String model = TestData.data("zoo/resnet.onnx").toString();

	@Test
	void withoutDataTheCriterionIsBadInputNamingTheOption() {
		Path out = dir.resolve("never.onnx");
		Cli cli = Cli.run("prune", model, "--pattern", "channel", "--sparsity", "5", "--criterion", "activation", "-o", out.toString());
		assertEquals(2, cli.exitCode(), cli.err());
		assertTrue(cli.err().contains("--criterion activation") && cli.err().contains("give --data DATASET"), cli.err());
		Cli block = Cli.run("prune", model, "--pattern", "block", "--sparsity", "5", "--criterion", "activation", "--data",
				TestData.data("zoo/data/calib300-images-idx3-ubyte.gz").toString(), "-o", out.toString());
		assertEquals(2, block.exitCode(), block.err());
		assertTrue(block.err().contains("--pattern channel"), block.err());
		assertFalse(Files.exists(out));
	}

	@Test
	void channelsAreScoredOnTheDataAndTheSamplesNamed() {
		Path out = dir.resolve("act.onnx");
		Cli cli = Cli.run("prune", model, "--pattern", "channel", "--sparsity", "5", "--criterion", "activation", "--data",
				TestData.data("zoo/data/calib300-images-idx3-ubyte.gz").toString(), "--samples", "100", "-o", out.toString());
		assertEquals(0, cli.exitCode(), cli.err());
		assertTrue(cli.out().contains("Channels scored by their mean |activation| on 100 samples (SHA-256 of the float32 inputs fed: "), cli.out());
		assertTrue(Files.exists(out));
	}
}
