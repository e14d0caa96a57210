package org.quantrace.cli.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.quantrace.engine.data.NpyArray;
import org.quantrace.engine.runtime.NdArray;
import org.quantrace.testing.TestData;
import org.quantrace.testing.QuantraceProcess;
import org.quantrace.testing.TestModels;
import org.quantrace.testing.Zoo;

/**
 * Bad input ends with exit 2 and a message naming the file, whatever command meets it: never 3 ("the work
 * failed", let alone "a Quantrace bug") and never 70 (internal error).
 */
class ExitCodesTest {

	private final Path dir = TestData.tempDir("exit-codes");
	private final List<Path> fourFeatures = TestModels.fourFeatures(dir);

	/** Every command that reads a model, on {@code model} (input [1, 4]). */
	private List<String[]> commandsOn(Path model) {
		String m = model.toString();
		String x = fourFeatures.get(0).toString();
		String y = fourFeatures.get(1).toString();
		return List.of(new String[] { "inspect", m }, new String[] { "convert", m, "-o", dir.resolve("c.onnx").toString() },
				new String[] { "prune", m, "--pattern", "element", "--sparsity", "50", "-o", dir.resolve("p.onnx").toString() },
				new String[] { "factorize", m, "--rank", "1", "-o", dir.resolve("f.onnx").toString() },
				new String[] { "quantize", m, "--scheme", "drq", "-o", dir.resolve("q.onnx").toString() },
				new String[] { "quantize", m, "--scheme", "fiq-int8", "--data", x, "-o", dir.resolve("q8.onnx").toString() },
				new String[] { "evaluate", m, "--data", x, "--labels", y },
				new String[] { "debug", m, m, "--data", x, "-o", dir.resolve("debug").toString() });
	}

	private static void invalid(String[] command, Path file, String expected) {
		Cli cli = Cli.run(command);
		String line = String.join(" ", command);
		assertEquals(2, cli.exitCode(), line + "\n" + cli.err());
		assertTrue(cli.err().startsWith("quantrace: error: " + file + ": "), "names the file: " + line + "\n" + cli.err());
		assertTrue(cli.err().contains(expected), line + "\n" + cli.err());
		assertTrue(cli.err().contains("quantrace: hint: "), cli.err());
		assertTrue(!cli.err().contains("Quantrace bug") && !cli.err().contains("internal error"), cli.err());
	}

	/**
	 * Out of memory is a failure with a hint, not a crash: picocli hands only Exceptions to its handler, so the Error left the
	 * process with exit 1 (the code of a rejected run) and a bare stack trace. The 10,000 test images read at once do not fit in
	 * 24 MB of heap (after the tool itself has started).
	 */
	@Test
	void runningOutOfMemoryIsAFailureWithAHint() throws Exception {
		Path out = TestData.tempDir("oom").resolve("never.onnx");
		Process p = QuantraceProcess.of(List.of("-Xmx24m"), "quantize", Zoo.dir().resolve("resnet.onnx").toString(), "--scheme", "fiq-int8", "--data",
				Zoo.testImages().toString(), "-o", out.toString()).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
		String err = new String(p.getErrorStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
		assertEquals(3, p.waitFor(), err);
		assertTrue(err.contains("quantrace: error: out of memory") && err.contains("QUANTRACE_JAVA_OPTS=-Xmx"), err);
		assertFalse(Files.exists(out), "nothing is written");
	}

	/**
	 * An int8 input read by two DequantizeLinear nodes with different scales: which real value a code stands for depends on the
	 * reader, so there is no q = r / s + z to feed it by. evaluate took the first reader's scale without a word (and a run
	 * recorded it in the trace and PhIMT0003 as the input's); readers that agree are the input's scale.
	 */
	@Test
	void anIntegerInputWhoseDequantizeLinearReadersDisagree() {
		String x = fourFeatures.get(0).toString();
		String y = fourFeatures.get(1).toString();
		Path model = TestModels.twoDequantizeLinearReaders(dir.resolve("two-readers.onnx"), 0.2f);
		invalid(new String[] { "evaluate", model.toString(), "--data", x, "--labels", y }, model,
				"integer input 'x' is read by 2 DequantizeLinear nodes that disagree ('dq_a' scale 0.1, zero point 0; 'dq_b' scale 0.2, zero point 0)");
		Cli agree = Cli.run("evaluate", TestModels.twoDequantizeLinearReaders(dir.resolve("agreeing-readers.onnx"), 0.1f).toString(), "--data", x,
				"--labels", y);
		assertEquals(0, agree.exitCode(), agree.err());
	}

	@Test
	void aModelOnnxRuntimeCannotLoad() {
		Path model = TestModels.unknownOp(dir.resolve("unknown-op.onnx"));
		for (String[] command : commandsOn(model)) {
			if (!command[0].equals("inspect")) { // inspect shows the file as it is (it runs the model only to learn shapes)
				invalid(command, model, "cannot load the model");
			}
		}
	}

	@Test
	void aGraphWithACycle() {
		Path model = TestModels.cycle(dir.resolve("cycle.onnx"));
		commandsOn(model).forEach(c -> invalid(c, model, "the graph has a cycle"));
	}

	@Test
	void declaredDimensionsThatOverflow() {
		Path model = TestModels.overflowingInput(dir.resolve("overflow.onnx"));
		commandsOn(model).forEach(c -> invalid(c, model, "overflow"));
	}

	@Test
	void aTruncatedNpyHeader() throws IOException {
		Path whole = dir.resolve("whole.npy");
		NpyArray.write(whole, NdArray.ofFloats(new long[] { 4, 1, 28, 28 }, new float[4 * 28 * 28]));
		Path cut = Files.write(dir.resolve("cut.npy"), Arrays.copyOf(Files.readAllBytes(whole), 30));
		String model = TestData.example("model/fashion_cnn.onnx").toString();
		invalid(new String[] { "evaluate", model, "--data", cut.toString() }, cut, "truncated .npy header");
		NpyArray.write(dir.resolve("labels.npy"), NdArray.ofLongs(new long[] { 4 }, new long[4]));
		invalid(new String[] { "evaluate", model, "--data", whole.toString(), "--labels", cut.toString() }, cut, "truncated .npy header");
		invalid(new String[] { "quantize", model, "--scheme", "fiq-int8", "--data", cut.toString(), "-o", dir.resolve("q.onnx").toString() }, cut,
				"truncated .npy header");
	}

	/** Found trying the commands as a hostile user would: each was an internal error (70) or "failed" (3). */
	@Test
	void otherBadInputs() {
		String model = TestData.example("model/fashion_cnn.onnx").toString();
		String data = TestData.example("data/calibration").toString();
		String labels = TestData.example("data/labels.json").toString();
		String[][] commands = { { "evaluate", model, "--data", data, "--labels", labels, "--preprocess", "resize=-5x3" },
				{ "evaluate", model, "--data", data, "--labels", labels, "--batch", "0" },
				{ "quantize", model, "--scheme", "fiq-int8", "--data", data, "--batch", "0", "-o", dir.resolve("q.onnx").toString() },
				{ "convert", model, "--opset", "999", "-o", dir.resolve("c.onnx").toString() },
				{ "merge", TestData.example("").toString(), "-o", dir.resolve("merged").toString() }, { "validate", model }, { "run", model } };
		for (String[] command : commands) {
			Cli cli = Cli.run(command);
			assertEquals(2, cli.exitCode(), String.join(" ", command) + "\n" + cli.out() + cli.err());
			assertTrue(!cli.err().contains("internal error") && !cli.err().contains("Quantrace bug"), cli.err());
		}
	}

	@Test
	void anEmptyIdxFile() throws IOException {
		Path empty = Files.write(dir.resolve("empty-idx3-ubyte"), new byte[0]);
		Path images = TestData.data("fashion-mnist/t10k-images-idx3-ubyte.gz");
		String model = TestData.example("model/fashion_cnn.onnx").toString();
		invalid(new String[] { "evaluate", model, "--data", empty.toString(), "--data-format", "idx", "--labels", empty.toString() }, empty,
				"empty file");
		invalid(new String[] { "evaluate", model, "--data", images.toString(), "--labels", empty.toString() }, empty, "empty file");
	}
}
