package org.quantrace.cli.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.DataInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.zip.GZIPInputStream;

import org.junit.jupiter.api.Test;
import org.quantrace.engine.data.NpyArray;
import org.quantrace.engine.runtime.NdArray;
import org.quantrace.testing.TestData;

/**
 * Samples that do not fit the input a model declares are the data's fault. Fashion-MNIST images flattened to [N, 784] for the
 * CNN that reads [N, 1, 28, 28] (hostile8, main 22b45ed5): evaluate, quantize, debug, prune and factorize ran the model on them
 * and blamed it, "ONNX Runtime 1.29.0 loads the model but cannot run it on input 'input' of shape [1, 784] ... the graph contradicts
 * its own declared input ... export the model again": a user with a good model and flat data was sent to re-export the model.
 * Now each says the data's shape against the model's and how to reshape it, exit 2, nothing written; a recipe said so already.
 */
class MisshapenDataCommandsTest {

	private static final int IMAGES = 16;

	private final Path dir = TestData.tempDir("misshapen");
	private final String model = TestData.data("models/fashion_mnist_cnn.onnx").toString();

	@Test
	void flatImagesForACnnAreTheDatasFaultInEveryCommandThatRunsIt() throws IOException {
		float[] pixels = pixels();
		String x = dir.resolve("flat.npy").toString();
		NpyArray.write(Path.of(x), NdArray.ofFloats(new long[] { IMAGES, 784 }, pixels));
		String y = labels(dir.resolve("labels.npy")).toString();
		List<String[]> commands = List.of(
				new String[] { "evaluate", model, "--data", x, "--labels", y },
				new String[] { "quantize", model, "--scheme", "fiq-int8", "--data", x, "-o", dir.resolve("q8.onnx").toString() },
				new String[] { "debug", model, model, "--data", x, "-o", dir.resolve("debug").toString() },
				new String[] { "prune", model, "--pattern", "element", "--sparsity", "50", "--data", x, "--labels", y, "-o", dir.resolve("p.onnx").toString() },
				new String[] { "factorize", model, "--rank", "4", "--data", x, "--labels", y, "-o", dir.resolve("f.onnx").toString() });
		for (String[] command : commands) {
			Cli cli = Cli.run(command);
			String line = String.join(" ", command) + "\n" + cli.err();
			assertEquals(2, cli.exitCode(), line);
			assertTrue(cli.err().startsWith("quantrace: error: " + x + ": samples of shape [784] do not fit input 'input' [N, 1, 28, 28] of " + model), line);
			assertTrue(cli.err().contains("quantrace: hint: the samples hold the 784 values the model reads, in another shape: reshape them"
					+ " (numpy: x.reshape(len(x), 1, 28, 28))"), line);
			assertFalse(cli.err().contains("contradicts its own declared input") || cli.err().contains("export the model again"), line);
		}
		for (String out : List.of("q8.onnx", "debug", "p.onnx", "f.onnx")) {
			assertFalse(Files.exists(dir.resolve(out)), out + ": nothing is written");
		}
		// the same images in the model's shape are evaluated: the refusal is about the shape alone
		Path shaped = dir.resolve("shaped.npy");
		NpyArray.write(shaped, NdArray.ofFloats(new long[] { IMAGES, 1, 28, 28 }, pixels));
		Cli fits = Cli.run("evaluate", model, "--data", shaped.toString(), "--labels", y);
		assertEquals(0, fits.exitCode(), fits.err());
	}

	/** The first images of the Fashion-MNIST test set, pixels / 255, 784 values each. */
	private static float[] pixels() throws IOException {
		try (DataInputStream in = new DataInputStream(new GZIPInputStream(Files.newInputStream(TestData.data("fashion-mnist/t10k-images-idx3-ubyte.gz"))))) {
			in.skipNBytes(16);
			float[] x = new float[IMAGES * 784];
			for (int i = 0; i < x.length; i++) {
				x[i] = in.readUnsignedByte() / 255f;
			}
			return x;
		}
	}

	private static Path labels(Path file) throws IOException {
		try (DataInputStream in = new DataInputStream(new GZIPInputStream(Files.newInputStream(TestData.data("fashion-mnist/t10k-labels-idx1-ubyte.gz"))))) {
			in.skipNBytes(8);
			long[] y = new long[IMAGES];
			for (int i = 0; i < y.length; i++) {
				y[i] = in.readUnsignedByte();
			}
			NpyArray.write(file, NdArray.ofLongs(new long[] { IMAGES }, y));
		}
		return file;
	}
}
