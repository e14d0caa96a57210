package org.quantrace.cli.tests;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.Test;
import org.quantrace.testing.TestData;

/**
 * Seeded fuzzing of the ONNX loader (issue 16): real models cut short and with bits flipped, each inspected (read,
 * checked, loaded into ONNX Runtime and run once on zeros). Every file ends in a clear error (exit 2, naming it) or a
 * valid load (exit 0): never an internal error (exit 70) or a failed run (3), and never a crash of the JVM, which
 * would end this test run.
 */
class OnnxFuzzTest {

	static final long SEED = 16;
	static final int CUTS = 24;
	static final int FLIPS = 40;

	private static final List<String> MODELS = List.of("examples/fashion-mnist/model/fashion_cnn.onnx", "tests/data/models/sklearn_digits_mlp.onnx",
			"tests/data/models/residual_zero_channels.onnx", "tests/data/models/if_subgraph.onnx", "tests/data/models/wild_opset9.onnx",
			"tests/data/models/standalone_bn.onnx", "tests/data/models/fashion_attributes_multilabel.onnx");

	@Test
	void cutAndBitFlippedModelsLoadOrFailCleanly() throws IOException {
		Path dir = TestData.tempDir("fuzz-onnx");
		Random random = new Random(SEED);
		int loaded = 0;
		int refused = 0;
		for (String name : MODELS) {
			byte[] model = Files.readAllBytes(TestData.path(name));
			for (int i = 0; i < CUTS + FLIPS; i++) {
				byte[] mutated = i < CUTS ? cut(model, random, i) : flip(model, random);
				Path file = Files.write(dir.resolve("fuzz.onnx"), mutated);
				Cli cli = Cli.run("inspect", file.toString());
				String what = name + (i < CUTS ? " cut to " + mutated.length + " bytes" : " with bits flipped (mutation " + i + ")");
				if (cli.exitCode() == 0) {
					loaded++;
				} else if (cli.exitCode() == 2 && cli.err().startsWith("quantrace: error: " + file + ": ") && !cli.err().contains("internal error")) {
					refused++;
				} else {
					Files.write(dir.resolve("failed-" + i + ".onnx"), mutated);
					fail(what + " (seed " + SEED + "): exit " + cli.exitCode() + "\n" + cli.err());
				}
			}
		}
		System.out.printf("ONNX fuzz (seed %d): %d mutations of %d models, %d loaded (exit 0), %d refused (exit 2)%n", SEED, loaded + refused, MODELS.size(),
				loaded, refused);
		assertTrue(refused > 0 && loaded > 0, loaded + " loaded, " + refused + " refused");
	}

	/** The first bytes, the last ones cut off, or a random length. */
	private static byte[] cut(byte[] model, Random r, int i) {
		int length = switch (i) {
		case 0 -> 1;
		case 1 -> 2;
		case 2 -> 16;
		case 3 -> model.length - 1;
		case 4 -> model.length / 2;
		default -> r.nextInt(model.length);
		};
		return Arrays.copyOf(model, length);
	}

	/**
	 * One to eight bits flipped, mostly in the first and last 4 KB, where a model's header, nodes, attributes and graph
	 * inputs are (the weights between them are numbers whatever their bits).
	 */
	private static byte[] flip(byte[] model, Random r) {
		byte[] m = model.clone();
		int bits = 1 + r.nextInt(8);
		for (int b = 0; b < bits; b++) {
			int window = Math.min(4096, m.length);
			int at = switch (r.nextInt(3)) {
			case 0 -> r.nextInt(window);
			case 1 -> m.length - 1 - r.nextInt(window);
			default -> r.nextInt(m.length);
			};
			m[at] ^= (byte) (1 << r.nextInt(8));
		}
		return m;
	}
}
