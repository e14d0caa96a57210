package org.quantrace.cli.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.quantrace.engine.onnx.OnnxModel;
import org.quantrace.testing.TestData;
import org.quantrace.testing.TestModels;

/**
 * Prune and factorize on a model saved in float16 ({@code model.half()} before export), found trying the CLI as a new user
 * would. Before: both exited 0 and wrote the model unchanged ("Not pruned: ...: weights are not a constant float tensor of a
 * supported layout" for every layer, "Parameters of these layers 0 -> 0"), and a recipe without a convert block recorded a
 * "pruned" and a "factorized" stage that were the original. Now both refuse the model (exit 2, nothing written) and say to
 * convert it first, which widens it to float32 exactly; the converted model prunes.
 */
class HalfPrecisionPruneTest {

	@Test
	void pruneAndFactorizeRefuseFloat16WeightsAndSayToConvertFirst() throws IOException {
		Path dir = TestData.tempDir("half-prune");
		Path half = dir.resolve("cnn16.onnx");
		Files.write(half, TestModels.toFloat16(OnnxModel.load(TestData.data("models/fashion_mnist_cnn.onnx")).toProto()).toByteArray());

		Path pruned = dir.resolve("pruned.onnx");
		Cli prune = Cli.run("prune", half.toString(), "--pattern", "element", "--sparsity", "50", "-o", pruned.toString());
		assertEquals(2, prune.exitCode(), prune.out() + prune.err());
		assertTrue(prune.err().contains(half + ": its weights are float16") && prune.err().contains("quantrace convert"), prune.err());
		assertFalse(Files.exists(pruned));

		Path factorized = dir.resolve("factorized.onnx");
		Cli factorize = Cli.run("factorize", half.toString(), "--rank", "4", "-o", factorized.toString());
		assertEquals(2, factorize.exitCode(), factorize.out() + factorize.err());
		assertTrue(factorize.err().contains(half + ": its weights are float16") && factorize.err().contains("quantrace convert"), factorize.err());
		assertFalse(Files.exists(factorized));

		// what the hint says works: the converted model is float32 and prunes
		Path converted = dir.resolve("cnn32.onnx");
		assertEquals(0, Cli.run("convert", half.toString(), "-o", converted.toString()).exitCode());
		Cli again = Cli.run("prune", converted.toString(), "--pattern", "element", "--sparsity", "50", "-o", pruned.toString());
		assertEquals(0, again.exitCode(), again.err());
		// the weights alone, which element pruning zeroes: with the 122 biases counted it said "56,714 -> 28,418 (sparsity 49.9%)" (assessor59)
		assertTrue(again.out().contains("Weights 56,592 -> 28,296 non-zero (sparsity 50.0%; biases not pruned, not counted)"), again.out());
	}
}
